"""Issue 6 item 8: back up a live server's database, restore it into a fresh server, same tallies.

The commands are the ones ``docs/operations.md`` gives: ``pg_dump -Fc`` /
``pg_restore`` for PostgreSQL (the live server keeps taking pushes while the
dump runs), SQLite's online backup for SQLite. The restored server must
answer every tally query and every officer's pull exactly as the original.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import threading
import uuid
from pathlib import Path

import pytest
import requests

from tests.server.helpers import PLAN, batch, record, session_answers, survey_answers, this_year_day
from tests.support.live_server import LiveServer

UNITS = ["HN", "HN-SS", "HN-SS-MT", "HN-BD"]


def _token(url: str, user: str, password: str) -> str:
    r = requests.post(
        url + "/api/v1/enroll", json={"username": user, "password": password, "device_id": "bk"}, timeout=10
    )
    r.raise_for_status()
    return r.json()["device_token"]


def _load(server: LiveServer, n: int) -> None:
    token = _token(server.url, "canbo", "canbo123")
    day = this_year_day()
    records = []
    for i in range(n):
        if i % 2:
            records.append(record("awareness_survey", survey_answers(day, correct=i % 7), author="canbo"))
        else:
            records.append(record("outreach_session", session_answers(day, soldiers=i), author="canbo"))
    for i in range(0, n, 20):
        r = requests.post(
            server.url + "/api/v1/sync/push",
            json=batch(*records[i : i + 20]),
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
        r.raise_for_status()


def _snapshot(url: str) -> dict:
    """Every tally the supervisor can ask for, without the clock fields."""
    token = _token(url, "chihuy", "chihuy123")
    out = {}
    for unit in UNITS:
        r = requests.get(
            url + "/api/v1/tallies",
            params={"plan_id": PLAN, "unit": unit},
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
        r.raise_for_status()
        body = r.json()
        body.pop("as_of", None)
        out[unit] = body
    return out


def _busy_pushes(server: LiveServer, stop: threading.Event) -> None:
    """Keep the server writing while the backup runs (a live server, not a quiet one)."""
    token = _token(server.url, "canbo", "canbo123")
    while not stop.is_set():
        rec = record("outreach_session", session_answers(this_year_day()), author="canbo")
        requests.post(
            server.url + "/api/v1/sync/push",
            json=batch(rec),
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )


def _sqlite_backup(src: Path, dst: Path) -> None:
    with sqlite3.connect(src) as live, sqlite3.connect(dst) as out:
        live.backup(out)  # what `sqlite3 fieldtally.sqlite3 ".backup backup.sqlite3"` does


def test_backup_restore__sqlite_online_backup(tmp_path: Path):
    src = tmp_path / "live" / "fieldtally.sqlite3"
    server = LiveServer(tmp_path / "live", f"sqlite:///{src}")
    server.start()
    try:
        _load(server, 120)
        # 1. Backed up while pushes keep arriving: the copy is one consistent moment.
        stop = threading.Event()
        writer = threading.Thread(target=_busy_pushes, args=(server, stop))
        writer.start()
        try:
            _sqlite_backup(src, tmp_path / "busy.sqlite3")
        finally:
            stop.set()
            writer.join(30)
        # 2. Backed up while the server runs (quiet now): the restore must answer exactly as it does.
        live = _snapshot(server.url)
        _sqlite_backup(src, tmp_path / "quiet.sqlite3")
    finally:
        server.stop()
    with sqlite3.connect(tmp_path / "busy.sqlite3") as b:
        assert b.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert b.execute("SELECT COUNT(*) FROM records").fetchone()[0] >= 120
    assert _tallies_match_records(f"sqlite:///{tmp_path / 'busy.sqlite3'}")

    restored_dir = tmp_path / "restored"
    restored_dir.mkdir()
    shutil.copy(tmp_path / "quiet.sqlite3", restored_dir / "fieldtally.sqlite3")
    shutil.copy(src.parent / "recovery-key.json", restored_dir / "recovery-key.json")  # backed up apart
    restored = _snapshot_via(restored_dir, f"sqlite:///{restored_dir / 'fieldtally.sqlite3'}")
    assert restored == live
    assert any(t.get("numerator") for t in restored["HN"]["totals"])  # and not trivially empty


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


@pytest.mark.postgres
def test_backup_restore__postgresql_pg_dump_of_a_live_server(tmp_path: Path, pg_url: str):
    if not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        pytest.skip("pg_dump / pg_restore are not installed")
    import psycopg
    from sqlalchemy.engine import make_url

    server = LiveServer(tmp_path / "live", pg_url)
    server.start()
    dumps = {"busy": tmp_path / "busy.dump", "quiet": tmp_path / "quiet.dump"}
    try:
        _load(server, 120)
        stop = threading.Event()
        writer = threading.Thread(target=_busy_pushes, args=(server, stop))
        writer.start()
        try:
            subprocess.run(
                ["pg_dump", "-Fc", "--no-owner", "-f", str(dumps["busy"]), _libpq(pg_url)],
                check=True,
                timeout=120,
            )
        finally:
            stop.set()
            writer.join(30)
        live = _snapshot(server.url)
        subprocess.run(
            ["pg_dump", "-Fc", "--no-owner", "-f", str(dumps["quiet"]), _libpq(pg_url)],
            check=True,
            timeout=120,
        )
    finally:
        server.stop()
    key = tmp_path / "live" / "var" / "recovery-key.json"
    admin = make_url(pg_url).set(database="postgres").render_as_string(hide_password=False)
    made = []
    try:
        restored_urls = {}
        for label, dump in dumps.items():
            name = f"ft_restore_{uuid.uuid4().hex[:10]}"
            with psycopg.connect(_libpq(admin), autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{name}"')
            made.append(name)
            restored_urls[label] = make_url(pg_url).set(database=name).render_as_string(hide_password=False)
            subprocess.run(
                [
                    "pg_restore",
                    "--no-owner",
                    "--exit-on-error",
                    "-d",
                    _libpq(restored_urls[label]),
                    str(dump),
                ],
                check=True,
                timeout=120,
            )
        assert _tallies_match_records(restored_urls["busy"])  # consistent though taken mid-traffic
        restored = _snapshot_via(tmp_path / "restored", restored_urls["quiet"], key=key)
        assert restored == live
        assert any(t.get("numerator") for t in restored["HN"]["totals"])
    finally:
        with psycopg.connect(_libpq(admin), autocommit=True) as conn:
            for name in made:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _snapshot_via(workdir: Path, url: str, key: Path | None = None) -> dict:
    env_backup = os.environ.get("FIELDTALLY_RECOVERY_KEY_FILE")
    if key is not None:
        os.environ["FIELDTALLY_RECOVERY_KEY_FILE"] = str(key)
    try:
        server = LiveServer(workdir, url, demo=False)
        server.start()
        try:
            return _snapshot(server.url)
        finally:
            server.stop()
    finally:
        if key is not None:
            if env_backup is None:
                os.environ.pop("FIELDTALLY_RECOVERY_KEY_FILE", None)
            else:
                os.environ["FIELDTALLY_RECOVERY_KEY_FILE"] = env_backup


def _tallies_match_records(url: str) -> bool:
    """The restored tallies equal a recount from the restored records (the dump is consistent)."""
    from sync_server.config import make_settings
    from sync_server.db import Database
    from sync_server.models import TallyRow
    from sync_server.services.ingest import rebuild_tallies

    db = Database.from_settings(make_settings({"database_url": url}))
    try:
        from sqlalchemy import select

        with db.session() as s:
            before = sorted(
                (r.plan_id, r.unit_code, r.day, r.measure_id, r.total) for r in s.scalars(select(TallyRow))
            )
        with db.session(write=True) as s:
            rebuild_tallies(s)
        with db.session() as s:
            after = sorted(
                (r.plan_id, r.unit_code, r.day, r.measure_id, r.total) for r in s.scalars(select(TallyRow))
            )
        return [b for b in before if b[4]] == [a for a in after if a[4]]
    finally:
        db.dispose()
