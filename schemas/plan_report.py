"""The progress and report models a plan's evaluation produces, as sent to the phone and dashboard.

Plain data (``IndicatorProgress``, ``TallyReport``, ``TallySeries``, ``Approval``); the math that
fills them is in ``schemas.plan_eval``.
"""

from __future__ import annotations

from datetime import date
from enum import Enum
from typing import Literal
from uuid import UUID

from pydantic import AwareDatetime

from .common import Strict


class ProgressStatus(str, Enum):
    REACHED = "reached"  # at or above the final target (decrease: no violations at all)
    ON_TRACK = "on_track"  # at or above the milestone due for the period (decrease: falling)
    BEHIND = "behind"
    NO_DATA = "no_data"  # nothing to divide by yet (decrease: or nothing to compare with)


class SegmentProgress(Strict):
    """An indicator over one segment of the unit's subtree (e.g. its key-area and suburban units)."""

    segment_id: str
    numerator: float
    denominator: float
    pct: float | None
    target_pct: float
    milestone_pct: float | None
    milestone_due: date | None
    status: ProgressStatus
    gap: float | None = None


class RateWindow(Strict):
    """One window a decrease indicator compares: its days, its two sums and the rate (per 100)."""

    start: date
    end: date
    numerator: float
    denominator: float
    rate: float | None


class IndicatorProgress(Strict):
    """One indicator for one unit (its subtree) and period.

    ``gap``: percentage points still missing to the level due (milestone,
    else target); 0 when met, None without data. For a ``coverage``
    indicator ``numerator`` is the people reached (at most the denominator),
    ``person_times`` the attendances over the period and ``over_count`` the
    people reported beyond the denominator (a figure to check, never
    counted). For a ``decrease`` indicator ``windows`` are the equal windows
    compared (oldest first); ``pct`` is the last one's rate (numerator per
    100 of denominator), ``previous_pct`` the one before and ``change_pct``
    the relative change between them (negative: falling).
    """

    indicator_id: str
    number: int
    numerator: float
    denominator: float
    pct: float | None
    target_pct: float
    milestone_pct: float | None
    milestone_due: date | None
    status: ProgressStatus
    kind: Literal["percent", "coverage", "decrease"] = "percent"
    gap: float | None = None
    person_times: float | None = None
    over_count: float | None = None
    windows: list[RateWindow] = []
    previous_numerator: float | None = None
    previous_denominator: float | None = None
    previous_pct: float | None = None
    change_pct: float | None = None
    segments: list[SegmentProgress] = []


class Approval(Strict):
    """A supervisor's sign-off of a unit's tallies for a period, and what changed after it."""

    plan_id: str
    unit: str
    start: date
    end: date
    approved_by: str
    approved_at: AwareDatetime
    # records of the subtree and period stored (new, edited or voided) after the approval
    changed_records: int = 0
    changed_record_ids: list[UUID] = []


class UnitTally(Strict):
    unit: str
    unit_name: str
    indicators: list[IndicatorProgress]
    shortfall: float | None = None  # see schemas.plan_eval.shortfall; children come sorted by it


class TallyReport(Strict):
    """A plan's indicators for one unit's subtree over one period, with each child unit's.

    ``children`` come furthest-behind first (``shortfall`` descending, then
    by code); ``approval`` is set when a supervisor approved exactly this
    unit, plan and period.
    """

    plan_id: str
    unit: str
    unit_name: str
    start: date
    end: date
    as_of: AwareDatetime
    totals: list[IndicatorProgress]
    children: list[UnitTally] = []
    approval: Approval | None = None


def rank_children(children: list[UnitTally]) -> list[UnitTally]:
    """Furthest behind first; units without any judged indicator last; ties by code."""
    return sorted(children, key=lambda c: (c.shortfall is None, -(c.shortfall or 0.0), c.unit))


class SeriesPoint(Strict):
    start: date
    end: date
    indicators: list[IndicatorProgress]


class TallySeries(Strict):
    """An indicator history for a chart: one point per month, quarter or year.

    With ``cumulative`` each point counts from the series' ``start`` to the
    point's ``end`` (progress toward a phase target); without, only the
    point's own days.
    """

    plan_id: str
    unit: str
    unit_name: str
    start: date
    end: date
    granularity: Literal["month", "quarter", "year"]
    cumulative: bool
    as_of: AwareDatetime
    points: list[SeriesPoint]
