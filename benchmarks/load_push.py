"""Load: many phones pushing at once to one server, on SQLite and then on PostgreSQL.

    .venv/bin/python benchmarks/load_push.py           # 200 phones x 50 records, both databases
    .venv/bin/python benchmarks/load_push.py --db sqlite --records-per-phone 200
    .venv/bin/python benchmarks/load_push.py --db postgres --workers 2         # serve --workers 2

The server is the real one (``fieldtally-server serve --demo``: one uvicorn
process) on a fresh SQLite file, then on a scratch PostgreSQL database created
next to the test one (``FIELDTALLY_BENCH_PG_URL``, default
``postgresql+psycopg://postgres@127.0.0.1:5432/test``) and dropped afterwards.

First 200 devices are enrolled (officers and supervisors of the demo tree, so
the records land on several communes). Then a separate process, the load
generator (asyncio + httpx, one client per phone, each with its own
connection), builds every phone's gzip push bodies before the clock starts,
and all phones push at once, each its batches one after the other, as a
phone's sync does. Reported: sustained records per second (all records /
time from the first request to the last answer), p50 / p99 latency of one
push, errors (any non-200 or failed request; must be 0).

Then every phone resends its first batch (the same batch id, as a retry
would): all of those must come back ``duplicate``. Exactly once is checked in
the database: rows = records sent, and the ``surveys`` and
``surveys_understanding`` tallies = what was sent. The baseline is one phone
alone pushing the same way, measured in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from uuid import uuid4

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    REPO,
    check,
    machine,
    passing,
    pct,
    pg_drop_database,
    pg_scratch_database,
    server_totals,
    survey_record,
    table,
)

from schemas.sync import PushBatch  # noqa: E402

sys.path.insert(0, str(REPO))
from tests.support.live_server import LiveServer  # noqa: E402

# who the simulated phones belong to, and the communes each may record for
USERS = {
    "canbo": ("canbo123", ["HN-SS-MT"]),
    "chihuy": ("chihuy123", ["HN-BD-PX", "HN-BD-DC", "HN-SS-MT", "HN-SS-BS"]),
    "giamsat": ("giamsat123", ["HN-SS-MT", "HN-SS-BS"]),
}
PUSH = "/api/v1/sync/push"


def enroll_all(url: str, phones: int) -> list[dict]:
    """Enroll ``phones`` devices, spread over USERS (8 at a time); each: token, author, units."""
    from concurrent.futures import ThreadPoolExecutor

    import httpx

    names = list(USERS)

    def one(i: int) -> dict:
        user = names[i % len(names)]
        password, units = USERS[user]
        device = uuid4().hex
        body = {"username": user, "password": password, "device_id": device, "device_name": f"load {i}"}
        resp = httpx.post(url + "/api/v1/enroll", json=body, timeout=60)
        check(resp.status_code == 200, f"enrolling device {i} failed: {resp.status_code} {resp.text[:300]}")
        return {"token": resp.json()["device_token"], "author": user, "units": units, "device": device}

    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(one, range(phones)))


# ---- the load generator (its own process) ------------------------------------------------------------


def build_bodies(phone: dict, index: int, per_phone: int, batch: int) -> list[tuple[str, bytes, int]]:
    """The phone's pushes as (batch id, gzip body, records): made before the clock starts."""
    records = [
        survey_record(
            index * per_phone + j,
            author=phone["author"],
            unit=phone["units"][j % len(phone["units"])],
            device=phone["device"],
        )
        for j in range(per_phone)
    ]
    out = []
    for k in range(0, per_phone, batch):
        b = PushBatch(batch_id=uuid4(), records=records[k : k + batch])
        out.append((str(b.batch_id), gzip.compress(b.model_dump_json().encode(), 6), len(b.records)))
    return out


