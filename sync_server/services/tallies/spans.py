"""The period a tally request names: explicit dates, a period name, or the current standard period.

Reports, series and exported tables all read their period the same way, so
a supervisor's "2024-Q3" means the same days on every screen and file.

A span is bounded (``MAX_SPAN_DAYS``, a little over a 12-year plan), so no
request can ask for centuries of months: the cost of a report or export grows
with its buckets, and the server's time is shared by everyone's dashboards.
"""

from __future__ import annotations

from datetime import date

from schemas.common import text
from schemas.periods import PeriodError, parse_period, standard_periods
from schemas.plans import Plan

from ...errors import InvalidInput

MAX_SPAN_DAYS = 366 * 12 + 31


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
    return check_span(start or p_start, end or p_end)


def check_span(start: date, end: date) -> tuple[date, date]:
    """``start`` to ``end`` if in order and at most ``MAX_SPAN_DAYS`` long; ``InvalidInput`` otherwise."""
    if start > end:
        raise InvalidInput(
            text("Ngày bắt đầu phải trước ngày kết thúc.", "The start date must not be after the end date."),
            code="invalid",
        )
    if (end - start).days >= MAX_SPAN_DAYS:
        years = MAX_SPAN_DAYS // 366
        raise InvalidInput(
            text(
                f"Khoảng thời gian quá dài: tối đa khoảng {years} năm.",
                f"The period is too long: at most about {years} years.",
            ),
            code="span_too_long",
        )
    return start, end
