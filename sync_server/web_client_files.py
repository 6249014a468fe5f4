"""The web client's big static files (engine, program, fonts), from memory, compressed once.

Every new browser fetches about 12 MB of WebAssembly, JavaScript and fonts
before it shows a screen. Compressed on every request (the API's gzip
middleware, level 9), that costs seconds of CPU per page load on a small
server, while many people open the app at once. Here each file is read and
compressed the first time it is asked for, in a worker thread, then served
from memory with an ETag (a reload revalidates with a 304).

The same pass rewrites the client's one request to another origin:
flet-web 1.0.5's program (``main.dart.js``, and ``main.dart.wasm`` that
Chromium runs) loads the Rive runtime from cdn.jsdelivr.net on every load.
The address is replaced by one on our own origin of the same length (the
WebAssembly binary fixes its strings' lengths), padded with "./" segments
that the browser drops when it resolves the address against the page's
``<base href="/app/">``.

Anything else (the page, its patched manifests, the WebSocket) goes on to
Flet's own app. Only files inside the client's folder are served.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import threading
from pathlib import Path
from typing import Any

import anyio
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

log = logging.getLogger("fieldtally.web")

RIVE_CDN = b"https://cdn.jsdelivr.net/npm/@rive-app/flutter-native-wasm@44.0.0/"
RIVE_PATH = "rive-native"  # /app/rive-native/ serves the package's files
RIVE_LOCAL = b"./" * ((len(RIVE_CDN) - len(RIVE_PATH) - 1) // 2) + RIVE_PATH.encode() + b"/"
PATCHED = ("main.dart.js", "main.dart.wasm")
MEDIA_TYPES = {
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".wasm": "application/wasm",
    ".otf": "font/otf",
    ".ttf": "font/ttf",
}
# What Flet's own app sends with every file; the engine's worker needs it to run cross-origin isolated.
ISOLATION = {
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Embedder-Policy": "require-corp",
    "Cross-Origin-Resource-Policy": "same-origin",
}


class _Entry:
    def __init__(self, plain: bytes, media_type: str) -> None:
        self.plain = plain
        self.gzipped = gzip.compress(plain, compresslevel=6, mtime=0)
        self.etag = '"' + hashlib.sha256(plain).hexdigest()[:32] + '"'
        self.media_type = media_type


class ClientFiles:
    """ASGI app in front of Flet's: GET of ``web_dir``'s engine files answered from a compressed cache."""

    def __init__(self, app: ASGIApp, web_dir: Path) -> None:
        self.app = app
        self.web_dir = web_dir.resolve()
        self._cache: dict[Path, _Entry] = {}
        self._lock = threading.Lock()

    def _file(self, scope: Scope) -> Path | None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            return None
        rel = scope["path"][len(scope.get("root_path", "")) :].lstrip("/")
        if Path(rel).suffix not in MEDIA_TYPES:
            return None
        path = (self.web_dir / rel).resolve()
        if not path.is_relative_to(self.web_dir) or not path.is_file():
            return None
        return path

    def _load(self, path: Path) -> _Entry:
        with self._lock:
            entry = self._cache.get(path)
            if entry is None:
                data = path.read_bytes()
                if path.name in PATCHED:
                    if RIVE_CDN not in data:
                        log.warning("%s no longer names the Rive CDN address; served unchanged", path.name)
                    assert len(RIVE_LOCAL) == len(RIVE_CDN)
                    data = data.replace(RIVE_CDN, RIVE_LOCAL)
                entry = self._cache[path] = _Entry(data, MEDIA_TYPES[path.suffix])
            return entry

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = self._file(scope)
        if path is None:
            await self.app(scope, receive, send)
            return
        entry = self._cache.get(path) or await anyio.to_thread.run_sync(self._load, path)
        await _respond(entry, _headers(scope))(scope, receive, send)


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}


def _respond(entry: _Entry, request_headers: dict[str, Any]) -> Response:
    headers = {"ETag": entry.etag, "Cache-Control": "no-cache", "Vary": "Accept-Encoding", **ISOLATION}
    if request_headers.get("if-none-match") == entry.etag:
        return Response(status_code=304, headers=headers)
    if "gzip" in request_headers.get("accept-encoding", ""):
        headers["Content-Encoding"] = "gzip"
        return Response(entry.gzipped, media_type=entry.media_type, headers=headers)
    return Response(entry.plain, media_type=entry.media_type, headers=headers)
