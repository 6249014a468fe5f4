"""Issue 6 item 3: bad input gets a clear 4xx (or a rejected receipt), never a 5xx, and loses nothing.

Whole requests that can never work (not JSON, wrong types, too big, a gzip
bomb) get a 4xx ``ErrorBody`` with Vietnamese and English sentences. A
well-formed batch whose *records* are wrong (unknown form or version,
negative counts, dates in 1900 or next year) is answered 200 with a
``rejected`` receipt per bad record and its issues, so the good records of
the same batch are still stored (DESIGN decision 2): the phone moves the bad
ones to "needs fixing".
"""

from __future__ import annotations

import gzip
import json
import uuid
import zlib
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient

from mobile.records import RecordStore, ValidationFailed
from mobile.vault import Vault
from schemas.common import ErrorBody
from tests.mobile.helpers import FAST_KDF, FORMS, PIN
from tests.mobile.helpers import session_answers as phone_session
from tests.server.helpers import batch, record, session_answers, survey_answers, this_year_day

from .conftest import enroll

PUSH = "/api/v1/sync/push"


@pytest.fixture
def auth(client: TestClient) -> dict[str, str]:
    return {"Authorization": f"Bearer {enroll(client, 'o_mt')['device_token']}"}


def _error(resp, status: int, code: str | None = None) -> ErrorBody:
    assert resp.status_code == status, (resp.status_code, resp.text[:500])
    body = ErrorBody.model_validate(resp.json())
    assert body.message.vi and body.message.en and body.message.vi != body.message.en
    if code:
        assert body.code == code, body
    return body


MALFORMED = [
    b"{",
    b"not json at all",
    b'{"batch_id": "x", "records": [',
    b"\xff\xfe\x00garbage",
    b'{"batch_id": NaN}',
    b"[]" * 10,
]


@pytest.mark.parametrize("raw", MALFORMED)
def test_bad_input__malformed_json_is_400(client: TestClient, auth, raw: bytes):
    resp = client.post(PUSH, content=raw, headers={**auth, "Content-Type": "application/json"})
    assert resp.status_code in (400, 422), resp.text
    _error(resp, resp.status_code)


WRONG_SHAPES = [
    {},
    {"batch_id": "not-a-uuid", "records": []},
    {"batch_id": str(uuid.uuid4()), "records": "many"},
    {"batch_id": str(uuid.uuid4()), "records": [{"id": 5}]},
    {"batch_id": str(uuid.uuid4()), "records": [], "extra": True},
    {"batch_id": str(uuid.uuid4()), "records": [None]},
    [1, 2, 3],
    "a string",
]


@pytest.mark.parametrize("payload", WRONG_SHAPES)
def test_bad_input__wrong_types_are_422_with_issues(client: TestClient, auth, payload):
    body = _error(client.post(PUSH, json=payload, headers=auth), 422, "invalid")
    assert body.issues and all(i.message.vi and i.message.en for i in body.issues)


def test_bad_input__every_field_of_a_record_with_a_wrong_type(client: TestClient, auth):
    good = record("outreach_session", session_answers(this_year_day()), author="o_mt")
    wrong = {
        "id": 1,
        "form_id": 7,
        "form_version": "one",
        "unit": None,
        "author": [],
        "device": {},
        "created_at": "yesterday",
        "updated_at": "soon",
        "revision": -1,
        "status": "done",
        "answers": [],
    }
    for field, value in wrong.items():
        body = _error(client.post(PUSH, json=batch({**good, field: value}), headers=auth), 422, "invalid")
        assert any(field in (i.field or "") for i in body.issues), (field, body)


@pytest.mark.parametrize(
    "payload",
    [
        {"username": 5, "password": "x", "device_id": "d"},
        {"username": "a" * 65, "password": "x", "device_id": "d"},
        {"username": "a", "password": "", "device_id": "d"},
        {"username": "a", "password": "x"},
        {"username": "a", "password": "x", "device_id": "d", "role": "admin"},
    ],
)
def test_bad_input__enroll_wrong_shapes_are_422(client: TestClient, payload):
    _error(client.post("/api/v1/enroll", json=payload), 422, "invalid")


