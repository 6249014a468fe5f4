"""Reading the officer's records: get, list, count, search, through each record's index entry.

The read side of ``RecordStore`` (``records.py``), apart so that each file stays readable: every
method here reads the vault's ``records`` table as the storage holds it (documents may still be
packed JSON, ``vault_format/snapfile.py``), decides from the index entries (``record_index.py``) and
validates as ``StoredRecord`` only what it returns.
"""

from __future__ import annotations

import builtins
import threading
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
    _entries: ix.Entries

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
        one_word = words[0] if len(words) == 1 else None
        only_words = not (query.form_id or query.status or query.date_from or query.date_to)
        with self._lock:
            titles = {k: v.encode("utf-8") for k, v in title_words(self._registry().values()).items()}
            by_id, entry_of, form_of, hits = self._entries.by_id, self._entries.get, self.form_for, []
            # The loop runs once per stored record on every search (each keystroke, after a pause):
            # the common cases (a made entry; one word, no filter) take no call but bytes.find.
            for rid, value in self._records.live().items():
                made = by_id.get(rid)
                entry = made[1] if made is not None and made[0] is value else entry_of(rid, value, form_of)
                if one_word is not None and only_words:
                    if entry.hay.find(one_word, entry.start, entry.end) >= 0 or one_word in titles.get(
                        entry.form_id, b""
                    ):
                        hits.append((entry.changed, rid, value))
                elif ix.matches(entry, query, words, titles):
                    hits.append((entry.changed, rid, value))
        hits.sort(reverse=True)
        return [ix.to_record(value) for _, _, value in hits]

    def documents(self) -> builtins.list[dict[str, Any]]:
        """Every stored record as its JSON document, unvalidated (for scans that read a few keys)."""
        with self._lock:
            values = builtins.list(self._records.live().values())
        return [snapfile.plain(v) for v in values]

    def counts(self) -> dict[LocalState, int]:
        """How many records are in each state (the home screen): no record is parsed for it."""
        tally: dict[str, int] = {}
        prefix, sep, at, sealed = ix.PREFIX, ix.SEP_B, len(ix.PREFIX), ix.SEALED_STATES
        with self._lock:
            state_of, form_of = self._entries.state, self.form_for
            for rid, value in self._records.live().items():
                # A packed record's line starts "r1<SEP><state><SEP>": read in place (most records).
                state = None
                if type(value) is bytes and value.startswith(prefix):
                    state = sealed.get(value[at : value.find(sep, at)])
                if state is None:
                    state = state_of(rid, value, form_of)
                tally[state] = tally.get(state, 0) + 1
        return {s: tally.get(s.value, 0) for s in LocalState}

    def outbox(self, limit: int | None = None) -> builtins.list[StoredRecord]:
        """PENDING records, the longest waiting first."""
        return self._sorted(LocalState.PENDING, limit, newest_first=False)

    def _sorted(
        self, state: LocalState | None, limit: int | None, *, newest_first: bool
    ) -> builtins.list[StoredRecord]:
        with self._lock:
            live = self._records.live()
            self._entries.forget(live)
            entry_of, state_of, form_of, rows = self._entries.get, self._entries.state, self.form_for, []
            for rid, value in live.items():
                if state is None or state_of(rid, value, form_of) == state.value:
                    rows.append((entry_of(rid, value, form_of).changed, rid, value))
        rows.sort(reverse=newest_first)
        return [ix.to_record(value) for _, _, value in rows[:limit]]

    def _remember_entry(self, rid: str, sr: StoredRecord) -> None:
        """Give the revision just stored its entry now (the save had the record and its form at hand)."""
        stored = self._records.live().get(rid)
        if stored is not None:
            self._entries.put(rid, stored, ix.make(sr, self.form_for(sr.record)))

    def _index_line(self, table: str, rid: str, value: Any) -> str:
        """The index sealed beside a stored document (``EncryptedStorage.index_of``).

        Called by the storage under its own lock, so it takes no lock of the store's: a record with
        no entry yet gets one only if the forms are already read; else none is sealed (the next
        unlock makes it when needed).
        """
        if table != RECORDS_TABLE:
            return ""
        entry = self._entries.known(rid, value)
        if entry is None:
            if type(value) is bytes:
                return snapfile.index(value).decode("utf-8")  # sealed before, as it was
            forms = self._forms
            if forms is None:
                return ""
            try:
                entry = self._entries.get(rid, value, lambda r: forms.get((r.form_id, r.form_version)))
            except (ValidationError, ValueError, TypeError, KeyError):
                return ""  # not a record this app can read: sealed without an entry
        return ix.line(entry)
