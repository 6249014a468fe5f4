"""The second wrap of the data key: for the server's recovery key, so a forgotten PIN loses nothing.

At enrollment the server hands the phone its X25519 public key. The phone
wraps the vault's data key for it, ECIES-style::

    ephemeral X25519 key pair e (fresh per wrap)
    shared  = X25519(e.private, server.public)
    kek     = HKDF-SHA256(shared, salt = e.public | server.public, info = INFO)
    wrapped = nonce | AES-256-GCM(kek, data key, aad = canonical(vault id, key id))

Only ``e.public`` and ``wrapped`` are stored (in ``vault.key``); the
ephemeral private key is dropped at once, so the phone itself cannot undo
this wrap: only the holder of the server's private key can, and only with
the vault's files in hand (``fieldtally-server recover-vault``). The AAD
binds the wrap to its vault and to the exact server key, so a wrap cannot be
moved to another vault or passed off as made for another key.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .errors import RecoveryError

SCHEME = "x25519-hkdf-sha256-aes256gcm"
INFO = b"fieldtally/vault-recovery/v1"
_RAW = serialization.Encoding.Raw, serialization.PublicFormat.Raw

__all__ = ["RecoveryError", "SCHEME", "key_id", "wrap_for_server", "check_block", "unwrap_with_private_key"]


def key_id(public_key: bytes) -> str:
    """A short fingerprint of a server public key (hex), shown to admins and stored beside the wrap."""
    return hashlib.sha256(b"fieldtally-recovery-key|" + public_key).hexdigest()[:16]


def _aad(vault_id: str, kid: str) -> bytes:
    body = {"purpose": "fieldtally-vault-recovery", "vault_id": vault_id, "key_id": kid}
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode("ascii")


def _kek(shared: bytes, eph_pub: bytes, server_pub: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=eph_pub + server_pub, info=INFO).derive(shared)


def wrap_for_server(data_key: bytes, server_public: bytes, *, vault_id: str) -> dict[str, str]:
    """The JSON block stored in ``vault.key`` under ``"recovery"``."""
    if len(server_public) != 32:
        raise RecoveryError("an X25519 public key is 32 bytes")
    eph = X25519PrivateKey.generate()
    eph_pub = eph.public_key().public_bytes(*_RAW)
    shared = eph.exchange(X25519PublicKey.from_public_bytes(server_public))
    kid = key_id(server_public)
    nonce = os.urandom(12)
    wrapped = nonce + AESGCM(_kek(shared, eph_pub, server_public)).encrypt(
        nonce, data_key, _aad(vault_id, kid)
    )
    return {
        "scheme": SCHEME,
        "key_id": kid,
        "public_key": _b64(server_public),
        "ephemeral": _b64(eph_pub),
        "wrapped_key": _b64(wrapped),
    }


def check_block(block: object) -> dict[str, str]:
    """``block`` if it is a well-formed recovery block (sizes and scheme), else RecoveryError."""
    if not isinstance(block, dict) or set(block) != {
        "scheme",
        "key_id",
        "public_key",
        "ephemeral",
        "wrapped_key",
    }:
        raise RecoveryError("recovery block has the wrong fields")
    if block["scheme"] != SCHEME:
        raise RecoveryError(f"unknown recovery scheme {block['scheme']!r}")
    pub, eph, wrapped = (_unb64(block[k]) for k in ("public_key", "ephemeral", "wrapped_key"))
    if len(pub) != 32 or len(eph) != 32 or len(wrapped) != 12 + 32 + 16 or block["key_id"] != key_id(pub):
        raise RecoveryError("recovery block has bad sizes or a key id that does not match its key")
    return block


def unwrap_with_private_key(block: dict[str, str], private_key: bytes, *, vault_id: str) -> bytes:
    """The data key, using the server's raw X25519 private key; RecoveryError if it does not open."""
    check_block(block)
    priv = X25519PrivateKey.from_private_bytes(private_key)
    server_pub = priv.public_key().public_bytes(*_RAW)
    if key_id(server_pub) != block["key_id"]:
        raise RecoveryError(
            f"this vault was wrapped for recovery key {block['key_id']}, not {key_id(server_pub)}"
        )
    eph_pub, wrapped = _unb64(block["ephemeral"]), _unb64(block["wrapped_key"])
    shared = priv.exchange(X25519PublicKey.from_public_bytes(eph_pub))
    try:
        return AESGCM(_kek(shared, eph_pub, server_pub)).decrypt(
            wrapped[:12], wrapped[12:], _aad(vault_id, block["key_id"])
        )
    except InvalidTag as exc:
        raise RecoveryError("the recovery wrap does not open (damaged, or made for another vault)") from exc


def _b64(b: bytes) -> str:
    return base64.b64encode(b).decode("ascii")


def _unb64(s: object) -> bytes:
    if not isinstance(s, str):
        raise RecoveryError("expected base64 text")
    try:
        return base64.b64decode(s.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError) as exc:
        raise RecoveryError("bad base64") from exc
