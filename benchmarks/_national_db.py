"""A national database for the scale benchmarks: the country's unit tree and years of records, bulk-loaded.

The tree: a root ``VN``, 63 provinces of ``--districts`` districts of
``--communes`` communes (10 x 17 by default: 10,710 communes), and 3
commands of 100 posts: 11,010 leaf units, 11,707 units in all, every leaf
with baselines. Two officers' phones per leaf.

The records: final awareness surveys spread evenly over the leaves and over
the days from 1 January of ``first_year`` to ``LAST_DAY``, written with
PostgreSQL ``COPY`` (not the API: ten million through the API would take
an hour). Their ``contributions`` are the server's own (``contributions_of``
of the three answer variants the benchmarks use). The tally rows are then
computed from the records by SQL in exactly the shape ingest keeps them
(day rows per unit, day, measure and shard -- the shard of the phone that
sent the record -- and month and year rollups), so the tallies equal a
recount by construction, and the database's own tally-versus-records check
is the exactly-once check of what the API adds afterwards.
The audit trail of revisions (``record_revisions``) is not bulk-loaded: no
dashboard reads it, and ingest only appends to it.
"""

from __future__ import annotations

import json
import random
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from _common import PLAN_ID, SURVEY, survey_answers  # noqa: F401  (PLAN_ID re-exported)
from sqlalchemy import insert, text

from schemas.common import utcnow
from schemas.form_state import derive_answers
from schemas.records import Record, RecordStatus
from schemas.sync import Role
from sync_server.bootstrap import prepare_database
from sync_server.config import Settings
from sync_server.db import Database
from sync_server.models import UnitRow
from sync_server.services.accounts import create_user
from sync_server.services.catalog import load_plans
from sync_server.services.tallies.rollups import SHARDS, contributions_of

ROOT = "VN"
SUPERVISOR = ("quocgia", "quocgia-matkhau-123")
LAST_DAY = date(2026, 11, 20)
PROVINCES, COMMANDS, POSTS = 63, 3, 100
PHONES_PER_LEAF = 2
_BASELINES = {
    "2024": {"population": 9000, "cadres": 40, "local_propagandists": 8},
    "2026": {"population": 9500, "cadres": 42, "local_propagandists": 9},
}


def make_tree(districts: int, communes: int) -> list[dict[str, Any]]:
    """The units, parents first."""
    units = [
        dict(code=ROOT, name="Toàn quốc", type="country", parent_code=None, path=ROOT, tags=[], baselines={})
    ]

    def add(
        code: str, name: str, type_: str, parent: dict, leaf: bool, tags: list[str] | None = None
    ) -> dict:
        unit = dict(
            code=code,
            name=name,
            type=type_,
            parent_code=parent["code"],
            path=f"{parent['path']}/{code}",
            tags=tags or [],
            baselines=_BASELINES if leaf else {},
        )
        units.append(unit)
        return unit

    root = units[0]
    for p in range(PROVINCES):
        province = add(f"P{p:02d}", f"Tỉnh {p}", "province", root, False)
        for d in range(districts):
            district = add(f"P{p:02d}-D{d:02d}", f"Huyện {p}.{d}", "district", province, False)
            for c in range(communes):
                add(
                    f"P{p:02d}-D{d:02d}-C{c:02d}",
                    f"Xã {p}.{d}.{c}",
                    "commune",
                    district,
                    True,
                    ["key_area"] if c % 4 == 0 else [],
                )
    for k in range(COMMANDS):
        command = add(f"K{k}", f"Bộ chỉ huy {k}", "command", root, False, ["border"])
        for t in range(POSTS):
            add(f"K{k}-T{t:03d}", f"Đồn {k}.{t}", "post", command, True)
    return units


def leaves(units: list[dict]) -> list[dict]:
    return [u for u in units if u["baselines"]]


def prepare(url: str, units: list[dict]) -> Database:
    """Migrations, shipped forms and plans, the units and the supervisor at the root."""
    settings = Settings(database_url=url)
    db = Database.from_settings(settings)
    prepare_database(db, settings)
    with db.session(write=True) as s:
        s.execute(insert(UnitRow), units)
        create_user(
            s,
            username=SUPERVISOR[0],
            password=SUPERVISOR[1],
            role=Role.SUPERVISOR,
            unit_code=ROOT,
            full_name="Giám sát toàn quốc",
            settings=settings,
            now=utcnow(),
        )
    return db


