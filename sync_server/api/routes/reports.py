"""GET /api/v1/statistics, /api/v1/exports/statistics.{csv,xlsx} and /api/v1/reports/office.xlsx.

The programme's other numbers for a unit's subtree and period (with each
child's, for drill-down), the same as a table for spreadsheets, and the
formatted report an office files. Same scope rule and period names as the
tallies: a caller sees their own subtree only (``services/report_files.py``).
"""

from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse

from schemas.common import utcnow
from schemas.statistics import StatisticsReport

from ...clock import local_today
from ...services.export_files import Format
from ...services.report_files import office_file, statistics_file, statistics_for
from ..deps import CallerDep, DbDep, SettingsDep
from ..downloads import FILE_RESPONSES, MEDIA, disposition, download
from ..params import TALLY_ERRORS as ERRORS
from ..params import EndQ, PeriodQ, PlanQ, StartQ, UnitQ

router = APIRouter(prefix="/api/v1", tags=["reports"])


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
        statistics_for,
        db,
        caller,
        plan_id=plan_id,
        unit=unit,
        start=start,
        end=end,
        period=period,
        today=local_today(settings, utcnow()),
    )


@router.get("/exports/statistics.{fmt}", responses={**ERRORS, **FILE_RESPONSES}, response_class=Response)
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
    pieces, name = await run_in_threadpool(
        statistics_file,
        db,
        caller,
        fmt=fmt,
        plan_id=plan_id,
        unit=unit,
        start=start,
        end=end,
        period=period,
        today=local_today(settings, utcnow()),
        zone=settings.zone,
    )
    # a sync iterator: Starlette reads it in a worker thread, piece by piece
    return StreamingResponse(pieces, media_type=MEDIA[fmt], headers=disposition(fmt, name))


@router.get(
    "/reports/office.xlsx",
    responses={**ERRORS, 200: {"content": {MEDIA["xlsx"]: {}}, "description": "the workbook"}},
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
    now = utcnow()
    content, name = await run_in_threadpool(
        office_file,
        db,
        caller,
        plan_id=plan_id,
        unit=unit,
        start=start,
        end=end,
        period=period,
        today=local_today(settings, now),
        now=now,
    )
    return download(content, "xlsx", name)
