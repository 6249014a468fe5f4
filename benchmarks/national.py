"""A national database on PostgreSQL: dashboards for every period shape at the country, a province, a commune.

    .venv/bin/python benchmarks/national.py                       # 10 million records (build ~1 h on 2 cores)
    .venv/bin/python benchmarks/national.py --records 1000000     # 1 million, minutes
    .venv/bin/python benchmarks/national.py --records 1000000 --workers 2 --keep   # keep the database
    .venv/bin/python benchmarks/national.py --reuse --keep        # measure a kept database again, keep it

The database (``ft_bench_national``, or ``--database``, on the server of
FIELDTALLY_BENCH_PG_URL: a database of its own, dropped at the end unless
``--keep``) is built by
``_national_db.py``: 11,010 leaf units under 63 provinces and 3 commands,
``--records`` awareness surveys from 1 January ``--first-year`` to 20
November 2026, loaded with COPY, tallies computed from them by SQL.

Then a real server (``fieldtally-server serve``, ``--workers`` processes)
answers ``GET /api/v1/tallies`` as the supervisor at the root, for the
country, a province and a commune over a year, a phase of the plan (four
whole years), a quarter, a month and a span cut mid-month at both ends;
p50 / p95 over ``--repeat`` calls each, HTTP and JSON included, the first
call apart (it builds the unit tree the later calls reuse). The baseline,
in the same run: the naive ``GROUP BY`` over the raw records of the subtree
and period (the survey count only, straight from the database), which must
give the dashboard's count.

Last, ingest through the API: ``--phones`` phones (threads, one connection
each, devices of the root supervisor, so their records spread over the
country's leaves and over shards) push ``--ingest`` records in gzip batches of
``--batch``; records/s and push p50 / p99. Exactly once is checked after it:
every record stored, and the surveys tally summed over all its rows equals
the number of records in the database.
"""

from __future__ import annotations

import argparse
import gzip
import random
import sys
import threading
import time
from pathlib import Path
from uuid import uuid4

sys.path.insert(0, str(Path(__file__).resolve().parent))

import httpx  # noqa: E402
from _common import (  # noqa: E402
    PLAN_ID,
    check,
    machine,
    pct,
    pg_drop_database,
    pg_scratch_database,
    server_totals,
    survey_record,
    table,
)
from _national_db import ROOT, SUPERVISOR, bulk_load, leaves, make_tree, prepare  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from schemas.sync import PushBatch  # noqa: E402
from tests.support.live_server import LiveServer  # noqa: E402

DB_NAME = "ft_bench_national"
SHAPES = (  # label, start, end
    ("year 2025", "2025-01-01", "2025-12-31"),
    ("phase 2021-2024 (4 years)", "2021-01-01", "2024-12-31"),
    ("quarter 2025-Q2", "2025-04-01", "2025-06-30"),
    ("month 2025-05", "2025-05-01", "2025-05-31"),
    ("span 12/03/2024-17/08/2025", "2024-03-12", "2025-08-17"),
)
PROVINCE, COMMUNE = "P07", "P07-D03-C05"


def naive_count(url: str, path: str, start: str, end: str) -> tuple[float, int]:
    """The naive dashboard: one GROUP BY over the subtree's raw records in the period; (seconds, count)."""
    engine = create_engine(url)
    try:
        with engine.connect() as con:
            t0 = time.perf_counter()
            rows = con.execute(
                text(
                    "SELECT u.parent_code, count(*) FROM records r JOIN units u ON u.code = r.unit_code "
                    "WHERE (u.path = :p OR u.path LIKE :prefix) AND r.form_id = 'awareness_survey' "
                    "AND r.status = 'final' AND r.period BETWEEN :s AND :e GROUP BY u.parent_code"
                ),
                {"p": path, "prefix": path + "/%", "s": start, "e": end},
            ).all()
            return time.perf_counter() - t0, sum(c for _, c in rows)
    finally:
        engine.dispose()


def survey_count(report: dict) -> float | None:
    for ind in report.get("totals", []):
        if ind.get("indicator_id") == "i1_understanding" and ind.get("denominator") is not None:
            return ind["denominator"]
    return None


