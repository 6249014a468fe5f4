"""Opening a phone's exported vault with the server's recovery key, and storing what it held.

An officer who forgot the PIN exports the sealed vault (``mobile/vault/export.py``);
an admin opens a private copy of it here with the private key of
``recovery_key.py``. The vault is read with ``vault_format`` (the same code the
phone writes it with), never with the phone's app, and the evidence itself is
never written to. Finished records then go through the normal ingest as their
authors, so a record the server already has is a no-op and the tallies move
exactly as if the phone had sent it. Either way the recovery is audited.
"""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from schemas.common import text, utcnow
from schemas.records import Record, RecordStatus
from vault_format import keyfile as key_format
from vault_format.errors import FormatError, RecoveryError
from vault_format.journal import JOURNAL_NAME, SNAP_NAME
from vault_format.reader import RECORDS_TABLE, read_tables
from vault_format.recovery import unwrap_with_private_key

from ..clock import local_today
from ..config import Settings
from ..db import Database
from ..errors import InvalidInput
from ..models import UnitRow, UserRow
from ..recovery_key import RecoveryKey
from .accounts import Caller
from .audit import audit
from .ingest import push_records

VAULT_FILES = (key_format.KEY_NAME, SNAP_NAME, JOURNAL_NAME)


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
            dest.mkdir()
            with zipfile.ZipFile(source) as z:
                for name in VAULT_FILES:
                    member = next((m for m in z.namelist() if Path(m).name == name), None)
                    if member is not None:
                        (dest / name).write_bytes(z.read(member))
        else:
            raise InvalidInput(text("Không phải thư mục hay tệp .zip.", "Not a folder or a .zip file."))
        yield dest


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
    return RecoveredVault(vault_id=keyfile.vault_id, key_id=keyfile.recovery["key_id"], records=records)


def ingest_recovered(
    db: Database, recovered: RecoveredVault, *, settings: Settings, actor: str
) -> dict[str, int]:
    """Store the recovered records that never reached the server, as their authors, and audit it.

    Only finished records (final or void) go in; drafts stay in the export
    file. Each goes through the normal ingest, so one already stored is a
    no-op (``duplicate``/``stale``) and the tallies move exactly as if the
    phone had sent it. Returns how many records got each receipt status.
    """
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
            caller = Caller.of(user, unit)
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
