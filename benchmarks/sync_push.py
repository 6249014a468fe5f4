"""Sync throughput: one phone's outbox pushed to a real server on loopback, batched vs one request per record.

    .venv/bin/python benchmarks/sync_push.py                     # 1,000 records (about a minute)
    .venv/bin/python benchmarks/sync_push.py --records 10000     # the issue's size

Each variant gets a fresh server (uvicorn in a subprocess, ``fieldtally-server
serve --demo`` on a new SQLite file) and a fresh phone: a real vault, a
``RecordStore`` whose outbox holds N final awareness surveys, and the app's
``SyncEngine`` + ``ServerClient`` on a requests session that counts requests
and HTTP bytes each way. The clock runs around ``SyncEngine.run()``: planning,
pushing, applying every receipt to the vault, and the final pull.

- ``one request per record``: the same engine with ``max_records=1`` (the
  OpenRosa way), over ``--baseline-records`` records (default: N, at most 1,000;
  per-record figures do not depend on N);
- ``batched``: the engine's defaults.

Correctness, checked after each run (the benchmark fails loudly otherwise):
every record stored once (rows on the server = N, receipts all ``stored``, the
server's ``surveys`` tally = N and ``surveys_understanding`` = the passing
ones), the phone's outbox empty, and a second sync sends nothing.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    REPO,
    Phone,
    Stopwatch,
    check,
    enroll_phone,
    fill_outbox,
    machine,
    passing,
    table,
)

from mobile.record_state import LocalState  # noqa: E402
from mobile.sync.engine import SyncEngine  # noqa: E402

sys.path.insert(0, str(REPO))
from tests.support.live_server import start_live_server  # noqa: E402

UNIT = "HN-SS-MT"


def server_counts(db_file: Path, device: str) -> tuple[int, float, float]:
    """(records stored from ``device``, surveys tally, surveys_understanding tally) read from the database."""
    con = sqlite3.connect(db_file)
    try:
        rows = con.execute("SELECT count(*) FROM records WHERE device = ?", (device,)).fetchone()[0]
        tallies = dict(
            con.execute(
                "SELECT measure_id, sum(total) FROM tallies WHERE unit_code = ? GROUP BY measure_id", (UNIT,)
            ).fetchall()
        )
    finally:
        con.close()
    return rows, tallies.get("surveys", 0.0), tallies.get("surveys_understanding", 0.0)


def run_variant(name: str, n: int, root: Path, **engine_kw) -> dict:
    workdir = root / name.replace(" ", "-")
    server = start_live_server(workdir)
    phone: Phone | None = None
    try:
        phone = enroll_phone(server.url, workdir / "vault")
        fill_outbox(phone.store, n)
        check(len(phone.store.outbox()) == n, "the outbox was not filled")
        count = phone.adapter.count
        count.reset()
        engine = SyncEngine(phone.store, phone.client, **engine_kw)
        clock = Stopwatch()
        report = engine.run()
        seconds = clock.seconds
        check(report.error is None, f"{name}: sync failed: {report.error!r}")
        check(
            (report.stored, report.duplicate, report.rejected, report.remaining) == (n, 0, 0, 0),
            f"{name}: receipts stored/duplicate/rejected/remaining = "
            f"{report.stored}/{report.duplicate}/{report.rejected}/{report.remaining}, expected {n}/0/0/0",
        )
        check(phone.store.counts()[LocalState.SENT] == n, f"{name}: not every record is SENT on the phone")
        pushes = count.by_path.get("/api/v1/sync/push", 0)
        pulls = count.by_path.get("/api/v1/sync/pull", 0)
        result = {
            "name": name,
            "n": n,
            "seconds": seconds,
            "requests": count.requests,
            "pushes": pushes,
            "up": count.up,
            "down": count.down,
        }
        # a second sync: nothing is left to send, so only the pull goes
        count.reset()
        again = SyncEngine(phone.store, phone.client, **engine_kw).run()
        check(again.error is None and again.sent == 0, f"{name}: a second sync sent {again.sent} records")
        check(count.by_path.get("/api/v1/sync/push", 0) == 0, f"{name}: a second sync pushed something")
        result["pull_bytes"] = count.down
        rows, surveys, understanding = server_counts(workdir / "live-server.sqlite3", phone.device_id)
        check(rows == n, f"{name}: the server holds {rows} records from the phone, expected {n}")
        check(surveys == n, f"{name}: the server's surveys tally is {surveys}, expected {n}")
        check(
            understanding == passing(n),
            f"{name}: surveys_understanding is {understanding}, expected {passing(n)}",
        )
        check(pulls == 1, f"{name}: {pulls} pulls in one sync")
        return result
    finally:
        if phone is not None:
            phone.close()
        server.stop()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=1000, help="records in the outbox (default 1,000)")
    ap.add_argument(
        "--baseline-records", type=int, default=None, help="records for the one-per-request baseline"
    )
    args = ap.parse_args()
    n = args.records
    n_base = args.baseline_records or min(n, 1000)
    rows = []
    with tempfile.TemporaryDirectory(prefix="ft-bench-sync-") as tmp:
        root = Path(tmp)
        results = [
            run_variant("one request per record", n_base, root, max_records=1),
            run_variant("batched", n, root),
        ]
    for r in results:
        per_k = r["requests"] * 1000 / r["n"]
        rows.append(
            [
                r["name"],
                f"{r['n']:,}",
                f"{r['seconds']:.2f}",
                f"{r['n'] / r['seconds']:,.0f}",
                f"{r['requests']:,} ({r['pushes']:,} push + 1 pull)",
                f"{per_k:.1f}",
                f"{(r['up']) / r['n']:.0f}",
                f"{(r['down'] - r['pull_bytes']) / r['n']:.0f}",
            ]
        )
    print(f"sync push, one phone -> uvicorn + SQLite on loopback; {machine()}")
    print()
    print(
        table(
            [
                "variant",
                "records",
                "seconds",
                "records/s",
                "HTTP requests",
                "requests / 1k records",
                "bytes up / record",
                "bytes down / record (receipts)",
            ],
            rows,
        )
    )
    pull = results[-1]["pull_bytes"]
    print()
    print(
        "Every record stored once and counted once (checked on the server); "
        f"the final pull is {pull:,} bytes "
        "and is not in the per-record bytes down. Goals: >= 3,000 records/s, <= 5 requests / 1k, "
        "<= 300 bytes / record."
    )


if __name__ == "__main__":
    main()