def dashboards(server: LiveServer, url: str, units: list[dict], args) -> list[list[str]]:
    paths = {u["code"]: u["path"] for u in units}
    rows = []
    with httpx.Client(base_url=server.url, timeout=120) as client:
        token = client.post(
            "/api/v1/enroll",
            json={
                "username": SUPERVISOR[0],
                "password": SUPERVISOR[1],
                "device_id": "dashboard",
                "device_name": "bench",
            },
        )
        check(token.status_code == 200, f"enroll: HTTP {token.status_code} {token.text[:200]}")
        client.headers["Authorization"] = f"Bearer {token.json()['device_token']}"
        for unit_label, unit in (("country", ROOT), ("a province", PROVINCE), ("a commune", COMMUNE)):
            for shape, start, end in SHAPES:
                params = {"plan_id": PLAN_ID, "unit": unit, "start": start, "end": end}
                t0 = time.perf_counter()
                first = client.get("/api/v1/tallies", params=params)
                first_ms = (time.perf_counter() - t0) * 1e3
                check(first.status_code == 200, f"{unit}: HTTP {first.status_code} {first.text[:300]}")
                times = []
                for _ in range(args.repeat):
                    t0 = time.perf_counter()
                    resp = client.get("/api/v1/tallies", params=params)
                    times.append(time.perf_counter() - t0)
                    check(resp.status_code == 200, f"{unit}: HTTP {resp.status_code} {resp.text[:300]}")
                naive = [naive_count(url, paths[unit], start, end) for _ in range(args.naive_repeat)]
                count = naive[0][1]
                dash = survey_count(resp.json())
                check(
                    dash == count, f"{unit} {shape}: the dashboard counts {dash} surveys, the records {count}"
                )
                rows.append(
                    [
                        unit_label,
                        shape,
                        f"{count:,}",
                        f"{first_ms:.0f}",
                        f"{pct(times, 0.5) * 1e3:.1f}",
                        f"{pct(times, 0.95) * 1e3:.1f}",
                        f"{pct([s for s, _ in naive], 0.5) * 1e3:,.0f}",
                    ]
                )
                print(
                    f"  {unit_label} {shape}: p95 {pct(times, 0.95) * 1e3:.1f} ms",
                    file=sys.stderr,
                    flush=True,
                )
    return rows


