"""RecordStore: drafts, finalizing, voiding, the outbox, receipts and the encrypted meta area."""

from __future__ import annotations

import threading
from pathlib import Path
from uuid import UUID, uuid4

import pytest

from mobile.record_state import LocalState, StoredRecord
from mobile.records import RecordNotFound, RecordStore, ValidationFailed
from mobile.vault import Vault
from schemas.common import Issue, text
from schemas.records import RecordStatus
from schemas.sync import Receipt, ReceiptStatus

from .helpers import FORMS, PIN, pull_response, session_answers, survey_answers

SURVEY = FORMS["awareness_survey"]
SESSION = FORMS["outreach_session"]


def receipt(sr: StoredRecord, status: ReceiptStatus, issues: list[Issue] | None = None) -> Receipt:
    return Receipt(id=sr.record.id, revision=sr.record.revision, status=status, issues=issues or [])


def reopen(store: RecordStore, vault_dir: Path) -> RecordStore:
    store.vault.close()
    v = Vault.unlock(vault_dir, PIN)
    return RecordStore(v, author=store.author, unit=store.unit, device=store.device)


# ---- new records and drafts --------------------------------------------------------------------------


def test_records__new_record_is_an_unsaved_draft(store: RecordStore):
    rec = store.new_record(SURVEY)
    assert isinstance(rec.id, UUID) and rec.id.version == 4
    assert (rec.revision, rec.status, rec.answers) == (1, RecordStatus.DRAFT, {})
    assert (rec.form_id, rec.form_version) == (SURVEY.id, SURVEY.version)
    assert (rec.author, rec.unit, rec.device) == ("canbo", "HN-SS-MT", "test-device")
    assert store.get(rec.id) is None
    assert store.new_record(SURVEY).id != rec.id


def test_records__save_draft_persists_at_once(store: RecordStore, vault_dir: Path):
    rec = store.new_record(SURVEY)
    sr = store.save_draft(rec, {"survey_date": "2026-03-15", "ethnicity": "Thái"})
    assert (sr.state, sr.record.revision, sr.record.status) == (LocalState.DRAFT, 1, RecordStatus.DRAFT)
    store2 = reopen(store, vault_dir)
    try:
        got = store2.get(rec.id)
        assert got == sr
        assert got.record.answers == {"survey_date": "2026-03-15", "ethnicity": "Thái"}
    finally:
        store2.vault.close()


def test_records__save_draft_bumps_the_revision_only_on_change(store: RecordStore):
    rec = store.new_record(SURVEY)
    first = store.save_draft(rec, {"survey_date": "2026-03-15"})
    same = store.save_draft(first.record, {"survey_date": "2026-03-15"})
    assert same.record.revision == 1
    changed = store.save_draft(first.record, {"survey_date": "2026-03-16"})
    assert changed.record.revision == 2
    # A caller holding the old object still gets the next revision, not a repeat of 2.
    again = store.save_draft(rec, {"survey_date": "2026-03-17"})
    assert again.record.revision == 3
    assert again.record.created_at == first.record.created_at
    assert again.record.updated_at >= changed.record.updated_at


def test_records__draft_may_be_incomplete_but_not_malformed(store: RecordStore):
    rec = store.new_record(SURVEY)
    store.save_draft(rec, {})  # nothing filled in yet: fine
    with pytest.raises(ValidationFailed) as err:
        store.save_draft(rec, {"survey_date": "15/03/2026", "sex": "other", "nonsense": 1})
    codes = {(i.field, i.code) for i in err.value.issues}
    assert codes == {("survey_date", "bad_date"), ("sex", "bad_choice"), ("nonsense", "unknown_field")}
    assert "3" in err.value.message.vi and err.value.issues[0].message.vi
    assert store.get(rec.id).record.answers == {}  # nothing was saved


def test_records__draft_of_an_unknown_form_is_refused(store: RecordStore):
    rec = store.new_record(SURVEY).model_copy(update={"form_id": "no_such_form"})
    with pytest.raises(ValidationFailed) as err:
        store.save_draft(rec, {})
    assert err.value.issues[0].code == "unknown_form"


