"""The app's entry points: ``main(page)`` for Flet, and ``fieldtally-app`` for a terminal.

``build_main(folder)`` is one device in one folder (a phone, a desktop window,
``fieldtally-app --web`` for development). ``build_web_main(root)`` is what the
sync server mounts at ``/app/``: every browser its own device under ``root``
(``app/web_device.py``).
"""

from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path

import flet as ft

from . import loop_monitor
from .app.lifecycle import Lifecycle
from .app.network_kind import counts_as_wifi
from .app.permission_prompt import install as install_permissions
from .app.photo_input import install as install_photo_picker
from .app.service import AppService
from .app.shell import Shell
from .app.web_device import (
    DEFAULT_IDLE_SECONDS,
    WebSession,
    browser_folder,
    browser_identity,
    device_name,
    same_origin,
)
from .settings_store import data_dir
from .vault.device_secret import FletSecretStore

log = logging.getLogger("fieldtally.app")


def build_main(folder: Path | None = None, *, idle_seconds: float = DEFAULT_IDLE_SECONDS):
    """A Flet ``main`` bound to a data folder (tests and the web demo pass their own)."""

    async def main(page: ft.Page) -> None:
        secrets = None
        if page.platform == ft.PagePlatform.ANDROID:
            # The device secret and the vault's counters live in the Keystore (docs/security.md, C18);
            # elsewhere the service keeps them in a file beside the vault folder.
            secrets = FletSecretStore.for_session()
        await _run(page, AppService(folder or data_dir(), secrets=secrets), idle_seconds)

    return main


def build_web_main(root: Path, *, idle_seconds: float = DEFAULT_IDLE_SECONDS):
    """A Flet ``main`` for many browsers at once: each gets a device folder of its own under ``root``."""

    async def main(page: ft.Page) -> None:
        prefs = ft.SharedPreferences()  # the browser's localStorage in the web build
        folder = browser_folder(root, await browser_identity(prefs))
        service = AppService(folder)
        if not service.settings.enrolled:
            # The server that served this page is the one to enroll with; the officer may still change it.
            service.settings.server_url = service.settings.server_url or same_origin(page.url)
            service.settings.device_name = device_name(page.client_user_agent)
        await _run(page, service, idle_seconds, prefs=prefs)

    return main


async def _run(page: ft.Page, service: AppService, idle_seconds: float, prefs: object = None) -> None:
    """Wire one page to one device's service: theme, lifecycle, the web session's rules, first screen."""
    loop_monitor.maybe_start()  # only with FIELDTALLY_LOOP_MONITOR set (benchmarks/app_timing.py)
    shell = Shell(page, service)
    web = WebSession(page, shell, idle_seconds=idle_seconds)
    web.prefs = prefs  # a service lives while referenced: the page's handlers keep ``web``
    page.title = "fieldtally"
    page.theme = ft.Theme(color_scheme_seed=ft.Colors.GREEN_800)
    page.dark_theme = ft.Theme(color_scheme_seed=ft.Colors.GREEN_800)
    page.theme_mode = {"dark": ft.ThemeMode.DARK, "light": ft.ThemeMode.LIGHT}.get(
        getattr(service.settings, "theme", ""), ft.ThemeMode.SYSTEM
    )
    shell.apply_locale()

    # Android's lifecycle: flush and lock in the background, sync on resume (rules in app/lifecycle.py).
    lifecycle = Lifecycle(shell, lambda: service.settings.lock_after_seconds)

    async def on_lifecycle(e: ft.AppLifecycleStateChangeEvent) -> None:
        await lifecycle.on_state(e.state.value)

    async def on_connectivity(e) -> None:
        await lifecycle.on_connectivity()

    install_permissions(page)  # the service only; permissions are asked when first needed
    install_photo_picker(page, shell)  # the file picker, attached before the first photo question

    page.on_app_lifecycle_state_change = on_lifecycle
    # Web: a closed or reloaded tab releases the vault at once; an expired session stops everything.
    page.on_disconnect = web.on_disconnect
    page.on_connect = web.on_connect
    page.on_close = web.on_close
    web.install()
    try:
        # Constructing a service registers it with the page; the shell keeps it referenced.
        shell.connectivity = ft.Connectivity(on_change=on_connectivity)
    except Exception:  # not every client build carries the service; the probe loop covers it
        log.info("connectivity service unavailable; relying on periodic probes")
    if not page.web and page.platform in (ft.PagePlatform.ANDROID, ft.PagePlatform.IOS):
        # "Photos only on Wi-Fi" asks the connectivity service; elsewhere the connection counts as Wi-Fi.
        async def on_wifi() -> bool:
            if shell.connectivity is None:
                return False
            kinds = await shell.connectivity.get_connectivity()
            return counts_as_wifi(is_phone=True, kinds=[getattr(k, "value", k) for k in kinds])

        service.on_wifi = on_wifi
    shell.start()
    shell.spawn(shell.watch())


def cli(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="fieldtally-app", description="Run the fieldtally app.")
    parser.add_argument("--web", action="store_true", help="serve the app to a browser instead of a window")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8550)
    parser.add_argument("--data-dir", type=Path, default=None, help="where the encrypted vault lives")
    parser.add_argument("--no-browser", action="store_true", help="with --web: do not open a browser")
    parser.add_argument(
        "--per-browser",
        action="store_true",
        help="with --web: every browser is its own device under --data-dir (as the sync server serves it)",
    )
    parser.add_argument(
        "--idle-lock-minutes",
        type=float,
        default=DEFAULT_IDLE_SECONDS / 60,
        help="lock after this long untouched; 0: never",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    idle = max(0.0, args.idle_lock_minutes) * 60
    if args.web and args.per_browser:
        main = build_web_main(args.data_dir or data_dir(), idle_seconds=idle)
    else:
        main = build_main(args.data_dir, idle_seconds=idle)
    if args.web:
        os.environ.setdefault("FLET_WEB_NO_CDN", "true")  # phones in the field, and CI, have no CDN
        print(f"fieldtally app: http://{args.host}:{args.port}/", flush=True)
        ft.run(
            main,
            view=None if args.no_browser else ft.AppView.WEB_BROWSER,
            host=args.host,
            port=args.port,
            no_cdn=True,
        )
    else:
        ft.run(main)


if __name__ == "__main__":
    cli()
