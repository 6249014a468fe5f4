"""Finding records on the phone: words without tone marks, status, form and date."""

from __future__ import annotations

from datetime import date

import pytest

from mobile.record_query import VOIDED, RecordQuery, fold, record_date, search, searchable_text, status_of
from mobile.record_state import LocalState, StoredRecord
from mobile.records import RecordStore
from schemas.sync import Receipt, ReceiptStatus

from .helpers import FORMS, session_answers, survey_answers

SURVEY = FORMS["awareness_survey"]
SESSION = FORMS["outreach_session"]


def form_of(record):
    return FORMS.get(record.form_id)


@pytest.fixture
def records(store: RecordStore) -> dict[str, StoredRecord]:
    """A draft survey (Tày), a sent survey (Mông), a session pending, a voided session."""
    out = {}
    out["draft"] = store.save_draft(
        store.new_record(SURVEY), {"survey_date": "2026-03-01", "ethnicity": "Tày", "sex": "female"}
    )
    sent = store.finalize(
        store.new_record(SURVEY), survey_answers(ethnicity="Mông", day="2026-03-15"), SURVEY
    )
    store.apply_receipts(
        [Receipt(id=sent.record.id, revision=sent.record.revision, status=ReceiptStatus.STORED)]
    )
    out["sent"] = store.get(sent.record.id)
    out["pending"] = store.finalize(store.new_record(SESSION), session_answers(place="Bản Lác"), SESSION)
    session = store.finalize(store.new_record(SESSION), session_answers(place="Thôn Đoài"), SESSION)
    out["void"] = store.void(session.record.id, "Ghi trùng buổi")
    return out


def ids(found: list[StoredRecord]) -> set:
    return {sr.record.id for sr in found}


def test_record_query__fold_drops_tone_marks_and_case():
    assert fold("Đồng Bộ ĐÃ gửi") == "dong bo da gui"
    assert fold("Khảo sát") == fold("khao sat")


def test_record_query__empty_query_finds_everything(store: RecordStore, records):
    assert ids(search(store.list(), form_of, RecordQuery())) == ids(records.values())


def test_record_query__words_match_answers_and_choice_labels_without_tone_marks(store: RecordStore, records):
    every = store.list()
    assert ids(search(every, form_of, RecordQuery(text="tay"))) == {records["draft"].record.id}
    assert ids(search(every, form_of, RecordQuery(text="BẢN lác"))) == {records["pending"].record.id}
    # "Nữ" is the label of the choice "female", not a stored value
    assert ids(search(every, form_of, RecordQuery(text="nu"))) >= {records["draft"].record.id}
    # the void reason is searchable too; all words must match
    assert ids(search(every, form_of, RecordQuery(text="trung buoi"))) == {records["void"].record.id}
    assert search(every, form_of, RecordQuery(text="trung Tày")) == []


def test_record_query__status_filter_knows_voided_apart(store: RecordStore, records):
    every = store.list()
    by = {
        s: ids(search(every, form_of, RecordQuery(status=s)))
        for s in [*(x.value for x in LocalState), VOIDED]
    }
    assert by["draft"] == {records["draft"].record.id}
    assert by["sent"] == {records["sent"].record.id}
    assert by["pending"] == {records["pending"].record.id, records["void"].record.id}  # the void is waiting
    assert by["rejected"] == set()
    assert by[VOIDED] == {records["void"].record.id}
    assert status_of(records["void"]) == VOIDED and status_of(records["sent"]) == "sent"


def test_record_query__form_and_date_filters(store: RecordStore, records):
    every = store.list()
    surveys = ids(search(every, form_of, RecordQuery(form_id=SURVEY.id)))
    assert surveys == {records["draft"].record.id, records["sent"].record.id}
    march_10_to_15 = RecordQuery(date_from=date(2026, 3, 10), date_to=date(2026, 3, 15))
    assert ids(search(every, form_of, march_10_to_15)) == {
        records["sent"].record.id,
        records["pending"].record.id,
        records["void"].record.id,
    }
    assert ids(search(every, form_of, RecordQuery(date_to=date(2026, 3, 1)))) == {records["draft"].record.id}
    both = RecordQuery(form_id=SESSION.id, text="lac", date_from=date(2026, 3, 10))
    assert ids(search(every, form_of, both)) == {records["pending"].record.id}


def test_record_query__a_record_without_its_date_uses_the_day_it_was_made(store: RecordStore):
    sr = store.save_draft(store.new_record(SURVEY), {"ethnicity": "Kinh"})
    assert record_date(sr, SURVEY) == sr.record.created_at.date()
    assert record_date(sr, None) == sr.record.created_at.date()
    assert "kinh" in searchable_text(sr, None, "vi")
