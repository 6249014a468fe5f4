"""A forgotten PIN: export the sealed data for an administrator, then enroll again."""

from __future__ import annotations

import flet as ft

from ..widgets import big_button, frame


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
