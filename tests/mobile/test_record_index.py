"""The records' index entries (issue 15): kept right through every change, sealed in the snapshot,
remade when unknown, and an older app's vault (one JSON snapshot) still opens and is upgraded once."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest

from mobile import record_index
from mobile.record_query import VOIDED, RecordQuery, search
from mobile.record_state import ActionRefused, LocalState, StoredRecord
from mobile.records import RecordStore
from mobile.vault import Vault
from schemas.common import Issue, text
from schemas.sync import Receipt, ReceiptStatus
from vault_format import journal as jn
from vault_format.reader import RECORDS_TABLE, read_tables

from .helpers import FORMS, PIN, session_answers, survey_answers

SURVEY = FORMS["awareness_survey"]
SESSION = FORMS["outreach_session"]
OLD_VAULT = Path(__file__).parent / "data" / "vault_format1"  # written by the app before format 2


def ids(found: list[StoredRecord]) -> set[str]:
    return {str(sr.record.id) for sr in found}


def reopen(store: RecordStore, vault_dir: Path, *, compact: bool = True) -> RecordStore:
    if compact:
        store.vault.compact()
    store.vault.close()
    return RecordStore(Vault.unlock(vault_dir, PIN), author="canbo", unit="HN-SS-MT", device="test-device")


def same_as_before(store: RecordStore, queries: list[RecordQuery]) -> None:
    """``find`` gives what the search before the index gave (in either language), newest first."""
    every = store.list()
    for q in queries:
        found = store.find(q)
        expected = ids(search(every, store.form_for, q, "vi")) | ids(search(every, store.form_for, q, "en"))
        assert ids(found) == expected, q
        assert [sr.record.updated_at for sr in found] == sorted(
            (sr.record.updated_at for sr in found), reverse=True
        )


QUERIES = [
    RecordQuery(),
    RecordQuery(text="tay"),
    RecordQuery(text="Mông"),
    RecordQuery(text="khao sat"),  # the form's title
    RecordQuery(text="khao tay"),  # a title word and an answer
    RecordQuery(text="trung buoi"),
    RecordQuery(text="female"),
    RecordQuery(text="nu"),
    RecordQuery(text="nothing-like-this"),
    RecordQuery(status=VOIDED),
    *(RecordQuery(status=s.value) for s in LocalState),
    RecordQuery(form_id=SESSION.id),
    RecordQuery(date_from=date(2026, 3, 10), date_to=date(2026, 3, 15)),
    RecordQuery(date_to=date(2026, 3, 1)),
]


def test_record_index__every_change_is_found_at_once_and_after_reopening(store: RecordStore, vault_dir: Path):
    draft = store.save_draft(store.new_record(SURVEY), {"survey_date": "2026-03-01", "ethnicity": "Tày"})
    assert ids(store.find(RecordQuery(text="tay"))) == {str(draft.record.id)}
    # an edit: a new revision; the old words go, the new ones come
    store.save_draft(draft.record, {"survey_date": "2026-03-01", "ethnicity": "Mông"})
    assert store.find(RecordQuery(text="tay")) == []
    assert ids(store.find(RecordQuery(text="mong", status="draft"))) == {str(draft.record.id)}
    # finalize, a receipt (sync), a refusal with its reason, a void
    final = store.finalize(draft.record, survey_answers(ethnicity="Mông", day="2026-03-12"), SURVEY)
    assert final.record.revision == 3 and store.find(RecordQuery(status="draft")) == []
    from_12th = RecordQuery(status="pending", date_from=date(2026, 3, 12))
    assert ids(store.find(from_12th)) == {str(draft.record.id)}
    store.apply_receipts([Receipt(id=final.record.id, revision=3, status=ReceiptStatus.STORED)])
    assert ids(store.find(RecordQuery(status="sent"))) == {str(draft.record.id)}
    session = store.finalize(store.new_record(SESSION), session_answers(place="Bản Lác"), SESSION)
    issue = Issue(field="place", code="unknown_place", message=text("Không rõ địa điểm", "Unknown place"))
    store.apply_receipts(
        [Receipt(id=session.record.id, revision=1, status=ReceiptStatus.REJECTED, issues=[issue])]
    )
    assert ids(store.find(RecordQuery(text="khong ro dia diem"))) == {str(session.record.id)}
    assert ids(store.find(RecordQuery(text="unknown place", status="rejected"))) == {str(session.record.id)}
    store.void(session.record.id, "Ghi trùng buổi")
    assert store.find(RecordQuery(status="rejected")) == []
    assert ids(store.find(RecordQuery(text="trung", status=VOIDED))) == {str(session.record.id)}
    assert store.counts()[LocalState.PENDING] == 1 and store.counts()[LocalState.SENT] == 1
    same_as_before(store, QUERIES)
    before = (store.counts(), store.list(), store.outbox())

    store = reopen(store, vault_dir)
    try:
        packed = store._records.live()
        assert all(type(v) is bytes and v.startswith(b"r1\x1f") for v in packed.values())
        assert (store.counts(), store.list(), store.outbox()) == before
        same_as_before(store, QUERIES)
        with pytest.raises(ActionRefused):  # the rule reads the packed record as it was sealed
            store.finalize(session.record, session_answers(place="Thôn Đoài"), SESSION)
    finally:
        store.vault.close()


def test_record_index__a_packed_record_edited_after_unlock(store: RecordStore, vault_dir: Path):
    sr = store.finalize(store.new_record(SURVEY), survey_answers(ethnicity="Dao", day="2026-03-02"), SURVEY)
    store = reopen(store, vault_dir)
    try:
        assert type(store._records.live()[str(sr.record.id)]) is bytes  # packed
        store.finalize(sr.record, survey_answers(ethnicity="Kinh", day="2026-03-02"), SURVEY)
        assert store.find(RecordQuery(text="dao")) == []
        [found] = store.find(RecordQuery(text="kinh"))
        assert found.record.revision == 2 and store.get(sr.record.id) == found
        store = reopen(store, vault_dir, compact=False)  # the edit only in the journal
        assert [s.record.revision for s in store.find(RecordQuery(text="kinh"))] == [2]
    finally:
        store.vault.close()


def test_record_index__an_entry_of_another_version_is_remade(
    store: RecordStore, vault_dir: Path, monkeypatch: pytest.MonkeyPatch
):
    sr = store.finalize(store.new_record(SURVEY), survey_answers(ethnicity="Tày", day="2026-03-02"), SURVEY)
    monkeypatch.setattr(record_index, "VERSION", "r0")  # sealed by some other app version
    store.vault.compact()
    monkeypatch.undo()
    store = reopen(store, vault_dir, compact=False)
    try:
        assert store._records.live()[str(sr.record.id)].startswith(b"r0\x1f")
        assert ids(store.find(RecordQuery(text="tay", status="pending"))) == {str(sr.record.id)}
        assert store.counts()[LocalState.PENDING] == 1
    finally:
        store.vault.close()


def test_record_index__the_servers_reader_gets_plain_records(store: RecordStore, vault_dir: Path):
    sr = store.finalize(store.new_record(SURVEY), survey_answers(), SURVEY)
    store.vault.compact()
    key, vault_id = store.vault.storage._key, store.vault.vault_id
    store.vault.close()
    tables = read_tables(vault_dir, key, vault_id)
    assert tables[RECORDS_TABLE] == {str(sr.record.id): sr.model_dump(mode="json")}


def test_record_index__a_vault_of_the_older_format_opens_and_is_upgraded_once(tmp_path: Path):
    folder = tmp_path / "vault"
    shutil.copytree(OLD_VAULT, folder)
    expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    assert (folder / jn.SNAP_NAME).read_bytes()[4:6] == b"\x00\x01"  # format 1, as the older app wrote
    for _ in range(2):  # the first unlock upgrades the snapshot; the second reads the new one
        vault = Vault.unlock(folder, PIN)
        try:
            store = RecordStore(vault, author="canbo", unit="HN-SS-MT", device="old-app")
            assert vault.storage.snapshot_format == jn.SNAP_FORMAT
            got = {sr.record.id.hex: sr.model_dump(mode="json") for sr in store.list()}
            assert got == expected
            assert store.get_meta("note") == {"kept": "từ bản cũ"}
            assert store.counts() == {
                LocalState.DRAFT: 1,
                LocalState.PENDING: 1,
                LocalState.SENT: 1,
                LocalState.REJECTED: 1,
            }
            same_as_before(store, QUERIES)
        finally:
            vault.close()
        assert (folder / jn.SNAP_NAME).read_bytes()[4:6] == b"\x00\x02"


def test_record_index__compaction_keeps_saved_records_packed_with_their_entries(store: RecordStore):
    sr = store.finalize(store.new_record(SURVEY), survey_answers(ethnicity="Dao", day="2026-03-02"), SURVEY)
    rid = str(sr.record.id)
    store.apply_receipts([Receipt(id=sr.record.id, revision=1, status=ReceiptStatus.STORED)])
    assert type(store._records.live()[rid]) is not bytes  # saved since unlocking: a parsed document
    store.find(RecordQuery(text="dao"))  # its entry is made
    store.vault.compact()
    line = store._records.live()[rid]
    assert type(line) is bytes and line.startswith(b"r1\x1fsent\x1f")  # the sealed line, as unlock loads it
    assert store._entries.known(rid, line) is not None  # the entry followed it
    assert [s.record.id for s in store.find(RecordQuery(text="dao", status="sent"))] == [sr.record.id]
    # and it is still written as any other: a later change replaces it, journal first
    store.void(sr.record.id, "Nhập nhầm")
    assert store.get(sr.record.id).record.status.value == "void"
    assert store.vault.db.table(RECORDS_TABLE).get(doc_id=rid)["record"]["void_reason"] == "Nhập nhầm"
