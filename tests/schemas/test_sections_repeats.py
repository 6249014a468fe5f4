"""Sections and repeats in form definitions: one validator for the phone and the server."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from schemas.form_deps import field_readers, refresh_triggers
from schemas.form_state import derive_answers, form_state
from schemas.form_validation import validate_answers
from schemas.forms import FormDefinition

TODAY = date(2026, 11, 22)


def _form(**over):
    data = {
        "id": "forum",
        "version": 1,
        "title": {"vi": "Đối thoại", "en": "Dialogue"},
        "period_field": "held_on",
        "sections": [
            {"name": "basics", "label": {"vi": "Thông tin chung", "en": "Basics"}},
            {
                "name": "forum",
                "label": {"vi": "Đối thoại", "en": "Dialogue forum"},
                "relevant": "${kind} = 'forum'",
            },
        ],
        "fields": [
            {
                "name": "held_on",
                "type": "date",
                "label": {"vi": "Ngày", "en": "Date"},
                "required": True,
                "section": "basics",
                "constraint": ". <= today()",
            },
            {
                "name": "kind",
                "type": "select_one",
                "label": {"vi": "Hình thức", "en": "Kind"},
                "required": True,
                "section": "basics",
                "choices": [
                    {"value": "talk", "label": {"vi": "Nói chuyện", "en": "Talk"}},
                    {"value": "forum", "label": {"vi": "Đối thoại", "en": "Forum"}},
                ],
            },
            {
                "name": "questions",
                "type": "repeat",
                "label": {"vi": "Câu hỏi", "en": "Question"},
                "section": "forum",
                "required": True,
                "min_count": 1,
                "max_count": 3,
                "fields": [
                    {
                        "name": "topic",
                        "type": "text",
                        "label": {"vi": "Chủ đề", "en": "Topic"},
                        "required": True,
                    },
                    {
                        "name": "answered",
                        "type": "select_one",
                        "label": {"vi": "Đã trả lời", "en": "Answered"},
                        "choices": [
                            {"value": "yes", "label": {"vi": "Có", "en": "Yes"}},
                            {"value": "no", "label": {"vi": "Không", "en": "No"}},
                        ],
                    },
                    {
                        "name": "answer",
                        "type": "text",
                        "label": {"vi": "Trả lời", "en": "Answer"},
                        "relevant": "${answered} = 'yes'",
                        "required": True,
                    },
                    {
                        "name": "topic_length",
                        "type": "calculated",
                        "label": {"vi": "Độ dài", "en": "Length"},
                        "calculation": "string-length(${topic})",
                    },
                ],
            },
            {
                "name": "question_count",
                "type": "calculated",
                "label": {"vi": "Số câu hỏi", "en": "Questions raised"},
                "calculation": "count(${questions})",
            },
        ],
    }
    data.update(over)
    return FormDefinition.model_validate(data)


FORM = _form()


def codes(issues):
    return sorted((i.field, i.code) for i in issues)


def test_repeats__entries_are_checked_one_by_one_with_their_place():
    answers = {
        "held_on": "2026-11-20",
        "kind": "forum",
        "questions": [
            {"topic": "Đất đai", "answered": "yes", "answer": "Đã giải thích"},
            {"answered": "yes"},
            {"topic": "x" * 300, "answered": "maybe", "extra": 1},
        ],
    }
    issues = validate_answers(FORM, answers, final=True, today=TODAY)
    assert codes(issues) == [
        ("questions[2].answer", "required"),
        ("questions[2].topic", "required"),
        ("questions[3].answered", "bad_choice"),
        ("questions[3].extra", "unknown_field"),
        ("questions[3].topic", "too_long"),
    ]
    msg = next(i for i in issues if i.field == "questions[2].topic").message
    assert msg.en.startswith("Question 2: ") and msg.vi.startswith("Câu hỏi 2: ")
    # A draft may leave required answers out, never a malformed one.
    assert codes(validate_answers(FORM, answers, final=False, today=TODAY)) == [
        ("questions[3].answered", "bad_choice"),
        ("questions[3].extra", "unknown_field"),
        ("questions[3].topic", "too_long"),
    ]


def test_repeats__entry_counts_and_shape():
    base = {"held_on": "2026-11-20", "kind": "forum"}
    assert codes(validate_answers(FORM, base, final=True, today=TODAY)) == [("questions", "required")]
    four = [{"topic": f"t{i}"} for i in range(4)]
    assert codes(validate_answers(FORM, {**base, "questions": four}, final=False, today=TODAY)) == [
        ("questions", "too_many")
    ]
    for bad in ("text", [1, 2], {"topic": "x"}):
        assert codes(validate_answers(FORM, {**base, "questions": bad}, final=True, today=TODAY)) == [
            ("questions", "bad_repeat")
        ]
    two_min = _form()
    two_min.fields[2].min_count = 2
    issues = validate_answers(two_min, {**base, "questions": [{"topic": "a"}]}, final=True, today=TODAY)
    assert codes(issues) == [("questions", "too_few")]
    assert "at least 2" in issues[0].message.en


def test_sections__relevance_hides_every_question_in_the_section():
    talk = {"held_on": "2026-11-20", "kind": "talk", "questions": [{"topic": "x"}]}
    state = form_state(FORM, talk)
    assert not state.shown("questions") and state.values["question_count"] == 0
    assert validate_answers(FORM, talk, final=True, today=TODAY) == []
    assert "questions" not in derive_answers(FORM, talk)
    assert FORM.section("forum").label.en == "Dialogue forum"
    assert FORM.section("nowhere") is None


def test_repeats__derived_entries_drop_hidden_answers_and_compute_values():
    answers = {
        "held_on": "2026-11-20",
        "kind": "forum",
        "questions": [
            {"topic": "Đất", "answered": "no", "answer": "stale", "topic_length": 99},
            {"topic": "Hôn nhân", "answered": "yes", "answer": "ok"},
        ],
    }
    out = derive_answers(FORM, answers)
    assert out["questions"] == [
        {"topic": "Đất", "answered": "no", "topic_length": 3},
        {"topic": "Hôn nhân", "answered": "yes", "answer": "ok", "topic_length": 8},
    ]
    assert out["question_count"] == 2
    assert answers["questions"][0]["answer"] == "stale"  # the input is not changed


def test_today__in_a_constraint_follows_the_validators_date():
    answers = {"held_on": "2026-11-23", "kind": "talk"}
    assert codes(validate_answers(FORM, answers, final=True, today=TODAY)) == [("held_on", "constraint")]
    assert validate_answers(FORM, answers, final=True, today=date(2026, 11, 23)) == []


def test_repeats__dependencies_reach_into_entries_and_sections():
    readers = field_readers(FORM)
    assert "question_count" in readers["questions"]
    assert "questions" in readers["kind"]  # the section's relevance reads it
    assert {"kind", "questions"} <= refresh_triggers(FORM)


@pytest.mark.parametrize(
    "change, reason",
    [
        ({"sections": [{"name": "a", "label": {"vi": "A", "en": "A"}}] * 2}, "section names repeat"),
        (
            {"sections": [{"name": "a", "label": {"vi": "A", "en": "A"}, "relevant": "${nope} = 1"}]},
            "unknown field nope",
        ),
    ],
)
def test_sections__bad_definitions_are_refused(change, reason):
    with pytest.raises(ValidationError, match=reason):
        _form(**change)


def test_repeats__bad_definitions_are_refused():
    base = FORM.model_dump(mode="json", exclude_none=True)
    rep = base["fields"][2]

    def refused(match, **over):
        data = {**base, "fields": [*base["fields"][:2], {**rep, **over}, *base["fields"][3:]]}
        with pytest.raises(ValidationError, match=match):
            FormDefinition.model_validate(data)

    refused("needs questions", fields=[])
    refused("min_count is above max_count", min_count=4)
    refused("inside a repeat", fields=[{**rep, "name": "inner"}])
    refused("names repeat", fields=[*rep["fields"], {**rep["fields"][0], "name": "kind"}])
    refused("unknown field", fields=[{**rep["fields"][0], "relevant": "${ghost} = 1"}])
    with pytest.raises(ValidationError, match="only a repeat"):
        FormDefinition.model_validate(
            {**base, "fields": [{**base["fields"][0], "max_count": 2}, *base["fields"][1:]]}
        )


def test_definitions__new_keys_stay_out_of_the_json_of_forms_that_do_not_use_them():
    from schemas.catalog import shipped_forms

    forms = {f.key: f for f in shipped_forms()}
    old = forms[("outreach_session", 1)].model_dump(mode="json")
    assert "sections" not in old
    assert not {"default", "hidden", "fields", "min_count", "max_count"} & {
        k for f in old["fields"] for k in f
    }
    new = forms[("outreach_session", 2)]
    data = new.model_dump(mode="json")
    assert [s["name"] for s in data["sections"]] == ["session", "attendance", "forum", "wrap_up"]
    assert FormDefinition.model_validate(data) == new
    assert FormDefinition.model_validate(FORM.model_dump(mode="json")) == FORM
