"""The app's entry points: ``main(page)`` for Flet, and ``fieldtally-app`` for a terminal."""

from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path

import flet as ft

from . import loop_monitor
from .app.lifecycle import Lifecycle
from .app.permission_prompt import install as install_permissions
from .app.service import AppService
from .app.shell import Shell
from .settings_store import data_dir

log = logging.getLogger("fieldtally.app")


def build_main(folder: Path | None = None):
    """A Flet ``main`` bound to a data folder (tests and the web demo pass their own)."""

    async def main(page: ft.Page) -> None:
        loop_monitor.maybe_start()  # only with FIELDTALLY_LOOP_MONITOR set (benchmarks/app_timing.py)
        service = AppService(folder or data_dir())
        shell = Shell(page, service)
        page.title = "fieldtally"
        page.theme = ft.Theme(color_scheme_seed=ft.Colors.GREEN_800)
        page.dark_theme = ft.Theme(color_scheme_seed=ft.Colors.GREEN_800)
        page.theme_mode = {"dark": ft.ThemeMode.DARK, "light": ft.ThemeMode.LIGHT}.get(
            getattr(service.settings, "theme", ""), ft.ThemeMode.SYSTEM
        )
        shell.apply_locale()

        # ---- Android's lifecycle: the rules are in app/lifecycle.py ----
        lifecycle = Lifecycle(shell, lambda: service.settings.lock_after_seconds)

        async def on_lifecycle(e: ft.AppLifecycleStateChangeEvent) -> None:
            await lifecycle.on_state(e.state.value)

        async def on_connectivity(e) -> None:
            await lifecycle.on_connectivity()

        install_permissions(page)  # the service only; permissions are asked when first needed

        # ---- end of the lifecycle hooks ----

        async def on_disconnect(e) -> None:  # web: the tab was closed or reloaded
            await shell.flush()

        async def on_close(e) -> None:  # web: the session expired; nothing may keep the vault open
            await shell.close()

        page.on_app_lifecycle_state_change = on_lifecycle
        page.on_disconnect = on_disconnect
        page.on_close = on_close
        try:
            # Constructing a service registers it with the page; the shell keeps it referenced.
            shell.connectivity = ft.Connectivity(on_change=on_connectivity)
        except Exception:  # not every client build carries the service; the probe loop covers it
            log.info("connectivity service unavailable; relying on periodic probes")
        shell.start()
        shell.spawn(shell.watch())

    return main


def cli(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="fieldtally-app", description="Run the fieldtally app.")
    parser.add_argument("--web", action="store_true", help="serve the app to a browser instead of a window")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8550)
    parser.add_argument("--data-dir", type=Path, default=None, help="where the encrypted vault lives")
    parser.add_argument("--no-browser", action="store_true", help="with --web: do not open a browser")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    main = build_main(args.data_dir)
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
