"""The key file ``vault.key``: the data key, wrapped by a key derived from the PIN (and for the server).

A small JSON document (nothing in it opens the data without the PIN or the
server's private key)::

    {"magic": "fieldtally-vault", "format": 2, "vault_id": "<hex>",
     "kdf": {"name": "scrypt", "n": 32768, "r": 8, "p": 1, "salt": "<b64>"},
     "wrapped_key": "<b64: 12-byte nonce | AES-256-GCM(data key) | tag>",
     "recovery": null | {"scheme", "key_id", "public_key", "ephemeral", "wrapped_key"},  (recovery.py)
     "unlock": null | {"device": <server's device id>, "key": "<b64>"},             (schemas/unlock.py)
     "checksum": "<sha256 of the fields above>"}

The PIN wrap's associated data is the canonical JSON of magic, format, vault
id and KDF parameters with the salt, so none of them can be swapped without
the unwrap failing. A failed unwrap cannot tell a wrong PIN from a damaged
wrap, so the file also carries a plain SHA-256 checksum: a file that fails
it is reported as corrupt (not as a wrong PIN), and a wrong PIN is then the
only reason left for a failed unwrap.

Format history: 1 had no ``recovery`` and ``unlock``. A format-1 file is
read as it is and rewritten as format 2 at the next successful unlock
(``Vault.unlock`` re-wraps the same data key under the same PIN: the records
are not re-encrypted). A format newer than ``FORMAT`` is refused with a
message asking to update the app, never misread.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from schemas.common import LocalizedText, text

from ..errors import VaultCorrupt, VaultError
from . import kdf
from . import recovery as rc
from .atomic import atomic_write

MAGIC = "fieldtally-vault"
FORMAT = 2
READABLE_FORMATS = (1, 2)


class BadKey(VaultError):
    """The unwrap failed: with a valid checksum, that means the PIN was wrong."""


@dataclass(frozen=True)
class UnlockKey:
    """What lets the phone check a supervisor's unlock code offline (see schemas/unlock.py)."""

    device: int
    key: bytes


@dataclass(frozen=True)
class KeyFile:
    vault_id: str
    kdf_params: dict[str, Any]  # normalized, without the salt
    salt: bytes
    wrapped_key: bytes
    format: int = FORMAT
    recovery: dict[str, str] | None = None  # the data key wrapped for the server (recovery.py)
    unlock: UnlockKey | None = None

    def _aad(self) -> bytes:
        return _canonical(
            {"magic": MAGIC, "format": self.format, "vault_id": self.vault_id, "kdf": self._kdf_json()}
        )

    def _kdf_json(self) -> dict[str, Any]:
        return {**self.kdf_params, "salt": _b64(self.salt)}

    def to_bytes(self) -> bytes:
        body: dict[str, Any] = {
            "magic": MAGIC,
            "format": self.format,
            "vault_id": self.vault_id,
            "kdf": self._kdf_json(),
            "wrapped_key": _b64(self.wrapped_key),
        }
        if self.format >= 2:
            body["recovery"] = self.recovery
            body["unlock"] = (
                {"device": self.unlock.device, "key": _b64(self.unlock.key)} if self.unlock else None
            )
        body["checksum"] = hashlib.sha256(_canonical(body)).hexdigest()
        return json.dumps(body, indent=1).encode("utf-8")

    def unwrap(self, pin: str) -> bytes:
        """The data key; raises BadKey when ``pin`` is wrong."""
        kek = kdf.derive(pin, self.salt, self.kdf_params)
        try:
            return AESGCM(kek).decrypt(self.wrapped_key[:12], self.wrapped_key[12:], self._aad())
        except InvalidTag as exc:
            raise BadKey() from exc

    def rewrapped(self, pin: str, data_key: bytes, params: dict[str, Any] | None = None) -> KeyFile:
        """The same vault, data key, recovery wrap and unlock key, wrapped under ``pin`` in the newest format.

        A fresh salt every time; ``params`` (default: the current ones) may raise the KDF cost.
        """
        return _wrap(
            pin,
            data_key,
            params if params is not None else self.kdf_params,
            vault_id=self.vault_id,
            recovery=self.recovery,
            unlock=self.unlock,
        )

    def with_recovery(self, block: dict[str, str] | None) -> KeyFile:
        return dataclasses.replace(self, recovery=block)

    def with_unlock(self, unlock: UnlockKey | None) -> KeyFile:
        return dataclasses.replace(self, unlock=unlock)


