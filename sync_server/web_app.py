"""The app's web build, served by the sync server at ``/app/``: one process, one port, one origin.

Supervisors work at desks in a browser; they should not have to run a second
program or know a second port. ``mount_web_app`` mounts Flet's web server
(``flet_web.fastapi``, the "web" extra) inside the API's own FastAPI app. This is
the only module of the server that imports the app, and it imports only the
app's entry point (``mobile.main.build_web_main``), and only when called: the
server starts without flet-web installed, and says the app is not served.

Two things Flet's mount does not do by itself:

- A mounted app's lifespan never runs, so Flet's session manager (which
  expires closed tabs' sessions, where vaults are finally released) is started
  and stopped from the API's lifespan instead.
- The client's engine files are served compressed once, and its one request to
  a CDN (the Rive runtime) is pointed at ``/app/rive-native/`` on our own origin
  (``web_client_files.py``), where ``scripts/fetch_web_assets.sh`` puts the same
  files from the npm registry; without them that request is a 404 here, still
  on our origin, and harmless (the app draws no Rive animation).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from .config import Settings, beside_database
from .web_client_files import RIVE_PATH, ClientFiles

log = logging.getLogger("fieldtally.web")

APP_PATH = "/app"
RIVE_PACKAGE = "flutter-native-wasm"  # folder under web_assets_dir


def web_data_dir(settings: Settings) -> Path:
    """Where browsers' device folders live: ``web-devices`` beside the SQLite file, or ./var/web-devices."""
    if settings.web_data_dir:
        return Path(settings.web_data_dir).expanduser()
    return beside_database(settings.database_url, "web-devices")


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

    # Mounts match in the order they were added: this one comes before the app's, which would answer it.
    rive = _rive_files(Path(settings.web_assets_dir) / RIVE_PACKAGE)
    api.mount(f"{APP_PATH}/{RIVE_PATH}", rive, name="rive")
    api.add_api_route(APP_PATH, _to_app, methods=["GET"], include_in_schema=False)
    flet_app = flet_fastapi.app(
        main,
        app_name="fieldtally",
        app_short_name="fieldtally",
        no_cdn=True,  # phones in the field and desks behind firewalls have no CDN
        session_timeout_seconds=settings.web_session_timeout_seconds,
    )
    api.mount(APP_PATH, ClientFiles(flet_app, web_dir), name="app")
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
