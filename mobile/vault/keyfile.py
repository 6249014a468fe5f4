"""The phone's side of ``vault.key``: the format (``vault_format.keyfile``) with the phone's errors.

The file format itself, its parsing and sealing, live in ``vault_format``
(shared with the server's recovery); here are the calls the vault makes,
raising the phone's ``VaultError`` family, and the reading of the keys the
server hands over at enrollment, and the check of a key file against this
device (``read_checked``: its MAC, and no unbound copy put back).
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from vault_format import kdf
from vault_format import keyfile as _format
from vault_format import recovery as rc
from vault_format.errors import NotThisDevice
from vault_format.keyfile import FORMAT, KEY_NAME, UNBOUND_FORMAT, BadKey, KeyFile, UnlockKey, write_keyfile

from ..errors import VaultCorrupt, VaultError
from . import device_secret as ds
from .translate import phone_errors

__all__ = [
    "FORMAT",
    "KEY_NAME",
    "BadKey",
    "KeyFile",
    "NotThisDevice",
    "UNBOUND_FORMAT",
    "UnlockKey",
    "kdf",
    "new_keyfile",
    "read_checked",
    "read_keyfile",
    "vault_keys_from_enrollment",
    "write_keyfile",
]


def read_keyfile(path: Path, device_secret: bytes | None = None) -> KeyFile:
    """``vault_format.keyfile.read_keyfile``; VaultCorrupt if damaged or altered, VaultError if newer."""
    with phone_errors():
        return _format.read_keyfile(path, device_secret)


def new_keyfile(
    pin: str,
    data_key: bytes,
    params: dict[str, Any] | None,
    *,
    recovery_public_key: bytes | None = None,
    unlock: UnlockKey | None = None,
    device_secret: bytes | None = None,
) -> KeyFile:
    """``vault_format.keyfile.new_keyfile``; VaultError for bad KDF parameters or a malformed server key."""
    with phone_errors():
        return _format.new_keyfile(
            pin,
            data_key,
            params,
            recovery_public_key=recovery_public_key,
            unlock=unlock,
            device_secret=device_secret,
        )


def vault_keys_from_enrollment(resp: Any) -> dict[str, Any]:
    """``Vault.create`` keyword arguments from an ``EnrollResponse``: the recovery and unlock keys it carries.

    Empty when the server sent neither (an older server): the vault then works without those two doors.
    """
    out: dict[str, Any] = {}
    info = getattr(resp, "recovery_key", None)
    if info is not None and info.scheme == rc.SCHEME:
        out["recovery_public_key"] = base64.b64decode(info.public_key, validate=True)
    device, key = getattr(resp, "device", None), getattr(resp, "unlock_key", None)
    if device is not None and key:
        out["unlock_key"] = UnlockKey(device=device, key=base64.b64decode(key, validate=True))
    return out


def read_checked(folder: Path, secrets: ds.SecretStore | None) -> KeyFile:
    """The key file, checked against this device: its MAC, and that it was not swapped for an unbound one."""
    secret = ds.device_secret(secrets, create=False) if secrets is not None else None
    keyfile = read_keyfile(folder / KEY_NAME, secret)
    if keyfile.bound and secret is None:
        raise VaultError(NotThisDevice.message, detail="bound vault, no device secret")
    if not keyfile.bound and secrets is not None and ds.read_counter(secrets, keyfile.vault_id) is not None:
        # This vault was bound here: an unbound key file now is an old copy put back (or a forgery).
        raise VaultCorrupt(f"{KEY_NAME} was replaced by an older, unbound copy")
    return keyfile
