"""Phones of the supervisor's units: give a locked phone its unlock code, revoke a lost one."""

from __future__ import annotations

import flet as ft

from schemas.sync import DeviceInfo

from ...errors import FieldTallyError
from ...unsent import Unsent
from ..formatting import fmt_datetime
from ..widgets import big_button, frame, icon_button


class DevicesScreen:
    def __init__(self, shell, devices: list[DeviceInfo] | None = None):
        self.shell = shell
        self.devices = devices
        self.problem: str | None = None  # why the list could not be loaded (no signal, ...)

    @classmethod
    async def open(cls, shell) -> None:
        screen = cls(shell)
        shell.show(screen)  # the list's frame at once, with a spinner; the server answers after
        await screen.load()

    async def load(self) -> None:
        self.problem = None
        try:
            self.devices = await self.shell.service.devices()
        except FieldTallyError as err:  # said on the screen, with a way to try again
            self.problem = self.shell.say(err)
        finally:
            if self.shell.current is self:
                self.shell.refresh()

    def mount(self) -> None:
        self.shell.sync_listeners[:] = []  # nothing here follows a sync

    def build(self) -> ft.View:
        t = self.shell.t
        if self.problem is not None:
            body: list[ft.Control] = [
                ft.Text(t("devices_unreachable"), weight=ft.FontWeight.W_600),
                ft.Text(self.problem, size=13, color=ft.Colors.ERROR),
                ft.Row([big_button(t("refresh"), self.shell.guard(self.on_refresh), icon=ft.Icons.REFRESH)]),
            ]
        elif self.devices is None:
            body = [ft.Row([ft.ProgressRing(width=24, height=24), ft.Text(t("loading"))])]
        elif not self.devices:
            body = [ft.Text(t("devices_none"))]
        else:
            # Phones holding records unsent too long come first, counted (issue 17: never forgotten).
            late = [d for d in self.devices if self._late(d)]
            rest = [d for d in self.devices if not self._late(d)]
            body = [ft.Text(t("devices_intro"), size=13)]
            if late:
                days = self.shell.service.settings.unsent_warn_days
                body.append(ft.Text(t("devices_unsent_old", n=len(late), days=days), color=ft.Colors.ERROR))
            body += [self._tile(d) for d in late + rest]
        return frame(
            "/devices",
            t("devices_title"),
            body,
            on_back=self.shell.guard(self.on_back),
            back_label=t("back"),
            actions=[icon_button(ft.Icons.REFRESH, t("refresh"), self.shell.guard(self.on_refresh))],
        )

    def _tile(self, d: DeviceInfo) -> ft.Control:
        t = self.shell.t
        lines = [
            ft.Text(f"{d.username} · {d.unit}", weight=ft.FontWeight.W_600),
            ft.Text(t("device_line", device=d.id, name=d.name or "—"), size=13),
            ft.Text(t("device_seen", when=fmt_datetime(d.last_seen_at)), size=13),
        ]
        if d.unsent_count:  # the phone's last report, from its last push or pull
            reported = fmt_datetime(d.unsent_reported_at) if d.unsent_reported_at else "—"
            lines.append(
                ft.Text(
                    t(
                        "device_unsent_old",
                        n=d.unsent_count,
                        since=fmt_datetime(d.unsent_since),
                        reported=reported,
                    )
                    if d.unsent_since
                    else t("device_unsent", n=d.unsent_count, reported=reported),
                    size=13,
                    color=ft.Colors.ERROR if self._late(d) else None,
                )
            )
        if d.revoked_at is not None:
            lines.append(
                ft.Text(t("device_revoked", when=fmt_datetime(d.revoked_at)), size=13, color=ft.Colors.ERROR)
            )
            buttons: list[ft.Control] = []
        else:
            buttons = [
                big_button(
                    t("unlock_code_get"), self.shell.guard(self._code(d)), icon=ft.Icons.KEY, primary=False
                ),
                big_button(
                    t("device_revoke"), self.shell.guard(self._revoke(d)), icon=ft.Icons.BLOCK, primary=False
                ),
            ]
        card = ft.Card(
            ft.Container(ft.Column([*lines, *[ft.Row([b]) for b in buttons]], spacing=6), padding=12),
            expand=True,
        )
        return ft.Row([card])  # full width, with or without buttons

    def _late(self, d: DeviceInfo) -> bool:
        days = self.shell.service.settings.unsent_warn_days
        return d.revoked_at is None and Unsent(d.unsent_count or 0, d.unsent_since).overdue(days)

    def _code(self, d: DeviceInfo):
        async def handler(e) -> None:
            t = self.shell.t
            lockout = ft.TextField(
                label=t("lock_number_field"),
                keyboard_type=ft.KeyboardType.NUMBER,
                autofocus=True,
                max_length=7,
            )
            answer = ft.Text("", size=26, weight=ft.FontWeight.BOLD, visible=False)

            async def get(ev) -> None:
                try:
                    code = await self.shell.service.unlock_code_for(d.id, lockout.value or "")
                except FieldTallyError as err:  # said inside the dialog: a snack bar would hide behind it
                    lockout.error = self.shell.say(err)
                    lockout.update()
                    return
                lockout.error = None
                answer.value = code.code
                answer.visible = True
                lockout.update()
                answer.update()

            self.shell.page.show_dialog(
                ft.AlertDialog(
                    title=ft.Text(t("unlock_code_title", device=d.id)),
                    content=ft.Column(
                        [ft.Text(t("unlock_code_explain"), size=13), lockout, answer], tight=True, spacing=10
                    ),
                    actions=[
                        ft.TextButton(content=t("close"), on_click=lambda ev: self.shell.page.pop_dialog()),
                        ft.FilledButton(content=t("unlock_code_get"), on_click=self.shell.guard(get)),
                    ],
                )
            )

        return handler

    def _revoke(self, d: DeviceInfo):
        async def handler(e) -> None:
            t = self.shell.t

            async def confirm(ev) -> None:
                self.shell.page.pop_dialog()
                await self.shell.service.revoke_device(d.id)
                self.shell.toast(t("device_revoked_done", device=d.id))
                await self.load()

            self.shell.page.show_dialog(
                ft.AlertDialog(
                    title=ft.Text(t("device_revoke_title", device=d.id)),
                    content=ft.Text(t("device_revoke_explain", user=d.username), size=13),
                    actions=[
                        ft.TextButton(content=t("cancel"), on_click=lambda ev: self.shell.page.pop_dialog()),
                        ft.FilledButton(content=t("device_revoke"), on_click=self.shell.guard(confirm)),
                    ],
                )
            )

        return handler

    async def on_refresh(self, e) -> None:
        self.devices, self.problem = None, None
        self.shell.refresh()
        await self.load()

    async def on_back(self, e) -> None:
        self.shell.go("home")
