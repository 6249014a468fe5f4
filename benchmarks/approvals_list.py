"""Listing approvals: one query per approval (before) vs one grouped query per page, SQLite and PostgreSQL.

    .venv/bin/python benchmarks/approvals_list.py                   # 500 approvals, 5,000 surveys
    .venv/bin/python benchmarks/approvals_list.py --approvals 2000 --records 20000

A scratch database of each kind gets the demo units and ``--records``
surveys pushed through the server's ``push_records``, then ``--approvals``
approvals of the units under Hà Nội, given between the first push and the
last so that some records changed after each. The whole list (every page of
100, as a supervisor's screen pages through it) is read twice per database:
the old way (``tests/support/approvals_reference.py``: each approval's
changed records its own query) and the service's (``list_approvals``). Both
must give the same approvals with the same flags, or the run fails.
Reported: seconds and SQL statements for the whole list, each way.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import check, machine, pg_drop_database, pg_scratch_database, survey_record, table  # noqa: E402
from sqlalchemy import event, insert, select  # noqa: E402

from schemas.common import utcnow  # noqa: E402
from schemas.sync import Role  # noqa: E402
from sync_server.bootstrap import prepare_database  # noqa: E402
from sync_server.config import Settings  # noqa: E402
from sync_server.db import Database  # noqa: E402
from sync_server.models import ApprovalRow, UnitRow  # noqa: E402
from sync_server.services.accounts import Caller  # noqa: E402
from sync_server.services.approvals import MAX_LIST, list_approvals  # noqa: E402
from sync_server.services.ingest import push_records  # noqa: E402
from tests.support.approvals_reference import list_one_query_each  # noqa: E402

PLAN_ID = "hanoi_pbgdpl_2021_2027"
PUSH = 250  # records per push


def _admin() -> Caller:
    return Caller(
        user_id=1,
        username="admin",
        full_name="",
        role=Role.ADMIN,
        unit_code="HN",
        unit_name="",
        unit_path="HN",
        device_pk=1,
    )


def _fill(db: Database, args) -> None:
    with db.session() as s:
        units = {u.code: u.path for u in s.scalars(select(UnitRow).where(UnitRow.path.startswith("HN/")))}
    communes = [c for c, p in units.items() if p.count("/") == 2]
    officer = _admin()
    first = utcnow()
    for k in range(0, args.records, PUSH):
        records = [
            survey_record(i, author="admin", unit=communes[i % len(communes)], device="bench")
            for i in range(k, min(k + PUSH, args.records))
        ]
        with db.session(write=True) as s:
            receipts = push_records(s, caller=officer, records=records, today=date.today(), now=utcnow())
        check(all(r.status.value == "stored" for r in receipts), "a pushed survey was not stored")
    last = utcnow()
    rnd = random.Random(7)
    codes = sorted(units)
    rows = [
        {
            "plan_id": PLAN_ID,
            "unit_code": codes[i % len(codes)],
            "start": date(2026, 1, 1) + timedelta(days=i % 90),
            "end": date(2026, 3, 1) + timedelta(days=i % 300),
            "approved_by": "admin",
            "approved_at": first + (last - first) * rnd.random(),
            "approver_path": "HN",
        }
        for i in range(args.approvals)
    ]
    with db.session(write=True) as s:
        s.execute(insert(ApprovalRow), rows)


def _whole_list(db: Database, caller: Caller, total: int, old: bool) -> tuple[float, int, list]:
    statements = [0]

    def count(*_args) -> None:
        statements[0] += 1

    event.listen(db.engine, "before_cursor_execute", count)
    out: list = []
    t0 = time.perf_counter()
    try:
        with db.session() as s:
            for offset in range(0, total, MAX_LIST):
                if old:
                    out += list_one_query_each(s, root_path="HN", limit=MAX_LIST, offset=offset)
                else:
                    out += list_approvals(s, caller=caller, limit=MAX_LIST, offset=offset)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return time.perf_counter() - t0, statements[0], out


def run(kind: str, args) -> list[str]:
    name = f"fieldtally_bench_approvals_{os.getpid()}"
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.sqlite3" if kind == "SQLite" else pg_scratch_database(name)
        check(url is not None, "PostgreSQL is not reachable (FIELDTALLY_BENCH_PG_URL)")
        settings = Settings(database_url=url, recovery_key_file=f"{folder}/recovery-key.json")
        db = Database.from_settings(settings)
        try:
            prepare_database(db, settings, demo=True)
            _fill(db, args)
            caller = _admin()
            _whole_list(db, caller, MAX_LIST, old=False)  # warm the caches of both ways alike
            before_s, before_q, before = _whole_list(db, caller, args.approvals, old=True)
            after_s, after_q, after = _whole_list(db, caller, args.approvals, old=False)
            check(len(after) == args.approvals, f"{kind}: {len(after)} approvals listed of {args.approvals}")
            check(after == before, f"{kind}: the batched list differs from one query per approval")
            flagged = sum(1 for a in after if a.changed_records)
            return [
                kind,
                f"{args.approvals:,} ({flagged:,} flagged)",
                f"{before_s:.2f}",
                f"{before_q:,}",
                f"{after_s:.2f}",
                f"{after_q:,}",
            ]
        finally:
            db.dispose()
            if kind != "SQLite":
                pg_drop_database(name)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--approvals", type=int, default=500)
    ap.add_argument("--records", type=int, default=5000)
    args = ap.parse_args()
    rows = [run("SQLite", args), run("PostgreSQL", args)]
    print(
        f"approvals list: {args.approvals} approvals over {args.records:,} surveys, every page of {MAX_LIST} "
        f"read in process; {machine()}"
    )
    print()
    print(
        table(
            ["database", "approvals", "before: s", "before: statements", "after: s", "after: statements"],
            rows,
        )
    )


if __name__ == "__main__":
    main()
