"""Home: what is waiting, whether the server is reachable, and where to go next."""

from __future__ import annotations

import flet as ft

from ...record_state import LocalState
from ..formatting import fmt_datetime
from ..i18n import N_
from ..viewmodels.state_words import sync_progress_text
from ..widgets import TAP_HEIGHT, big_button, frame, icon_button
from .sign_out import SignOut

_FORM_ICONS = {
    "outreach_session": ft.Icons.CAMPAIGN,
    "awareness_survey": ft.Icons.QUIZ,
    "training": ft.Icons.SCHOOL,
}
_STATE_KEYS = [
    (LocalState.DRAFT, N_("drafts"), ft.Icons.EDIT_NOTE),
    (LocalState.PENDING, N_("outbox"), ft.Icons.OUTBOX),
    (LocalState.SENT, N_("sent"), ft.Icons.CLOUD_DONE),
    (LocalState.REJECTED, N_("needs_fixing"), ft.Icons.ERROR_OUTLINE),
]


class HomeScreen:
    nav = "home"  # lit in the desk's side navigation

    def __init__(self, shell):
        self.shell = shell

    def address(self) -> str:
        return "/home"

    def build(self) -> ft.View:
        t, svc = self.shell.t, self.shell.service
        user = svc.user
        self.status = ft.Text(t("checking"), size=13)
        self.status_icon = ft.Icon(ft.Icons.CLOUD_QUEUE, size=16)
        self.waiting = ft.Text("", size=13, visible=False)
        self.photos = ft.Text("", size=13, visible=False)  # photos not yet on the server
        self.wifi_only = ft.Switch(
            label=t("photos_wifi_only"),
            value=svc.settings.photos_wifi_only,
            on_change=self.shell.guard(self.on_wifi_only),
        )
        self.overdue = ft.Text("", size=13, color=ft.Colors.ERROR, visible=False)  # unsent too long
        self.last_sync = ft.Text("", size=13)
        self.sync_bar = ft.ProgressBar(visible=False, semantics_label=t("sync_now"))
        self.sync_text = ft.Text("", size=13, visible=False)
        self.count_texts = {
            state: ft.Text("…", size=20, weight=ft.FontWeight.BOLD) for state, _, _ in _STATE_KEYS
        }
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
        forms = svc.forms()
        self._form_keys = [f.key for f in forms]
        new_buttons = [
            big_button(
                f.title.get(svc.lang),
                self._new(f.id),
                icon=_FORM_ICONS.get(f.id, ft.Icons.ADD),
                primary=False,
            )
            for f in forms
        ]
        self.sync_button = big_button(t("sync_now"), self.shell.guard(self.on_sync), icon=ft.Icons.SYNC)
        dark = self.shell.page.theme_mode == ft.ThemeMode.DARK
        header = ft.Text(
            t(
                "hello",
                name=(user.full_name if user else svc.settings.username),
                unit=(user.unit_name if user else svc.settings.unit),
            ),
            weight=ft.FontWeight.W_600,
        )
        return frame(
            "/home",
            t("app_title"),
            [
                header,
                ft.Row([self.status_icon, ft.Container(self.status, expand=True)], spacing=6),
                self.waiting,
                self.photos,
                self.overdue,
                self.last_sync,
                ft.Row([self.sync_button]),
                self.sync_bar,
                self.sync_text,
                ft.Card(content=counts),
                ft.Row(
                    [
                        big_button(
                            t("find_records"),
                            self.shell.guard(self.on_find),
                            icon=ft.Icons.SEARCH,
                            primary=False,
                        )
                    ]
                ),
                ft.Text(t("new_record"), weight=ft.FontWeight.W_600),
                *[ft.Row([b]) for b in new_buttons],
                ft.Row(
                    [big_button(t("progress"), self.shell.guard(self.on_progress), icon=ft.Icons.INSIGHTS)]
                ),
                *(
                    [
                        ft.Row(
                            [
                                big_button(
                                    t("devices"),
                                    self.shell.guard(self.on_devices),
                                    icon=ft.Icons.PHONE_ANDROID,
                                )
                            ]
                        )
                    ]
                    if svc.can_manage_devices
                    else []
                ),
                self.wifi_only,
                ft.Row(
                    [
                        big_button(
                            t("pin_change"),
                            self.shell.guard(self.on_change_pin),
                            icon=ft.Icons.PASSWORD,
                            primary=False,
                        )
                    ]
                ),
            ],
            actions=[
                icon_button(ft.Icons.TRANSLATE, t("language"), self.shell.guard(self.on_language)),
                icon_button(
                    ft.Icons.LIGHT_MODE if dark else ft.Icons.DARK_MODE,
                    t("theme_light") if dark else t("theme_dark"),
                    self.shell.guard(self.on_theme),
                ),
                icon_button(ft.Icons.LOCK, t("lock"), self.shell.guard(self.on_lock)),
                icon_button(ft.Icons.LOGOUT, t("sign_out"), self.shell.guard(SignOut(self.shell).ask)),
            ],
        )

    def mount(self) -> None:
        """Shown: follow the syncs, fill in the counts, and ask whether the server answers."""
        self.shell.sync_listeners[:] = [self.update_state]
        self.shell.spawn(self.update_state())
        self.shell.spawn(self.probe())

    async def update_state(self) -> None:
        """Refresh counts, reachability and sync progress (called after every sync step)."""
        t, svc = self.shell.t, self.shell.service
        if svc.store is None or self.shell.current is not self:
            return
        summary = await svc.summary()
        for state, text in self.count_texts.items():
            text.value = str(summary.counts.get(state, 0))
        self.status.value = {True: t("online"), False: t("offline"), None: t("checking")}[summary.online]
        self.status.color = {True: ft.Colors.PRIMARY, False: ft.Colors.TERTIARY, None: None}[summary.online]
        self.status_icon.icon = {
            True: ft.Icons.CLOUD_DONE,
            False: ft.Icons.CLOUD_OFF,
            None: ft.Icons.CLOUD_QUEUE,
        }[summary.online]
        self.status_icon.color = self.status.color
        waiting = summary.counts.get(LocalState.PENDING, 0)
        self.waiting.value = t("waiting_count", n=waiting)
        self.waiting.visible = waiting > 0
        photos = summary.photos_waiting
        held = svc.settings.photos_wifi_only and not await svc.may_send_photos()
        self.photos.value = t("photos_wait_wifi" if held else "photos_waiting", n=photos)
        self.photos.visible = photos > 0
        unsent = await svc.unsent()  # records finished long ago and still not on the server
        self.overdue.visible = unsent.overdue(svc.settings.unsent_warn_days)
        self.overdue.value = t("unsent_overdue", n=unsent.count, days=unsent.days_waiting())
        self.last_sync.value = (
            t("last_sync", when=fmt_datetime(summary.last_sync)) if summary.last_sync else t("never_synced")
        )
        progress = self.shell.sync_progress
        if progress is None and [f.key for f in svc.forms()] != self._form_keys:
            self.shell.refresh()  # a pull brought a new form or version: show its button now
            return
        self.sync_bar.visible = self.sync_text.visible = progress is not None
        self.sync_button.disabled = progress is not None
        if progress is not None:
            done, total = progress
            self.sync_bar.value = (done / total) if total else None
            self.sync_text.value = sync_progress_text(svc.lang, progress)  # never "0/0"
        self.shell.page.update()

    async def probe(self) -> None:
        """Ask the server whether it answers, so the online/offline line is about now, not the last sync."""
        svc = self.shell.service
        if svc.store is None or svc.syncing:
            return
        await svc.check_online()
        await self.update_state()

    def _open_list(self, state: LocalState):
        async def handler(e) -> None:
            self.shell.go("records", state)

        return self.shell.guard(handler)

    async def on_find(self, e) -> None:
        self.shell.go("records")

    def _new(self, form_id: str):
        async def handler(e) -> None:
            record, form = self.shell.service.new_record(form_id)
            self.shell.go("record_form", record, form, {})

        return self.shell.guard(handler)

    async def on_sync(self, e) -> None:
        await self.shell.sync()

    async def on_wifi_only(self, e) -> None:
        await self.shell.service.set_photos_wifi_only(bool(self.wifi_only.value))
        await self.update_state()

    async def on_progress(self, e) -> None:
        await self.shell.open("progress")

    async def on_devices(self, e) -> None:
        await self.shell.open("devices")

    async def on_change_pin(self, e) -> None:
        self.shell.go("change_pin")

    async def on_language(self, e) -> None:
        await self.shell.switch_language()

    async def on_theme(self, e) -> None:
        dark = self.shell.page.theme_mode != ft.ThemeMode.DARK
        self.shell.page.theme_mode = ft.ThemeMode.DARK if dark else ft.ThemeMode.LIGHT
        await self.shell.service.set_theme("dark" if dark else "light")
        self.shell.refresh()  # the theme button shows what it will switch to

    async def on_lock(self, e) -> None:
        self.shell.service.lock()
        self.shell.start()
