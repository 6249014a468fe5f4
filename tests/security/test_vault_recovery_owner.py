"""Vault recovery stores records only as the vault's enrolled owner (issue 14, High).

The attack: an officer fills a vault with records "by" a supervisor of another
tree, or in a unit outside their own subtree, says "I forgot my PIN", and hands
it in. Ownership is proven by what the server issued (the unlock key or the
device token), never by what the records claim.
"""

from __future__ import annotations

import asyncio
import io
import json
import zipfile
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select

from mobile.vault import Vault
from mobile.vault.export import export_for_recovery
from schemas.common import utcnow
from schemas.sync import Role
from sync_server import cli
from sync_server.models import AuditRow, RecordRow
from sync_server.recovery_key import load_or_create
from sync_server.services.accounts import create_user
from sync_server.services.vault_recovery import MAX_VAULT_BYTES
from tests.mobile.helpers import FAST_KDF, session_answers

from .phones import PIN, _final_sessions, _phone


def _recover(settings, vault: Path, out: Path) -> int:
    return cli.main(
        [
            "recover-vault",
            str(vault),
            "--out",
            str(out),
            "--ingest",
            "--database-url",
            settings.database_url,
            "--recovery-key-file",
            settings.recovery_key_file,
        ]
    )


def _forge(phone, *, author: str, unit: str) -> str:
    rec, form = phone.new_record("outreach_session")
    rec = rec.model_copy(update={"author": author, "unit": unit})
    assert phone.store is not None
    phone.store.finalize(rec, session_answers(place="Giả mạo"), form)
    return str(rec.id)


def _add_supervisor_elsewhere(client: TestClient, settings) -> None:
    db = client.app.state.db  # type: ignore[attr-defined]
    with db.session(write=True) as s:
        create_user(
            s,
            username="s_bd",
            password="s_bd-pass1",
            role=Role.SUPERVISOR,
            unit_code="HN-BD",
            full_name="s_bd",
            settings=settings,
            now=utcnow(),
        )


def _stored_and_audit(client: TestClient) -> tuple[dict[str, RecordRow], AuditRow]:
    db = client.app.state.db  # type: ignore[attr-defined]
    with db.session() as s:
        stored = {str(r.id): r for r in s.scalars(select(RecordRow))}
        entry = s.scalars(select(AuditRow).where(AuditRow.action == "vault_recovered")).one()
    return stored, entry


def test_recovery__an_officers_own_vault_cannot_store_records_as_anyone_else(
    tmp_path: Path, client: TestClient, sec_settings
):
    _add_supervisor_elsewhere(client, sec_settings)
    phone = _phone(tmp_path, client, "o_mt")
    own = _final_sessions(phone, 2)
    as_other_supervisor = _forge(phone, author="s_bd", unit="HN-BD-PX")
    as_own_supervisor = _forge(phone, author="s_ss", unit="HN-SS")
    outside_scope = _forge(phone, author="o_mt", unit="HN-BD-PX")
    phone.lock()
    export = export_for_recovery(phone.vault_dir, tmp_path / "vault.zip")
    assert _recover(sec_settings, export, tmp_path / "out.json") == 0
    stored, entry = _stored_and_audit(client)
    assert set(own) <= set(stored)
    for forged in (as_other_supervisor, as_own_supervisor, outside_scope):
        assert forged not in stored
    assert all(stored[i].author == "o_mt" for i in own)
    assert entry.detail["owner"] == "o_mt"
    assert sorted(entry.detail["ingested_ids"]) == sorted(own)
    assert sorted(entry.detail["not_ingested_ids"]) == sorted(
        [as_other_supervisor, as_own_supervisor, outside_scope]
    )
    # The file for the admin still holds everything the vault had.
    out = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    assert len(out["records"]) == 5


def test_recovery__a_vault_without_proof_of_its_owner_ingests_nothing(
    tmp_path: Path, client: TestClient, sec_settings
):
    """A vault made outside the app (no unlock key, no device token) carries no server-issued proof."""
    _add_supervisor_elsewhere(client, sec_settings)
    key = load_or_create(sec_settings)
    from mobile.records import RecordStore
    from schemas.catalog import latest_forms, shipped_forms

    folder = tmp_path / "homemade"
    vault = Vault.create(folder, PIN, kdf_params=FAST_KDF, recovery_public_key=key.public_key)
    store = RecordStore(vault, author="s_bd", unit="HN-BD-PX", device="x")
    form = latest_forms(shipped_forms())["outreach_session"]
    store.set_meta("device_token", "made-up-token")
    store.finalize(store.new_record(form), session_answers(), form)
    vault.close()
    assert _recover(sec_settings, folder, tmp_path / "out.json") == 0
    stored, entry = _stored_and_audit(client)
    assert not any(r.author == "s_bd" for r in stored.values())
    assert entry.detail["owner"] is None and entry.detail["ingested"] == {"owner_unknown": 1}


def test_recovery__a_small_zip_that_inflates_to_gigabytes_is_refused(
    tmp_path: Path, client: TestClient, sec_settings
):
    load_or_create(sec_settings)
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        with z.open("vault/vault.journal", "w", force_zip64=True) as f:
            block = b"\0" * (1 << 20)
            for _ in range(MAX_VAULT_BYTES // len(block) + 2):
                f.write(block)
        z.writestr("vault/vault.key", b"{}")
    assert bomb.stat().st_size < 2 * 1024 * 1024
    out = io.StringIO()
    from contextlib import redirect_stderr

    with redirect_stderr(out):
        code = _recover(sec_settings, bomb, tmp_path / "out.json")
    assert code == 2 and "256 MiB" in out.getvalue()
    assert not (tmp_path / "out.json").exists()


def test_recovery__still_works_after_the_phone_re_enrolled(tmp_path: Path, client: TestClient, sec_settings):
    """The officer exports, then enrolls the same phone again (new token): the unlock key still proves it."""
    phone = _phone(tmp_path, client, "o_mt")
    own = _final_sessions(phone, 1)
    phone.lock()
    export = export_for_recovery(phone.vault_dir, tmp_path / "vault.zip")
    asyncio.run(phone.enroll("http://server.test", "o_mt", "o_mt-pass1"))
    assert _recover(sec_settings, export, tmp_path / "out.json") == 0
    stored, entry = _stored_and_audit(client)
    assert set(own) <= set(stored) and entry.detail["owner"] == "o_mt"
