"""The app's web build, served by the sync server at ``/app/``: one process, one port, one origin.

Supervisors work at desks in a browser; they should not have to run a second
program or know a second port. ``mount_web_app`` mounts Flet's web server
(``flet_web.fastapi``, the "web" extra) inside the API's own FastAPI app. This is
the only module of the server that imports the app, and it imports only the
app's entry point (``mobile.main.build_web_main``), and only when called: the
server starts without flet-web installed, and says the app is not served.

Three things Flet's mount does not do by itself:

- A mounted app's lifespan never runs, so Flet's session manager (which
  expires closed tabs' sessions, where vaults are finally released) is started
  and stopped from the API's lifespan instead.
- flet-web 1.0.5's client (``main.dart.js``, and ``main.dart.wasm`` that
  Chromium runs) fetches ``rive_native.js`` from cdn.jsdelivr.net on every
  load. We serve copies whose address points at ``/app/rive-native/`` on our
  own origin, where ``scripts/fetch_web_assets.sh`` puts the same files from
  the npm registry; without them that request is a 404 here, still on our
  origin, and harmless (the app draws no Rive animation).
- Those two 8-9 MB files are compressed once, not on every page load.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.engine import make_url

from .config import Settings

log = logging.getLogger("fieldtally.web")

APP_PATH = "/app"
RIVE_CDN = b"https://cdn.jsdelivr.net/npm/@rive-app/flutter-native-wasm@44.0.0/"
RIVE_PATH = "rive-native"  # /app/rive-native/ serves the package's files
# The address is a string inside main.dart.wasm too, whose length is fixed in the binary: the new one
# has the same length, padded with "./" segments that the browser drops when it resolves the address
# against the page's <base href="/app/">.
RIVE_LOCAL = b"./" * ((len(RIVE_CDN) - len(RIVE_PATH) - 1) // 2) + RIVE_PATH.encode() + b"/"
RIVE_PACKAGE = "flutter-native-wasm"  # folder under web_assets_dir


def web_data_dir(settings: Settings) -> Path:
    """Where browsers' device folders live: ``web-devices`` beside the SQLite file, or ./var/web-devices."""
    if settings.web_data_dir:
        return Path(settings.web_data_dir).expanduser()
    url = make_url(settings.database_url)
    database = url.database or ""
    if (
        url.get_backend_name() == "sqlite"
        and database
        and database != ":memory:"
        and "mode=memory" not in database
    ):
        return Path(database).expanduser().resolve().parent / "web-devices"
    return Path("var") / "web-devices"


def mount_web_app(api: FastAPI, settings: Settings) -> bool:
    """Serve the app at /app/ on ``api``; False (and a log line saying why) when it cannot be."""
    if not settings.serve_app:
        log.info("the app is not served (FIELDTALLY_SERVE_APP is off)")
        return False
    try:
        import flet_web
        import flet_web.fastapi as flet_fastapi

        from mobile.main import build_web_main
    except ImportError as exc:
        log.warning("the app is not served at %s/: %s (install fieldtally[web])", APP_PATH, exc)
        return False

    root = web_data_dir(settings)
    root.mkdir(parents=True, exist_ok=True)
    main = build_web_main(root, idle_seconds=settings.web_idle_lock_minutes * 60)
    web_dir = Path(flet_web.__file__).parent / "web"

    # Routes match in the order they were added: these come before the mount that would answer them.
    # Chromium runs the WebAssembly build (main.dart.wasm), other browsers the JavaScript one.
    for name, media_type in (("main.dart.js", "text/javascript"), ("main.dart.wasm", "application/wasm")):
        patched = _PatchedClient(web_dir / name, media_type)
        api.add_api_route(f"{APP_PATH}/{name}", patched.respond, methods=["GET"], include_in_schema=False)
    rive = _rive_files(Path(settings.web_assets_dir) / RIVE_PACKAGE)
    api.mount(f"{APP_PATH}/{RIVE_PATH}", rive, name="rive")
    api.add_api_route(APP_PATH, _to_app, methods=["GET"], include_in_schema=False)
    api.mount(
        APP_PATH,
        flet_fastapi.app(
            main,
            app_name="fieldtally",
            app_short_name="fieldtally",
            no_cdn=True,  # phones in the field and desks behind firewalls have no CDN
            session_timeout_seconds=settings.web_session_timeout_seconds,
        ),
        name="app",
    )
    _run_with(api, flet_fastapi.app_manager)
    log.info("the app is served at %s/ (device folders in %s)", APP_PATH, root)
    return True


def _rive_files(folder: Path) -> Any:
    """The Rive runtime's files from our origin; a plain 404 for each while they are not installed."""
    if (folder / "wasm" / "rive_native.js").is_file():
        return StaticFiles(directory=folder)
    log.info("%s is missing: /app/rive-native/ answers 404 (scripts/fetch_web_assets.sh fetches it)", folder)
    return PlainTextResponse("not installed on this server (scripts/fetch_web_assets.sh)", status_code=404)


async def _to_app(request: Request) -> RedirectResponse:
    return RedirectResponse(url=f"{APP_PATH}/", status_code=307)


def _run_with(api: FastAPI, manager: Any) -> None:
    """Start Flet's session manager with the API (a mounted app's own lifespan never runs)."""
    inner = api.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[Any]:
        await manager.start()
        try:
            async with inner(app) as state:
                yield state
        finally:
            await manager.shutdown()

    api.router.lifespan_context = lifespan


class _PatchedClient:
    """A file of flet-web's client with the Rive CDN address pointing at our origin, compressed once."""

    def __init__(self, path: Path, media_type: str) -> None:
        self.path, self.media_type = path, media_type
        self._lock = threading.Lock()
        self._plain: bytes | None = None
        self._gzipped: bytes | None = None
        self._etag = ""

    def _load(self) -> None:
        with self._lock:
            if self._plain is not None:
                return
            data = self.path.read_bytes()
            if RIVE_CDN not in data:
                log.warning("%s no longer names the Rive CDN address; served unchanged", self.path.name)
            assert len(RIVE_LOCAL) == len(RIVE_CDN)  # a wasm binary's string keeps its length
            plain = data.replace(RIVE_CDN, RIVE_LOCAL)
            self._gzipped = gzip.compress(plain, compresslevel=6, mtime=0)
            self._etag = '"' + hashlib.sha256(plain).hexdigest()[:32] + '"'
            self._plain = plain

    def respond(self, request: Request) -> Response:
        # A plain def: FastAPI runs it in a worker thread, so the first load's compression never
        # stalls the event loop that every browser session shares.
        self._load()
        assert self._plain is not None and self._gzipped is not None
        headers = {"ETag": self._etag, "Cache-Control": "no-cache", "Vary": "Accept-Encoding"}
        if request.headers.get("if-none-match") == self._etag:
            return Response(status_code=304, headers=headers)
        if "gzip" in request.headers.get("accept-encoding", ""):
            headers["Content-Encoding"] = "gzip"
            return Response(self._gzipped, media_type=self.media_type, headers=headers)
        return Response(self._plain, media_type=self.media_type, headers=headers)
