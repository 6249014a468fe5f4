"""The permission rules (``permissions.py``) on a Flet page: flet-permission-handler and a dialog.

``flet-permission-handler`` is used on Android and iOS and nowhere else: in a browser the browser asks
by itself (its own location prompt), although the prebuilt web client carries the extension too
(tests/server/test_web_client_carries.py). The service is made in ``main`` (``install``), as Flet's
services must be; the permissions themselves are asked only when first needed.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from typing import Any

import flet as ft

from .i18n import tr
from .permissions import CAMERA, DENIED, LOCATION, WHY, Outcome, Status, ensure, status_from

log = logging.getLogger("fieldtally.app")

_PHONES = (ft.PagePlatform.ANDROID, ft.PagePlatform.ANDROID_TV, ft.PagePlatform.IOS)


_HANDLERS: weakref.WeakKeyDictionary[ft.Page, Any] = weakref.WeakKeyDictionary()


def install(page: ft.Page) -> None:
    """Make the page's permission service, in ``main`` before the page is first sent.

    Flet sends a service made then with the page; one made later in a handler is not reliably
    attached before it is called. Only on a phone: elsewhere the platform asks by itself.
    """
    if page.web or page.platform not in _PHONES:
        return
    try:
        import flet_permission_handler as fph
    except ImportError:  # a build without it: the location call asks by itself
        return
    _HANDLERS[page] = fph.PermissionHandler()


class FletPermissions:
    """``PermissionBackend`` through flet-permission-handler; UNAVAILABLE where it is not installed."""

    def __init__(self, page: ft.Page) -> None:
        self.page = page

    async def _service(self) -> Any:
        return _HANDLERS.get(self.page)

    @staticmethod
    def _permission(kind: str) -> Any:
        import flet_permission_handler as fph

        return {LOCATION: fph.Permission.LOCATION_WHEN_IN_USE, CAMERA: fph.Permission.CAMERA}[kind]

    async def status(self, kind: str) -> Status:
        service = await self._service()
        if service is None:
            return Status.UNAVAILABLE
        found = await service.get_status(self._permission(kind))
        return status_from(getattr(found, "value", None))

    async def request(self, kind: str) -> Status:
        service = await self._service()
        if service is None:
            return Status.UNAVAILABLE
        found = await service.request(self._permission(kind))
        return status_from(getattr(found, "value", None))

    async def open_settings(self) -> bool:
        service = await self._service()
        return bool(await service.open_app_settings()) if service is not None else False


class DialogPrompt:
    """``Prompt`` as a dialog with the reason in the officer's language: Allow or Not now."""

    def __init__(self, page: ft.Page, lang: str) -> None:
        self.page = page
        self.lang = lang
        self.dialog: ft.AlertDialog | None = None

    async def explain(self, kind: str) -> bool:
        answer: asyncio.Future[bool] = asyncio.get_running_loop().create_future()

        def choose(value: bool):
            def handler(e) -> None:
                if not answer.done():
                    answer.set_result(value)
                self.page.pop_dialog()

            return handler

        t = self.lang
        self.dialog = ft.AlertDialog(
            modal=True,
            content=ft.Text(tr(t, WHY[kind])),
            actions=[
                ft.TextButton(content=tr(t, "perm_not_now"), on_click=choose(False)),
                ft.FilledButton(content=tr(t, "perm_allow"), on_click=choose(True)),
            ],
            on_dismiss=lambda e: answer.done() or answer.set_result(False),
        )
        self.page.show_dialog(self.dialog)
        return await answer


async def ask_permission(page: ft.Page, lang: str, kind: str) -> Outcome:
    """Ask for ``kind`` when first needed (see ``permissions.ensure``); never raises."""
    try:
        return await ensure(kind, FletPermissions(page), DialogPrompt(page, lang))
    except Exception:  # a client without the service, a closed session: the manual way still works
        log.exception("permission request failed")
        return Outcome(Status.DENIED, DENIED.get(kind))


async def open_app_settings(page: ft.Page) -> bool:
    try:
        return await FletPermissions(page).open_settings()
    except Exception:
        log.exception("could not open the app's settings")
        return False
