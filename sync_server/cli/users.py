"""``fieldtally-server create-user --username U --password P --role R --unit CODE --full-name NAME``."""

from __future__ import annotations

import argparse

from schemas.common import utcnow
from schemas.sync import Role

from ..bootstrap import prepare_database
from ..services.accounts import create_user
from ..services.audit import cli_actor
from .registry import Command, Context


def _arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--username", required=True)
    p.add_argument("--password", required=True)
    p.add_argument("--role", required=True, choices=[r.value for r in Role])
    p.add_argument("--unit", required=True, help="unit code, e.g. HN-SS-MT")
    p.add_argument("--full-name", required=True)


def _create_user(args: argparse.Namespace, ctx: Context) -> None:
    prepare_database(ctx.db, ctx.settings)
    with ctx.db.session(write=True) as s:
        create_user(
            s,
            username=args.username,
            password=args.password,
            role=Role(args.role),
            unit_code=args.unit,
            full_name=args.full_name,
            settings=ctx.settings,
            now=utcnow(),
            actor=cli_actor(),
        )
    print(f"user {args.username} created at {args.unit}")


COMMANDS = (Command("create-user", "add a user", _arguments, handler=_create_user),)
