"""The month and year rollups: kept equal to the daily tallies through edits and voids, and read right.

A report reads whole years and months from ``tally_rollups`` and only the
partial-month edges from ``tallies`` (``cover``); these tests check that the
rollups always hold exactly the sums of the daily rows (also after revisions
that move a record to another month, year or unit, and after voids), that a
recount gives the same, that a migrated database is filled, and that
``cover`` adds up to the days for any period.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, timedelta

from sqlalchemy import insert, select

from sync_server import migrate
from sync_server.config import make_settings
from sync_server.db import Database
from sync_server.models import Base, TallyRollupRow, TallyRow, UnitRow
from sync_server.services.ingest import rebuild_tallies
from sync_server.services.tallies.cover import cover
from sync_server.services.tallies.sums import unit_sums

from .helpers import PLAN, Api, record, survey_answers

Day = dict[date, float]


def _sum_by_cover(values: Day, start: date, end: date) -> float:
    """The sum from ``start`` to ``end`` as a report reads it: signed days, months and years."""
    total = 0.0
    for grain, lo, hi, sign in cover(start, end):
        for day, v in values.items():
            if grain == "day":
                inside = lo <= day <= hi
            elif grain == "month":
                inside = lo <= day.replace(day=1) <= hi
            else:
                inside = lo <= date(day.year, 1, 1) <= hi
            if inside:
                total += sign * v
    return total


def _buckets(piece: tuple) -> int:
    grain, lo, hi, _sign = piece
    if grain == "day":
        return (hi - lo).days + 1
    if grain == "month":
        return (hi.year - lo.year) * 12 + hi.month - lo.month + 1
    return hi.year - lo.year + 1


def test_cover__adds_up_to_the_days_for_any_period() -> None:
    rng = random.Random(5)
    first = date(2023, 1, 1)
    values = {first + timedelta(days=k): float(rng.randint(0, 9)) for k in range(4 * 366)}
    spans = [(date(2024, 1, 1), date(2024, 12, 31)), (date(2024, 2, 29), date(2024, 3, 1))]
    for _ in range(400):
        a = first + timedelta(days=rng.randrange(4 * 366))
        b = a + timedelta(days=rng.choice([0, 1, 27, 30, 45, 200, 400, 900]))
        spans.append((a, b))
    for start, end in spans:
        want = sum(v for d, v in values.items() if start <= d <= end)
        assert _sum_by_cover(values, start, end) == want, (start, end, cover(start, end))
    assert cover(date(2024, 1, 1), date(2024, 12, 31)) == [("year", date(2024, 1, 1), date(2024, 1, 1), 1)]
    assert cover(date(2024, 3, 1), date(2024, 3, 31)) == [("month", date(2024, 3, 1), date(2024, 3, 1), 1)]
    # this year so far: the year minus December, minus November's last days
    assert cover(date(2026, 1, 1), date(2026, 11, 25)) == [
        ("year", date(2026, 1, 1), date(2026, 1, 1), 1),
        ("month", date(2026, 12, 1), date(2026, 12, 1), -1),
        ("day", date(2026, 11, 26), date(2026, 11, 30), -1),
    ]
    # a few dozen rows per unit and measure at most, whatever the length (up to 1,301 days here):
    # <= 16 days per edge month, <= 6 months + 1 year per edge year, 1 range of whole years
    assert max(sum(_buckets(p) for p in cover(a, b)) for a, b in spans) <= 16 + 16 + 7 + 7 + 1
    assert len(cover(date(2021, 1, 1), date(2027, 12, 31))) == 1
    assert cover(date(2024, 5, 2), date(2024, 5, 1)) == []


def _daily(db: Database) -> dict:
    with db.session() as s:
        return {
            (t.plan_id, t.unit_code, t.day, t.measure_id): t.total
            for t in s.scalars(select(TallyRow))
            if t.total != 0
        }


def _rollups(db: Database) -> dict:
    with db.session() as s:
        return {
            (t.plan_id, t.unit_code, t.grain, t.start, t.measure_id): t.total
            for t in s.scalars(select(TallyRollupRow))
            if t.total != 0
        }


def _rolled_from(daily: dict) -> dict:
    out: dict = defaultdict(float)
    for (plan, unit, day, measure), v in daily.items():
        out[(plan, unit, "month", day.replace(day=1), measure)] += v
        out[(plan, unit, "year", date(day.year, 1, 1), measure)] += v
    return {k: v for k, v in out.items() if v != 0}


def test_rollups__equal_the_daily_rows_and_a_recount_after_edits_and_voids(api: Api, db: Database) -> None:
    moved, voided, kept = (
        record("awareness_survey", survey_answers("2024-01-31", correct=6)),
        record("awareness_survey", survey_answers("2024-06-15", correct=5)),
        record("awareness_survey", survey_answers("2024-12-31", correct=2)),
    )
    across = record("awareness_survey", survey_answers("2024-03-10", correct=6))
    assert api.statuses(moved, voided, kept, across) == ["stored"] * 4
    assert _rollups(db) == _rolled_from(_daily(db)) != {}
    # an edit moving the record to another month and year, one moving a record to another unit
    # (and month), and a void
    moved2 = record(
        "awareness_survey", survey_answers("2025-02-01", correct=3), record_id=moved["id"], revision=2
    )
    across2 = record(
        "awareness_survey",
        survey_answers("2024-04-01", correct=6),
        record_id=across["id"],
        revision=2,
        unit="HN-SS-MT-HG1",
    )
    voided2 = record(
        "awareness_survey",
        voided["answers"],
        record_id=voided["id"],
        revision=2,
        status="void",
        void_reason="Nhập trùng",
    )
    assert api.statuses(moved2, across2, voided2) == ["stored"] * 3
    daily = _daily(db)
    rolled = _rollups(db)
    assert rolled == _rolled_from(daily)
    surveys = {k[1:4]: v for k, v in rolled.items() if k[0] == PLAN and k[4] == "surveys"}
    assert surveys == {
        ("HN-SS-MT", "month", date(2024, 12, 1)): 1,
        ("HN-SS-MT", "month", date(2025, 2, 1)): 1,
        ("HN-SS-MT", "year", date(2024, 1, 1)): 1,
        ("HN-SS-MT", "year", date(2025, 1, 1)): 1,
        ("HN-SS-MT-HG1", "month", date(2024, 4, 1)): 1,
        ("HN-SS-MT-HG1", "year", date(2024, 1, 1)): 1,
    }
    # a report's reading (rollups + edges) equals summing the days, for periods cutting months and years
    with db.session() as s:
        root = s.get(UnitRow, "HN-SS-MT")
        assert root is not None
        for start, end in [
            (date(2024, 1, 1), date(2024, 12, 31)),
            (date(2024, 1, 15), date(2025, 2, 10)),
            (date(2024, 4, 2), date(2025, 1, 31)),
            (date(2021, 1, 1), date(2027, 12, 31)),
            (date(2024, 1, 1), date(2025, 3, 20)),  # up to past the last day with tallies
            (date(2026, 1, 1), date(2026, 12, 31)),  # after it: nothing to read
            (date(2023, 2, 3), date(2023, 12, 31)),  # before the first
        ]:
            got = unit_sums(s, plan_id=PLAN, root=root, start=start, end=end)
            want: dict = defaultdict(lambda: defaultdict(float))
            for (plan, unit, day, measure), v in daily.items():
                if plan == PLAN and start <= day <= end:
                    want[unit][measure] += v
            nonzero = {u: {m: v for m, v in ms.items() if v} for u, ms in got.items()}
            assert {u: ms for u, ms in nonzero.items() if ms} == {u: dict(ms) for u, ms in want.items()}, (
                start,
                end,
            )
    with db.session(write=True) as s:
        rebuild_tallies(s)
    assert _daily(db) == daily
    assert _rollups(db) == rolled  # a recount gives exactly what was kept incrementally


def test_migration__fills_the_rollups_from_the_stored_daily_tallies(db_url: str) -> None:
    settings = make_settings({"database_url": db_url, "environment": "test"})
    db = Database.from_settings(settings)
    try:
        assert migrate.upgrade(db.engine, "0002") == "0002"
        t = Base.metadata.tables
        days = [date(2024, 1, 3), date(2024, 1, 31), date(2024, 2, 1), date(2025, 12, 31)]
        with db.engine.begin() as conn:
            conn.execute(
                insert(t["units"]),
                [
                    {
                        "code": "HN",
                        "name": "Hà Nội",
                        "type": "city",
                        "parent_code": None,
                        "path": "HN",
                        "tags": [],
                        "baselines": {},
                    }
                ],
            )
            rows = [
                {"plan_id": PLAN, "unit_code": "HN", "day": d, "measure_id": "surveys", "total": float(i + 1)}
                for i, d in enumerate(days)
            ]
            conn.execute(insert(t["tallies"]), rows)
        migrate.upgrade(db.engine)
        daily = _daily(db)
        assert _rollups(db) == _rolled_from(daily)
        assert _rollups(db)[(PLAN, "HN", "month", date(2024, 1, 1), "surveys")] == 1 + 2
    finally:
        db.dispose()
