"""Changing the PIN (the data key is re-wrapped; records are not re-encrypted)."""

from __future__ import annotations

import flet as ft

from ...errors import PinLocked
from ..widgets import big_button, busy_ring, frame, pin_field, pin_rule_text


class ChangePinScreen:
    """A new PIN for the open vault: the data key is wrapped again, no record is re-encrypted."""

    def __init__(self, shell):
        self.shell = shell

    def build(self) -> ft.View:
        t = self.shell.t
        self.old = pin_field(t("pin_old"), t)
        self.new = pin_field(t("pin_new"), t, rule=pin_rule_text(t))
        self.confirm = pin_field(t("pin_confirm"), t)
        self.busy = busy_ring(t("unlocking"))
        return frame(
            "/change-pin",
            t("pin_change_title"),
            [
                ft.Text(t("pin_change_intro"), size=13),
                self.old,
                self.new,
                self.confirm,
                ft.Row(
                    [
                        big_button(t("pin_save"), self.shell.guard(self.on_save), icon=ft.Icons.PASSWORD),
                        self.busy,
                    ]
                ),
            ],
            on_back=self.shell.guard(self.on_back),
            back_label=t("back"),
        )

    async def on_save(self, e) -> None:
        self.busy.visible = True
        self.shell.page.update()
        try:
            await self.shell.service.change_pin(
                self.old.value or "", self.new.value or "", self.confirm.value or ""
            )
        except PinLocked:
            self.shell.service.lock()  # too many wrong PINs, even here: the unlock-code prompt
            self.shell.start()
            raise
        finally:
            self.busy.visible = False
            for box in (self.old, self.new, self.confirm):
                box.value = ""
        self.shell.go("home")
        self.shell.toast(self.shell.t("pin_changed"))

    async def on_back(self, e) -> None:
        self.shell.go("home")
