"""Binding a vault to its device: a random secret kept outside the vault's files enters every key.

Why: with the PIN alone in the key derivation, a copy of ``vault.key`` (or of
the sealed recovery export, which holds it) lets anyone try all 10^6
six-digit PINs offline, paying only the KDF per guess. A 256-bit *device
secret*, kept by the platform's secure storage (the Android Keystore on the
phone; see ``mobile/vault/device_secret.py`` for what stands in elsewhere)
and never written to the vault's folder, is mixed into:

- the PIN's key-encryption key: ``kek = HMAC(sub("pin"), KDF(PIN))``, so a
  guess needs the secret too (2^256 choices) and the files alone are useless;
- a MAC over the whole key file (``sub("mac")``), so its unlock and recovery
  blocks cannot be replaced, removed or downgraded without the phone noticing;
- the seal of the lockout's unlock key (``sub("unlock")``), so a supervisor's
  unlock code cannot be computed from the files.

The server's recovery wrap does not use the secret (the server never has
it): it stays independent of the PIN wrap, so a sealed export still opens
with the server's private key alone.

Each purpose gets its own sub-key, ``HMAC-SHA256(secret, LABEL | purpose)``,
so no key serves two uses.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .errors import Corrupt

SCHEME = "device-secret-v1"
SECRET_LEN = 32
_LABEL = b"fieldtally/device-binding/v1|"

__all__ = ["SCHEME", "SECRET_LEN", "new_secret", "pin_kek", "mac", "seal_unlock_key", "open_unlock_key"]


def new_secret() -> bytes:
    return os.urandom(SECRET_LEN)


def _sub(secret: bytes, purpose: str) -> bytes:
    if len(secret) != SECRET_LEN:
        raise ValueError("a device secret is 32 bytes")
    return hmac.new(secret, _LABEL + purpose.encode("ascii"), hashlib.sha256).digest()


def pin_kek(secret: bytes, kdf_output: bytes) -> bytes:
    """The key-encryption key of a bound vault: the PIN's KDF output keyed by the device secret."""
    return hmac.new(_sub(secret, "pin"), kdf_output, hashlib.sha256).digest()


def mac(secret: bytes, canonical_body: bytes) -> str:
    return hmac.new(_sub(secret, "mac"), canonical_body, hashlib.sha256).hexdigest()


def _unlock_aad(vault_id: str, device: int) -> bytes:
    body = {"purpose": "fieldtally-unlock-key", "vault_id": vault_id, "device": device}
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode("ascii")


def seal_unlock_key(secret: bytes, key: bytes, *, vault_id: str, device: int) -> bytes:
    nonce = os.urandom(12)
    return nonce + AESGCM(_sub(secret, "unlock")).encrypt(nonce, key, _unlock_aad(vault_id, device))


def open_unlock_key(secret: bytes, sealed: bytes, *, vault_id: str, device: int) -> bytes:
    try:
        return AESGCM(_sub(secret, "unlock")).decrypt(sealed[:12], sealed[12:], _unlock_aad(vault_id, device))
    except InvalidTag as exc:
        raise Corrupt("the unlock key does not open with this device's secret") from exc
