"""GET /api/v1/tallies and /api/v1/tallies/series: a plan's progress for a unit subtree, now and over time."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool

from schemas.common import ErrorBody, text, utcnow
from schemas.periods import PeriodError, parse_period
from schemas.plans import Plan, TallyReport, TallySeries

from ...db import Database
from ...errors import InvalidInput
from ...services.accounts import Caller
from ...services.catalog import get_plan
from ...services.tallies.reports import build_report, build_series, standard_periods
from ...services.units import unit_in_scope
from ..deps import CallerDep, DbDep, SettingsDep, local_today

router = APIRouter(prefix="/api/v1", tags=["tallies"])

ERRORS: dict[int | str, dict] = {
    401: {"model": ErrorBody, "description": "unauthorized"},
    403: {"model": ErrorBody, "description": "forbidden: unit outside your subtree"},
    404: {"model": ErrorBody, "description": "unknown_plan or unknown_unit"},
    422: {"model": ErrorBody, "description": "invalid: bad dates, period or indicator"},
}
PlanQ = Annotated[str, Query(max_length=64, description="a plan id, e.g. hanoi_pbgdpl_2021_2027")]
UnitQ = Annotated[str | None, Query(max_length=64, description="default: your own unit")]
StartQ = Annotated[date | None, Query(description="yyyy-mm-dd; with end, overrides period")]
EndQ = Annotated[date | None, Query(description="yyyy-mm-dd, inclusive")]
PeriodQ = Annotated[
    str | None,
    Query(max_length=40, description="2024 | 2024-Q1 | 2024-03 | phase:<id> | plan; default: the current phase"),
]


def resolve_span(
    plan: Plan, *, start: date | None, end: date | None, period: str | None, today: date
) -> tuple[date, date]:
    """The period asked for: explicit dates win, then a period name, then the current phase."""
    if period and not (start and end):
        try:
            p_start, p_end = parse_period(period, phases=plan.phase_spans(), plan=(plan.start, plan.end))
        except PeriodError as exc:
            raise InvalidInput(exc.message, code="invalid") from exc
    else:
        p_start, p_end = standard_periods(plan, today)[-1]
    start, end = start or p_start, end or p_end
    if start > end:
        raise InvalidInput(
            text("Ngày bắt đầu phải trước ngày kết thúc.", "The start date must not be after the end date."),
            code="invalid",
        )
    return start, end


def _check_indicator(plan: Plan, indicator_id: str | None) -> None:
    if indicator_id and plan.indicator(indicator_id) is None:
        raise InvalidInput(
            text(
                f"Kế hoạch {plan.id} không có chỉ tiêu {indicator_id}.",
                f"Plan {plan.id} has no indicator {indicator_id}.",
            ),
            code="invalid",
        )


def tally_report(
    db: Database,
    caller: Caller,
    *,
    plan_id: str,
    unit: str | None,
    start: date | None,
    end: date | None,
    today: date,
    period: str | None = None,
    rank_by: str | None = None,
) -> TallyReport:
    now = utcnow()
    with db.session() as s:
        plan = get_plan(s, plan_id=plan_id)
        root = unit_in_scope(
            s, code=unit or caller.unit_code, scope_path=caller.unit_path, scope_code=caller.unit_code
        )
        start, end = resolve_span(plan, start=start, end=end, period=period, today=today)
        _check_indicator(plan, rank_by)
        return build_report(s, plan=plan, root=root, start=start, end=end, as_of=now, rank_by=rank_by)


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


def tally_series(
    db: Database,
    caller: Caller,
    *,
    plan_id: str,
    unit: str | None,
    start: date | None,
    end: date | None,
    period: str | None,
    granularity: Literal["month", "quarter", "year"],
    cumulative: bool,
    today: date,
) -> TallySeries:
    now = utcnow()
    with db.session() as s:
        plan = get_plan(s, plan_id=plan_id)
        root = unit_in_scope(
            s, code=unit or caller.unit_code, scope_path=caller.unit_path, scope_code=caller.unit_code
        )
        start, end = resolve_span(plan, start=start, end=end, period=period, today=today)
        end = min(end, max(today, start))  # no points in the future
        if granularity == "month" and (end.year - start.year) * 12 + end.month - start.month >= 120:
            raise InvalidInput(
                text("Tối đa 120 tháng mỗi lần; hãy chọn theo quý hoặc năm.", "At most 120 monthly points."),
                code="invalid",
            )
        return build_series(
            s,
            plan=plan,
            root=root,
            start=start,
            end=end,
            granularity=granularity,
            cumulative=cumulative,
            as_of=now,
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
