"""The approvals list costs a fixed number of queries per page, and flags exactly what it flagged before.

Issue 14's attack: 500 approvals took 15 s to list, each approval's changed
records being one more query. Now a page's changes are one grouped query;
the answers are compared with the old per-approval computation
(``tests/support/approvals_reference.py``) on SQLite and PostgreSQL.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta

from sqlalchemy import event, insert

from schemas.common import utcnow
from schemas.plan_report import Approval
from sync_server.db import Database
from sync_server.models import ApprovalRow
from tests.support.approvals_reference import list_one_query_each

from .helpers import PLAN, Api, record, survey_answers


@contextmanager
def _statements(db: Database) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany) -> None:
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def _approve(api: Api, user: str, unit: str, start: str, end: str) -> int:
    body = {"plan_id": PLAN, "unit": unit, "start": start, "end": end}
    return api.client.post("/api/v1/approvals", json=body, headers=api.auth(user)).status_code


def _listed(api: Api, user: str, **params) -> list[Approval]:
    resp = api.client.get("/api/v1/approvals", params=params, headers=api.auth(user))
    assert resp.status_code == 200, resp.text
    return [Approval.model_validate(a) for a in resp.json()["approvals"]]


def _survey(day: str, **kw) -> dict:
    return record("awareness_survey", survey_answers(day, correct=6), **kw)


def test_approvals__flags_are_those_of_one_query_per_approval(api: Api, db: Database) -> None:
    mt = _survey("2024-03-01")
    moved = _survey("2024-03-02")
    bs = _survey("2024-05-01", unit="HN-SS-BS", author="giamsat")
    assert api.statuses(mt, moved) == ["stored", "stored"]
    assert api.statuses(bs, user="giamsat") == ["stored"]
    assert api.statuses(_survey("2024-05-01", unit="HN-BD-PX", author="chihuy"), user="chihuy") == ["stored"]
    for unit, start, end in [
        ("HN-SS-MT", "2024-01-01", "2024-12-31"),
        ("HN-SS-MT", "2023-01-01", "2023-12-31"),
        ("HN-SS", "2024-01-01", "2024-12-31"),
        ("HN-SS", "2024-01-01", "2024-03-31"),
        ("HN-SS-BS", "2024-01-01", "2024-12-31"),
    ]:
        assert _approve(api, "giamsat", unit, start, end) == 200
    assert _approve(api, "chihuy", "HN", "2024-01-01", "2024-12-31") == 200
    assert _approve(api, "chihuy", "HN-BD", "2024-01-01", "2024-12-31") == 200

    # after the approvals: an edit inside, an edit moving a record out, new records here and there
    assert api.statuses(dict(mt, revision=2, answers=survey_answers("2024-03-01", correct=1))) == ["stored"]
    assert api.statuses(dict(moved, revision=2, answers=survey_answers("2025-01-05", correct=6))) == [
        "stored"
    ]
    bs2 = _survey("2024-06-01", unit="HN-SS-BS", author="giamsat")
    px2 = _survey("2024-07-01", unit="HN-BD-PX", author="chihuy")
    assert api.statuses(bs2, user="giamsat") == ["stored"]
    assert api.statuses(px2, user="chihuy") == ["stored"]
    assert api.statuses(_survey("2025-02-01")) == ["stored"]  # inside no approved period
    old = [_survey(f"2023-{1 + i % 12:02d}-{1 + i % 28:02d}") for i in range(55)]
    assert api.statuses(*old) == ["stored"] * 55  # more than MAX_CHANGED_IDS for one approval

    # the city approves a part of the year; the district is bound by it; one more edit after it
    assert _approve(api, "chihuy", "HN-SS", "2024-04-01", "2024-12-31") == 200
    assert _approve(api, "giamsat", "HN-SS-MT", "2024-01-01", "2024-12-31") == 403  # bound: not re-approved
    assert api.statuses(dict(bs, revision=2), user="giamsat") == ["stored"]

    flags = {(a.unit, str(a.start), str(a.end)): a for a in _listed(api, "chihuy")}
    ids = {k: {str(i) for i in a.changed_record_ids} for k, a in flags.items()}
    assert ids[("HN-SS-MT", "2024-01-01", "2024-12-31")] == {mt["id"], moved["id"]}
    assert ids[("HN-SS", "2024-01-01", "2024-12-31")] == {mt["id"], moved["id"], bs["id"], bs2["id"]}
    assert ids[("HN-SS", "2024-01-01", "2024-03-31")] == {mt["id"], moved["id"]}
    assert ids[("HN-SS-BS", "2024-01-01", "2024-12-31")] == {bs["id"], bs2["id"]}
    assert ids[("HN", "2024-01-01", "2024-12-31")] == {mt["id"], moved["id"], bs["id"], bs2["id"], px2["id"]}
    assert ids[("HN-BD", "2024-01-01", "2024-12-31")] == {px2["id"]}
    assert ids[("HN-SS", "2024-04-01", "2024-12-31")] == {bs["id"]}
    many = flags[("HN-SS-MT", "2023-01-01", "2023-12-31")]
    assert many.changed_records == 55
    assert [str(i) for i in many.changed_record_ids] == sorted(r["id"] for r in old)[:50]

    with db.session() as s:
        for root, user in (("HN", "chihuy"), ("HN/HN-SS", "giamsat")):
            assert _listed(api, user) == list_one_query_each(s, root_path=root, limit=100)
        assert _listed(api, "chihuy", plan_id=PLAN, limit=3, offset=2) == list_one_query_each(
            s, root_path="HN", limit=3, offset=2, plan_id=PLAN
        )
    # the report of exactly an approved period carries the same flags
    report = api.tallies("chihuy", unit="HN-SS", start="2024-04-01", end="2024-12-31").json()
    assert report["approval"]["changed_records"] == 1


def test_approvals__a_page_costs_the_same_queries_for_10_or_100(api: Api, db: Database) -> None:
    early = [_survey(f"2024-{1 + i % 12:02d}-10") for i in range(20)]
    assert api.statuses(*early) == ["stored"] * 20
    now = utcnow()
    rows = [
        {
            "plan_id": PLAN,
            "unit_code": ("HN-SS-MT", "HN-SS", "HN-SS-BS", "HN-SS-MT-HG1")[i % 4],
            "start": date(2024, 1, 1) + timedelta(days=i % 60),
            "end": date(2024, 6, 30) + timedelta(days=i),
            "approved_by": "giamsat",
            "approved_at": now - timedelta(minutes=i),
            "approver_path": "HN/HN-SS",
        }
        for i in range(150)
    ]
    with db.session(write=True) as s:
        s.execute(insert(ApprovalRow), rows)
    later = [_survey(f"2024-{1 + i % 12:02d}-20", record_id=uuid.uuid4()) for i in range(10)]
    assert api.statuses(*later, dict(early[0], revision=2)) == ["stored"] * 11

    _listed(api, "giamsat", limit=1)  # signs in and warms the caches: not what is counted
    counts = {}
    for size in (10, 100):
        with _statements(db) as seen:
            page = _listed(api, "giamsat", limit=size)
        assert len(page) == size
        counts[size] = len(seen)
    assert counts[10] == counts[100] <= 8, counts
    assert sum(a.changed_records for a in page) > 0  # the page does carry flags
    with db.session() as s:
        for offset in (0, 100):
            assert _listed(api, "giamsat", offset=offset) == list_one_query_each(
                s, root_path="HN/HN-SS", limit=100, offset=offset
            )
