"""Tallies at scale: the dashboard over a 3-level tree of ~1,000 units and many records, vs a naive GROUP BY.

    .venv/bin/python benchmarks/tallies_scale.py                      # 200,000 records (a few minutes)
    .venv/bin/python benchmarks/tallies_scale.py --records 1000000    # the issue's size

The tree: a province, ``--districts`` (10) districts, ``--communes`` (100)
communes each: 1,011 units, with baselines. The records: final awareness
surveys spread over the communes and the days of 2026.

How they are loaded (to reach a million in minutes): rows are generated
directly into ``records`` and ``tallies`` in exactly the shape ingest writes
them. Each record's ``contributions`` come from the server's own
``contributions_of`` (computed once per distinct answer set, since they are
identical for identical answers), and the tally rows are accumulated with the
server's ``add_to`` and written with its ``apply_deltas``. Then, to show the
rollups are kept at that size, ``--ingest`` (10,000) more records go through
the real ingest path (``push_records``, batches of 500, in process, no HTTP)
and are timed.

The dashboard is the real API: a server (uvicorn) on the database answers
``GET /api/v1/tallies`` for the plan, as a supervisor at the top, for the
province (the top unit: every commune in the tree) over the year, the year
to date (1 January to the last day with records: the year rollup minus the
rest) and a span with partial months at both ends (read from the daily
rows), and for one commune over the year; p50 / p95 over ``--repeat`` calls
each, HTTP and JSON included. The first call of each is shown apart: after a
start (or a change to the units) it builds the unit tree the later calls
reuse. The
baseline, in the same run, is the naive way: one ``GROUP BY`` over the raw
records of the subtree (only the survey count, read straight from the
database, no HTTP) -- less work than the dashboard does, and still slower.

Checked: after ingest the server's total ``surveys`` tally equals the number
of records, and the dashboard's survey count for the province equals the
naive count.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import httpx  # noqa: E402
from _common import PLAN_ID, REPO, SURVEY, check, machine, pct, survey_answers, table  # noqa: E402
from sqlalchemy import insert  # noqa: E402

from schemas.common import utcnow  # noqa: E402
from schemas.form_state import derive_answers  # noqa: E402
from schemas.records import Record, RecordStatus  # noqa: E402
from schemas.sync import Role  # noqa: E402
from sync_server.bootstrap import prepare_database  # noqa: E402
from sync_server.config import Settings  # noqa: E402
from sync_server.db import Database  # noqa: E402
from sync_server.models import RecordRow, UnitRow  # noqa: E402
from sync_server.services.accounts import Caller, create_user  # noqa: E402
from sync_server.services.catalog import load_plans  # noqa: E402
from sync_server.services.ingest import push_records  # noqa: E402
from sync_server.services.tallies.rollups import add_to, apply_deltas, contributions_of  # noqa: E402

sys.path.insert(0, str(REPO))
from tests.support.live_server import LiveServer  # noqa: E402

ROOT = "VN"
YEAR = 2026
SUPERVISOR = ("tinh", "tinh-matkhau-123")
DAYS = 300  # records fall on the first 300 days of YEAR
LAST_DAY = (date(YEAR, 1, 1) + timedelta(days=DAYS - 1)).isoformat()
MID_START, MID_END = f"{YEAR}-03-12", f"{YEAR}-08-17"  # partial months at both edges, inside the data


def make_tree(districts: int, communes: int) -> list[dict]:
    baselines = {str(YEAR): {"population": 5000, "cadres": 40, "personnel": 60, "propagandists": 8}}
    units = [
        dict(code=ROOT, name="Tỉnh thử", type="province", parent_code=None, path=ROOT, tags=[], baselines={})
    ]
    for d in range(districts):
        dc = f"{ROOT}-D{d:02d}"
        units.append(
            dict(
                code=dc,
                name=f"Huyện {d}",
                type="district",
                parent_code=ROOT,
                path=f"{ROOT}/{dc}",
                tags=[],
                baselines={},
            )
        )
        for c in range(communes):
            cc = f"{dc}-C{c:03d}"
            units.append(
                dict(
                    code=cc,
                    name=f"Xã {d}.{c}",
                    type="commune",
                    parent_code=dc,
                    path=f"{ROOT}/{dc}/{cc}",
                    tags=["key_area"] if c % 3 == 0 else [],
                    baselines=baselines,
                )
            )
    return units


def bulk_load(db: Database, n: int, communes: list[str], seed: int = 7) -> float:
    """``n`` survey rows + their tally rows, in ingest's shape; returns seconds."""
    rng = random.Random(seed)
    t0 = time.perf_counter()
    with db.session() as s:
        plans = load_plans(s)
    variants = []
    for i in range(3):  # survey_answers(i) cycles pass/pass/fail; contributions depend only on that
        answers = derive_answers(SURVEY, survey_answers(i))
        rec = Record(
            id=uuid.uuid4(),
            form_id=SURVEY.id,
            form_version=SURVEY.version,
            unit=communes[0],
            author=SUPERVISOR[0],
            device="bulk",
            created_at=utcnow(),
            updated_at=utcnow(),
            revision=1,
            status=RecordStatus.FINAL,
            answers=answers,
        )
        variants.append((answers, contributions_of(rec, SURVEY, plans)))
    days = [date(YEAR, 1, 1) + timedelta(days=k) for k in range(DAYS)]
    now = datetime(YEAR, 11, 1, tzinfo=UTC)
    chunk = 20_000
    for start in range(0, n, chunk):
        rows, deltas = [], {}
        for i in range(start, min(n, start + chunk)):
            answers, contrib = variants[i % 3]
            unit, day = rng.choice(communes), rng.choice(days)
            rows.append(
                dict(
                    id=uuid.UUID(int=rng.getrandbits(128), version=4),
                    revision=1,
                    form_id=SURVEY.id,
                    form_version=SURVEY.version,
                    unit_code=unit,
                    author=SUPERVISOR[0],
                    device="bulk",
                    status="final",
                    created_at=now,
                    updated_at=now,
                    received_at=now,
                    period=day,
                    void_reason=None,
                    answers=answers,
                    contributions=contrib,
                )
            )
            add_to(deltas, unit_code=unit, day=day, contributions=contrib, sign=+1)
        with db.session(write=True) as s:
            s.execute(insert(RecordRow), rows)
            apply_deltas(s, deltas)
        print(f"  loaded {min(n, start + chunk):,} / {n:,}", file=sys.stderr, flush=True)
    return time.perf_counter() - t0


