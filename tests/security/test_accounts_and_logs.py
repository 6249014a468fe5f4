"""Issue 14: passwords, user administration, sign-in backoff, revocations, device binding, logs, files.

Attacks reproduced: demo accounts signing in in production and ``12345678``
accepted as a new password; no way to disable a user or reset a password;
re-enrolling lifting a revocation; five guesses from a shared address locking
the real user out; ``record.device`` as free text; field data in the server's
log through database parameter dumps and library messages; a world-readable
SQLite file with the recovery key beside it.
"""

from __future__ import annotations

import io
import logging
import os
import stat
import sys
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from fastapi.testclient import TestClient
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from schemas.common import utcnow
from schemas.sync import Role
from sync_server import cli
from sync_server.app import create_app
from sync_server.config import make_settings
from sync_server.db import Database, init_db
from sync_server.errors import ConfigError, InvalidInput
from sync_server.logs import NoFieldData, log_config
from sync_server.models import AuditRow, RecordRow, SigninFailureRow, UnitRow
from sync_server.recovery_key import recovery_key_path
from sync_server.services.accounts import check_password_policy, create_user
from tests.server.helpers import batch, record, session_answers, this_year_day
from tests.support.live_server import start_live_server

from .conftest import enroll, password


def _h(body: dict) -> dict[str, str]:
    return {"Authorization": f"Bearer {body['device_token']}"}


def _prod(tmp_path: Path):
    return make_settings(
        {
            "database_url": f"sqlite:///{tmp_path / 'db' / 'prod.sqlite3'}",
            "environment": "production",
            "recovery_key_file": str(tmp_path / "keys" / "recovery-key.json"),
        }
    )


@pytest.mark.parametrize(
    "weak", ["12345678", "password", "Password", "matkhau123", "aaaaaaaaaa", "qwertyuiop"]
)
def test_passwords__common_ones_are_refused_everywhere(weak: str, sec_settings):
    with pytest.raises(InvalidInput) as err:
        check_password_policy(weak, settings=sec_settings)
    assert err.value.code == "weak_password" and err.value.message.vi


def test_passwords__production_refuses_demo_accounts_at_sign_in(tmp_path: Path):
    prod = _prod(tmp_path)
    dev = prod.with_changes(environment="development")
    app = create_app(prod)
    with TestClient(app, raise_server_exceptions=False) as c:
        # a demo account left in the database from before production (made under development rules)
        with app.state.db.session(write=True) as s:
            s.add(UnitRow(code="HN", name="Hà Nội", type="province", parent_code=None, path="HN"))
        with app.state.db.session(write=True) as s:
            create_user(
                s,
                username="canbo",
                password="canbo123",
                role=Role.OFFICER,
                unit_code="HN",
                full_name="x",
                settings=dev,
                now=utcnow(),
            )
        resp = c.post("/api/v1/enroll", json={"username": "canbo", "password": "canbo123", "device_id": "d"})
        assert resp.status_code == 403 and resp.json()["code"] == "password_must_change"
        assert resp.json()["message"]["vi"]
        # the admin sets a real password on the command line; then it works
        old_stdin = sys.stdin
        sys.stdin = io.StringIO("sông-Hồng-2026-mưa\n")
        try:
            code = cli.main(
                ["set-password", "canbo", "--password-stdin", "--database-url", prod.database_url]
            )
        finally:
            sys.stdin = old_stdin
        assert code == 0
        ok = c.post(
            "/api/v1/enroll", json={"username": "canbo", "password": "sông-Hồng-2026-mưa", "device_id": "d"}
        )
        assert ok.status_code == 200, ok.text


