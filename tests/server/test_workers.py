"""Several server processes on one database: what one changes, every other reads at once.

Each worker keeps its own unit-tree cache (``services/tallies/tree.py``). Two
servers on one database (two processes, as ``serve --workers 2`` runs) both
read a subtree, so both cache it; the units then change in a third process
(``import-units``, the only way units change); both servers' next reports
show the change. And ``serve --workers 2`` itself serves pushes and reports.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.support.live_server import REPO_ROOT, LiveServer

from .helpers import PLAN, batch, record, survey_answers, this_year_day

DAY = this_year_day()
STARTUP = 90.0  # seconds: migrating and seeding a fresh PostgreSQL, then spawning workers, on a busy machine


def _enroll(client: httpx.Client, username: str, device: str) -> dict[str, str]:
    resp = client.post(
        "/api/v1/enroll", json={"username": username, "password": f"{username}123", "device_id": device}
    )
    assert resp.status_code == 200, resp.text
    return {"Authorization": f"Bearer {resp.json()['device_token']}"}


def _children(client: httpx.Client, headers: dict[str, str]) -> dict[str, str]:
    resp = client.get(
        "/api/v1/tallies",
        params={"plan_id": PLAN, "unit": "HN-SS", "start": DAY, "end": DAY},
        headers=headers,
    )
    assert resp.status_code == 200, resp.text
    return {c["unit"]: c["unit_name"] for c in resp.json()["children"]}


def _cli(url: str, *args: str) -> str:
    env = {"PYTHONPATH": str(REPO_ROOT), "FIELDTALLY_ENVIRONMENT": "development", "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-m", "sync_server.cli", *args, "--database-url", url],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO_ROOT,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.postgres
def test_workers__units_changed_elsewhere_show_in_every_worker_at_once(pg_url: str, tmp_path: Path) -> None:
    first = LiveServer(tmp_path / "a", pg_url, demo=True, startup_timeout=STARTUP)
    second = LiveServer(tmp_path / "b", pg_url, demo=False, startup_timeout=STARTUP)
    first.start()
    second.start()
    try:
        with (
            httpx.Client(base_url=first.url, timeout=20) as a,
            httpx.Client(base_url=second.url, timeout=20) as b,
        ):
            ha, hb = _enroll(a, "giamsat", "worker-a"), _enroll(b, "giamsat", "worker-b")
            before_a, before_b = _children(a, ha), _children(b, hb)  # both workers now cache the tree
            assert before_a == before_b
            assert "HN-SS-NEW" not in before_a
            renamed = next(iter(sorted(before_a)))

            table = tmp_path / "units.csv"
            table.write_text(
                f"code,name,type,parent\nHN-SS-NEW,Xã Mới,commune,HN-SS\n{renamed},Tên mới,commune,HN-SS\n",
                encoding="utf-8",
            )
            _cli(pg_url, "import-units", str(table))

            for client, headers in ((b, hb), (a, ha)):
                after = _children(client, headers)
                assert after["HN-SS-NEW"] == "Xã Mới"
                assert after[renamed] == "Tên mới"
                assert set(after) == set(before_a) | {"HN-SS-NEW"}
    finally:
        second.stop()
        first.stop()


@pytest.mark.postgres
def test_serve__two_workers_store_once_and_report(pg_url: str, tmp_path: Path) -> None:
    server = LiveServer(tmp_path, pg_url, demo=True, workers=2, startup_timeout=STARTUP)
    server.start()
    try:
        with httpx.Client(base_url=server.url, timeout=20) as client:
            headers = _enroll(client, "canbo", "two-workers")
            payload = batch(*(record("awareness_survey", survey_answers(DAY, correct=6)) for _ in range(20)))
            for expected in ("stored", "duplicate"):  # the same batch again: counted once
                resp = client.post("/api/v1/sync/push", json=payload, headers=headers)
                assert resp.status_code == 200, resp.text
                assert {r["status"] for r in resp.json()["receipts"]} == {expected}
            # several requests, so both workers answer some of them; every answer counts the 20 once
            for _ in range(6):
                resp = client.get(
                    "/api/v1/tallies", params={"plan_id": PLAN, "start": DAY, "end": DAY}, headers=headers
                )
                assert resp.status_code == 200, resp.text
                surveys = next(i for i in resp.json()["totals"] if i["indicator_id"] == "i1_understanding")
                assert surveys["denominator"] == 20
    finally:
        server.stop()
    assert "Started parent process" in server.log_path.read_text(encoding="utf-8")


def test_serve__zero_workers_is_refused_with_a_sentence(tmp_path: Path) -> None:
    env = {"PYTHONPATH": str(REPO_ROOT), "FIELDTALLY_ENVIRONMENT": "development", "PATH": "/usr/bin:/bin"}
    url = f"sqlite:///{tmp_path / 'x.sqlite3'}"
    done = subprocess.run(
        [sys.executable, "-m", "sync_server.cli", "serve", "--workers", "0", "--database-url", url],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr.strip().endswith("--workers must be 1 or more (it is 0).")
    assert "Traceback" not in done.stderr
