"""First run: the server's address and the officer's account."""

from __future__ import annotations

import flet as ft

from ..widgets import big_button, frame


class SetupScreen:
    def __init__(self, shell):
        self.shell = shell

    def build(self) -> ft.View:
        t, svc = self.shell.t, self.shell.service
        self.url = ft.TextField(
            label=t("server_url"), value=svc.settings.server_url or "", keyboard_type=ft.KeyboardType.URL
        )
        self.username = ft.TextField(label=t("username"), value=svc.settings.username or "")
        self.password = ft.TextField(label=t("password"), password=True, can_reveal_password=True)
        self.busy = ft.ProgressRing(visible=False, width=24, height=24, semantics_label=t("enrolling"))
        self.button = big_button(t("enroll"), self.shell.guard(self.on_enroll), icon=ft.Icons.LOGIN)
        return frame(
            "/setup",
            t("setup_title"),
            [
                ft.Text(t("setup_intro")),
                self.url,
                self.username,
                self.password,
                ft.Row([self.button, self.busy]),
                ft.TextButton(content=t("language"), on_click=self.shell.guard(self.on_language)),
            ],
        )

    async def on_language(self, e) -> None:
        await self.shell.switch_language()

    async def on_enroll(self, e) -> None:
        self.busy.visible, self.button.disabled = True, True
        self.shell.page.update()
        try:
            await self.shell.service.enroll(
                self.url.value or "", self.username.value or "", self.password.value or ""
            )
        finally:
            self.busy.visible, self.button.disabled = False, False
        self.shell.go("set_pin")
