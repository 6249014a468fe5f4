"""The statistics screen's model against a real sync server, with figures counted by hand.

The records and their figures are in ``tests/support/statistics_data.py``: the city's supervisor
opens the district's figures for the year so far, drills into a commune, goes back, chooses last
year, downloads the spreadsheet; an officer asking beyond their unit gets the server's sentence;
then, with the server gone, a period never fetched says it was not downloaded and one fetched
earlier stays on screen with a note.
"""

from __future__ import annotations

import asyncio
import io
import zipfile
from pathlib import Path

from mobile.app.addresses import Address, parse_address
from mobile.app.formatting import fmt_pct
from mobile.app.service import AppService
from mobile.app.viewmodels.progress_model import View
from mobile.app.viewmodels.statistics_model import KEPT_EARLIER, NOT_DOWNLOADED, StatisticsModel
from mobile.errors import PermanentSyncError
from tests.mobile.helpers import FAST_KDF, PIN
from tests.support.live_server import LiveServer
from tests.support.statistics_data import push_known_records


async def _enrolled(folder: Path, url: str, username: str, password: str) -> AppService:
    svc = AppService(folder, kdf_params=FAST_KDF)
    await svc.enroll(url, username, password)
    await svc.create_pin(PIN, PIN)
    report = await svc.sync()
    assert report is not None and report.error is None
    return svc


def _counts(items) -> dict[str, float]:
    return {i.key: i.count for i in items if i.count}


