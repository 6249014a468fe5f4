"""The server's recovery key: opens a phone's vault after a forgotten PIN, and makes unlock codes.

One X25519 key pair per server, made on first use and kept in a JSON file
(mode 0600) named by ``FIELDTALLY_RECOVERY_KEY_FILE`` (default: beside the
SQLite file, or ``./var/recovery-key.json``). Every worker reads the same
file; the first to need it creates it atomically (``O_EXCL`` on a link), so
two workers starting together agree on one key. The private key never
leaves this file: enrollment hands phones the public key, and
``fieldtally-server recover-vault`` uses the private key on this machine
(``services/vault_recovery.py`` opens the vault with it).

It is *not* in the database, on purpose: a leaked database dump does not
open any phone. Back it up apart from the database (``docs/operations.md``);
without it, vaults whose PIN is forgotten stay closed.

Unlock codes (``schemas/unlock.py``) use a secret derived from the same
private key, so the server stores nothing per device to make them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy.engine import make_url

from schemas.common import utcnow
from schemas.sync import RecoveryKeyInfo
from schemas.unlock import derive_unlock_key, unlock_code
from vault_format.recovery import key_id

from .config import Settings, beside_database
from .errors import ConfigError

KIND = "fieldtally-recovery-key"
_RAW_PUB = serialization.Encoding.Raw, serialization.PublicFormat.Raw
_cache: dict[Path, RecoveryKey] = {}
_cache_lock = threading.Lock()


@dataclass(frozen=True)
class RecoveryKey:
    private_key: bytes
    public_key: bytes

    @property
    def key_id(self) -> str:
        return key_id(self.public_key)

    def info(self) -> RecoveryKeyInfo:
        return RecoveryKeyInfo(
            key_id=self.key_id, public_key=base64.b64encode(self.public_key).decode("ascii")
        )

    def _unlock_secret(self) -> bytes:
        return hmac.new(self.private_key, b"fieldtally/unlock-secret", hashlib.sha256).digest()

    def unlock_key(self, device: int) -> bytes:
        """The per-device key handed to the phone at enrollment (re-derived, never stored)."""
        return derive_unlock_key(self._unlock_secret(), device)

    def unlock_code(self, device: int, lockout: int) -> str:
        return unlock_code(self.unlock_key(device), device=device, lockout=lockout)


def recovery_key_path(settings: Settings) -> Path:
    """Where the key lives. In production it must be named, and not in the SQLite file's folder.

    Beside the database, one copy of a folder (a backup, a stolen disk image)
    would hold both the data and the key that opens every phone's vault.
    """
    url = make_url(settings.database_url)
    if settings.environment == "production":
        if not settings.recovery_key_file:
            raise ConfigError(
                "set FIELDTALLY_RECOVERY_KEY_FILE in production: the recovery key is kept apart from the data"
            )
        key = Path(settings.recovery_key_file).expanduser().resolve()
        if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
            if key.parent == Path(url.database).expanduser().resolve().parent:
                raise ConfigError(
                    "FIELDTALLY_RECOVERY_KEY_FILE is in the database's folder: keep the key elsewhere"
                )
    if settings.recovery_key_file:
        return Path(settings.recovery_key_file).expanduser()
    return beside_database(settings.database_url, "recovery-key.json")


def load_or_create(settings: Settings) -> RecoveryKey:
    """The server's recovery key, made (once, atomically) if the file does not exist yet."""
    path = recovery_key_path(settings)
    with _cache_lock:
        key = _cache.get(path)
        if key is None:
            key = _read(path) if path.exists() else _create(path)
            _cache[path] = key
        return key


def _create(path: Path) -> RecoveryKey:
    priv = X25519PrivateKey.generate()
    raw = priv.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    key = RecoveryKey(private_key=raw, public_key=priv.public_key().public_bytes(*_RAW_PUB))
    body = {
        "kind": KIND,
        "version": 1,
        "scheme": "x25519",
        "key_id": key.key_id,
        "created_at": utcnow().isoformat(),
        "public_key": base64.b64encode(key.public_key).decode("ascii"),
        "private_key": base64.b64encode(raw).decode("ascii"),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".recovery-key-", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, json.dumps(body, indent=1).encode("ascii"))
        os.fsync(fd)
        os.close(fd)
        try:
            os.link(tmp, path)  # fails if another worker made it first: then theirs is the key
        except FileExistsError:
            return _read(path)
    finally:
        try:
            os.unlink(tmp)
        except OSError:
            pass
    return key


def _read(path: Path) -> RecoveryKey:
    try:
        body = json.loads(path.read_text(encoding="ascii"))
        if body.get("kind") != KIND or body.get("scheme") != "x25519":
            raise ValueError("not a fieldtally recovery key file")
        raw = base64.b64decode(body["private_key"], validate=True)
        priv = X25519PrivateKey.from_private_bytes(raw)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"cannot read the recovery key file {path.name}: {exc}") from exc
    return RecoveryKey(private_key=raw, public_key=priv.public_key().public_bytes(*_RAW_PUB))


def load_existing(path: Path) -> RecoveryKey:
    """The key in ``path`` (for the admin command line; never creates one)."""
    if not Path(path).exists():
        raise ConfigError(f"no recovery key file at {path}")
    return _read(Path(path))
