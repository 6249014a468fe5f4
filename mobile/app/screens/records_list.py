"""Drafts, the outbox, sent records, and those the server refused."""

from __future__ import annotations

import flet as ft

from schemas.records import RecordStatus

from ...records import LocalState, StoredRecord
from ..formatting import fmt_datetime
from ..widgets import TAP_HEIGHT, frame

_TITLES = {
    LocalState.DRAFT: "drafts",
    LocalState.PENDING: "outbox",
    LocalState.SENT: "sent",
    LocalState.REJECTED: "needs_fixing",
}


class RecordsListScreen:
    def __init__(self, shell, state: LocalState):
        self.shell = shell
        self.state = state
        self.items = ft.Column([ft.ProgressRing()], spacing=4)

    def build(self) -> ft.View:
        t = self.shell.t
        self.shell.sync_listeners[:] = []
        self.shell.spawn(self.shell.guard(self.load)())
        return frame(
            f"/records/{self.state.value}",
            t(_TITLES[self.state]),
            [self.items],
            on_back=lambda e: self.shell.home(),
            back_label=t("back"),
        )

    async def load(self, e=None) -> None:
        svc, t = self.shell.service, self.shell.t
        records = await svc.records(self.state)
        if not records:
            self.items.controls = [ft.Text(t("list_empty"))]
        else:
            self.items.controls = [self._tile(sr) for sr in records]
        self.shell.page.update()

    def _tile(self, sr: StoredRecord) -> ft.Control:
        svc, t = self.shell.service, self.shell.t
        form = svc.form_for(sr.record)
        title = form.title.get(svc.lang) if form else sr.record.form_id
        period = form.period_field if form else None
        when = sr.record.answers.get(period, "") if period else ""
        if isinstance(when, str) and len(when) == 10:
            when = f"{when[8:10]}/{when[5:7]}/{when[0:4]}"
        subtitle = [f"{when} · {t('updated', when=fmt_datetime(sr.record.updated_at))}"]
        if sr.record.status == RecordStatus.VOID:
            subtitle.append(t("void"))
        for issue in sr.issues:
            subtitle.append("⚠ " + issue.message.get(svc.lang))
        editable = self.state in (LocalState.DRAFT, LocalState.PENDING, LocalState.REJECTED)
        return ft.ListTile(
            title=ft.Text(title),
            subtitle=ft.Text("\n".join(subtitle), size=12),
            min_height=TAP_HEIGHT,
            on_click=self.shell.guard(self._open(sr)) if editable else None,
            trailing=ft.IconButton(
                icon=ft.Icons.BLOCK, tooltip=t("void"), on_click=self.shell.guard(self._void(sr))
            )
            if self.state == LocalState.SENT and sr.record.status != RecordStatus.VOID
            else None,
        )

    def _open(self, sr: StoredRecord):
        async def handler(e) -> None:
            from .record_form import RecordFormScreen

            form = self.shell.service.form_for(sr.record)
            if form is not None:
                self.shell.show(RecordFormScreen(self.shell, sr.record, form, sr.record.answers))

        return handler

    def _void(self, sr: StoredRecord):
        async def handler(e) -> None:
            t = self.shell.t
            reason = ft.TextField(label=t("void_reason"), autofocus=True)

            async def confirm(ev) -> None:
                await self.shell.service.void(sr.record.id, reason.value or "")
                self.shell.page.pop_dialog()
                self.shell.toast(t("voided"))
                await self.load()
                self.shell.spawn(self.shell.auto_sync("voided"))

            self.shell.page.show_dialog(
                ft.AlertDialog(
                    title=ft.Text(t("void")),
                    content=reason,
                    actions=[
                        ft.TextButton(content=t("cancel"), on_click=lambda ev: self.shell.page.pop_dialog()),
                        ft.FilledButton(content=t("confirm"), on_click=self.shell.guard(confirm)),
                    ],
                )
            )

        return handler
