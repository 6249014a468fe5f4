"""Setting the PIN after enrollment: the vault is created under it."""

from __future__ import annotations

import flet as ft

from ..widgets import big_button, busy_ring, frame, pin_field, pin_rule_text


class SetPinScreen:
    def __init__(self, shell):
        self.shell = shell

    def build(self) -> ft.View:
        t = self.shell.t
        self.pin = pin_field(t("pin"), t)
        self.confirm = pin_field(t("pin_confirm"), t)
        self.busy = busy_ring(t("unlocking"))
        return frame(
            "/pin",
            t("pin_set_title"),
            [
                ft.Text(t("pin_set_intro")),
                ft.Text(pin_rule_text(t), weight=ft.FontWeight.W_600),  # before the first try
                self.pin,
                self.confirm,
                ft.Row(
                    [big_button(t("pin_save"), self.shell.guard(self.on_save), icon=ft.Icons.LOCK), self.busy]
                ),
            ],
        )

    async def on_save(self, e) -> None:
        self.busy.visible = True
        self.shell.page.update()
        try:
            await self.shell.service.create_pin(self.pin.value or "", self.confirm.value or "")
        finally:
            self.busy.visible = False
        self.shell.go("home")
        self.shell.spawn(self.shell.auto_sync("enrolled"))
