"""Issue 14: bounded input, robust exports, one body cap for every route, bounded spans, lists and answers.

Attacks reproduced: a record dated 9999-12-31 or holding a control character
breaking a chain of command's exports; 300 MiB posted to /enroll; centuries
of months in one export; 500 approvals making the list slow; a form id
injecting a header parameter into an export's file name; a push whose answer
outweighs it; 403 versus 404 telling which units exist.
"""

from __future__ import annotations

import http.client
import io
import json
import re
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import insert

from schemas.common import utcnow
from schemas.sync import (
    ISSUES_OMITTED,
    MAX_BATCH_RECORDS,
    MAX_ISSUE_TEXT,
    MAX_RECEIPT_ISSUES,
    MIN_PUSH_ANSWER,
    MORE_ISSUES,
    PUSH_ANSWER_FACTOR,
)
from sync_server.models import ApprovalRow, RecordRow
from tests.server.helpers import PLAN, batch, record, session_answers, this_year_day
from tests.support.live_server import start_live_server

from .conftest import enroll


def _h(body: dict) -> dict[str, str]:
    return {"Authorization": f"Bearer {body['device_token']}"}


def test_input__record_times_outside_the_calendar_are_rejected(client: TestClient):
    o_mt = enroll(client, "o_mt")
    far = record("outreach_session", session_answers(this_year_day()), unit="HN-SS-MT", author="o_mt")
    far["updated_at"] = "9999-12-31T23:59:59Z"
    old = record("outreach_session", session_answers(this_year_day()), unit="HN-SS-MT", author="o_mt")
    old["created_at"] = "1970-01-01T00:00:00Z"
    resp = client.post("/api/v1/sync/push", json=batch(far, old), headers=_h(o_mt))
    assert resp.status_code == 200
    for receipt, field in zip(resp.json()["receipts"], ("updated_at", "created_at"), strict=True):
        assert receipt["status"] == "rejected"
        assert {(i["field"], i["code"]) for i in receipt["issues"]} >= {(field, "bad_timestamp")}


def test_exports__any_stored_value_exports_without_error(client: TestClient):
    """Values stored before the input bounds (or by another path) still export: no 500, no lost rows."""
    s_ss = enroll(client, "s_ss")
    db = client.app.state.db  # type: ignore[attr-defined]
    nasty = "Thôn\x00Đông\x07\x1b[31m =cmd|'/c calc'!A1 \ud800"
    with db.session(write=True) as s:
        s.execute(
            insert(RecordRow).values(
                id=uuid.uuid4(),
                revision=1,
                form_id="outreach_session",
                form_version=1,
                unit_code="HN-SS-MT",
                author="o_mt",
                device="x\x01",
                status="final",
                created_at=datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC),
                updated_at=datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC),
                received_at=utcnow(),
                period=date(2026, 1, 5),
                answers={"place": nasty, "session_date": "9999-12-31", "attendees_citizens": 10**30},
                contributions={},
            )
        )
    for fmt in ("csv", "xlsx"):
        for params in ({}, {"form_id": "outreach_session"}):
            resp = client.get(f"/api/v1/exports/records.{fmt}", params=params, headers=_h(s_ss))
            assert resp.status_code == 200, (fmt, params, resp.text[:300])
            if fmt == "xlsx":
                rows = list(load_workbook(io.BytesIO(resp.content)).active.iter_rows(values_only=True))
                assert len(rows) == 2 and any("9999-12-31" in str(v) for v in rows[1])
            else:
                assert "9999-12-31" in resp.content.decode("utf-8-sig") and "\x00" not in resp.text


def test_exports__file_names_cannot_inject_header_parameters(client: TestClient):
    s_ss = enroll(client, "s_ss")
    for form_id in ('x"; filename="evil.exe', "phiếu-điều-tra", "a\r\nSet-Cookie: x=1"):
        resp = client.get("/api/v1/exports/records.csv", params={"form_id": form_id}, headers=_h(s_ss))
        assert resp.status_code == 200, resp.text
        disposition = resp.headers["content-disposition"]
        assert re.fullmatch(r'attachment; filename="[A-Za-z0-9._-]+\.csv"', disposition), disposition
        assert "set-cookie" not in {k.lower() for k in resp.headers}


