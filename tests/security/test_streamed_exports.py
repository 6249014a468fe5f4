"""Issue 14: tally and statistics exports stream: the longest span allowed does not fill the server's memory.

The attack: an export of twelve years of months built its whole table, then
its whole file, in memory. Now the rows are computed one period at a time and
written as they come (CSV in pieces, XLSX through a write-only workbook in a
temporary file). Measured with tracemalloc around the service call, the
file read to its end and thrown away piece by piece: the peak must not grow
with the span. And the files say what they said before, byte for byte (CSV)
or cell for cell (XLSX).
"""

from __future__ import annotations

import hashlib
import io
import tracemalloc
from collections.abc import Callable, Iterable
from datetime import date, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from openpyxl import load_workbook

from sync_server.services.accounts import Caller
from sync_server.services.catalog import get_plan
from sync_server.services.export_files import tally_file
from sync_server.services.exports import TALLY_HEADERS, tally_rows, to_csv, to_xlsx
from sync_server.services.report_files import statistics_for
from sync_server.services.statistics import STATISTICS_HEADERS, statistics_rows
from sync_server.services.tallies.spans import MAX_SPAN_DAYS
from sync_server.services.units import unit_in_scope
from tests.server.helpers import PLAN, batch, record, session_answers, survey_answers

from .conftest import enroll

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
TODAY = date(2026, 11, 27)
LONGEST = (date(2015, 1, 1), date(2015, 1, 1) + timedelta(days=MAX_SPAN_DAYS - 1))
ONE_YEAR = (date(2026, 1, 1), date(2026, 12, 31))
THREE_YEARS = (date(2024, 1, 1), date(2026, 12, 31))
# What the longest span (12 years of months) may add to the peak over three years'. Measured here
# (15 units), whole-table before -> streamed now: CSV 2.8 -> 6.7 MiB before, 2.2 -> 2.4 MiB now;
# XLSX 1.3 -> 3.4 MiB before, 0.6 -> 0.85 MiB now. Streamed, what grows is at most one piece
# (1,000 rows of CSV, 256 KiB of the workbook).
MAX_GROWTH = {"csv": 1024 * 1024, "xlsx": 1024 * 1024}


def _admin() -> Caller:
    return Caller(
        user_id=1,
        username="a_hn",
        full_name="",
        role="admin",  # type: ignore[arg-type]
        unit_code="HN",
        unit_name="",
        unit_path="HN",
        device_pk=0,
    )


def _drained(out: bytes | Iterable[bytes]) -> tuple[int, str]:
    """The file's size and digest, read a piece at a time and not kept."""
    digest, size = hashlib.sha256(), 0
    for piece in [out] if isinstance(out, bytes) else out:
        digest.update(piece)
        size += len(piece)
    return size, digest.hexdigest()


def _peak(call: Callable[[], object]) -> tuple[int, object]:
    tracemalloc.start()
    try:
        result = call()
        return tracemalloc.get_traced_memory()[1], result
    finally:
        tracemalloc.stop()


def _tally(client: TestClient, fmt: str, span: tuple[date, date], granularity: str):
    out, _name = tally_file(
        client.app.state.db,  # type: ignore[attr-defined]
        _admin(),
        fmt=fmt,  # type: ignore[arg-type]
        plan_id=PLAN,
        unit=None,
        start=span[0],
        end=span[1],
        period=None,
        granularity=granularity,  # type: ignore[arg-type]
        today=TODAY,
        zone=ZONE,
    )
    return _drained(out)


def _fill(client: TestClient) -> None:
    o_mt = enroll(client, "o_mt")
    records = [
        record("awareness_survey", survey_answers(f"2026-0{m}-10", correct=m), author="o_mt")
        for m in (1, 4, 5)
    ]
    records.append(record("outreach_session", session_answers("2026-03-02", soldiers=7), author="o_mt"))
    resp = client.post(
        "/api/v1/sync/push", json=batch(*records), headers={"Authorization": f"Bearer {o_mt['device_token']}"}
    )
    assert [r["status"] for r in resp.json()["receipts"]] == ["stored"] * 4


