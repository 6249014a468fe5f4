"""GET /api/v1/statistics, /api/v1/exports/statistics.{csv,xlsx} and /api/v1/reports/office.xlsx.

The programme's other numbers for a unit's subtree and period (with each
child's, for drill-down), the same as a table for spreadsheets, and the
formatted report an office files. Same scope rule and period names as the
tallies: a caller sees their own subtree only.
"""

from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.concurrency import run_in_threadpool

from schemas.common import utcnow
from schemas.statistics import StatisticsReport

from ...config import Settings
from ...db import Database
from ...services.accounts import Caller
from ...services.catalog import get_plan
from ...services.exports import to_csv, to_xlsx
from ...services.office_report import office_report
from ...services.statistics import STATISTICS_HEADERS, statistics_report, statistics_rows
from ...services.units import unit_in_scope
from ..deps import CallerDep, DbDep, SettingsDep, local_today
from .exports import _MEDIA, Format, _file
from .tallies import ERRORS, EndQ, PeriodQ, PlanQ, StartQ, UnitQ, resolve_span

router = APIRouter(prefix="/api/v1", tags=["reports"])
XLSX = _MEDIA["xlsx"]


def _scope(s, caller: Caller, settings: Settings, *, plan_id, unit, start, end, period):
    plan = get_plan(s, plan_id=plan_id)
    root = unit_in_scope(
        s, code=unit or caller.unit_code, scope_path=caller.unit_path, scope_code=caller.unit_code
    )
    today = local_today(settings, utcnow())
    start, end = resolve_span(plan, start=start, end=end, period=period, today=today)
    return plan, root, start, end, today


def _statistics(db: Database, settings: Settings, caller: Caller, **kw) -> StatisticsReport:
    with db.session() as s:
        _plan, root, start, end, _today = _scope(s, caller, settings, **kw)
        return statistics_report(s, root=root, start=start, end=end)


@router.get("/statistics", response_model=StatisticsReport, responses=ERRORS)
async def statistics(
    caller: CallerDep,
    db: DbDep,
    settings: SettingsDep,
    plan_id: PlanQ,
    unit: UnitQ = None,
    start: StartQ = None,
    end: EndQ = None,
    period: PeriodQ = None,
) -> StatisticsReport:
    """Sessions by format, person-times by group and sex, materials, mediation by type and outcome with
    the settlement rate, trainings by kind, surveys by group with the share passing; totals and per child.

    ``plan_id`` names the plan whose phases a ``period`` like ``phase:2021_2024`` refers to.
    """
    return await run_in_threadpool(
        _statistics, db, settings, caller, plan_id=plan_id, unit=unit, start=start, end=end, period=period
    )


def _statistics_file(db: Database, settings: Settings, caller: Caller, fmt: Format, **kw) -> Response:
    report = _statistics(db, settings, caller, **kw)
    rows = statistics_rows(report)
    name = f"so-lieu_{report.unit}_{report.start:%Y%m%d}-{report.end:%Y%m%d}"
    if fmt == "csv":
        return _file(to_csv(STATISTICS_HEADERS, rows, zone=settings.zone), fmt, name)
    return _file(to_xlsx(STATISTICS_HEADERS, rows, zone=settings.zone, sheet="Số liệu"), fmt, name)


@router.get(
    "/exports/statistics.{fmt}",
    responses={**ERRORS, 200: {"content": {m: {} for m in _MEDIA.values()}, "description": "the table"}},
    response_class=Response,
)
async def export_statistics(
    fmt: Format,
    caller: CallerDep,
    db: DbDep,
    settings: SettingsDep,
    plan_id: PlanQ,
    unit: UnitQ = None,
    start: StartQ = None,
    end: EndQ = None,
    period: PeriodQ = None,
) -> Response:
    """The statistics as one row per unit (the unit, then each child) × figure, Vietnamese headers."""
    return await run_in_threadpool(
        _statistics_file,
        db,
        settings,
        caller,
        fmt,
        plan_id=plan_id,
        unit=unit,
        start=start,
        end=end,
        period=period,
    )


def _office(db: Database, settings: Settings, caller: Caller, **kw) -> Response:
    with db.session() as s:
        plan, root, start, end, today = _scope(s, caller, settings, **kw)
        content = office_report(s, plan=plan, root=root, start=start, end=end, as_of=utcnow(), issued=today)
    name = f"bao-cao_{root.code}_{start:%Y%m%d}-{end:%Y%m%d}.xlsx"
    disposition = f'attachment; filename="{name}"'
    return Response(content, media_type=XLSX, headers={"Content-Disposition": disposition})


@router.get(
    "/reports/office.xlsx",
    responses={**ERRORS, 200: {"content": {XLSX: {}}, "description": "the workbook"}},
    response_class=Response,
)
async def office(
    caller: CallerDep,
    db: DbDep,
    settings: SettingsDep,
    plan_id: PlanQ,
    unit: UnitQ = None,
    start: StartQ = None,
    end: EndQ = None,
    period: PeriodQ = None,
) -> Response:
    """The period's report (e.g. ``2024-H1``, ``2024``, ``phase:2021_2024``) for a unit, as offices file it:
    title block, the plan's indicators, the programme's numbers and the units furthest behind."""
    return await run_in_threadpool(
        _office, db, settings, caller, plan_id=plan_id, unit=unit, start=start, end=end, period=period
    )
