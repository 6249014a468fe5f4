"""The phone's repeat input and form defaults, without a browser: the widgets are plain Flet objects."""

from __future__ import annotations

from datetime import date

from mobile.app.inputs import make_input
from mobile.app.repeat_input import RepeatInput
from mobile.app.viewmodels.form_session import FormSession
from schemas.forms import FormDefinition
from schemas.records import Record

FORM = FormDefinition.model_validate(
    {
        "id": "forum",
        "version": 1,
        "title": {"vi": "Đối thoại", "en": "Dialogue"},
        "period_field": "held_on",
        "fields": [
            {"name": "held_on", "type": "date", "label": {"vi": "Ngày", "en": "Date"}, "required": True},
            {
                "name": "place",
                "type": "text",
                "label": {"vi": "Nơi", "en": "Place"},
                "default": "Nhà văn hóa",
            },
            {
                "name": "questions",
                "type": "repeat",
                "label": {"vi": "Câu hỏi", "en": "Question"},
                "max_count": 3,
                "fields": [
                    {"name": "topic", "type": "text", "label": {"vi": "Chủ đề", "en": "Topic"}},
                    {
                        "name": "answer",
                        "type": "text",
                        "label": {"vi": "Trả lời", "en": "Answer"},
                        "relevant": "${topic} != 'skip'",
                    },
                ],
            },
        ],
    }
)


def _repeat() -> tuple[RepeatInput, list[int]]:
    box = make_input(FORM.field("questions"), "en")
    assert isinstance(box, RepeatInput)
    calls: list[int] = []
    box.on_change = lambda: calls.append(1)
    return box, calls


def test_repeat_input__add_remove_reorder_and_the_maximum():
    box, calls = _repeat()
    assert box.value() is None
    box.set([{"topic": "Đất", "answer": "ok"}, {"topic": "Hôn nhân"}])
    assert box.value() == [{"topic": "Đất", "answer": "ok"}, {"topic": "Hôn nhân"}] and calls == []
    box.move(box.entries[1], -1)
    assert [e["topic"] for e in box.value()] == ["Hôn nhân", "Đất"]
    assert [e.title.value for e in box.entries] == ["Question 1", "Question 2"]
    box.move(box.entries[0], -1)  # already first: nothing moves
    box.add()
    assert len(box.value()) == 3 and box.add_button.disabled
    box.add()  # at the maximum: no fourth entry
    assert len(box.entries) == 3
    box.remove(box.entries[0])
    assert [e.get("topic") for e in box.value()] == ["Đất", None] and not box.add_button.disabled
    assert len(calls) == 3  # move, add, remove: the no-op move and the refused add change nothing


def test_repeat_input__entry_relevance_and_issues_in_place():
    box, _ = _repeat()
    box.set([{"topic": "skip"}, {"topic": "Đất"}])
    first, second = box.entries
    assert not first.inputs["answer"].control.visible and second.inputs["answer"].control.visible
    assert box.show_entry_error(2, "answer", "Answer is required.")
    assert second.inputs["answer"].error.value == "Answer is required." and box.open_issues() == 1
    assert not box.show_entry_error(5, "answer", "no such entry")
    box.show_error(None)
    assert box.open_issues() == 0


def test_form_session__a_new_record_starts_with_the_defaults():
    record = Record.model_validate(
        {
            "id": "6f1c1d7e-7a57-4c77-9d4c-0c6d2b7f6a10",
            "form_id": "forum",
            "form_version": 1,
            "unit": "HN",
            "author": "a",
            "device": "d",
            "created_at": "2026-11-20T00:00:00+00:00",
            "updated_at": "2026-11-20T00:00:00+00:00",
            "revision": 1,
            "status": "draft",
            "answers": {},
        }
    )
    fresh = FormSession(record, FORM, {})
    assert fresh.first_value("place") == "Nhà văn hóa"
    assert fresh.first_value("held_on", today=date(2026, 11, 20)) == "2026-11-20"
    kept = FormSession(record, FORM, {"held_on": "2026-11-19"})
    assert kept.first_value("place") is None  # an existing record keeps what it has


def test_answer_text__a_repeat_reads_one_numbered_line_per_entry():
    from mobile.app.formatting import answer_text

    shown = answer_text(
        FORM.field("questions"), [{"topic": "Đất", "answer": "Đã rõ"}, {"topic": "Nhà"}], "en"
    )
    assert shown == "1. Topic: Đất; Answer: Đã rõ\n2. Topic: Nhà"