def test_exports__the_longest_tally_span_keeps_memory_bounded(client: TestClient):
    _fill(client)
    _tally(client, "xlsx", ONE_YEAR, "quarter")  # imports and caches: not what is measured
    for fmt, granularity in (("xlsx", "month"), ("csv", "month")):
        small, (small_size, _) = _peak(partial(_tally, client, fmt, THREE_YEARS, granularity))
        large, (large_size, _) = _peak(partial(_tally, client, fmt, LONGEST, granularity))
        assert large_size > 3 * small_size  # the longest span's file is far bigger ...
        assert large - small < MAX_GROWTH[fmt], (fmt, small, large)  # ... and the memory is not


def _table(client: TestClient, span: tuple[date, date], granularity: str):
    db = client.app.state.db  # type: ignore[attr-defined]
    with db.session() as s:
        plan = get_plan(s, plan_id=PLAN)
        root = unit_in_scope(s, code="HN", scope_path="HN", scope_code="HN")
        return list(tally_rows(s, plan=plan, root=root, start=span[0], end=span[1], granularity=granularity))


def _cells(xlsx: bytes) -> list[list[object]]:
    ws = load_workbook(io.BytesIO(xlsx), read_only=True).worksheets[0]
    return [list(row) for row in ws.iter_rows(values_only=True)]


def test_exports__tally_and_statistics_files_are_unchanged_and_streamed(client: TestClient):
    _fill(client)
    a_hn = enroll(client, "a_hn")
    auth = {"Authorization": f"Bearer {a_hn['device_token']}"}
    params = {"plan_id": PLAN, "start": "2026-01-01", "end": "2026-06-30", "granularity": "quarter"}
    rows = _table(client, (date(2026, 1, 1), date(2026, 6, 30)), "quarter")
    assert len(rows) > 50 and any(r[8] for r in rows)  # the table has figures in it
    with client.stream("GET", "/api/v1/exports/tallies.csv", params=params, headers=auth) as resp:
        assert resp.status_code == 200 and "content-length" not in resp.headers  # streamed
        assert (
            resp.headers["content-disposition"]
            == 'attachment; filename="chi-tieu_' + PLAN + '_HN_20260101-20260630.csv"'
        )
        body = resp.read()
    assert body == to_csv(TALLY_HEADERS, rows, zone=ZONE)  # what the whole-table file held, byte for byte
    xlsx = client.get("/api/v1/exports/tallies.xlsx", params=params, headers=auth)
    assert xlsx.status_code == 200 and "content-length" not in xlsx.headers
    assert _cells(xlsx.content) == _cells(to_xlsx(TALLY_HEADERS, rows, zone=ZONE, sheet="Chỉ tiêu"))

    stats = {"plan_id": PLAN, "start": "2026-01-01", "end": "2026-12-31"}
    db = client.app.state.db  # type: ignore[attr-defined]
    report = statistics_for(
        db,
        _admin(),
        plan_id=PLAN,
        unit=None,
        start=date(2026, 1, 1),
        end=date(2026, 12, 31),
        period=None,
        today=TODAY,
    )
    table = statistics_rows(report)
    csv_resp = client.get("/api/v1/exports/statistics.csv", params=stats, headers=auth)
    assert csv_resp.status_code == 200 and "content-length" not in csv_resp.headers
    assert csv_resp.content == to_csv(STATISTICS_HEADERS, table, zone=ZONE)
    xlsx_resp = client.get("/api/v1/exports/statistics.xlsx", params=stats, headers=auth)
    assert _cells(xlsx_resp.content) == _cells(to_xlsx(STATISTICS_HEADERS, table, zone=ZONE, sheet="Số liệu"))
    # the span cap still answers before anything is streamed
    too_long = {"plan_id": PLAN, "start": "2014-01-01", "end": "2026-12-31"}
    for path in ("/api/v1/exports/tallies.xlsx", "/api/v1/exports/statistics.csv"):
        resp = client.get(path, params=too_long, headers=auth)
        assert resp.status_code == 422 and resp.json()["code"] == "span_too_long", path