def ingest(db: Database, n: int, communes: list[str], root_path: str) -> float:
    """Push ``n`` new surveys through ``push_records`` in batches of 500; records per second."""
    caller = Caller(
        user_id=1,
        username=SUPERVISOR[0],
        full_name="",
        role=Role.SUPERVISOR,
        unit_code=ROOT,
        unit_name="",
        unit_path=root_path,
        device_pk=0,
    )
    rng = random.Random(11)
    records = []
    for i in range(n):
        now = utcnow()
        records.append(
            Record(
                id=uuid.uuid4(),
                form_id=SURVEY.id,
                form_version=SURVEY.version,
                unit=rng.choice(communes),
                author=SUPERVISOR[0],
                device="ingest",
                created_at=now,
                updated_at=now,
                revision=1,
                status=RecordStatus.FINAL,
                answers=derive_answers(SURVEY, survey_answers(i)),
            )
        )
    t0 = time.perf_counter()
    for k in range(0, n, 500):
        now = utcnow()
        with db.session(write=True) as s:
            receipts = push_records(
                s, caller=caller, records=records[k : k + 500], today=date(YEAR, 12, 31), now=now
            )
        check(all(r.status.value == "stored" for r in receipts), f"ingest: not all stored: {receipts[:1]}")
    return n / (time.perf_counter() - t0)


