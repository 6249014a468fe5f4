"""EncryptedStorage keeps TinyDB's semantics: the same operations give the same tables as MemoryStorage.

The storage only writes what changed, by watching which documents TinyDB
touched; these tests check that nothing TinyDB can do slips past it, by
replaying random operation sequences on both storages and comparing the
tables, after reopening the vault from disk too.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from tinydb import Query, TinyDB
from tinydb.operations import add, delete, increment
from tinydb.operations import set as set_op
from tinydb.storages import MemoryStorage
from tinydb.table import Document

from mobile.vault import TrackedDoc, Vault

from .helpers import FAST_KDF, PIN

TABLES = st.sampled_from(["_default", "records", "meta"])
TEXT = st.text(alphabet="aăâbcdđeêghiklmnoôơpqrstuưvxyỳ Ứ", max_size=12)
VALUES = st.one_of(st.integers(-5, 5), TEXT, st.none(), st.lists(st.integers(0, 3), max_size=3))
DOCS = st.dictionaries(st.sampled_from(["a", "b", "c", "tên"]), VALUES, max_size=4)


def snapshot(db: TinyDB) -> dict:
    return {name: {int(d.doc_id): dict(d) for d in db.table(name).all()} for name in db.tables()}


class SameAsMemory(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.dir = Path(tempfile.mkdtemp(prefix="ft-storage-"))
        self.vault = Vault.create(self.dir / "v", PIN, kdf_params=FAST_KDF, compact_min_bytes=1500)
        self.ref = TinyDB(storage=MemoryStorage)

    def both(self, fn) -> None:
        errors = []
        for db in (self.vault.db, self.ref):
            try:
                fn(db)
                errors.append(None)
            except (ValueError, KeyError) as exc:
                errors.append(type(exc))
        assert errors[0] == errors[1]

    @rule(table=TABLES, doc=DOCS)
    def insert(self, table, doc):
        self.both(lambda db: db.table(table).insert(doc))

    @rule(table=TABLES, docs=st.lists(DOCS, max_size=4))
    def insert_multiple(self, table, docs):
        self.both(lambda db: db.table(table).insert_multiple(docs))

    @rule(table=TABLES, doc_id=st.integers(1, 8), doc=DOCS)
    def insert_with_id(self, table, doc_id, doc):
        self.both(lambda db: db.table(table).insert(Document(doc, doc_id=doc_id)))

    @rule(table=TABLES, fields=DOCS, doc_id=st.integers(1, 8))
    def update_by_id(self, table, fields, doc_id):
        self.both(lambda db: db.table(table).update(fields, doc_ids=[doc_id]))

    @rule(table=TABLES, fields=DOCS, value=VALUES)
    def update_by_query(self, table, fields, value):
        self.both(lambda db: db.table(table).update(fields, Query().a == value))

    @rule(table=TABLES, op=st.sampled_from(["delete", "increment", "add", "set"]), doc_id=st.integers(1, 8))
    def update_with_operation(self, table, op, doc_id):
        def run(db):
            t = db.table(table)
            doc = t.get(doc_id=doc_id)
            if doc is None:
                return
            if op == "delete" and "a" in doc:
                t.update(delete("a"), doc_ids=[doc_id])
            elif op == "increment" and isinstance(doc.get("b"), int):
                t.update(increment("b"), doc_ids=[doc_id])
            elif op == "add" and isinstance(doc.get("c"), str):
                t.update(add("c", "ư"), doc_ids=[doc_id])
            elif op == "set":
                t.update(set_op("tên", "Đặng"), doc_ids=[doc_id])

        self.both(run)

    @rule(table=TABLES, doc=DOCS, value=VALUES)
    def upsert(self, table, doc, value):
        self.both(lambda db: db.table(table).upsert({**doc, "a": value}, Query().a == value))

    @rule(table=TABLES, doc_id=st.integers(1, 8))
    def remove(self, table, doc_id):
        self.both(
            lambda db: (
                db.table(table).remove(doc_ids=[doc_id]) if db.table(table).contains(doc_id=doc_id) else None
            )
        )

    @rule(table=TABLES, value=VALUES)
    def remove_by_query(self, table, value):
        self.both(lambda db: db.table(table).remove(Query().a == value))

    @rule(table=TABLES)
    def truncate(self, table):
        self.both(lambda db: db.table(table).truncate())

    @rule(table=TABLES)
    def drop_table(self, table):
        self.both(lambda db: db.drop_table(table))

    @rule()
    def drop_tables(self):
        self.both(lambda db: db.drop_tables())

    @rule()
    def reopen(self):
        self.vault.close()
        self.vault = Vault.unlock(self.dir / "v", PIN, compact_min_bytes=1500)
        # A new TinyDB over the same data, as the vault now has (TinyDB caches the next free id per table).
        memory = self.ref.storage.memory
        self.ref = TinyDB(storage=MemoryStorage)
        self.ref.storage.memory = memory

    @rule()
    def compact(self):
        self.vault.compact()

    @invariant()
    def same_tables(self):
        assert snapshot(self.vault.db) == snapshot(self.ref)

    @invariant()
    def every_cached_document_is_tracked_and_clean(self):
        for table in self.vault.storage.read().values():
            for doc in table.values():
                if type(doc) is bytes:  # a "records" document still packed as sealed (snapfile.py)
                    assert b"\t" in doc
                else:
                    assert type(doc) is TrackedDoc and not doc.dirty

    def teardown(self) -> None:
        try:
            self.vault.close()
            reopened = Vault.unlock(self.dir / "v", PIN)
            try:
                assert snapshot(reopened.db) == snapshot(self.ref)
            finally:
                reopened.close()
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


SameAsMemory.TestCase.settings = settings(
    max_examples=40,
    stateful_step_count=30,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_storage__behaves_like_tinydb_memory_storage = SameAsMemory.TestCase


def test_storage__a_save_appends_only_the_changed_document(vault: Vault):
    t = vault.db.table("records")
    t.insert_multiple({"n": i, "payload": "x" * 1000} for i in range(200))
    before = vault.storage.journal_bytes
    t.update({"n": -1}, doc_ids=[100])
    grew = vault.storage.journal_bytes - before
    assert 1000 < grew < 1300  # one ~1 KB document, not 200 of them
    before = vault.storage.journal_bytes
    vault.db.table("meta").insert({"k": "v"})
    assert vault.storage.journal_bytes - before < 200  # the records table is not rewritten
    before = vault.storage.journal_bytes
    t.update({"n": -1}, doc_ids=[9999])  # matches nothing
    assert vault.storage.journal_bytes == before  # nothing changed, nothing written


def test_storage__a_multi_document_write_is_all_or_nothing(vault: Vault, vault_dir: Path):
    t = vault.db.table("t")
    t.insert({"n": 0})
    end = vault.storage.journal_bytes
    t.insert_multiple({"n": i} for i in range(1, 50))
    vault.close()
    path = vault_dir / "vault.journal"
    data = path.read_bytes()
    path.write_bytes(data[: end + (len(data) - end) // 2])  # the one frame of 49 inserts, half written
    with Vault.unlock(vault_dir, PIN) as v:
        assert [d["n"] for d in v.db.table("t").all()] == [0]
