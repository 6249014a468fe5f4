"""A stored record's index entry: what counting, listing and searching read, without the record.

An officer's phone may hold tens of thousands of records. Validating each one as a ``StoredRecord``
to count them, sort them or look for a word cost seconds and most of the memory (issue 15), so each
stored record carries a small ``Entry``: its state and status, form, when it last changed, the day it
is about and its words folded for search (``record_query.searchable_text`` in every language). The
entry is made once per stored revision: when the record is first read after a save (a save stores
a new document, so an edit, a void, a receipt or a new revision is a new entry), or sealed into the
snapshot beside the record (``vault_format/snapfile.py``) so that unlocking does not remake it. A
search then scans plain strings and validates only what it returns.

The line sealed in the snapshot is ``VERSION`` and the fields joined by ``SEP``; a line of another
version, or none, is remade from the record, so the entry can change without a new vault format.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, NamedTuple

from schemas.forms import FormDefinition
from schemas.records import Record, RecordStatus
from vault_format.snapfile import Packed

from .record_query import VOIDED, RecordQuery, fold, record_date, searchable_text
from .record_state import StoredRecord
from .vault.tracking import TrackedDoc

VERSION = "r1"
SEP = "\x1f"  # the unit separator: never in an id, a state, a date or folded words (whitespace there)

FormOf = Callable[[Record], FormDefinition | None]


class Entry(NamedTuple):
    state: str  # a LocalState value
    status: str  # a RecordStatus value
    form_id: str
    changed: str  # updated_at in UTC, fixed width, so that strings sort as times do
    day: str  # the day the record is about (record_query.record_date), ISO
    text: str  # folded words, every language, each once; not the form's title


def make(sr: StoredRecord, form: FormDefinition | None) -> Entry:
    rec = sr.record
    # Each word once (a query word holds no space, so it matches within one word: the same hits as
    # the whole text); the form's title is matched apart, once per form (``matches``).
    words = " ".join(dict.fromkeys(searchable_text(sr, form, None, title=False).split()))
    return Entry(
        sys.intern(sr.state.value),
        sys.intern(rec.status.value),
        sys.intern(rec.form_id),
        changed_text(rec.updated_at),
        record_date(sr, form).isoformat(),
        words,
    )


def changed_text(when: datetime) -> str:
    """``Entry.changed``: UTC, microseconds always written, so that the strings sort as the times do."""
    return f"{when.astimezone(UTC):%Y-%m-%dT%H:%M:%S.%f}"


def line(entry: Entry) -> str:
    """The entry as sealed in the snapshot, or "" when a field holds what a line cannot."""
    fields = (VERSION, *entry)
    if any(SEP in f or "\t" in f or "\n" in f for f in fields[1:6]):
        return ""
    return SEP.join(fields)


def parse(index: bytes) -> Entry | None:
    try:
        parts = index.decode("utf-8").split(SEP)
    except UnicodeDecodeError:
        return None
    if len(parts) != 7 or parts[0] != VERSION:
        return None
    _, state, status, form_id, changed, day, text = parts
    return Entry(sys.intern(state), sys.intern(status), sys.intern(form_id), changed, day, text)


def entry_of(value: Any, form_of: FormOf) -> Entry:
    """The entry of a stored document (``Packed`` or a dict), kept on it once made."""
    entry = getattr(value, "entry", None)
    if entry is not None:
        return entry
    if type(value) is Packed:
        entry = parse(value.index) if value.index else None
        value.index = b""  # the entry replaces it (the text is most of both)
    if entry is None:
        sr = to_record(value)
        entry = make(sr, form_of(sr.record))
    if type(value) is Packed or type(value) is TrackedDoc:
        value.entry = entry
    return entry


def to_record(value: Any) -> StoredRecord:
    """The stored document validated: packed JSON straight from its bytes, else the dict."""
    if type(value) is Packed:
        return StoredRecord.model_validate_json(value.raw)
    return StoredRecord.model_validate(value)


def state_of(value: Any, form_of: FormOf) -> str:
    """The record's LocalState value, from the entry when there is one, else from the document."""
    if type(value) is Packed or getattr(value, "entry", None) is not None:
        return entry_of(value, form_of).state
    return value["state"]


def matches(entry: Entry, q: RecordQuery, words: list[str], titles: dict[str, str]) -> bool:
    """``record_query.matches`` on an entry; ``words`` is ``fold(q.text).split()``, ``titles`` is
    ``record_query.title_words`` of the forms this phone knows."""
    if q.form_id and entry.form_id != q.form_id:
        return False
    if q.status:
        if q.status == VOIDED:
            if entry.status != RecordStatus.VOID.value:
                return False
        elif entry.state != q.status:
            return False
    if q.date_from and entry.day < q.date_from.isoformat():
        return False
    if q.date_to and entry.day > q.date_to.isoformat():
        return False
    if not words:
        return True
    text, title = entry.text, titles.get(entry.form_id, "")
    return all(w in text or w in title for w in words)


def query_words(q: RecordQuery) -> list[str]:
    return fold(q.text).split()