def _wrap(
    pin: str,
    data_key: bytes,
    params: dict[str, Any] | None,
    *,
    vault_id: str,
    recovery: dict[str, str] | None,
    unlock: UnlockKey | None,
) -> KeyFile:
    try:
        p = kdf.normalize(params)
    except kdf.KdfParamsError as exc:
        raise VaultError(detail=str(exc)) from exc
    salt = os.urandom(kdf.SALT_LEN)
    proto = KeyFile(vault_id=vault_id, kdf_params=p, salt=salt, wrapped_key=b"")
    kek = kdf.derive(pin, salt, p)
    nonce = os.urandom(12)
    wrapped = nonce + AESGCM(kek).encrypt(nonce, data_key, proto._aad())
    return dataclasses.replace(proto, wrapped_key=wrapped, recovery=recovery, unlock=unlock)


def new_keyfile(
    pin: str,
    data_key: bytes,
    params: dict[str, Any] | None,
    *,
    recovery_public_key: bytes | None = None,
    unlock: UnlockKey | None = None,
) -> KeyFile:
    """A key file for a new vault; ``recovery_public_key`` adds a wrap of the data key for the server."""
    vault_id = os.urandom(16).hex()
    block = None
    if recovery_public_key is not None:
        try:
            block = rc.wrap_for_server(data_key, recovery_public_key, vault_id=vault_id)
        except rc.RecoveryError as exc:
            raise VaultError(detail=f"recovery key: {exc}") from exc
    return _wrap(pin, data_key, params, vault_id=vault_id, recovery=block, unlock=unlock)


def write_keyfile(path: Path, kf: KeyFile) -> None:
    atomic_write(path, kf.to_bytes())


def read_keyfile(path: Path) -> KeyFile:
    """Parse and check ``path``; raises VaultCorrupt for anything but a well-formed, intact file."""
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError as exc:
        raise VaultCorrupt(f"{Path(path).name} is missing") from exc
    try:
        if len(raw) > 64 * 1024:
            raise ValueError("too large for a key file")
        body = json.loads(raw.decode("utf-8"))
        if not isinstance(body, dict):
            raise ValueError("not an object")
        checksum = body.pop("checksum")
        if hashlib.sha256(_canonical(body)).hexdigest() != checksum:
            raise ValueError("checksum mismatch")
        if body["magic"] != MAGIC:
            raise ValueError("not a fieldtally key file")
        fmt = body["format"]
        if isinstance(fmt, int) and not isinstance(fmt, bool) and fmt > FORMAT:
            raise _NewerFormat(fmt)
        if fmt not in READABLE_FORMATS or isinstance(fmt, bool):
            raise ValueError(f"unknown format {fmt!r}")
        expected = {"magic", "format", "vault_id", "kdf", "wrapped_key"} | (
            {"recovery", "unlock"} if fmt >= 2 else set()
        )
        if set(body) != expected:
            raise ValueError("unexpected or missing fields")
        kdf_json = dict(body["kdf"])
        salt = _unb64(kdf_json.pop("salt"))
        params = kdf.normalize(kdf_json)
        if params != kdf_json:
            raise ValueError("kdf parameters are not in normal form")
        wrapped = _unb64(body["wrapped_key"])
        if len(salt) != kdf.SALT_LEN or len(wrapped) != 12 + 32 + 16 or not isinstance(body["vault_id"], str):
            raise ValueError("bad field sizes")
        recovery = rc.check_block(body["recovery"]) if body.get("recovery") is not None else None
        unlock = _read_unlock(body.get("unlock"))
        return KeyFile(
            vault_id=body["vault_id"],
            kdf_params=params,
            salt=salt,
            wrapped_key=wrapped,
            format=fmt,
            recovery=recovery,
            unlock=unlock,
        )
    except _NewerFormat as exc:
        raise VaultError(_newer_format_message(), detail=f"key file format {exc.fmt} > {FORMAT}") from exc
    except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError, kdf.KdfParamsError) as exc:
        raise VaultCorrupt(f"{Path(path).name}: {exc}") from exc


def _read_unlock(raw: Any) -> UnlockKey | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or set(raw) != {"device", "key"}:
        raise ValueError("unlock block has the wrong fields")
    device, key = raw["device"], _unb64(raw["key"])
    if isinstance(device, bool) or not isinstance(device, int) or device < 0 or len(key) != 32:
        raise ValueError("unlock block has bad values")
    return UnlockKey(device=device, key=key)


class _NewerFormat(VaultError):
    """A key file from a newer app (read_keyfile turns it into the officer's sentence)."""

    def __init__(self, fmt: int) -> None:
        self.fmt = fmt
        super().__init__(detail=f"key file format {fmt}")


def _newer_format_message() -> LocalizedText:
    return text(
        "Dữ liệu này được tạo bởi phiên bản ứng dụng mới hơn. Hãy cập nhật ứng dụng.",
        "This data was made by a newer version of the app. Update the app.",
    )


def _canonical(obj: Any) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def _b64(b: bytes) -> str:
    return base64.b64encode(b).decode("ascii")


def _unb64(s: Any) -> bytes:
    if not isinstance(s, str):
        raise ValueError("expected base64 text")
    return base64.b64decode(s.encode("ascii"), validate=True)


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
