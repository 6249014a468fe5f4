"""Plans as data, and the pure math that turns sums into progress.

A plan names *measures* (a count of records, or a sum of fields, of one form,
over finalized records matching a filter) and *indicators*. A ``percent``
indicator divides one measure by baselines or by other measures and compares
the percentage with the target and its dated milestones; it may also have
*segment targets* (e.g. 70% in units tagged ``key_area`` or ``suburban``).
A ``decrease`` indicator (violations falling every year) compares the rate
over a period with the rate over the same days a year before. The server
keeps per-unit, per-day sums of the measures; everything after that is here,
shared by server and phone.
"""

from __future__ import annotations

from collections.abc import Mapping
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


class Indicator(Strict):
    id: str = Field(pattern=r"^[a-z0-9_]{1,64}$")
    number: int
    title: LocalizedText
    # percent: numerator / denominator × 100 against target and milestones.
    # decrease: the same rate must fall, year on year, by at least target_pct percent (0: any fall).
    kind: Literal["percent", "decrease"] = "percent"
    numerator: str
    denominator: Denominator
    target_pct: float = Field(ge=0, le=100)
    milestones: list[Milestone] = []
    segments: list[Segment] = []
    note: LocalizedText | None = None


class Phase(Strict):
    id: str
    label: LocalizedText
    start: date
    end: date


class Plan(Strict):
    id: str = Field(pattern=r"^[a-z0-9_]{1,64}$")
    title: LocalizedText
    issuer: str = ""
    start: date
    end: date
    phases: list[Phase] = []
    measures: list[Measure]
    indicators: list[Indicator]

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
                raise ValueError(f"plan {self.id}: indicator {ind.id} (decrease) has no milestones or segments")
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

    def has_decrease(self) -> bool:
        return any(i.kind == "decrease" for i in self.indicators)

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


class IndicatorProgress(Strict):
    """One indicator for one unit (its subtree) and period.

    ``gap``: percentage points still missing to the level due (milestone,
    else target); 0 when met, None without data. For a ``decrease``
    indicator ``pct`` is the rate (numerator per 100 of denominator),
    ``previous_pct`` the rate over the same days a year before and
    ``change_pct`` the relative change (negative: falling).
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
    kind: Literal["percent", "decrease"] = "percent"
    gap: float | None = None
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


def evaluate(
    indicator: Indicator,
    numerator: float,
    denominator: float,
    period_end: date,
    *,
    previous: tuple[float, float] | None = None,
    segments: Mapping[str, tuple[float, float]] | None = None,
) -> IndicatorProgress:
    """Progress of one indicator for one unit and period, from its sums.

    ``previous`` (numerator, denominator a year before) is needed by a
    ``decrease`` indicator; ``segments`` maps a segment id to its two sums.
    """
    if indicator.kind == "decrease":
        return _evaluate_decrease(indicator, numerator, denominator, previous)
    pct, level, due, status, gap = _judge(indicator, numerator, denominator, period_end)
    seg_out = []
    for seg in indicator.segments:
        s_num, s_den = (segments or {}).get(seg.id, (0.0, 0.0))
        s_pct, s_level, s_due, s_status, s_gap = _judge(seg, s_num, s_den, period_end)
        seg_out.append(
            SegmentProgress(
                segment_id=seg.id,
                numerator=s_num,
                denominator=s_den,
                pct=s_pct,
                target_pct=seg.target_pct,
                milestone_pct=s_level,
                milestone_due=s_due,
                status=s_status,
                gap=s_gap,
            )
        )
    return IndicatorProgress(
        indicator_id=indicator.id,
        number=indicator.number,
        numerator=numerator,
        denominator=denominator,
        pct=pct,
        target_pct=indicator.target_pct,
        milestone_pct=level,
        milestone_due=due,
        status=status,
        gap=gap,
        segments=seg_out,
    )


def _evaluate_decrease(
    indicator: Indicator, numerator: float, denominator: float, previous: tuple[float, float] | None
) -> IndicatorProgress:
    pct = _ratio(numerator, denominator)
    prev_num, prev_den = previous if previous else (None, None)
    prev_pct = _ratio(prev_num, prev_den) if prev_num is not None and prev_den is not None else None
    change = round(100.0 * (pct - prev_pct) / prev_pct, 2) if pct is not None and prev_pct else None
    if pct is None:
        status = ProgressStatus.NO_DATA
    elif pct == 0:
        status = ProgressStatus.REACHED
    elif prev_pct is None:
        status = ProgressStatus.NO_DATA
    elif change is not None and change < 0 and -change >= indicator.target_pct:
        status = ProgressStatus.ON_TRACK
    else:
        status = ProgressStatus.BEHIND
    return IndicatorProgress(
        indicator_id=indicator.id,
        number=indicator.number,
        kind="decrease",
        numerator=numerator,
        denominator=denominator,
        pct=pct,
        target_pct=indicator.target_pct,
        milestone_pct=None,
        milestone_due=None,
        status=status,
        gap=None if status == ProgressStatus.NO_DATA else (1.0 if status == ProgressStatus.BEHIND else 0.0),
        previous_numerator=prev_num,
        previous_denominator=prev_den,
        previous_pct=prev_pct,
        change_pct=change,
    )


class Aggregate(Strict):
    """The sums a unit's subtree holds for one period: measure sums and baselines."""

    sums: dict[str, float] = {}
    baselines: dict[str, float] = {}


def _two_sums(ind: Indicator, agg: Aggregate) -> tuple[float, float]:
    num = agg.sums.get(ind.numerator, 0.0)
    source = agg.baselines if ind.denominator.kind == "baseline" else agg.sums
    return num, float(sum(source.get(k, 0) for k in ind.denominator.keys))


def evaluate_plan(
    plan: Plan,
    measure_sums: Mapping[str, float],
    baselines: Mapping[str, float],
    period_end: date,
    *,
    previous: Aggregate | None = None,
    segments: Mapping[str, Aggregate] | None = None,
) -> list[IndicatorProgress]:
    """Every indicator of ``plan`` for one unit (its subtree's sums and baselines).

    ``previous``: the same subtree's sums a year before (for ``decrease``
    indicators); ``segments``: segment id -> the sums over the segment's units.
    """
    current = Aggregate(sums=dict(measure_sums), baselines=dict(baselines))
    out = []
    for ind in plan.indicators:
        num, den = _two_sums(ind, current)
        seg = {s.id: _two_sums(ind, (segments or {}).get(s.id, Aggregate())) for s in ind.segments}
        prev = _two_sums(ind, previous) if previous is not None and ind.kind == "decrease" else None
        out.append(evaluate(ind, num, den, period_end, previous=prev, segments=seg))
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
    return sorted(
        children, key=lambda c: (c.shortfall is None, -(c.shortfall or 0.0), c.unit)
    )


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