def test_users__admin_disables_enables_and_resets_within_scope_all_audited(client: TestClient):
    a_hn, s_ss, o_mt = enroll(client, "a_hn"), enroll(client, "s_ss"), enroll(client, "o_mt")
    c = client
    # nobody below admin, and no admin outside their subtree or over a peer, may do it
    assert c.post("/api/v1/users/o_mt/disable", headers=_h(s_ss)).status_code == 403
    assert c.post("/api/v1/users/bienphong/disable", headers=_h(a_hn)).status_code == 404
    assert c.post("/api/v1/users/nobody/disable", headers=_h(a_hn)).status_code == 404
    assert c.post("/api/v1/users/a_hn/disable", headers=_h(a_hn)).json()["code"] == "outranked"

    off = c.post("/api/v1/users/o_mt/disable", headers=_h(a_hn))
    assert off.status_code == 200 and off.json()["disabled_at"]
    assert c.get("/api/v1/sync/pull", headers=_h(o_mt)).status_code == 401  # the token dies with the user
    refused = c.post(
        "/api/v1/enroll", json={"username": "o_mt", "password": password("o_mt"), "device_id": "n"}
    )
    assert refused.status_code == 401
    assert c.post("/api/v1/users/o_mt/enable", headers=_h(a_hn)).json()["disabled_at"] is None
    assert c.get("/api/v1/sync/pull", headers=_h(o_mt)).status_code == 200

    weak = c.post("/api/v1/users/o_mt/password", json={"new_password": "12345678"}, headers=_h(a_hn))
    assert weak.status_code == 422 and weak.json()["code"] == "weak_password"
    reset = c.post(
        "/api/v1/users/o_mt/password", json={"new_password": "ruộng-lúa-xanh-77"}, headers=_h(a_hn)
    )
    assert reset.status_code == 200 and reset.json()["devices_signed_out"] >= 1
    assert c.get("/api/v1/sync/pull", headers=_h(o_mt)).status_code == 401  # signed out, not revoked
    again = c.post(
        "/api/v1/enroll",
        json={"username": "o_mt", "password": "ruộng-lúa-xanh-77", "device_id": "o_mt-phone"},
    )
    assert again.status_code == 200

    db = c.app.state.db  # type: ignore[attr-defined]
    with db.session() as s:
        actions = [a.action for a in s.scalars(select(AuditRow).where(AuditRow.entity_id == "o_mt"))]
    assert {"user_disabled", "user_enabled", "password_reset"} <= set(actions)
    with db.session() as s:
        details = [a.detail for a in s.scalars(select(AuditRow).where(AuditRow.action == "password_reset"))]
    assert "ruộng" not in repr(details)


def test_users__changing_ones_own_password_needs_the_current_one_and_is_rate_limited(client: TestClient):
    o_mt = enroll(client, "o_mt")
    other = enroll(client, "o_mt", "second-phone")
    url = "/api/v1/account/password"
    for _ in range(5):
        wrong = client.post(
            url, json={"current_password": "guess-1234", "new_password": "x"}, headers=_h(o_mt)
        )
        assert wrong.status_code == 401
    limited = client.post(
        url, json={"current_password": password("o_mt"), "new_password": "nương-chè-2026"}, headers=_h(o_mt)
    )
    assert limited.status_code == 429
    fresh = enroll(client, "o_mt", "third-phone")
    ok = client.post(
        url, json={"current_password": password("o_mt"), "new_password": "nương-chè-2026"}, headers=_h(fresh)
    )
    assert ok.status_code == 200, ok.text
    assert client.get("/api/v1/sync/pull", headers=_h(fresh)).status_code == 200  # this phone stays in
    assert client.get("/api/v1/sync/pull", headers=_h(other)).status_code == 401  # the others are out


def test_users__command_line_disables_and_enables(client: TestClient, sec_settings, capsys):
    url = ["--database-url", sec_settings.database_url]
    assert cli.main(["disable-user", "o_px", *url]) == 0
    assert (
        client.post(
            "/api/v1/enroll", json={"username": "o_px", "password": password("o_px"), "device_id": "p"}
        ).status_code
        == 401
    )
    assert cli.main(["enable-user", "o_px", *url]) == 0
    assert enroll(client, "o_px")
    assert cli.main(["disable-user", "nobody", *url]) == 2


def test_devices__re_enrolling_does_not_lift_a_revocation(client: TestClient):
    a_hn = enroll(client, "a_hn")
    lost = enroll(client, "o_mt", "lost-phone")
    assert client.post(f"/api/v1/devices/{lost['device']}/revoke", headers=_h(a_hn)).status_code == 200
    again = client.post(
        "/api/v1/enroll", json={"username": "o_mt", "password": password("o_mt"), "device_id": "lost-phone"}
    )
    assert again.status_code == 403 and again.json()["code"] == "device_revoked"
    assert client.get("/api/v1/sync/pull", headers=_h(lost)).status_code == 401
    assert enroll(client, "o_mt", "new-phone")  # a new phone is fine


def _earlier(session, *, seconds: int) -> None:
    """Move every counted failure ``seconds`` into the past (the clock, without waiting)."""
    for row in session.scalars(select(SigninFailureRow)):
        row.at = row.at - timedelta(seconds=seconds)


def test_signin__guesses_from_a_shared_address_slow_the_real_user_down_but_do_not_lock_them_out(
    client: TestClient,
):
    for _ in range(5):
        bad = client.post(
            "/api/v1/enroll", json={"username": "o_mt", "password": "nope-nope", "device_id": "x"}
        )
        assert bad.status_code == 401
    right = {"username": "o_mt", "password": password("o_mt"), "device_id": "o_mt-phone"}
    held = client.post("/api/v1/enroll", json=right)
    assert held.status_code == 429 and int(held.headers["Retry-After"]) <= 15
    db = client.app.state.db  # type: ignore[attr-defined]
    with db.session(write=True) as s:  # 16 seconds later
        _earlier(s, seconds=16)
    assert client.post("/api/v1/enroll", json=right).status_code == 200
    # a guesser who keeps going waits longer each time: 15 s, 30 s, 60 s ...
    for _ in range(5):
        client.post("/api/v1/enroll", json={"username": "o_mt", "password": "nope-nope", "device_id": "x"})
    waits = [15]
    for _ in range(3):
        with db.session(write=True) as s:
            _earlier(s, seconds=waits[-1] + 1)  # the guesser waits out the last wait, then guesses
        client.post("/api/v1/enroll", json={"username": "o_mt", "password": "nope-nope", "device_id": "x"})
        waits.append(int(client.post("/api/v1/enroll", json=right).headers.get("Retry-After", 0)))
    # Retry-After counts from the last failure, so a slow machine may shave a second or two off
    for got, doubled in zip(waits[1:], (30, 60, 120), strict=True):
        assert doubled - 5 <= got <= doubled, waits


