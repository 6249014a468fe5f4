"""Reporting periods: months, quarters, years, plan phases and date ranges, as (start, end) days.

Tallies are kept per day, so any inclusive range of days can be reported;
these helpers name the usual ones the same way on the phone and the server:
``2024`` (a year), ``2024-H1`` (six months), ``2024-Q3`` (a quarter), ``2024-07`` (a month),
``phase:2021_2024`` (a plan phase), ``plan`` (the whole plan).
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import TYPE_CHECKING, Literal

from .common import LocalizedText, text
from .errors import SchemaError

if TYPE_CHECKING:  # only for the annotation: plans do not need periods, and periods stay light
    from .plans import Plan

Granularity = Literal["month", "quarter", "year"]
Span = tuple[date, date]


class PeriodError(SchemaError):
    """A period name that cannot be read; ``message`` says why in both languages."""

    def __init__(self, message: LocalizedText) -> None:
        super().__init__(message.en)
        self.message = message


def month_end(year: int, month: int) -> date:
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return nxt - timedelta(days=1)


def parse_period(spec: str, *, phases: dict[str, Span] | None = None, plan: Span | None = None) -> Span:
    """The (start, end) named by ``spec``; PeriodError if it names nothing."""
    s = spec.strip()
    if m := re.fullmatch(r"(\d{4})", s):
        y = int(m[1])
        return date(y, 1, 1), date(y, 12, 31)
    if m := re.fullmatch(r"(\d{4})-[Qq]([1-4])", s):
        y, q = int(m[1]), int(m[2])
        return date(y, 3 * q - 2, 1), month_end(y, 3 * q)
    if m := re.fullmatch(r"(\d{4})-[Hh]([12])", s):  # six months: the first or the second half
        y, h = int(m[1]), int(m[2])
        return (date(y, 1, 1), date(y, 6, 30)) if h == 1 else (date(y, 7, 1), date(y, 12, 31))
    if m := re.fullmatch(r"(\d{4})-(\d{2})", s):
        y, mo = int(m[1]), int(m[2])
        if 1 <= mo <= 12:
            return date(y, mo, 1), month_end(y, mo)
    if s.startswith("phase:") and phases is not None and s[6:] in phases:
        return phases[s[6:]]
    if s == "plan" and plan is not None:
        return plan
    raise PeriodError(
        text(
            f"Không hiểu kỳ báo cáo «{spec}»; dùng 2024, 2024-H1, 2024-Q1, 2024-03, phase:<mã giai đoạn> "
            "hoặc plan.",
            f"Unknown period “{spec}”; use 2024, 2024-H1, 2024-Q1, 2024-03, phase:<phase id> or plan.",
        )
    )


def _bucket_of(day: date, granularity: Granularity) -> Span:
    if granularity == "year":
        return date(day.year, 1, 1), date(day.year, 12, 31)
    if granularity == "quarter":
        q = (day.month - 1) // 3 + 1
        return date(day.year, 3 * q - 2, 1), month_end(day.year, 3 * q)
    return date(day.year, day.month, 1), month_end(day.year, day.month)


def buckets(start: date, end: date, granularity: Granularity) -> list[Span]:
    """Consecutive months, quarters or years covering ``start``..``end``, the first and last clipped."""
    out: list[Span] = []
    day = start
    while day <= end:
        b_start, b_end = _bucket_of(day, granularity)
        out.append((max(b_start, start), min(b_end, end)))
        day = b_end + timedelta(days=1)
    return out


def year_before(span: Span) -> Span:
    """The same days a year earlier (29 February becomes the 28th)."""

    def back(d: date) -> date:
        try:
            return d.replace(year=d.year - 1)
        except ValueError:
            return d.replace(year=d.year - 1, day=28)

    return back(span[0]), back(span[1])


def standard_periods(plan: Plan, today: date) -> list[Span]:
    """This year so far, then the plan phase holding today (else the whole plan), each inside the plan.

    What a pull caches for offline reading, and so what the phone offers
    first; the last one is also the period a report defaults to.
    """
    out: list[Span] = []
    year_start, year_end = max(date(today.year, 1, 1), plan.start), min(today, plan.end)
    if year_start <= year_end:
        out.append((year_start, year_end))
    phase = plan.phase_on(today)
    span = (phase.start, phase.end) if phase else (plan.start, plan.end)
    if span not in out:
        out.append(span)
    return out


def shift_years(d: date, years: int) -> date:
    """``d`` moved by whole years (29 February becomes the 28th)."""
    try:
        return d.replace(year=d.year + years)
    except ValueError:
        return d.replace(year=d.year + years, day=28)


def rate_windows(start: date, end: date) -> list[Span]:
    """The equal, non-overlapping windows a "falling every year" indicator compares, oldest first.

    A span shorter than a year is compared with the same days a year before.
    A longer one is cut into 12-month windows ending on its last day, as many
    as fit inside it (a phase 2021-2024 gives the four years); when only one
    fits, the 12 months before it are added, so there is always something to
    compare with and no day is counted in two windows.
    """
    if end < shift_years(start, 1) - timedelta(days=1):
        return [year_before((start, end)), (start, end)]
    out: list[Span] = []
    after = end + timedelta(days=1)  # windows are [after - k - 1 years, after - k years): back to back
    k = 0
    while True:
        w_start = shift_years(after, -(k + 1))
        if w_start < start and len(out) >= 2:
            break
        out.append((w_start, shift_years(after, -k) - timedelta(days=1)))
        k += 1
    return out[::-1]


def coverage_span(end: date) -> Span:
    """The days a coverage indicator reads for a period ending on ``end``: that year up to ``end``.

    Coverage is a stock ("people reached at least once this year, as at the
    period's end"), not a flow: a half-year report shows the year to date and
    a phase report the phase's last year, whatever day the period starts on
    (see docs/indicators.md).
    """
    return date(end.year, 1, 1), end
