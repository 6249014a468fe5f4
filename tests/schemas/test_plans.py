"""Plan math: contributions of one record, milestones, progress status."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timezone

import pytest
from pydantic import ValidationError

from schemas.catalog import latest_forms, shipped_forms, shipped_plans
from schemas.plans import (
    Plan,
    ProgressStatus,
    evaluate,
    evaluate_plan,
    milestone_for,
    record_contributions,
    record_period,
)
from schemas.records import Record

PLAN = shipped_plans()[0]
FORMS = latest_forms(shipped_forms())
NOW = datetime(2026, 11, 22, tzinfo=timezone.utc)


def make(form_id, answers, status="final"):
    form = FORMS[form_id]
    return Record(
        id=uuid.uuid4(), form_id=form_id, form_version=form.version, unit="HN-SS-MT", author="canbo",
        device="d1", created_at=NOW, updated_at=NOW, revision=1, status=status, answers=answers,
    )


def ind(indicator_id):
    return next(i for i in PLAN.indicators if i.id == indicator_id)


def test_plans__hanoi_plan_has_indicators_1_2_4_5_with_milestones():
    numbers = {i.number for i in PLAN.indicators}
    assert {1, 2, 4, 5} <= numbers
    assert ind("i1_understanding").target_pct == 90
    assert [(m.due, m.pct) for m in ind("i1_understanding").milestones] == [
        (date(2024, 12, 31), 50), (date(2027, 12, 31), 90)
    ]
    assert [(m.due, m.pct) for m in ind("i2_forces_educated").milestones][0] == (date(2024, 12, 31), 60)


def test_plans__survey_contributes_to_surveys_and_understanding_only_when_passed():
    passed = make("awareness_survey", {"survey_date": "2026-11-20", "has_understanding": "yes"})
    failed = make("awareness_survey", {"survey_date": "2026-11-20", "has_understanding": "no"})
    assert record_contributions(passed, FORMS["awareness_survey"], PLAN) == {"surveys": 1, "surveys_understanding": 1}
    assert record_contributions(failed, FORMS["awareness_survey"], PLAN) == {"surveys": 1}


def test_plans__drafts_and_voids_contribute_nothing():
    for status in ("draft", "void"):
        r = make("awareness_survey", {"has_understanding": "yes"}, status=status)
        assert record_contributions(r, FORMS["awareness_survey"], PLAN) == {}


def test_plans__sums_add_the_named_fields_under_a_filter():
    t = make("training", {"training_date": "2026-05-01", "trainee_force": "local", "trained_mediators": 7,
                          "trained_collaborators": 3})
    assert record_contributions(t, FORMS["training"], PLAN) == {"local_trained": 10}
    o = make("outreach_session", {"session_date": "2026-05-02", "attendees_soldiers": 40, "topics": ["border"]})
    assert record_contributions(o, FORMS["outreach_session"], PLAN) == {"sessions": 1, "attendees_soldiers": 40}


def test_plans__a_record_counts_on_its_form_date():
    r = make("outreach_session", {"session_date": "2025-03-04"})
    assert record_period(r, FORMS["outreach_session"]) == date(2025, 3, 4)
    assert record_period(make("outreach_session", {}), FORMS["outreach_session"]) == NOW.date()


def test_plans__the_milestone_is_the_next_one_due():
    i1 = ind("i1_understanding")
    assert milestone_for(i1, date(2024, 6, 30)).pct == 50
    assert milestone_for(i1, date(2024, 12, 31)).pct == 50
    assert milestone_for(i1, date(2025, 1, 1)).pct == 90
    assert milestone_for(i1, date(2030, 1, 1)).pct == 90


@pytest.mark.parametrize(
    ("num", "den", "end", "status", "pct"),
    [
        (2, 3, date(2024, 12, 31), ProgressStatus.ON_TRACK, 66.67),  # 66.67% >= 50% milestone
        (2, 3, date(2026, 12, 31), ProgressStatus.BEHIND, 66.67),  # below the 90% due in 2027
        (9, 10, date(2026, 12, 31), ProgressStatus.REACHED, 90.0),
        (1, 4, date(2024, 12, 31), ProgressStatus.BEHIND, 25.0),
        (5, 0, date(2024, 12, 31), ProgressStatus.NO_DATA, None),
    ],
)
def test_plans__evaluate_status(num, den, end, status, pct):
    p = evaluate(ind("i1_understanding"), num, den, end)
    assert (p.status, p.pct) == (status, pct)


def test_plans__evaluate_plan_divides_by_baselines_or_measures():
    sums = {"surveys": 4, "surveys_understanding": 3, "attendees_soldiers": 30, "local_trained": 9}
    baselines = {"standing_force": 20, "reserve_force": 10, "militia": 20, "local_propagandists": 10}
    out = {p.indicator_id: p for p in evaluate_plan(PLAN, sums, baselines, date(2026, 12, 31))}
    assert out["i1_understanding"].pct == 75.0
    assert (out["i2_forces_educated"].numerator, out["i2_forces_educated"].denominator) == (30, 50)
    assert out["i5_local_propagandists"].status == ProgressStatus.REACHED
    assert out["i4_military_propagandists"].status == ProgressStatus.NO_DATA


def test_plans__a_plan_with_a_dangling_reference_is_refused():
    raw = PLAN.model_dump(mode="json")
    raw["indicators"][0]["numerator"] = "nope"
    with pytest.raises(ValidationError, match="unknown measure nope"):
        Plan.model_validate(raw)
