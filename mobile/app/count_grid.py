"""The count grid input: audience groups down, female / male across, totals kept up to date as typed."""

from __future__ import annotations

from typing import Any

import flet as ft

from .fields import FieldInput
from .formatting import fmt_number
from .i18n import tr
from .parsing import parse_number


class CountGridInput(FieldInput):
    """Audience groups down, female / male across, with row, column and grand totals kept up to date.

    Sized for a 360 px screen: the group name takes what is left after the
    number boxes, and wraps rather than pushing the boxes off the edge.
    """

    CELL = 62
    TOTAL = 48

    def build(self) -> ft.Control:
        f, lang = self.field, self.lang
        self.cells: dict[tuple[str, str], ft.TextField] = {}
        self.row_totals: dict[str, ft.Text] = {}
        self.col_totals: dict[str, ft.Text] = {}

        def header(label: str, width: int) -> ft.Control:
            return ft.Container(
                ft.Text(label, size=12, weight=ft.FontWeight.W_600, text_align=ft.TextAlign.CENTER),
                width=width,
            )

        total_label = tr(lang, "grid_total")
        # Each cell shows its column's name (Nữ / Nam) itself; the header only names the totals.
        rows: list[ft.Control] = [
            ft.Row(
                [
                    ft.Container(expand=True),
                    *(ft.Container(width=self.CELL) for _ in f.columns),
                    header(total_label, self.TOTAL),
                ],
                spacing=4,
            )
        ]
        for r in f.rows:
            boxes = []
            for c in f.columns:
                box = ft.TextField(
                    keyboard_type=ft.KeyboardType.NUMBER,
                    width=self.CELL,
                    dense=True,
                    text_align=ft.TextAlign.CENTER,
                    content_padding=ft.Padding.symmetric(horizontal=4, vertical=8),
                    # shows the column; a screen reader (and a test) hears the row too: "Cadres — Female"
                    label=ft.Text(
                        c.label.get(lang),
                        size=12,
                        semantics_label=f"{r.label.get(lang)} — {c.label.get(lang)}",
                    ),
                    on_change=self._cell_changed,
                )
                self.cells[(r.value, c.value)] = box
                boxes.append(box)
            self.row_totals[r.value] = ft.Text("0", width=self.TOTAL, text_align=ft.TextAlign.CENTER)
            rows.append(
                ft.Row(
                    [ft.Text(r.label.get(lang), expand=True, size=13), *boxes, self.row_totals[r.value]],
                    spacing=4,
                    vertical_alignment=ft.CrossAxisAlignment.CENTER,
                )
            )
        for c in f.columns:
            self.col_totals[c.value] = ft.Text(
                "0", width=self.CELL, text_align=ft.TextAlign.CENTER, weight=ft.FontWeight.W_600
            )
        self.grand = ft.Text(
            "0", width=self.TOTAL, text_align=ft.TextAlign.CENTER, weight=ft.FontWeight.W_600
        )
        rows.append(
            ft.Row(
                [
                    ft.Text(total_label, expand=True, size=13, weight=ft.FontWeight.W_600),
                    *self.col_totals.values(),
                    self.grand,
                ],
                spacing=4,
            )
        )
        return ft.Column([ft.Text(self.label, weight=ft.FontWeight.W_500), *rows], spacing=6)

    def _cell_changed(self, e: Any = None) -> None:
        self._retotal()
        self.changed()

    def _retotal(self) -> None:
        def num(box: ft.TextField) -> int:
            v = parse_number(box.value, integer=True)
            return v if isinstance(v, int) and v >= 0 else 0

        for r in self.field.rows:
            self.row_totals[r.value].value = fmt_number(
                sum(num(self.cells[(r.value, c.value)]) for c in self.field.columns), self.lang
            )
        for c in self.field.columns:
            self.col_totals[c.value].value = fmt_number(
                sum(num(self.cells[(r.value, c.value)]) for r in self.field.rows), self.lang
            )
        self.grand.value = fmt_number(sum(num(b) for b in self.cells.values()), self.lang)

    def value(self) -> Any:
        out: dict[str, dict[str, Any]] = {}
        for (r, c), box in self.cells.items():
            v = parse_number(box.value, integer=True)
            if v is not None:
                out.setdefault(r, {})[c] = v
        return out or None

    def set(self, value: Any) -> None:
        value = value if isinstance(value, dict) else {}
        for (r, c), box in self.cells.items():
            cells = value.get(r)
            v = cells.get(c) if isinstance(cells, dict) else None
            box.value = "" if v is None else str(v)
        self._retotal()
