"""The PIN prompt; after too many wrong PINs, the prompt for a supervisor's unlock code."""

from __future__ import annotations

import flet as ft

from ...errors import PinLocked
from ..viewmodels.state_words import unlock_intro
from ..widgets import big_button, busy_ring, frame, pin_field


class UnlockScreen:
    """The PIN prompt; after too many wrong PINs, the unlock-code prompt instead."""

    def __init__(self, shell):
        self.shell = shell

    def build(self) -> ft.View:
        locked = self.shell.service.lock_state()
        return self._locked(locked) if locked is not None else self._prompt()

    def _prompt(self) -> ft.View:
        t, s = self.shell.t, self.shell.service.settings
        self.pin = pin_field(t("pin"), t)
        self.pin.on_submit = self.shell.guard(self.on_unlock)
        self.pin.autofocus = True
        self.busy = busy_ring(t("unlocking"))
        return frame(
            "/unlock",
            t("unlock_title"),
            [
                ft.Text(unlock_intro(self.shell.service.lang, s.full_name or s.username)),
                self.pin,
                ft.Row(
                    [
                        big_button(t("unlock"), self.shell.guard(self.on_unlock), icon=ft.Icons.LOCK_OPEN),
                        self.busy,
                    ]
                ),
                ft.TextButton(content=t("pin_forgot"), on_click=self.shell.guard(self.on_forgot)),
            ],
        )

    def _locked(self, lock: PinLocked) -> ft.View:
        t = self.shell.t
        self.code = ft.TextField(
            label=t("unlock_code"),
            hint_text="12345-67890",
            keyboard_type=ft.KeyboardType.NUMBER,
            max_length=13,
            autofocus=True,
        )
        self.code.on_submit = self.shell.guard(self.on_code)
        self.busy = busy_ring(t("unlocking"))
        numbers = ft.Container(
            ft.Column(
                [
                    ft.Text(t("lock_device", device=lock.device), size=20, weight=ft.FontWeight.BOLD),
                    ft.Text(t("lock_number", n=lock.lockout), size=20, weight=ft.FontWeight.BOLD),
                ],
                spacing=4,
            ),
            padding=12,
            border_radius=8,
            bgcolor=ft.Colors.ERROR_CONTAINER,
        )
        return frame(
            "/locked",
            t("locked_title"),
            [
                ft.Row(
                    [
                        ft.Icon(ft.Icons.LOCK_CLOCK, color=ft.Colors.ERROR),
                        ft.Text(t("locked_intro"), expand=True),
                    ]
                ),
                numbers,
                ft.Text(t("locked_ask"), size=13),
                self.code,
                ft.Row(
                    [
                        big_button(t("unlock_code_use"), self.shell.guard(self.on_code), icon=ft.Icons.KEY),
                        self.busy,
                    ]
                ),
                ft.TextButton(content=t("pin_forgot"), on_click=self.shell.guard(self.on_forgot)),
            ],
        )

    async def on_unlock(self, e) -> None:
        self.busy.visible = True
        self.shell.page.update()
        try:
            await self.shell.service.unlock(self.pin.value or "")
        except PinLocked:
            self.shell.refresh()  # this wrong PIN was the last one: show the unlock-code prompt
            raise
        finally:
            self.busy.visible = False
            self.pin.value = ""
        await self.shell.resume()  # back to a form left half-filled, if any
        notice = self.shell.service.notice  # e.g. the vault's files went backwards: records may be lost
        if notice is not None:
            self.shell.toast(notice.get(self.shell.service.lang), error=True)
        self.shell.spawn(self.shell.auto_sync("unlocked"))

    async def on_code(self, e) -> None:
        self.busy.visible = True
        self.shell.page.update()
        try:
            await self.shell.service.lift_lock(self.code.value or "")
        finally:
            self.busy.visible = False
        self.shell.refresh()  # the PIN prompt again
        self.shell.toast(self.shell.t("lock_lifted"))

    async def on_forgot(self, e) -> None:
        self.shell.go("forgot_pin")
