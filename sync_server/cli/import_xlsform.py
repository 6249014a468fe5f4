"""``fieldtally-server import-xlsform WORKBOOK [--out F] [--version N] [--publish] ...``: XLSForm to a form.

::

    fieldtally-server import-xlsform survey.xlsx --out survey.v3.json
    fieldtally-server import-xlsform survey.xlsx --version 3 --publish

The conversion is ``services/xlsform``; ``--publish`` stores the form through
``services.catalog.publish_form``, so phones receive it on their next pull. A
published (id, version) is never overwritten with a different definition;
publish a new version instead. A form that lost rows the workbook marks
required is not published unless ``--allow-skipped-required`` says so, and
every publication is in the audit trail (``--actor``, default the OS user).
Exit codes: 0 converted (read the report), 1
not convertible or refused, 2 bad arguments. The database is opened only
with ``--publish``, so converting works without a server.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from pathlib import Path
from typing import Any

from schemas.common import utcnow
from schemas.forms import FormDefinition

from ..bootstrap import prepare_database
from ..config import get_settings
from ..db import Database
from ..errors import ServerError, XLSFormError
from ..services.catalog import publish_form
from ..services.xlsform import convert
from .registry import Command, run_alone

PROG = "fieldtally-server import-xlsform"


def _arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("workbook", help="the XLSForm .xlsx file")
    p.add_argument("--out", help="write the form definition (JSON) here; default: print it")
    p.add_argument("--form-id", help="overrides settings.form_id")
    p.add_argument("--version", type=int, help="overrides settings.version")
    p.add_argument(
        "--period-field", help="the date question each record counts for (default: the first date)"
    )
    p.add_argument("--publish", action="store_true", help="store the form in the server database for phones")
    p.add_argument("--database-url", help="with --publish: overrides FIELDTALLY_DATABASE_URL")
    p.add_argument("--strict", action="store_true", help="fail if any row was skipped or changed")
    p.add_argument(
        "--allow-skipped-required",
        action="store_true",
        help="with --publish: publish even though rows the workbook marks required were left out",
    )
    p.add_argument("--actor", default="", help="with --publish: who publishes, for the audit trail")


def _publish(definition: dict[str, Any], database_url: str | None, actor: str) -> str:
    settings = get_settings()
    if database_url:
        settings = settings.with_changes(database_url=database_url)
    db = Database.from_settings(settings)
    try:
        prepare_database(db, settings)
        form = FormDefinition.model_validate(definition)
        with db.session(write=True) as s:
            if not publish_form(s, form=form, now=utcnow(), actor=actor):
                return f"form {form.id} version {form.version} is already published, unchanged"
        return f"form {form.id} version {form.version} published: phones get it on their next sync"
    finally:
        db.dispose()


def _os_user() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (OSError, KeyError):  # no login name in some containers
        return "cli"


def _import_xlsform(args: argparse.Namespace) -> int:
    try:
        result = convert(
            args.workbook, form_id=args.form_id, version=args.version, period_field=args.period_field
        )
    except XLSFormError as exc:
        print(f"import-xlsform: {exc.message.en}", file=sys.stderr)
        return 1
    if result.problems:
        print(result.report(), file=sys.stderr)
    if not result.ok or result.definition is None:
        print("import-xlsform: the form was not converted; fix the errors above", file=sys.stderr)
        return 1
    if args.strict and result.problems:
        print("import-xlsform: --strict and some rows were skipped or changed", file=sys.stderr)
        return 1
    text = json.dumps(result.definition, ensure_ascii=False, indent=1)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
    elif not args.publish:
        print(text)
    skipped = sum(p.level == "skipped" for p in result.problems)
    changed = sum(p.level == "changed" for p in result.problems)
    n = len(result.definition["fields"])
    print(f"import-xlsform: {n} questions converted, {skipped} skipped, {changed} changed", file=sys.stderr)
    if args.publish and result.skipped_required and not args.allow_skipped_required:
        names = ", ".join(p.name or f"row {p.row}" for p in result.skipped_required)
        print(
            f"import-xlsform: not published: required rows were left out ({names}); records made with "
            "this form would lack those answers. Fix the workbook, or pass --allow-skipped-required",
            file=sys.stderr,
        )
        return 1
    if args.publish:
        actor = args.actor or _os_user()
        try:
            print(_publish(result.definition, args.database_url, actor))
        except ServerError as exc:
            print(f"import-xlsform: {exc.message.en}", file=sys.stderr)
            return 1
    return 0


COMMAND = Command(
    "import-xlsform",
    "convert an XLSForm workbook into a form definition",
    _arguments,
    plain=_import_xlsform,
    description="Convert an XLSForm workbook (.xlsx) into a fieldtally form definition.",
)
COMMANDS = (COMMAND,)


def main(argv: list[str] | None = None) -> int:
    """``main([WORKBOOK, ...])`` is ``fieldtally-server import-xlsform WORKBOOK ...`` (for tests)."""
    return run_alone(COMMAND, argv, prog=PROG)
