"""Plans as data, and the pure math that turns sums into progress.

A plan names *measures* (a count of records, or a sum of fields, of one form,
over finalized records matching a filter) and *indicators* that divide one
measure by a baseline or by other measures and compare the percentage with
the plan's target and its dated milestones. The server keeps per-unit,
per-period sums of the measures; everything after that is here, shared by
server and phone.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from enum import Enum
from typing import Any, Literal

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
    def _sum_has_fields(self) -> "Measure":
        if self.agg == "sum" and not self.fields:
            raise ValueError(f"measure {self.id}: a sum needs fields")
        return self


class Milestone(Strict):
    due: date
    pct: float = Field(ge=0, le=100)


class Denominator(Strict):
    kind: Literal["baseline", "measure"]
    keys: list[str] = Field(min_length=1)


class Indicator(Strict):
    id: str = Field(pattern=r"^[a-z0-9_]{1,64}$")
    number: int
    title: LocalizedText
    kind: Literal["percent"] = "percent"
    numerator: str
    denominator: Denominator
    target_pct: float = Field(ge=0, le=100)
    milestones: list[Milestone] = []


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
    def _references_resolve(self) -> "Plan":
        measure_ids = [m.id for m in self.measures]
        if len(measure_ids) != len(set(measure_ids)):
            raise ValueError(f"plan {self.id}: measure ids repeat")
        for ind in self.indicators:
            refs = [ind.numerator] + (ind.denominator.keys if ind.denominator.kind == "measure" else [])
            for ref in refs:
                if ref not in measure_ids:
                    raise ValueError(f"plan {self.id}: indicator {ind.id} refers to unknown measure {ref}")
            dues = [m.due for m in ind.milestones]
            if dues != sorted(dues):
                raise ValueError(f"plan {self.id}: indicator {ind.id} milestones are not in date order")
        if self.end < self.start:
            raise ValueError(f"plan {self.id}: ends before it starts")
        return self

    def measure(self, measure_id: str) -> Measure:
        return next(m for m in self.measures if m.id == measure_id)

    def baseline_keys(self) -> set[str]:
        return {k for i in self.indicators if i.denominator.kind == "baseline" for k in i.denominator.keys}


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
    REACHED = "reached"  # at or above the plan's final target
    ON_TRACK = "on_track"  # at or above the milestone due for the period
    BEHIND = "behind"
    NO_DATA = "no_data"  # nothing to divide by yet


class IndicatorProgress(Strict):
    indicator_id: str
    number: int
    numerator: float
    denominator: float
    pct: float | None
    target_pct: float
    milestone_pct: float | None
    milestone_due: date | None
    status: ProgressStatus


def milestone_for(indicator: Indicator, period_end: date) -> Milestone | None:
    """The milestone a period is judged against: the first one due on or after its end."""
    for m in indicator.milestones:
        if m.due >= period_end:
            return m
    return indicator.milestones[-1] if indicator.milestones else None


def evaluate(indicator: Indicator, numerator: float, denominator: float, period_end: date) -> IndicatorProgress:
    """Progress of one indicator for one unit and period, from its two sums."""
    ms = milestone_for(indicator, period_end)
    pct = round(100.0 * numerator / denominator, 2) if denominator > 0 else None
    if pct is None:
        status = ProgressStatus.NO_DATA
    elif pct >= indicator.target_pct:
        status = ProgressStatus.REACHED
    elif pct >= (ms.pct if ms else indicator.target_pct):
        status = ProgressStatus.ON_TRACK
    else:
        status = ProgressStatus.BEHIND
    return IndicatorProgress(
        indicator_id=indicator.id,
        number=indicator.number,
        numerator=numerator,
        denominator=denominator,
        pct=pct,
        target_pct=indicator.target_pct,
        milestone_pct=ms.pct if ms else None,
        milestone_due=ms.due if ms else None,
        status=status,
    )


def evaluate_plan(
    plan: Plan, measure_sums: Mapping[str, float], baselines: Mapping[str, float], period_end: date
) -> list[IndicatorProgress]:
    """Every indicator of ``plan`` for one unit (its subtree's sums and baselines)."""
    out = []
    for ind in plan.indicators:
        num = measure_sums.get(ind.numerator, 0.0)
        source = baselines if ind.denominator.kind == "baseline" else measure_sums
        den = float(sum(source.get(k, 0) for k in ind.denominator.keys))
        out.append(evaluate(ind, num, den, period_end))
    return out


class UnitTally(Strict):
    unit: str
    unit_name: str
    indicators: list[IndicatorProgress]


class TallyReport(Strict):
    """A plan's indicators for one unit's subtree over one period, with each child unit's."""

    plan_id: str
    unit: str
    unit_name: str
    start: date
    end: date
    as_of: AwareDatetime
    totals: list[IndicatorProgress]
    children: list[UnitTally] = []
