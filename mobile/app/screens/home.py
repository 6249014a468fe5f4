"""Home: what is waiting, whether the server is reachable, and where to go next."""

from __future__ import annotations

import flet as ft

from ...records import LocalState
from ..formatting import fmt_datetime
from ..widgets import TAP_HEIGHT, big_button, frame

_FORM_ICONS = {
    "outreach_session": ft.Icons.CAMPAIGN,
    "awareness_survey": ft.Icons.QUIZ,
    "training": ft.Icons.SCHOOL,
}
_STATE_KEYS = [
    (LocalState.DRAFT, "drafts", ft.Icons.EDIT_NOTE),
    (LocalState.PENDING, "outbox", ft.Icons.OUTBOX),
    (LocalState.SENT, "sent", ft.Icons.CLOUD_DONE),
    (LocalState.REJECTED, "needs_fixing", ft.Icons.ERROR_OUTLINE),
]


class HomeScreen:
    def __init__(self, shell):
        self.shell = shell

    def build(self) -> ft.View:
        t, svc = self.shell.t, self.shell.service
        user = svc.user
        self.status = ft.Text("", size=13)
        self.status_icon = ft.Icon(ft.Icons.CLOUD_QUEUE, size=16, visible=False)
        self.last_sync = ft.Text("", size=13)
        self.sync_bar = ft.ProgressBar(visible=False, semantics_label=t("sync_now"))
        self.sync_text = ft.Text("", size=13, visible=False)
        self.count_texts = {state: ft.Text("…", size=20, weight=ft.FontWeight.BOLD) for state, _, _ in _STATE_KEYS}
        counts = ft.Column(
            [
                ft.ListTile(
                    leading=ft.Icon(icon),
                    title=ft.Text(t(key)),
                    trailing=self.count_texts[state],
                    on_click=self._open_list(state),
                    min_height=TAP_HEIGHT,
                )
                for state, key, icon in _STATE_KEYS
            ],
            spacing=0,
        )
        new_buttons = [
            big_button(f.title.get(svc.lang), self._new(f.id), icon=_FORM_ICONS.get(f.id, ft.Icons.ADD), primary=False)
            for f in svc.forms()
        ]
        self.sync_button = big_button(t("sync_now"), self.shell.guard(self.on_sync), icon=ft.Icons.SYNC)
        header = ft.Text(
            t("hello", name=(user.full_name if user else svc.settings.username), unit=(user.unit_name if user else svc.settings.unit)),
            weight=ft.FontWeight.W_600,
        )
        self.shell.sync_listeners[:] = [self.update_state]
        self.shell.spawn(self.update_state())
        return frame(
            "/home",
            t("app_title"),
            [
                header,
                ft.Row([self.status_icon, ft.Container(self.status, expand=True)], spacing=6),
                self.last_sync,
                ft.Row([self.sync_button]),
                self.sync_bar,
                self.sync_text,
                ft.Card(content=counts),
                ft.Text(t("new_record"), weight=ft.FontWeight.W_600),
                *[ft.Row([b]) for b in new_buttons],
                ft.Row([big_button(t("progress"), self.shell.guard(self.on_progress), icon=ft.Icons.INSIGHTS)]),
            ],
            actions=[
                ft.IconButton(icon=ft.Icons.TRANSLATE, tooltip=t("language"), on_click=self.shell.guard(self.on_language)),
                ft.IconButton(icon=ft.Icons.CONTRAST, tooltip=t("theme"), on_click=self.shell.guard(self.on_theme)),
                ft.IconButton(icon=ft.Icons.LOCK, tooltip=t("lock"), on_click=self.shell.guard(self.on_lock)),
            ],
        )

    async def update_state(self) -> None:
        """Refresh counts, reachability and sync progress (called after every sync step)."""
        t, svc = self.shell.t, self.shell.service
        if svc.store is None or self.shell.current is not self:
            return
        summary = await svc.summary()
        for state, text in self.count_texts.items():
            text.value = str(summary.counts.get(state, 0))
        self.status.value = {True: t("online"), False: t("offline"), None: ""}[summary.online]
        self.status.color = ft.Colors.GREEN_700 if summary.online else ft.Colors.ORANGE_800
        self.status_icon.visible = summary.online is not None
        self.status_icon.icon = ft.Icons.CLOUD_DONE if summary.online else ft.Icons.CLOUD_OFF
        self.status_icon.color = self.status.color
        self.last_sync.value = (
            t("last_sync", when=fmt_datetime(summary.last_sync)) if summary.last_sync else t("never_synced")
        )
        progress = self.shell.sync_progress
        self.sync_bar.visible = self.sync_text.visible = progress is not None
        self.sync_button.disabled = progress is not None
        if progress is not None:
            done, total = progress
            self.sync_bar.value = (done / total) if total else None
            self.sync_text.value = t("syncing", done=done, total=total)
        self.shell.page.update()

    def _open_list(self, state: LocalState):
        async def handler(e) -> None:
            from .records_list import RecordsListScreen

            self.shell.show(RecordsListScreen(self.shell, state))

        return self.shell.guard(handler)

    def _new(self, form_id: str):
        async def handler(e) -> None:
            from .record_form import RecordFormScreen

            record, form = self.shell.service.new_record(form_id)
            self.shell.show(RecordFormScreen(self.shell, record, form, {}))

        return self.shell.guard(handler)

    async def on_sync(self, e) -> None:
        await self.shell.sync()

    async def on_progress(self, e) -> None:
        from .progress import ProgressScreen

        self.shell.show(ProgressScreen(self.shell))

    async def on_language(self, e) -> None:
        await self.shell.service.set_language("en" if self.shell.service.lang == "vi" else "vi")
        self.shell.refresh()

    async def on_theme(self, e) -> None:
        dark = self.shell.page.theme_mode != ft.ThemeMode.DARK
        self.shell.page.theme_mode = ft.ThemeMode.DARK if dark else ft.ThemeMode.LIGHT
        await self.shell.service.set_theme("dark" if dark else "light")
        self.shell.page.update()

    async def on_lock(self, e) -> None:
        self.shell.service.lock()
        self.shell.start()
