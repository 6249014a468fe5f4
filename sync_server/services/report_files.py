"""The programme's statistics and the office report as a caller asks for them: scope, period, file, name.

Like ``export_files`` for the tallies: a unit inside the caller's subtree
(their own by default), the period read as reports read it
(``tallies.spans.resolve_span``), then the figures, a table or the formatted
workbook, and a file name that says what is in it. Routes only turn the
result into a response.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, tzinfo

from sqlalchemy.orm import Session

from schemas.plans import Plan
from schemas.statistics import StatisticsReport

from ..db import Database
from ..models import UnitRow
from .accounts import Caller
from .catalog import get_plan
from .export_files import Format, file_chunks, safe_name
from .office_report import office_report
from .statistics import STATISTICS_HEADERS, statistics_report, statistics_rows
from .tallies.spans import resolve_span
from .units import unit_in_scope


def _scope(
    s: Session,
    caller: Caller,
    *,
    plan_id: str,
    unit: str | None,
    start: date | None,
    end: date | None,
    period: str | None,
    today: date,
) -> tuple[Plan, UnitRow, date, date]:
    plan = get_plan(s, plan_id=plan_id)
    root = unit_in_scope(
        s, code=unit or caller.unit_code, scope_path=caller.unit_path, scope_code=caller.unit_code
    )
    start, end = resolve_span(plan, start=start, end=end, period=period, today=today)
    return plan, root, start, end


def statistics_for(
    db: Database,
    caller: Caller,
    *,
    plan_id: str,
    unit: str | None,
    start: date | None,
    end: date | None,
    period: str | None,
    today: date,
) -> StatisticsReport:
    """The statistics of a unit's subtree (the caller's own by default) over the period asked for."""
    with db.session() as s:
        _plan, root, start, end = _scope(
            s, caller, plan_id=plan_id, unit=unit, start=start, end=end, period=period, today=today
        )
        return statistics_report(s, root=root, start=start, end=end)


def statistics_file(
    db: Database,
    caller: Caller,
    *,
    fmt: Format,
    plan_id: str,
    unit: str | None,
    start: date | None,
    end: date | None,
    period: str | None,
    today: date,
    zone: tzinfo,
) -> tuple[Iterator[bytes], str]:
    """The statistics as one row per unit × figure in a ``fmt`` file in pieces, and its name (no extension).

    The figures are computed (and the scope checked) before anything is sent; the file is
    then written as it is read, like the tally and record exports.
    """
    report = statistics_for(
        db, caller, plan_id=plan_id, unit=unit, start=start, end=end, period=period, today=today
    )
    rows = statistics_rows(report)
    name = safe_name(f"so-lieu_{report.unit}_{report.start:%Y%m%d}-{report.end:%Y%m%d}")
    return file_chunks(fmt, STATISTICS_HEADERS, rows, zone=zone, sheet="Số liệu"), name


def office_file(
    db: Database,
    caller: Caller,
    *,
    plan_id: str,
    unit: str | None,
    start: date | None,
    end: date | None,
    period: str | None,
    today: date,
    now: datetime,
) -> tuple[bytes, str]:
    """The period's office report workbook for a unit, and its name (no extension)."""
    with db.session() as s:
        plan, root, start, end = _scope(
            s, caller, plan_id=plan_id, unit=unit, start=start, end=end, period=period, today=today
        )
        content = office_report(s, plan=plan, root=root, start=start, end=end, as_of=now, issued=today)
    return content, safe_name(f"bao-cao_{root.code}_{start:%Y%m%d}-{end:%Y%m%d}")