def test_records__are_stored_under_the_enrolled_device_not_the_text_they_carry(client: TestClient):
    o_mt = enroll(client, "o_mt", "real-phone-id")
    rec = record("outreach_session", session_answers(this_year_day()), unit="HN-SS-MT", author="o_mt")
    rec["device"] = "the-supervisors-phone"
    assert (
        client.post("/api/v1/sync/push", json=batch(rec), headers=_h(o_mt)).json()["receipts"][0]["status"]
        == "stored"
    )
    db = client.app.state.db  # type: ignore[attr-defined]
    with db.session() as s:
        assert s.get(RecordRow, uuid.UUID(rec["id"])).device == "real-phone-id"


def test_logs__database_errors_and_filtered_records_carry_no_field_data(tmp_path: Path, sec_settings):
    marker = "Bí-mật-" + uuid.uuid4().hex
    db = Database.from_settings(sec_settings)
    try:
        init_db(db.engine)
        with pytest.raises(IntegrityError) as err:
            with db.engine.begin() as conn:
                conn.execute(
                    insert(UnitRow).values(code="X", name=marker, type="t", parent_code=None, path="X")
                )
                conn.execute(
                    insert(UnitRow).values(code="X", name=marker, type="t", parent_code=None, path="Y")
                )
        assert marker not in str(err.value)
    finally:
        db.dispose()
    stream = io.StringIO()
    logger = logging.getLogger("fieldtally-test-logs")
    handler = logging.StreamHandler(stream)
    handler.addFilter(NoFieldData())
    logger.addHandler(handler)
    try:
        try:
            raise ValueError(f"cell value {marker} is illegal")
        except ValueError:
            logger.exception("export failed")
    finally:
        logger.removeHandler(handler)
    out = stream.getvalue()
    assert "export failed" in out and "ValueError" in out and marker not in out
    config = log_config("debug")
    assert config["loggers"]["sqlalchemy"]["level"] == "WARNING"
    assert all("no_field_data" in h["filters"] for h in config["handlers"].values())


def test_logs__a_live_server_at_debug_logs_no_answer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("FIELDTALLY_LOG_LEVEL", "debug")
    marker = "Riêng-tư-" + uuid.uuid4().hex[:12]
    server = start_live_server(tmp_path / "srv")
    try:
        ok = requests.post(
            server.url + "/api/v1/enroll",
            json={"username": "canbo", "password": "canbo123", "device_id": "d"},
        ).json()
        h = _h(ok)
        rec = record("outreach_session", session_answers(this_year_day()) | {"place": marker}, author="canbo")
        bad = dict(rec, id=str(uuid.uuid4()), answers={"place": marker + "\x00", "attendees_citizens": "x"})
        requests.post(server.url + "/api/v1/sync/push", json=batch(rec, bad), headers=h)
        requests.post(server.url + "/api/v1/sync/push", json=batch(rec), headers=h)
        for fmt in ("csv", "xlsx"):
            requests.get(server.url + f"/api/v1/exports/records.{fmt}", headers=h)
        requests.get(server.url + f"/api/v1/records/{rec['id']}/history", headers=h)
    finally:
        server.stop()
    assert marker not in server.log_text()


def test_files__sqlite_is_owner_only_and_production_keeps_the_key_apart(tmp_path: Path):
    settings = make_settings({"database_url": f"sqlite:///{tmp_path / 'var' / 'f.sqlite3'}"})
    db = Database.from_settings(settings)
    try:
        with db.session(write=True) as s:
            s.execute(select(1))
    finally:
        db.dispose()
    mode = stat.S_IMODE(os.stat(tmp_path / "var" / "f.sqlite3").st_mode)
    assert mode & 0o077 == 0, oct(mode)
    assert stat.S_IMODE(os.stat(tmp_path / "var").st_mode) & 0o077 == 0
    prod = settings.with_changes(environment="production")
    with pytest.raises(ConfigError):
        recovery_key_path(prod)  # no default beside the database in production
    with pytest.raises(ConfigError):
        recovery_key_path(prod.with_changes(recovery_key_file=str(tmp_path / "var" / "recovery-key.json")))
    assert recovery_key_path(prod.with_changes(recovery_key_file=str(tmp_path / "keys" / "k.json")))
