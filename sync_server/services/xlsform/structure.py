"""The survey sheet's structure: which rows are questions, in which section, inside which repeat.

XLSForm nests ``begin group``/``end group`` and ``begin repeat``/``end repeat``. A fieldtally form
has one level of each: sections (a heading with its own relevance) and repeats (a block asked once
per entry). So a labelled group at the top becomes a section, and a group nested in it becomes a
section of its own whose relevance also carries its parents'; an unlabelled group has no heading to
show, so its relevance is applied to each of its questions. A repeat becomes a repeat question whose
questions are the rows inside it (groups in a repeat are flattened onto its questions); a repeat
inside a repeat is skipped with every row in it, and the report says so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from .expressions import normal_name
from .workbook import Row


@dataclass
class Item:
    """A survey row that becomes a question (a repeat has its questions in ``children``)."""

    row: Row
    kind: str
    arg: str
    or_other: bool
    relevants: list[str]  # of the enclosing unlabelled groups (and groups inside a repeat)
    section: str | None = None
    children: list[Item] = field(default_factory=list)


@dataclass
class SectionPlan:
    name: str
    label: dict[str, str]
    relevants: list[str]  # its own and its enclosing sections', all must hold
    row: Row


@dataclass
class _Open:
    kind: str  # begin_group | begin_repeat
    row: Row
    relevant: str
    section: SectionPlan | None = None  # a labelled group outside a repeat
    repeat: Item | None = None
    dropped: bool = False  # a repeat inside a repeat: everything in it is left out


Note = Callable[[str, Row, str, str], None]  # level, row, message, name


def type_parts(raw: str) -> tuple[str, str, bool]:
    """The type cell in parts.

    'select_one yes_no or_other' -> ('select_one', 'yes_no', True);
    'begin group' -> ('begin_group', '', False).
    """
    parts = raw.split()
    if len(parts) >= 2 and parts[0] in ("begin", "end"):
        return f"{parts[0]}_{parts[1].lower()}", " ".join(parts[2:]), False
    kind = parts[0].lower() if parts else ""
    if kind in ("begin_group", "begin_repeat", "end_group", "end_repeat"):
        return kind, "", False
    rest = parts[1] if len(parts) > 1 else ""
    return kind, rest, len(parts) > 2 and parts[2] == "or_other"


class Structure:
    """Walks the survey rows once: ``items`` (top-level questions and repeats) and ``sections``."""

    def __init__(self, label_of: Callable[[Row], dict[str, str] | None], note: Note):
        self.label_of, self.note = label_of, note
        self.items: list[Item] = []
        self.sections: list[SectionPlan] = []
        self.stack: list[_Open] = []

    def in_dropped_repeat(self) -> bool:
        return any(o.dropped for o in self.stack)

    def _repeat(self) -> Item | None:
        return next((o.repeat for o in reversed(self.stack) if o.repeat is not None), None)

    def _section(self) -> SectionPlan | None:
        return next((o.section for o in reversed(self.stack) if o.section is not None), None)

    def begin(self, kind: str, row: Row) -> None:
        name, relevant = row.get("name"), row.get("relevant")
        if self.in_dropped_repeat():
            self.stack.append(_Open(kind, row, relevant, dropped=True))
            return
        if kind == "begin_repeat":
            if self._repeat() is not None:
                self.note("skipped", row, "a repeat inside a repeat is not supported: it is left out", name)
                self.stack.append(_Open(kind, row, relevant, dropped=True))
                return
            item = Item(row, "repeat", "", False, self._outer_relevants(), self._section_name())
            self.items.append(item)
            self.stack.append(_Open(kind, row, relevant, repeat=item))
            return
        label = self.label_of(row)
        if label is None or self._repeat() is not None:
            why = "inside a repeat" if label is not None else "it has no label to show as a heading"
            self.note(
                "changed",
                row,
                f"group flattened ({why}): its questions are kept in order"
                + (" and its relevance is applied to each" if relevant else ""),
                name,
            )
            self.stack.append(_Open(kind, row, relevant))
            return
        parent = self._section()
        sec_name = self._unique(normal_name(name or f"group_{row.number}"))
        rels = [*(parent.relevants if parent else []), *([relevant] if relevant else [])]
        section = SectionPlan(sec_name, label, rels, row)
        self.sections.append(section)
        self.stack.append(_Open(kind, row, relevant, section=section))

    def end(self, kind: str, row: Row) -> None:
        want = "begin_group" if kind == "end_group" else "begin_repeat"
        if not self.stack:
            self.note(
                "changed", row, f"'{row.get('type')}' without a matching begin; ignored", row.get("name")
            )
            return
        if self.stack[-1].kind != want:
            self.note(
                "changed", row, f"'{row.get('type')}' closes a {self.stack[-1].kind[6:]}", row.get("name")
            )
        self.stack.pop()

    def add(self, row: Row, kind: str, arg: str, or_other: bool) -> None:
        repeat = self._repeat()
        if repeat is not None:
            rels = [o.relevant for o in self._inside(repeat) if o.relevant]
            repeat.children.append(Item(row, kind, arg, or_other, rels))
        else:
            self.items.append(Item(row, kind, arg, or_other, self._outer_relevants(), self._section_name()))

    def _inside(self, repeat: Item) -> list[_Open]:
        at = next(i for i, o in enumerate(self.stack) if o.repeat is repeat)
        return self.stack[at + 1 :]

    def _outer_relevants(self) -> list[str]:
        """Relevance of the open unlabelled groups (a section's own is on the section)."""
        return [o.relevant for o in self.stack if o.relevant and o.section is None and o.repeat is None]

    def _section_name(self) -> str | None:
        sec = self._section()
        return sec.name if sec else None

    def _unique(self, name: str) -> str:
        taken = {s.name for s in self.sections}
        out, n = name, 2
        while out in taken:
            out, n = f"{name[:60]}_{n}", n + 1
        return out
