"""Reports and series as a caller asks for them: the plan, a unit inside the caller's scope, the period.

These are what ``GET /api/v1/tallies`` and ``/tallies/series`` answer; the
routes only read the query and hand over. Checks that need the plan (an
unknown ranking indicator, too many monthly points) raise ``InvalidInput``
with a sentence in both languages.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from schemas.common import text, utcnow
from schemas.plan_report import TallyReport, TallySeries
from schemas.plans import Plan

from ...db import Database
from ...errors import InvalidInput
from ..accounts import Caller
from ..catalog import get_plan
from ..units import unit_in_scope
from .reports import build_report, build_series
from .spans import resolve_span

# A monthly chart longer than this is unreadable on a phone; quarters or years serve it better.
MAX_MONTHLY_POINTS = 120


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
    """``plan_id``'s report for ``unit`` (default: the caller's own), inside the caller's subtree."""
    now = utcnow()
    with db.session() as s:
        plan = get_plan(s, plan_id=plan_id)
        root = unit_in_scope(
            s, code=unit or caller.unit_code, scope_path=caller.unit_path, scope_code=caller.unit_code
        )
        start, end = resolve_span(plan, start=start, end=end, period=period, today=today)
        _check_indicator(plan, rank_by)
        return build_report(s, plan=plan, root=root, start=start, end=end, as_of=now, rank_by=rank_by)


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
    """``plan_id``'s indicators for ``unit`` at each month (quarter, year) of the period, up to today."""
    now = utcnow()
    with db.session() as s:
        plan = get_plan(s, plan_id=plan_id)
        root = unit_in_scope(
            s, code=unit or caller.unit_code, scope_path=caller.unit_path, scope_code=caller.unit_code
        )
        start, end = resolve_span(plan, start=start, end=end, period=period, today=today)
        end = min(end, max(today, start))  # no points in the future
        months = (end.year - start.year) * 12 + end.month - start.month
        if granularity == "month" and months >= MAX_MONTHLY_POINTS:
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