def test_statistics_model__figures_drilldown_periods_export_and_offline(
    tmp_path: Path, live_server: LiveServer
):
    async def flow() -> None:
        day = push_known_records(live_server.url)
        sup = await _enrolled(tmp_path / "sup", live_server.url, "chihuy", "chihuy123")
        changes: list[int] = []
        model = await StatisticsModel.load(sup, lambda: changes.append(1), unit="HN-SS", period=str(day.year))
        assert (
            model.view is not None and model.view.trail == ["HN"] and model.view.period.kind == "year_to_date"
        )
        assert model.address() == f"/statistics/HN-SS?period={day.year}"
        assert model.report is None and model.problem == NOT_DOWNLOADED  # a sync does not bring them

        await model.complete()
        assert model.live and model.problem is None and not model.busy and changes
        f = model.totals
        assert f is not None
        assert (f.sessions, f.person_times, f.person_times_female, f.materials) == (3, 225, 95, 130)
        assert _counts(f.sessions_by_format) == {"meeting": 1, "loudspeaker": 1, "door_to_door": 1}
        assert _counts(f.person_times_by_group) == {"cadre": 5, "citizen": 200, "student": 20}
        assert (f.mediation_cases, f.mediation_settled, f.mediation_ended, f.settlement_rate) == (
            6,
            3,
            5,
            60.0,
        )
        assert _counts(f.mediation_by_type) == {"land": 3, "marriage_family": 1, "debt": 1, "neighbours": 1}
        assert _counts(f.mediation_by_outcome) == {
            "settled": 3,
            "not_settled": 1,
            "ongoing": 1,
            "referred": 1,
        }
        assert f.trainings == 1
        assert {k.key: (k.military, k.local) for k in f.trainees_by_kind}["mediators"] == (0, 8)
        assert (f.surveys, f.surveys_passed, f.surveys_pct) == (4, 2, 50.0)
        assert {g.key: (g.surveys, g.passed) for g in f.surveys_by_group if g.surveys} == {
            "citizen": (2, 1),
            "cadre": (1, 1),
            "student": (1, 0),
        }
        kids = {k.unit: k for k in model.children()}
        assert set(kids) == {"HN-SS-MT", "HN-SS-BS"}
        mt, bs = kids["HN-SS-MT"], kids["HN-SS-BS"]
        assert (mt.sessions, mt.person_times, mt.materials, mt.mediation_cases, mt.settlement_rate) == (
            2,
            145,
            50,
            5,
            75.0,
        )
        assert (bs.sessions, bs.person_times, bs.mediation_cases, bs.settlement_rate, bs.surveys_pct) == (
            1,
            80,
            1,
            0.0,
            0.0,
        )

        # Into a commune: its own figures; the one rounding rule on a share that does not come out even.
        await model.open_child("HN-SS-MT")
        assert model.trail_units() == ["HN", "HN-SS", "HN-SS-MT"] and model.live
        f = model.totals
        assert f is not None and (f.sessions, f.materials, f.settlement_rate) == (2, 50, 75.0)
        assert (f.surveys, f.surveys_passed) == (3, 2)
        assert fmt_pct(f.surveys_pct or 0, "vi") == "66,7%" and fmt_pct(f.surveys_pct or 0, "en") == "66.7%"
        team = model.children()  # the commune's mediation team: listed, with nothing of its own
        assert [(k.unit, k.sessions, k.mediation_cases, k.settlement_rate) for k in team] == [
            ("HN-SS-MT-HG1", 0, 0, None)
        ]
        await model.open_child("HN-BD")  # not a unit below this one: ignored
        assert model.view.unit == "HN-SS-MT"

        # Back: the district again, as fetched earlier (not asked twice); then the screen is left.
        assert model.back() is True and model.view.unit == "HN-SS" and not model.live
        assert model.totals is not None and model.totals.sessions == 3 and model.problem is None
        assert model.back() is False

        # Last year: only the session dated a year earlier.
        last_year = next(c for c in model.periods() if c.kind == "last_year")
        await model.choose_period(last_year.key)
        f = model.totals
        assert f is not None and (f.sessions, f.person_times, f.materials, f.mediation_cases) == (
            1,
            999,
            7,
            0,
        )
        assert f.settlement_rate is None  # no case ended: no rate, not 0%

        # The spreadsheet the server makes for the unit and period on screen.
        exported = await model.export()
        assert exported is not None
        name, data = exported
        assert name == f"so-lieu_HN-SS_{last_year.start:%Y%m%d}-{last_year.end:%Y%m%d}.xlsx"
        with zipfile.ZipFile(io.BytesIO(data)) as book:
            strings = "".join(book.read(n).decode("utf-8") for n in book.namelist() if n.startswith("xl/"))
        assert "Tỷ lệ hòa giải thành (%)" in strings and "Xã Minh Trí" in strings

        # An officer's phone whose tree is stale asks for the district: the server's sentence.
        officer = await _enrolled(tmp_path / "officer", live_server.url, "canbo", "canbo123")
        source = await officer.progress_source()
        this_year = next(c for c in model.periods() if c.kind == "year_to_date")
        refused = StatisticsModel(officer, source, View(source.plans[0].id, "HN-SS", this_year))
        await refused.fetch()
        assert refused.report is None and refused.problem is not None
        assert isinstance(refused.problem.error, PermanentSyncError)
        assert refused.problem.error.message is not None and refused.problem.error.message.vi

        # An address outside the supervisor's city is refused before anything is asked.
        elsewhere = await StatisticsModel.load(sup, unit="BP-BM")
        assert elsewhere.refused_address and elsewhere.view is not None and elsewhere.view.unit == "HN"

        # Offline: what was fetched stays readable; what was not says so, not "an error".
        live_server.stop()
        year = next(c for c in model.periods() if c.kind == "year_to_date")
        await model.choose_period(year.key)  # fetched earlier in this session: shown again
        assert model.totals is not None and model.totals.sessions == 3 and model.problem is None
        await model.fetch()
        assert model.problem == KEPT_EARLIER and not model.live and model.totals is not None
        quarter = next(c for c in model.periods() if c.kind == "quarter")
        await model.choose_period(quarter.key)
        assert model.report is None and model.problem == NOT_DOWNLOADED and not model.busy
        await model.open_child("HN-SS-BS")  # nothing listed below: nothing to open
        assert model.view.unit == "HN-SS"
        for svc in (sup, officer):
            svc.lock()

    asyncio.run(flow())


def test_statistics_address_names_a_unit_and_period() -> None:
    assert parse_address("/statistics/HN-SS?period=2025") == Address("statistics", "HN-SS", "2025")
    assert parse_address("/app/statistics?period=phase") == Address("statistics", None, "phase")
    assert parse_address("/statistics/HN-SS/x") is None
    assert parse_address("/statistics/HN-SS?period=2025&x=1") is None
    assert parse_address("/statistics/<b>") is None
