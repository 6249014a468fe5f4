"""Counts that cannot contradict themselves: the cross-field rules of the shipped forms (v2)."""

from __future__ import annotations

from datetime import date

import pytest

from schemas.catalog import latest_forms, shipped_forms
from schemas.form_state import derive_answers
from schemas.form_validation import validate_answers

TODAY = date(2026, 11, 22)
FORMS = latest_forms(shipped_forms())


def session(**over):
    return {
        "session_date": "2026-11-20",
        "place": "Thôn Đông",
        "format": "meeting",
        "topics": ["border"],
        "attendees_citizens": 40,
        "attendees_soldiers": 30,
        "soldiers_first_time": 10,
        "attendees_female": 25,
        **over,
    }


def training(**over):
    return {
        "training_date": "2026-11-20",
        "course_name": "Tập huấn",
        "trainee_force": "local",
        "trained_mediators": 12,
        "new_mediators": 12,
        **over,
    }


def mediation(**over):
    return {"case_date": "2026-11-20", "dispute_type": "land", "parties": 2, "outcome": "settled", **over}


def problems(form_id, answers):
    issues = validate_answers(FORMS[form_id], answers, final=True, today=TODAY)
    return {(i.field, i.code): i.message for i in issues}


def test_form_rules__the_shipped_examples_are_valid():
    assert problems("outreach_session", session()) == {}
    assert problems("training", training()) == {}
    assert problems("mediation_case", mediation(parties_female=2)) == {}
    assert derive_answers(FORMS["outreach_session"], session())["attendees_total"] == 70


@pytest.mark.parametrize(
    ("form_id", "answers", "field", "vi", "en"),
    [
        # women: at most every group attending together (40 + 30 = 70)
        (
            "outreach_session",
            session(attendees_female=71),
            "attendees_female",
            "không được lớn hơn tổng số lượt",
            "cannot be more than the total person-times",
        ),
        # first-time soldiers: at most the soldiers at this session
        (
            "outreach_session",
            session(soldiers_first_time=31),
            "soldiers_first_time",
            "không được lớn hơn số lượt quân nhân",
            "cannot be more than the soldier and militia person-times",
        ),
        (
            "training",
            training(new_mediators=13),
            "new_mediators",
            "không được lớn hơn số hòa giải viên",
            "cannot be more than the mediators",
        ),
        (
            "training",
            training(trained_reporters=2, new_reporters=3),
            "new_reporters",
            "không được lớn hơn số báo cáo viên",
            "cannot be more than the reporters",
        ),
        (
            "mediation_case",
            mediation(parties=3, parties_female=4),
            "parties_female",
            "không được lớn hơn số bên",
            "cannot be more than the number of parties",
        ),
        # not in the future, on every form
        (
            "outreach_session",
            session(session_date="2026-11-30"),
            "session_date",
            "không được ở tương lai",
            "cannot be in the future",
        ),
        (
            "training",
            training(training_date="2027-01-01"),
            "training_date",
            "không được ở tương lai",
            "cannot be in the future",
        ),
        (
            "mediation_case",
            mediation(case_date="2026-12-01"),
            "case_date",
            "không được ở tương lai",
            "cannot be in the future",
        ),
    ],
)
def test_form_rules__a_contradiction_is_refused_with_a_sentence(form_id, answers, field, vi, en):
    got = {f: m for (f, _code), m in problems(form_id, answers).items()}
    assert set(got) == {field}
    assert vi in got[field].vi and en in got[field].en


def test_form_rules__first_time_is_asked_only_when_soldiers_attended():
    answers = session(attendees_soldiers=0, soldiers_first_time=5)
    assert problems("outreach_session", answers) == {}
    assert "soldiers_first_time" not in derive_answers(FORMS["outreach_session"], answers)


def test_form_rules__today_in_a_constraint_is_the_day_given():
    form = FORMS["outreach_session"].model_copy(deep=True)
    field = form.field("session_date")
    field.constraint = ". <= today()"
    ok = validate_answers(form, session(session_date="2026-11-22"), final=True, today=TODAY)
    # the built-in check allows a day of slack for time zones; the form's own rule does not
    late = validate_answers(form, session(session_date="2026-11-23"), final=True, today=TODAY)
    assert ok == [] and [(i.field, i.code) for i in late] == [("session_date", "constraint")]
