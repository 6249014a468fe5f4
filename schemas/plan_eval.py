"""The pure math that turns a unit's sums into progress against a plan.

Percent and coverage indicators are judged against the target and the milestone due for the
period (and per segment); decrease indicators compare rates over equal, non-overlapping windows.
The server keeps per-unit, per-day sums; everything after that is here, shared by server and phone.
``shortfall`` ranks units by how far behind they are.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from .common import Strict
from .plan_report import IndicatorProgress, ProgressStatus, RateWindow, SegmentProgress
from .plans import Indicator, Milestone, Plan, Segment


def milestone_for(indicator: Indicator | Segment, period_end: date) -> Milestone | None:
    """The milestone a period is judged against: the first one due on or after its end."""
    for m in indicator.milestones:
        if m.due >= period_end:
            return m
    return indicator.milestones[-1] if indicator.milestones else None


def _ratio(numerator: float, denominator: float) -> float | None:
    return round(100.0 * numerator / denominator, 2) if denominator > 0 else None


def _judge(
    target: Indicator | Segment, numerator: float, denominator: float, period_end: date
) -> tuple[float | None, float | None, date | None, ProgressStatus, float | None]:
    """(pct, level due, its date, status, gap) of a percent target."""
    ms = milestone_for(target, period_end)
    level = ms.level(target.target_pct) if ms else None
    pct = _ratio(numerator, denominator)
    required = level if level is not None else target.target_pct
    if pct is None:
        return None, level, ms.due if ms else None, ProgressStatus.NO_DATA, None
    if pct >= target.target_pct:
        status = ProgressStatus.REACHED
    elif pct >= required:
        status = ProgressStatus.ON_TRACK
    else:
        status = ProgressStatus.BEHIND
    return pct, level, ms.due if ms else None, status, round(max(0.0, required - pct), 2)


def _segment_progress(seg: Segment, num: float, den: float, period_end: date, cap: bool) -> SegmentProgress:
    if cap and den > 0:
        num = min(num, den)
    pct, level, due, status, gap = _judge(seg, num, den, period_end)
    return SegmentProgress(
        segment_id=seg.id,
        numerator=num,
        denominator=den,
        pct=pct,
        target_pct=seg.target_pct,
        milestone_pct=level,
        milestone_due=due,
        status=status,
        gap=gap,
    )


def evaluate(
    indicator: Indicator,
    numerator: float,
    denominator: float,
    period_end: date,
    *,
    previous: tuple[float, float] | None = None,
    segments: Mapping[str, tuple[float, float]] | None = None,
    person_times: float | None = None,
    windows: Sequence[RateWindow] | None = None,
) -> IndicatorProgress:
    """Progress of one indicator for one unit and period, from its sums.

    A ``decrease`` indicator needs ``windows`` (``rate_window`` of each span
    of ``periods.rate_windows``) or at least ``previous`` (numerator and
    denominator a year before: two windows); ``segments`` maps a segment id
    to its two sums; ``person_times`` is shown beside a coverage indicator.
    """
    if indicator.kind == "decrease":
        if windows is None:  # only the period's sums and the year before's: windows without dates
            undated = [previous] if previous else []
            windows = [rate_window(date.min, date.min, *p) for p in undated]
            windows.append(rate_window(date.min, period_end, numerator, denominator))
        return _evaluate_decrease(indicator, windows)
    coverage = indicator.kind == "coverage"
    over = None
    if coverage and denominator > 0:
        over = max(0.0, numerator - denominator)
        numerator = min(numerator, denominator)
    pct, level, due, status, gap = _judge(indicator, numerator, denominator, period_end)
    seg_out = [
        _segment_progress(seg, *(segments or {}).get(seg.id, (0.0, 0.0)), period_end, coverage)
        for seg in indicator.segments
    ]
    return IndicatorProgress(
        indicator_id=indicator.id,
        number=indicator.number,
        kind=indicator.kind,
        numerator=numerator,
        denominator=denominator,
        pct=pct,
        target_pct=indicator.target_pct,
        milestone_pct=level,
        milestone_due=due,
        status=status,
        gap=gap,
        person_times=person_times if coverage else None,
        over_count=over,
        segments=seg_out,
    )


def rate_window(start: date, end: date, numerator: float, denominator: float) -> RateWindow:
    """A window's rate per 100 of the denominator, kept to 6 decimals (rates of violations are small)."""
    rate = round(100.0 * numerator / denominator, 6) if denominator > 0 else None
    return RateWindow(start=start, end=end, numerator=numerator, denominator=denominator, rate=rate)


def _fell(before: float, after: float, by_pct: float) -> bool:
    """True when ``after`` is below ``before`` by at least ``by_pct`` percent (both at full precision)."""
    if before == 0:
        return after == 0
    return after < before and 100.0 * (before - after) / before >= by_pct


