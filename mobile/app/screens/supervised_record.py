"""One officer's record as a supervisor reviews it: its answers, its repeats as tables, its photos.

Opened from the supervisor's list of records (``supervised_records``). The answers read as the
officer's own record view does (labels, dd/mm/yyyy); each repeat is a small table (one row per
entry); the photos are thumbnails fetched from the server with the device token and shown from
bytes, never written to disk; tapping one shows the photo itself in a dialog. The state lives in
``viewmodels.record_view_model``; this screen only lays out and forwards taps.
"""

from __future__ import annotations

import flet as ft

from schemas.media import RecordPhoto
from schemas.record_list import RecordSummary
from schemas.records import RecordStatus

from ..formatting import fmt_date, fmt_datetime
from ..photo_input import THUMB_PX, thumbnail_picture
from ..viewmodels.record_view_model import RecordViewModel, RepeatTable
from ..widgets import copyable, frame

DIALOG_SIDE = 900  # the largest the full photo is drawn; the dialog shrinks it to the window


class SupervisedRecordScreen:
    nav = "progress"
    wide = True  # at a desk: the whole width, so a repeat's table shows all its columns

    def __init__(self, shell, model: RecordViewModel, back_to) -> None:
        self.shell = shell
        self.model = model
        self.back_to = back_to
        model.changed = shell.refresh

    @classmethod
    async def open(cls, shell, *, line: RecordSummary, back_to) -> None:
        model = RecordViewModel(shell.service, line)
        shell.show(cls(shell, model, back_to))
        await model.load()

    def mount(self) -> None:
        self.shell.sync_listeners[:] = []

    # ---- events --------------------------------------------------------------------------------
    async def on_back(self, e) -> None:
        self.shell.show(self.back_to)  # the list as it was left (its pages, its place)

    async def on_photo(self, e) -> None:
        photo = next((p for p in self.model.photos if p.sha256 == e.control.data), None)
        if photo is None:
            return
        data = await self.model.full_photo(photo)
        t = self.shell.t
        if data is None:
            self.shell.toast(t("suprec_photo_missing"), error=True)
            return
        side = min(DIALOG_SIDE, int((self.shell.page.width or 360) - 48))

        def close(_e) -> None:
            self.shell.page.pop_dialog()

        dialog = ft.AlertDialog(
            title=ft.Text(photo.name, size=14),
            content=ft.Image(src=data, width=side, height=side, fit=ft.BoxFit.CONTAIN),
            actions=[ft.TextButton(content=t("suprec_close"), on_click=close, tooltip=t("suprec_close"))],
            content_padding=8,
        )
        self.shell.page.show_dialog(dialog)

    # ---- layout --------------------------------------------------------------------------------
    def build(self) -> ft.View:
        t, m, lang = self.shell.t, self.model, self.shell.service.lang
        line = m.line
        who = line.author_name or line.author
        controls: list[ft.Control] = [
            ft.Text(f"{fmt_date(line.day)} · {line.unit_name}", size=15, weight=ft.FontWeight.W_600),
            ft.Text(t("suprec_by", who=who, when=fmt_datetime(line.received_at)), size=12),
        ]
        if line.status == RecordStatus.VOID:
            reason = m.revision.void_reason if m.revision is not None else None
            controls.append(
                ft.Text(t("suprec_void") + (f": {reason}" if reason else ""), color=ft.Colors.RED_800)
            )
        if m.busy:
            controls.append(ft.ProgressBar(semantics_label=t("progress_loading")))
        if m.problem:
            words = self.shell.say(m.problem.error) if m.problem.error else t(m.problem.key or "")
            controls.append(ft.Text(words, color=ft.Colors.ORANGE_900, semantics_label=words))
        if m.revision is not None:
            controls += self._photos()
            controls.append(ft.Divider())
            for a in m.answers(lang):
                controls.append(
                    ft.Column(
                        [
                            ft.Text(a.label, size=12, color=ft.Colors.ON_SURFACE_VARIANT),
                            copyable(a.text),
                        ],
                        spacing=0,
                    )
                )
            for table in m.repeats(lang):
                controls.append(self._repeat(table))
        return frame(
            "/supervised-record",
            line.title.get(lang),
            controls,
            on_back=self.shell.guard(self.on_back),
            back_label=t("back"),
        )

    def _photos(self) -> list[ft.Control]:
        t, m, lang = self.shell.t, self.model, self.shell.service.lang
        if not m.photos:
            return []
        out: list[ft.Control] = [
            ft.Text(t("suprec_photos_title", n=len(m.photos)), weight=ft.FontWeight.W_600)
        ]
        for group in m.photo_groups(lang):
            tiles = [self._tile(p) for p in group.photos]
            out.append(
                ft.Column(
                    [
                        ft.Text(group.label, size=12, color=ft.Colors.ON_SURFACE_VARIANT),
                        ft.Row(tiles, wrap=True, spacing=8, run_spacing=8),
                    ],
                    spacing=4,
                )
            )
        return out

    def _tile(self, photo: RecordPhoto) -> ft.Control:
        m, t = self.model, self.shell.t
        data = m.thumbs.get(photo.sha256)
        broken = photo.sha256 in m.missing
        picture = thumbnail_picture(data, broken=broken)
        framed = ft.Container(
            picture, width=THUMB_PX, height=THUMB_PX, border_radius=6, clip_behavior=ft.ClipBehavior.HARD_EDGE
        )
        caption = ft.Text(photo.name, size=11, width=THUMB_PX, text_align=ft.TextAlign.CENTER, no_wrap=True)
        tile = ft.Column([framed, caption], spacing=2, width=THUMB_PX, tight=True)
        # what a screen reader (and a browser test) hears says whether the thumbnail is there
        if broken:
            label = t("suprec_photo_missing")
        elif data:
            label = t("suprec_photo_open", name=photo.name)
        else:
            label = t("suprec_photo_loading", name=photo.name)
        clickable = ft.Container(
            tile,
            data=photo.sha256,
            on_click=self.shell.guard(self.on_photo) if data else None,
            border_radius=6,
        )
        return ft.Semantics(content=clickable, label=label, button=bool(data))

    def _repeat(self, table: RepeatTable) -> ft.Control:
        heading = ft.Text(
            self.shell.t("suprec_repeat", title=table.title, n=len(table.rows)), weight=ft.FontWeight.W_600
        )
        if not self.shell.desk:  # a phone is too narrow for the columns: one small block per row
            entries = [self._entry(table, row) for row in table.rows]
            return ft.Column(
                [heading, *entries], spacing=6, horizontal_alignment=ft.CrossAxisAlignment.STRETCH
            )
        return self._repeat_table(heading, table)

    def _entry(self, table: RepeatTable, row: list[str]) -> ft.Control:
        lines: list[ft.Control] = [ft.Text(f"{row[0]}. {row[1]}", weight=ft.FontWeight.W_500, size=14)]
        for head, cell in zip(table.headers[2:], row[2:], strict=True):
            if cell:
                lines.append(copyable(f"{head}: {cell}", size=13))
        return ft.Card(content=ft.Container(ft.Column(lines, spacing=2), padding=10))

    def _repeat_table(self, heading: ft.Control, table: RepeatTable) -> ft.Control:
        columns = [ft.DataColumn(ft.Text(h, weight=ft.FontWeight.W_600, size=12)) for h in table.headers]
        rows = [ft.DataRow(cells=[ft.DataCell(ft.Text(cell, size=13)) for cell in row]) for row in table.rows]
        grid = ft.DataTable(
            columns=columns,
            rows=rows,
            column_spacing=16,
            horizontal_margin=8,
            heading_row_height=36,
            data_row_min_height=36,
            data_row_max_height=72,
        )
        return ft.Column(
            [
                heading,
                ft.Card(content=ft.Container(ft.Row([grid], scroll=ft.ScrollMode.AUTO), padding=4)),
            ],
            spacing=4,
        )
