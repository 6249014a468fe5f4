"""What one push costs the server on PostgreSQL, in process: its CPU, PostgreSQL's CPU, its profile.

    .venv/bin/python benchmarks/push_cost.py                           # pushes of 500, of 25, of 2, resent
    .venv/bin/python benchmarks/push_cost.py --profile push            # and push.KIND.prof, a cProfile each

A scratch PostgreSQL database with the demo data (``FIELDTALLY_BENCH_PG_URL``,
as ``load_push.py``), one enrolled phone, then the server's own steps of a
push one after the other, without HTTP: the token check
(``caller_for_token``), parsing the body (``PushBatch``), the route's
``_store`` (``push_records`` in its write transaction, the bounded
receipts) and writing the answer's JSON. Each kind of push runs on its
own: ``--big`` pushes of 500 surveys, ``--small`` pushes of ``--size``
(25, as ``load_push.py``; a national day's phones send 2 at a time),
``--tiny`` pushes of 2, then ``--resent`` of the small pushes again (all
``duplicate``: a phone that missed its receipts). Reported per kind:
seconds, records/s, this process's CPU per push and per record, and the
CPU of the PostgreSQL backends that served it (read from /proc: same
machine only). The machine's load is printed with it: compare a run only
with a baseline run in the same session, alternated.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import time
from collections.abc import Callable
from pathlib import Path
from uuid import uuid4

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    check,
    machine,
    pg_drop_database,
    pg_scratch_database,
    server_totals,
    survey_record,
    table,
)
from sqlalchemy import create_engine, text  # noqa: E402

from schemas.common import utcnow  # noqa: E402
from schemas.sync import PushBatch  # noqa: E402
from sync_server.api.routes.sync import _store  # noqa: E402
from sync_server.bootstrap import prepare_database  # noqa: E402
from sync_server.config import Settings  # noqa: E402
from sync_server.db import Database  # noqa: E402
from sync_server.services.accounts import caller_for_token, sign_in  # noqa: E402

USER, PASSWORD, UNIT, DEVICE = "canbo", "canbo123", "HN-SS-MT", "push-cost"


def backends_cpu(url: str) -> Callable[[], float]:
    """A clock of the CPU seconds used so far by the backends connected to ``url``'s database."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as con:
        mine = "datname = current_database() AND pid <> pg_backend_pid()"
        pids = list(con.execute(text(f"SELECT pid FROM pg_stat_activity WHERE {mine}")).scalars())
    engine.dispose()
    tick = os.sysconf("SC_CLK_TCK")

    def seconds() -> float:
        total = 0
        for pid in pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / tick

    return seconds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--big", type=int, default=10, help="pushes of 500 (default 10)")
    ap.add_argument("--small", type=int, default=200, help="pushes of --size (default 200)")
    ap.add_argument("--size", type=int, default=25)
    ap.add_argument("--tiny", type=int, default=300, help="pushes of 2 (default 300)")
    ap.add_argument("--resent", type=int, default=100, help="small pushes sent again (default 100)")
    ap.add_argument("--profile", default="", help="write PREFIX.KIND.prof and print the top of each")
    args = ap.parse_args()

    name = f"fieldtally_bench_cost_{os.getpid()}"
    url = pg_scratch_database(name)
    check(url is not None, "PostgreSQL is not reachable (FIELDTALLY_BENCH_PG_URL)")
    settings = Settings(database_url=url, db_pool_size=4)
    db = Database.from_settings(settings)
    try:
        prepare_database(db, settings, demo=True)
        token, _ = sign_in(
            db,
            username=USER,
            password=PASSWORD,
            client="bench",
            device_id=DEVICE,
            device_name="bench",
            settings=settings,
            now=utcnow(),
        )

        def bodies(pushes: int, size: int) -> list[bytes]:
            return [
                PushBatch(
                    batch_id=uuid4(),
                    records=[
                        survey_record(i, author=USER, unit=UNIT, device="push-cost") for i in range(size)
                    ],
                )
                .model_dump_json()
                .encode()
                for _ in range(pushes)
            ]

        def push(body: bytes) -> bytes:
            """What the server does for one push, HTTP aside."""
            caller = caller_for_token(db, token=token, now=utcnow())
            batch = PushBatch.model_validate_json(body)
            return _store(db, settings, caller, batch, len(body)).model_dump_json().encode()

        for body in bodies(3, 5):  # warm up: the catalog's parse, the driver's prepared statements
            push(body)
        small = bodies(args.small, args.size)
        kinds = [
            ("500", bodies(args.big, 500), 500),
            (str(args.size), small, args.size),
            ("2", bodies(args.tiny, 2), 2),
            (f"{args.size}, resent", small[: args.resent], args.size),
        ]
        rows = []
        sent = 0
        for label, batches, size in kinds:
            if not batches:
                continue
            pg_cpu = backends_cpu(url)
            profile = cProfile.Profile() if args.profile else None
            pg0, cpu0, t0 = pg_cpu(), time.process_time(), time.perf_counter()
            if profile:
                profile.enable()
            for body in batches:
                push(body)
            if profile:
                profile.disable()
            wall, cpu, pg = time.perf_counter() - t0, time.process_time() - cpu0, pg_cpu() - pg0
            n, records = len(batches), len(batches) * size
            sent += 0 if "resent" in label else records
            rows.append(
                [
                    label,
                    f"{n:,}",
                    f"{records:,}",
                    f"{wall:.2f}",
                    f"{records / wall:,.0f}",
                    f"{cpu / n * 1e3:.2f}",
                    f"{cpu / records * 1e6:,.0f}",
                    f"{pg / n * 1e3:.2f}",
                ]
            )
            if profile:
                path = f"{args.profile}.{label.replace(', ', '-')}.prof"
                profile.dump_stats(path)
                print(f"== {label}: {path}")
                pstats.Stats(profile).sort_stats("cumulative").print_stats(40)
        totals = server_totals(url)
        check(totals["records"] == sent + 15, f"{totals} for {sent} records sent (and 15 to warm up)")
        print(f"push cost: in process, PostgreSQL; {machine()}")
        print()
        print(
            table(
                [
                    "records per push",
                    "pushes",
                    "records",
                    "seconds",
                    "records/s",
                    "server CPU ms / push",
                    "server CPU µs / record",
                    "PostgreSQL CPU ms / push",
                ],
                rows,
            )
        )
    finally:
        db.dispose()
        pg_drop_database(name)


if __name__ == "__main__":
    main()
