"""The key file ``vault.key``: the data key, wrapped by a key derived from the PIN (and for the server).

A small JSON document (nothing in it opens the data without the PIN or the
server's private key)::

    {"magic": "fieldtally-vault", "format": 2, "vault_id": "<hex>",
     "kdf": {"name": "scrypt", "n": 32768, "r": 8, "p": 1, "salt": "<b64>"},
     "wrapped_key": "<b64: 12-byte nonce | AES-256-GCM(data key) | tag>",
     "recovery": null | {"scheme", "key_id", "public_key", "ephemeral", "wrapped_key"},  (recovery.py)
     "unlock": null | {"device": <server's device id>, "key": "<b64>"},             (schemas/unlock.py)
     "checksum": "<sha256 of the fields above>"}

Format 3 is a vault *bound to its device* (``binding.py``): the PIN's key is
keyed by a device secret kept outside these files, the unlock block holds
``"sealed_key"`` (the unlock key sealed under the device secret) instead of
``"key"``, and ``"binding": "device-secret-v1"`` and ``"mac"`` (an HMAC
under the device secret over every other field) are added. A format-3 file
is checked against its MAC before anything in it is trusted, so its unlock
and recovery blocks cannot be swapped or dropped, and the format is in the
PIN wrap's associated data, so it cannot be passed off as format 2 either.
The server reads format 3 without the secret: it needs only the recovery
block, whose own AEAD binds it to the vault.

The PIN wrap's associated data is the canonical JSON of magic, format, vault
id and KDF parameters with the salt, so none of them can be swapped without
the unwrap failing. A failed unwrap cannot tell a wrong PIN from a damaged
wrap, so the file also carries a plain SHA-256 checksum: a file that fails
it is reported as corrupt (not as a wrong PIN), and a wrong PIN is then the
only reason left for a failed unwrap.

Format history: 1 had no ``recovery`` and ``unlock``; 2 added them; 3 binds
the vault to its device. A format-1 or -2 file is read as it is and
rewritten at the next successful unlock (``Vault.unlock`` re-wraps the same
data key under the same PIN: the records are not re-encrypted), as format 3
when the app has a device secret, else as format 2. A format newer than ``FORMAT`` is refused with a
message asking to update the app, never misread.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from . import binding, kdf
from . import recovery as rc
from .atomic import atomic_write
from .errors import Corrupt, NewerFormat, NotThisDevice, RecoveryError

KEY_NAME = "vault.key"
MAGIC = "fieldtally-vault"
FORMAT = 3  # the newest this code reads and writes (bound vaults)
UNBOUND_FORMAT = 2  # what a vault without a device secret is written as
READABLE_FORMATS = (1, 2, 3)


class BadKey(Exception):
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
    format: int = UNBOUND_FORMAT
    recovery: dict[str, str] | None = None  # the data key wrapped for the server (recovery.py)
    unlock: UnlockKey | None = None  # format 3 read without the device secret: None (it is sealed)
    # Format 3 only. The device secret is held in memory so the file can be MACed and sealed when
    # written; ``sealed_unlock`` is the stored block, kept as read when the secret is absent (server).
    device_secret: bytes | None = dataclasses.field(default=None, repr=False, compare=False)
    sealed_unlock: dict[str, Any] | None = dataclasses.field(default=None, repr=False, compare=False)

    @property
    def bound(self) -> bool:
        return self.format >= 3

    @property
    def unlock_device(self) -> int | None:
        """The device number of the unlock block, readable without the device secret (it is no secret)."""
        if self.unlock is not None:
            return self.unlock.device
        return self.sealed_unlock["device"] if self.bound and self.sealed_unlock else None

    def _aad(self) -> bytes:
        return _canonical(
            {"magic": MAGIC, "format": self.format, "vault_id": self.vault_id, "kdf": self._kdf_json()}
        )

    def _kdf_json(self) -> dict[str, Any]:
        return {**self.kdf_params, "salt": _b64(self.salt)}

    def _unlock_json(self) -> dict[str, Any] | None:
        if self.unlock is None:
            return self.sealed_unlock if self.bound else None
        if not self.bound:
            return {"device": self.unlock.device, "key": _b64(self.unlock.key)}
        sealed = binding.seal_unlock_key(
            self._secret(), self.unlock.key, vault_id=self.vault_id, device=self.unlock.device
        )
        return {"device": self.unlock.device, "sealed_key": _b64(sealed)}

    def _secret(self) -> bytes:
        if self.device_secret is None:
            raise NotThisDevice("a bound key file needs the device secret")
        return self.device_secret

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
            body["unlock"] = self._unlock_json()
        if self.bound:
            body["binding"] = binding.SCHEME
            body["mac"] = binding.mac(self._secret(), _canonical(body))
        body["checksum"] = hashlib.sha256(_canonical(body)).hexdigest()
        return json.dumps(body, indent=1).encode("utf-8")

    def kek(self, pin: str) -> bytes:
        """The key-encryption key for ``pin`` (with the device secret for a bound file): one guess's cost."""
        out = kdf.derive(pin, self.salt, self.kdf_params)
        return binding.pin_kek(self._secret(), out) if self.bound else out

    def unwrap(self, pin: str) -> bytes:
        """The data key; raises BadKey when ``pin`` is wrong, NotThisDevice without the device secret."""
        kek = self.kek(pin)
        try:
            return AESGCM(kek).decrypt(self.wrapped_key[:12], self.wrapped_key[12:], self._aad())
        except InvalidTag as exc:
            raise BadKey() from exc

    def rewrapped(
        self,
        pin: str,
        data_key: bytes,
        params: dict[str, Any] | None = None,
        *,
        device_secret: bytes | None = None,
    ) -> KeyFile:
        """The same vault, data key, recovery wrap and unlock key, wrapped under ``pin``.

        A fresh salt every time; ``params`` (default: the current ones) may raise the KDF cost.
        Bound (format 3) when this file is or ``device_secret`` is given, else format 2.
        """
        return _wrap(
            pin,
            data_key,
            params if params is not None else self.kdf_params,
            vault_id=self.vault_id,
            recovery=self.recovery,
            unlock=self.unlock,
            device_secret=device_secret if device_secret is not None else self.device_secret,
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
    device_secret: bytes | None = None,
) -> KeyFile:
    p = kdf.normalize(params)  # KdfParamsError for parameters out of bounds
    salt = os.urandom(kdf.SALT_LEN)
    fmt = FORMAT if device_secret is not None else UNBOUND_FORMAT
    proto = KeyFile(
        vault_id=vault_id, kdf_params=p, salt=salt, wrapped_key=b"", format=fmt, device_secret=device_secret
    )
    nonce = os.urandom(12)
    wrapped = nonce + AESGCM(proto.kek(pin)).encrypt(nonce, data_key, proto._aad())
    return dataclasses.replace(proto, wrapped_key=wrapped, recovery=recovery, unlock=unlock)


