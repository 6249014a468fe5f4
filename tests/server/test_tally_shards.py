"""Tally shards: two phones of one unit add to rows of their own, and every sum over shards stays exact.

``rollups.apply_deltas`` writes a push into the shard of the device that sent
it, so concurrent phones of one commune never queue on one row. These tests
check that the phones' rows are really apart, that an edit sent from another
phone than the first revision's (it subtracts in its own shard) leaves every
total exact, and that the totals over shards equal a recount (which writes
shard 0 only) and what the report shows.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import select

from sync_server.db import Database
from sync_server.models import TallyRollupRow, TallyRow
from sync_server.services.ingest import rebuild_tallies

from .helpers import PLAN, Api, batch, record, survey_answers, this_year_day

DAY = this_year_day()
DAY_DATE = date.fromisoformat(DAY)


def _push(api: Api, token: str, *records: dict) -> list[str]:
    resp = api.client.post(
        "/api/v1/sync/push", json=batch(*records), headers={"Authorization": f"Bearer {token}"}
    )
    assert resp.status_code == 200, resp.text
    return [r["status"] for r in resp.json()["receipts"]]


def _by_shard(db: Database) -> dict[tuple, dict[int, float]]:
    out: dict[tuple, dict[int, float]] = defaultdict(dict)
    with db.session() as s:
        for t in s.scalars(select(TallyRow).where(TallyRow.plan_id == PLAN)):
            out[(t.unit_code, t.day, t.measure_id)][t.shard] = t.total
    return out


def _totals(db: Database) -> tuple[dict, dict]:
    """Daily and rollup totals summed over shards, zero sums left out."""
    daily: dict = defaultdict(float)
    rolled: dict = defaultdict(float)
    with db.session() as s:
        for t in s.scalars(select(TallyRow)):
            daily[(t.plan_id, t.unit_code, t.day, t.measure_id)] += t.total
        for r in s.scalars(select(TallyRollupRow)):
            rolled[(r.plan_id, r.unit_code, r.grain, r.start, r.measure_id)] += r.total
    return {k: v for k, v in daily.items() if v}, {k: v for k, v in rolled.items() if v}


def test_shards__two_phones_of_a_unit_add_to_rows_of_their_own_and_sums_stay_exact(
    api: Api, db: Database
) -> None:
    tokens = []
    for device in ("phone-a", "phone-b"):
        resp = api.enroll("canbo", device_id=device)
        assert resp.status_code == 200, resp.text
        tokens.append(resp.json()["device_token"])
    first = [record("awareness_survey", survey_answers(DAY, correct=6)) for _ in range(3)]
    second = [record("awareness_survey", survey_answers(DAY, correct=6)) for _ in range(2)]
    assert _push(api, tokens[0], *first) == ["stored"] * 3
    assert _push(api, tokens[1], *second) == ["stored"] * 2

    shards = _by_shard(db)[("HN-SS-MT", DAY_DATE, "surveys")]
    assert sorted(shards.values()) == [2.0, 3.0]  # one row per phone, not one row both wait on

    # phone b edits a record phone a sent (now failing the quiz) and voids another of phone a's
    edited = record("awareness_survey", survey_answers(DAY, correct=1), record_id=first[0]["id"], revision=2)
    voided = record(
        "awareness_survey",
        first[1]["answers"],
        record_id=first[1]["id"],
        revision=2,
        status="void",
        void_reason="Nhập trùng",
    )
    assert _push(api, tokens[1], edited, voided) == ["stored"] * 2
    shards = _by_shard(db)
    assert sum(shards[("HN-SS-MT", DAY_DATE, "surveys")].values()) == 4
    assert sum(shards[("HN-SS-MT", DAY_DATE, "surveys_understanding")].values()) == 3
    assert min(shards[("HN-SS-MT", DAY_DATE, "surveys")].values()) < 3  # b's shard took a's void back

    report = api.indicator("i1_understanding", start=DAY, end=DAY)
    assert (report["numerator"], report["denominator"]) == (3, 4)

    incremental = _totals(db)
    with db.session(write=True) as s:
        rebuild_tallies(s)
    assert _totals(db) == incremental  # the shards add up to exactly a recount
    with db.session() as s:
        assert set(s.scalars(select(TallyRow.shard))) == {0}  # which writes shard 0 only
    report = api.indicator("i1_understanding", start=DAY, end=DAY)
    assert (report["numerator"], report["denominator"]) == (3, 4)
