"""The officer's records: search by words, filter by status, form and date, open one."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import date

import flet as ft

from ...record_query import VOIDED, RecordQuery, record_date, status_of
from ...record_state import LocalState, StoredRecord
from ..formatting import fmt_date, fmt_datetime, parse_date, record_summary
from ..i18n import N_
from ..widgets import TAP_HEIGHT, frame, status_look

# The status filter's choices, in the order the officer meets them; None is "all".
_STATUS_FILTERS: list[tuple[str | None, str]] = [
    (None, N_("filter_all")),
    (LocalState.DRAFT.value, N_("drafts")),
    (LocalState.PENDING.value, N_("outbox")),
    (LocalState.SENT.value, N_("sent")),
    (LocalState.REJECTED.value, N_("needs_fixing")),
    (VOIDED, N_("voided_status")),
]
_ALL = "*"  # the form filter's "all forms" option (a Dropdown needs a non-empty key)
SEARCH_DELAY = 0.35  # seconds of quiet typing before the list follows the search box


class RecordsListScreen:
    nav = "records"  # lit in the desk's side navigation

    def address(self) -> str:
        return "/records"

    def __init__(self, shell, state: LocalState | None = None, query: RecordQuery | None = None):
        self.shell = shell
        self.query = query or RecordQuery(status=state.value if state else None)
        self.items = ft.Column([ft.ProgressRing()], spacing=4)
        self._search_task: asyncio.Task | None = None

    def mount(self) -> None:
        """Shown: list the records now, and again after every sync step."""
        self.shell.sync_listeners[:] = [self.load]
        self.shell.spawn(self.shell.guard(self.load)())

    def build(self) -> ft.View:
        t, svc = self.shell.t, self.shell.service
        q = self.query
        self.search = ft.TextField(
            label=t("search"),
            hint_text=t("search_hint"),
            value=q.text,
            prefix_icon=ft.Icons.SEARCH,
            on_change=self.on_search_change,
            on_submit=self.shell.guard(self.on_apply),
            expand=True,
        )
        self.status_chips = ft.Row(
            [
                ft.Chip(
                    label=ft.Text(t(key)),
                    selected=q.status == value,
                    show_checkmark=False,
                    on_select=self.shell.guard(self._on_status(value)),
                    padding=ft.Padding.symmetric(horizontal=4, vertical=8),  # a finger-sized target
                )
                for value, key in _STATUS_FILTERS
            ],
            wrap=True,
            spacing=6,
            run_spacing=2,
        )
        self.form = ft.Dropdown(
            label=t("filter_form"),
            value=q.form_id or _ALL,
            options=[ft.DropdownOption(key=_ALL, text=t("filter_all"))]
            + [ft.DropdownOption(key=f.id, text=f.title.get(svc.lang)) for f in svc.forms()],
            on_select=self.shell.guard(self.on_apply),
            text_size=14,
            expand=True,
        )
        self.date_from = _date_box(
            t("date_from"), t("date_hint"), q.date_from, self.shell.guard(self.on_apply)
        )
        self.date_to = _date_box(t("date_to"), t("date_hint"), q.date_to, self.shell.guard(self.on_apply))
        self.count = ft.Text("", size=13, weight=ft.FontWeight.W_500)
        # Form and dates fold away: at 640 px tall the list itself must stay in view.
        more = ft.ExpansionTile(
            title=ft.Text(t("more_filters")),
            leading=ft.Icon(ft.Icons.FILTER_LIST),
            expanded=bool(q.form_id or q.date_from or q.date_to),
            tile_padding=ft.Padding.symmetric(horizontal=4),
            min_tile_height=TAP_HEIGHT,
            controls=[
                ft.Row([ft.Semantics(content=self.form, label=t("filter_form"), expand=True)]),
                ft.Row([self.date_from, self.date_to], spacing=8),
                ft.Row(
                    [
                        ft.FilledTonalButton(
                            content=t("apply_filters"),
                            icon=ft.Icons.FILTER_LIST,
                            on_click=self.shell.guard(self.on_apply),
                            height=TAP_HEIGHT,
                            expand=True,
                        ),
                        ft.TextButton(
                            content=t("clear_filters"),
                            icon=ft.Icons.CLEAR,
                            on_click=self.shell.guard(self.on_clear),
                            height=TAP_HEIGHT,
                            expand=True,
                        ),
                    ],
                    spacing=8,
                ),
            ],
            controls_padding=ft.Padding.only(top=4, bottom=8),
        )
        return frame(
            "/records",
            t("records_title"),
            [
                ft.Row([self.search]),
                ft.Semantics(content=self.status_chips, label=t("filter_status"), container=True),
                more,
                self.count,
                self.items,
            ],
            on_back=lambda e: self.shell.go("home"),
            back_label=t("back"),
        )

    # ---- what the officer asked for ------------------------------------------
    def _read_query(self) -> RecordQuery | None:
        """The query from the boxes; None (with the boxes showing why) if a date cannot be read."""
        t = self.shell.t
        dates: list[date | None] = []
        for box in (self.date_from, self.date_to):
            raw = (box.value or "").strip()
            d = parse_date(raw) if raw else None
            box.error = t("err_date") if raw and d is None else None
            dates.append(d)
        if any(b.error for b in (self.date_from, self.date_to)):
            return None
        form_id = self.form.value if self.form.value not in (None, _ALL) else None
        return replace(
            self.query, text=self.search.value or "", form_id=form_id, date_from=dates[0], date_to=dates[1]
        )

    async def on_apply(self, e=None) -> None:
        query = self._read_query()
        if query is None:
            self.shell.page.update()
            return
        self.query = query
        await self.load()

    def on_search_change(self, e) -> None:
        # Follow the typing, but only once it pauses: each look reads every record.
        if self._search_task is not None:
            self._search_task.cancel()

        async def later() -> None:
            await asyncio.sleep(SEARCH_DELAY)
            await self.shell.guard(self.on_apply)()

        self._search_task = asyncio.ensure_future(later())

    def _on_status(self, value: str | None):
        async def handler(e) -> None:
            self.query = replace(self.query, status=value)
            for chip, (v, _) in zip(self.status_chips.controls, _STATUS_FILTERS, strict=True):
                chip.selected = v == value
            await self.on_apply()

        return handler

    async def on_clear(self, e) -> None:
        self.query = RecordQuery()
        self.shell.go("records", query=self.query)

    # ---- the list ------------------------------------------------------------
    async def load(self, e=None) -> None:
        svc, t = self.shell.service, self.shell.t
        if svc.store is None or self.shell.current is not self:
            return
        records = await svc.find(self.query)
        self.count.value = t("results", n=len(records))
        self.items.controls = [self._tile(sr) for sr in records] if records else [ft.Text(t("list_empty"))]
        self.shell.page.update()

    def _tile(self, sr: StoredRecord) -> ft.Control:
        svc, t = self.shell.service, self.shell.t
        form = svc.form_for(sr.record)
        title = form.title.get(svc.lang) if form else sr.record.form_id
        key, icon, color = status_look(status_of(sr))
        lines = [
            f"{fmt_date(record_date(sr, form))} · {t(key)}",
            record_summary(sr.record, form, svc.lang),
            t("updated", when=fmt_datetime(sr.record.updated_at)),
        ]
        subtitle: list[ft.Control] = [ft.Text("\n".join(x for x in lines if x), size=12)]
        subtitle += [
            ft.Text(issue.message.get(svc.lang), size=12, color=ft.Colors.ERROR, weight=ft.FontWeight.W_500)
            for issue in sr.issues[:2]  # why the server refused it, in the officer's words
        ]
        return ft.Card(
            content=ft.ListTile(
                leading=ft.Icon(icon, color=color, semantics_label=t(key)),
                title=ft.Text(title, weight=ft.FontWeight.W_500),
                subtitle=ft.Column(subtitle, spacing=2),
                min_height=TAP_HEIGHT,
                on_click=self.shell.guard(self._open(sr)),
                is_three_line=True,
            ),
            margin=0,
        )

    def _open(self, sr: StoredRecord):
        async def handler(e) -> None:
            self.shell.go("record", sr.record.id, back_query=self.query)

        return handler


def _date_box(label: str, hint: str, value: date | None, on_submit) -> ft.TextField:
    return ft.TextField(
        label=label,
        hint_text=hint,
        value=fmt_date(value),
        keyboard_type=ft.KeyboardType.DATETIME,
        on_submit=on_submit,
        expand=True,
    )