async def run_phone(
    url: str, phone: dict, bodies, start: asyncio.Event, result: dict, interval: float = 0.0
) -> None:
    """Push ``bodies`` one after another; with ``interval``, one every ``interval`` s from a random phase."""
    import random

    import httpx

    headers = {
        "Authorization": f"Bearer {phone['token']}",
        "Content-Type": "application/json",
        "Content-Encoding": "gzip",
    }
    async with httpx.AsyncClient(base_url=url, timeout=httpx.Timeout(60.0)) as client:
        await start.wait()
        begin = time.perf_counter() + random.uniform(0, interval)
        for k, (batch_id, body, n) in enumerate(bodies):
            if interval:
                await asyncio.sleep(max(0.0, begin + k * interval - time.perf_counter()))
            t0 = time.perf_counter()
            try:
                try:
                    resp = await client.post(
                        PUSH, content=body, headers={**headers, "Idempotency-Key": batch_id}
                    )
                except (httpx.ReadError, httpx.RemoteProtocolError):
                    # the server closed an idle kept-alive connection as we reused it: resend, as the app does
                    result["retries"] += 1
                    resp = await client.post(
                        PUSH, content=body, headers={**headers, "Idempotency-Key": batch_id}
                    )
                ok = resp.status_code == 200
                if ok:
                    statuses = [r["status"] for r in resp.json()["receipts"]]
                    result["statuses"].extend(statuses)
                else:
                    result["errors"].append(f"HTTP {resp.status_code}: {resp.text[:200]}")
            except httpx.HTTPError as exc:
                ok = False
                result["errors"].append(f"{type(exc).__name__}: {exc}")
            t1 = time.perf_counter()
            result["latencies"].append(t1 - t0)
            result["first"] = min(result["first"], t0)
            result["last"] = max(result["last"], t1)
            if ok:
                result["records"] += n


async def generate(url: str, phones: list[dict], per_phone: int, batch: int, interval: float) -> dict:
    plans = [build_bodies(p, i, per_phone, batch) for i, p in enumerate(phones)]
    result = {
        "latencies": [],
        "errors": [],
        "statuses": [],
        "records": 0,
        "retries": 0,
        "first": float("inf"),
        "last": 0.0,
    }
    start = asyncio.Event()
    tasks = [
        asyncio.create_task(run_phone(url, p, b, start, result, interval))
        for p, b in zip(phones, plans, strict=True)
    ]
    await asyncio.sleep(0.5)  # let every client get ready
    start.set()
    await asyncio.gather(*tasks)
    result["bodies"] = plans
    return result


def generator_main(spec_path: Path) -> None:
    spec = json.loads(spec_path.read_text())
    phones = spec["phones"]
    # The same seed of ids for the run and its resend: build once, keep the first batches.
    result = asyncio.run(generate(spec["url"], phones, spec["per_phone"], spec["batch"], spec["interval"]))
    firsts = [b[0] for b in result.pop("bodies")]
    out = {"run": result}
    # every phone resends its first batch, byte for byte (a retry after a lost answer)
    resend = {
        "latencies": [],
        "errors": [],
        "statuses": [],
        "records": 0,
        "retries": 0,
        "first": float("inf"),
        "last": 0.0,
    }

    async def again() -> None:
        start = asyncio.Event()
        tasks = [
            asyncio.create_task(run_phone(spec["url"], p, [f], start, resend))
            for p, f in zip(phones, firsts, strict=True)
        ]
        await asyncio.sleep(0.2)
        start.set()
        await asyncio.gather(*tasks)

    asyncio.run(again())
    out["resend"] = resend
    print(json.dumps(out))


# ---- the driver --------------------------------------------------------------------------------------


