"""Opening a phone's exported vault with the server's recovery key, and storing what it held.

An officer who forgot the PIN exports the sealed vault (``mobile/vault/export.py``);
an admin opens a private copy of it here with the private key of
``recovery_key.py``. The vault is read with ``vault_format`` (the same code the
phone writes it with), never with the phone's app, and the evidence itself is
never written to. Either way the recovery is audited.

Whose vault it is comes from what the server itself issued, never from what
the vault says: the per-device unlock key in ``vault.key`` (an HMAC of the
server's secret and the device number, so an officer cannot make one for
another person's phone) or the device token kept in the vault's meta table
(only its hash is on the server). Records are ingested **as that owner**
through the normal push path, so a record whose author is not the owner, or
whose unit is outside the owner's subtree, is refused exactly as a push of it
would be: a vault an officer filled in themselves cannot store records as a
supervisor of another tree. A vault whose owner cannot be established
ingests nothing. The audit entry lists the ids ingested.

A zip is read member by member with a cap on the inflated size
(``MAX_VAULT_BYTES``), so a small zip cannot inflate into gigabytes.
"""

from __future__ import annotations

import hmac
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from schemas.common import text, utcnow
from schemas.records import Record, RecordStatus
from schemas.sync import ReceiptStatus
from vault_format import keyfile as key_format
from vault_format.errors import FormatError, RecoveryError
from vault_format.journal import JOURNAL_NAME, SNAP_NAME
from vault_format.reader import META_TABLE, RECORDS_TABLE, read_tables
from vault_format.recovery import unwrap_with_private_key

from ..clock import local_today
from ..config import Settings
from ..db import Database
from ..errors import InvalidInput
from ..models import DeviceRow, UnitRow, UserRow
from ..recovery_key import RecoveryKey
from ..security import token_hash
from .accounts import Caller
from .audit import audit
from .ingest import push_records

VAULT_FILES = (key_format.KEY_NAME, SNAP_NAME, JOURNAL_NAME)
# The most a recovered vault may inflate to (all three files): far above a phone's vault, far below memory.
MAX_VAULT_BYTES = 256 * 1024 * 1024
_CHUNK = 1024 * 1024
TOKEN_META_KEY = "device_token"  # mobile/app/service.py's TOKEN_KEY: the token the server gave this phone


@dataclass
class RecoveredVault:
    vault_id: str
    key_id: str
    records: list[dict[str, Any]]  # StoredRecord JSON: {"record": ..., "state": ..., "issues": ...}
    unlock_device: int | None = None  # the unlock block of vault.key: (device number, key) as enrolled
    unlock_key: bytes | None = None
    device_token: str | None = None  # from the vault's meta table

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
            dest.mkdir()
            try:
                _unzip_capped(source, dest)
            except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError) as exc:
                raise InvalidInput(
                    text("Tệp .zip bị hỏng.", "The .zip file is damaged."), code="vault_corrupt"
                ) from exc
        else:
            raise InvalidInput(text("Không phải thư mục hay tệp .zip.", "Not a folder or a .zip file."))
        yield dest


def _too_large() -> InvalidInput:
    mib = MAX_VAULT_BYTES // (1024 * 1024)
    return InvalidInput(
        text(
            f"Kho dữ liệu giải nén lớn hơn {mib} MiB: không phải kho dữ liệu của điện thoại.",
            f"The vault inflates to more than {mib} MiB: not a phone's vault.",
        ),
        code="vault_too_large",
    )


def _unzip_capped(source: Path, dest: Path) -> None:
    """The vault's three files out of ``source``, streamed, never more than ``MAX_VAULT_BYTES`` in all.

    The sizes a zip declares can lie, so the bytes actually inflated are counted.
    """
    budget = MAX_VAULT_BYTES
    with zipfile.ZipFile(source) as z:
        for name in VAULT_FILES:
            member = next((m for m in z.infolist() if Path(m.filename).name == name), None)
            if member is None:
                continue
            if member.file_size > budget:
                raise _too_large()
            with z.open(member) as src, (dest / name).open("wb") as out:
                while chunk := src.read(_CHUNK):
                    budget -= len(chunk)
                    if budget < 0:
                        raise _too_large()
                    out.write(chunk)


