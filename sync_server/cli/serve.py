"""``fieldtally-server serve [--host H] [--port P] [--workers N] [--demo [--demo-records]]``: run the server.

The database is prepared once here, before uvicorn starts, so the app does not
do it again on startup (``init_db_on_startup=False``); with several workers
the recovery key is made here too, so they never race to make it.

``--workers N`` (N > 1) runs N uvicorn worker processes on one port, each
with its own app and connection pool (``sync_server.main:app_from_env``, as
in production, from the environment, which carries the settings this
command resolved). Every worker
reads the same database, and nothing a worker caches can go stale behind
another's back: forms and plans are read per request, the recovery key is one
file, and a unit tree is reused only while the database's unit version
(``unit_versions``, bumped by a trigger on every change to ``units``) is the
one it was built at. SQLite works with several workers but serialises their
writes; the scale path is PostgreSQL.

Logging goes through ``logs.log_config``: no field data in the log. The app's web build is
mounted at ``/app/`` by the single-process server only (see docs/operations.md).
"""

from __future__ import annotations

import argparse
import os

import uvicorn

from schemas.common import text

from ..app import create_app
from ..bootstrap import prepare_database
from ..errors import ConfigError
from ..logs import log_config
from ..recovery_key import load_or_create, recovery_key_path
from ..web_app import mount_web_app
from .registry import Command, Context


def _arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=int, default=1, help="uvicorn worker processes (default 1)")
    p.add_argument("--demo", action="store_true", help="also seed the demo units and users")
    p.add_argument(
        "--demo-records", action="store_true", help="with --demo: also two years of demo field records"
    )


def _serve(args: argparse.Namespace, ctx: Context) -> None:
    settings = ctx.settings
    if args.workers < 1:
        raise ConfigError(
            text(
                f"--workers phải từ 1 trở lên (đang là {args.workers}).",
                f"--workers must be 1 or more (it is {args.workers}).",
            )
        )
    recovery_key_path(
        settings
    )  # ConfigError now, not at the first enrollment, if production lacks a key path
    prepare_database(ctx.db, settings, demo=args.demo, demo_records=args.demo and args.demo_records)
    common = {
        "host": args.host,
        "port": args.port,
        "log_level": settings.log_level,
        "log_config": log_config(settings.log_level),
        "access_log": False,
    }
    if args.workers == 1:
        app = create_app(settings.with_changes(init_db_on_startup=False), database=ctx.db)
        mount_web_app(app, settings)  # the app's web build at /app/, when the "web" extra is installed
        uvicorn.run(app, **common)
        return
    load_or_create(settings)  # made here, once, so no two workers race to make it
    # the workers are new processes, built by the production factory from the environment: --database-url
    # reaches them the way every other setting does, and the database is prepared already
    os.environ["FIELDTALLY_DATABASE_URL"] = settings.database_url
    os.environ["FIELDTALLY_INIT_DB_ON_STARTUP"] = "false"
    ctx.db.dispose()  # no connection crosses into the workers
    uvicorn.run("sync_server.main:app_from_env", factory=True, workers=args.workers, **common)


COMMANDS = (Command("serve", "prepare the database and run the server", _arguments, handler=_serve),)
