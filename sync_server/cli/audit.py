"""``fieldtally-server audit [--entity E] [--id ID] [--limit N]``: the audit log, newest first."""

from __future__ import annotations

import argparse
import json

from ..bootstrap import prepare_database
from ..services.audit import list_audit
from .registry import Command, Context


def _arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--entity", help="unit, plan, user, device, approval")
    p.add_argument("--id", dest="entity_id")
    p.add_argument("--limit", type=int, default=50)


def _audit(args: argparse.Namespace, ctx: Context) -> None:
    prepare_database(ctx.db, ctx.settings)
    with ctx.db.session() as s:
        entries = list_audit(s, entity=args.entity, entity_id=args.entity_id, limit=args.limit)
    for e in entries:
        detail = json.dumps(e.detail, ensure_ascii=False, sort_keys=True)
        print(f"{e.at:%d/%m/%Y %H:%M:%S} {e.actor} {e.action} {e.entity} {e.entity_id} {detail}")


COMMANDS = (Command("audit", "print the audit log, newest first", _arguments, handler=_audit),)
