"""Which questions read which: the analysis the phone uses to refresh a form only when it must."""

from __future__ import annotations

from schemas.catalog import latest_forms, shipped_forms
from schemas.form_deps import field_readers, refresh_triggers

from .test_forms import L, make_form

FORM = make_form(
    [
        {
            "name": "kind",
            "type": "select_one",
            "label": L("Loại"),
            "choices": [{"value": "a", "label": L("A")}, {"value": "b", "label": L("B")}],
        },
        {"name": "other", "type": "text", "label": L("Khác"), "relevant": "${kind} = 'b'"},
        {"name": "women", "type": "integer", "label": L("Nữ")},
        {"name": "men", "type": "integer", "label": L("Nam"), "constraint": ". >= 0 and . <= ${women} * 10"},
        {"name": "total", "type": "calculated", "label": L("Tổng"), "calculation": "${women} + ${men}"},
        {"name": "why", "type": "text", "label": L("Lý do"), "required_if": "${total} > 100"},
        {"name": "note", "type": "text", "label": L("Ghi chú")},
    ]
)


def test_form_dependencies__readers_name_every_expression_that_reads_a_question():
    readers = field_readers(FORM)
    assert readers["kind"] == {"other"}
    assert readers["women"] == {"men", "total"}  # a constraint and a calculation
    assert readers["men"] == {"total"}  # its own constraint's "." is not a dependency
    assert readers["total"] == {"why"}
    assert readers["note"] == readers["other"] == readers["d"] == frozenset()


def test_form_dependencies__only_what_changes_the_screen_triggers_a_refresh():
    # "women" is read by men's constraint too, but it also feeds a calculation: it triggers.
    assert refresh_triggers(FORM) == {"kind", "women", "men", "total"}
    only_constraint = make_form(
        [
            {"name": "a", "type": "integer", "label": L("A")},
            {"name": "b", "type": "integer", "label": L("B"), "constraint": ". <= ${a}"},
        ]
    )
    assert field_readers(only_constraint)["a"] == {"b"}
    assert refresh_triggers(only_constraint) == frozenset()  # checked on save, not while typing


def test_form_dependencies__quiz_questions_move_the_score():
    survey = latest_forms(shipped_forms())["awareness_survey"]
    assert survey.quiz is not None
    quiz = {f.name for f in survey.quiz_fields()}
    assert quiz and quiz <= refresh_triggers(survey)
    for name in quiz:
        assert {survey.quiz.score_field, survey.quiz.result_field} <= field_readers(survey)[name]
