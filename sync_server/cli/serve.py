"""``fieldtally-server serve [--host H] [--port P] [--demo [--demo-records]]``: run the server.

The database is prepared once here, before uvicorn starts, so the app does not
do it again on startup (``init_db_on_startup=False``). Logging goes through
``logs.log_config``: no field data in the log.
"""

from __future__ import annotations

import argparse

import uvicorn

from ..app import create_app
from ..bootstrap import prepare_database
from ..logs import log_config
from ..recovery_key import recovery_key_path
from .registry import Command, Context


def _arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--demo", action="store_true", help="also seed the demo units and users")
    p.add_argument(
        "--demo-records", action="store_true", help="with --demo: also two years of demo field records"
    )


def _serve(args: argparse.Namespace, ctx: Context) -> None:
    settings = ctx.settings
    recovery_key_path(
        settings
    )  # ConfigError now, not at the first enrollment, if production lacks a key path
    prepare_database(ctx.db, settings, demo=args.demo, demo_records=args.demo and args.demo_records)
    app = create_app(settings.with_changes(init_db_on_startup=False), database=ctx.db)
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level=settings.log_level,
        log_config=log_config(settings.log_level),
        access_log=False,
    )


COMMANDS = (Command("serve", "prepare the database and run the server", _arguments, handler=_serve),)
