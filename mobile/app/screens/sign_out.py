"""Sign out, so another person can use this device (a shared desk browser): never silently dropping work.

Signing out locks the vault and forgets who this is (``AppService.sign_out``:
the vault is moved aside, not deleted). Records the server has not taken yet,
and unfinished drafts, are counted first; the dialog says how many and offers
to send the finished ones before signing out. Only "Sign out anyway", after
that sentence, leaves them behind, encrypted and recoverable by an
administrator with the server's key.
"""

from __future__ import annotations

import flet as ft


class SignOut:
    def __init__(self, shell):
        self.shell = shell

    async def ask(self, e=None) -> None:
        t, page = self.shell.t, self.shell.page
        waiting, drafts = await self.shell.service.left_behind()

        def cancel(ev) -> None:
            page.pop_dialog()

        anyway = self.shell.guard(self._anyway)
        if waiting or drafts:
            lines = [t("sign_out_unsent", n=waiting)] if waiting else []
            lines += [t("sign_out_drafts", n=drafts)] if drafts else []
            body = " ".join([*lines, t("sign_out_kept")])
            actions = [
                ft.TextButton(content=t("cancel"), on_click=cancel),
                ft.TextButton(content=t("sign_out_anyway"), on_click=anyway),
            ]
            if waiting:
                send = self.shell.guard(self._send_first)
                actions.append(ft.FilledButton(content=t("sign_out_send_first"), on_click=send))
        else:
            body = t("sign_out_explain")
            actions = [
                ft.TextButton(content=t("cancel"), on_click=cancel),
                ft.FilledButton(content=t("sign_out"), on_click=anyway),
            ]
        page.show_dialog(
            ft.AlertDialog(
                title=ft.Text(t("sign_out_title")), content=ft.Text(body, size=13), actions=actions
            )
        )

    async def _send_first(self, e) -> None:
        self.shell.page.pop_dialog()
        await self.shell.sync()
        left, _ = await self.shell.service.left_behind()
        if left:
            self.shell.toast(self.shell.t("sign_out_still_unsent", n=left), error=True)
            return
        await self._done()

    async def _anyway(self, e) -> None:
        self.shell.page.pop_dialog()
        await self._done()

    async def _done(self) -> None:
        await self.shell.flush()
        await self.shell.service.sign_out()
        self.shell.start()
        self.shell.toast(self.shell.t("signed_out"))
