"""How the sync engine sizes its pushes: by count and bytes, growing on a fast link, shrinking when slow."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mobile.records import RecordStore
from mobile.sync.client import ServerClient
from mobile.sync.engine import TARGET_SECONDS, SyncEngine, next_batch_limit
from schemas.sync import MAX_BATCH_RECORDS

from .fake_server import FakeServer, Request
from .helpers import FORMS, pull_response, survey_answers

SURVEY = FORMS["awareness_survey"]


def test_batch_sizing__a_fast_push_doubles_at_most_and_never_past_the_cap():
    assert next_batch_limit(200, sent=200, seconds=0.1, timed_out=False, max_records=500) == 400
    assert next_batch_limit(400, sent=400, seconds=0.1, timed_out=False, max_records=500) == 500
    assert (
        next_batch_limit(400, sent=400, seconds=0.0, timed_out=False, max_records=10_000) == MAX_BATCH_RECORDS
    )


def test_batch_sizing__a_slow_push_shrinks_toward_the_target_time_at_most_by_half():
    # 100 records took 4 target-lengths: the rate says 25, the step stops at half
    assert next_batch_limit(100, sent=100, seconds=4 * TARGET_SECONDS, timed_out=False, max_records=500) == 50
    # 100 records in 1.25 target-lengths: 80 fit the target
    assert (
        next_batch_limit(100, sent=100, seconds=1.25 * TARGET_SECONDS, timed_out=False, max_records=500) == 80
    )


def test_batch_sizing__a_timeout_halves_and_one_record_is_the_floor():
    assert next_batch_limit(200, sent=200, seconds=40, timed_out=True, max_records=500) == 100
    assert next_batch_limit(1, sent=1, seconds=40, timed_out=True, max_records=500) == 1


class Clock:
    def __init__(self, per_call: float) -> None:
        self.now, self.per_call = 0.0, per_call

    def __call__(self) -> float:
        self.now += self.per_call
        return self.now


@pytest.fixture
def server() -> Iterator[FakeServer]:
    srv = FakeServer(handler=lambda req: (500, {}, b"")).start()

    def handler(req: Request):
        if req.path.endswith("/sync/push"):
            return 200, {}, srv.receipts_for(req)
        return 200, {}, pull_response()

    srv.handler = handler
    try:
        yield srv
    finally:
        srv.stop()


def fill(store: RecordStore, n: int) -> None:
    for _ in range(n):
        store.finalize(store.new_record(SURVEY), survey_answers(), SURVEY)


def sizes(server: FakeServer) -> list[int]:
    return [len(r.json()["records"]) for r in server.pushes()]


def test_batch_sizing__the_engine_grows_its_pushes_on_a_fast_link(store: RecordStore, server: FakeServer):
    fill(store, 30)
    engine = SyncEngine(
        store, ServerClient(server.url, "tok"), first_batch=4, max_records=10, clock=Clock(0.01)
    )
    report = engine.run()
    assert report.error is None and report.stored == 30
    assert sizes(server) == [4, 8, 10, 8]


def test_batch_sizing__the_engine_shrinks_its_pushes_on_a_slow_link(store: RecordStore, server: FakeServer):
    fill(store, 15)
    # every push seems to take 2 target-lengths (the clock moves that much between its two readings)
    clock = Clock(2 * TARGET_SECONDS)
    engine = SyncEngine(store, ServerClient(server.url, "tok"), first_batch=8, clock=clock)
    report = engine.run()
    assert report.error is None and report.stored == 15
    assert sizes(server) == [8, 4, 2, 1]
