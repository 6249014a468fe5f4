"""Setting the PIN after enrollment, and unlocking with it."""

from __future__ import annotations

import flet as ft

from ..widgets import big_button, frame


def _pin_field(label: str) -> ft.TextField:
    return ft.TextField(
        label=label,
        password=True,
        can_reveal_password=True,
        keyboard_type=ft.KeyboardType.NUMBER,
        max_length=12,
    )


class SetPinScreen:
    def __init__(self, shell):
        self.shell = shell

    def build(self) -> ft.View:
        t = self.shell.t
        self.pin = _pin_field(t("pin"))
        self.confirm = _pin_field(t("pin_confirm"))
        self.busy = ft.ProgressRing(visible=False, width=24, height=24)
        return frame(
            "/pin",
            t("pin_set_title"),
            [
                ft.Text(t("pin_set_intro")),
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
        self.shell.home()
        self.shell.spawn(self.shell.auto_sync("enrolled"))


class UnlockScreen:
    def __init__(self, shell):
        self.shell = shell

    def build(self) -> ft.View:
        t, s = self.shell.t, self.shell.service.settings
        self.pin = _pin_field(t("pin"))
        self.pin.on_submit = self.shell.guard(self.on_unlock)
        self.pin.autofocus = True
        self.busy = ft.ProgressRing(visible=False, width=24, height=24, semantics_label=t("unlocking"))
        return frame(
            "/unlock",
            t("unlock_title"),
            [
                ft.Text(t("unlock_intro", name=s.full_name or s.username)),
                self.pin,
                ft.Row(
                    [
                        big_button(t("unlock"), self.shell.guard(self.on_unlock), icon=ft.Icons.LOCK_OPEN),
                        self.busy,
                    ]
                ),
            ],
        )

    async def on_unlock(self, e) -> None:
        self.busy.visible = True
        self.shell.page.update()
        try:
            await self.shell.service.unlock(self.pin.value or "")
        finally:
            self.busy.visible = False
            self.pin.value = ""
        await self.shell.resume()  # back to a form left half-filled, if any
        self.shell.spawn(self.shell.auto_sync("unlocked"))
