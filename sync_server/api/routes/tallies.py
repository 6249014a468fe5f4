"""GET /api/v1/tallies and /api/v1/tallies/series: a plan's progress for a unit subtree, now and over time."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool

from schemas.common import utcnow
from schemas.plan_report import TallyReport, TallySeries

from ...clock import local_today
from ...services.tallies.caller_reports import tally_report, tally_series
from ..deps import CallerDep, DbDep, SettingsDep
from ..params import TALLY_ERRORS as ERRORS
from ..params import EndQ, PeriodQ, PlanQ, StartQ, UnitQ

router = APIRouter(prefix="/api/v1", tags=["tallies"])


@router.get("/tallies", response_model=TallyReport, responses=ERRORS)
async def tallies(
    caller: CallerDep,
    db: DbDep,
    settings: SettingsDep,
    plan_id: PlanQ,
    unit: UnitQ = None,
    start: StartQ = None,
    end: EndQ = None,
    period: PeriodQ = None,
    rank_by: Annotated[
        str | None, Query(max_length=64, description="rank children by this indicator only")
    ] = None,
) -> TallyReport:
    """Totals over ``unit``'s subtree for the period, and one entry per direct child, furthest behind first.

    Each indicator carries its value, the level due at the period's end
    (milestone), the final target, a status, the gap to the level due, and
    its segments (e.g. key areas). ``approval`` is set when this unit, plan
    and period were approved, with the records changed since.
    """
    return await run_in_threadpool(
        tally_report,
        db,
        caller,
        plan_id=plan_id,
        unit=unit,
        start=start,
        end=end,
        period=period,
        rank_by=rank_by,
        today=local_today(settings, utcnow()),
    )


@router.get("/tallies/series", response_model=TallySeries, responses=ERRORS)
async def series(
    caller: CallerDep,
    db: DbDep,
    settings: SettingsDep,
    plan_id: PlanQ,
    unit: UnitQ = None,
    start: StartQ = None,
    end: EndQ = None,
    period: PeriodQ = None,
    granularity: Literal["month", "quarter", "year"] = "month",
    cumulative: Annotated[
        bool, Query(description="true: each point counts from start (progress); false: its own days")
    ] = True,
) -> TallySeries:
    """The indicators of ``unit``'s subtree at each month (quarter, year) of the period, for a chart.

    Points stop at today. Each point's indicators have the same shape as
    /tallies totals (value, level due at the point's end, status).
    """
    return await run_in_threadpool(
        tally_series,
        db,
        caller,
        plan_id=plan_id,
        unit=unit,
        start=start,
        end=end,
        period=period,
        granularity=granularity,
        cumulative=cumulative,
        today=local_today(settings, utcnow()),
    )