def open_vault(source: Path, key: RecoveryKey) -> RecoveredVault:
    """Decrypt an exported vault with the recovery key; InvalidInput if it cannot be opened."""
    with _vault_copy(Path(source)) as folder:
        try:
            keyfile = key_format.read_keyfile(folder / key_format.KEY_NAME)
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
            tables = read_tables(folder, data_key, keyfile.vault_id)
            records = [dict(doc) for doc in tables.get(RECORDS_TABLE, {}).values()]
            token_doc = tables.get(META_TABLE, {}).get(TOKEN_META_KEY)
        except RecoveryError as exc:
            raise InvalidInput(
                text(
                    f"Khóa khôi phục của máy chủ này không mở được kho dữ liệu: {exc}",
                    f"This server's recovery key cannot open the vault: {exc}",
                ),
                code="wrong_recovery_key",
            ) from exc
        except FormatError as exc:
            raise InvalidInput(
                text(f"Kho dữ liệu bị hỏng: {exc.detail}", f"The vault is damaged: {exc.detail}"),
                code="vault_corrupt",
            ) from exc
    records.sort(key=lambda r: (r["record"]["created_at"], r["record"]["id"]))
    token = token_doc.get("value") if isinstance(token_doc, dict) else None
    return RecoveredVault(
        vault_id=keyfile.vault_id,
        key_id=keyfile.recovery["key_id"],
        records=records,
        unlock_device=keyfile.unlock.device if keyfile.unlock else None,
        unlock_key=keyfile.unlock.key if keyfile.unlock else None,
        device_token=token if isinstance(token, str) else None,
    )


def vault_owner(session: Session, recovered: RecoveredVault, key: RecoveryKey) -> Caller | None:
    """The enrolled owner of the vault, proven by something only the server could have issued; or None.

    Either the unlock key in ``vault.key`` is the one the server derives for
    its device number, or the vault's device token hashes to a device's
    (revoked or not: a phone handed in for recovery is often revoked). If both
    are present they must name the same device.
    """
    by_unlock = by_token = None
    if recovered.unlock_device is not None and recovered.unlock_key is not None:
        if hmac.compare_digest(key.unlock_key(recovered.unlock_device), recovered.unlock_key):
            by_unlock = recovered.unlock_device
    if recovered.device_token:
        by_token = session.scalar(
            select(DeviceRow.id).where(DeviceRow.token_hash == token_hash(recovered.device_token))
        )
    if by_unlock is not None and by_token is not None and by_unlock != by_token:
        return None
    device_pk = by_unlock if by_unlock is not None else by_token
    if device_pk is None:
        return None
    found = session.execute(
        select(UserRow, UnitRow, DeviceRow.device_id)
        .join(DeviceRow, DeviceRow.user_id == UserRow.id)
        .join(UnitRow, UnitRow.code == UserRow.unit_code)
        .where(DeviceRow.id == device_pk)
    ).first()
    if found is None:
        return None
    user, unit, device_id = found
    return Caller.of(user, unit, device_pk=device_pk, device_id=device_id)


def ingest_recovered(
    db: Database, recovered: RecoveredVault, *, key: RecoveryKey, settings: Settings, actor: str
) -> dict[str, int]:
    """Store the recovered records that never reached the server, as the vault's owner, and audit it.

    Only finished records (final or void) go in; drafts stay in the export
    file. They go through the normal ingest with the owner as the caller, so a
    record by anyone else or outside the owner's subtree is rejected, one
    already stored is a no-op (``duplicate``/``stale``) and the tallies move
    exactly as if the phone had sent it. Returns how many records got each
    receipt status (``owner_unknown`` for all of them when the owner cannot
    be proven).
    """
    now = utcnow()
    counts: dict[str, int] = {}
    finished: list[Record] = []
    ingested: list[str] = []
    rejected: list[str] = []
    for doc in recovered.records:
        try:
            record = Record.model_validate(doc["record"])
        except (ValidationError, KeyError, TypeError):
            counts["invalid"] = counts.get("invalid", 0) + 1
            continue
        if record.status != RecordStatus.DRAFT:
            finished.append(record)
    with db.session(write=True) as s:
        owner = vault_owner(s, recovered, key)
        if owner is None:
            counts["owner_unknown"] = len(finished)
        elif finished:
            receipts = push_records(
                s, caller=owner, records=finished, today=local_today(settings, now), now=now
            )
            for record, receipt in zip(finished, receipts, strict=True):
                counts[receipt.status.value] = counts.get(receipt.status.value, 0) + 1
                (ingested if receipt.status == ReceiptStatus.STORED else rejected).append(str(record.id))
        audit(
            s,
            actor=actor,
            action="vault_recovered",
            entity="vault",
            entity_id=recovered.vault_id,
            now=now,
            detail={
                "key_id": recovered.key_id,
                "owner": owner.username if owner else None,
                "records": len(recovered.records),
                "ingested": counts,
                "ingested_ids": ingested,
                "not_ingested_ids": rejected,
            },
            unit=owner.unit_code if owner else None,
        )
    return counts


def audit_export_only(db: Database, recovered: RecoveredVault, *, actor: str) -> None:
    """The audit entry of a recovery whose records were only written to a file."""
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
