"""The input widgets, one per question type (the count grid is in ``count_grid``; ``inputs`` picks one).

An input turns what was typed into an answer value (the rules for numbers and
times are in ``parsing``) and shows a message under itself. It does not judge
the value: text that is not a number is passed on as text, so the shared
validator in ``schemas.form_validation`` words the error the same way the server would.
``on_change`` (set by the form screen) is called after the officer changes
the answer, so the screen can show or hide the questions that depend on it.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from datetime import date
from typing import Any

import flet as ft

from schemas.form_deps import fill_label
from schemas.forms import Choice, FieldType, FormField

from .formatting import fmt_date, fmt_number
from .i18n import tr
from .parsing import parse_date_answer, parse_number, parse_time
from .permission_prompt import ask_permission, open_app_settings
from .permissions import LOCATION, Status
from .widgets import icon_button


class FieldInput:
    def __init__(self, field: FormField, lang: str):
        self.field = field
        self.lang = lang
        self.label = field.label.get(lang) + (" *" if field.required else "")
        self.on_change: Callable[[], None] | None = None
        self.error = ft.Text("", color=ft.Colors.ERROR, size=12, visible=False)
        self.control: ft.Control = ft.Column([self.build(), self.error], spacing=2)

    def build(self) -> ft.Control:
        raise NotImplementedError

    def value(self) -> Any:
        raise NotImplementedError

    def set(self, value: Any) -> None:
        raise NotImplementedError

    def relabel(self, env: dict[str, Any]) -> None:
        """The answers changed: a label that shows answers (``${name}``) shows the new ones."""

    def offer(self, choices: list[Choice]) -> None:
        """Only ``choices`` are offered now (a select question's choice filter); other inputs have none."""

    def open_issues(self) -> int:
        """How many problems this input still shows (the error summary counts them down)."""
        return 1 if self.error.visible else 0

    def show_error(self, message: str | None) -> None:
        self.error.value = message or ""
        self.error.visible = bool(message)

    def changed(self, e: Any = None) -> None:
        if self.error.visible:  # the officer is fixing it: the old message no longer applies
            self.show_error(None)
        if self.on_change is not None:
            self.on_change()


class TextInput(FieldInput):
    def build(self) -> ft.Control:
        multiline = self.field.type == FieldType.LONG_TEXT
        self.box = ft.TextField(
            label=self.label,
            multiline=multiline,
            min_lines=3 if multiline else None,
            max_lines=6 if multiline else 1,
            hint_text=self.field.hint.get(self.lang) if self.field.hint else None,
            on_change=self.changed,
        )
        return _full_width(self.box)

    def value(self) -> Any:
        v = (self.box.value or "").strip()
        return v or None

    def set(self, value: Any) -> None:
        self.box.value = "" if value is None else str(value)


def _full_width(box: ft.TextField) -> ft.Control:
    """A text box as wide as the screen allows, like the number boxes beside their steppers."""
    box.expand = True
    return ft.Row([box])


class NumberInput(TextInput):
    def build(self) -> ft.Control:
        self.box = ft.TextField(
            label=self.label, keyboard_type=ft.KeyboardType.NUMBER, expand=True, on_change=self.changed
        )
        if self.field.type != FieldType.INTEGER:
            return self.box
        label = self.field.label.get(self.lang)
        return ft.Row(
            [
                icon_button(ft.Icons.REMOVE, tr(self.lang, "decrease", label=label), self._step(-1)),
                self.box,
                icon_button(ft.Icons.ADD, tr(self.lang, "increase", label=label), self._step(1)),
            ],
            spacing=4,
        )

    def _step(self, delta: int):
        def handler(e) -> None:
            current = self.value()
            base = current if isinstance(current, int) else 0
            self.box.value = str(max(int(self.field.min or 0), base + delta))
            self.changed()

        return handler

    def value(self) -> Any:
        return parse_number(self.box.value, integer=self.field.type == FieldType.INTEGER)


class DateInput(TextInput):
    def build(self) -> ft.Control:
        self.box = ft.TextField(
            label=self.label,
            hint_text=tr(self.lang, "date_hint"),
            keyboard_type=ft.KeyboardType.DATETIME,
            on_change=self.changed,
        )
        return _full_width(self.box)

    def value(self) -> Any:
        return parse_date_answer(self.box.value)

    def set(self, value: Any) -> None:
        try:
            self.box.value = fmt_date(date.fromisoformat(value)) if value else ""
        except (TypeError, ValueError):
            self.box.value = str(value)


class TimeInput(TextInput):
    """Hours and minutes, typed as 7:30, 07.30 or 7h30; stored as "07:30" (see ``parsing``)."""

    def build(self) -> ft.Control:
        self.box = ft.TextField(
            label=self.label,
            hint_text=tr(self.lang, "time_hint"),
            keyboard_type=ft.KeyboardType.DATETIME,
            on_change=self.changed,
        )
        return _full_width(self.box)

    def value(self) -> Any:
        return parse_time(self.box.value)


def _none_offered(lang: str) -> ft.Text:
    """Said under a filtered question that offers nothing for the answers above it."""
    return ft.Text(tr(lang, "no_choices_offered"), size=12, italic=True, visible=False)


class SelectOneInput(FieldInput):
    def build(self) -> ft.Control:
        self.radios = {
            c.value: ft.Radio(value=c.value, label=option_label(c.label.get(self.lang)))
            for c in self.field.choices
        }
        self.group = ft.RadioGroup(
            content=ft.Column(list(self.radios.values()), spacing=0), on_change=self.changed
        )
        self.none_offered = _none_offered(self.lang)
        title = ft.Text(self.label, weight=ft.FontWeight.W_500)
        return ft.Column([title, self.group, self.none_offered], spacing=2)

    def value(self) -> Any:
        return self.group.value or None

    def set(self, value: Any) -> None:
        self.group.value = value

    def offer(self, choices: list[Choice]) -> None:
        allowed = {c.value for c in choices}
        for v, radio in self.radios.items():
            radio.visible = v in allowed
        self.none_offered.visible = not allowed
        if self.group.value not in allowed:  # the form session has cleared it already
            self.group.value = None

    def shown_options(self) -> list[str]:
        return [v for v, radio in self.radios.items() if radio.visible is not False]


class SelectManyInput(FieldInput):
    def build(self) -> ft.Control:
        self.boxes = {
            c.value: ft.Checkbox(
                label=option_label(c.label.get(self.lang)), value=False, on_change=self.changed
            )
            for c in self.field.choices
        }
        self.none_offered = _none_offered(self.lang)
        title = ft.Text(self.label, weight=ft.FontWeight.W_500)
        return ft.Column([title, *self.boxes.values(), self.none_offered], spacing=0)

    def value(self) -> Any:
        return [v for v, box in self.boxes.items() if box.value] or None

    def set(self, value: Any) -> None:
        chosen = set(value or [])
        for v, box in self.boxes.items():
            box.value = v in chosen

    def offer(self, choices: list[Choice]) -> None:
        allowed = {c.value for c in choices}
        for v, box in self.boxes.items():
            box.visible = v in allowed
            if v not in allowed:
                box.value = False
        self.none_offered.visible = not allowed

    def shown_options(self) -> list[str]:
        return [v for v, box in self.boxes.items() if box.visible is not False]


# Flutter lays a radio's or checkbox's label out on one line that never wraps, so a long answer
# ("Cảnh giác, báo cho công an hoặc Bộ đội Biên phòng") ran off a 360 px screen. Lines are broken
# here instead, at a width that fits beside the box on the narrowest phones (360 dp).
OPTION_LINE_CHARS = 34


def option_label(label: str) -> str:
    """``label`` broken into lines that fit beside a radio button or checkbox on a small phone."""
    if len(label) <= OPTION_LINE_CHARS:
        return label
    return textwrap.fill(label, OPTION_LINE_CHARS, break_long_words=False, break_on_hyphens=False)


class GeopointInput(FieldInput):
    """Latitude and longitude: from the phone's location service where the app has one, typed elsewhere."""

    def build(self) -> ft.Control:
        kw = {"keyboard_type": ft.KeyboardType.NUMBER, "expand": True, "on_change": self.changed}
        self.lat = ft.TextField(label=tr(self.lang, "latitude"), hint_text="21.0285", **kw)
        self.lon = ft.TextField(label=tr(self.lang, "longitude"), hint_text="105.8542", **kw)
        self.accuracy: float | None = None
        self.status = ft.Text("", size=12, visible=False)
        parts: list[ft.Control] = [
            ft.Text(self.label, weight=ft.FontWeight.W_500),
            ft.Row([self.lat, self.lon]),
        ]
        parts.append(ft.Text(tr(self.lang, "location_manual"), size=12, italic=True))
        if _geolocator_available():
            parts.append(
                ft.TextButton(
                    content=tr(self.lang, "use_my_location"), icon=ft.Icons.MY_LOCATION, on_click=self._locate
                )
            )
        # Shown when location is denied for good: the app's settings are the only way back.
        self.settings_button = ft.TextButton(
            content=tr(self.lang, "perm_open_settings"),
            icon=ft.Icons.SETTINGS,
            visible=False,
            on_click=self._open_settings,
        )
        parts += [self.status, self.settings_button]
        return ft.Column(parts, spacing=4)

    async def _open_settings(self, e) -> None:
        await open_app_settings(self.lat.page)

    async def _locate(self, e) -> None:
        # Asked when first needed, with the reason; denied, typing the coordinates still works.
        outcome = await ask_permission(self.lat.page, self.lang, LOCATION)
        self.settings_button.visible = outcome.open_settings
        if not outcome.go_on:
            self.status.value, self.status.visible = tr(self.lang, outcome.message or "location_failed"), True
            self.status.update()
            self.settings_button.update()
            return
        self.status.value, self.status.visible = tr(self.lang, "locating"), True
        self.status.update()
        try:
            import flet_geolocator as ftg  # optional: only where the phone build carries it

            geo = ftg.Geolocator()
            if outcome.status == Status.UNAVAILABLE:  # no permission service: the platform asks itself
                await geo.request_permission()
            pos = await geo.get_current_position()
            self.lat.value, self.lon.value = f"{pos.latitude:.6f}", f"{pos.longitude:.6f}"
            self.accuracy = float(pos.accuracy) if getattr(pos, "accuracy", None) is not None else None
            self.status.value = tr(
                self.lang, "location_found", metres=fmt_number(self.accuracy or 0, self.lang)
            )
        except Exception:  # no permission, no fix, no service: typing it in still works
            self.status.value = tr(self.lang, "location_failed")
        self.changed()
        for control in (self.lat, self.lon, self.status):
            control.update()

    def value(self) -> Any:
        lat, lon = (self.lat.value or "").strip(), (self.lon.value or "").strip()
        if not lat and not lon:
            return None
        out: dict[str, Any] = {
            "lat": parse_number(lat, integer=False),
            "lon": parse_number(lon, integer=False),
        }
        if self.accuracy is not None:
            out["accuracy"] = self.accuracy
        return out

    def set(self, value: Any) -> None:
        value = value if isinstance(value, dict) else {}
        self.lat.value = "" if value.get("lat") is None else str(value["lat"])
        self.lon.value = "" if value.get("lon") is None else str(value["lon"])
        acc = value.get("accuracy")
        self.accuracy = float(acc) if isinstance(acc, (int, float)) and not isinstance(acc, bool) else None


def _geolocator_available() -> bool:
    try:
        import flet_geolocator  # noqa: F401
    except ImportError:
        return False
    return True


class NoteDisplay(FieldInput):
    """A sentence for the officer (an instruction, a reminder to read aloud); nothing to answer."""

    def build(self) -> ft.Control:
        self.text = ft.Text(self.field.label.get(self.lang), size=14, italic=True)
        return ft.Container(
            self.text,
            padding=ft.Padding.symmetric(horizontal=10, vertical=8),
            border_radius=8,
            bgcolor=ft.Colors.SECONDARY_CONTAINER,
        )

    def value(self) -> Any:
        return None

    def set(self, value: Any) -> None:
        pass

    def relabel(self, env: dict[str, Any]) -> None:
        self.text.value = fill_label(self.field.label.get(self.lang), env)


class CalculatedDisplay(FieldInput):
    """A value the form computes (a total, the quiz score): shown as it changes, never typed."""

    def build(self) -> ft.Control:
        self.shown = ft.Text("—", weight=ft.FontWeight.W_600)
        return ft.Row(
            [
                ft.Icon(ft.Icons.CALCULATE, size=18),
                ft.Text(self.field.label.get(self.lang) + ":"),
                self.shown,
            ],
            spacing=6,
            wrap=True,
        )

    def value(self) -> Any:
        return None  # derive_answers computes it on the phone and again on the server

    def set(self, value: Any) -> None:
        self.show_value(value)

    def show_value(self, value: Any) -> None:
        if value is None or value == "":
            self.shown.value = "—"
        elif value in ("yes", "no"):
            self.shown.value = tr(self.lang, value)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            self.shown.value = fmt_number(value, self.lang)
        else:
            self.shown.value = str(value)
