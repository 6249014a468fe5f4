"""The shared validator: the same rules on the phone and on the server."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from schemas.catalog import latest_forms, shipped_forms
from schemas.forms import FormDefinition, derive_answers, quiz_score, validate_answers

TODAY = date(2026, 11, 22)
SURVEY = latest_forms(shipped_forms())["awareness_survey"]
OUTREACH = latest_forms(shipped_forms())["outreach_session"]
CORRECT = {f.name: f.quiz.correct for f in SURVEY.quiz_fields()}


def good_survey(**over):
    answers = {
        "survey_date": "2026-11-20",
        "respondent_group": "citizen",
        "age_band": "30_44",
        "sex": "female",
        "key_area": "yes",
        **CORRECT,
    }
    answers.update(over)
    return answers


def codes(issues):
    return sorted((i.field, i.code) for i in issues)


def test_forms__shipped_forms_load_with_both_languages():
    forms = latest_forms(shipped_forms())
    assert {"outreach_session", "awareness_survey", "training"} <= set(forms)
    for form in forms.values():
        assert form.title.vi and form.title.en
        for f in form.fields:
            assert f.label.vi and f.label.en, f.name
            for c in f.choices:
                assert c.label.vi and c.label.en


def test_forms__a_complete_survey_is_valid():
    assert validate_answers(SURVEY, good_survey(), final=True, today=TODAY) == []


def test_forms__final_needs_required_answers_but_a_draft_does_not():
    answers = {"survey_date": "2026-11-20"}
    assert validate_answers(SURVEY, answers, final=False, today=TODAY) == []
    issues = validate_answers(SURVEY, answers, final=True, today=TODAY)
    assert ("sex", "required") in codes(issues)
    sex = next(i for i in issues if i.field == "sex")
    assert sex.message.vi == "«Giới tính» là bắt buộc."
    assert sex.message.en == "“Sex” is required."


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("attendees_citizens", -3, "too_small"),
        ("attendees_citizens", 1_000_000, "too_large"),
        ("attendees_citizens", "mười", "not_integer"),
        ("attendees_citizens", 2.5, "not_integer"),
        ("attendees_citizens", True, "not_integer"),
        ("format", "concert", "bad_choice"),
        ("topics", ["border", "border"], "bad_choice"),
        ("topics", "border", "bad_choice"),
        ("session_date", "1900-01-01", "date_too_early"),
        ("session_date", "2027-06-01", "date_in_future"),
        ("session_date", "31/02/2026", "bad_date"),
        ("place", "x" * 201, "too_long"),
        ("place", 12, "not_text"),
    ],
)
def test_forms__bad_values_get_a_clear_code(field, value, code):
    answers = {"session_date": "2026-11-01", "place": "Thôn Đông", "format": "meeting", "topics": ["border"]}
    answers[field] = value
    issues = validate_answers(OUTREACH, answers, final=True, today=TODAY)
    assert (field, code) in codes(issues)
    assert all(i.message.vi and i.message.en for i in issues)


def test_forms__unknown_question_is_reported():
    issues = validate_answers(SURVEY, good_survey(hacker="x"), final=True, today=TODAY)
    assert codes(issues) == [("hacker", "unknown_field")]


def test_forms__quiz_is_scored_and_the_pass_mark_decides():
    assert quiz_score(SURVEY, good_survey()) == 6
    passed = derive_answers(SURVEY, good_survey())
    assert (passed["quiz_score"], passed["has_understanding"]) == (6, "yes")
    wrong = {name: "b" if v != "b" else "a" for name, v in CORRECT.items()}
    names = list(CORRECT)
    three_right = good_survey(**{n: wrong[n] for n in names[:3]})
    failed = derive_answers(SURVEY, three_right)
    assert (failed["quiz_score"], failed["has_understanding"]) == (3, "no")
    four_right = derive_answers(SURVEY, good_survey(**{n: wrong[n] for n in names[:2]}))
    assert four_right["has_understanding"] == "yes"


def test_forms__calculated_answers_sent_by_a_phone_are_recomputed():
    lying = good_survey(**{list(CORRECT)[0]: "b"}, quiz_score=99, has_understanding="yes")
    derived = derive_answers(SURVEY, lying)
    assert derived["quiz_score"] == 5


def test_forms__definition_errors_are_caught():
    raw = SURVEY.model_dump(mode="json")
    raw["period_field"] = "sex"
    with pytest.raises(ValidationError, match="period_field"):
        FormDefinition.model_validate(raw)
    raw = SURVEY.model_dump(mode="json")
    raw["fields"].append(raw["fields"][0])
    with pytest.raises(ValidationError, match="repeat"):
        FormDefinition.model_validate(raw)
