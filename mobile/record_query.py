"""Finding records on the phone: by words, form, date and status. Pure functions, no I/O.

Officers type on small keyboards, often without Vietnamese input: a search for
``khao sat`` must find ``khảo sát``, so words are compared without tone marks
and case (``fold``). A record's date is the date its form reports it under
(the form's period field, e.g. the session date), else the day it was made.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from schemas.common import LocalizedText
from schemas.forms import FieldType, FormDefinition
from schemas.plan_records import record_period
from schemas.records import RecordStatus

from .record_state import StoredRecord

VOIDED = "void"  # a status filter value beside the LocalState values: records cancelled with a reason


@dataclass(frozen=True)
class RecordQuery:
    """What the officer asked for; empty parts match everything."""

    text: str = ""
    form_id: str | None = None
    status: str | None = None  # a LocalState value, or VOIDED
    date_from: date | None = None
    date_to: date | None = None


def fold(s: str) -> str:
    """Lower case, without tone marks: ``Đồng Bộ`` -> ``dong bo``."""
    if s.isascii():  # ids, numbers, codes: nothing to strip (most of what a search reads)
        return s.casefold()
    return _fold_marks(s)


@lru_cache(maxsize=8192)
def _fold_marks(s: str) -> str:
    # Cached: labels, titles and choice values repeat across thousands of records (issue 15: a
    # search over 10,000 records spent most of its time here, one character at a time).
    s = s.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", s)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def record_date(sr: StoredRecord, form: FormDefinition | None) -> date:
    """The day ``sr`` is about: its form's period field if filled in and valid, else its creation day."""
    return record_period(sr.record, form) if form is not None else sr.record.created_at.date()


def searchable_text(
    sr: StoredRecord, form: FormDefinition | None, lang: str | None, *, title: bool = True
) -> str:
    """Everything a search may hit: form title, the answers as shown (choice labels too), reasons.

    ``lang`` None: the labels and messages in every language (what the phone's search index keeps,
    ``mobile/record_index.py``, so one index serves both); ``title`` False leaves out the form's
    title (the index matches it once per form, ``title_words``).
    """

    def said(t: LocalizedText) -> list[str]:
        return [t.get(lang)] if lang else [t.vi, t.en]

    parts: list[str] = [sr.record.form_id, str(sr.record.id)]
    if form is not None:
        if title:
            parts += [form.title.vi, form.title.en]
        fields = {f.name: f for f in form.fields}
    else:
        fields = {}
    for name, value in sr.record.answers.items():
        f = fields.get(name)
        values = value if isinstance(value, list) else [value]
        for v in values:
            parts.append(str(v))
            if f is not None and f.type in (FieldType.SELECT_ONE, FieldType.SELECT_MANY):
                for c in f.choices:
                    if c.value == v:
                        parts += said(c.label)
    if sr.record.void_reason:
        parts.append(sr.record.void_reason)
    for i in sr.issues:
        parts += said(i.message)
    return " ".join(fold(p) for p in parts)  # folded part by part, so repeated parts hit the cache


# A record's searchable text, by what it depends on: the officer types a query letter by letter, and
# each letter searches every record again. A revision, a state change or another language is a new key.
_TEXTS: dict[tuple[Any, ...], str] = {}
_TEXTS_MAX = 60_000


def _cached_text(sr: StoredRecord, form: FormDefinition | None, lang: str) -> str:
    rec = sr.record
    key = (str(rec.id), rec.updated_at.isoformat(), sr.state.value, lang, tuple(i.code for i in sr.issues))
    hay = _TEXTS.get(key)
    if hay is None:
        if len(_TEXTS) >= _TEXTS_MAX:
            _TEXTS.clear()  # bounded; old revisions' keys are never asked for again
        hay = _TEXTS[key] = searchable_text(sr, form, lang)
    return hay


def title_words(forms: Iterable[FormDefinition]) -> dict[str, str]:
    """Form id -> the folded titles of its versions, in both languages (what ``searchable_text`` adds)."""
    out: dict[str, list[str]] = {}
    for f in forms:
        out.setdefault(f.id, []).extend((fold(f.title.vi), fold(f.title.en)))
    return {form_id: " ".join(titles) for form_id, titles in out.items()}


def status_of(sr: StoredRecord) -> str:
    """The status shown to the officer: voided records are their own kind, whatever their sync state."""
    return VOIDED if sr.record.status == RecordStatus.VOID else sr.state.value


def matches(sr: StoredRecord, form: FormDefinition | None, q: RecordQuery, lang: str = "vi") -> bool:
    if q.form_id and sr.record.form_id != q.form_id:
        return False
    if q.status:
        if q.status == VOIDED:
            if sr.record.status != RecordStatus.VOID:
                return False
        elif sr.state.value != q.status:
            return False
    if q.date_from or q.date_to:
        d = record_date(sr, form)
        if (q.date_from and d < q.date_from) or (q.date_to and d > q.date_to):
            return False
    words = fold(q.text).split()
    if words:
        hay = _cached_text(sr, form, lang)
        if not all(w in hay for w in words):
            return False
    return True


def search(
    records: Iterable[StoredRecord],
    form_of: Callable[[Any], FormDefinition | None],
    q: RecordQuery,
    lang: str = "vi",
) -> list[StoredRecord]:
    """The records that match ``q``, in the order given. ``form_of(record)`` finds a record's form."""
    return [sr for sr in records if matches(sr, form_of(sr.record), q, lang)]
