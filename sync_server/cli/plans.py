"""``check-plan FILE.json`` (validate against the forms) and ``load-plan FILE.json`` (store and recount)."""

from __future__ import annotations

import argparse
from pathlib import Path

from schemas.common import utcnow
from schemas.plan_check import PlanFileError, read_plan
from schemas.plans import Plan

from ..bootstrap import prepare_database
from ..errors import InvalidInput
from ..services.audit import cli_actor
from ..services.catalog import load_forms, store_plan
from ..services.ingest import rebuild_tallies
from .output import issues_error
from .registry import Command, Context


def _file_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", type=Path)


def _read(args: argparse.Namespace, ctx: Context) -> Plan:
    prepare_database(ctx.db, ctx.settings)
    with ctx.db.session() as s:
        forms = load_forms(s)
    try:
        return read_plan(args.file.read_bytes(), forms)
    except PlanFileError as exc:
        raise issues_error(exc.issues) from exc
    except OSError as exc:
        raise InvalidInput(f"cannot read {args.file}: {exc.strerror}") from exc


def _check_plan(args: argparse.Namespace, ctx: Context) -> None:
    plan = _read(args, ctx)
    print(f"plan {plan.id} is valid: {len(plan.indicators)} indicator(s), {len(plan.measures)} measure(s)")


def _load_plan(args: argparse.Namespace, ctx: Context) -> None:
    plan = _read(args, ctx)
    with ctx.db.session(write=True) as s:
        if store_plan(s, plan=plan, actor=cli_actor(), now=utcnow()):
            count = rebuild_tallies(s, plan_ids=[plan.id])
            print(f"plan {plan.id} stored; {count} record(s) recounted")
        else:
            print(f"plan {plan.id} unchanged")


COMMANDS = (
    Command("check-plan", "validate a plan file against the forms", _file_argument, handler=_check_plan),
    Command(
        "load-plan",
        "validate a plan file, store it and recount its tallies",
        _file_argument,
        handler=_load_plan,
    ),
)
