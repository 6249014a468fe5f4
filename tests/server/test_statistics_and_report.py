"""The programme's other numbers and the office report, against numbers counted by hand.

First half of 2024 in Sóc Sơn (HN-SS): Minh Trí (MT, its mediation team HG1) and Bắc Sơn (BS).

Sessions (format: cadres / citizens / minorities / students / soldiers, women, materials):
    MT 10/02 meeting      5 / 40 / 0 / 0 / 30 (30 for the first time), women 20, materials 50
    MT 05/03 loudspeaker  0 / 100 / 0 / 0 / 0, women 45
    MT 20/05 meeting      0 / 40 / 12 / 0 / 0, women 10, materials 30
    BS 01/04 door to door 0 / 60 / 0 / 20 / 0, women 30, materials 80
    MT 01/08 (second half: not counted)
  -> 4 sessions (meeting 2, loudspeaker 1, door to door 1); cadres 5, citizens 240, minorities 12,
     students 20, soldiers 30 = 307 person-times, 105 women; materials 160.
Mediation: land settled (HG1), land not settled, marriage settled, debt ongoing, neighbours referred (HG1)
  -> 5 cases; settled 2 of the 4 whose mediation ended = 50%.
Trainings: local 8 mediators + 2 collaborators; military 1 reporter + 2 propagandists -> 2 courses.
Surveys: MT citizen pass, citizen fail, cadre pass; BS student fail -> 2 of 4 pass (50%);
  citizens 1 of 2, cadres 1 of 1, students 0 of 1.
"""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

import pytest
from openpyxl import load_workbook

from schemas.statistics import StatisticsReport

from .helpers import PLAN, Api, record, session_answers, survey_answers

V2 = {"form_version": 2}


def _session(day: str, fmt: str, **counts: Any) -> dict[str, Any]:
    answers = {**session_answers(day), "format": fmt, "attendees_citizens": 0, **counts}
    return {k: v for k, v in answers.items() if v != 0 or k == "attendees_citizens"}


def _case(day: str, dispute: str, outcome: str) -> dict[str, Any]:
    return {"case_date": day, "dispute_type": dispute, "parties": 2, "outcome": outcome}


def _survey(day: str, group: str, correct: int) -> dict[str, Any]:
    return {**survey_answers(day, correct=correct), "respondent_group": group}


@pytest.fixture
def half_year(api: Api) -> Api:
    mt = [
        record(
            "outreach_session",
            _session(
                "2024-02-10",
                "meeting",
                attendees_cadres=5,
                attendees_citizens=40,
                attendees_soldiers=30,
                soldiers_first_time=30,
                attendees_female=20,
                materials=50,
            ),
            **V2,
        ),
        record(
            "outreach_session",
            _session("2024-03-05", "loudspeaker", attendees_citizens=100, attendees_female=45),
            **V2,
        ),
        record(
            "outreach_session",
            _session(
                "2024-05-20",
                "meeting",
                attendees_citizens=40,
                attendees_minorities=12,
                attendees_female=10,
                materials=30,
            ),
            **V2,
        ),
        record("outreach_session", _session("2024-08-01", "meeting", attendees_citizens=999), **V2),
        record("mediation_case", _case("2024-01-15", "land", "settled"), unit="HN-SS-MT-HG1", **V2),
        record("mediation_case", _case("2024-02-15", "land", "not_settled"), **V2),
        record("mediation_case", _case("2024-03-10", "marriage_family", "settled"), **V2),
        record("mediation_case", _case("2024-04-10", "debt", "ongoing"), **V2),
        record("mediation_case", _case("2024-05-10", "neighbours", "referred"), unit="HN-SS-MT-HG1", **V2),
        record(
            "training",
            {
                "training_date": "2024-03-03",
                "course_name": "Hòa giải",
                "trainee_force": "local",
                "trained_mediators": 8,
                "new_mediators": 8,
                "trained_collaborators": 2,
                "new_collaborators": 2,
            },
            **V2,
        ),
        record(
            "training",
            {
                "training_date": "2024-04-04",
                "course_name": "Báo cáo viên",
                "trainee_force": "military",
                "trained_reporters": 1,
                "new_reporters": 1,
                "trained_propagandists": 2,
                "new_propagandists": 2,
            },
            **V2,
        ),
        record("awareness_survey", _survey("2024-02-01", "citizen", 6)),
        record("awareness_survey", _survey("2024-02-02", "citizen", 1)),
        record("awareness_survey", _survey("2024-02-03", "cadre", 5)),
    ]
    assert api.statuses(*mt) == ["stored"] * len(mt)
    bs = [
        record(
            "outreach_session",
            _session(
                "2024-04-01",
                "door_to_door",
                attendees_citizens=60,
                attendees_students=20,
                attendees_female=30,
                materials=80,
            ),
            **V2,
        ),
        record("awareness_survey", _survey("2024-04-02", "student", 2)),
    ]
    bs = [dict(r, unit="HN-SS-BS", author="chihuy") for r in bs]
    assert api.statuses(*bs, user="chihuy") == ["stored"] * len(bs)
    return api


