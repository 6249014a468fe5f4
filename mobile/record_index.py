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

from collections.abc import Callable, Collection
from datetime import UTC, datetime
from sys import intern
from typing import Any, NamedTuple

from schemas.forms import FormDefinition
from schemas.records import Record, RecordStatus
from vault_format import snapfile

from .record_query import VOIDED, RecordQuery, fold, record_date, searchable_text
from .record_state import LocalState, StoredRecord

VERSION = "r1"
SEP = "\x1f"  # the unit separator: never in an id, a state, a date or folded words (whitespace there)
SEP_B = SEP.encode()
PREFIX = (VERSION + SEP).encode()
_HEAD = 256  # the fields before the words fit in this many bytes (parse)
SEALED_STATES = {s.value.encode(): s.value for s in LocalState}  # as a sealed line spells them

FormOf = Callable[[Record], FormDefinition | None]


class Entry(NamedTuple):
    state: str  # a LocalState value
    status: str  # a RecordStatus value
    form_id: str
    changed: str  # updated_at in UTC, fixed width, so that strings sort as times do
    day: str  # the day the record is about (record_query.record_date), ISO
    # The folded words (every language, each once, not the form's title), UTF-8: hay[start:end].
    # For a packed record ``hay`` is its sealed line itself, so the words are not held twice.
    hay: bytes
    start: int
    end: int

    @property
    def text(self) -> str:
        return self.hay[self.start : self.end].decode("utf-8")

    def has(self, word: bytes) -> bool:
        """``word`` (UTF-8) is within the words (UTF-8 matches exactly where the text does)."""
        return self.hay.find(word, self.start, self.end) >= 0


def make(sr: StoredRecord, form: FormDefinition | None) -> Entry:
    rec = sr.record
    # Each word once (a query word holds no space, so it matches within one word: the same hits as
    # the whole text); the form's title is matched apart, once per form (``matches``).
    words = " ".join(dict.fromkeys(searchable_text(sr, form, None, title=False).split())).encode("utf-8")
    return Entry(
        intern(sr.state.value),
        intern(rec.status.value),
        intern(rec.form_id),
        changed_text(rec.updated_at),
        record_date(sr, form).isoformat(),
        words,
        0,
        len(words),
    )


def changed_text(when: datetime) -> str:
    """``Entry.changed``: UTC, microseconds always written, so that the strings sort as the times do."""
    return f"{when.astimezone(UTC):%Y-%m-%dT%H:%M:%S.%f}"


def line(entry: Entry) -> str:
    """The entry as sealed in the snapshot, or "" when a field holds what a line cannot."""
    fields = (VERSION, *entry[:5], entry.text)
    if any(SEP in f or "\t" in f or "\n" in f for f in fields[1:6]):
        return ""
    return SEP.join(fields)


def parse(packed: bytes) -> Entry | None:
    """The entry sealed in a packed record's line, or None for an index of another version (or none).

    The words stay in the line (``Entry.hay``): only the short fields before them are copied.
    """
    if not packed.startswith(PREFIX):
        return None
    head = packed[:_HEAD]
    parts = head.split(SEP_B, 6)
    tab = packed.find(b"\t")
    start = len(head) - len(parts[-1])
    if len(parts) != 7 or tab < start:
        return None  # the short fields run past _HEAD (a very long form id?): not worth a line
    try:
        state, status, form_id, changed, day = (p.decode("utf-8") for p in parts[1:6])
    except UnicodeDecodeError:
        return None
    # tuple.__new__: no Python-level __new__ per record (parsed for every record on the first look)
    fields = (intern(state), intern(status), intern(form_id), changed, day, packed, start, tab)
    return tuple.__new__(Entry, fields)


def to_record(value: Any) -> StoredRecord:
    """The stored document validated: packed JSON straight from its bytes, else the dict."""
    if type(value) is bytes:
        return StoredRecord.model_validate_json(snapfile.document(value))
    return StoredRecord.model_validate(value)


