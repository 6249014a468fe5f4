"""The desk layout's rules without a browser: phone or desk, addresses, the units table, one rounding."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from mobile.app.addresses import Address, address_of, choice_for, parse_address, period_token
from mobile.app.formatting import fmt_number, fmt_pct, round1, shown_gap
from mobile.app.layout import DESK_MIN_WIDTH, Layout, layout_for
from mobile.app.service import AppService
from mobile.app.viewmodels import unit_table
from mobile.app.viewmodels.progress_model import OUT_OF_SCOPE, UNCACHED, ProgressModel, View, scope_trail
from mobile.errors import RetryableSyncError
from mobile.reports import ProgressSource, period_choices
from schemas.common import text
from schemas.plan_report import IndicatorProgress, ProgressStatus, TallyReport, UnitTally
from schemas.sync import Role
from schemas.units import Unit
from tests.mobile.helpers import pull_response

PLAN = pull_response().plans[0]


def test_layout__one_width_decides_phone_or_desk():
    assert layout_for(360) == Layout.PHONE
    assert layout_for(800) == Layout.PHONE  # a tablet held upright keeps the big buttons
    assert layout_for(DESK_MIN_WIDTH) == layout_for(1280) == layout_for(2560) == Layout.DESK
    assert layout_for(None) == Layout.PHONE  # before the page has said how wide it is


def test_addresses__name_screens_and_read_back():
    assert parse_address("/progress/HN-SS?period=2025") == Address("progress", "HN-SS", "2025")
    assert parse_address("/app/progress/HN-SS?period=2025-Q1") == Address("progress", "HN-SS", "2025-Q1")
    assert parse_address("/progress") == Address("progress")
    assert parse_address("/") == parse_address("/app/") == Address("home")
    assert parse_address("/devices") == Address("devices")
    for a in (Address("progress", "HN-SS", "2025-03"), Address("progress", "HN"), Address("records")):
        assert parse_address(address_of(a.screen, a.unit, a.period)) == a


@pytest.mark.parametrize(
    "route",
    [
        "/progress/HN-SS/../../etc?period=2025",  # more than one unit segment
        "/progress/HN%20SS",  # not a unit code
        "/progress/<script>",
        "/progress/HN-SS?period=2025;drop",
        "/progress/HN-SS?period=2025&period=2024",
        "/progress/HN-SS?period=2025&unit=HN",  # a parameter nobody reads
        "/progress/" + "A" * 65,
        "/admin",
        "/devices/1",
        "/records?state=x",
        "/progress/HN?period=" + "9" * 400,
        "",
        None,
    ],
)
def test_addresses__anything_else_is_no_address(route):
    assert parse_address(route) is None


def test_addresses__period_tokens_name_the_periods_on_offer():
    choices = period_choices(PLAN, date(2026, 3, 20))
    tokens = [period_token(c) for c in choices]
    assert len(set(tokens)) == len(tokens)  # every choice has its own word
    assert "2026" in tokens and "2025" in tokens and "2026-Q1" in tokens and "2026-03" in tokens
    assert choice_for("2025", choices).kind == "last_year"
    assert choice_for("2026", choices).kind == "year_to_date"
    assert choice_for("1999", choices) is None and choice_for(None, choices) is None


def _source(home: str = "HN-SS") -> ProgressSource:
    pull = pull_response()
    units = [
        Unit(code="HN", name="Hà Nội", type="city"),
        Unit(code="HN-SS", name="Sóc Sơn", type="district", parent="HN"),
        Unit(code="HN-SS-MT", name="Minh Trí", type="commune", parent="HN-SS"),
        Unit(code="HN-SS-MT-T1", name="Thôn 1", type="village", parent="HN-SS-MT"),
    ]
    user = pull.user.model_copy(update={"unit": home, "role": Role.SUPERVISOR})
    # The server sends exactly the caller's subtree.
    keep = {u.code for u in units if u.code == home} | {
        u.code for u in units if u.code.startswith(home + "-")
    }
    mine = [u for u in units if u.code in keep]
    return ProgressSource(pull.model_copy(update={"user": user, "units": mine}), None)


def test_scope_trail__only_units_in_the_callers_subtree():
    source = _source("HN-SS")
    assert scope_trail(source, "HN-SS") == []
    assert scope_trail(source, "HN-SS-MT-T1") == ["HN-SS", "HN-SS-MT"]
    assert scope_trail(source, "HN") is None  # above the caller
    assert scope_trail(source, "HN-XX") is None  # not in the subtree at all


class _Service:
    """What the progress model asks of the app's service, over a source (no network)."""

    def __init__(self, source: ProgressSource) -> None:
        self.source = source

    async def progress_source(self) -> ProgressSource:
        return self.source