def _keyed(items) -> dict[str, float]:
    return {i.key: i.count for i in items}


def test_statistics__the_half_year_by_hand(half_year: Api) -> None:
    resp = half_year.client.get(
        "/api/v1/statistics",
        params={"plan_id": PLAN, "unit": "HN-SS", "period": "2024-H1"},
        headers=half_year.auth("chihuy"),
    )
    assert resp.status_code == 200, resp.text
    report = StatisticsReport.model_validate(resp.json())
    assert (report.start.isoformat(), report.end.isoformat()) == ("2024-01-01", "2024-06-30")
    f = report.totals
    assert f.sessions == 4
    assert {k: v for k, v in _keyed(f.sessions_by_format).items() if v} == {
        "meeting": 2,
        "loudspeaker": 1,
        "door_to_door": 1,
    }
    assert _keyed(f.person_times_by_group) == {
        "cadre": 5,
        "citizen": 240,
        "ethnic_minority": 12,
        "student": 20,
        "soldier": 30,
    }
    assert (f.person_times, f.person_times_female, f.soldiers_first_time, f.materials) == (307, 105, 30, 160)
    assert f.mediation_cases == 5
    assert _keyed(f.mediation_by_type) == {
        "land": 2,
        "marriage_family": 1,
        "neighbours": 1,
        "debt": 1,
        "inheritance": 0,
        "other": 0,
    }
    assert _keyed(f.mediation_by_outcome) == {"settled": 2, "not_settled": 1, "ongoing": 1, "referred": 1}
    assert (f.mediation_settled, f.mediation_ended, f.settlement_rate) == (2, 4, 50.0)
    assert f.trainings == 2
    assert {t.key: (t.military, t.local) for t in f.trainees_by_kind} == {
        "reporters": (1, 0),
        "propagandists": (2, 0),
        "collaborators": (0, 2),
        "mediators": (0, 8),
    }
    assert (f.surveys, f.surveys_passed, f.surveys_pct) == (4, 2, 50.0)
    assert {g.key: (g.surveys, g.passed, g.pct) for g in f.surveys_by_group} == {
        "cadre": (1, 1, 100.0),
        "citizen": (2, 1, 50.0),
        "ethnic_minority": (0, 0, None),
        "student": (1, 0, 0.0),
        "soldier": (0, 0, None),
    }
    # drill-down: each commune's own
    kids = {c.unit: c.figures for c in report.children}
    assert set(kids) == {"HN-SS-MT", "HN-SS-BS"}
    assert (kids["HN-SS-MT"].sessions, kids["HN-SS-MT"].mediation_cases, kids["HN-SS-MT"].materials) == (
        3,
        5,
        80,
    )
    assert (kids["HN-SS-BS"].sessions, kids["HN-SS-BS"].person_times, kids["HN-SS-BS"].surveys_pct) == (
        1,
        80,
        0.0,
    )


