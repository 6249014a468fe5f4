"""A repeat on the phone: a list of entries, each a card of the repeat's questions; add, remove, reorder.

The entries are built from the same inputs as the rest of the form (``inputs.make_input``), so a
question inside an entry looks and parses as it does outside. Which questions of an entry apply is
``schemas.form_state.EntryState`` (the validator's own rule), evaluated against the entry and the record's
other answers each time an answer in the entry changes or the form refreshes. Counts are not enforced
while typing (a draft may have any number); the add button stops at the maximum, and finalizing
reports too few. An issue for ``questions[2].topic`` is shown under that question of entry 2.
"""

from __future__ import annotations

from typing import Any

import flet as ft

from schemas.form_state import EntryState, choices_for
from schemas.forms import FieldType

from .fields import CalculatedDisplay, FieldInput
from .i18n import tr
from .viewmodels.choice_options import settle_entry
from .widgets import icon_button


class _Entry:
    def __init__(self, owner: RepeatInput):
        from .inputs import make_input  # the input table includes this module's class

        self.owner = owner
        self.inputs: dict[str, FieldInput] = {}
        for c in owner.field.fields:
            box = make_input(c, owner.lang)
            if box is None or (c.type == FieldType.CALCULATED and c.hidden):
                continue
            box.on_change = owner.changed
            self.inputs[c.name] = box
        self.title = ft.Text("", weight=ft.FontWeight.W_600)
        lang = owner.lang
        self.buttons = ft.Row(
            [
                icon_button(ft.Icons.ARROW_UPWARD, tr(lang, "entry_up"), lambda e: owner.move(self, -1)),
                icon_button(ft.Icons.ARROW_DOWNWARD, tr(lang, "entry_down"), lambda e: owner.move(self, 1)),
                icon_button(ft.Icons.DELETE_OUTLINE, tr(lang, "entry_remove"), lambda e: owner.remove(self)),
            ],
            spacing=0,
        )
        self.error = ft.Text("", color=ft.Colors.ERROR, size=12, visible=False)
        self.control = ft.Container(
            ft.Column(
                [ft.Row([self.title, self.buttons], alignment=ft.MainAxisAlignment.SPACE_BETWEEN)]
                + [box.control for box in self.inputs.values()]
                + [self.error],
                spacing=6,
            ),
            padding=10,
            border=ft.Border.all(1, ft.Colors.OUTLINE_VARIANT),
            border_radius=8,
        )

    def value(self) -> dict[str, Any]:
        out = {}
        for name, box in self.inputs.items():
            v = box.value()
            if v is not None:
                out[name] = v
        return out

    def set(self, entry: dict[str, Any]) -> None:
        for name, box in self.inputs.items():
            box.set(entry.get(name))

    def update(self, entry: dict[str, Any]) -> None:
        """Show ``entry``'s answers where they differ (the others keep their widgets' state, photos too)."""
        for name, box in self.inputs.items():
            if box.value() != entry.get(name):
                box.set(entry.get(name))


class RepeatInput(FieldInput):
    def build(self) -> ft.Control:
        self.entries: list[_Entry] = []
        self.outer: dict[str, Any] | None = None  # the record's other answers, once the form has refreshed
        self.list = ft.Column([], spacing=8)
        self.add_button = ft.OutlinedButton(
            content=tr(self.lang, "entry_add", label=self.field.label.get(self.lang)),
            icon=ft.Icons.ADD,
            on_click=lambda e: self.add(),
        )
        return ft.Column(
            [ft.Text(self.label, weight=ft.FontWeight.W_500), self.list, self.add_button], spacing=6
        )

    # ---- the list ---------------------------------------------------------------------------------------
    def add(self, entry: dict[str, Any] | None = None, *, notify: bool = True) -> None:
        if self.field.max_count is not None and len(self.entries) >= self.field.max_count:
            return
        e = _Entry(self)
        e.set(entry or {})
        self.entries.append(e)
        self._relist()
        if notify:
            self.changed()

    def remove(self, entry: _Entry) -> None:
        self.entries.remove(entry)
        self._relist()
        self.changed()

    def move(self, entry: _Entry, step: int) -> None:
        i = self.entries.index(entry)
        j = i + step
        if 0 <= j < len(self.entries):
            self.entries[i], self.entries[j] = self.entries[j], self.entries[i]
            self._relist()
            self.changed()

    def _relist(self) -> None:
        name = self.field.label.get(self.lang)
        for number, e in enumerate(self.entries, start=1):
            e.title.value = f"{name} {number}"
        self.list.controls = [e.control for e in self.entries]
        full = self.field.max_count is not None and len(self.entries) >= self.field.max_count
        self.add_button.disabled = full
        self.refresh_entries()

    # ---- answers -------------------------------------------------------------------------------------------
    def value(self) -> Any:
        return [e.value() for e in self.entries] or None

    def set(self, value: Any) -> None:
        self.entries = []
        for entry in value if isinstance(value, list) else []:
            if isinstance(entry, dict):
                self.add(entry, notify=False)
        self._relist()

    def refresh(self, outer: dict[str, Any]) -> None:
        """The form refreshed: entries re-read the record's other answers."""
        self.outer = outer
        self.refresh_entries()

    def update_answers(self, value: Any) -> None:
        """The form session changed entries' answers (a choice no longer offered was cleared)."""
        for e, entry in zip(self.entries, value if isinstance(value, list) else [], strict=False):
            if isinstance(entry, dict):
                e.update(entry)

    def refresh_entries(self) -> None:
        # Before the form's first refresh the record's other answers are unknown: nothing is cleared then.
        outer = self.outer or {}
        for e in self.entries:
            entry = e.value()
            if self.outer is not None:
                entry = settle_entry(self.field, outer, entry)  # a sibling's change may clear a choice
                e.update(entry)
            es = EntryState(self.field, outer, entry)
            for c in self.field.fields:
                box = e.inputs.get(c.name)
                if box is None:
                    continue
                box.control.visible = c.name not in es.hidden
                if isinstance(box, CalculatedDisplay):
                    box.show_value(es.values.get(c.name))
                if c.choice_filter and self.outer is not None:
                    box.offer(choices_for(c, es.env))

    def changed(self, e: Any = None) -> None:
        self.refresh_entries()
        super().changed(e)

    # ---- issues --------------------------------------------------------------------------------------------
    def show_error(self, message: str | None) -> None:
        super().show_error(message)
        if message is None:
            for e in self.entries:
                e.error.visible = False
                for box in e.inputs.values():
                    box.show_error(None)

    def open_issues(self) -> int:
        inner = sum(
            int(e.error.visible) + sum(box.open_issues() for box in e.inputs.values()) for e in self.entries
        )
        return super().open_issues() + inner

    def show_entry_error(self, number: int, child: str | None, message: str) -> bool:
        """An issue of entry ``number`` (1-based); False if there is no such entry."""
        if not 1 <= number <= len(self.entries):
            return False
        entry = self.entries[number - 1]
        box = entry.inputs.get(child or "")
        if box is not None:
            box.show_error(message)
        else:
            entry.error.value, entry.error.visible = message, True
        return True