def new_keyfile(
    pin: str,
    data_key: bytes,
    params: dict[str, Any] | None,
    *,
    recovery_public_key: bytes | None = None,
    unlock: UnlockKey | None = None,
    device_secret: bytes | None = None,
) -> KeyFile:
    """A key file for a new vault; ``recovery_public_key`` adds a wrap of the data key for the server.

    ``device_secret`` binds the vault to the device (format 3, ``binding.py``).
    Raises KdfParamsError for bad ``params`` and RecoveryError for a malformed server key.
    """
    vault_id = os.urandom(16).hex()
    block = None
    if recovery_public_key is not None:
        try:
            block = rc.wrap_for_server(data_key, recovery_public_key, vault_id=vault_id)
        except RecoveryError as exc:
            raise RecoveryError(f"recovery key: {exc}") from exc
    return _wrap(
        pin, data_key, params, vault_id=vault_id, recovery=block, unlock=unlock, device_secret=device_secret
    )


def write_keyfile(path: Path, kf: KeyFile) -> None:
    atomic_write(path, kf.to_bytes())


def read_keyfile(path: Path, device_secret: bytes | None = None) -> KeyFile:
    """Parse and check ``path``; raises Corrupt for anything but a well-formed, intact file.

    A file of a newer format raises NewerFormat instead: it is not damaged, the app is old.
    A bound file (format 3) read with ``device_secret`` is checked against its MAC (Corrupt if
    any field was changed) and its unlock key opened; read without it (the server's recovery),
    only its recovery block is usable.
    """
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError as exc:
        raise Corrupt(f"{Path(path).name} is missing") from exc
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
        expected = (
            {"magic", "format", "vault_id", "kdf", "wrapped_key"}
            | ({"recovery", "unlock"} if fmt >= 2 else set())
            | ({"binding", "mac"} if fmt >= 3 else set())
        )
        if set(body) != expected:
            raise ValueError("unexpected or missing fields")
        if fmt >= 3:
            if body["binding"] != binding.SCHEME:
                raise ValueError(f"unknown device binding {body['binding']!r}")
            if device_secret is not None:
                claimed = body.pop("mac")
                if not isinstance(claimed, str) or not hmac.compare_digest(
                    claimed, binding.mac(device_secret, _canonical(body))
                ):
                    raise ValueError("the key file was altered (its MAC does not match this device's secret)")
        kdf_json = dict(body["kdf"])
        salt = _unb64(kdf_json.pop("salt"))
        params = kdf.normalize(kdf_json)
        if params != kdf_json:
            raise ValueError("kdf parameters are not in normal form")
        wrapped = _unb64(body["wrapped_key"])
        if len(salt) != kdf.SALT_LEN or len(wrapped) != 12 + 32 + 16 or not isinstance(body["vault_id"], str):
            raise ValueError("bad field sizes")
        recovery = rc.check_block(body["recovery"]) if body.get("recovery") is not None else None
        sealed = body.get("unlock") if fmt >= 3 else None
        if fmt >= 3:
            unlock = _read_sealed_unlock(sealed, device_secret, body["vault_id"])
        else:
            unlock = _read_unlock(body.get("unlock"))
        return KeyFile(
            vault_id=body["vault_id"],
            kdf_params=params,
            salt=salt,
            wrapped_key=wrapped,
            format=fmt,
            recovery=recovery,
            unlock=unlock,
            device_secret=device_secret if fmt >= 3 else None,
            sealed_unlock=sealed,
        )
    except _NewerFormat as exc:
        raise NewerFormat(f"key file format {exc.args[0]} > {FORMAT}") from exc
    except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError) as exc:
        # KdfParamsError and RecoveryError are ValueErrors too: in a stored file they mean damage.
        raise Corrupt(f"{Path(path).name}: {exc}") from exc