def test_progress_model__an_address_opens_its_unit_and_period_only_in_scope():
    source = _source("HN-SS")
    model = asyncio.run(ProgressModel.load(_Service(source), unit="HN-SS-MT", period="2025"))
    assert model.view.unit == "HN-SS-MT" and model.view.trail == ["HN-SS"]
    assert model.view.period.kind == "last_year" and model.problem is not OUT_OF_SCOPE
    assert model.address() == "/progress/HN-SS-MT?period=2025"

    outside = asyncio.run(ProgressModel.load(_Service(source), unit="HN", period="2025"))
    assert outside.view.unit == "HN-SS" and outside.view.trail == [] and outside.problem == OUT_OF_SCOPE
    unknown_period = asyncio.run(ProgressModel.load(_Service(source), unit="HN-SS-MT", period="1999"))
    assert unknown_period.problem == OUT_OF_SCOPE


class _Offline(AppService):
    async def progress_report(self, *args):
        raise RetryableSyncError(text("Không kết nối được máy chủ.", "The server cannot be reached."))


def test_progress_model__a_period_not_downloaded_says_so_when_offline(tmp_path: Path):
    source = _source("HN-SS")
    period = period_choices(PLAN, date(2026, 3, 20))[-1]
    model = ProgressModel(_Offline(tmp_path / "app"), source, View(PLAN.id, "HN-SS", period))
    asyncio.run(model.choose_period(period.key))
    assert model.report is None and model.problem == UNCACHED and not model.live


def test_service__online_is_what_the_server_last_did(tmp_path: Path):
    service = AppService(tmp_path / "app")
    service.online = True

    def silent(*args):
        raise RetryableSyncError(text("Không kết nối được máy chủ.", "The server cannot be reached."))

    with pytest.raises(RetryableSyncError):
        asyncio.run(service._ask(silent))
    assert service.online is False  # "online" is not shown once the server stopped answering
    asyncio.run(service._ask(lambda: 1))
    assert service.online is True


def _ind(i: str, pct: float | None, status=ProgressStatus.BEHIND) -> IndicatorProgress:
    return IndicatorProgress(
        indicator_id=i,
        number=1,
        numerator=0,
        denominator=0,
        pct=pct,
        target_pct=80,
        milestone_pct=None,
        milestone_due=None,
        status=status,
    )


def test_unit_table__furthest_behind_first_and_sortable_by_any_column():
    ids = unit_table.indicator_ids(PLAN)
    first = ids[0]

    def child(code, shortfall, pct):
        return UnitTally(
            unit=code, unit_name=f"Xã {code}", indicators=[_ind(first, pct)], shortfall=shortfall
        )

    report = TallyReport(
        plan_id=PLAN.id,
        unit="HN-SS",
        unit_name="Sóc Sơn",
        start=date(2026, 1, 1),
        end=date(2026, 3, 20),
        as_of=datetime(2026, 3, 20, tzinfo=UTC),
        totals=[],
        children=[
            child("B", 0.2, 50.0),
            child("A", 0.6, 10.0),
            child("C", None, None),
            child("D", 0.4, 70.0),
        ],
    )
    sort = unit_table.Sort()
    assert [r.unit for r in unit_table.rows(report, PLAN, sort)] == ["A", "D", "B", "C"]  # furthest behind
    sort.tap(unit_table.BEHIND_COLUMN)
    assert [r.unit for r in unit_table.rows(report, PLAN, sort)] == ["B", "D", "A", "C"]  # no data stays last
    sort.tap(2)  # the first indicator: lowest share first
    assert [r.unit for r in unit_table.rows(report, PLAN, sort)] == ["A", "B", "D", "C"]
    sort.tap(2)
    assert [r.unit for r in unit_table.rows(report, PLAN, sort)] == ["D", "B", "A", "C"]
    sort.tap(unit_table.UNIT_COLUMN)
    assert [r.name for r in unit_table.rows(report, PLAN, sort)] == ["Xã A", "Xã B", "Xã C", "Xã D"]
    row = unit_table.rows(report, PLAN, sort)[0]
    assert len(row.cells) == len(ids) and row.cells[0].pct == 10.0
    assert all(c.pct is None for c in row.cells[1:])  # an indicator the unit has no figure for


def test_rounding__one_rule_so_figures_agree():
    assert fmt_pct(12.95) == "13%"  # not "12,9%", binary floating point's idea of 12.95
    assert fmt_number(shown_gap(12.95, 87.05)) == "87"  # 100 - 13: the gap agrees with what is shown
    assert round1(12.95) + shown_gap(12.95, 87.05) == round1(100)
    assert fmt_number(0.25) == "0,3" and fmt_number(2.675, "en") == "2.7"
    assert fmt_number(66.67, "vi") == "66,7" and fmt_number(1234567) == "1.234.567"
    assert shown_gap(90.0, 0.0) == 0
