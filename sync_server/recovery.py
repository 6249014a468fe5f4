"""The server's recovery key: opens a phone's vault after a forgotten PIN, and makes unlock codes.

One X25519 key pair per server, made on first use and kept in a JSON file
(mode 0600) named by ``FIELDTALLY_RECOVERY_KEY_FILE`` (default: beside the
SQLite file, or ``./var/recovery-key.json``). Every worker reads the same
file; the first to need it creates it atomically (``O_EXCL`` on a link), so
two workers starting together agree on one key. The private key never
leaves this file: enrollment hands phones the public key, and
``fieldtally-server recover-vault`` uses the private key on this machine.

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
import shutil
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy.engine import make_url

from schemas.common import text, utcnow
from schemas.sync import RecoveryKeyInfo
from schemas.unlock import derive_unlock_key, unlock_code

from .config import Settings
from .errors import ConfigError, InvalidInput

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
        from vault_format.recovery import key_id

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
    if settings.recovery_key_file:
        return Path(settings.recovery_key_file).expanduser()
    url = make_url(settings.database_url)
    database = url.database or ""
    if (
        url.get_backend_name() == "sqlite"
        and database
        and database != ":memory:"
        and "mode=memory" not in database
    ):
        return Path(database).expanduser().resolve().parent / "recovery-key.json"
    return Path("var") / "recovery-key.json"


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


# ---- opening a phone's vault -------------------------------------------------------------------------


@dataclass
class RecoveredVault:
    vault_id: str
    key_id: str
    records: list[dict[str, Any]]  # StoredRecord JSON: {"record": ..., "state": ..., "issues": ...}

    def unsynced(self) -> list[dict[str, Any]]:
        return [r for r in self.records if r["state"] in ("pending", "rejected", "draft")]


@contextmanager
def _vault_copy(source: Path) -> Iterator[Path]:
    """A private copy of an exported vault (a folder or a .zip); the evidence itself is never written."""
    with tempfile.TemporaryDirectory(prefix="fieldtally-recover-") as tmp:
        dest = Path(tmp) / "vault"
        if source.is_dir():
            shutil.copytree(source, dest)
        elif source.suffix == ".zip":
            import zipfile

            dest.mkdir()
            with zipfile.ZipFile(source) as z:
                for name in ("vault.key", "vault.snap", "vault.journal"):
                    member = next((m for m in z.namelist() if Path(m).name == name), None)
                    if member is not None:
                        (dest / name).write_bytes(z.read(member))
        else:
            raise InvalidInput(text("Không phải thư mục hay tệp .zip.", "Not a folder or a .zip file."))
        yield dest


def open_vault(source: Path, key: RecoveryKey) -> RecoveredVault:
    """Decrypt an exported vault with the recovery key; InvalidInput if it cannot be opened."""
    from mobile.errors import VaultError
    from mobile.records import META_TABLE, RECORDS_TABLE  # noqa: F401 - the table names are the contract
    from mobile.vault import keyfile as kf
    from vault_format.recovery import RecoveryError, unwrap_with_private_key
    from mobile.vault.storage import EncryptedStorage

    with _vault_copy(Path(source)) as folder:
        try:
            keyfile = kf.read_keyfile(folder / "vault.key")
            if keyfile.recovery is None:
                raise InvalidInput(
                    text(
                        "Kho dữ liệu này không có bản khóa dành cho máy chủ (tạo trước khi có tính năng khôi "
                        "phục); không thể mở nếu không có mã PIN.",
                        "This vault holds no copy of its key for the server (made before recovery existed); "
                        "it cannot be opened without the PIN.",
                    ),
                    code="no_recovery_wrap",
                )
            data_key = unwrap_with_private_key(keyfile.recovery, key.private_key, vault_id=keyfile.vault_id)
            storage = EncryptedStorage(folder, data_key, keyfile.vault_id)
            try:
                tables = storage.read()
                records = [dict(doc) for doc in tables.get(RECORDS_TABLE, {}).values()]
            finally:
                storage.close()
        except RecoveryError as exc:
            raise InvalidInput(
                text(
                    f"Khóa khôi phục của máy chủ này không mở được kho dữ liệu: {exc}",
                    f"This server's recovery key cannot open the vault: {exc}",
                ),
                code="wrong_recovery_key",
            ) from exc
        except VaultError as exc:
            raise InvalidInput(
                text(f"Kho dữ liệu bị hỏng: {exc.detail or ''}", f"The vault is damaged: {exc.detail or ''}"),
                code="vault_corrupt",
            ) from exc
    records.sort(key=lambda r: (r["record"]["created_at"], r["record"]["id"]))
    return RecoveredVault(vault_id=keyfile.vault_id, key_id=keyfile.recovery["key_id"], records=records)


def ingest_recovered(db: Any, recovered: RecoveredVault, *, settings: Settings, actor: str) -> dict[str, int]:
    """Store the recovered records that never reached the server, as their authors, and audit it.

    Only finished records (final or void) go in; drafts stay in the export
    file. Each goes through the normal ingest, so one already stored is a
    no-op (``duplicate``/``stale``) and the tallies move exactly as if the
    phone had sent it. Returns how many records got each receipt status.
    """
    from sqlalchemy import select

    from schemas.records import Record, RecordStatus
    from schemas.sync import Role

    from .api.deps import local_today
    from .models import UnitRow, UserRow
    from .services.accounts import Caller
    from .services.audit import audit
    from .services.ingest import push_records

    now = utcnow()
    counts: dict[str, int] = {}
    by_author: dict[str, list[Record]] = {}
    for doc in recovered.records:
        record = Record.model_validate(doc["record"])
        if record.status != RecordStatus.DRAFT:
            by_author.setdefault(record.author, []).append(record)
    with db.session(write=True) as s:
        for author, records in sorted(by_author.items()):
            found = s.execute(
                select(UserRow, UnitRow)
                .join(UnitRow, UnitRow.code == UserRow.unit_code)
                .where(UserRow.username == author)
            ).first()
            if found is None:
                counts["unknown_author"] = counts.get("unknown_author", 0) + len(records)
                continue
            user, unit = found
            caller = Caller(
                user_id=user.id,
                username=user.username,
                full_name=user.full_name,
                role=Role(user.role),
                unit_code=unit.code,
                unit_name=unit.name,
                unit_path=unit.path,
                device_pk=0,
            )
            for receipt in push_records(
                s, caller=caller, records=records, today=local_today(settings, now), now=now
            ):
                counts[receipt.status.value] = counts.get(receipt.status.value, 0) + 1
        audit(
            s,
            actor=actor,
            action="vault_recovered",
            entity="vault",
            entity_id=recovered.vault_id,
            now=now,
            detail={"key_id": recovered.key_id, "records": len(recovered.records), "ingested": counts},
        )
    return counts


def audit_export_only(db: Any, recovered: RecoveredVault, *, actor: str) -> None:
    """The audit entry of a recovery whose records were only written to a file."""
    from .services.audit import audit

    with db.session(write=True) as s:
        audit(
            s,
            actor=actor,
            action="vault_recovered",
            entity="vault",
            entity_id=recovered.vault_id,
            now=utcnow(),
            detail={"key_id": recovered.key_id, "records": len(recovered.records), "ingested": None},
        )


def recover_vault_command(settings: Settings, db: Any, args: Any) -> None:
    """``fieldtally-server recover-vault VAULT --out FILE [--ingest]`` (audited either way)."""
    from .bootstrap import prepare_database
    from .services.audit import cli_actor

    path = Path(args.recovery_key_file) if args.recovery_key_file else recovery_key_path(settings)
    key = load_existing(path)
    recovered = open_vault(Path(args.vault), key)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # plaintext field data: owner only
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(
            {"vault_id": recovered.vault_id, "key_id": recovered.key_id, "records": recovered.records},
            f,
            ensure_ascii=False,
            indent=1,
        )
    prepare_database(db, settings)
    if args.ingest:
        counts = ingest_recovered(db, recovered, settings=settings, actor=cli_actor())
        print(f"ingested: {json.dumps(counts, sort_keys=True)}")
    else:
        audit_export_only(db, recovered, actor=cli_actor())
    unsynced = len(recovered.unsynced())
    print(f"vault {recovered.vault_id}: {len(recovered.records)} records ({unsynced} not yet sent) -> {out}")
