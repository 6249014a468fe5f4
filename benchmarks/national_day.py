"""A simulated national day: 2,000 phones syncing at random moments while supervisors read dashboards.

    .venv/bin/python benchmarks/national_day.py            # 2,000 phones, a 120 s day, 2 workers
    .venv/bin/python benchmarks/national_day.py --phones 500 --day-seconds 60 --records 0

On PostgreSQL (a scratch database of its own, dropped afterwards), the
national unit tree of ``_national_db.py`` (11,010 leaves) and ``--records``
older surveys bulk-loaded first, then ``fieldtally-server serve --workers
N``. ``--phones`` officers, each at a commune or post of their own with one
enrolled phone (users and devices are written straight into the database:
enrolling 2,000 phones through the API is 2,000 password hashes, not what
is measured), sync ``--syncs`` times each at random moments of a working day
compressed into ``--day-seconds``, each sync one push of 1-``--max-records``
surveys. Meanwhile ``--supervisors`` supervisors (at provinces and districts)
each open a dashboard (their unit, this month, this quarter or this year)
every ``--read-every`` seconds. The time is bounded: the run ends when the
day is over and the last request has been answered.

Reported: records/s over the day, push p50 / p99, dashboard p50 / p95,
errors (any non-200 or failed request: must be 0). Then exactly once: each
phone resends its first push (the same batch id), which must come back all
``duplicate``; rows in the database = records sent, and the surveys tally =
the rows. The baseline in the same run: the same dashboards read with no
phone syncing.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import random
import secrets
import sys
import time
from datetime import UTC, datetime
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
from _national_db import bulk_load, leaves, make_tree, prepare  # noqa: E402
from sqlalchemy import insert, select  # noqa: E402

from schemas.sync import PushBatch, Role  # noqa: E402
from sync_server.models import DeviceRow, UserRow  # noqa: E402
from sync_server.security import hash_password, token_hash  # noqa: E402
from tests.support.live_server import LiveServer  # noqa: E402

PERIODS = (
    ("this month", "2026-11-01", "2026-11-30"),
    ("this quarter", "2026-10-01", "2026-12-31"),
    ("this year", "2026-01-01", "2026-12-31"),
)


def people(db, units: list[dict], phones: int, supervisors: int) -> tuple[list[dict], list[dict]]:
    """Officers with one phone each at distinct leaves, supervisors at provinces and districts; tokens."""
    now = datetime.now(UTC)
    password = hash_password("day-matkhau-123")  # one hash for all: nobody signs in with it
    leaf = leaves(units)
    step = max(1, len(leaf) // phones)
    offices = [u for u in units if u["type"] in ("province", "district")]
    rng = random.Random(3)
    officers = [
        {"username": f"cb{i:05d}", "unit": leaf[(i * step) % len(leaf)]["code"], "role": Role.OFFICER}
        for i in range(phones)
    ]
    bosses = [
        {"username": f"gs{i:03d}", "unit": rng.choice(offices)["code"], "role": Role.SUPERVISOR}
        for i in range(supervisors)
    ]
    everyone = officers + bosses
    with db.session(write=True) as s:
        s.execute(
            insert(UserRow),
            [
                dict(
                    username=p["username"],
                    password_hash=password,
                    full_name=p["username"],
                    role=p["role"].value,
                    unit_code=p["unit"],
                    created_at=now,
                )
                for p in everyone
            ],
        )
        ids = {name: pk for name, pk in s.execute(select(UserRow.username, UserRow.id))}
        for p in everyone:
            p["token"] = secrets.token_urlsafe(32)
        s.execute(
            insert(DeviceRow),
            [
                dict(
                    device_id=f"dev-{p['username']}",
                    name="bench",
                    user_id=ids[p["username"]],
                    token_hash=token_hash(p["token"]),
                    created_at=now,
                    last_seen_at=now,
                )
                for p in everyone
            ],
        )
    return officers, bosses


def plan_pushes(officers: list[dict], args) -> list[tuple[float, dict, str, bytes, int]]:
    """Every push of the day: (moment, phone, batch id, gzip body, records), made before the clock starts."""
    rng = random.Random(9)
    out, i = [], 0
    for phone in officers:
        for _ in range(args.syncs):
            n = rng.randint(1, args.max_records)
            records = [
                survey_record(
                    i + j, author=phone["username"], unit=phone["unit"], device=f"dev-{phone['username']}"
                )
                for j in range(n)
            ]
            i += n
            batch = PushBatch(batch_id=uuid4(), records=records)
            out.append(
                (
                    rng.uniform(0, args.day_seconds),
                    phone,
                    str(batch.batch_id),
                    gzip.compress(batch.model_dump_json().encode(), 6),
                    n,
                )
            )
    return sorted(out, key=lambda p: p[0])


async def day(url: str, pushes: list, bosses: list[dict], args, *, syncing: bool) -> dict:
    limits = httpx.Limits(max_connections=args.connections, max_keepalive_connections=args.connections)
    push_lat: list[float] = []
    read_lat: list[float] = []
    errors: list[str] = []
    retries: list[str] = []
    # At most ``connections`` requests in httpx's pool at a time: its queue of waiting requests costs
    # O(waiters) per hand-over, and thousands of them starved the generator itself (not the server).
    gate = asyncio.Semaphore(args.connections)
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as client:
        t0 = time.perf_counter()

        async def push(moment: float, phone: dict, batch_id: str, body: bytes, n: int) -> None:
            await asyncio.sleep(max(0.0, moment - (time.perf_counter() - t0)))
            async with gate:
                await send(phone, batch_id, body)

        async def send(phone: dict, batch_id: str, body: bytes) -> None:
            start = time.perf_counter()
            headers = {
                "Authorization": f"Bearer {phone['token']}",
                "Content-Type": "application/json",
                "Content-Encoding": "gzip",
                "Idempotency-Key": batch_id,
            }
            try:
                try:
                    resp = await client.post("/api/v1/sync/push", content=body, headers=headers)
                except (httpx.ReadError, httpx.RemoteProtocolError):
                    # the server closed an idle kept-alive connection as it was reused: resend, as phones do
                    retries.append(batch_id)
                    resp = await client.post("/api/v1/sync/push", content=body, headers=headers)
                if resp.status_code != 200:
                    errors.append(f"push HTTP {resp.status_code} {resp.text[:160]}")
                elif any(r["status"] != "stored" for r in resp.json()["receipts"]):
                    errors.append(f"push: not stored {resp.json()['receipts'][:1]}")
            except httpx.HTTPError as exc:
                errors.append(f"push {exc!r}")
            push_lat.append(time.perf_counter() - start)

        async def supervisor(boss: dict, seed: int) -> None:
            rng = random.Random(seed)
            await asyncio.sleep(rng.uniform(0, args.read_every))
            while time.perf_counter() - t0 < args.day_seconds:
                _label, start_day, end_day = rng.choice(PERIODS)
                try:
                    async with gate:
                        start = time.perf_counter()
                        resp = await client.get(
                            "/api/v1/tallies",
                            headers={"Authorization": f"Bearer {boss['token']}"},
                            params={"plan_id": PLAN_ID, "start": start_day, "end": end_day},
                        )
                    if resp.status_code != 200:
                        errors.append(f"dashboard HTTP {resp.status_code} {resp.text[:160]}")
                except httpx.HTTPError as exc:
                    errors.append(f"dashboard {exc!r}")
                read_lat.append(time.perf_counter() - start)
                await asyncio.sleep(args.read_every)

        tasks = [supervisor(b, k) for k, b in enumerate(bosses)]
        if syncing:
            tasks += [push(*p) for p in pushes]
        await asyncio.gather(*tasks)
        wall = time.perf_counter() - t0
    return {"wall": wall, "push": push_lat, "read": read_lat, "errors": errors, "retries": len(retries)}


async def resend_firsts(url: str, pushes: list) -> list[str]:
    """Each phone's first push again, same batch id: every receipt must say duplicate."""
    firsts: dict[str, tuple] = {}
    for p in pushes:
        firsts.setdefault(p[1]["username"], p)
    statuses: list[str] = []
    limits = httpx.Limits(max_connections=50)
    gate = asyncio.Semaphore(50)  # as in day(): waiters stay outside httpx's pool
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as client:

        async def one(_m: float, phone: dict, batch_id: str, body: bytes, _n: int) -> None:
            async with gate:
                resp = await client.post(
                    "/api/v1/sync/push",
                    content=body,
                    headers={
                        "Authorization": f"Bearer {phone['token']}",
                        "Content-Type": "application/json",
                        "Content-Encoding": "gzip",
                        "Idempotency-Key": batch_id,
                    },
                )
            if resp.status_code != 200:
                statuses.append(f"HTTP {resp.status_code}")
                return
            statuses.extend(r["status"] for r in resp.json()["receipts"])

        await asyncio.gather(*(one(*p) for p in firsts.values()))
    return statuses


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--phones", type=int, default=2000)
    ap.add_argument("--syncs", type=int, default=3, help="syncs per phone over the day")
    ap.add_argument("--max-records", type=int, default=5, help="records per sync: 1 to this")
    ap.add_argument("--day-seconds", type=float, default=120.0, help="the working day, compressed")
    ap.add_argument("--supervisors", type=int, default=20)
    ap.add_argument("--read-every", type=float, default=2.0, help="seconds between a supervisor's dashboards")
    ap.add_argument("--records", type=int, default=200_000, help="older records bulk-loaded first")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--connections", type=int, default=200, help="HTTP connections of the load generator")
    args = ap.parse_args()
    name = "fieldtally_bench_day"
    url = pg_scratch_database(name)
    check(url is not None, "PostgreSQL is not reachable (FIELDTALLY_BENCH_PG_URL)")
    try:
        units = make_tree(10, 17)
        db = prepare(url, units)
        if args.records:
            bulk_load(db, args.records, units, 2024)
        officers, bosses = people(db, units, args.phones, args.supervisors)
        db.dispose()
        pushes = plan_pushes(officers, args)
        sent = sum(p[4] for p in pushes)
        before = server_totals(url)["records"]
        server = LiveServer(
            Path(f"/tmp/{name}-{time.time_ns()}"), url, demo=False, workers=args.workers, startup_timeout=180
        )
        server.start()
        try:
            quiet = asyncio.run(day(server.url, pushes, bosses, args, syncing=False))
            busy = asyncio.run(day(server.url, pushes, bosses, args, syncing=True))
            resent = asyncio.run(resend_firsts(server.url, pushes))
        finally:
            server.stop()
        totals = server_totals(url)
    finally:
        pg_drop_database(name)
    errors = quiet["errors"] + busy["errors"]
    check(not errors, f"{len(errors)} failed requests, first: {errors[:3]}")
    check(set(resent) == {"duplicate"}, f"a resent push was not all duplicate: {set(resent)}")
    check(totals["records"] == before + sent, f"{totals['records'] - before} rows stored, {sent} sent")
    check(
        totals["surveys"] == totals["records"],
        f"surveys tally {totals['surveys']} != {totals['records']} rows",
    )
    print(
        f"national day: {args.phones:,} phones x {args.syncs} syncs of 1-{args.max_records} surveys over a "
        f"{args.day_seconds:.0f} s day, {args.supervisors} supervisors reading every "
        f"{args.read_every:.0f} s, "
        f"{before:,} older records, PostgreSQL, {args.workers} workers; {machine()}"
    )
    print()
    rows = [
        [
            "supervisors alone (baseline)",
            "0",
            "-",
            "-",
            "-",
            f"{len(quiet['read']):,}",
            f"{pct(quiet['read'], 0.5) * 1e3:.0f}",
            f"{pct(quiet['read'], 0.95) * 1e3:.0f}",
            str(len(quiet["errors"])),
            str(quiet["retries"]),
        ],
        [
            "the day: phones and supervisors",
            f"{sent:,}",
            f"{sent / busy['wall']:,.0f}",
            f"{pct(busy['push'], 0.5) * 1e3:.0f}",
            f"{pct(busy['push'], 0.99) * 1e3:.0f}",
            f"{len(busy['read']):,}",
            f"{pct(busy['read'], 0.5) * 1e3:.0f}",
            f"{pct(busy['read'], 0.95) * 1e3:.0f}",
            str(len(busy["errors"])),
            str(busy["retries"]),
        ],
    ]
    print(
        table(
            [
                "run",
                "records",
                "records/s",
                "push p50 ms",
                "push p99 ms",
                "dashboards",
                "dashboard p50 ms",
                "dashboard p95 ms",
                "errors",
                "resent on a closed keep-alive",
            ],
            rows,
        )
    )
    print()
    print(
        f"Exactly once: {sent:,} records sent, {totals['records'] - before:,} rows added, surveys tally = "
        f"rows; {len(resent):,} resent records all duplicate. "
        "Goals: 0 errors, push p99 <= 1 s, dashboard p95 <= 100 ms."
    )


if __name__ == "__main__":
    main()
