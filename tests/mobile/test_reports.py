"""Progress views' data on the phone: periods, the cached pull offline, live drill-down, approval, export.

Against a real sync server (uvicorn on loopback, SQLite) seeded with the demo
tree and its two years of demo records.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from uuid import uuid4

import openpyxl
import pytest

from mobile.errors import RetryableSyncError
from mobile.reports import NotCached, ProgressSource, period_choices, worst_status
from mobile.sync.client import ServerClient
from schemas.catalog import shipped_plans
from schemas.plan_report import IndicatorProgress, ProgressStatus
from tests.support.live_server import LiveServer, start_live_server

PLAN = shipped_plans()[0]


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory) -> Iterator[LiveServer]:
    server = start_live_server(tmp_path_factory.mktemp("reports-server"), demo_records=True)
    try:
        yield server
    finally:
        server.stop()


def _client(server: LiveServer, user: str, password: str) -> ServerClient:
    token = ServerClient(server.url).enroll(user, password, uuid4().hex, "test").device_token
    return ServerClient(server.url, token)


def _source(server: LiveServer, user: str = "chihuy", password: str = "chihuy123") -> ProgressSource:
    client = _client(server, user, password)
    return ProgressSource(client.pull(), lambda: client)


def test_period_choices__year_so_far_and_phase_first_then_closed_periods():
    choices = period_choices(PLAN, date(2026, 11, 22))
    spans = [(c.kind, c.start, c.end) for c in choices]
    assert spans[0] == ("year_to_date", date(2026, 1, 1), date(2026, 11, 22))
    assert spans[1] == ("phase", date(2025, 1, 1), date(2027, 12, 31))
    assert ("quarter", date(2026, 10, 1), date(2026, 12, 31)) in spans
    assert ("month", date(2026, 11, 1), date(2026, 11, 30)) in spans
    assert ("last_year", date(2025, 1, 1), date(2025, 12, 31)) in spans
    assert ("plan", PLAN.start, PLAN.end) in spans
    assert choices[2].label.vi == "Quý 4/2026"
    assert len({c.key for c in choices}) == len(choices)


def test_period_choices__clipped_to_the_plan():
    choices = period_choices(PLAN, PLAN.start + timedelta(days=10))
    assert all(PLAN.start <= c.start <= c.end <= PLAN.end for c in choices)
    assert not any(c.kind == "last_year" for c in choices)  # the year before the plan is not in it


def _ind(status: ProgressStatus) -> IndicatorProgress:
    return IndicatorProgress(
        indicator_id="x",
        number=1,
        numerator=0,
        denominator=0,
        pct=None,
        target_pct=90,
        milestone_pct=None,
        milestone_due=None,
        status=status,
    )


def test_worst_status__behind_outranks_everything():
    assert worst_status([_ind(ProgressStatus.REACHED), _ind(ProgressStatus.BEHIND)]) is ProgressStatus.BEHIND
    assert (
        worst_status([_ind(ProgressStatus.REACHED), _ind(ProgressStatus.ON_TRACK)]) is ProgressStatus.ON_TRACK
    )
    assert worst_status([]) is ProgressStatus.NO_DATA


def test_cached_pull__supervisor_drills_down_offline(demo_server):
    source = _source(demo_server)
    pull = source.pull
    assert source.is_supervisor and source.home_unit == "HN"
    start, end = pull.tallies[0].start, pull.tallies[0].end
    top = source.cached(PLAN.id, "HN", start, end)
    assert top is not None and top.totals
    assert [c.unit for c in top.children] and {c.unit for c in top.children} == {"HN-BD", "HN-SS"}
    # Children arrive furthest behind first.
    shortfalls = [c.shortfall for c in top.children if c.shortfall is not None]
    assert shortfalls == sorted(shortfalls, reverse=True)
    # A district's own report (its communes ranked) is in the cache: drill-down works with no network.
    offline = ProgressSource(pull, None)
    district = offline.cached(PLAN.id, "HN-SS", start, end)
    assert district is not None and {c.unit for c in district.children} == {"HN-SS-MT", "HN-SS-BS"}
    # The demo's records really count: surveys reached indicator 1's numerator.
    i1 = next(i for i in top.totals if i.indicator_id == "i1_understanding")
    assert i1.denominator > 0 and 0 < i1.numerator <= i1.denominator
    # A period the sync did not bring: nothing cached, and asking the server offline says so clearly.
    assert offline.cached(PLAN.id, "HN", date(2025, 1, 1), date(2025, 3, 31)) is None
    with pytest.raises(NotCached) as err:
        offline.fetch(PLAN.id, "HN", date(2025, 1, 1), date(2025, 3, 31))
    assert "mạng" in err.value.message.vi


def test_cached__a_year_so_far_report_serves_later_days(demo_server):
    source = ProgressSource(_source(demo_server).pull, None)
    cached = source.pull.tallies[0]
    later = cached.end + timedelta(days=3)
    assert source.cached(PLAN.id, cached.unit, cached.start, later) is None
    assert source.cached(PLAN.id, cached.unit, cached.start, later, so_far=True) == cached


def test_live__other_periods_series_approval_and_export(demo_server):
    source = _source(demo_server)
    q = date(2025, 7, 1), date(2025, 9, 30)
    report = source.fetch(PLAN.id, "HN-SS", *q)
    assert (report.unit, report.start, report.end) == ("HN-SS", *q)
    assert source.cached(PLAN.id, "HN-SS", *q) == report  # kept for the session
    series = source.fetch_series(PLAN.id, "HN-SS", date(2025, 1, 1), date(2025, 12, 31))
    assert len(series.points) == 12 and series.points[0].start == date(2025, 1, 1)

    approval = source.approve(PLAN.id, "HN-SS", *q)
    assert approval.approved_by == "chihuy" and approval.changed_records == 0
    assert source.fetch(PLAN.id, "HN-SS", *q).approval is not None

    data = source.export(PLAN.id, "HN-SS", *q, "xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    assert header[:2] == ["Mã đơn vị", "Tên đơn vị"]
    units = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert {"HN-SS", "HN-SS-MT", "HN-SS-BS"} <= units and "HN-BD" not in units


def test_live__an_officer_cannot_see_other_units(demo_server):
    source = _source(demo_server, "canbo", "canbo123")
    assert not source.is_supervisor
    start, end = source.pull.tallies[0].start, source.pull.tallies[0].end
    with pytest.raises(Exception) as err:
        source.fetch(PLAN.id, "HN", start, end)
    assert getattr(err.value, "status", None) == 403
    assert source.cached(PLAN.id, "HN-SS-MT", start, end) is not None


def test_live__server_gone_is_a_retryable_error_not_a_crash(tmp_path: Path):
    server = start_live_server(tmp_path / "srv")
    source = _source(server)
    server.stop()
    with pytest.raises(RetryableSyncError):
        source.fetch(PLAN.id, "HN", date(2025, 1, 1), date(2025, 12, 31))


def test_live__the_office_report_comes_from_the_supervisors_phone(demo_server):
    source = _source(demo_server)
    data = source.office_report(PLAN.id, "HN-SS", date(2025, 1, 1), date(2025, 6, 30))
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    texts = {c for row in sheet.iter_rows(values_only=True) for c in row if isinstance(c, str)}
    assert {"BÁO CÁO", "Kỳ báo cáo: 6 tháng đầu năm 2025", "I. KẾT QUẢ THỰC HIỆN CÁC CHỈ TIÊU"} <= texts
    # the indicator table holds numbers: the first indicator's target is 90, its denominator a count
    row = next(r for r in sheet.iter_rows(values_only=True) if r[0] == 1 and isinstance(r[1], str))
    assert row[2] == 90 and isinstance(row[6], int)