def test_records__forms_from_the_cached_pull_are_known(store: RecordStore):
    newer = SESSION.model_copy(update={"version": SESSION.version + 1})  # a version only the pull brings
    rec = store.new_record(newer)
    with pytest.raises(ValidationFailed):
        store.save_draft(rec, {})
    store.save_pull(pull_response([*FORMS.values(), newer]))
    assert store.save_draft(rec, {"place": "Thôn Mới"}).state == LocalState.DRAFT


# ---- finalize, void ----------------------------------------------------------------------------------


def test_records__finalize_checks_required_answers(store: RecordStore):
    rec = store.new_record(SURVEY)
    answers = survey_answers()
    del answers["sex"]
    with pytest.raises(ValidationFailed) as err:
        store.finalize(rec, answers, SURVEY)
    assert [(i.field, i.code) for i in err.value.issues] == [("sex", "required")]
    assert store.get(rec.id) is None


def test_records__finalize_derives_the_score_and_queues_the_record(store: RecordStore):
    rec = store.new_record(SURVEY)
    store.save_draft(rec, {"survey_date": "2026-03-15"})
    sr = store.finalize(rec, {**survey_answers(passing=True), "quiz_score": 0}, SURVEY)
    assert (sr.state, sr.record.status, sr.record.revision) == (LocalState.PENDING, RecordStatus.FINAL, 2)
    assert sr.record.answers["quiz_score"] == 6 and sr.record.answers["has_understanding"] == "yes"
    failing = store.finalize(store.new_record(SURVEY), survey_answers(passing=False), SURVEY)
    assert failing.record.answers["has_understanding"] == "no"
    assert [s.record.id for s in store.outbox()] == [rec.id, failing.record.id]


def test_records__finalize_with_the_wrong_form_is_refused(store: RecordStore):
    rec = store.new_record(SURVEY)
    with pytest.raises(ValidationFailed) as err:
        store.finalize(rec, session_answers(), SESSION)
    assert err.value.issues[0].code == "form_mismatch"


def test_records__finalizing_again_unchanged_does_not_resend(store: RecordStore):
    rec = store.new_record(SURVEY)
    sr = store.finalize(rec, survey_answers(), SURVEY)
    store.apply_receipts([receipt(sr, ReceiptStatus.STORED)])
    again = store.finalize(sr.record, survey_answers(), SURVEY)
    assert (again.state, again.record.revision) == (LocalState.SENT, sr.record.revision)


def test_records__void_needs_a_reason_and_makes_a_new_pending_revision(store: RecordStore):
    sr = store.finalize(store.new_record(SESSION), session_answers(), SESSION)
    store.apply_receipts([receipt(sr, ReceiptStatus.STORED)])
    with pytest.raises(ValidationFailed) as err:
        store.void(sr.record.id, "   ")
    assert err.value.issues[0].code == "void_reason_required"
    with pytest.raises(ValidationFailed):
        store.void(sr.record.id, "x" * 501)
    voided = store.void(sr.record.id, " Nhập trùng phiếu ")
    assert voided.state == LocalState.PENDING
    assert (voided.record.status, voided.record.void_reason) == (RecordStatus.VOID, "Nhập trùng phiếu")
    assert voided.record.revision == sr.record.revision + 1
    assert voided.record.answers == sr.record.answers
    with pytest.raises(RecordNotFound):
        store.void(uuid4(), "không có")


# ---- the outbox and receipts -------------------------------------------------------------------------


def test_records__lifecycle_draft_finalize_receipt_sent(store: RecordStore, vault_dir: Path):
    rec = store.new_record(SURVEY)
    store.save_draft(rec, {"survey_date": "2026-03-15"})
    assert store.outbox() == []  # drafts never leave the phone
    sr = store.finalize(rec, survey_answers(), SURVEY)
    assert [s.record.id for s in store.outbox()] == [rec.id]
    store.apply_receipts([receipt(sr, ReceiptStatus.STORED)])
    sent = store.get(rec.id)
    assert sent.state == LocalState.SENT and sent.sent_at is not None
    assert store.outbox() == []
    store2 = reopen(store, vault_dir)
    try:
        assert store2.get(rec.id).state == LocalState.SENT
        assert store2.counts() == {
            LocalState.DRAFT: 0,
            LocalState.PENDING: 0,
            LocalState.SENT: 1,
            LocalState.REJECTED: 0,
        }
    finally:
        store2.vault.close()


