"""Plans as data, and the pure math that turns sums into progress.

A plan names *measures* (a count of records, or a sum of fields, of one form,
over finalized records matching a filter) and *indicators*. A ``percent``
indicator divides one measure by baselines or by other measures and compares
the percentage with the target and its dated milestones; it may also have
*segment targets* (e.g. 70% in units tagged ``key_area`` or ``suburban``).
A ``coverage`` indicator is a percent indicator over *people*, never
person-times: its numerator counts each person once a year (sessions and
trainings record how many attendees were reached for the first time that
year), is read as at the period's end (``periods.coverage_span``) and can
never pass the denominator; the person-times stay visible beside it.
A ``decrease`` indicator (violations falling every year) compares rates over
equal, non-overlapping windows (``periods.rate_windows``) at full precision.
The server keeps per-unit, per-day sums of the measures; everything after
that is here, shared by server and phone. docs/indicators.md explains each
indicator of the shipped plan.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from enum import Enum
from typing import Any, Literal
from uuid import UUID

from pydantic import AwareDatetime, Field, model_validator

from .common import LocalizedText, Strict
from .forms import FormDefinition, period_date
from .records import Record, RecordStatus

WhereValue = str | int | bool | list[str]


class Measure(Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")
    form_id: str
    agg: Literal["count", "sum"]
    fields: list[str] = []
    where: dict[str, WhereValue] = {}
    label: LocalizedText | None = None

    @model_validator(mode="after")
    def _sum_has_fields(self) -> Measure:
        if self.agg == "sum" and not self.fields:
            raise ValueError(f"measure {self.id}: a sum needs fields")
        return self


class Milestone(Strict):
    """A level due by a date: ``pct`` (a percentage) or ``of_target`` (a share of the target, in %).

    "50% by 31/12/2024" is ``{"due": "2024-12-31", "pct": 50}``; "the whole
    target by 2027" is ``{"due": "2027-12-31", "of_target": 100}``.
    """

    due: date
    pct: float | None = Field(default=None, ge=0, le=100)
    of_target: float | None = Field(default=None, ge=0, le=100)

    @model_validator(mode="after")
    def _one_level(self) -> Milestone:
        if (self.pct is None) == (self.of_target is None):
            raise ValueError(f"milestone due {self.due}: give exactly one of pct and of_target")
        return self

    def level(self, target_pct: float) -> float:
        """The percentage required by ``due``."""
        if self.pct is not None:
            return self.pct
        return round(target_pct * (self.of_target or 0) / 100, 2)


class Denominator(Strict):
    kind: Literal["baseline", "measure"]
    keys: list[str] = Field(min_length=1)


class Segment(Strict):
    """A target for part of the tree: units carrying (or under a unit carrying) any of ``tags``."""

    id: str = Field(pattern=r"^[a-z0-9_]{1,64}$")
    label: LocalizedText
    tags: list[str] = Field(min_length=1)
    target_pct: float = Field(ge=0, le=100)
    milestones: list[Milestone] = []
    # Where a form asks the respondent whether they are in the segment: measure id -> the same
    # measure over the respondents who said so. The segment then counts every record of a tagged
    # unit and, in the other units, the records of those respondents (``segment_sums``).
    answer_measures: dict[str, str] = {}


class Indicator(Strict):
    id: str = Field(pattern=r"^[a-z0-9_]{1,64}$")
    number: int
    title: LocalizedText
    # percent: numerator / denominator × 100 against target and milestones.
    # coverage: a percent of people (each counted once a year, as at the period's end), capped at 100.
    # decrease: the same rate must fall, year on year, by at least target_pct percent (0: any fall).
    kind: Literal["percent", "coverage", "decrease"] = "percent"
    numerator: str
    denominator: Denominator
    person_times: str | None = None  # coverage: the measure of person-times shown beside it
    target_pct: float = Field(ge=0, le=100)
    milestones: list[Milestone] = []
    segments: list[Segment] = []
    note: LocalizedText | None = None


class Phase(Strict):
    id: str
    label: LocalizedText
    start: date
    end: date


class Assumption(Strict):
    """Something the plan file says that its source text does not: a plan owner may change it.

    ``about`` names the part of the file (``issuer``, ``<indicator id>``,
    ``<indicator id>.<segment id>``, ``form:<form id>.<field>``).
    """

    about: str
    text: LocalizedText


class Plan(Strict):
    id: str = Field(pattern=r"^[a-z0-9_]{1,64}$")
    title: LocalizedText
    issuer: str = ""
    start: date
    end: date
    phases: list[Phase] = []
    measures: list[Measure]
    indicators: list[Indicator]
    assumptions: list[Assumption] = []

    @model_validator(mode="after")
    def _references_resolve(self) -> Plan:
        measure_ids = [m.id for m in self.measures]
        if len(measure_ids) != len(set(measure_ids)):
            raise ValueError(f"plan {self.id}: measure ids repeat")
        indicator_ids = [i.id for i in self.indicators]
        if len(indicator_ids) != len(set(indicator_ids)):
            raise ValueError(f"plan {self.id}: indicator ids repeat")
        for ind in self.indicators:
            refs = [ind.numerator] + (ind.denominator.keys if ind.denominator.kind == "measure" else [])
            refs += [ind.person_times] if ind.person_times else []
            refs += [m for s in ind.segments for pair in s.answer_measures.items() for m in pair]
            for ref in refs:
                if ref not in measure_ids:
                    raise ValueError(f"plan {self.id}: indicator {ind.id} refers to unknown measure {ref}")
            for owner, milestones in [(ind.id, ind.milestones)] + [
                (f"{ind.id}.{s.id}", s.milestones) for s in ind.segments
            ]:
                dues = [m.due for m in milestones]
                if dues != sorted(dues):
                    raise ValueError(f"plan {self.id}: indicator {owner} milestones are not in date order")
            if ind.kind == "decrease" and (ind.milestones or ind.segments):
                raise ValueError(
                    f"plan {self.id}: indicator {ind.id} (decrease) has no milestones or segments"
                )
        # a coverage numerator is read as at the period's end, so nothing else may read it as a flow
        stock = {i.numerator for i in self.indicators if i.kind == "coverage"}
        for ind in self.indicators:
            flows = [ind.person_times] if ind.person_times else []
            flows += ind.denominator.keys if ind.denominator.kind == "measure" else []
            flows += [ind.numerator] if ind.kind != "coverage" else []
            if stock & set(flows):
                raise ValueError(
                    f"plan {self.id}: indicator {ind.id} reads coverage measure {min(stock & set(flows))}"
                )
        if self.end < self.start:
            raise ValueError(f"plan {self.id}: ends before it starts")
        for ph in self.phases:
            if not (self.start <= ph.start <= ph.end <= self.end):
                raise ValueError(f"plan {self.id}: phase {ph.id} is not inside the plan's dates")
        return self

    def measure(self, measure_id: str) -> Measure:
        return next(m for m in self.measures if m.id == measure_id)

    def indicator(self, indicator_id: str) -> Indicator | None:
        return next((i for i in self.indicators if i.id == indicator_id), None)

    def baseline_keys(self) -> set[str]:
        return {k for i in self.indicators if i.denominator.kind == "baseline" for k in i.denominator.keys}

    def segment_tags(self) -> dict[str, list[str]]:
        """Each segment id (unique across indicators) and the tags that put a unit in it."""
        return {s.id: s.tags for i in self.indicators for s in i.segments}

    def segment_answer_measures(self) -> dict[str, dict[str, str]]:
        """Each segment id and its ``answer_measures`` (merged over the indicators that share it)."""
        out: dict[str, dict[str, str]] = {}
        for i in self.indicators:
            for s in i.segments:
                out.setdefault(s.id, {}).update(s.answer_measures)
        return out

    def has_decrease(self) -> bool:
        return any(i.kind == "decrease" for i in self.indicators)

    def decrease_measures(self) -> set[str]:
        """The measures a decrease indicator reads (compared over several windows)."""
        out: set[str] = set()
        for ind in self.indicators:
            if ind.kind == "decrease":
                out.add(ind.numerator)
                if ind.denominator.kind == "measure":
                    out.update(ind.denominator.keys)
        return out

    def coverage_measures(self) -> set[str]:
        """The numerators of coverage indicators: read as at a period's end (``periods.coverage_span``)."""
        return {i.numerator for i in self.indicators if i.kind == "coverage"}

    def phase_spans(self) -> dict[str, tuple[date, date]]:
        return {p.id: (p.start, p.end) for p in self.phases}

    def phase_on(self, day: date) -> Phase | None:
        """The phase holding ``day``, if any (phases do not overlap; the first wins if they do)."""
        return next((p for p in self.phases if p.start <= day <= p.end), None)


