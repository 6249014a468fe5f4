"""Hot tally rows on PostgreSQL: concurrent pushes of one unit, all in one shard (before) vs one per phone.

    .venv/bin/python benchmarks/hot_rows.py                      # 16 phones x 20 pushes of 25, one commune
    .venv/bin/python benchmarks/hot_rows.py --phones 32 --pushes 10

``--phones`` threads, each with its own connection, push surveys for the same
commune and the same day through the server's ``push_records`` (in process,
no HTTP: what is measured is the database, not the web server), each push
its own transaction, as the API runs it. Two runs on fresh scratch
databases: every phone given the same device number (all add to one shard:
the design before shards, where every phone of a unit adds to the same day,
month and year rows) and every phone its own (each adds to its own shard).
Reported: records/s, push p50 / p99, and the share of time the pushes'
backends spent waiting for a row lock (``pg_stat_activity`` sampled every
20 ms). Exactly once is checked: the surveys tally equals the records sent.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from collections import Counter
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    check,
    machine,
    pct,
    pg_drop_database,
    pg_scratch_database,
    server_totals,
    survey_record,
    table,
)
from sqlalchemy import create_engine, text  # noqa: E402

from schemas.common import utcnow  # noqa: E402
from schemas.sync import Role  # noqa: E402
from sync_server.bootstrap import prepare_database  # noqa: E402
from sync_server.config import Settings  # noqa: E402
from sync_server.db import Database  # noqa: E402
from sync_server.services.accounts import Caller  # noqa: E402
from sync_server.services.ingest import push_records  # noqa: E402

UNIT = "HN-SS-MT"


def _sample_waits(url: str, name: str, stop: threading.Event, out: Counter) -> None:
    engine = create_engine(url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    with engine.connect() as con:
        query = text(
            "SELECT coalesce(wait_event_type, 'CPU') FROM pg_stat_activity "
            "WHERE datname = :d AND state = 'active' AND pid <> pg_backend_pid()"
        )
        while not stop.is_set():
            for (kind,) in con.execute(query, {"d": name}):
                out[kind] += 1
            time.sleep(0.02)
    engine.dispose()


def run(label: str, shared_device: bool, args) -> list[str]:
    name = f"fieldtally_bench_hot_{os.getpid()}"
    url = pg_scratch_database(name)
    check(url is not None, "PostgreSQL is not reachable (FIELDTALLY_BENCH_PG_URL)")
    settings = Settings(database_url=url, db_pool_size=args.phones + 2)
    db = Database.from_settings(settings)
    try:
        prepare_database(db, settings, demo=True)
        with db.session() as s:
            path = s.execute(text("SELECT path FROM units WHERE code = :c"), {"c": UNIT}).scalar_one()
        batches = [
            [
                [survey_record(i, author="canbo", unit=UNIT, device=f"p{k}") for i in range(args.batch)]
                for _ in range(args.pushes)
            ]
            for k in range(args.phones)
        ]
        latencies: list[float] = []
        lock = threading.Lock()

        def phone(k: int) -> None:
            caller = Caller(
                user_id=1,
                username="canbo",
                full_name="",
                role=Role.OFFICER,
                unit_code=UNIT,
                unit_name="",
                unit_path=path,
                device_pk=1 if shared_device else k + 1,
            )
            for records in batches[k]:
                t0 = time.perf_counter()
                with db.session(write=True) as s:
                    receipts = push_records(
                        s, caller=caller, records=records, today=date.today(), now=utcnow()
                    )
                dt = time.perf_counter() - t0
                check(all(r.status.value == "stored" for r in receipts), f"{label}: a record was not stored")
                with lock:
                    latencies.append(dt)

        waits: Counter = Counter()
        stop = threading.Event()
        sampler = threading.Thread(target=_sample_waits, args=(url, name, stop, waits))
        sampler.start()
        threads = [threading.Thread(target=phone, args=(k,)) for k in range(args.phones)]
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - t0
        stop.set()
        sampler.join()
        n = args.phones * args.pushes * args.batch
        totals = server_totals(url)
        check(totals["records"] == n and totals["surveys"] == n, f"{label}: {totals} for {n} records")
        seen = sum(waits.values()) or 1
        return [
            label,
            f"{n:,}",
            f"{wall:.1f}",
            f"{n / wall:,.0f}",
            f"{pct(latencies, 0.5) * 1e3:.0f}",
            f"{pct(latencies, 0.99) * 1e3:.0f}",
            f"{waits['Lock'] / seen:.0%}",
        ]
    finally:
        db.dispose()
        pg_drop_database(name)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--phones", type=int, default=16)
    ap.add_argument("--pushes", type=int, default=20)
    ap.add_argument("--batch", type=int, default=25)
    args = ap.parse_args()
    rows = [
        run("one shard for every phone (before, baseline)", True, args),
        run("a shard per phone", False, args),
    ]
    print(
        f"hot rows: {args.phones} phones of one commune pushing {args.pushes} x {args.batch} surveys of one "
        f"day at once, push_records in process, PostgreSQL; {machine()}"
    )
    print()
    print(
        table(
            [
                "tally rows",
                "records",
                "seconds",
                "records/s",
                "push p50 ms",
                "push p99 ms",
                "backends waiting on a row lock",
            ],
            rows,
        )
    )


if __name__ == "__main__":
    main()
