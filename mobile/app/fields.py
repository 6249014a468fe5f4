"""One input widget per question type, generated from a form definition.

An input turns what was typed into an answer value and shows a message under
itself. It does not judge the value: text that is not a number is passed on
as text, so the shared validator in ``schemas.forms`` words the error the same
way the server would.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import flet as ft

from schemas.forms import FieldType, FormField

from .formatting import fmt_date, parse_date
from .i18n import tr


class FieldInput:
    def __init__(self, field: FormField, lang: str):
        self.field = field
        self.lang = lang
        self.label = field.label.get(lang) + (" *" if field.required else "")
        self.error = ft.Text("", color=ft.Colors.ERROR, size=12, visible=False)
        self.control: ft.Control = ft.Column([self.build(), self.error], spacing=2)

    def build(self) -> ft.Control:
        raise NotImplementedError

    def value(self) -> Any:
        raise NotImplementedError

    def set(self, value: Any) -> None:
        raise NotImplementedError

    def show_error(self, message: str | None) -> None:
        self.error.value = message or ""
        self.error.visible = bool(message)


class TextInput(FieldInput):
    def build(self) -> ft.Control:
        multiline = self.field.type == FieldType.LONG_TEXT
        self.box = ft.TextField(
            label=self.label,
            multiline=multiline,
            min_lines=3 if multiline else None,
            max_lines=6 if multiline else 1,
            hint_text=self.field.hint.get(self.lang) if self.field.hint else None,
        )
        return self.box

    def value(self) -> Any:
        v = (self.box.value or "").strip()
        return v or None

    def set(self, value: Any) -> None:
        self.box.value = "" if value is None else str(value)


class NumberInput(TextInput):
    def build(self) -> ft.Control:
        self.box = ft.TextField(label=self.label, keyboard_type=ft.KeyboardType.NUMBER, expand=True)
        if self.field.type != FieldType.INTEGER:
            return self.box
        label = self.field.label.get(self.lang)
        return ft.Row(
            [
                ft.IconButton(
                    icon=ft.Icons.REMOVE, tooltip=tr(self.lang, "decrease", label=label), on_click=self._step(-1)
                ),
                self.box,
                ft.IconButton(icon=ft.Icons.ADD, tooltip=tr(self.lang, "increase", label=label), on_click=self._step(1)),
            ],
            spacing=4,
        )

    def _step(self, delta: int):
        def handler(e) -> None:
            current = self.value()
            base = current if isinstance(current, int) else 0
            self.box.value = str(max(int(self.field.min or 0), base + delta))

        return handler

    def value(self) -> Any:
        raw = (self.box.value or "").strip().replace(" ", "")
        if not raw:
            return None
        try:
            if self.field.type == FieldType.INTEGER:
                return int(raw.replace(".", "")) if raw.replace(".", "").lstrip("-").isdigit() else raw
            return float(raw.replace(",", "."))
        except ValueError:
            return raw  # the validator explains what is wrong with it


class DateInput(TextInput):
    def build(self) -> ft.Control:
        self.box = ft.TextField(
            label=self.label, hint_text=tr(self.lang, "date_hint"), keyboard_type=ft.KeyboardType.DATETIME
        )
        return self.box

    def value(self) -> Any:
        raw = (self.box.value or "").strip()
        if not raw:
            return None
        d = parse_date(raw)
        return d.isoformat() if d else raw

    def set(self, value: Any) -> None:
        try:
            self.box.value = fmt_date(date.fromisoformat(value)) if value else ""
        except (TypeError, ValueError):
            self.box.value = str(value)


class SelectOneInput(FieldInput):
    def build(self) -> ft.Control:
        self.group = ft.RadioGroup(
            content=ft.Column(
                [ft.Radio(value=c.value, label=c.label.get(self.lang)) for c in self.field.choices], spacing=0
            )
        )
        return ft.Column([ft.Text(self.label, weight=ft.FontWeight.W_500), self.group], spacing=2)

    def value(self) -> Any:
        return self.group.value or None

    def set(self, value: Any) -> None:
        self.group.value = value


class SelectManyInput(FieldInput):
    def build(self) -> ft.Control:
        self.boxes = {c.value: ft.Checkbox(label=c.label.get(self.lang), value=False) for c in self.field.choices}
        return ft.Column(
            [ft.Text(self.label, weight=ft.FontWeight.W_500), *self.boxes.values()], spacing=0
        )

    def value(self) -> Any:
        return [v for v, box in self.boxes.items() if box.value] or None

    def set(self, value: Any) -> None:
        chosen = set(value or [])
        for v, box in self.boxes.items():
            box.value = v in chosen


_KINDS: dict[FieldType, type[FieldInput]] = {
    FieldType.TEXT: TextInput,
    FieldType.LONG_TEXT: TextInput,
    FieldType.INTEGER: NumberInput,
    FieldType.DECIMAL: NumberInput,
    FieldType.DATE: DateInput,
    FieldType.SELECT_ONE: SelectOneInput,
    FieldType.SELECT_MANY: SelectManyInput,
}


def make_input(field: FormField, lang: str) -> FieldInput | None:
    """The input for one question, or None for what the officer does not type (calculated values)."""
    kind = _KINDS.get(field.type)
    return kind(field, lang) if kind else None
