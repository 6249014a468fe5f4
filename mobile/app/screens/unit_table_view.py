"""The units × indicators table on a desk: one row per unit below, one column per indicator.

The rows and their order come from ``viewmodels.unit_table`` (furthest behind first, a heading
sorts); this module only draws them. Figures are selectable text, so a supervisor can copy
them into a report; a unit's name opens that unit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import flet as ft

from schemas.plan_report import ProgressStatus
from schemas.plans import Plan

from ..formatting import fmt_number, fmt_pct
from ..viewmodels.unit_table import Row, Sort
from ..widgets import copyable

STATUS_COLOURS = {
    ProgressStatus.REACHED: ft.Colors.GREEN_700,
    ProgressStatus.ON_TRACK: ft.Colors.BLUE_700,
    ProgressStatus.BEHIND: ft.Colors.ORANGE_800,
    ProgressStatus.NO_DATA: ft.Colors.GREY_600,
}


def unit_table(
    t,
    lang: str,
    plan: Plan,
    table: list[Row],
    sort: Sort,
    on_sort: Callable[[Any], Any],
    on_unit: Callable[[Any], Any],
) -> ft.Control:
    columns = [
        ft.DataColumn(ft.Text(t("table_unit"), weight=ft.FontWeight.W_600), on_sort=on_sort),
        ft.DataColumn(ft.Text(t("table_behind"), weight=ft.FontWeight.W_600), numeric=True, on_sort=on_sort),
    ]
    for ind in plan.indicators:
        title = ind.title.get(lang)
        columns.append(
            ft.DataColumn(
                ft.Text(t("table_indicator", n=ind.number), weight=ft.FontWeight.W_600, tooltip=title),
                numeric=True,
                on_sort=on_sort,
                tooltip=title,
            )
        )
    rows = []
    for r in table:
        behind = f"{fmt_number(round((r.shortfall or 0) * 100), lang)}%" if r.shortfall is not None else "—"
        cells = [
            # A button, not a tappable cell: a screen reader (and a keyboard) can name and reach it.
            ft.DataCell(ft.TextButton(content=r.name, data=r.unit, on_click=on_unit)),
            ft.DataCell(copyable(behind, color=STATUS_COLOURS[r.status])),
        ]
        for c in r.cells:
            shown = fmt_pct(c.pct, lang) if c.pct is not None else "—"
            cells.append(ft.DataCell(copyable(shown, color=STATUS_COLOURS[c.status])))
        rows.append(ft.DataRow(cells=cells))
    return ft.Row(
        [
            ft.DataTable(
                columns=columns,
                rows=rows,
                sort_column_index=sort.column,
                sort_ascending=sort.ascending,
                column_spacing=24,
                heading_row_height=44,
                data_row_min_height=40,
                data_row_max_height=48,
            )
        ],
        scroll=ft.ScrollMode.AUTO,  # many indicators: the table scrolls sideways, the page does not
    )