def _read_unlock(raw: Any) -> UnlockKey | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or set(raw) != {"device", "key"}:
        raise ValueError("unlock block has the wrong fields")
    device, key = raw["device"], _unb64(raw["key"])
    if isinstance(device, bool) or not isinstance(device, int) or device < 0 or len(key) != 32:
        raise ValueError("unlock block has bad values")
    return UnlockKey(device=device, key=key)


def _read_sealed_unlock(raw: Any, secret: bytes | None, vault_id: str) -> UnlockKey | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or set(raw) != {"device", "sealed_key"}:
        raise ValueError("unlock block has the wrong fields")
    device, sealed = raw["device"], _unb64(raw["sealed_key"])
    if isinstance(device, bool) or not isinstance(device, int) or device < 0 or len(sealed) != 12 + 32 + 16:
        raise ValueError("unlock block has bad values")
    if secret is None:
        return None  # sealed under the device secret: only the phone that made it can read it
    return UnlockKey(
        device=device, key=binding.open_unlock_key(secret, sealed, vault_id=vault_id, device=device)
    )


class _NewerFormat(Exception):
    pass


def _canonical(obj: Any) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def _b64(b: bytes) -> str:
    return base64.b64encode(b).decode("ascii")


def _unb64(s: Any) -> bytes:
    if not isinstance(s, str):
        raise ValueError("expected base64 text")
    return base64.b64decode(s.encode("ascii"), validate=True)
