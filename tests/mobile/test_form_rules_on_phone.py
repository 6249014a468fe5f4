"""The phone refuses counts that contradict themselves, with the same sentence the server gives."""

from __future__ import annotations

import pytest

from mobile.records import RecordStore, ValidationFailed

from .helpers import FORMS, session_answers

SESSION = FORMS["outreach_session"]


def test_phone__women_above_the_total_attending_are_refused(store: RecordStore):
    rec = store.new_record(SESSION)
    answers = {**session_answers(), "session_date": "2024-03-10", "attendees_female": 41}
    with pytest.raises(ValidationFailed) as exc:
        store.finalize(rec, answers, SESSION)
    (issue,) = exc.value.issues
    assert (issue.field, issue.code) == ("attendees_female", "constraint")
    assert "tổng số lượt người tham dự" in issue.message.vi
    stored = store.finalize(rec, {**answers, "attendees_female": 40}, SESSION)
    assert stored.record.answers["attendees_total"] == 40


def test_phone__first_time_soldiers_above_the_soldiers_are_refused(store: RecordStore):
    rec = store.new_record(SESSION)
    answers = {
        **session_answers(),
        "session_date": "2024-03-10",
        "attendees_soldiers": 5,
        "soldiers_first_time": 6,
    }
    with pytest.raises(ValidationFailed) as exc:
        store.save_draft(rec, answers)
    assert [(i.field, i.code) for i in exc.value.issues] == [("soldiers_first_time", "constraint")]
