"""Which actions a record allows: one rule (``allowed_actions``), offered by the screen, kept by the store."""

from __future__ import annotations

import pytest

from mobile.record_state import ActionRefused, LocalState, RecordAction, allowed_actions
from mobile.records import RecordStore
from schemas.common import Issue, text
from schemas.records import RecordStatus
from schemas.sync import Receipt, ReceiptStatus

from .helpers import FORMS, survey_answers

SURVEY = FORMS["awareness_survey"]
E, R, V = RecordAction.EDIT, RecordAction.RESEND, RecordAction.VOID

RULE = [
    # local state, voided?, allowed
    (LocalState.DRAFT, False, {E, V}),
    (LocalState.PENDING, False, {E, V}),
    (LocalState.SENT, False, {E, V}),  # a correction: a new revision
    (LocalState.REJECTED, False, {E, R, V}),
    (LocalState.PENDING, True, set()),
    (LocalState.SENT, True, set()),
    (LocalState.REJECTED, True, {R, V}),
]


def _at(store: RecordStore, state: LocalState, voided: bool):
    sr = store.finalize(store.new_record(SURVEY), survey_answers(), SURVEY)
    if state == LocalState.DRAFT:
        return store.save_draft(sr.record, {"ethnicity": "Dao"})
    if voided:
        sr = store.void(sr.record.id, "Nhập trùng")
    if state in (LocalState.SENT, LocalState.REJECTED):
        status = ReceiptStatus.STORED if state == LocalState.SENT else ReceiptStatus.REJECTED
        issue = Issue(field=None, code="x", message=text("Sai", "Wrong"))
        store.apply_receipts(
            [Receipt(id=sr.record.id, revision=sr.record.revision, status=status, issues=[issue])]
        )
    return store.get(sr.record.id)


@pytest.mark.parametrize(("state", "voided", "allowed"), RULE)
def test_record_actions__the_rule_and_the_store_agree(store: RecordStore, state, voided, allowed):
    sr = _at(store, state, voided)
    assert (sr.state, sr.record.status == RecordStatus.VOID) == (state, voided)
    assert allowed_actions(sr) == allowed

    # The store keeps the rule: a refused resend or void leaves the record as it is; an edit raises.
    after = store.requeue(sr.record.id)
    if R in allowed:
        assert after.state == LocalState.PENDING and after.issues == []
    else:
        assert after == sr and store.get(sr.record.id) == sr
    sr = store.get(sr.record.id) if R not in allowed else _at(store, state, voided)
    if V in allowed:
        voided = store.void(sr.record.id, "Lý do khác")
        assert voided.record.status == RecordStatus.VOID and voided.record.void_reason == "Lý do khác"
        assert voided.state == LocalState.PENDING
    else:  # left as it is, like a resend that does not apply
        assert store.void(sr.record.id, "Lý do khác") == sr == store.get(sr.record.id)
    if voided:
        with pytest.raises(ActionRefused):
            store.save_draft(sr.record, {"ethnicity": "Tày"})


@pytest.mark.parametrize(("state", "voided", "allowed"), RULE)
def test_record_actions__an_edit_is_a_new_revision_exactly_where_the_rule_allows_it(
    store: RecordStore, state, voided, allowed
):
    sr = _at(store, state, voided)
    answers = survey_answers(ethnicity="Tày")
    if E in allowed:  # a sent record too: the correction goes to the server as its next revision
        edited = store.finalize(sr.record, answers, SURVEY)
        assert edited.state == LocalState.PENDING and edited.record.revision == sr.record.revision + 1
        assert edited.record.answers["ethnicity"] == "Tày"
    else:
        with pytest.raises(ActionRefused):
            store.finalize(sr.record, answers, SURVEY)
        with pytest.raises(ActionRefused):
            store.save_draft(sr.record, {"ethnicity": "Tày"})
        assert store.get(sr.record.id) == sr
