"""The key file ``vault.key``: the data key, wrapped by a key derived from the PIN.

A small JSON document (nothing in it is secret without the PIN)::

    {"magic": "fieldtally-vault", "format": 1, "vault_id": "<hex>",
     "kdf": {"name": "scrypt", "n": 32768, "r": 8, "p": 1, "salt": "<b64>"},
     "wrapped_key": "<b64: 12-byte nonce | AES-256-GCM(data key) | tag>",
     "checksum": "<sha256 of the fields above>"}

The wrap's associated data is the canonical JSON of magic, format, vault id
and KDF parameters with the salt, so none of them can be swapped without the
unwrap failing. A failed unwrap cannot tell a wrong PIN from a damaged wrap,
so the file also carries a plain SHA-256 checksum: a file that fails it is
reported as corrupt (not as a wrong PIN), and a wrong PIN is then the only
reason left for a failed unwrap.
"""

from __future__ import annotations

import base64
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
from .atomic import atomic_write

MAGIC = "fieldtally-vault"
FORMAT = 1


class BadKey(Exception):
    """The unwrap failed: with a valid checksum, that means the PIN was wrong."""


@dataclass(frozen=True)
class KeyFile:
    vault_id: str
    kdf_params: dict[str, Any]  # normalized, without the salt
    salt: bytes
    wrapped_key: bytes

    def _aad(self) -> bytes:
        return _canonical(
            {"magic": MAGIC, "format": FORMAT, "vault_id": self.vault_id, "kdf": self._kdf_json()}
        )

    def _kdf_json(self) -> dict[str, Any]:
        return {**self.kdf_params, "salt": _b64(self.salt)}

    def to_bytes(self) -> bytes:
        body = {
            "magic": MAGIC,
            "format": FORMAT,
            "vault_id": self.vault_id,
            "kdf": self._kdf_json(),
            "wrapped_key": _b64(self.wrapped_key),
        }
        body["checksum"] = hashlib.sha256(_canonical(body)).hexdigest()
        return json.dumps(body, indent=1).encode("utf-8")

    def unwrap(self, pin: str) -> bytes:
        """The data key; raises BadKey when ``pin`` is wrong."""
        kek = kdf.derive(pin, self.salt, self.kdf_params)
        try:
            return AESGCM(kek).decrypt(self.wrapped_key[:12], self.wrapped_key[12:], self._aad())
        except InvalidTag as exc:
            raise BadKey() from exc


def new_keyfile(pin: str, data_key: bytes, params: dict[str, Any] | None) -> KeyFile:
    try:
        p = kdf.normalize(params)
    except kdf.KdfParamsError as exc:
        raise VaultError(detail=str(exc)) from exc
    salt = os.urandom(kdf.SALT_LEN)
    proto = KeyFile(vault_id=os.urandom(16).hex(), kdf_params=p, salt=salt, wrapped_key=b"")
    kek = kdf.derive(pin, salt, p)
    nonce = os.urandom(12)
    wrapped = nonce + AESGCM(kek).encrypt(nonce, data_key, proto._aad())
    return KeyFile(vault_id=proto.vault_id, kdf_params=p, salt=salt, wrapped_key=wrapped)


def write_keyfile(path: Path, kf: KeyFile) -> None:
    atomic_write(path, kf.to_bytes())


def read_keyfile(path: Path) -> KeyFile:
    """Parse and check ``path``; raises VaultCorrupt for anything but a well-formed, intact file."""
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError as exc:
        raise VaultCorrupt(f"{Path(path).name} is missing") from exc
    try:
        body = json.loads(raw.decode("utf-8"))
        if not isinstance(body, dict):
            raise ValueError("not an object")
        checksum = body.pop("checksum")
        if hashlib.sha256(_canonical(body)).hexdigest() != checksum:
            raise ValueError("checksum mismatch")
        if body["magic"] != MAGIC:
            raise ValueError("not a fieldtally key file")
        if body["format"] != FORMAT:
            raise _NewerFormat(body["format"])
        kdf_json = dict(body["kdf"])
        salt = _unb64(kdf_json.pop("salt"))
        params = kdf.normalize(kdf_json)
        if params != kdf_json:
            raise ValueError("kdf parameters are not in normal form")
        wrapped = _unb64(body["wrapped_key"])
        if len(salt) != kdf.SALT_LEN or len(wrapped) != 12 + 32 + 16 or not isinstance(body["vault_id"], str):
            raise ValueError("bad field sizes")
        return KeyFile(vault_id=body["vault_id"], kdf_params=params, salt=salt, wrapped_key=wrapped)
    except _NewerFormat as exc:
        raise VaultError(_newer_format_message(), detail=f"key file format {exc.args[0]} > {FORMAT}") from exc
    except (ValueError, KeyError, TypeError, UnicodeDecodeError, kdf.KdfParamsError) as exc:
        raise VaultCorrupt(f"{Path(path).name}: {exc}") from exc


class _NewerFormat(Exception):
    pass


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
