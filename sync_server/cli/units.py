"""``import-units FILE.csv|.xlsx`` (all rows or none) and ``export-units FILE.csv|.xlsx [--root CODE]``."""

from __future__ import annotations

import argparse
from pathlib import Path

from schemas.common import utcnow

from ..bootstrap import prepare_database
from ..services.audit import cli_actor
from ..services.unit_files import (
    UNIT_COLUMNS,
    import_units,
    parse_unit_table,
    read_table,
    unit_table,
    write_table,
)
from .output import issues_error
from .registry import Command, Context


def _file_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", type=Path)


def _import_units(args: argparse.Namespace, ctx: Context) -> None:
    prepare_database(ctx.db, ctx.settings)
    units, issues = parse_unit_table(read_table(args.file))
    if issues:
        raise issues_error(issues)
    with ctx.db.session(write=True) as s:
        changed = import_units(s, units=units, actor=cli_actor(), now=utcnow())
    print(f"{len(units)} unit(s) read, {changed} changed")


def _export_arguments(p: argparse.ArgumentParser) -> None:
    _file_argument(p)
    p.add_argument("--root", help="only this unit's subtree")


def _export_units(args: argparse.Namespace, ctx: Context) -> None:
    prepare_database(ctx.db, ctx.settings)
    with ctx.db.session() as s:
        rows = unit_table(s, root=args.root)
    write_table(args.file, UNIT_COLUMNS, rows, zone=ctx.settings.zone)
    print(f"{len(rows)} row(s) written to {args.file}")


COMMANDS = (
    Command(
        "import-units",
        "import units and baselines from a .csv or .xlsx file (all rows or none)",
        _file_argument,
        handler=_import_units,
    ),
    Command(
        "export-units",
        "export units and baselines to a .csv or .xlsx file",
        _export_arguments,
        handler=_export_units,
    ),
)