@pytest.mark.parametrize("status", [ReceiptStatus.DUPLICATE, ReceiptStatus.STALE])
def test_records__duplicate_and_stale_receipts_also_mean_sent(store: RecordStore, status: ReceiptStatus):
    sr = store.finalize(store.new_record(SESSION), session_answers(), SESSION)
    store.apply_receipts([receipt(sr, status)])
    assert store.get(sr.record.id).state == LocalState.SENT


def test_records__rejected_is_kept_with_its_issues_and_can_be_fixed(store: RecordStore):
    sr = store.finalize(store.new_record(SESSION), session_answers(), SESSION)
    issue = Issue(field="place", code="unknown_place", message=text("Không có thôn này.", "No such village."))
    store.apply_receipts([receipt(sr, ReceiptStatus.REJECTED, [issue])])
    rejected = store.get(sr.record.id)
    assert rejected.state == LocalState.REJECTED and rejected.issues == [issue]
    assert store.list(LocalState.REJECTED) == [rejected]
    assert store.outbox() == []
    fixed = store.finalize(rejected.record, session_answers(place="Thôn Tây"), SESSION)
    assert (fixed.state, fixed.issues, fixed.record.revision) == (
        LocalState.PENDING,
        [],
        sr.record.revision + 1,
    )


def test_records__edit_while_pending_stays_pending_until_its_own_receipt(store: RecordStore):
    rec = store.new_record(SESSION)
    first = store.finalize(rec, session_answers(), SESSION)
    # The push of ``first`` is on the wire; meanwhile the officer corrects the record.
    second = store.finalize(first.record, session_answers(place="Thôn Bắc"), SESSION)
    assert second.record.revision == first.record.revision + 1
    store.apply_receipts([receipt(first, ReceiptStatus.STORED)])
    still = store.get(rec.id)
    assert still.state == LocalState.PENDING and still.record.answers["place"] == "Thôn Bắc"
    store.apply_receipts([receipt(first, ReceiptStatus.REJECTED)])  # a late verdict on the old one: ignored
    assert store.get(rec.id).state == LocalState.PENDING
    store.apply_receipts([receipt(second, ReceiptStatus.STORED)])
    assert store.get(rec.id).state == LocalState.SENT


def test_records__receipts_for_unknown_records_are_ignored(store: RecordStore):
    store.apply_receipts([Receipt(id=uuid4(), revision=1, status=ReceiptStatus.STORED)])
    assert store.counts()[LocalState.SENT] == 0


def test_records__list_is_newest_first_and_outbox_oldest_first(store: RecordStore):
    ids = []
    for i in range(4):
        ids.append(
            store.finalize(store.new_record(SESSION), session_answers(place=f"Thôn {i}"), SESSION).record.id
        )
    store.save_draft(store.new_record(SURVEY), {})
    # Touch the oldest: it becomes the newest change but keeps waiting in the outbox by its new time.
    store.finalize(store.get(ids[0]).record, session_answers(place="Thôn 0 sửa"), SESSION)
    assert [s.record.id for s in store.list(LocalState.PENDING)] == [ids[0], ids[3], ids[2], ids[1]]
    assert [s.record.id for s in store.outbox()] == [ids[1], ids[2], ids[3], ids[0]]
    assert [s.record.id for s in store.outbox(limit=2)] == [ids[1], ids[2]]
    assert len(store.list()) == 5
    assert store.counts()[LocalState.PENDING] == 4 and store.counts()[LocalState.DRAFT] == 1