def _matches(answers: Mapping[str, Any], where: Mapping[str, WhereValue]) -> bool:
    for name, wanted in where.items():
        got = answers.get(name)
        if isinstance(wanted, list):
            if got not in wanted:
                return False
        elif isinstance(got, list):
            if wanted not in got:
                return False
        elif got != wanted:
            return False
    return True


def _number(v: Any) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return 0.0
    return float(v)


def record_contributions(record: Record, form: FormDefinition, plan: Plan) -> dict[str, float]:
    """What one record adds to each measure of ``plan``; empty unless it is final.

    The server stores these per record so that a later revision or a void
    takes back exactly what this one added.
    """
    if record.status != RecordStatus.FINAL:
        return {}
    out: dict[str, float] = {}
    for m in plan.measures:
        if m.form_id != record.form_id or not _matches(record.answers, m.where):
            continue
        amount = 1.0 if m.agg == "count" else sum(_number(record.answers.get(f)) for f in m.fields)
        if amount:
            out[m.id] = amount
    return out


def record_period(record: Record, form: FormDefinition) -> date:
    """The day a record counts for: its form's period field, else the day it was made."""
    return period_date(form, record.answers) or record.created_at.date()


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
    shortfall: float | None = None  # see schemas.plans.shortfall; children come sorted by it


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
