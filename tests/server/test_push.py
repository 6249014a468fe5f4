"""POST /api/v1/sync/push: receipts, revisions, tallies moving exactly once, and body handling."""

from __future__ import annotations

import functools
import gzip
import json
import tracemalloc
import uuid
import zlib

from fastapi.testclient import TestClient
from sqlalchemy import text

from schemas.common import ErrorBody
from schemas.sync import PushResponse

from .helpers import Api, batch, gzipped, record, session_answers, survey_answers, this_year_day

DAY = this_year_day()


def _i1(api: Api) -> tuple[float, float]:
    ind = api.indicator("i1_understanding", start=DAY, end=DAY)
    return ind["numerator"], ind["denominator"]


def test_push__stored_then_duplicate_on_resend(api: Api) -> None:
    rec = record("awareness_survey", survey_answers(DAY, correct=5))
    resp = api.push(rec)
    assert resp.status_code == 200, resp.text
    body = PushResponse.model_validate(resp.json())
    assert [(str(r.id), r.revision, r.status.value) for r in body.receipts] == [(rec["id"], 1, "stored")]
    assert api.statuses(rec) == ["duplicate"]
    assert _i1(api) == (1.0, 1.0)  # counted once


def test_push__revision_replaces_void_removes_and_stale_is_ignored(api: Api) -> None:
    rid = uuid.uuid4()
    passing = record("awareness_survey", survey_answers(DAY, correct=6), record_id=rid)
    assert api.statuses(passing) == ["stored"]
    assert _i1(api) == (1.0, 1.0)

    failing = record("awareness_survey", survey_answers(DAY, correct=1), record_id=rid, revision=2)
    assert api.statuses(failing) == ["stored"]
    assert _i1(api) == (0.0, 1.0)  # moved, not added

    void = record(
        "awareness_survey",
        survey_answers(DAY, correct=1),
        record_id=rid,
        revision=3,
        status="void",
        void_reason="Nhập trùng",
    )
    assert api.statuses(void) == ["stored"]
    assert _i1(api) == (0.0, 0.0)

    assert api.statuses(failing) == ["stale"]
    assert api.statuses(passing) == ["stale"]
    assert _i1(api) == (0.0, 0.0)


def test_push__sum_measures_move_with_the_unit_day_and_amount(api: Api) -> None:
    rid = uuid.uuid4()
    first = record("outreach_session", session_answers(DAY, soldiers=30), record_id=rid)
    assert api.statuses(first) == ["stored"]
    # soldiers' person-times: the sum measure i2 shows beside the people it counts
    assert api.indicator("i2_forces_educated", start=DAY, end=DAY)["person_times"] == 30
    other_day = this_year_day(1, 2)
    second = record("outreach_session", session_answers(other_day, soldiers=12), record_id=rid, revision=2)
    assert api.statuses(second) == ["stored"]
    assert api.indicator("i2_forces_educated", start=DAY, end=DAY)["person_times"] == 0 or DAY == other_day
    assert api.indicator("i2_forces_educated", start=other_day, end=other_day)["person_times"] == 12


def test_push__two_revisions_in_one_batch(api: Api) -> None:
    rid = uuid.uuid4()
    r1 = record("awareness_survey", survey_answers(DAY, correct=6), record_id=rid)
    r2 = record("awareness_survey", survey_answers(DAY, correct=0), record_id=rid, revision=2)
    assert api.statuses(r2, r1) == ["stored", "stale"]
    assert _i1(api) == (0.0, 1.0)


def test_push__revisions_in_pushed_order_in_one_batch_each_replace_the_last(api: Api) -> None:
    """Each later revision of an id in the batch is decided against the one before it in the batch."""
    rid, other = uuid.uuid4(), uuid.uuid4()
    assert api.statuses(record("outreach_session", session_answers(DAY, soldiers=5), record_id=other)) == [
        "stored"
    ]
    other_day = this_year_day(1, 2)
    r1 = record("outreach_session", session_answers(DAY, soldiers=30), record_id=rid)
    r2 = record("outreach_session", session_answers(other_day, soldiers=12), record_id=rid, revision=2)
    r3 = record("outreach_session", session_answers(DAY, soldiers=7), record_id=rid, revision=3)
    o2 = record("outreach_session", session_answers(DAY, soldiers=1), record_id=other, revision=2)
    assert api.statuses(r1, o2, r2, r3, r2) == ["stored", "stored", "stored", "stored", "stale"]
    day_total = api.indicator("i2_forces_educated", start=DAY, end=DAY)["person_times"]
    assert day_total == (7 + 1 if DAY != other_day else 8)
    if DAY != other_day:
        assert api.indicator("i2_forces_educated", start=other_day, end=other_day)["person_times"] == 0
    assert api.statuses(r3, o2) == ["duplicate", "duplicate"]