def test_spans__centuries_of_months_are_refused_at_once(client: TestClient):
    s_ss = enroll(client, "s_ss")
    params = {"plan_id": PLAN, "start": "1500-01-01", "end": "2026-12-31", "granularity": "month"}
    started = time.monotonic()
    resp = client.get("/api/v1/exports/tallies.csv", params=params, headers=_h(s_ss))
    assert resp.status_code == 422 and resp.json()["code"] == "span_too_long" and resp.json()["message"]["vi"]
    series = client.get(
        "/api/v1/tallies",
        params={"plan_id": PLAN, "start": "1000-01-01", "end": "2999-12-31"},
        headers=_h(s_ss),
    )
    assert series.status_code == 422 and time.monotonic() - started < 5
    ok = {"plan_id": PLAN, "start": "2021-01-01", "end": "2027-12-31", "granularity": "year"}
    assert client.get("/api/v1/exports/tallies.csv", params=ok, headers=_h(s_ss)).status_code == 200


def test_body_cap__every_route_refuses_a_big_body_before_reading_it(client: TestClient):
    big = b"{" + b" " * (2 * 1024 * 1024) + b"}"
    for path in ("/api/v1/enroll", "/api/v1/approvals", "/api/v1/devices/1/unlock-code", "/health"):
        resp = client.post(path, content=big, headers={"Content-Type": "application/json"})
        assert resp.status_code == 413, (path, resp.status_code)
        assert resp.json()["code"] == "too_large" and resp.json()["message"]["vi"]

    def chunks():  # no Content-Length: counted as it arrives
        for _ in range(64):
            yield b" " * (64 * 1024)

    resp = client.post("/api/v1/enroll", content=chunks(), headers={"Content-Type": "application/json"})
    assert resp.status_code == 413


def test_body_cap__a_declared_300_mib_body_is_answered_without_sending_it(tmp_path: Path):
    server = start_live_server(tmp_path / "srv")
    try:
        host, port = server.url.split("://", 1)[1].split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=10)
        conn.putrequest("POST", "/api/v1/enroll")
        conn.putheader("Content-Type", "application/json")
        conn.putheader("Content-Length", str(300 * 1024 * 1024))
        conn.endheaders()  # and not one byte of the body
        resp = conn.getresponse()
        assert resp.status == 413
        conn.close()
    finally:
        server.stop()


