"""A fault-injecting HTTP/1.1 proxy on loopback, between phones and a real sync server.

Each request that arrives takes the next fault from ``plan`` (or ``pass``)::

    pass            forward, relay the answer
    drop_request    close the phone's connection; the server never sees the request
    drop_response   forward (the server commits), then close without answering
    delay           hold the request past the phone's read timeout, then forward it (it lands late)
    duplicate       forward the request twice; relay the second answer
    reorder         keep the request, close the phone's connection, and forward it only after the
                    next request has been forwarded: an old batch arrives after newer ones
    cut_request     forward the head and half the body, then hang up on the server
    cut_response    forward, relay half the answer, hang up
    error_5xx       answer 500/502/503 (plain text, as a broken gateway would) without forwarding

Only the standard library; one thread per connection; every connection is
closed after one exchange (``Connection: close`` both ways), which clients
like requests handle by reconnecting.
"""

from __future__ import annotations

import errno
import random
import socket
import threading
import time
from collections import Counter

FAULTS = (
    "drop_request",
    "drop_response",
    "delay",
    "duplicate",
    "reorder",
    "cut_request",
    "cut_response",
    "error_5xx",
)


def _read_request(conn: socket.socket) -> bytes | None:
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        buf += chunk
    head, _, body = buf.partition(b"\r\n\r\n")
    length = 0
    lines = head.split(b"\r\n")
    kept = [lines[0]]
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
        if name.strip().lower() in (b"connection", b"keep-alive"):
            continue
        kept.append(line)
    kept.append(b"Connection: close")
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        body += chunk
    return b"\r\n".join(kept) + b"\r\n\r\n" + body[:length]


class FaultProxy:
    def __init__(self, upstream: tuple[str, int], *, delay: float = 1.5, seed: int = 0) -> None:
        self.upstream = upstream
        self.delay = delay
        self.plan: list[str] = []
        self.counts: Counter[str] = Counter()
        self.requests = 0
        self.accept_errors: list[str] = []  # what accept() raised while serving (the loop goes on)
        self._held: list[bytes] = []
        self._lock = threading.Lock()
        self._rng = random.Random(seed)
        self._threads: list[threading.Thread] = []
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self.port = self._sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._stopping = False
        self._acceptor = threading.Thread(target=self._accept, daemon=True)
        self._acceptor.start()

    # ---- control -------------------------------------------------------------------------------------
    def set_plan(self, faults: list[str]) -> None:
        with self._lock:
            self.plan = list(faults)

    def flush_held(self) -> None:
        """Deliver requests kept back by ``reorder`` (late, as a slow network finally would)."""
        with self._lock:
            held, self._held = self._held, []
        for raw in held:
            self._forward(raw)

    def settle(self, timeout: float = 10.0) -> None:
        """Wait for in-flight exchanges (e.g. delayed requests) to finish."""
        deadline = time.monotonic() + timeout
        for t in list(self._threads):
            t.join(max(0.0, deadline - time.monotonic()))
        self._threads = [t for t in self._threads if t.is_alive()]

    def close(self) -> None:
        self._stopping = True
        try:
            self._sock.close()
        except OSError:
            pass
        self.settle(5.0)

    # ---- the proxy -----------------------------------------------------------------------------------
    @property
    def accepting(self) -> bool:
        return self._acceptor.is_alive()

    def _accept(self) -> None:
        while not self._stopping:
            try:
                conn, _ = self._sock.accept()
            except OSError as exc:
                if self._stopping or exc.errno == errno.EBADF:
                    return
                # A transient failure (a connection reset before it was accepted, too many open
                # files for a moment) must not end the proxy: every later request would time out
                # without ever being counted, which looks like a phone that never synced.
                self.accept_errors.append(repr(exc))
                time.sleep(0.05)
                continue
            t = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            self._threads.append(t)
            t.start()

    def _next_fault(self) -> str:
        with self._lock:
            self.requests += 1
            fault = self.plan.pop(0) if self.plan else "pass"
            self.counts[fault] += 1
            return fault

    def _forward(self, raw: bytes, *, cut: bool = False) -> bytes:
        try:
            with socket.create_connection(self.upstream, timeout=30) as up:
                if cut:
                    up.sendall(raw[: max(1, len(raw) - max(1, (len(raw) - raw.index(b"\r\n\r\n")) // 2))])
                    return b""
                up.sendall(raw)
                out = b""
                while chunk := up.recv(65536):
                    out += chunk
                return out
        except OSError:
            return b""

    def _serve(self, conn: socket.socket) -> None:
        try:
            conn.settimeout(30)
            raw = _read_request(conn)
            if raw is None:
                return
            fault = self._next_fault()
            if fault == "drop_request":
                return
            if fault == "error_5xx":
                status = self._rng.choice(
                    [b"500 Internal Server Error", b"502 Bad Gateway", b"503 Service Unavailable"]
                )
                body = b"upstream trouble"
                conn.sendall(
                    b"HTTP/1.1 "
                    + status
                    + b"\r\nContent-Type: text/plain\r\nContent-Length: "
                    + str(len(body)).encode()
                    + b"\r\nConnection: close\r\n\r\n"
                    + body
                )
                return
            if fault == "reorder":
                with self._lock:
                    self._held.append(raw)
                return
            if fault == "cut_request":
                self._forward(raw, cut=True)
                return
            if fault == "delay":
                time.sleep(self.delay)
            if fault == "duplicate":
                self._forward(raw)
            answer = self._forward(raw)
            with self._lock:  # a request kept back goes now, after this newer one
                held, self._held = self._held, []
            for old in held:
                self._forward(old)
            if fault == "drop_response":
                return
            if fault == "cut_response":
                answer = answer[: len(answer) // 2]
            conn.sendall(answer)
        except OSError:
            pass  # the phone gave up (timeout) or we hung up on purpose
        finally:
            try:
                conn.close()
            except OSError:
                pass
