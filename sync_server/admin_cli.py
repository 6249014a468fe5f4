"""The admin commands of ``fieldtally-server``: migrations, unit files, plan files, the audit log.

::

    fieldtally-server migrate [--to REVISION]          schema to the newest (or a given) revision
    fieldtally-server import-units FILE.csv|.xlsx      units and baselines; all rows or none
    fieldtally-server export-units FILE.csv|.xlsx [--root CODE]
    fieldtally-server check-plan FILE.json             validate a plan file against the forms
    fieldtally-server load-plan FILE.json              validate, store and recount its tallies
    fieldtally-server audit [--entity E] [--id ID] [--limit N]

Every problem is printed in Vietnamese and English, one line each, and the
command exits 2 with nothing written.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

from schemas.common import Issue, utcnow
from schemas.plan_check import PlanFileError, read_plan

from .config import Settings
from .db import Database
from .errors import InvalidInput

COMMANDS = ("migrate", "import-units", "export-units", "check-plan", "load-plan", "audit")


def add_commands(add: Callable[[str, str], argparse.ArgumentParser]) -> None:
    """Register the admin sub-commands with ``add(name, help)``."""
    mig = add("migrate", "bring the database schema to the newest migration")
    mig.add_argument("--to", default="head", help="a revision id (default: head)")
    imp = add("import-units", "import units and baselines from a .csv or .xlsx file (all rows or none)")
    imp.add_argument("file", type=Path)
    exp = add("export-units", "export units and baselines to a .csv or .xlsx file")
    exp.add_argument("file", type=Path)
    exp.add_argument("--root", help="only this unit's subtree")
    chk = add("check-plan", "validate a plan file against the forms")
    chk.add_argument("file", type=Path)
    load = add("load-plan", "validate a plan file, store it and recount its tallies")
    load.add_argument("file", type=Path)
    aud = add("audit", "print the audit log, newest first")
    aud.add_argument("--entity", help="unit, plan, user, device, approval")
    aud.add_argument("--id", dest="entity_id")
    aud.add_argument("--limit", type=int, default=50)


def _issues(issues: list[Issue]) -> InvalidInput:
    for i in issues:
        print(f"  vi: {i.message.vi}\n  en: {i.message.en}", file=sys.stderr)
    return InvalidInput(f"{len(issues)} problem(s); nothing was written")


def run(settings: Settings, db: Database, args: argparse.Namespace) -> None:
    """Run one of COMMANDS; raises ServerError subclasses on failure (the CLI prints them)."""
    from .bootstrap import prepare_database
    from .services.audit import cli_actor

    if args.command == "migrate":
        from .migrate import upgrade

        print(f"database at revision {upgrade(db.engine, args.to)}")
        return
    prepare_database(db, settings)
    if args.command == "import-units":
        from .services.unit_files import import_units, parse_unit_table, read_table

        units, issues = parse_unit_table(read_table(args.file))
        if issues:
            raise _issues(issues)
        with db.session(write=True) as s:
            changed = import_units(s, units=units, actor=cli_actor(), now=utcnow())
        print(f"{len(units)} unit(s) read, {changed} changed")
    elif args.command == "export-units":
        from .services.unit_files import UNIT_COLUMNS, unit_table, write_table

        with db.session() as s:
            rows = unit_table(s, root=args.root)
        write_table(args.file, UNIT_COLUMNS, rows, zone=settings.zone)
        print(f"{len(rows)} row(s) written to {args.file}")
    elif args.command in ("check-plan", "load-plan"):
        from .services.catalog import load_forms, store_plan
        from .services.ingest import rebuild_tallies

        with db.session() as s:
            forms = load_forms(s)
        try:
            plan = read_plan(args.file.read_bytes(), forms)
        except PlanFileError as exc:
            raise _issues(exc.issues) from exc
        except OSError as exc:
            raise InvalidInput(f"cannot read {args.file}: {exc.strerror}") from exc
        if args.command == "check-plan":
            print(f"plan {plan.id} is valid: {len(plan.indicators)} indicator(s), {len(plan.measures)} measure(s)")
            return
        with db.session(write=True) as s:
            if store_plan(s, plan=plan, actor=cli_actor(), now=utcnow()):
                count = rebuild_tallies(s, plan_ids=[plan.id])
                print(f"plan {plan.id} stored; {count} record(s) recounted")
            else:
                print(f"plan {plan.id} unchanged")
    elif args.command == "audit":
        from .services.audit import list_audit

        with db.session() as s:
            entries = list_audit(s, entity=args.entity, entity_id=args.entity_id, limit=args.limit)
        for e in entries:
            detail = json.dumps(e.detail, ensure_ascii=False, sort_keys=True)
            print(f"{e.at:%d/%m/%Y %H:%M:%S} {e.actor} {e.action} {e.entity} {e.entity_id} {detail}")
