"""A locked-out phone and a forgotten PIN: the lock to show, lifting it, changing the PIN, the sealed export.

A part of the app's service (``mobile/app/service.py``'s ``AppService`` is built from it; issue 6),
kept apart because it is one idea: what the officer and the supervisor can do about the PIN without
the records being readable. The rules (attempts, lockout numbers, unlock codes) live in the vault.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

from schemas.common import text

from ..errors import InputError
from ..pin_policy import check_pin
from ..vault import PinLocked, Vault
from ..vault import device_secret as ds
from ..vault.export import sealed_vault_zip


class PinLockout:
    """Mixed into ``AppService``, which provides the vault folder, the open vault and the secret store."""

    vault: Vault | None
    secrets: ds.SecretStore

    if TYPE_CHECKING:

        @property
        def vault_dir(self) -> Path: ...

    def lock_state(self) -> PinLocked | None:
        """The lock to show (device and lockout numbers for the supervisor) before asking for a PIN."""
        if not Vault.exists(self.vault_dir):
            return None
        return Vault.lock_status(self.vault_dir)  # on the event loop: must not wait for the Keystore

    async def lift_lock(self, code: str) -> None:
        """Take a supervisor's unlock code (BadUnlockCode if wrong); then the PIN may be tried again."""
        if not code.strip():
            raise InputError(text("Hãy nhập mã mở khóa.", "Enter the unlock code."))
        await asyncio.to_thread(Vault.lift_lock, self.vault_dir, code, secrets=self.secrets)

    async def change_pin(self, old_pin: str, new_pin: str, confirm: str) -> None:
        """Re-wrap the data key under a new PIN (records are not re-encrypted)."""
        vault = self.vault
        if vault is None:
            raise InputError(text("Ứng dụng đang khóa. Hãy mở khóa.", "The app is locked. Unlock it."))
        check_pin(new_pin)
        if new_pin != confirm:
            raise InputError(text("Hai mã PIN không khớp.", "The two PINs do not match."))
        await asyncio.to_thread(vault.change_pin, old_pin, new_pin)

    async def export_sealed_vault(self) -> bytes:
        """The vault's encrypted files as a zip, for an admin to recover after a forgotten PIN.

        Works while locked: nothing in it is readable without the PIN or the server's recovery key.
        """
        if not Vault.exists(self.vault_dir):
            raise InputError(text("Chưa có dữ liệu trên máy.", "There is no data on this phone yet."))
        return await asyncio.to_thread(sealed_vault_zip, self.vault_dir)
