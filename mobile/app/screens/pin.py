"""The PIN: setting it after enrollment, unlocking with it, the lock after too many wrong PINs,
changing it, and what to do when it is forgotten."""

from __future__ import annotations

import flet as ft

from ...errors import PinLocked
from ..widgets import big_button, frame


def _pin_field(label: str) -> ft.TextField:
    return ft.TextField(
        label=label,
        password=True,
        can_reveal_password=True,
        keyboard_type=ft.KeyboardType.NUMBER,
        max_length=12,
    )


def _busy(label: str) -> ft.ProgressRing:
    return ft.ProgressRing(visible=False, width=24, height=24, semantics_label=label)


class SetPinScreen:
    def __init__(self, shell):
        self.shell = shell

    def build(self) -> ft.View:
        t = self.shell.t
        self.pin = _pin_field(t("pin"))
        self.confirm = _pin_field(t("pin_confirm"))
        self.busy = _busy(t("unlocking"))
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
    """The PIN prompt; after too many wrong PINs, the unlock-code prompt instead."""

    def __init__(self, shell):
        self.shell = shell

    def build(self) -> ft.View:
        locked = self.shell.service.lock_state()
        return self._locked(locked) if locked is not None else self._prompt()

    def _prompt(self) -> ft.View:
        t, s = self.shell.t, self.shell.service.settings
        self.pin = _pin_field(t("pin"))
        self.pin.on_submit = self.shell.guard(self.on_unlock)
        self.pin.autofocus = True
        self.busy = _busy(t("unlocking"))
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
        self.busy = _busy(t("unlocking"))
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
        self.shell.show(ForgotPinScreen(self.shell))


class ForgotPinScreen:
    """A forgotten PIN: hand the sealed data to an admin, then enroll again. Nothing is deleted."""

    def __init__(self, shell):
        self.shell = shell
        self.exported = False

    def build(self) -> ft.View:
        t = self.shell.t
        steps = [t("forgot_step1"), t("forgot_step2"), t("forgot_step3")]
        self.start_over_button = big_button(
            t("forgot_start_over"),
            self.shell.guard(self.on_start_over),
            icon=ft.Icons.RESTART_ALT,
            primary=False,
        )
        self.start_over_button.disabled = not self.exported
        return frame(
            "/forgot-pin",
            t("forgot_title"),
            [
                ft.Text(t("forgot_intro")),
                *[ft.Text(f"{i}. {step}", size=13) for i, step in enumerate(steps, 1)],
                ft.Row(
                    [big_button(t("forgot_export"), self.shell.guard(self.on_export), icon=ft.Icons.SAVE_ALT)]
                ),
                ft.Text(t("forgot_start_over_explain"), size=13),
                ft.Row([self.start_over_button]),
            ],
            on_back=self.shell.guard(self.on_back),
            back_label=t("back"),
        )

    async def on_export(self, e) -> None:
        svc = self.shell.service
        data = await svc.export_sealed_vault()
        device = svc.settings.device_id[:8] or "phone"
        name = f"fieldtally-vault_{svc.settings.username or 'officer'}_{device}.zip"
        if await self.shell.save_file(name, data, "zip", self.shell.t("forgot_export")):
            self.exported = True
            self.shell.refresh()

    async def on_start_over(self, e) -> None:
        t = self.shell.t

        async def confirm(ev) -> None:
            self.shell.page.pop_dialog()
            await self.shell.service.start_over()
            self.shell.start()
            self.shell.toast(t("forgot_started_over"))

        self.shell.page.show_dialog(
            ft.AlertDialog(
                title=ft.Text(t("forgot_start_over")),
                content=ft.Text(t("forgot_confirm"), size=13),
                actions=[
                    ft.TextButton(content=t("cancel"), on_click=lambda ev: self.shell.page.pop_dialog()),
                    ft.FilledButton(content=t("confirm"), on_click=self.shell.guard(confirm)),
                ],
            )
        )

    async def on_back(self, e) -> None:
        self.shell.start()


class ChangePinScreen:
    """A new PIN for the open vault: the data key is wrapped again, no record is re-encrypted."""

    def __init__(self, shell):
        self.shell = shell

    def build(self) -> ft.View:
        t = self.shell.t
        self.old = _pin_field(t("pin_old"))
        self.new = _pin_field(t("pin_new"))
        self.confirm = _pin_field(t("pin_confirm"))
        self.busy = _busy(t("unlocking"))
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
        self.shell.home()
        self.shell.toast(self.shell.t("pin_changed"))

    async def on_back(self, e) -> None:
        self.shell.home()