def test_bad_input__oversized_bodies_are_413(client: TestClient, auth, sec_settings):
    limit = sec_settings.max_body_bytes
    big = b'{"batch_id": "' + b"x" * (limit + 10) + b'"}'
    _error(
        client.post(PUSH, content=big, headers={**auth, "Content-Type": "application/json"}), 413, "too_large"
    )

    def chunks():  # no Content-Length: the cap is enforced while streaming
        for _ in range(limit // 65536 + 2):
            yield b" " * 65536

    resp = client.post(PUSH, content=chunks(), headers={**auth, "Content-Type": "application/json"})
    _error(resp, 413, "too_large")


def test_bad_input__gzip_bombs_and_broken_gzip(client: TestClient, auth, sec_settings):
    limit = sec_settings.max_body_bytes
    bomb = gzip.compress(b"\0" * (limit * 8), compresslevel=9)  # ~30 KiB that inflate to 32 MiB
    assert len(bomb) < limit // 50
    gz = {**auth, "Content-Type": "application/json", "Content-Encoding": "gzip"}
    _error(client.post(PUSH, content=bomb, headers=gz), 413, "too_large")
    nested = gzip.compress(gzip.compress(b"{" * limit))  # a gzip inside a gzip is just bytes, not JSON
    assert client.post(PUSH, content=nested, headers=gz).status_code in (400, 413)
    good = gzip.compress(json.dumps(batch()).encode())
    _error(client.post(PUSH, content=good[: len(good) // 2], headers=gz), 400, "bad_body")  # truncated
    _error(client.post(PUSH, content=b"\x1f\x8bnot gzip", headers=gz), 400, "bad_body")
    _error(client.post(PUSH, content=good + b"trailing", headers=gz), 400, "bad_body")
    raw_deflate = zlib.compress(json.dumps(batch()).encode())
    _error(client.post(PUSH, content=raw_deflate, headers=gz), 400, "bad_body")
    br = {**auth, "Content-Type": "application/json", "Content-Encoding": "br"}
    _error(client.post(PUSH, content=b"{}", headers=br), 415, "unsupported_encoding")


def _receipts(client: TestClient, auth, *records) -> list[dict]:
    resp = client.post(PUSH, json=batch(*records), headers=auth)
    assert resp.status_code == 200, resp.text
    return resp.json()["receipts"]


def test_bad_input__absurd_records_are_rejected_with_reasons_and_good_ones_kept(client: TestClient, auth):
    today = date.today()
    day = this_year_day()
    bad = {
        "negative_count": record(
            "outreach_session", {**session_answers(day), "attendees_citizens": -5}, author="o_mt"
        ),
        "huge_count": record(
            "outreach_session", {**session_answers(day), "attendees_citizens": 10**12}, author="o_mt"
        ),
        "year_1900": record("outreach_session", session_answers("1900-01-01"), author="o_mt"),
        "next_year": record(
            "outreach_session", session_answers((today + timedelta(days=366)).isoformat()), author="o_mt"
        ),
        "not_a_date": record("outreach_session", session_answers("31/02/2026"), author="o_mt"),
        "unknown_form": record("no_such_form", session_answers(day), author="o_mt"),
        "unknown_version": record("outreach_session", session_answers(day), author="o_mt", form_version=99),
        "unknown_question": record(
            "outreach_session", {**session_answers(day), "injected": "x"}, author="o_mt"
        ),
        "bad_choice": record(
            "awareness_survey", {**survey_answers(day, correct=5), "sex": "robot"}, author="o_mt"
        ),
        "float_count": record(
            "outreach_session", {**session_answers(day), "attendees_citizens": 2.5}, author="o_mt"
        ),
        "nan_count": record(
            "outreach_session", {**session_answers(day), "attendees_citizens": "NaN"}, author="o_mt"
        ),
        "draft": record("outreach_session", session_answers(day), author="o_mt", status="draft"),
        "void_without_reason": record("outreach_session", session_answers(day), author="o_mt", status="void"),
    }
    good = record("outreach_session", session_answers(day), author="o_mt")
    receipts = _receipts(client, auth, good, *bad.values())
    assert receipts[0]["status"] == "stored"
    for (name, _), receipt in zip(bad.items(), receipts[1:], strict=True):
        assert receipt["status"] == "rejected", (name, receipt)
        assert receipt["issues"], name
        for issue in receipt["issues"]:
            assert issue["message"]["vi"] and issue["message"]["en"], (name, issue)
    # Resending the good one is a duplicate: the bad neighbours changed nothing.
    assert _receipts(client, auth, good)[0]["status"] == "duplicate"


def test_bad_input__a_5xx_never_answers_odd_headers_or_methods(client: TestClient, auth):
    odd = [
        client.post(PUSH, content=b"{}", headers={**auth, "Content-Type": "text/plain"}),
        client.post(PUSH, json=batch(), headers={**auth, "Idempotency-Key": "not-a-uuid"}),
        client.put(PUSH, json=batch(), headers=auth),
        client.get("/api/v1/tallies", params={"plan_id": "x" * 65}, headers=auth),
        client.get("/api/v1/tallies", params={"plan_id": "nope"}, headers=auth),
        client.get(
            "/api/v1/tallies",
            params={"plan_id": "hanoi_pbgdpl_2021_2027", "start": "1900-13-01"},
            headers=auth,
        ),
        client.get(
            "/api/v1/tallies",
            params={"plan_id": "hanoi_pbgdpl_2021_2027", "start": "2027-01-01", "end": "2021-01-01"},
            headers=auth,
        ),
        client.get("/api/v1/sync/pull", headers={"Authorization": "Basic abc"}),
        client.get("/api/v1/sync/pull", headers={"Authorization": ("Bearer " + "é" * 10).encode("utf-8")}),
    ]
    for resp in odd:
        assert 400 <= resp.status_code < 500, (
            resp.request.method,
            resp.request.url,
            resp.status_code,
            resp.text,
        )
        _error(resp, resp.status_code)


# ---- on the phone ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change,code",
    [
        ({"attendees_citizens": -1}, "too_small"),
        ({"attendees_citizens": "bốn mươi"}, "not_integer"),
        ({"session_date": "1900-01-01"}, "date_too_early"),
        ({"session_date": (date.today() + timedelta(days=400)).isoformat()}, "date_in_future"),
        ({"session_date": "30/02/2026"}, "bad_date"),
        ({"format": "telepathy"}, "bad_choice"),
        ({"place": None}, "required"),
        ({"hacked": 1}, "unknown_field"),
    ],
)
def test_bad_input__phone_refuses_invalid_answers_with_a_clear_sentence(tmp_path, change: dict, code: str):
    with Vault.create(tmp_path / "v", PIN, kdf_params=FAST_KDF) as v:
        store = RecordStore(v, author="canbo", unit="HN-SS-MT", device="d")
        form = FORMS["outreach_session"]
        rec = store.new_record(form)
        answers = {**phone_session(), **change}
        with pytest.raises(ValidationFailed) as err:
            store.finalize(rec, {k: val for k, val in answers.items() if val is not None}, form)
        issue = next(i for i in err.value.issues if i.code == code)
        assert issue.message.vi and issue.message.en and issue.message.vi != issue.message.en
        assert "chỗ cần sửa" in err.value.message.vi
        assert store.counts()  # and nothing was saved by the refused call
        assert store.get(rec.id) is None
