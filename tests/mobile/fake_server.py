"""A real HTTP server on loopback whose answers a test writes as a plain function.

Not a mock of requests: the client under test opens real sockets, sends real
bytes and parses real answers. Each request is recorded (method, path,
headers, raw body) and passed to the test's ``handler``, which returns
``(status, headers, body)``; a body that is a pydantic model or a dict is sent
as JSON. ``FakeServer.push_handler`` is a well-behaved sync server in
miniature (receipts by (id, revision), like the real one).
"""

from __future__ import annotations

import gzip
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from pydantic import BaseModel

from schemas.sync import PushBatch, PushResponse, Receipt, ReceiptStatus


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        raw = gzip.decompress(self.body) if self.headers.get("content-encoding") == "gzip" else self.body
        return json.loads(raw)


Reply = tuple[int, dict[str, str], Any]
Handler = Callable[[Request], Reply]


@dataclass
class FakeServer:
    handler: Handler
    requests: list[Request] = field(default_factory=list)
    stored: dict[str, int] = field(default_factory=dict)  # record id -> highest revision (push_handler)

    def start(self) -> FakeServer:
        owner = self

        class _H(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                n = int(self.headers.get("Content-Length") or 0)
                req = Request(
                    self.command,
                    self.path,
                    {k.lower(): v for k, v in self.headers.items()},
                    self.rfile.read(n),
                )
                owner.requests.append(req)
                status, headers, body = owner.handler(req)
                if isinstance(body, BaseModel):
                    body = body.model_dump_json().encode()
                elif isinstance(body, (dict, list)):
                    body = json.dumps(body).encode()
                elif isinstance(body, str):
                    body = body.encode()
                try:
                    self.send_response(status)
                    for k, v in {"Content-Type": "application/json", **headers}.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(body or b"")))
                    self.end_headers()
                    self.wfile.write(body or b"")
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout test)
                    pass

            do_GET = do_POST = _serve

            def log_message(self, *args: Any) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _H)
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.02,), daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def pushes(self) -> list[Request]:
        return [r for r in self.requests if r.path.endswith("/sync/push")]

    # A miniature sync server ------------------------------------------------------------------------
    def receipts_for(self, req: Request) -> PushResponse:
        batch = PushBatch.model_validate(req.json())
        out = []
        for rec in batch.records:
            have = self.stored.get(str(rec.id), 0)
            if rec.revision > have:
                self.stored[str(rec.id)] = rec.revision
                status = ReceiptStatus.STORED
            else:
                status = ReceiptStatus.DUPLICATE if rec.revision == have else ReceiptStatus.STALE
            out.append(Receipt(id=rec.id, revision=rec.revision, status=status))
        return PushResponse(receipts=out, server_time=datetime.now(UTC))
