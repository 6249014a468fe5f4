"""What an app must know to read a form, so that a server never sends a phone a form it cannot open.

A phone reads the forms of a pull strictly (``FormDefinition`` refuses what it does not know), so a
form using a question type added after the phone was built would make that phone's whole pull fail,
and its officer could neither record on new forms nor send. Forms therefore have *features*: names
for what came after the first app that went to the field (photo questions, choice filters). Every pull says
which features the phone reads (``FORM_FEATURES_HEADER``); the server sends only the forms whose
features the phone named, and an app that names none (one built before the header) gets only forms
with none. Earlier versions of a form stay in every pull, so such a phone goes on recording on the
version it can read, and the server still takes those records.

A new feature is a name in ``READS`` (this app's build reads it) and a line in ``form_features``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .forms import FieldType, FormDefinition

FORM_FEATURES_HEADER = "X-Fieldtally-Form-Features"
PHOTOS = "image"  # photo questions (FieldType.IMAGE), at the top level or inside a repeat
CHOICE_FILTER = "choice_filter"  # select questions whose choices follow other answers (and choices' columns)
READS: frozenset[str] = frozenset({PHOTOS, CHOICE_FILTER})  # what this build of the app reads
_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")
_MAX_HEADER = 1000  # characters of the header read; a longer one is cut, not refused


def form_features(form: FormDefinition) -> frozenset[str]:
    """The features ``form`` needs of the app that opens it."""
    out: set[str] = set()
    for field in form.fields:
        for question in (field, *field.fields):
            if question.type == FieldType.IMAGE:
                out.add(PHOTOS)
            if question.choice_filter or any(c.filters for c in question.choices):
                out.add(CHOICE_FILTER)
    return frozenset(out)


def reads_header(reads: Iterable[str] = READS) -> dict[str, str]:
    """The header a phone sends with its pull: the features it reads."""
    return {FORM_FEATURES_HEADER: ",".join(sorted(reads))}


def parse_reads(value: str | None) -> frozenset[str]:
    """The features a pull's header names; no header (an older app) names none. Never raises."""
    if not value:
        return frozenset()
    names = (n.strip() for n in value[:_MAX_HEADER].split(","))
    return frozenset(n for n in names if _NAME.match(n))


def readable(forms: Iterable[FormDefinition], reads: frozenset[str]) -> list[FormDefinition]:
    """The forms an app that reads ``reads`` can open, in the order given."""
    return [f for f in forms if form_features(f) <= reads]
