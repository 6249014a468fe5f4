"""The same records pushed at once over two connections are stored and counted once."""

from __future__ import annotations

from collections import Counter

from fastapi.testclient import TestClient

from schemas.common import utcnow
from schemas.records import Record
from sync_server.db import Database
from sync_server.services.accounts import caller_for_token
from sync_server.services.ingest import push_records

from .helpers import Api, batch, record, run_together, survey_answers, this_year_day

DAY = this_year_day()


def test_push__concurrent_same_batch_over_http_counted_once(app_client: TestClient, api: Api) -> None:
    headers = api.auth()
    total = 0
    for _ in range(3):
        recs = [record("awareness_survey", survey_answers(DAY, correct=5)) for _ in range(30)]
        total += len(recs)
        forward, backward = batch(*recs), batch(*reversed(recs))
        a, b = run_together(
            lambda body=forward: app_client.post("/api/v1/sync/push", json=body, headers=headers),
            lambda body=backward: app_client.post("/api/v1/sync/push", json=body, headers=headers),
        )
        assert a.status_code == 200 and b.status_code == 200, (a.text, b.text)
        statuses: Counter = Counter()
        for receipt in a.json()["receipts"] + b.json()["receipts"]:
            statuses[(receipt["id"], receipt["status"])] += 1
        for rec in recs:  # each record: stored by exactly one push, a duplicate in the other
            assert statuses[(rec["id"], "stored")] == 1
            assert statuses[(rec["id"], "duplicate")] == 1
    ind = api.indicator("i1_understanding", start=DAY, end=DAY)
    assert (ind["numerator"], ind["denominator"]) == (total, total)


def test_push_records__overlapping_transactions_counted_once(db: Database, api: Api) -> None:
    caller = caller_for_token(db, token=api.token("canbo"), now=utcnow())
    recs = [
        Record.model_validate(record("awareness_survey", survey_answers(DAY, correct=6))) for _ in range(25)
    ]
    newer = [r.model_copy(update={"revision": 2}) for r in recs]

    def push(records):
        def job():
            with db.session(write=True) as s:
                return push_records(s, caller=caller, records=records, today=utcnow().date(), now=utcnow())

        return job

    first = run_together(push(recs), push(list(reversed(recs))), push(newer))
    statuses = Counter(r.status.value for receipts in first for r in receipts)
    # every record ends at revision 2 whatever the interleaving; each counted once
    assert statuses["stored"] >= 25 and sum(statuses.values()) == 75
    ind = api.indicator("i1_understanding", start=DAY, end=DAY)
    assert (ind["numerator"], ind["denominator"]) == (25, 25)
    again = run_together(push(newer), push(newer))
    assert {r.status.value for receipts in again for r in receipts} == {"duplicate"}


def test_enroll__parallel_guesses_cannot_pass_the_limit(app_client: TestClient) -> None:
    def guess():
        return app_client.post(
            "/api/v1/enroll", json={"username": "canbo", "password": "guess-123", "device_id": "x"}
        ).status_code

    codes = Counter(run_together(*[guess] * 10))
    assert codes == {401: 5, 429: 5}
