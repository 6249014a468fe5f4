"""Reading the officer's records: get, list, count, search, through each record's index entry.

The read side of ``RecordStore`` (``records.py``), apart so that each file stays readable: every
method here reads the vault's ``records`` table as the storage holds it (documents may still be
packed JSON, ``vault_format/snapfile.py``), decides from the index entries (``record_index.py``) and
validates as ``StoredRecord`` only what it returns.
"""

from __future__ import annotations

import builtins
import threading
from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import ValidationError

from schemas.forms import FormDefinition
from schemas.records import Record
from vault_format import snapfile
from vault_format.reader import RECORDS_TABLE

from . import record_index as ix
from .keyed_table import KeyedTable
from .record_query import RecordQuery, title_words
from .record_state import LocalState, StoredRecord


class RecordReads:
    """Mixed into ``RecordStore``, which provides the table, the lock and the forms."""

    _records: KeyedTable
    _lock: threading.RLock
    _forms: dict[tuple[str, int], FormDefinition] | None

    def form_for(self, record: Record) -> FormDefinition | None:
        raise NotImplementedError

    def _registry(self) -> dict[tuple[str, int], FormDefinition]:
        raise NotImplementedError

    def get(self, record_id: UUID | str) -> StoredRecord | None:
        with self._lock:
            value = self._records.live().get(str(record_id))
        return ix.to_record(value) if value is not None else None

    def list(self, state: LocalState | None = None, *, limit: int | None = None) -> list[StoredRecord]:
        """Records (of ``state``), the most recently changed first."""
        return self._sorted(state, limit, newest_first=True)

    def find(self, query: RecordQuery) -> builtins.list[StoredRecord]:
        """The records matching ``query``, the most recently changed first (the records screen's search).

        Reads the index entries (both languages' words: ``record_index.py``); validates only the hits.
        """
        words = ix.query_words(query)
        with self._lock:
            titles = title_words(self._registry().values())
            hits = []
            for rid, value in self._records.live().items():
                entry = ix.entry_of(value, self.form_for)
                if ix.matches(entry, query, words, titles):
                    hits.append((entry.changed, rid, value))
        hits.sort(reverse=True)
        return [ix.to_record(value) for _, _, value in hits]

    def documents(self) -> builtins.list[dict[str, Any]]:
        """Every stored record as its JSON document, unvalidated (for scans that read a few keys)."""
        with self._lock:
            values = builtins.list(self._records.live().values())
        return [snapfile.plain(v) for v in values]

    def counts(self) -> dict[LocalState, int]:
        out = dict.fromkeys(LocalState, 0)
        with self._lock:
            for value in self._records.live().values():
                out[LocalState(ix.state_of(value, self.form_for))] += 1
        return out

    def outbox(self, limit: int | None = None) -> builtins.list[StoredRecord]:
        """PENDING records, the longest waiting first."""
        return self._sorted(LocalState.PENDING, limit, newest_first=False)

    def _sorted(
        self, state: LocalState | None, limit: int | None, *, newest_first: bool
    ) -> builtins.list[StoredRecord]:
        with self._lock:
            rows = []
            for rid, value in self._records.live().items():
                if state is None or ix.state_of(value, self.form_for) == state.value:
                    rows.append((_changed_at(value, self.form_for), rid, value))
        rows.sort(reverse=newest_first)
        return [ix.to_record(value) for _, _, value in rows[:limit]]

    def _remember_entry(self, rid: str, sr: StoredRecord) -> None:
        """Give the revision just stored its entry now (the save had the record and its form at hand)."""
        stored = self._records.live().get(rid)
        if stored is not None and hasattr(stored, "entry"):
            stored.entry = ix.make(sr, self.form_for(sr.record))

    def _index_line(self, table: str, value: Any) -> str:
        """The index sealed beside a stored document (``EncryptedStorage.index_of``).

        Called by the storage under its own lock, so it takes no lock of the store's: a record with
        no entry yet gets one only if the forms are already read; else none is sealed (the next
        unlock makes it when needed).
        """
        if table != RECORDS_TABLE:
            return ""
        entry = getattr(value, "entry", None)
        if entry is None:
            if type(value) is snapfile.Packed and value.index:
                return value.index.decode("utf-8")
            forms = self._forms
            if forms is None:
                return ""
            try:
                entry = ix.entry_of(value, lambda r: forms.get((r.form_id, r.form_version)))
            except (ValidationError, ValueError, TypeError, KeyError):
                return ""  # not a record this app can read: sealed without an entry
        return ix.line(entry)


def _changed_at(value: Any, form_of: ix.FormOf) -> str:
    """When the stored record last changed, as its entry's sortable text."""
    if type(value) is snapfile.Packed or getattr(value, "entry", None) is not None:
        return ix.entry_of(value, form_of).changed
    return ix.changed_text(datetime.fromisoformat(value["record"]["updated_at"].replace("Z", "+00:00")))