def test_push__rejections_keep_the_rest_of_the_batch(api: Api) -> None:
    good = record("awareness_survey", survey_answers(DAY, correct=5))
    unknown_form = record("no_such_form", {"x": 1})
    missing = survey_answers(DAY, correct=5)
    del missing["sex"]
    invalid = record("awareness_survey", missing)
    foreign_unit = record("awareness_survey", survey_answers(DAY, correct=5), unit="HN-BD-PX")
    unknown_unit = record("awareness_survey", survey_answers(DAY, correct=5), unit="NOWHERE")
    draft = record("awareness_survey", survey_answers(DAY, correct=5), status="draft")
    wrong_author = record("awareness_survey", survey_answers(DAY, correct=5), author="chihuy")
    good2 = record("outreach_session", session_answers(DAY))
    records = [good, unknown_form, invalid, foreign_unit, unknown_unit, draft, wrong_author, good2]

    resp = api.push(*records)
    assert resp.status_code == 200, resp.text
    receipts = resp.json()["receipts"]
    assert [r["id"] for r in receipts] == [r["id"] for r in records]
    assert [r["status"] for r in receipts] == ["stored"] + ["rejected"] * 6 + ["stored"]
    codes = [[i["code"] for i in r["issues"]] for r in receipts[1:7]]
    assert codes == [
        ["unknown_form"],
        ["required"],
        ["unit_out_of_scope"],
        ["unknown_unit"],
        ["draft"],
        ["wrong_author"],
    ]
    messages = {i["code"]: i["message"] for r in receipts for i in r["issues"]}
    assert messages["unknown_form"]["vi"] == "Không có biểu mẫu no_such_form phiên bản 1."
    assert "bắt buộc" in messages["required"]["vi"]
    assert "phạm vi" in messages["unit_out_of_scope"]["vi"]
    assert "nháp" in messages["draft"]["vi"]
    assert all(m["vi"] and m["en"] and m["vi"] != m["en"] for m in messages.values())
    assert _i1(api) == (1.0, 1.0)  # only the good survey counts
    # a rejected record stays out: sending it fixed later is an ordinary store
    fixed = dict(foreign_unit, unit="HN-SS-MT")
    assert api.statuses(fixed) == ["stored"]


def test_push__calculated_answers_are_recomputed(api: Api, db) -> None:
    answers = survey_answers(DAY, correct=1) | {"quiz_score": 6, "has_understanding": "yes"}  # lies
    rec = record("awareness_survey", answers)
    assert api.statuses(rec) == ["stored"]
    assert _i1(api) == (0.0, 1.0)


def test_push__record_of_another_unit_cannot_be_overwritten(api: Api) -> None:
    rid = uuid.uuid4()
    theirs = record(
        "awareness_survey", survey_answers(DAY, correct=6), record_id=rid, unit="HN-BD-PX", author="chihuy"
    )
    assert api.statuses(theirs, user="chihuy") == ["stored"]
    mine = record("awareness_survey", survey_answers(DAY, correct=0), record_id=rid, revision=5)
    resp = api.push(mine)
    receipt = resp.json()["receipts"][0]
    assert receipt["status"] == "rejected" and receipt["issues"][0]["code"] == "not_yours"
    sup = api.indicator("i1_understanding", user="chihuy", unit="HN", start=DAY, end=DAY)
    assert (sup["numerator"], sup["denominator"]) == (1.0, 1.0)


def test_push__gzip_body_accepted(api: Api) -> None:
    payload = batch(record("awareness_survey", survey_answers(DAY, correct=4)))
    resp = api.client.post(
        "/api/v1/sync/push",
        content=gzipped(payload),
        headers={
            **api.auth(),
            "Content-Type": "application/json",
            "Content-Encoding": "gzip",
            "Idempotency-Key": payload["batch_id"],
        },
    )
    assert resp.status_code == 200, resp.text
    assert [r["status"] for r in resp.json()["receipts"]] == ["stored"]