def test_records__concurrent_saves_from_threads_all_persist(store: RecordStore, vault_dir: Path):
    errors: list[BaseException] = []

    def work(k: int) -> None:
        try:
            for i in range(15):
                store.save_draft(store.new_record(SESSION), {"place": f"T{k}-{i}"})
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    store2 = reopen(store, vault_dir)
    try:
        assert store2.counts()[LocalState.DRAFT] == 60
    finally:
        store2.vault.close()


# ---- meta and the cached pull ------------------------------------------------------------------------


def test_records__meta_round_trip_and_survives_reopen(store: RecordStore, vault_dir: Path):
    assert store.get_meta("device_token") is None and store.get_meta("x", 7) == 7
    store.set_meta("device_token", "tok-123")
    store.set_meta("cfg", {"a": [1, 2], "b": "Việt"})
    value = store.get_meta("cfg")
    value["a"].append(3)  # the caller's copy, not the stored one
    assert store.get_meta("cfg") == {"a": [1, 2], "b": "Việt"}
    store.set_meta("device_token", "tok-456")
    with pytest.raises((TypeError, ValueError)):
        store.set_meta("bad", object())
    store2 = reopen(store, vault_dir)
    try:
        assert store2.get_meta("device_token") == "tok-456"
        store2.delete_meta("device_token")
        assert store2.get_meta("device_token") is None
    finally:
        store2.vault.close()


def test_records__pull_is_cached(store: RecordStore):
    assert store.cached_pull() is None
    pull = pull_response()
    store.save_pull(pull)
    assert store.cached_pull() == pull
    store.set_meta("pull", {"not": "a pull"})  # e.g. saved by an app with another contract
    assert store.cached_pull() is None


# ---- sending a refused record again, and the autosave slot -----------------------------------------


def test_records__requeue_sends_a_rejected_record_again_unchanged(store: RecordStore, vault_dir: Path):
    sr = store.finalize(store.new_record(SURVEY), survey_answers(), SURVEY)
    problem = Issue(field="unit", code="unit_out_of_scope", message=text("ngoài phạm vi", "out of scope"))
    store.apply_receipts([receipt(sr, ReceiptStatus.REJECTED, [problem])])
    again = store.requeue(sr.record.id)
    assert (again.state, again.issues, again.record) == (LocalState.PENDING, [], sr.record)
    assert [x.record.id for x in store.outbox()] == [sr.record.id]
    store2 = reopen(store, vault_dir)
    try:
        assert store2.get(sr.record.id).state == LocalState.PENDING
        # the receipt for that same revision still settles it
        store2.apply_receipts([receipt(sr, ReceiptStatus.STORED)])
        assert store2.get(sr.record.id).state == LocalState.SENT
    finally:
        store2.vault.close()


def test_records__requeue_leaves_other_states_alone(store: RecordStore):
    draft = store.save_draft(store.new_record(SURVEY), {"ethnicity": "Mông"})
    assert store.requeue(draft.record.id) == draft
    assert store.outbox() == []
    with pytest.raises(RecordNotFound):
        store.requeue(uuid4())


def test_records__autosave_keeps_half_typed_answers_across_a_restart(store: RecordStore, vault_dir: Path):
    rec = store.new_record(SURVEY)
    assert store.autosaved() is None
    typed = {"survey_date": "2026-03-15", "ethnicity": "Dao", "age_band": "30_44", "q_border": "not a choice"}
    store.save_autosave(rec, typed)  # malformed answers are kept as typed: they are not a record yet
    assert store.get(rec.id) is None and store.outbox() == []
    store2 = reopen(store, vault_dir)
    try:
        got_rec, got_answers = store2.autosaved()
        assert (got_rec, got_answers) == (rec, typed)
        store2.clear_autosave()
        assert store2.autosaved() is None
        store2.clear_autosave()  # clearing twice is harmless
    finally:
        store2.vault.close()


def test_records__an_unreadable_autosave_is_ignored(store: RecordStore):
    store.set_meta("autosave", {"record": {"id": "nope"}, "answers": {}})
    assert store.autosaved() is None
    store.set_meta("autosave", ["not", "a", "dict"])
    assert store.autosaved() is None
