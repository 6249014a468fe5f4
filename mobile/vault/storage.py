"""``EncryptedStorage``: TinyDB's Storage interface on an encrypted snapshot + journal.

TinyDB calls ``read()`` for the whole state, mutates the dict it got, and
hands the whole dict back to ``write()``. Rewriting everything on each
``write()`` costs O(n) in JSON alone (~150 ms at 10k records), so this
storage writes only what changed:

- ``read()`` returns the cached state; every document in it is a
  ``TrackedDoc`` (``tracking.py``), a dict that sets ``dirty`` on any top-level mutation
  (TinyDB's ``update`` mutates documents in place).
- TinyDB's ``_update_table`` always stores the table it changed as a *new*
  dict object, so ``write()`` skips tables whose object is unchanged, and in
  a changed table compares each document by identity with what it last
  wrote (O(n) pointer checks, no serialisation): a new object is an insert
  or a replacement, a ``dirty`` one an update, a missing key a removal.
- The changes go into one encrypted journal frame (``journal.py``), appended
  and fsynced: all of a ``write()`` or none of it survives a crash.
- Tables that know what they change skip even that pass: their updater
  works on a ``ChangeSet`` (``tracking.py``) and ``write_docs()`` journals just the touched
  documents, so a save costs the same at 50k records as at 1k
  (``mobile/records.py``'s tables do this).
- The snapshot keeps one line per document (``vault_format/snapfile.py``); the
  ``records`` table's documents stay *packed* (the ``bytes`` of their line: the
  short index the phone sealed, ``index_of`` set by ``RecordStore``, and the
  JSON), so opening, counting and searching parse no record; a record is
  parsed when it is read. An older snapshot (one JSON object) is
  still read, parsed as before.
- When the journal outgrows ``max(compact_min_bytes, snapshot size)`` the
  whole state is sealed into a new snapshot and the journal starts afresh,
  so replay on unlock stays bounded (at most about twice the data).

Limits: a change made *inside* a nested value of a stored document (e.g. a
custom ``update`` callable doing ``doc["answers"]["x"] = 1``) is not seen;
replace the top-level value instead (``RecordStore`` always replaces whole
documents). One writer at a time: TinyDB is not thread-safe, and the
``RecordStore`` on top serialises its calls with a lock.

If ``write()`` fails, the cache (which TinyDB already mutated) is dropped
and the next ``read()`` reloads from disk, so memory never runs ahead of
the files.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tinydb.storages import Storage

from schemas.common import text
from vault_format import journal as jn
from vault_format import snapfile
from vault_format.atomic import Write
from vault_format.journal import JOURNAL_NAME, SNAP_NAME
from vault_format.reader import RECORDS_TABLE, replay

from ..errors import VaultCorrupt, VaultError, VaultWriteFailed
from .tracking import TrackedDoc, pack_in_place, unpack_in_place
from .translate import phone_errors

log = logging.getLogger(__name__)

__all__ = ["COMPACT_MIN_BYTES", "JOURNAL_NAME", "SNAP_NAME", "EncryptedStorage"]

COMPACT_MIN_BYTES = 1 << 20
PACKED_TABLES = frozenset({RECORDS_TABLE})  # kept as JSON bytes until read (see the module's docstring)


class EncryptedStorage(Storage):
    """TinyDB storage over ``vault.snap`` + ``vault.journal`` in ``folder``, under ``key``."""

    def __init__(
        self,
        folder: Path,
        key: bytes,
        vault_id: str,
        *,
        compact_min_bytes: int = COMPACT_MIN_BYTES,
        write: Write | None = None,
    ):
        """``write``: how bytes reach the disk (``atomic.write_all``; a test passes a failing one)."""
        self.folder = Path(folder)
        self._write = write
        self._key = key
        self._vault_id = vault_id
        self.compact_min_bytes = compact_min_bytes
        self._lock = threading.RLock()
        self._tables: dict[str, dict[str, Any]] | None = None
        self._written: dict[str, dict[str, Any]] = {}  # table -> doc id -> the object last written
        self._table_objs: dict[str, dict[str, Any]] = {}  # table -> the dict object last written
        self._writer: jn.JournalWriter | None = None
        self._snap_size = 0
        self._generation = 0
        self.torn_tail_recovered = False  # a crash had cut the journal's last frame; it was dropped
        # Called with ``position`` after every durable change (the vault keeps a counter outside its files).
        self.on_commit: Callable[[tuple[int, int]], None] | None = None
        # Called after a compaction swapped parsed documents for their sealed lines: table, {id: (old, new)}.
        self.on_repack: Callable[[str, dict[str, tuple[Any, bytes]]], None] | None = None
        # The index sealed beside each document (``snapfile``): ``index_of(table, doc id, document)``.
        self.index_of: Callable[[str, str, Any], str] | None = None
        self.snapshot_format = jn.SNAP_FORMAT  # of the snapshot found on opening (1: an older app's)
        self._packed: set[str] = set()  # tables that may still hold packed documents
        self._closed = False
        self._load()

    # ---- files -------------------------------------------------------------------------------------
    @property
    def snap_path(self) -> Path:
        return self.folder / SNAP_NAME

    @property
    def journal_path(self) -> Path:
        return self.folder / JOURNAL_NAME

    @classmethod
    def initialize(cls, folder: Path, key: bytes, vault_id: str) -> None:
        """Write an empty snapshot and journal (for a new vault)."""
        jid = os.urandom(16)
        jn.write_snapshot(
            Path(folder) / SNAP_NAME,
            key,
            vault_id=vault_id,
            body=b"",
            journal_id=jid,
            prev_journal_id=None,
            generation=0,
        )
        jn.new_journal(Path(folder) / JOURNAL_NAME, jid)

    def _load(self) -> None:
        with phone_errors():
            self._load_files()

    def _load_files(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        snap = jn.read_snapshot(self.snap_path, self._key, vault_id=self._vault_id, packed=PACKED_TABLES)
        if not self.journal_path.exists():
            raise VaultCorrupt(f"{JOURNAL_NAME} is missing")
        jid = jn.read_journal_id(self.journal_path)
        if jid != snap.journal_id:
            if jid != snap.prev_journal_id:
                raise VaultCorrupt(f"{JOURNAL_NAME} does not belong to {SNAP_NAME}")
            # A compaction was cut after sealing the snapshot: the old journal is already in it.
            jn.new_journal(self.journal_path, snap.journal_id, write=self._write)
        scan = jn.scan_journal(self.journal_path, self._key)
        keep = PACKED_TABLES if snap.format >= 2 else ()
        tables = replay(snap.tables, scan.payloads, doc=TrackedDoc, keep=keep)
        self._writer = jn.JournalWriter(
            self.journal_path,
            self._key,
            snap.journal_id,
            end=scan.good_end,
            seq=len(scan.payloads),
            size=scan.size,
            write=self._write,
        )
        self.torn_tail_recovered = self.torn_tail_recovered or scan.torn
        self._snap_size = snap.size
        self._generation = snap.generation
        self.snapshot_format = snap.format
        self._tables = tables
        self._written = {name: dict(t) for name, t in tables.items()}
        self._table_objs = dict(tables)
        self._packed = {name for name in keep if tables.get(name)}

    def materialize(self, name: str) -> None:
        """Parse the still-packed documents of table ``name`` in place (for TinyDB's generic tables).

        The parsed documents count as already written, so nothing is journaled for them.
        """
        with self._lock:
            if name not in self._packed or self._tables is None:
                return
            self._packed.discard(name)
            unpack_in_place(self._tables.get(name, {}), self._written.get(name, {}))

    def _drop_caches(self) -> None:
        self._packed = set()
        self._tables = None
        self._written = {}
        self._table_objs = {}
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    # ---- the TinyDB Storage interface --------------------------------------------------------------
    def _check_open(self) -> None:
        if self._closed:
            raise VaultError(
                text("Kho dữ liệu đã khóa. Hãy mở khóa lại.", "The data store is locked. Unlock it again."),
                detail="storage used after close()",
            )

    def read(self) -> dict[str, dict[str, Any]]:
        with self._lock:
            self._check_open()
            if self._tables is None:
                self._load()
            assert self._tables is not None
            return self._tables

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        with self._lock:
            self._check_open()
            try:
                if self._tables is None or self._writer is None:
                    # The cache was dropped after a failure: ``data`` may hold changes that never
                    # reached the disk, so diff against the files rather than trust memory.
                    self._load()
                ops, commits = self._diff(data)
                if ops:
                    assert self._writer is not None
                    self._writer.append(ops)
            except OSError as exc:  # disk full, I/O error: the journal was cut back to its last frame
                self._drop_caches()
                raise VaultWriteFailed(exc) from exc
            except BaseException:
                self._drop_caches()
                raise
            for name, table, changed, removed in commits:
                written = self._written.setdefault(name, {})
                for doc_id in changed:
                    doc = table[doc_id]
                    if type(doc) is not TrackedDoc:
                        doc = table[doc_id] = TrackedDoc(doc)
                    doc.dirty = False
                    written[doc_id] = doc
                for doc_id in removed:
                    written.pop(doc_id, None)
                self._table_objs[name] = table
            for name in [n for n in self._written if n not in data]:
                del self._written[name]
                self._table_objs.pop(name, None)
            self._tables = data
            if ops:
                self._committed()
                self._compact_if_due()

    def write_docs(self, name: str, changed: dict[str, dict[str, Any]], removed: set[str]) -> None:
        """Write only these documents of table ``name``: no pass over the rest of the table.

        The flat-cost path for tables that know what they changed (``ChangeSet``):
        ``changed`` holds whole new documents (inserted or replaced), ``removed``
        the ids to delete. As with ``write()``, the journal frame is appended and
        fsynced first; memory follows only once it is on disk.
        """
        with self._lock:
            self._check_open()
            try:
                if self._tables is None or self._writer is None:
                    self._load()
                assert self._tables is not None and self._writer is not None
                table = self._tables.get(name)
                ops: list[list[Any]] = [] if name in self._written else [["t", name]]
                ops += [["p", name, str(doc_id), doc] for doc_id, doc in changed.items()]
                ops += [["d", name, str(doc_id)] for doc_id in removed if table and doc_id in table]
                if ops:
                    self._writer.append(ops)
            except OSError as exc:  # disk full, I/O error: the journal was cut back to its last frame
                self._drop_caches()
                raise VaultWriteFailed(exc) from exc
            except BaseException:
                self._drop_caches()
                raise
            table = self._tables.setdefault(name, {})
            written = self._written.setdefault(name, {})
            for doc_id, doc in changed.items():
                table[doc_id] = written[doc_id] = TrackedDoc(doc)
            for doc_id in removed:
                table.pop(doc_id, None)
                written.pop(doc_id, None)
            self._table_objs[name] = table  # unchanged since written: a later write() skips it
            if ops:
                self._committed()
                self._compact_if_due()

    def _compact_if_due(self) -> None:
        if self._writer is not None and self._writer.end > max(self.compact_min_bytes, self._snap_size):
            try:
                self.compact()
            except Exception:  # the change itself is safe in the journal; compaction retries later
                log.exception("vault compaction failed")

    def _diff(self, data: dict[str, dict[str, Any]]) -> tuple[list[list[Any]], list[tuple]]:
        ops: list[list[Any]] = []
        commits: list[tuple] = []
        for name in self._written:
            if name not in data:
                ops.append(["D", name])
        for name, table in data.items():
            if table is self._table_objs.get(name):
                continue
            written = self._written.get(name)
            if written is None:
                ops.append(["t", name])
                written = {}
            changed: list[str] = []
            new_keys = 0
            for doc_id, doc in table.items():
                old = written.get(doc_id)
                if old is None:
                    changed.append(doc_id)
                    new_keys += 1
                elif doc is not old or getattr(doc, "dirty", False):  # packed (bytes): never dirty
                    changed.append(doc_id)
            removed: list[str] = []
            if len(table) != len(written) + new_keys:
                removed = [doc_id for doc_id in written if doc_id not in table]
            for doc_id in changed:
                ops.append(["p", name, str(doc_id), table[doc_id]])
            for doc_id in removed:
                ops.append(["d", name, str(doc_id)])
            commits.append((name, table, changed, removed))
        return ops, commits

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._drop_caches()

    # ---- maintenance -------------------------------------------------------------------------------
    def compact(self) -> None:
        """Seal the whole state into a new snapshot and start an empty journal."""
        with self._lock:
            tables = self.read()
            assert self._writer is not None
            old_id, new_id = self._writer.journal_id, os.urandom(16)
            body = snapfile.encode(tables, self.index_of)
            try:
                size = jn.write_snapshot(
                    self.snap_path,
                    self._key,
                    vault_id=self._vault_id,
                    body=body,
                    journal_id=new_id,
                    prev_journal_id=old_id,
                    generation=self._generation + 1,
                    write=self._write,
                )
                self._writer.close()
                self._writer = None
                jn.new_journal(self.journal_path, new_id, write=self._write)
                hsize = jn.J_HEADER.size
                self._writer = jn.JournalWriter(
                    self.journal_path, self._key, new_id, end=hsize, seq=0, size=hsize, write=self._write
                )
            except BaseException as exc:
                # Never append to a journal the snapshot may have superseded: reload from the files.
                self._drop_caches()
                if isinstance(exc, OSError):
                    raise VaultWriteFailed(exc) from exc
                raise
            self._snap_size = size
            self._generation += 1
            self.snapshot_format = jn.SNAP_FORMAT
            self._committed()
            try:
                self._repack(body)
            except Exception:  # memory stays as it was (parsed), which is correct, only bigger
                log.exception("could not repack the vault's documents after compaction")

    def _repack(self, body: bytes) -> None:
        """Hold the packed tables' parsed documents as the lines just sealed (a third of the memory).

        After a sync or a day's work the records saved since unlocking are dicts; the snapshot now
        holds each as a line, which is what an unlock would load. Only documents that are exactly
        what was written are swapped; TinyDB's generic tables will parse them again on first use.
        """
        tables = self._tables
        names = [n for n in PACKED_TABLES if tables and tables.get(n)]
        if not names or tables is None:
            return
        sealed = snapfile.decode(body, PACKED_TABLES, only=names)
        for name in names:
            swapped = pack_in_place(tables[name], self._written.get(name, {}), sealed.get(name, {}))
            if swapped:
                self._packed.add(name)
                if self.on_repack is not None:
                    self.on_repack(name, swapped)

    @property
    def position(self) -> tuple[int, int]:
        """(snapshot generation, journal frames): grows with every save, compaction included."""
        return self._generation, self._writer.seq if self._writer else 0

    def _committed(self) -> None:
        if self.on_commit is None:
            return
        try:
            self.on_commit(self.position)
        except Exception:  # the change is safe on disk; a missed count only weakens rollback detection
            log.exception("could not record the vault's write counter")

    @property
    def journal_bytes(self) -> int:
        return self._writer.end if self._writer else 0
