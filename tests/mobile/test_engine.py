"""SyncEngine against a real loopback HTTP server whose behaviour each test scripts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from mobile.errors import AuthRejected, PermanentSyncError, RetryableSyncError
from mobile.record_state import LocalState
from mobile.records import RecordStore
from mobile.sync.client import ServerClient
from mobile.sync.engine import MAX_DELAY, SyncEngine
from schemas.common import ErrorBody, Issue, text

from .fake_server import FakeServer, Request
from .helpers import FORMS, pull_response, session_answers

SESSION = FORMS["outreach_session"]


class Sleeps(list):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def server() -> Iterator[FakeServer]:
    srv = FakeServer(handler=lambda req: (500, {}, b"")).start()
    try:
        yield srv
    finally:
        srv.stop()


def well_behaved(server: FakeServer):
    def handler(req: Request):
        if req.path.endswith("/sync/push"):
            return 200, {}, server.receipts_for(req)
        if req.path.endswith("/sync/pull"):
            return 200, {}, pull_response()
        return 404, {}, b""

    return handler


def queue(store: RecordStore, n: int) -> list:
    return [
        store.finalize(store.new_record(SESSION), session_answers(place=f"Thôn {i}"), SESSION)
        for i in range(n)
    ]


def engine(store: RecordStore, server: FakeServer, **kw) -> tuple[SyncEngine, Sleeps]:
    sleeps = Sleeps()
    kw.setdefault("max_records", 3)
    return SyncEngine(store, ServerClient(server.url, "tok"), sleep=sleeps, **kw), sleeps


def test_engine__pushes_every_batch_then_pulls(store: RecordStore, server: FakeServer):
    server.handler = well_behaved(server)
    queue(store, 7)
    store.save_draft(store.new_record(SESSION), {"place": "nháp"})
    seen = []
    eng, sleeps = engine(store, server)
    report = eng.run(progress=lambda done, total: seen.append((done, total)))
    assert report.error is None and report.ok
    assert (report.sent, report.stored, report.duplicate, report.rejected, report.remaining) == (
        7,
        7,
        0,
        0,
        0,
    )
    assert report.pulled and store.cached_pull() == pull_response()
    assert seen == [(0, 7), (3, 7), (6, 7), (7, 7)]
    assert len(server.pushes()) == 3 and sleeps == []
    assert store.counts()[LocalState.SENT] == 7 and store.counts()[LocalState.DRAFT] == 1
    last = datetime.fromisoformat(store.get_meta("last_sync"))
    assert last == report.finished_at and last.tzinfo is not None


def test_engine__retries_a_busy_server_honouring_retry_after(store: RecordStore, server: FakeServer):
    ok = well_behaved(server)
    fails = {"n": 2}

    def handler(req: Request):
        if req.path.endswith("/sync/push") and fails["n"]:
            fails["n"] -= 1
            return 503, {"Retry-After": "2"}, b""
        return ok(req)

    server.handler = handler
    queue(store, 2)
    eng, sleeps = engine(store, server)
    report = eng.run()
    assert report.error is None and report.stored == 2
    assert len(sleeps) == 2 and all(s >= 2 for s in sleeps)
    keys = {r.headers["idempotency-key"] for r in server.pushes()}
    assert len(keys) == 1  # the same batch, retried, under the same Idempotency-Key


def test_engine__backoff_grows_with_jitter_and_is_capped(store: RecordStore, server: FakeServer):
    server.handler = lambda req: (502, {}, b"")
    queue(store, 1)
    eng, sleeps = engine(store, server, max_attempts=6, base_delay=1.0)
    report = eng.run()
    assert isinstance(report.error, RetryableSyncError)
    assert len(sleeps) == 5 and len(server.pushes()) == 6
    assert all(0 <= s <= min(2**i, MAX_DELAY) for i, s in enumerate(sleeps))


def test_engine__gives_up_and_keeps_everything_when_the_server_stays_down(
    store: RecordStore, server: FakeServer
):
    server.handler = lambda req: (
        503,
        {},
        ErrorBody(code="unavailable", message=text("Bảo trì.", "Maintenance.")),
    )
    queue(store, 4)
    eng, sleeps = engine(store, server, max_attempts=3)
    report = eng.run()
    assert isinstance(report.error, RetryableSyncError) and report.error.message.vi == "Bảo trì."
    assert (report.sent, report.pulled, report.remaining) == (0, False, 4)
    assert len(store.outbox()) == 4 and store.get_meta("last_sync") is None
    assert store.get_meta("last_sync_attempt") is not None


def test_engine__a_very_long_retry_after_ends_the_run_at_once(store: RecordStore, server: FakeServer):
    server.handler = lambda req: (429, {"Retry-After": "3600"}, b"")
    queue(store, 1)
    eng, sleeps = engine(store, server)
    report = eng.run()
    assert isinstance(report.error, RetryableSyncError) and report.error.retry_after == 3600
    assert sleeps == [] and len(server.pushes()) == 1


def test_engine__receipts_are_applied_batch_by_batch(store: RecordStore, server: FakeServer):
    ok = well_behaved(server)

    def handler(req: Request):
        if req.path.endswith("/sync/push") and len(server.pushes()) > 1:
            return 503, {}, b""  # the link dies after the first batch
        return ok(req)

    server.handler = handler
    sent = queue(store, 5)
    eng, _ = engine(store, server, max_attempts=2)
    report = eng.run()
    assert isinstance(report.error, RetryableSyncError)
    assert (report.stored, report.remaining) == (3, 2)
    assert [s.record.id for s in store.outbox()] == [s.record.id for s in sent[3:]]
    # The next run resumes with what is left, and sends nothing twice.
    server.handler = ok
    report = eng.run()
    assert (report.stored, report.duplicate, report.remaining) == (2, 0, 0)


def test_engine__auth_rejected_is_returned_not_raised(store: RecordStore, server: FakeServer):
    server.handler = lambda req: (
        401,
        {},
        ErrorBody(code="unauthorized", message=text("Thu hồi.", "Revoked.")),
    )
    queue(store, 2)
    eng, sleeps = engine(store, server)
    report = eng.run()
    assert isinstance(report.error, AuthRejected) and report.error.message.vi == "Thu hồi."
    assert len(server.pushes()) == 1 and sleeps == []  # never retried
    assert len(store.outbox()) == 2


def test_engine__a_refused_batch_is_split_until_the_bad_record_is_alone(
    store: RecordStore, server: FakeServer
):
    records = queue(store, 5)
    bad = records[3].record.id
    ok = well_behaved(server)
    issue = Issue(field="answers", code="too_big", message=text("Phiếu quá lớn.", "Record too big."))

    def handler(req: Request):
        if req.path.endswith("/sync/push") and any(r["id"] == str(bad) for r in req.json()["records"]):
            return 422, {}, ErrorBody(code="invalid", message=text("Sai.", "Wrong."), issues=[issue])
        return ok(req)

    server.handler = handler
    eng, _ = engine(store, server, max_records=10)
    report = eng.run()
    assert report.error is None
    assert (report.stored, report.rejected) == (4, 1)
    rejected = store.get(bad)
    assert rejected.state == LocalState.REJECTED and rejected.issues == [issue]


def test_engine__a_forbidden_batch_stops_the_run(store: RecordStore, server: FakeServer):
    server.handler = lambda req: (403, {}, ErrorBody(code="forbidden", message=text("Cấm.", "Forbidden.")))
    queue(store, 2)
    eng, _ = engine(store, server)
    report = eng.run()
    assert isinstance(report.error, PermanentSyncError) and report.error.status == 403
    assert len(store.outbox()) == 2 and store.counts()[LocalState.REJECTED] == 0


def test_engine__nothing_to_send_still_pulls(store: RecordStore, server: FakeServer):
    server.handler = well_behaved(server)
    eng, _ = engine(store, server)
    report = eng.run()
    assert report.error is None and report.pulled and report.sent == 0
    assert [r.path for r in server.requests] == ["/api/v1/sync/pull"]
    assert store.cached_pull().server_time == datetime(2026, 3, 20, tzinfo=UTC)
