"""Issue 6 items 4-5 end to end: recovery after a forgotten PIN, unlock codes, secrets at rest and in logs.

The phone side is the app's own service (enrollment, PIN, records); the
server is real (TestClient for the API, the ``fieldtally-server`` command
line for recovery, a uvicorn subprocess for the log check).
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
from pathlib import Path

import pytest
import requests
from fastapi.testclient import TestClient
from sqlalchemy import select

from mobile.errors import PinLocked, WrongPin
from mobile.vault import Vault
from mobile.vault.export import export_for_recovery
from mobile.vault.throttle import LOCK_AFTER, WAITS
from schemas.sync import EnrollResponse
from sync_server import cli
from sync_server.models import AuditRow, DeviceRow, RecordRow, UserRow
from sync_server.security import token_hash
from tests.support.live_server import start_live_server

from .conftest import password
from .phones import PIN, _final_sessions, _phone


def test_keys__forgotten_pin_admin_recovers_unsynced_records_with_an_audit_entry(
    tmp_path: Path, client: TestClient, sec_settings
):
    phone = _phone(tmp_path, client, "o_mt")
    assert phone.vault is not None and phone.vault.recovery_key_id  # the data key is wrapped for the server
    unsynced = _final_sessions(phone, 3)
    phone.lock()
    # The officer forgets the PIN; the app exports the sealed vault (no key needed to copy ciphertext).
    export = export_for_recovery(phone.vault_dir, tmp_path / "export" / "vault-o_mt.zip")
    out = tmp_path / "recovered.json"
    code = cli.main(
        [
            "recover-vault",
            str(export),
            "--out",
            str(out),
            "--ingest",
            "--database-url",
            sec_settings.database_url,
            "--recovery-key-file",
            sec_settings.recovery_key_file,
        ]
    )
    assert code == 0
    body = json.loads(out.read_text(encoding="utf-8"))
    assert sorted(r["record"]["id"] for r in body["records"]) == sorted(unsynced)
    assert oct(out.stat().st_mode & 0o777) == "0o600"
    db = client.app.state.db  # type: ignore[attr-defined]
    with db.session() as s:
        stored = {str(r.id) for r in s.scalars(select(RecordRow))}
        audits = [a for a in s.scalars(select(AuditRow).where(AuditRow.action == "vault_recovered"))]
    assert set(unsynced) <= stored  # in the tallies now, as the officer's own records
    assert len(audits) == 1 and audits[0].actor.startswith("cli:") and audits[0].detail["records"] == 3


def test_keys__recovery_refuses_another_servers_key(tmp_path: Path, client: TestClient, sec_settings):
    phone = _phone(tmp_path, client, "o_mt")
    phone.lock()
    from sync_server.recovery_key import _create

    other = tmp_path / "other-key.json"
    _create(other)
    code = cli.main(
        [
            "recover-vault",
            str(phone.vault_dir),
            "--out",
            str(tmp_path / "x.json"),
            "--database-url",
            sec_settings.database_url,
            "--recovery-key-file",
            str(other),
        ]
    )
    assert code == 2 and not (tmp_path / "x.json").exists()


def test_keys__locked_phone_is_unlocked_by_a_supervisors_code_from_the_server(
    tmp_path: Path, client: TestClient
):
    phone = _phone(tmp_path, client, "o_mt")
    phone.lock()
    clock = {"t": 1_900_000_000.0}
    for _ in range(LOCK_AFTER):
        clock["t"] += WAITS[-1]
        with pytest.raises((WrongPin, PinLocked)):
            Vault.unlock(phone.vault_dir, "000000", clock=lambda: clock["t"], secrets=phone.secrets)
    locked = phone.lock_state()
    assert isinstance(locked, PinLocked)
    # The supervisor of the officer's district asks the server for the code the phone shows.
    sup = client.post(
        "/api/v1/enroll", json={"username": "s_ss", "password": password("s_ss"), "device_id": "s"}
    )
    headers = {"Authorization": f"Bearer {sup.json()['device_token']}"}
    resp = client.post(
        f"/api/v1/devices/{locked.device}/unlock-code", json={"lockout": locked.lockout}, headers=headers
    )
    assert resp.status_code == 200, resp.text
    asyncio.run(phone.lift_lock(resp.json()["code"]))
    asyncio.run(phone.unlock(PIN))
    assert phone.store is not None
    # Change the PIN: the records stay readable, the old PIN stops working.
    _final_sessions(phone, 1)
    asyncio.run(phone.change_pin(PIN, "24682468", "24682468"))
    phone.lock()
    with pytest.raises(WrongPin):
        asyncio.run(phone.unlock(PIN))
    asyncio.run(phone.unlock("24682468"))
    assert len(asyncio.run(phone.records())) == 1


def test_keys__passwords_argon2id_tokens_hashed_nothing_secret_in_the_database(
    tmp_path: Path, client: TestClient, sec_settings
):
    resp = client.post(
        "/api/v1/enroll", json={"username": "o_mt", "password": password("o_mt"), "device_id": "p"}
    )
    body = EnrollResponse.model_validate(resp.json())
    db = client.app.state.db  # type: ignore[attr-defined]
    with db.session() as s:
        hashes = [u.password_hash for u in s.scalars(select(UserRow))]
        device = s.scalar(select(DeviceRow).where(DeviceRow.id == body.device))
    assert hashes and all(h.startswith("$argon2id$v=19$") for h in hashes)
    assert device.token_hash == token_hash(body.device_token) != body.device_token
    raw = Path(sec_settings.database_url.removeprefix("sqlite:///")).read_bytes()
    wal = Path(sec_settings.database_url.removeprefix("sqlite:///") + "-wal")
    raw += wal.read_bytes() if wal.exists() else b""
    key = json.loads(Path(sec_settings.recovery_key_file).read_text())
    for secret in (
        body.device_token,
        password("o_mt"),
        key["private_key"],
        base64.b64decode(key["private_key"]),
    ):
        needle = secret if isinstance(secret, bytes) else secret.encode()
        assert needle not in raw
    assert oct(Path(sec_settings.recovery_key_file).stat().st_mode & 0o777) == "0o600"


def test_keys__no_secret_reaches_the_servers_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("FIELDTALLY_LOG_LEVEL", "debug")
    server = start_live_server(tmp_path / "srv")
    try:
        url = server.url
        bad = requests.post(
            url + "/api/v1/enroll", json={"username": "canbo", "password": "Wr0ng-Secret!", "device_id": "d"}
        )
        assert bad.status_code == 401
        ok = requests.post(
            url + "/api/v1/enroll", json={"username": "chihuy", "password": "chihuy123", "device_id": "d"}
        ).json()
        token = ok["device_token"]
        h = {"Authorization": f"Bearer {token}"}
        requests.get(url + "/api/v1/sync/pull", headers=h)
        requests.post(url + "/api/v1/sync/push", data=b"{broken", headers=h)
        code = requests.post(
            url + f"/api/v1/devices/{ok['device']}/unlock-code", json={"lockout": 0}, headers=h
        ).json()
        requests.post(url + f"/api/v1/devices/{ok['device']}/revoke", headers=h)
        requests.get(url + "/api/v1/sync/pull", headers=h)  # revoked now
    finally:
        server.stop()
    log = server.log_text()
    assert "uvicorn" in log.lower() or "started" in log.lower() or log  # the log was written
    key = json.loads((tmp_path / "srv" / "recovery-key.json").read_text())
    for secret in (
        "Wr0ng-Secret!",
        "chihuy123",
        token,
        token[:16],
        ok["unlock_key"],
        code["code"],
        key["private_key"],
    ):
        assert secret not in log, f"a secret reached the log: {secret[:6]}..."
    assert os.environ.get("FIELDTALLY_LOG_LEVEL") == "debug"
