"""The records' index entries against the records themselves, under every sequence of changes.

A Hypothesis state machine drives a real vault (compacting every few saves, so that documents are
packed into sealed lines and swapped while entries are bound to them) through what the app and the
sync do: new drafts and records, edits, voids, receipts for the revision held or an older one,
re-queueing, pulls, compactions, locking and unlocking. After every step, what the entries say
(``counts``, ``outbox``, ``list`` by state, ``find``) must be what the records themselves say
(each one read with ``get``, which parses the stored document and not its entry).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections import Counter
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from mobile.record_query import VOIDED, RecordQuery, search
from mobile.record_state import ActionRefused, LocalState, StoredRecord
from mobile.records import RecordStore
from mobile.vault import Vault
from schemas.common import Issue, text
from schemas.records import RecordStatus
from schemas.sync import Receipt, ReceiptStatus

from .helpers import FAST_KDF, FORMS, PIN, pull_response, session_answers

SESSION = FORMS["outreach_session"]
PLACES = ["Bản Lác", "Thôn Đông", "Làng Mít", "Xóm Chùa"]


class StoreModel(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.tmp = Path(tempfile.mkdtemp(prefix="ft-index-model-"))
        self.dir = self.tmp / "vault"
        # a tiny journal limit: nearly every save compacts, packing documents under bound entries
        vault = Vault.create(self.dir, PIN, kdf_params=FAST_KDF, compact_min_bytes=1_500)
        self.store = self._store(vault)
        self.ids: list[str] = []

    def _store(self, vault: Vault) -> RecordStore:
        return RecordStore(vault, author="canbo", unit="HN-SS-MT", device="test-device")

    def _pick(self, pick: int) -> StoredRecord | None:
        if not self.ids:
            return None
        return self.store.get(self.ids[pick % len(self.ids)])

    # ---- what the officer does ---------------------------------------------------------------------
    @rule(place=st.sampled_from(PLACES), final=st.booleans())
    def new_record(self, place: str, final: bool) -> None:
        record = self.store.new_record(SESSION)
        if final:
            sr = self.store.finalize(record, session_answers(place=place), SESSION)
        else:
            sr = self.store.save_draft(record, {"session_date": "2026-03-10", "place": place})
        self.ids.append(str(sr.record.id))

    @rule(pick=st.integers(0, 50), place=st.sampled_from(PLACES))
    def edit(self, pick: int, place: str) -> None:
        sr = self._pick(pick)
        if sr is not None:
            try:
                self.store.finalize(sr.record, session_answers(place=place), SESSION)
            except ActionRefused:
                pass

    @rule(pick=st.integers(0, 50))
    def void(self, pick: int) -> None:
        sr = self._pick(pick)
        if sr is not None:
            try:
                self.store.void(sr.record.id, "Ghi trùng")
            except ActionRefused:
                pass

    @rule(pick=st.integers(0, 50))
    def requeue(self, pick: int) -> None:
        sr = self._pick(pick)
        if sr is not None:
            try:
                self.store.requeue(sr.record.id)
            except ActionRefused:
                pass

    # ---- what the sync does ------------------------------------------------------------------------
    @rule(
        picks=st.lists(st.integers(0, 50), min_size=1, max_size=4),
        status=st.sampled_from(list(ReceiptStatus)),
        older=st.booleans(),
    )
    def receipts(self, picks: list[int], status: ReceiptStatus, older: bool) -> None:
        issue = Issue(field="place", code="unknown_place", message=text("Không rõ địa điểm", "Unknown place"))
        out = []
        for pick in picks:
            sr = self._pick(pick)
            if sr is not None:
                revision = sr.record.revision - 1 if older else sr.record.revision
                issues = [issue] if status == ReceiptStatus.REJECTED else []
                out.append(Receipt(id=sr.record.id, revision=revision, status=status, issues=issues))
        self.store.apply_receipts(out)

    @rule()
    def pull(self) -> None:
        self.store.save_pull(pull_response())

    # ---- the vault ---------------------------------------------------------------------------------
    @rule()
    def compact(self) -> None:
        self.store.vault.compact()

    @rule(compact=st.booleans())
    def lock_and_unlock(self, compact: bool) -> None:
        if compact:
            self.store.vault.compact()
        self.store.vault.close()
        self.store = self._store(Vault.unlock(self.dir, PIN))

    # ---- what the entries say is what the records say ---------------------------------------------
    @invariant()
    def entries_agree_with_records(self) -> None:
        truth = [self.store.get(rid) for rid in self.ids]
        assert all(sr is not None for sr in truth)
        records = [sr for sr in truth if sr is not None]
        by_state = Counter(sr.state for sr in records)
        assert self.store.counts() == {s: by_state.get(s, 0) for s in LocalState}
        pending = sorted(
            (sr for sr in records if sr.state == LocalState.PENDING), key=lambda sr: sr.record.updated_at
        )
        outbox = self.store.outbox()
        assert [(str(sr.record.id), sr.record.revision) for sr in outbox] == [
            (str(sr.record.id), sr.record.revision) for sr in pending
        ]
        assert outbox == pending
        for state in LocalState:
            listed = self.store.list(state)
            assert {str(sr.record.id): sr for sr in listed} == {
                str(sr.record.id): sr for sr in records if sr.state == state
            }
        assert {str(sr.record.id) for sr in self.store.list()} == set(self.ids)
        for q in (RecordQuery(text="ban lac"), RecordQuery(text="unknown"), RecordQuery(status=VOIDED)):
            found = {str(sr.record.id) for sr in self.store.find(q)}
            expected = {str(sr.record.id) for sr in search(records, self.store.form_for, q, "vi")}
            expected |= {str(sr.record.id) for sr in search(records, self.store.form_for, q, "en")}
            assert found == expected, q
        voided = {str(sr.record.id) for sr in records if sr.record.status == RecordStatus.VOID}
        assert {str(sr.record.id) for sr in self.store.find(RecordQuery(status=VOIDED))} == voided

    def teardown(self) -> None:
        try:
            self.store.vault.close()
        finally:
            shutil.rmtree(self.tmp, ignore_errors=True)


def test_record_index_model__entries_always_say_what_the_records_say():
    run_state_machine_as_test(
        StoreModel,
        settings=settings(
            max_examples=int(os.environ.get("FIELDTALLY_INDEX_EXAMPLES", "40")),
            stateful_step_count=30,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        ),
    )
