"""Pushes take turns per worker (``Settings.push_concurrency``) and every record is still stored once."""

from __future__ import annotations

from collections import Counter

import pytest
from fastapi.testclient import TestClient

from sync_server.app import create_app
from sync_server.config import Settings, get_settings
from sync_server.demo.seed import seed_demo
from sync_server.errors import ConfigError

from .helpers import Api, batch, record, run_together, survey_answers, this_year_day

DAY = this_year_day()


def test_push__one_turn_at_a_time_still_stores_every_record_once(settings: Settings) -> None:
    one = settings.with_changes(push_concurrency=1, db_pool_size=1)
    app = create_app(one)
    with TestClient(app, raise_server_exceptions=False) as client:
        seed_demo(app.state.db, one)
        api = Api(client)
        headers = api.auth()
        recs = [record("awareness_survey", survey_answers(DAY, correct=5)) for _ in range(40)]
        # four pushes of a quarter each and one of all forty, at once, with a dashboard read among them
        bodies = [batch(*recs[i::4]) for i in range(4)] + [batch(*reversed(recs))]
        jobs = [lambda b=b: client.post("/api/v1/sync/push", json=b, headers=headers) for b in bodies]
        *pushes, read = run_together(*jobs, lambda: api.tallies(start=DAY, end=DAY))
        assert [r.status_code for r in pushes] == [200] * 5, [r.text for r in pushes]
        assert read.status_code == 200, read.text
        statuses = Counter((r["id"], r["status"]) for p in pushes for r in p.json()["receipts"])
        for rec in recs:  # stored by exactly one push; a duplicate in the other
            assert (statuses[(rec["id"], "stored")], statuses[(rec["id"], "duplicate")]) == (1, 1)
        ind = api.indicator("i1_understanding", start=DAY, end=DAY)
        assert (ind["numerator"], ind["denominator"]) == (40, 40)
        # a push refused before its turn (not a batch) and one rejected in it give their turns back
        assert client.post("/api/v1/sync/push", content=b"{", headers=headers).status_code == 400
        bad = record("awareness_survey", {"survey_date": DAY})
        assert api.statuses(bad) == ["rejected"]
        assert not app.state.push_slots.locked()


@pytest.mark.parametrize("value", ["0", "-1", "many", "201"])
def test_settings__push_concurrency_must_be_a_sensible_number(value: str) -> None:
    with pytest.raises(ConfigError, match="push_concurrency"):
        get_settings({"FIELDTALLY_PUSH_CONCURRENCY": value})
