"""A report's sums added up by the database (``grouped.report_sums``) equal the unit sums rolled up in Python.

A random tree (own tags, inherited tags, a segment over the whole subtree,
units with no rows) gets random signed tallies in random shards over four
years; for roots at every level and for every period shape, the root's and
each child's totals, segment totals and decrease windows read grouped by the
database must be exactly those of ``period_sums`` + ``Tree.rolled_up`` (the
reading every unit's rows, kept for exports and drill-down sets), and the
whole report built either way must be the same. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from schemas.plans import Plan
from sync_server.db import Database
from sync_server.models import UnitRow
from sync_server.services.tallies.grouped import report_sums
from sync_server.services.tallies.reports import build_report
from sync_server.services.tallies.rollups import TallyKey, apply_deltas
from sync_server.services.tallies.sums import period_sums
from sync_server.services.tallies.tree import load_tree

from .helpers import PLAN

TAGS = ("key_area", "suburban", "border", "other")
PERIODS = [
    (date(2025, 1, 1), date(2025, 12, 31)),  # a year
    (date(2023, 1, 1), date(2025, 12, 31)),  # a phase of several years
    (date(2025, 4, 1), date(2025, 6, 30)),  # a quarter
    (date(2025, 5, 1), date(2025, 5, 31)),  # a month
    (date(2024, 3, 12), date(2025, 8, 17)),  # cut mid-month at both ends
    (date(2025, 2, 1), date(2025, 11, 25)),  # a year less its edges (read as complements)
    (date(2024, 7, 9), date(2024, 7, 9)),  # one day
    (date(2021, 1, 1), date(2022, 12, 31)),  # before the first tally: nothing
]


def _plan() -> Plan:
    """The shipped plan with a second segment (another tag set) on a coverage indicator."""
    path = Path(__file__).resolve().parents[2] / "schemas" / "plans" / f"{PLAN}.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    for ind in data["indicators"]:
        if ind["id"] == "i2_forces_educated":
            ind["segments"] = [
                {
                    "id": "border_posts",
                    "label": {"vi": "Đồn biên phòng", "en": "Border posts"},
                    "tags": ["border"],
                    "target_pct": 80,
                    "milestones": [{"due": "2027-12-31", "of_target": 100}],
                }
            ]
    return Plan.model_validate(data)


def _units(rng: random.Random) -> list[dict[str, Any]]:
    """A root, 4 children, 3 grandchildren each, 0-3 leaves each; random own tags."""
    units: list[dict[str, Any]] = []

    def add(code: str, parent: dict[str, Any] | None) -> dict[str, Any]:
        tags = [t for t in TAGS if rng.random() < 0.2]
        keys = ("standing_force", "militia", "local_reporters")
        baselines = {"2025": {k: rng.randint(0, 50) for k in keys}}
        unit = {
            "code": code,
            "name": code,
            "type": "x",
            "parent_code": parent["code"] if parent else None,
            "path": f"{parent['path']}/{code}" if parent else code,
            "tags": tags,
            "baselines": baselines,
        }
        units.append(unit)
        return unit

    root = add("RT", None)
    root["tags"] = []
    for c in range(4):
        child = add(f"RT{c}", root)
        for g in range(3):
            grand = add(f"RT{c}-{g}", child)
            for leaf in range(rng.randint(0, 3)):
                add(f"RT{c}-{g}-{leaf}", grand)
    units[1]["tags"] = ["border"]  # a child whose whole subtree is in a segment
    return units


def _fill(db: Database, plan: Plan, units: list[dict[str, Any]], rng: random.Random) -> None:
    measures = [m.id for m in plan.measures]
    first = date(2023, 2, 14)
    with db.session(write=True) as s:
        s.execute(insert(UnitRow), units)
    for shard in range(4):
        deltas: dict[TallyKey, float] = {}
        for _ in range(400):
            unit = rng.choice(units[1:])["code"]  # the root itself has no rows: an empty group
            day = first + timedelta(days=rng.randint(0, 3 * 365))
            key = (plan.id, unit, day, rng.choice(measures))
            deltas[key] = deltas.get(key, 0.0) + rng.choice((-1, 1, 2, 3, 5))
        with db.session(write=True) as s:
            apply_deltas(s, deltas, shard=shard)


def test_report_sums__equal_the_unit_sums_rolled_up_for_every_root_period_and_segment(db: Database) -> None:
    rng = random.Random(11)
    plan = _plan()
    units = _units(rng)
    _fill(db, plan, units, rng)
    # RT0 is tagged itself, RT0-1 inherits its tag: a segment holding the whole subtree
    leaf = next(u["code"] for u in units if u["code"].count("-") == 2)
    roots = ["RT", "RT0", "RT0-1", "RT1", "RT2-1", leaf]
    wanted = [frozenset(tags) for tags in plan.segment_tags().values()]
    assert len(wanted) == 2
    as_of = datetime(2026, 1, 1, tzinfo=UTC)
    checked = 0
    with db.session() as s:
        for code in roots:
            root = s.get(UnitRow, code)
            assert root is not None
            tree = load_tree(s, root)
            shown = [code, *(c.code for c in tree.children(root))]
            for start, end in PERIODS:
                grouped = report_sums(s, plan=plan, tree=tree, root=root, start=start, end=end)
                python = period_sums(s, plan=plan, root=root, start=start, end=end)
                for tags in (None, *wanted):
                    want = python.rolled(tree, None, tags)
                    got = grouped.rolled(tree, None, tags)
                    assert {c: got[c] for c in shown} == {c: want[c] for c in shown}, (code, start, end, tags)
                    checked += sum(bool(want[c]) for c in shown)
                assert [w[:2] for w in grouped.windows] == [w[:2] for w in python.windows]
                for i in range(len(python.windows)):
                    want = python.rolled(tree, i, None)
                    assert {c: grouped.windows[i][2][c] for c in shown} == {c: want[c] for c in shown}
                new = build_report(s, plan=plan, root=root, start=start, end=end, as_of=as_of)
                old = build_report(
                    s, plan=plan, root=root, start=start, end=end, as_of=as_of, tree=tree, data=python
                )
                assert new == old, (code, start, end)
    assert checked > 100  # the sums compared were not all empty
