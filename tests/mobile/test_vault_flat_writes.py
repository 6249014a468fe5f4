"""A record save writes what it changed and nothing else: its cost does not grow with the vault.

``RecordStore``'s tables hand TinyDB's updaters a ``ChangeSet`` instead of a copy of the whole
table, and the storage journals just the touched documents (``EncryptedStorage.write_docs``).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from tinydb.table import Document

from mobile.errors import VaultWriteFailed
from mobile.keyed_table import KeyedTable
from mobile.records import RecordStore
from mobile.vault import Vault
from mobile.vault.storage import EncryptedStorage
from mobile.vault.tracking import ChangeSet
from schemas.catalog import latest_forms, shipped_forms
from vault_format import journal as jn

from .helpers import FAST_KDF, PIN, survey_answers

SURVEY = latest_forms(shipped_forms())["awareness_survey"]


def _raw(vault: Vault) -> dict:
    return {name: {k: dict(v) for k, v in t.items()} for name, t in vault.db.storage.read().items()}


def _frames(vault: Vault) -> list:
    s = vault.db.storage
    return jn.scan_journal(s.journal_path, s._key).payloads


def test_flat__a_save_journals_one_document_and_never_walks_the_table(
    store: RecordStore, vault: Vault, monkeypatch
):
    form = SURVEY
    for i in range(300):
        store.save_draft(store.new_record(form), survey_answers(ethnicity=f"Dao {i}"))

    def no_walk(*a, **k):  # the whole-table comparison of write(): must not run for a record save
        raise AssertionError("a save walked the whole table")

    monkeypatch.setattr(EncryptedStorage, "_diff", no_walk)
    before = len(_frames(vault))
    record = store.new_record(form)
    store.save_draft(record, survey_answers(ethnicity="Tày"))
    store.save_draft(record, survey_answers(ethnicity="Nùng"))  # a replacement of the same document
    frames = _frames(vault)[before:]
    assert [[op[0] for op in f] for f in frames] == [["p"], ["p"]]
    assert store.get(record.id).record.answers["ethnicity"] == "Nùng"


def test_flat__insert_update_remove_match_tinydbs_own_path_and_survive_a_reopen(vault_dir: Path):
    vault = Vault.create(vault_dir, PIN, kdf_params=FAST_KDF)
    keyed = KeyedTable(vault.db.storage, "k", cache_size=0)
    plain = vault.db.table("p")  # TinyDB's own _update_table and the storage's write()
    for t in (keyed, plain):
        t.insert(Document({"n": 1, "s": "một"}, doc_id="a" if t is keyed else 1))
        t.insert(Document({"n": 2, "s": "hai"}, doc_id="b" if t is keyed else 2))
        t.insert(Document({"n": 3, "s": "ba"}, doc_id="c" if t is keyed else 3))
        t.update({"s": "HAI"}, doc_ids=["b" if t is keyed else 2])
        t.update(lambda d: d.update(n=d["n"] * 10), doc_ids=["c" if t is keyed else 3])
        t.remove(doc_ids=["a" if t is keyed else 1])
        t.upsert(Document({"n": 4, "s": "bốn"}, doc_id="d" if t is keyed else 4))
    expect = {"b": {"n": 2, "s": "HAI"}, "c": {"n": 30, "s": "ba"}, "d": {"n": 4, "s": "bốn"}}
    assert {d.doc_id: dict(d) for d in keyed.all()} == expect
    assert {str(d.doc_id): dict(d) for d in plain.all()} == {
        str(i): v for i, v in zip((2, 3, 4), expect.values(), strict=True)
    }
    before = _raw(vault)
    vault.close()
    again = Vault.unlock(vault_dir, PIN)
    try:
        assert _raw(again) == before
    finally:
        again.close()


def test_flat__a_failed_append_leaves_memory_as_the_disk_is(store: RecordStore, vault: Vault, monkeypatch):
    form = SURVEY
    kept = store.save_draft(store.new_record(form), survey_answers(ethnicity="Thái"))
    writer = vault.db.storage._writer

    def broken(payload):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(writer, "append", broken)
    lost = store.new_record(form)
    with pytest.raises(VaultWriteFailed) as err:
        store.save_draft(lost, survey_answers(ethnicity="Mường"))
    assert isinstance(err.value.__cause__, OSError) and err.value.storage_full
    monkeypatch.undo()
    assert store.get(lost.id) is None  # reloaded from the files: the failed save is not in memory
    assert store.get(kept.record.id).record.answers["ethnicity"] == "Thái"


def test_flat__the_change_set_hands_out_copies_and_reports_only_what_changed():
    live = {"a": {"x": 1}, "b": {"x": 2}}
    cs = ChangeSet(live)
    for key in list(cs):  # an updater that reads everything (a query) and changes one
        doc = cs[key]
        if doc["x"] == 2:
            doc["x"] = 20
    cs["c"] = {"x": 3}
    del cs["a"]
    assert live == {"a": {"x": 1}, "b": {"x": 2}}  # untouched until written
    assert cs.changed() == {"b": {"x": 20}, "c": {"x": 3}}
    assert cs.removed == {"a"}
    assert sorted(cs) == ["b", "c"] and len(cs) == 2 and "a" not in cs
    with pytest.raises(KeyError):
        cs["a"]