def ingest(server: LiveServer, leaf_codes: list[str], args) -> dict:
    """``--phones`` phones push ``--ingest`` records at once; records/s, latencies, errors."""
    per_phone = args.ingest // args.phones
    rng = random.Random(5)
    phones = []
    with httpx.Client(base_url=server.url, timeout=60) as client:
        for k in range(args.phones):
            resp = client.post(
                "/api/v1/enroll",
                json={
                    "username": SUPERVISOR[0],
                    "password": SUPERVISOR[1],
                    "device_id": f"ingest-{k}",
                    "device_name": "bench",
                },
            )
            check(resp.status_code == 200, f"enroll: HTTP {resp.status_code}")
            records = [
                survey_record(
                    k * per_phone + j, author=SUPERVISOR[0], unit=rng.choice(leaf_codes), device=f"ingest-{k}"
                )
                for j in range(per_phone)
            ]
            bodies = []
            for b in range(0, per_phone, args.batch):
                batch = PushBatch(batch_id=uuid4(), records=records[b : b + args.batch])
                bodies.append(
                    (
                        str(batch.batch_id),
                        gzip.compress(batch.model_dump_json().encode(), 6),
                        len(batch.records),
                    )
                )
            phones.append((resp.json()["device_token"], bodies))
    latencies: list[float] = []
    errors: list[str] = []
    stored = [0]
    lock = threading.Lock()

    def phone(token: str, bodies: list) -> None:
        headers = {
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "Content-Encoding": "gzip",
        }
        with httpx.Client(base_url=server.url, timeout=120) as c:
            for batch_id, body, _n in bodies:
                t0 = time.perf_counter()
                resp = c.post(
                    "/api/v1/sync/push", content=body, headers={**headers, "Idempotency-Key": batch_id}
                )
                dt = time.perf_counter() - t0
                with lock:
                    latencies.append(dt)
                    if resp.status_code != 200:
                        errors.append(f"HTTP {resp.status_code} {resp.text[:200]}")
                    else:
                        stored[0] += sum(r["status"] == "stored" for r in resp.json()["receipts"])

    threads = [threading.Thread(target=phone, args=p) for p in phones]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    n = per_phone * args.phones
    return {"n": n, "wall": wall, "latencies": latencies, "errors": errors, "stored": stored[0]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=10_000_000)
    ap.add_argument("--first-year", type=int, default=2022)
    ap.add_argument("--districts", type=int, default=10, help="per province")
    ap.add_argument("--communes", type=int, default=17, help="per district")
    ap.add_argument("--repeat", type=int, default=30)
    ap.add_argument("--naive-repeat", type=int, default=3)
    ap.add_argument("--ingest", type=int, default=20_000)
    ap.add_argument("--phones", type=int, default=4)
    ap.add_argument("--batch", type=int, default=500)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--database", default=DB_NAME, help=f"the scratch database's name (default {DB_NAME})")
    ap.add_argument("--keep", action="store_true", help="keep the database afterwards")
    ap.add_argument(
        "--reuse",
        action="store_true",
        help="measure the kept database instead of building one (it is dropped afterwards unless --keep)",
    )
    args = ap.parse_args()
    units = make_tree(args.districts, args.communes)
    leaf_codes = [u["code"] for u in leaves(units)]
    load_times: dict[str, float] = {}
    if args.reuse:
        url = pg_scratch_url(args.database)
    else:
        url = pg_scratch_database(args.database)
        check(url is not None, "PostgreSQL is not reachable (FIELDTALLY_BENCH_PG_URL)")
        db = prepare(url, units)
        load_times = bulk_load(db, args.records, units, args.first_year)
        db.dispose()
    before = server_totals(url)
    workdir = Path(f"/tmp/{args.database}-{time.time_ns()}")
    server = LiveServer(workdir, url, demo=False, workers=args.workers, startup_timeout=180)
    try:
        server.start()
        rows = dashboards(server, url, units, args)
        got = ingest(server, leaf_codes, args)
    finally:
        server.stop()
    after = server_totals(url)
    check(not got["errors"], f"ingest: {len(got['errors'])} failed pushes, first {got['errors'][:2]}")
    check(got["stored"] == got["n"], f"ingest: {got['stored']} stored of {got['n']}")
    check(after["records"] == before["records"] + got["n"], f"ingest: {after['records']} rows after")
    check(
        after["surveys"] == after["records"],
        f"surveys tally {after['surveys']} != {after['records']} records",
    )
    if not args.keep:
        pg_drop_database(args.database)
    lat = got["latencies"]
    print(
        f"national: {before['records']:,} records over {len(units):,} units ({len(leaf_codes):,} leaves), "
        f"PostgreSQL, {args.workers} worker(s); {machine()}"
    )
    if load_times:
        print("bulk load: " + ", ".join(f"{k} {v:,.0f} s" for k, v in load_times.items()))
    print()
    print(
        table(
            [
                "dashboard for",
                "period",
                "surveys in it",
                "first call ms",
                "GET /tallies p50 ms",
                "GET /tallies p95 ms",
                "naive GROUP BY p50 ms (baseline)",
            ],
            rows,
        )
    )
    print()
    print(
        table(
            [
                "ingest through the API",
                "records",
                "seconds",
                "records/s",
                "push p50 ms",
                "push p99 ms",
                "errors",
            ],
            [
                [
                    f"{args.phones} phones at once, batches of {args.batch}",
                    f"{got['n']:,}",
                    f"{got['wall']:.1f}",
                    f"{got['n'] / got['wall']:,.0f}",
                    f"{pct(lat, 0.5) * 1e3:.0f}",
                    f"{pct(lat, 0.99) * 1e3:.0f}",
                    str(len(got["errors"])),
                ]
            ],
        )
    )
    print()
    print(
        "Goals: dashboards <= 50 ms p95 for every period shape; ingest into the big database >= 3,000 rec/s."
    )


def pg_scratch_url(name: str) -> str:
    from _common import PG_ADMIN_URL

    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


if __name__ == "__main__":
    main()