class Entries:
    """Each stored record's entry by id, for the revision it was made from.

    A hit needs the very document object that is stored now (a save always stores a new one), so an
    entry never outlives its revision; the price is one replaced document kept until its id is
    looked at again.
    """

    def __init__(self) -> None:
        self._by_id: dict[str, tuple[Any, Entry]] = {}
        self.by_id = self._by_id  # read only: (the document it was made from, the entry) by id
        # Entries for documents about to be stored (``expect``): bound to the stored document when
        # it turns out equal to the one expected (``known``), then dropped (``settle``).
        self._expected: dict[str, tuple[dict[str, Any], Entry]] = {}

    def get(self, rid: str, value: Any, form_of: FormOf) -> Entry:
        hit = self._by_id.get(rid)
        if hit is not None and hit[0] is value:  # the common case, once made: one lookup
            return hit[1]
        entry = parse(value) if type(value) is bytes else None
        if entry is None:
            sr = to_record(value)
            entry = make(sr, form_of(sr.record))
        self._by_id[rid] = (value, entry)
        return entry

    def put(self, rid: str, value: Any, entry: Entry) -> None:
        self._by_id[rid] = (value, entry)

    def known(self, rid: str, value: Any) -> Entry | None:
        """The entry already made for this very document (or expected for one equal to it), or None."""
        hit = self._by_id.get(rid)
        if hit is not None and hit[0] is value:
            return hit[1]
        expected = self._expected.get(rid)
        if expected is not None and type(value) is not bytes and value == expected[0]:
            self._by_id[rid] = (value, expected[1])
            return expected[1]
        return None

    def expect(self, rid: str, document: dict[str, Any], entry: Entry) -> None:
        """``entry`` is right for ``document``, which a save is about to store (as a copy).

        The storage may seal the copy before the save returns (a compaction it sets off), so the
        entry is found by the document's content until ``settle``; an equal document is the same
        revision in the same state, so the entry is right for it.
        """
        self._expected[rid] = (document, entry)

    def settle(self, live: dict[str, Any]) -> None:
        """Bind the expected entries to the documents stored (when they are the ones expected)."""
        expected, self._expected = self._expected, {}
        for rid, (document, entry) in expected.items():
            value = live.get(rid)
            if value is not None and type(value) is not bytes and value == document:
                self._by_id[rid] = (value, entry)

    def state(self, rid: str, value: Any, form_of: FormOf) -> str:
        """The record's LocalState value, without making its entry when the document tells it cheaply."""
        hit = self._by_id.get(rid)
        if hit is not None and hit[0] is value:
            return hit[1].state
        if type(value) is bytes:
            if value.startswith(PREFIX):  # "r1<SEP><state><SEP>...": read in place
                state = SEALED_STATES.get(value[len(PREFIX) : value.find(SEP_B, len(PREFIX))])
                if state is not None:
                    return state
            return self.get(rid, value, form_of).state
        return value["state"]

    def rebind(self, table: str, swapped: dict[str, tuple[Any, bytes]]) -> None:
        """The storage swapped parsed documents for their sealed lines (same revisions): keep the entries."""
        for rid, (old, new) in swapped.items():
            hit = self._by_id.get(rid)
            if hit is not None and hit[0] is old:
                self._by_id[rid] = (new, hit[1])

    def forget(self, keep: Collection[str]) -> None:
        """Drop the entries of ids no longer stored.

        The ids are copied first (``list`` of a dict is one step for the interpreter): a compaction
        another thread set off may add an entry meanwhile (``RecordReads._index_line``).
        """
        for rid in [r for r in list(self._by_id) if r not in keep]:
            del self._by_id[rid]


def matches(entry: Entry, q: RecordQuery, words: list[bytes], titles: dict[str, bytes]) -> bool:
    """``record_query.matches`` on an entry; ``words`` is ``query_words(q)``, ``titles`` is
    ``record_query.title_words`` of the forms this phone knows, UTF-8."""
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
    title = titles.get(entry.form_id, b"")
    return all(entry.has(w) or w in title for w in words)


def query_words(q: RecordQuery) -> list[bytes]:
    """The query's folded words, UTF-8 (what ``Entry.has`` looks for)."""
    return [w.encode("utf-8") for w in fold(q.text).split()]