def test_approvals__a_long_list_is_paged_and_quick(client: TestClient):
    s_ss = enroll(client, "s_ss")
    db = client.app.state.db  # type: ignore[attr-defined]
    now = utcnow()
    with db.session(write=True) as s:
        s.execute(
            insert(ApprovalRow),
            [
                {
                    "plan_id": PLAN,
                    "unit_code": "HN-SS-MT",
                    "start": date(2021, 1, 1),
                    "end": date(2021, 1, 1).replace(day=1 + i % 28, month=1 + i // 28 % 12),
                    "approved_by": "s_ss",
                    "approved_at": now,
                    "approver_path": "HN/HN-SS",
                }
                for i in range(300)
            ]
            + [
                {
                    "plan_id": PLAN,
                    "unit_code": "HN-SS",
                    "start": date(2022, 1, 1),
                    "end": date(2022, 1, 1).replace(day=1 + i % 28, month=1 + i // 28 % 12),
                    "approved_by": "s_ss",
                    "approved_at": now,
                    "approver_path": "HN/HN-SS",
                }
                for i in range(200)
            ],
        )
    started = time.monotonic()
    first = client.get("/api/v1/approvals", headers=_h(s_ss))
    assert first.status_code == 200 and len(first.json()["approvals"]) == 100
    assert time.monotonic() - started < 5
    later = client.get("/api/v1/approvals", params={"offset": 450}, headers=_h(s_ss)).json()["approvals"]
    assert len(later) == 50


def _tiny(kind: int) -> dict:
    """A small invalid record drawing a long list of issues, or issues repeating what it carries."""
    rec = {
        "id": str(uuid.uuid4()),
        "form_id": "outreach_session",
        "form_version": 1,
        "unit": "HN-SS-MT",
        "author": "o_mt",
        "device": "d",
        "created_at": "2026-01-01T00:00:00Z",
        "updated_at": "2026-01-01T00:00:00Z",
        "revision": 1,
        "status": "final",
        "answers": {},
    }
    if kind == 0:  # thirty unknown questions: thirty issues
        rec["answers"] = {f"{a}{b}": 0 for a in "abc" for b in "0123456789"}
    elif kind == 1:  # an author named twice in the answer, once in the push
        rec["author"] = "x" * 64
    elif kind == 2:
        rec.update(status="draft", unit="u" * 64, author="a" * 64)
    else:  # long unknown question names, each repeated in the field and both messages
        rec["answers"] = {"k" * 300 + str(i): 0 for i in range(3)}
    return rec


def _push_bytes(client: TestClient, token: dict, records: list[dict]):
    body = json.dumps({"batch_id": str(uuid.uuid4()), "records": records}, separators=(",", ":")).encode()
    headers = {**_h(token), "Accept-Encoding": "identity", "Content-Type": "application/json"}
    resp = client.post("/api/v1/sync/push", content=body, headers=headers)
    assert resp.status_code == 200, resp.text
    return body, resp


def test_push__the_answer_never_outweighs_the_push(client: TestClient):
    o_mt = enroll(client, "o_mt")
    for kinds in ([0], [1], [2], [3], [0, 1, 2, 3]):
        records = [_tiny(kinds[i % len(kinds)]) for i in range(MAX_BATCH_RECORDS)]
        body, resp = _push_bytes(client, o_mt, records)
        assert len(resp.content) <= max(MIN_PUSH_ANSWER, PUSH_ANSWER_FACTOR * len(body)), (kinds, len(body))
        receipts = resp.json()["receipts"]
        # nothing dropped: every record's fate, in order, with a reason, however short
        assert [r["id"] for r in receipts] == [r["id"] for r in records]
        assert all(r["status"] == "rejected" and r["issues"] for r in receipts), kinds
        assert receipts[0]["issues"][0]["code"] != ISSUES_OMITTED  # the first records keep their reasons
        for r in receipts:
            assert len(r["issues"]) <= MAX_RECEIPT_ISSUES
            assert all(len(i["message"]["vi"]) <= MAX_ISSUE_TEXT for i in r["issues"])

    # one record with thirty-four problems (thirty unknown questions, four missing): four, then how many more
    _, resp = _push_bytes(client, o_mt, [_tiny(0)])
    (receipt,) = resp.json()["receipts"]
    assert [i["code"] for i in receipt["issues"]] == ["unknown_field"] * 4 + [MORE_ISSUES]
    assert "30" in receipt["issues"][-1]["message"]["vi"] and "30" in receipt["issues"][-1]["message"]["en"]
    # and a push of good records is answered in full, as before
    good = record("outreach_session", session_answers(this_year_day()), author="o_mt")
    resp = client.post("/api/v1/sync/push", json=batch(good), headers=_h(o_mt))
    assert [r["status"] for r in resp.json()["receipts"]] == ["stored"]


def test_scope__an_unknown_unit_and_a_foreign_one_get_the_same_answer(client: TestClient):
    s_ss = enroll(client, "s_ss")
    answers = []
    for unit in ("HN-BD-PX", "NO-SUCH-UNIT"):
        for path, params in (
            ("/api/v1/tallies", {"plan_id": PLAN, "unit": unit}),
            ("/api/v1/exports/records.csv", {"unit": unit}),
            ("/api/v1/approvals", {"unit": unit}),
        ):
            resp = client.get(path, params=params, headers=_h(s_ss))
            answers.append((path, resp.status_code, resp.json()["code"]))
    assert answers[:3] == answers[3:] and {a[1] for a in answers} == {403}


def test_headers__security_headers_everywhere_and_no_docs_in_production(client: TestClient, tmp_path: Path):
    for path in ("/health", "/api/v1/sync/pull", "/nope"):
        headers = client.get(path).headers
        assert headers["x-content-type-options"] == "nosniff" and headers["x-frame-options"] == "DENY"
        assert "default-src 'none'" in headers["content-security-policy"]
        assert headers["referrer-policy"] == "no-referrer" and headers["cache-control"] == "no-store"
    assert client.get("/docs").status_code == 200  # outside production the docs stay

    from sync_server.app import create_app
    from sync_server.config import make_settings

    prod = make_settings(
        {
            "database_url": f"sqlite:///{tmp_path / 'db' / 'p.sqlite3'}",
            "environment": "production",
            "recovery_key_file": str(tmp_path / "keys" / "recovery-key.json"),
        }
    )
    with TestClient(create_app(prod), raise_server_exceptions=False) as c:
        for path in ("/docs", "/redoc", "/openapi.json"):
            assert c.get(path).status_code == 404
        assert "max-age" in c.get("/health").headers["strict-transport-security"]