def test_statistics__export_has_numbers_per_unit(half_year: Api) -> None:
    resp = half_year.client.get(
        "/api/v1/exports/statistics.xlsx",
        params={"plan_id": PLAN, "unit": "HN-SS", "period": "2024-H1"},
        headers=half_year.auth("chihuy"),
    )
    assert resp.status_code == 200, resp.text
    ws = load_workbook(io.BytesIO(resp.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:2] == ("Mã đơn vị", "Tên đơn vị")
    value = {(r[0], r[4], r[5]): r[6] for r in rows[1:]}
    assert value[("HN-SS", "Hòa giải", "Tỷ lệ hòa giải thành (%)")] == 50
    assert value[("HN-SS", "Lượt người", "Tổng số lượt người")] == 307
    assert value[("HN-SS-BS", "Buổi tuyên truyền", "Tổng số buổi")] == 1


def test_statistics__outside_ones_scope_is_refused(half_year: Api) -> None:
    resp = half_year.client.get(
        "/api/v1/statistics", params={"plan_id": PLAN, "unit": "HN-SS"}, headers=half_year.auth("canbo")
    )
    assert resp.status_code == 403
    assert resp.json()["message"]["vi"]


def _office(api: Api, **params: str):
    resp = api.client.get(
        "/api/v1/reports/office.xlsx", params={"plan_id": PLAN, **params}, headers=api.auth("chihuy")
    )
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"].startswith("application/vnd.openxmlformats")
    return load_workbook(io.BytesIO(resp.content)).active


def _row(ws, label: str, *, last: bool = False) -> tuple:
    """The first (or last) row whose second cell starts with ``label``."""
    rows = [r for r in ws.iter_rows(values_only=True) if isinstance(r[1], str) and r[1].startswith(label)]
    assert rows, f"no row {label!r}"
    return rows[-1] if last else rows[0]


def test_office_report__opens_with_numbers_where_numbers_belong(half_year: Api) -> None:
    ws = _office(half_year, unit="HN-SS", period="2024-H1")
    texts = [c for row in ws.iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in texts and "BÁO CÁO" in texts
    assert "Kỳ báo cáo: 6 tháng đầu năm 2024" in texts
    assert "(Từ ngày 01/01/2024 đến ngày 30/06/2024)" in texts
    # I. indicators: i1 2 of 4 surveys pass = 50% (milestone 50% due 31/12/2024: on track)
    i1 = _row(ws, "Cán bộ, nhân dân có hiểu biết")
    assert i1[0] == 1 and i1[2:8] == (90, 50, datetime(2024, 12, 31), 2, 4, 50)
    assert i1[10] == "Đúng tiến độ"
    # i2: 30 soldiers reached of 220 + 241, 30 person-times; 60% due, 6.51% reached: 53.49 points short
    i2 = _row(ws, "Lực lượng thường trực")
    assert i2[5:10] == (30, 461, 6.51, 30, 53.49)
    # i4: 1 reporter + 2 propagandists of 3 + 3
    i4 = _row(ws, "Báo cáo viên, tuyên truyền viên của đơn vị quân đội")
    assert i4[5:8] == (3, 6, 50)
    # the date cell is a date shown dd/mm/yyyy, and no number is stored as text
    cell = next(c for row in ws.iter_rows() for c in row if c.value == datetime(2024, 12, 31))
    assert cell.number_format == "dd/mm/yyyy"
    assert not [t for t in texts if t.replace(",", "").replace(".", "").strip().isdigit()]
    assert not [t for t in texts if t.startswith("'")]
    # II. the programme's numbers
    assert _row(ws, "Tỷ lệ hòa giải thành")[2] == 50
    assert _row(ws, "Tổng số lượt người")[2] == 307
    assert _row(ws, "Trong đó nữ")[2] == 105
    assert _row(ws, "Hòa giải viên")[2:5] == (0, 8, 8)  # military, local, together
    assert _row(ws, "Nhân dân")[2] == 240  # person-times of citizens
    assert _row(ws, "Nhân dân", last=True)[2:5] == (2, 1, 50)  # citizens' surveys: 2, 1 passing
    # III. the units furthest behind, first the furthest. Shortfall = mean of gap / level due:
    # BS: i1 0 of 1 (1), i2, i4, i5 nothing (1 each) -> 100%;
    # MT: i1 2 of 3 met (0), i2 30/220 = 13.64% (46.36/60), i4 3/3 met (0), i5 10/61 = 16.39% (33.61/50)
    #     -> (0.7727 + 0.6721) / 4 = 36.12%
    behind = [r[:5] for r in ws.iter_rows(values_only=True) if r[2] in ("HN-SS-MT", "HN-SS-BS")]
    assert behind == [
        (1, "Xã Bắc Sơn", "HN-SS-BS", 100, "1, 2, 4, 5"),
        (2, "Xã Minh Trí", "HN-SS-MT", 36.12, "2, 5"),
    ]


def test_office_report__a_phase_and_a_year_are_named_as_offices_name_them(half_year: Api) -> None:
    texts = {
        c for row in _office(half_year, period="phase:2021_2024").iter_rows(values_only=True) for c in row
    }
    assert "Kỳ báo cáo: Giai đoạn 2021–2024" in texts
    texts = {c for row in _office(half_year, period="2024").iter_rows(values_only=True) for c in row}
    assert "Kỳ báo cáo: Năm 2024" in texts