def _post_raw(api: Api, content, **headers: str):
    return api.client.post(
        "/api/v1/sync/push",
        content=content,
        headers={**api.auth(), "Content-Type": "application/json", **headers},
    )


def test_push__oversized_body_413(api: Api, settings) -> None:
    resp = _post_raw(api, b" " * (settings.max_body_bytes + 1))
    assert resp.status_code == 413
    assert ErrorBody.model_validate(resp.json()).code == "too_large"

    def chunks():  # no Content-Length: the cap must hold while streaming
        for _ in range(settings.max_body_bytes // 65536 + 2):
            yield b" " * 65536

    streamed = _post_raw(api, chunks())
    assert streamed.status_code == 413


@functools.cache
def gzip_bomb() -> bytes:
    """256 MiB of zeros in about 250 KiB of gzip."""
    squeeze = zlib.compressobj(9, zlib.DEFLATED, 31)
    zeros = b"\0" * (1 << 20)
    return b"".join(squeeze.compress(zeros) for _ in range(256)) + squeeze.flush()


def test_push__gzip_bomb_413_without_inflating(api: Api) -> None:
    bomb = gzip_bomb()
    assert len(bomb) < 512 * 1024
    tracemalloc.start()
    try:
        resp = _post_raw(api, bomb, **{"Content-Encoding": "gzip"})
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert resp.status_code == 413
    assert ErrorBody.model_validate(resp.json()).code == "too_large"
    assert peak < 48 * 1024 * 1024, f"peak {peak / 2**20:.0f} MiB"


def test_push__malformed_bodies_400(api: Api) -> None:
    for content, headers in [
        (b"{not json", {}),
        (b"", {}),
        (b"this is not gzip", {"Content-Encoding": "gzip"}),
        (gzip.compress(b'{"batch_id": "x"')[:-6], {"Content-Encoding": "gzip"}),  # truncated
    ]:
        resp = _post_raw(api, content, **headers)
        assert resp.status_code == 400, (content, resp.text)
        assert ErrorBody.model_validate(resp.json()).code == "bad_body"
    assert _post_raw(api, b"{}", **{"Content-Encoding": "br"}).status_code == 415


def test_push__wrong_shape_422_lists_issues(api: Api) -> None:
    rec = record("awareness_survey", survey_answers(DAY, correct=4))
    del rec["unit"]
    rec["colour"] = "red"
    rec["revision"] = 0
    resp = _post_raw(api, json.dumps({"batch_id": "not-a-uuid", "records": [rec]}).encode())
    assert resp.status_code == 422
    err = ErrorBody.model_validate(resp.json())
    assert err.code == "invalid"
    got = {(i.field, i.code) for i in err.issues}
    assert got == {
        ("batch_id", "uuid_parsing"),
        ("records.0.unit", "missing"),
        ("records.0.colour", "extra_forbidden"),
        ("records.0.revision", "greater_than_equal"),
    }
    assert all("records.0" in i.message.vi for i in err.issues if i.field and i.field.startswith("records"))


def test_push__idempotency_key_must_match_batch(api: Api) -> None:
    payload = batch(record("awareness_survey", survey_answers(DAY, correct=4)))
    resp = _post_raw(api, json.dumps(payload).encode(), **{"Idempotency-Key": str(uuid.uuid4())})
    assert resp.status_code == 422
    assert ErrorBody.model_validate(resp.json()).issues[0].code == "idempotency_key_mismatch"


def test_push__empty_batch_is_fine(api: Api) -> None:
    resp = api.push()
    assert resp.status_code == 200
    assert resp.json()["receipts"] == []


def test_push__database_error_is_503_without_traceback(app_client: TestClient, api: Api) -> None:
    headers = api.auth()
    rec = record("awareness_survey", survey_answers(DAY, correct=4))
    with app_client.app.state.db.session(write=True) as s:  # type: ignore[attr-defined]
        s.execute(text("DROP TABLE tallies"))
    resp = app_client.post("/api/v1/sync/push", json=batch(rec), headers=headers)
    assert resp.status_code == 503
    assert ErrorBody.model_validate(resp.json()).code == "unavailable"
    assert resp.headers["Retry-After"]
    assert "Traceback" not in resp.text