def _evaluate_decrease(indicator: Indicator, windows: Sequence[RateWindow]) -> IndicatorProgress:
    """Falling every year: each window's rate below the one before it (windows without data are skipped)."""
    last = windows[-1]
    before = windows[-2] if len(windows) > 1 else None
    known = [w.rate for w in windows if w.rate is not None]
    pct, prev_pct = last.rate, before.rate if before else None
    change = None
    if pct is not None and prev_pct and before is not None:  # at full precision, not the shown rates
        now_rate, then_rate = last.numerator / last.denominator, before.numerator / before.denominator
        change = round(100.0 * (now_rate - then_rate) / then_rate, 2)
    if pct is None:
        status = ProgressStatus.NO_DATA
    elif pct == 0:
        status = ProgressStatus.REACHED
    elif len(known) < 2 or prev_pct is None:
        status = ProgressStatus.NO_DATA
    elif all(_fell(a, b, indicator.target_pct) for a, b in zip(known, known[1:], strict=False)):
        status = ProgressStatus.ON_TRACK
    else:
        status = ProgressStatus.BEHIND
    return IndicatorProgress(
        indicator_id=indicator.id,
        number=indicator.number,
        kind="decrease",
        numerator=last.numerator,
        denominator=last.denominator,
        pct=None if pct is None else round(pct, 4),
        target_pct=indicator.target_pct,
        milestone_pct=None,
        milestone_due=None,
        status=status,
        gap=None if status == ProgressStatus.NO_DATA else (1.0 if status == ProgressStatus.BEHIND else 0.0),
        previous_numerator=before.numerator if before else None,
        previous_denominator=before.denominator if before else None,
        previous_pct=None if prev_pct is None else round(prev_pct, 4),
        change_pct=change,
        windows=list(windows) if windows[0].start != date.min else [],  # undated: nothing to list
    )


class Aggregate(Strict):
    """The sums a unit's subtree holds for one period: measure sums and baselines."""

    sums: dict[str, float] = {}
    baselines: dict[str, float] = {}


def _two_sums(ind: Indicator, agg: Aggregate) -> tuple[float, float]:
    num = agg.sums.get(ind.numerator, 0.0)
    source = agg.baselines if ind.denominator.kind == "baseline" else agg.sums
    return num, float(sum(source.get(k, 0) for k in ind.denominator.keys))


def segment_sums(
    answer_measures: Mapping[str, str], tagged: Mapping[str, float], everywhere: Mapping[str, float]
) -> dict[str, float]:
    """A segment's sums: all of its tagged units, plus the respondents elsewhere who said they are in it.

    ``tagged``: the sums over the segment's tagged units; ``everywhere``: over
    all units. For a measure with an answer variant, the untagged units add
    their variant (everywhere's minus the tagged units'), so nobody counts twice.
    """
    out = dict(tagged)
    for base, variant in answer_measures.items():
        extra = everywhere.get(variant, 0.0) - tagged.get(variant, 0.0)
        if extra:
            out[base] = out.get(base, 0.0) + extra
    return out


def evaluate_plan(
    plan: Plan,
    measure_sums: Mapping[str, float],
    baselines: Mapping[str, float],
    period_end: date,
    *,
    previous: Aggregate | None = None,
    segments: Mapping[str, Aggregate] | None = None,
    windows: Sequence[tuple[date, date, Aggregate]] | None = None,
) -> list[IndicatorProgress]:
    """Every indicator of ``plan`` for one unit (its subtree's sums and baselines).

    ``measure_sums`` are the period's sums, except coverage numerators, read
    over ``periods.coverage_span`` (as at the period's end). ``windows``: the
    sums of the decrease measures over each of ``periods.rate_windows``
    (oldest first); without them ``previous`` (the same days a year before)
    is compared with the period. ``segments``: segment id -> the sums over
    the segment (``segment_sums``).
    """
    current = Aggregate(sums=dict(measure_sums), baselines=dict(baselines))
    out = []
    for ind in plan.indicators:
        num, den = _two_sums(ind, current)
        seg = {s.id: _two_sums(ind, (segments or {}).get(s.id, Aggregate())) for s in ind.segments}
        prev = _two_sums(ind, previous) if previous is not None and ind.kind == "decrease" else None
        rates = None
        if windows is not None and ind.kind == "decrease":
            rates = [rate_window(a, b, *_two_sums(ind, agg)) for a, b, agg in windows]
        times = current.sums.get(ind.person_times, 0.0) if ind.person_times else None
        out.append(
            evaluate(
                ind, num, den, period_end, previous=prev, segments=seg, person_times=times, windows=rates
            )
        )
    return out


def shortfall(plan: Plan, progress: list[IndicatorProgress]) -> float | None:
    """How far behind a unit is, 0 (all met) .. 1 (nothing done), averaged over its indicators.

    A percent indicator counts its gap as a share of the level due; one with
    no data counts as fully behind when it divides by measures (nothing was
    recorded) and is left out when it divides by baselines (the unit has none
    of those people). A decrease indicator counts 1 when the rate is not falling.
    """
    parts: list[float] = []
    for p in progress:
        ind = plan.indicator(p.indicator_id)
        if ind is None:
            continue
        if p.status == ProgressStatus.NO_DATA:
            if ind.kind == "percent" and ind.denominator.kind == "measure":
                parts.append(1.0)
            continue
        if p.kind == "decrease":
            parts.append(1.0 if p.status == ProgressStatus.BEHIND else 0.0)
            continue
        required = p.milestone_pct if p.milestone_pct is not None else p.target_pct
        parts.append(min(1.0, (p.gap or 0.0) / required) if required else 0.0)
    return round(sum(parts) / len(parts), 4) if parts else None