def _variants(db: Database, unit: str) -> list[tuple[str, str]]:
    """(answers JSON, contributions JSON) of the three survey variants, as ingest computes them."""
    with db.session() as s:
        plans = load_plans(s)
    out = []
    for i in range(3):  # survey_answers(i) cycles pass / pass / fail
        answers = derive_answers(SURVEY, survey_answers(i))
        rec = Record(
            id=uuid.uuid4(),
            form_id=SURVEY.id,
            form_version=SURVEY.version,
            unit=unit,
            author=SUPERVISOR[0],
            device="bulk",
            created_at=utcnow(),
            updated_at=utcnow(),
            revision=1,
            status=RecordStatus.FINAL,
            answers=answers,
        )
        out.append(
            (json.dumps(answers, ensure_ascii=False), json.dumps(contributions_of(rec, SURVEY, plans)))
        )
    return out


def bulk_load(db: Database, n: int, units: list[dict], first_year: int, seed: int = 7) -> dict[str, float]:
    """``n`` records by COPY, then their tallies and rollups by SQL; seconds per step."""
    rng = random.Random(seed)
    leaf_codes = [u["code"] for u in leaves(units)]
    variants = _variants(db, leaf_codes[0])
    first = date(first_year, 1, 1)
    days = [first + timedelta(days=k) for k in range((LAST_DAY - first).days + 1)]
    times: dict[str, float] = {}
    cols = (
        "id, revision, form_id, form_version, unit_code, author, device, status, created_at, updated_at, "
        "received_at, period, void_reason, answers, contributions"
    )
    t0 = time.perf_counter()
    raw = db.engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("SET session_replication_role = replica")  # no per-row foreign-key check: units exist
        with cur.copy(f"COPY records ({cols}) FROM STDIN") as copy:
            for i in range(n):
                leaf = rng.randrange(len(leaf_codes))
                day = days[rng.randrange(len(days))]
                at = datetime(day.year, day.month, day.day, 2, 0, tzinfo=UTC)
                answers, contributions = variants[i % 3]
                device = f"bench-{leaf * PHONES_PER_LEAF + i % PHONES_PER_LEAF}"
                copy.write_row(
                    (
                        uuid.UUID(int=rng.getrandbits(128), version=4),
                        1,
                        SURVEY.id,
                        SURVEY.version,
                        leaf_codes[leaf],
                        SUPERVISOR[0],
                        device,
                        "final",
                        at,
                        at,
                        at,
                        day,
                        None,
                        answers,
                        contributions,
                    )
                )
                if i and i % 500_000 == 0:
                    print(f"  copied {i:,} / {n:,} records", file=sys.stderr, flush=True)
        cur.execute("SET session_replication_role = DEFAULT")
        raw.commit()
    finally:
        raw.close()
    times["COPY records"] = time.perf_counter() - t0
    # shard of the phone that sent it, as ingest would have put it (devices numbered from their name)
    shard = f"(split_part(r.device, '-', 2)::int % {SHARDS})"
    grains = " UNION ALL ".join(
        f"SELECT plan_id, unit_code, '{g}', CAST(date_trunc('{g}', day) AS DATE), measure_id, shard, "
        "sum(total) FROM tallies GROUP BY 1, 2, 4, 5, 6"
        for g in ("month", "year")
    )
    steps = {
        "daily tallies (SQL)": "INSERT INTO tallies (plan_id, unit_code, day, measure_id, shard, total) "
        f"SELECT p.key, r.unit_code, r.period, m.key, {shard}, sum((m.value)::text::float) "
        "FROM records r, jsonb_each(r.contributions) p, jsonb_each(p.value) m GROUP BY 1, 2, 3, 4, 5",
        "month and year rollups (SQL)": "INSERT INTO tally_rollups "
        f"(plan_id, unit_code, grain, start, measure_id, shard, total) {grains}",
    }
    for label, sql in steps.items():
        t0 = time.perf_counter()
        with db.engine.begin() as con:
            con.execute(text("SET LOCAL work_mem = '256MB'"))
            con.execute(text(sql))
        times[label] = time.perf_counter() - t0
        print(f"  {label}: {times[label]:.0f} s", file=sys.stderr, flush=True)
    t0 = time.perf_counter()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as con:
        con.execute(text("VACUUM ANALYZE records, tallies, tally_rollups, units"))
    times["VACUUM ANALYZE"] = time.perf_counter() - t0
    return times
