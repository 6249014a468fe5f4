"""The programme's other numbers: what the field did, beside the plan's indicators.

Per unit (its subtree) and period: outreach sessions by format; person-times
by audience group and sex; materials handed out; mediation cases by dispute
type and outcome with the settlement rate (*tỷ lệ hòa giải thành*);
trainings by trainee kind; surveys by respondent group with the share
passing. All are flows over the period's final records (a record counts on
its form's date), added up from the answers the shared validator accepted,
so the phone and the server name and count them the same way.

The settlement rate divides the cases settled by the cases whose mediation
has ended (settled, not settled, referred): an ongoing case has no outcome
yet, and counting it would make a fresh period look worse than it is. The
ongoing cases are shown beside it. Labels come from the forms' own choices,
so a new choice appears without a change here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from .common import LocalizedText, Strict, text
from .forms import FormDefinition

# Audience groups of an outreach session: answer field -> the group's choice in the survey form.
ATTENDANCE = {
    "attendees_cadres": "cadre",
    "attendees_citizens": "citizen",
    "attendees_minorities": "ethnic_minority",
    "attendees_students": "student",
    "attendees_soldiers": "soldier",
}
TRAINEE_KINDS = {
    "reporters": text("Báo cáo viên", "Reporters"),
    "propagandists": text("Tuyên truyền viên", "Propagandists"),
    "collaborators": text("Cộng tác viên", "Collaborators"),
    "mediators": text("Hòa giải viên", "Mediators"),
}
ENDED = ("settled", "not_settled", "referred")


class Count(Strict):
    """One line of a breakdown: a choice of a form, its label and how many."""

    key: str
    label: LocalizedText
    count: float


class GroupShare(Strict):
    """Surveys of one respondent group and how many passed."""

    key: str
    label: LocalizedText
    surveys: int
    passed: int
    pct: float | None


class TraineeCount(Strict):
    """Person-times trained of one kind, by force (military units, local)."""

    key: str
    label: LocalizedText
    military: int
    local: int


class Figures(Strict):
    """The numbers of one subtree over one period (see the module docstring)."""

    sessions: int = 0
    sessions_by_format: list[Count] = []
    person_times: int = 0
    person_times_female: int = 0
    person_times_by_group: list[Count] = []
    soldiers_first_time: int = 0
    materials: int = 0
    mediation_cases: int = 0
    mediation_by_type: list[Count] = []
    mediation_by_outcome: list[Count] = []
    mediation_settled: int = 0
    mediation_ended: int = 0
    settlement_rate: float | None = None
    trainings: int = 0
    trainees_by_kind: list[TraineeCount] = []
    surveys: int = 0
    surveys_passed: int = 0
    surveys_pct: float | None = None
    surveys_by_group: list[GroupShare] = []


class UnitFigures(Strict):
    unit: str
    unit_name: str
    figures: Figures


class StatisticsReport(Strict):
    """A unit's figures over a period, and each direct child's (for drill-down)."""

    unit: str
    unit_name: str
    start: date
    end: date
    totals: Figures
    children: list[UnitFigures] = []


def _int(v: Any) -> int:
    return int(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else 0


def _pct(part: float, whole: float) -> float | None:
    return round(100.0 * part / whole, 2) if whole > 0 else None


def _choices(form: FormDefinition | None, field: str) -> list[tuple[str, LocalizedText]]:
    f = form.field(field) if form else None
    return [(c.value, c.label) for c in f.choices] if f else []


def _breakdown(form: FormDefinition | None, field: str, counts: Mapping[str, float]) -> list[Count]:
    """Every choice of ``field`` in form order (zeros included, so tables line up), then unknown values."""
    known = _choices(form, field)
    out = [Count(key=k, label=label, count=counts.get(k, 0)) for k, label in known]
    names = {k for k, _ in known}
    out += [Count(key=k, label=text(k, k), count=v) for k, v in sorted(counts.items()) if k not in names]
    return out


def figures(records: Iterable[tuple[str, Mapping[str, Any]]], forms: Mapping[str, FormDefinition]) -> Figures:
    """The figures of final records given as (form id, answers); ``forms``: the newest version of each."""
    formats: dict[str, float] = {}
    groups: dict[str, float] = {}
    types: dict[str, float] = {}
    outcomes: dict[str, float] = {}
    trainees = {k: {"military": 0, "local": 0} for k in TRAINEE_KINDS}
    survey_groups: dict[str, list[int]] = {}
    out = Figures()
    for form_id, a in records:
        if form_id == "outreach_session":
            out.sessions += 1
            fmt = a.get("format")
            if isinstance(fmt, str):
                formats[fmt] = formats.get(fmt, 0) + 1
            for name, group in ATTENDANCE.items():
                n = _int(a.get(name))
                groups[group] = groups.get(group, 0) + n
                out.person_times += n
            out.person_times_female += _int(a.get("attendees_female"))
            out.soldiers_first_time += _int(a.get("soldiers_first_time"))
            out.materials += _int(a.get("materials"))
        elif form_id == "mediation_case":
            out.mediation_cases += 1
            for field, acc in (("dispute_type", types), ("outcome", outcomes)):
                v = a.get(field)
                if isinstance(v, str):
                    acc[v] = acc.get(v, 0) + 1
        elif form_id == "training":
            out.trainings += 1
            force = a.get("trainee_force")
            if force in ("military", "local"):
                for k in TRAINEE_KINDS:
                    trainees[k][force] += _int(a.get(f"trained_{k}"))
        elif form_id == "awareness_survey":
            out.surveys += 1
            passed = a.get("has_understanding") == "yes"
            out.surveys_passed += passed
            g = a.get("respondent_group")
            if isinstance(g, str):
                pair = survey_groups.setdefault(g, [0, 0])
                pair[0] += 1
                pair[1] += passed
    session, mediation, survey = (
        forms.get(k) for k in ("outreach_session", "mediation_case", "awareness_survey")
    )
    out.sessions_by_format = _breakdown(session, "format", formats)
    group_labels = dict(_choices(survey, "respondent_group"))
    out.person_times_by_group = [
        Count(key=g, label=_attendance_label(session, name, group_labels.get(g)), count=groups.get(g, 0))
        for name, g in ATTENDANCE.items()
    ]
    out.mediation_by_type = _breakdown(mediation, "dispute_type", types)
    out.mediation_by_outcome = _breakdown(mediation, "outcome", outcomes)
    out.mediation_settled = int(outcomes.get("settled", 0))
    out.mediation_ended = int(sum(outcomes.get(k, 0) for k in ENDED))
    out.settlement_rate = _pct(out.mediation_settled, out.mediation_ended)
    out.trainees_by_kind = [
        TraineeCount(key=k, label=label, **trainees[k]) for k, label in TRAINEE_KINDS.items()
    ]
    out.surveys_pct = _pct(out.surveys_passed, out.surveys)
    out.surveys_by_group = [
        GroupShare(key=k, label=label, surveys=n, passed=p, pct=_pct(p, n))
        for k, label in _choices(survey, "respondent_group")
        for n, p in [survey_groups.get(k, [0, 0])]
    ]
    return out


def _field_label(form: FormDefinition | None, name: str, fallback: str) -> LocalizedText:
    f = form.field(name) if form else None
    return f.label if f else text(fallback, fallback)


def _attendance_label(form: FormDefinition | None, name: str, group: LocalizedText | None) -> LocalizedText:
    """A group's name (the survey's choice label, e.g. "Cán bộ"), else the session field's label."""
    return group or _field_label(form, name, name)
