"""The records behind a unit's figures: the supervisor's list, newest first, a page at a time.

Reached from the progress screen ("Phiếu") for the unit and period on screen there. Each line
says the form, the day, the unit, who wrote it, its photo count and a short summary; tapping one
opens the record (``supervised_record``). The list is the server's: without a connection the
screen says the records need one. On a phone the lines are tiles; at a desk, a table. The state
lives in ``viewmodels.record_list_model``; this screen only lays out and forwards taps.
"""

from __future__ import annotations

import flet as ft

from schemas.record_list import RecordSummary
from schemas.records import RecordStatus

from ...reports import PeriodChoice
from ..addresses import period_token
from ..formatting import fmt_date, fmt_number
from ..viewmodels.record_list_model import RecordListModel
from ..widgets import frame, icon_button


class SupervisedRecordsScreen:
    nav = "progress"  # lit in the desk's side navigation: the plan's figures
    wide = True  # at a desk: the whole width, for the table

    def __init__(self, shell, model: RecordListModel) -> None:
        self.shell = shell
        self.model = model
        model.changed = shell.refresh

    @classmethod
    async def open(cls, shell, *, unit: str, unit_name: str, period: PeriodChoice) -> None:
        model = RecordListModel(shell.service, unit, unit_name, period)
        shell.show(cls(shell, model))
        await model.fetch()

    def mount(self) -> None:
        self.shell.sync_listeners[:] = []  # nothing here follows a sync

    # ---- events: forwarded to the model ---------------------------------------------------------
    async def on_refresh(self, e) -> None:
        await self.model.fetch()

    async def on_more(self, e) -> None:
        await self.model.more()

    async def on_record(self, e) -> None:
        line = self.model.find(str(e.control.data))
        if line is not None:
            await self.shell.open("supervised_record", line=line, back_to=self)

    async def on_back(self, e) -> None:
        m = self.model
        await self.shell.open("progress", unit=m.unit, period=period_token(m.period))

    # ---- layout ---------------------------------------------------------------------------------
    def build(self) -> ft.View:
        t, m = self.shell.t, self.model
        lang = self.shell.service.lang
        controls: list[ft.Control] = [
            ft.Text(m.unit_name, size=18 if self.shell.desk else 15, weight=ft.FontWeight.W_600),
            ft.Text(
                f"{m.period.label.get(lang)} · "
                + t("period", start=fmt_date(m.period.start), end=fmt_date(m.period.end)),
                size=13,
            ),
        ]
        if m.busy:
            controls.append(ft.ProgressBar(semantics_label=t("progress_loading")))
        if m.problem:
            words = self.shell.say(m.problem.error) if m.problem.error else t(m.problem.key or "")
            controls.append(ft.Text(words, color=ft.Colors.ORANGE_900, semantics_label=words))
        if m.loaded and not m.records:
            controls.append(ft.Text(t("suprec_none"), italic=True))
        if m.records:
            controls += [self._table()] if self.shell.desk else [self._tile(r) for r in m.records]
        if m.has_more:
            controls.append(
                ft.OutlinedButton(
                    content=t("suprec_more"),
                    icon=ft.Icons.EXPAND_MORE,
                    height=48,
                    on_click=self.shell.guard(self.on_more),
                    tooltip=t("suprec_more"),
                )
            )
        return frame(
            "/supervised-records",
            t("suprec_title"),
            controls,
            on_back=self.shell.guard(self.on_back),
            back_label=t("back"),
            actions=[icon_button(ft.Icons.REFRESH, t("progress_refresh"), self.shell.guard(self.on_refresh))],
        )

    def _who(self, r: RecordSummary) -> str:
        return r.author_name or r.author

    def _status(self, r: RecordSummary) -> str:
        return self.shell.t("suprec_void") if r.status == RecordStatus.VOID else ""

    def _tile(self, r: RecordSummary) -> ft.Control:
        t, lang = self.shell.t, self.shell.service.lang
        where = " · ".join(x for x in (fmt_date(r.day), r.unit_name, self._who(r), self._status(r)) if x)
        lines: list[ft.Control] = [ft.Text(where, size=12)]
        summary = r.summary.get(lang)
        if summary:
            lines.append(ft.Text(summary, size=12, max_lines=2, overflow=ft.TextOverflow.ELLIPSIS))
        trailing = (
            ft.Row(
                [ft.Icon(ft.Icons.PHOTO_CAMERA, size=16), ft.Text(t("suprec_photos", n=r.photos), size=13)],
                spacing=2,
                tight=True,
            )
            if r.photos
            else ft.Icon(ft.Icons.CHEVRON_RIGHT)
        )
        return ft.ListTile(
            title=ft.Text(r.title.get(lang), weight=ft.FontWeight.W_500),
            subtitle=ft.Column(lines, spacing=2, tight=True),
            trailing=trailing,
            data=str(r.id),
            on_click=self.shell.guard(self.on_record),
            min_height=64,
        )

    def _table(self) -> ft.Control:
        t, lang = self.shell.t, self.shell.service.lang
        heads = ["suprec_col_day", "suprec_col_form", "table_unit", "suprec_col_author", "suprec_col_photos"]
        columns = [
            ft.DataColumn(ft.Text(t(h), weight=ft.FontWeight.W_600), numeric=h == "suprec_col_photos")
            for h in heads
        ]
        columns.append(ft.DataColumn(ft.Text(t("suprec_col_summary"), weight=ft.FontWeight.W_600)))
        rows = []
        for r in self.model.records:
            opener = ft.TextButton(
                content=r.title.get(lang),
                data=str(r.id),
                on_click=self.shell.guard(self.on_record),
            )
            summary = r.summary.get(lang)
            if r.status == RecordStatus.VOID:
                summary = f"{self._status(r)} · {summary}"
            cells = [
                ft.DataCell(ft.Text(fmt_date(r.day))),
                ft.DataCell(opener),
                ft.DataCell(ft.Text(r.unit_name)),
                ft.DataCell(ft.Text(self._who(r))),
                ft.DataCell(ft.Text(fmt_number(r.photos, lang) if r.photos else "—")),
                ft.DataCell(ft.Container(ft.Text(summary, size=12, max_lines=2), width=420)),
            ]
            rows.append(ft.DataRow(cells=cells))
        table = ft.DataTable(
            columns=columns,
            rows=rows,
            column_spacing=20,
            heading_row_height=44,
            data_row_min_height=44,
            data_row_max_height=64,
        )
        return ft.Card(content=ft.Container(ft.Row([table], scroll=ft.ScrollMode.AUTO), padding=8))