def naive_count(db_file: Path, root_path: str, start: str, end: str) -> tuple[float, int]:
    """The naive dashboard: GROUP BY over the raw records of the subtree; (seconds, total)."""
    con = sqlite3.connect(db_file)
    try:
        t0 = time.perf_counter()
        rows = con.execute(
            "SELECT u.parent_code, count(*) FROM records r JOIN units u ON u.code = r.unit_code "
            "WHERE (u.path = ? OR u.path LIKE ?) AND r.form_id = ? AND r.status = 'final' "
            "AND r.period BETWEEN ? AND ? GROUP BY u.parent_code",
            (root_path, root_path + "/%", SURVEY.id, start, end),
        ).fetchall()
        return time.perf_counter() - t0, sum(c for _, c in rows)
    finally:
        con.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=200_000)
    ap.add_argument("--districts", type=int, default=10)
    ap.add_argument("--communes", type=int, default=100, help="per district")
    ap.add_argument("--ingest", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=30)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="ft-bench-tallies-") as tmp:
        db_file = Path(tmp) / "scale.sqlite3"
        url = f"sqlite:///{db_file}"
        settings = Settings(database_url=url)
        db = Database.from_settings(settings)
        prepare_database(db, settings)
        units = make_tree(args.districts, args.communes)
        communes = [u["code"] for u in units if u["type"] == "commune"]
        with db.session(write=True) as s:
            s.execute(insert(UnitRow), units)
            create_user(
                s,
                username=SUPERVISOR[0],
                password=SUPERVISOR[1],
                role=Role.SUPERVISOR,
                unit_code=ROOT,
                full_name="Giám sát tỉnh",
                settings=settings,
                now=utcnow(),
            )
        load_s = bulk_load(db, args.records, communes)
        rate = ingest(db, args.ingest, communes, ROOT)
        db.dispose()
        total = args.records + args.ingest
        con = sqlite3.connect(db_file)
        con.execute("ANALYZE")
        surveys = con.execute(
            "SELECT sum(total) FROM tallies WHERE plan_id = ? AND measure_id = 'surveys'", (PLAN_ID,)
        ).fetchone()[0]
        con.close()
        check(surveys == total, f"the surveys tally is {surveys}, expected {total}")

        server = LiveServer(Path(tmp), url, demo=False)
        server.start()
        rows = []
        try:
            client = httpx.Client(base_url=server.url, timeout=60)
            token = client.post(
                "/api/v1/enroll",
                json={
                    "username": SUPERVISOR[0],
                    "password": SUPERVISOR[1],
                    "device_id": "bench",
                    "device_name": "bench",
                },
            ).json()
            client.headers["Authorization"] = f"Bearer {token['device_token']}"
            commune = communes[len(communes) // 2]
            commune_path = next(u["path"] for u in units if u["code"] == commune)
            year, to_date = (f"{YEAR}-01-01", f"{YEAR}-12-31"), (f"{YEAR}-01-01", LAST_DAY)
            mid = (MID_START, MID_END)
            for label, unit, path, (start, end) in (
                (f"top unit ({len(units):,} units), year {YEAR}", ROOT, ROOT, year),
                (f"top unit, year to date ({to_date[0]} .. {to_date[1]})", ROOT, ROOT, to_date),
                (f"top unit, {mid[0]} .. {mid[1]} (partial months)", ROOT, ROOT, mid),
                (f"one commune, year {YEAR}", commune, commune_path, year),
            ):
                params = {"plan_id": PLAN_ID, "unit": unit, "start": start, "end": end}
                times, naive = [], []
                t0 = time.perf_counter()  # the first call after a start builds the unit tree: shown apart
                first = client.get("/api/v1/tallies", params=params)
                first_ms = (time.perf_counter() - t0) * 1e3
                check(
                    first.status_code == 200, f"tallies {unit}: HTTP {first.status_code} {first.text[:300]}"
                )
                body = None
                for _ in range(args.repeat):
                    t0 = time.perf_counter()
                    resp = client.get("/api/v1/tallies", params=params)
                    times.append(time.perf_counter() - t0)
                    check(
                        resp.status_code == 200, f"tallies {unit}: HTTP {resp.status_code} {resp.text[:300]}"
                    )
                    body = resp.json()
                for _ in range(max(3, args.repeat // 5)):
                    seconds, count = naive_count(db_file, path, start, end)
                    naive.append(seconds)
                dash = _survey_count(body)
                check(
                    dash is None or dash == count,
                    f"{label}: the dashboard counts {dash} surveys, the raw records {count}",
                )
                rows.append(
                    [
                        label,
                        f"{count:,}",
                        f"{first_ms:.1f}",
                        f"{pct(times, 0.5) * 1e3:.1f}",
                        f"{pct(times, 0.95) * 1e3:.1f}",
                        f"{pct(naive, 0.5) * 1e3:.1f}",
                        f"{pct(naive, 0.95) * 1e3:.1f}",
                    ]
                )
            client.close()
        finally:
            server.stop()
    print(
        f"tallies at scale: {total:,} records "
        f"({args.records:,} bulk-loaded in {load_s:.0f} s in ingest's shape, "
        f"{args.ingest:,} through push_records at {rate:,.0f} records/s with the rollups kept), SQLite; "
        f"{machine()}"
    )
    print()
    print(
        table(
            [
                "dashboard for",
                "surveys in the period",
                "first call ms",
                "GET /tallies p50 ms",
                "GET /tallies p95 ms",
                "naive GROUP BY p50 ms (baseline)",
                "naive GROUP BY p95 ms",
            ],
            rows,
        )
    )
    print()
    print(
        "Goals: dashboard <= 50 ms p95; "
        "ingest into the big database >= 3,000 records/s with the rollups kept."
    )


def _survey_count(report: dict) -> float | None:
    """The survey count (i1's denominator) in a TallyReport's totals, if the report carries it."""
    for ind in report.get("totals", []):
        if ind.get("indicator_id") == "i1_understanding" and ind.get("denominator") is not None:
            return ind["denominator"]
    return None


if __name__ == "__main__":
    main()
