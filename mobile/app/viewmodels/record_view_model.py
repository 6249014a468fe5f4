"""One record of an officer's, as a supervisor reviews it: a plain model, no Flet.

The record is read from the server (its history's newest revision: answers and the addresses of
its photos); the answers are shown as the officer reads them (``formatting.answer_text``: choice
labels, dd/mm/yyyy, 1.234), each repeat as a small table (one row per entry, one column per
question), and the photos as thumbnails fetched with the phone's device token. Photos are held
as bytes in memory for as long as the screen lives and are never written to disk; a photo the
server does not have yet (the officer's phone has not sent it) is shown as missing, not as an
error. ``changed`` is called whenever what is shown changes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from schemas.expr import is_blank
from schemas.forms import FieldType, FormDefinition, FormField
from schemas.media import RecordPhoto
from schemas.record_list import RecordSummary
from schemas.sync import RecordRevision

from ...errors import FieldTallyError
from ..formatting import answer_text
from ..progress_calls import is_network_error
from .progress_model import Problem
from .record_list_model import NEEDS_CONNECTION

_PLACE = re.compile(r"^(?P<repeat>[a-z][a-z0-9_]*)\[(?P<n>\d+)\]\.(?P<child>[a-z][a-z0-9_]*)$")


@dataclass(frozen=True)
class AnswerLine:
    label: str
    text: str


@dataclass(frozen=True)
class RepeatTable:
    """A repeat's entries: one row per entry (numbered), one column per question shown."""

    name: str
    title: str
    headers: list[str]
    rows: list[list[str]]


@dataclass(frozen=True)
class PhotoGroup:
    """The photos of one question (or one repeat entry's question), under the words that place it."""

    label: str
    photos: list[RecordPhoto]


def _shown_fields(fields: list[FormField]) -> list[FormField]:
    return [f for f in fields if f.type not in (FieldType.NOTE, FieldType.IMAGE) and not f.hidden]


class RecordViewModel:
    def __init__(self, service: Any, line: RecordSummary, changed: Callable[[], None] = lambda: None) -> None:
        self.service = service
        self.line = line
        self.changed = changed
        self.revision: RecordRevision | None = None
        self.form: FormDefinition | None = None
        self.busy = False
        self.problem: Problem | None = None
        self.thumbs: dict[str, bytes] = {}  # sha256 -> thumbnail JPEG, in memory only
        self.missing: set[str] = set()  # photos the server could not give (not sent yet)

    async def load(self) -> None:
        """The record's newest revision, then its thumbnails one by one."""
        self.busy = True
        self.changed()
        try:
            history = await self.service.record_history(self.line.id)
        except FieldTallyError as err:
            self.problem = NEEDS_CONNECTION if is_network_error(err) else Problem(error=err)
            self.busy = False
            self.changed()
            return
        self.revision = history.revisions[-1] if history.revisions else None
        if self.revision is not None:
            self.form = self.service.form_version(self.revision.form_id, self.revision.form_version)
        self.problem = None
        self.busy = False
        self.changed()
        await self.load_thumbnails()

    async def load_thumbnails(self) -> None:
        for photo in self.photos:
            if photo.sha256 in self.thumbs:
                continue
            try:
                self.thumbs[photo.sha256] = await self.service.record_photo(photo.thumb_url)
                self.missing.discard(photo.sha256)
            except FieldTallyError as err:
                if is_network_error(err):
                    self.problem = NEEDS_CONNECTION
                    break
                self.missing.add(photo.sha256)
            self.changed()
        self.changed()

    async def full_photo(self, photo: RecordPhoto) -> bytes | None:
        """The photo itself (for the dialog); None when the server cannot give it now."""
        try:
            return await self.service.record_photo(photo.url)
        except FieldTallyError:
            return None

    # ---- what is shown -------------------------------------------------------------------------
    @property
    def answers_map(self) -> dict[str, Any]:
        return self.revision.answers if self.revision is not None else {}

    @property
    def photos(self) -> list[RecordPhoto]:
        return list(self.revision.photos) if self.revision is not None else []

    def answers(self, lang: str) -> list[AnswerLine]:
        """The record's answers outside repeats and photos, in the form's order, as labels."""
        if self.form is None:
            return []
        out = []
        for f in _shown_fields(self.form.fields):
            if f.type == FieldType.REPEAT:
                continue
            shown = answer_text(f, self.answers_map.get(f.name), lang)
            if shown:
                out.append(AnswerLine(f.label.get(lang), shown))
        return out

    def repeats(self, lang: str) -> list[RepeatTable]:
        """Each repeat that has entries, as a table; a photo question inside shows how many photos."""
        if self.form is None:
            return []
        out = []
        for f in self.form.fields:
            entries = self.answers_map.get(f.name)
            if f.type != FieldType.REPEAT or not isinstance(entries, list) or not entries:
                continue
            columns = [c for c in f.fields if c.type != FieldType.NOTE and not c.hidden]
            columns = [
                c
                for c in columns
                if any(isinstance(e, dict) and not is_blank(e.get(c.name)) for e in entries)
            ]
            rows = []
            for number, entry in enumerate(entries, start=1):
                entry = entry if isinstance(entry, dict) else {}
                cells = [str(number)]
                for c in columns:
                    value = entry.get(c.name)
                    if c.type == FieldType.IMAGE:
                        cells.append(str(len(value)) if isinstance(value, list) and value else "")
                    else:
                        cells.append(answer_text(c, value, lang))
                rows.append(cells)
            out.append(
                RepeatTable(f.name, f.label.get(lang), ["#", *[c.label.get(lang) for c in columns]], rows)
            )
        return out

    def photo_groups(self, lang: str) -> list[PhotoGroup]:
        """The photos by the question holding them: "Ảnh buổi", "Câu hỏi 2 · Ảnh"."""
        groups: dict[str, list[RecordPhoto]] = {}
        for photo in self.photos:
            groups.setdefault(self._place_label(photo.field, lang), []).append(photo)
        return [PhotoGroup(label, photos) for label, photos in groups.items()]

    def _place_label(self, place: str, lang: str) -> str:
        if self.form is None:
            return place
        by_name = {f.name: f for f in self.form.fields}
        m = _PLACE.match(place)
        if m is None:
            f = by_name.get(place)
            return f.label.get(lang) if f else place
        repeat = by_name.get(m["repeat"])
        if repeat is None:
            return place
        child = next((c for c in repeat.fields if c.name == m["child"]), None)
        return f"{repeat.label.get(lang)} {m['n']} · {child.label.get(lang) if child else m['child']}"
