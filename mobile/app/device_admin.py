"""The supervisor's and admin's calls about phones: list them, issue an unlock code, revoke one.

A part of the app's service (``mobile/app/service.py``'s ``AppService`` is built from it), kept
apart because only supervisors and admins reach it and it needs the server every time: nothing
here touches the vault. The server decides who may see or change which phone; the role check here
only decides whether the screen offers the menu.
"""

from __future__ import annotations

import asyncio
import re
from typing import TYPE_CHECKING

from schemas.common import text
from schemas.sync import DeviceInfo, DeviceList, UnlockCode, UnlockCodeRequest, UserInfo

from ..errors import InputError
from ..settings_store import AppSettings

if TYPE_CHECKING:
    from ..sync.client import ServerClient


class DeviceAdmin:
    """Mixed into ``AppService``, which provides the signed-in user, the settings and the client."""

    user: UserInfo | None
    settings: AppSettings

    if TYPE_CHECKING:

        def _client(self) -> ServerClient: ...

    @property
    def can_manage_devices(self) -> bool:
        role = self.user.role if self.user else self.settings.role
        return str(getattr(role, "value", role)) in ("supervisor", "admin")

    async def devices(self) -> list[DeviceInfo]:
        """Phones enrolled in the caller's subtree (needs the server)."""
        client = await asyncio.to_thread(self._client)
        # outbox=1 asks for each phone's last report of unsent records (older servers ignore it)
        found = await asyncio.to_thread(
            client.get_model, "/api/v1/devices", DeviceList, params={"outbox": "1"}
        )
        return sorted(found.devices, key=lambda d: (d.revoked_at is not None, d.unit, d.username, d.id))

    async def unlock_code_for(self, device: int, lockout: str) -> UnlockCode:
        """The one-time code that lifts lockout number ``lockout`` of a locked phone."""
        lockout = (lockout or "").strip()
        if not re.fullmatch(r"[0-9]{1,6}", lockout):  # the phone shows a small whole number
            raise InputError(
                text(
                    "Hãy nhập số lần khóa mà máy bị khóa hiển thị (một số).",
                    "Enter the lockout number the locked phone shows (a number).",
                )
            )
        client = await asyncio.to_thread(self._client)
        return await asyncio.to_thread(
            client.post_model,
            f"/api/v1/devices/{device}/unlock-code",
            UnlockCodeRequest(lockout=int(lockout)).model_dump(),
            UnlockCode,
        )

    async def revoke_device(self, device: int) -> DeviceInfo:
        client = await asyncio.to_thread(self._client)
        return await asyncio.to_thread(client.post_model, f"/api/v1/devices/{device}/revoke", {}, DeviceInfo)
