"""The database commands: ``migrate [--to REVISION]``, ``init-db``, ``seed-demo [--records]``."""

from __future__ import annotations

import argparse

from ..bootstrap import prepare_database
from ..migrate import upgrade
from .registry import Command, Context, no_arguments


def _migrate_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--to", default="head", help="a revision id (default: head)")


def _migrate(args: argparse.Namespace, ctx: Context) -> None:
    print(f"database at revision {upgrade(ctx.db.engine, args.to)}")


def _init_db(args: argparse.Namespace, ctx: Context) -> None:
    prepare_database(ctx.db, ctx.settings)
    print("database ready")


def _seed_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--records", action="store_true", help="also two years of demo field records")


def _seed_demo(args: argparse.Namespace, ctx: Context) -> None:
    prepare_database(ctx.db, ctx.settings, demo=True, demo_records=args.records)
    print("demo data ready")


INIT_DB = Command(
    "init-db", "create the tables and seed the shipped forms and plans", no_arguments, handler=_init_db
)
SEED_DEMO = Command(
    "seed-demo", "add the demo units and users (not in production)", _seed_arguments, handler=_seed_demo
)
MIGRATE = Command(
    "migrate", "bring the database schema to the newest migration", _migrate_arguments, handler=_migrate
)
COMMANDS = (INIT_DB, SEED_DEMO, MIGRATE)
