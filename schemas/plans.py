"""Plans as data: measures, indicators, segments, milestones and phases.

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
that is shared by server and phone: what a record adds (``schemas.plan_records``),
the math (``schemas.plan_eval``) and the report models (``schemas.plan_report``).
docs/indicators.md explains each indicator of the shipped plan.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field, model_validator

from .common import LocalizedText, Strict

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
