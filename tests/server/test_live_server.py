"""Against a real uvicorn subprocess: the wire as the phone sees it, crashes included."""

from __future__ import annotations

import gzip
import json
import threading
import zlib
from pathlib import Path

import httpx
import pytest

from tests.support.live_server import LiveServer, start_live_server

from .helpers import PLAN, batch, record, survey_answers, this_year_day

DAY = this_year_day()


def _enroll(client: httpx.Client, username: str = "canbo") -> dict[str, str]:
    resp = client.post(
        "/api/v1/enroll", json={"username": username, "password": f"{username}123", "device_id": "live-phone"}
    )
    assert resp.status_code == 200, resp.text
    return {"Authorization": f"Bearer {resp.json()['device_token']}"}


def _push_gzip(client: httpx.Client, headers: dict[str, str], payload: dict) -> httpx.Response:
    return client.post(
        "/api/v1/sync/push",
        content=gzip.compress(json.dumps(payload).encode()),
        headers={
            **headers,
            "Content-Type": "application/json",
            "Content-Encoding": "gzip",
            "Idempotency-Key": payload["batch_id"],
        },
    )


def _understanding(client: httpx.Client, headers: dict[str, str]) -> tuple[float, float]:
    resp = client.get("/api/v1/tallies", params={"plan_id": PLAN, "start": DAY, "end": DAY}, headers=headers)
    assert resp.status_code == 200, resp.text
    ind = next(i for i in resp.json()["totals"] if i["indicator_id"] == "i1_understanding")
    return ind["numerator"], ind["denominator"]


def test_live_server__push_survives_a_crash(live_server: LiveServer) -> None:
    with httpx.Client(base_url=live_server.url, timeout=10) as client:
        assert client.get("/health").json() == {"status": "ok", "version": "0.1.0", "database": "sqlite"}
        headers = _enroll(client)
        payload = batch(
            record("awareness_survey", survey_answers(DAY, correct=6)),
            record("awareness_survey", survey_answers(DAY, correct=1)),
        )
        resp = _push_gzip(client, headers, payload)
        assert [r["status"] for r in resp.json()["receipts"]] == ["stored", "stored"]

    live_server.kill()
    live_server.start()  # same port, same database; the demo seeding runs again, idempotently

    with httpx.Client(base_url=live_server.url, timeout=10) as client:
        assert _understanding(client, headers) == (1, 2)  # the token and the records outlived the crash
        resend = _push_gzip(client, headers, payload)
        assert [r["status"] for r in resend.json()["receipts"]] == ["duplicate", "duplicate"]
        assert _understanding(client, headers) == (1, 2)


def test_live_server__gzip_bomb_refused(live_server: LiveServer) -> None:
    squeeze = zlib.compressobj(9, zlib.DEFLATED, 31)
    zeros = b"\0" * (1 << 20)
    bomb = b"".join(squeeze.compress(zeros) for _ in range(64)) + squeeze.flush()
    with httpx.Client(base_url=live_server.url, timeout=10) as client:
        headers = _enroll(client)
        resp = client.post(
            "/api/v1/sync/push",
            content=bomb,
            headers={**headers, "Content-Type": "application/json", "Content-Encoding": "gzip"},
        )
        assert resp.status_code == 413
        assert resp.json()["code"] == "too_large"
        assert client.get("/health").status_code == 200


def test_live_server__concurrent_pushes_counted_once(live_server: LiveServer) -> None:
    with httpx.Client(base_url=live_server.url, timeout=10) as client:
        headers = _enroll(client)
    recs = [record("awareness_survey", survey_answers(DAY, correct=5)) for _ in range(40)]
    barrier = threading.Barrier(2)
    results: dict[str, httpx.Response] = {}

    def push(name: str, records: list) -> None:
        with httpx.Client(base_url=live_server.url, timeout=30) as own:  # its own connection
            barrier.wait(timeout=10)
            results[name] = _push_gzip(own, headers, batch(*records))

    threads = [
        threading.Thread(target=push, args=("a", recs)),
        threading.Thread(target=push, args=("b", list(reversed(recs)))),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    stored = [
        r["id"] for resp in results.values() for r in resp.json()["receipts"] if r["status"] == "stored"
    ]
    assert sorted(stored) == sorted(r["id"] for r in recs)
    with httpx.Client(base_url=live_server.url, timeout=10) as client:
        assert _understanding(client, headers) == (40, 40)


@pytest.mark.postgres
def test_live_server__on_postgresql(tmp_path: Path, pg_url: str) -> None:
    server = start_live_server(tmp_path, database_url=pg_url)
    try:
        with httpx.Client(base_url=server.url, timeout=10) as client:
            assert client.get("/health").json()["database"] == "postgresql"
            headers = _enroll(client, "chihuy")
            pulled = client.get("/api/v1/sync/pull", headers=headers).json()
            assert {u["code"] for u in pulled["units"]} >= {"HN", "HN-SS-MT"}
    finally:
        server.stop()