def run_load(
    url: str, phones: list[dict], per_phone: int, batch: int, interval: float, workdir: Path
) -> dict:
    spec = workdir / "spec.json"
    spec.write_text(
        json.dumps(
            {"url": url, "phones": phones, "per_phone": per_phone, "batch": batch, "interval": interval}
        )
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run(
        [sys.executable, __file__, "--generator", str(spec)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    check(proc.returncode == 0, f"the load generator failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def measure(db_label: str, database_url: str, args, workdir: Path) -> list[list[str]]:
    server = LiveServer(workdir, database_url, demo=True, workers=args.workers, startup_timeout=180)
    server.start()
    rows = []
    try:
        t0 = time.perf_counter()
        phones = enroll_all(server.url, args.phones)
        print(
            f"{db_label}: {len(phones)} devices enrolled in {time.perf_counter() - t0:.0f} s", file=sys.stderr
        )
        alone, crowd, paced = phones[:1], phones, phones  # the same devices sync again, with new records
        interval = args.phones * args.batch / args.rate
        expected = expected_pass = 0
        for label, group, every in (
            ("1 phone (baseline)", alone, 0.0),
            (f"{len(crowd)} phones, all at once", crowd, 0.0),
            (f"{len(paced)} phones, {args.rate:,} rec/s offered", paced, interval),
        ):
            print(f"{db_label}: {label} ...", file=sys.stderr, flush=True)
            out = run_load(server.url, group, args.records_per_phone, args.batch, every, workdir)
            run, resend = out["run"], out["resend"]
            n = len(group) * args.records_per_phone
            expected += n
            wall = run["last"] - run["first"]
            lat = run["latencies"]
            errors = len(run["errors"]) + len(resend["errors"])
            if run["errors"]:
                print(f"{db_label} {label}: first errors: {run['errors'][:3]}", file=sys.stderr)
            check(not run["errors"], f"{db_label} {label}: {len(run['errors'])} failed pushes")
            check(
                run["statuses"].count("stored") == n,
                f"{db_label} {label}: {run['statuses'].count('stored')} stored of {n}",
            )
            check(
                resend["statuses"] and set(resend["statuses"]) == {"duplicate"},
                f"{db_label} {label}: a resent batch was not all duplicate: {set(resend['statuses'])}",
            )
            per = args.records_per_phone
            expected_pass += sum(passing(per, i * per) for i in range(len(group)))
            totals = server_totals(database_url)
            check(totals["records"] == expected, f"{db_label}: {totals['records']} rows, expected {expected}")
            check(
                totals["surveys"] == expected,
                f"{db_label}: surveys tally {totals['surveys']}, expected {expected}",
            )
            rows.append(
                [
                    db_label,
                    label,
                    f"{n:,}",
                    f"{len(lat):,}",
                    f"{wall:.1f}",
                    f"{n / wall:,.0f}",
                    f"{pct(lat, 0.5) * 1e3:.0f}",
                    f"{pct(lat, 0.99) * 1e3:.0f}",
                    str(errors),
                    str(run["retries"] + resend["retries"]),
                ]
            )
            check(
                totals["understanding"] == expected_pass,
                f"{db_label}: surveys_understanding tally {totals['understanding']}, "
                f"expected {expected_pass}",
            )
    finally:
        server.stop()
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--phones", type=int, default=200)
    ap.add_argument("--records-per-phone", type=int, default=50)
    ap.add_argument("--batch", type=int, default=25, help="records per push (default 25)")
    ap.add_argument(
        "--rate", type=int, default=1000, help="records/s offered in the paced run (default 1,000)"
    )
    ap.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    ap.add_argument("--workers", type=int, default=1, help="server worker processes (serve --workers)")
    ap.add_argument("--generator", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.generator:
        generator_main(args.generator)
        return
    rows: list[list[str]] = []
    with tempfile.TemporaryDirectory(prefix="ft-bench-load-") as tmp:
        root = Path(tmp)
        if args.db in ("sqlite", "both"):
            (root / "sqlite").mkdir()
            rows += measure("SQLite", f"sqlite:///{root / 'sqlite' / 'load.sqlite3'}", args, root / "sqlite")
        if args.db in ("postgres", "both"):
            name = f"fieldtally_bench_{os.getpid()}"
            url = pg_scratch_database(name)
            if url is None:
                print("PostgreSQL is not reachable: its rows are skipped", file=sys.stderr)
            else:
                try:
                    (root / "pg").mkdir()
                    rows += measure("PostgreSQL", url, args, root / "pg")
                finally:
                    pg_drop_database(name)
    print(
        f"load: phones pushing at once to {args.workers} uvicorn worker(s); "
        f"{args.records_per_phone} surveys per phone "
        f"in pushes of {args.batch}; load generator in its own process; {machine()}"
    )
    print()
    print(
        table(
            [
                "database",
                "phones",
                "records",
                "pushes",
                "seconds",
                "records/s",
                "p50 push ms",
                "p99 push ms",
                "errors",
                "resent on a closed keep-alive",
            ],
            rows,
            align="llrrrrrrrr",
        )
    )
    print()
    print(
        "Every record stored once and counted once (rows and tallies checked in the database); every phone's "
        "resent first batch came back duplicate. Goals: >= 1,000 records/s, p99 <= 1 s, 0 errors."
    )


if __name__ == "__main__":
    main()
