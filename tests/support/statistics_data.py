"""Records with known answers for the programme's other numbers, pushed to a live server, and the
figures counted by hand. Used by the statistics screen's model tests and its browser test.

All dated ``day`` (today in the programme's time zone, so they fall in every period that runs to
today: the year so far, the phase, the quarter, the month), except one session a year earlier.

Xã Minh Trí (HN-SS-MT), sent by the officer ``canbo``:
    sessions   meeting      cadres 5, citizens 40, women 20, materials 50
               loudspeaker  citizens 100, women 45
               (a year earlier: meeting, citizens 999, materials 7: only in last year's figures)
    mediation  land settled, land not settled, marriage settled, debt ongoing, neighbours settled
               -> 5 cases, 3 settled of the 4 that ended: 75%
    training   local: 8 mediators
    surveys    citizen pass, citizen fail, cadre pass -> 2 of 3: 66.67%, shown 66,7%
Xã Bắc Sơn (HN-SS-BS), sent by the supervisor ``chihuy``:
    sessions   door to door citizens 60, students 20, women 30, materials 80
    mediation  land referred -> 1 case, 0 of 1 ended settled: 0%
    surveys    student fail
Huyện Sóc Sơn and Thành phố Hà Nội (nothing elsewhere):
    3 sessions (meeting 1, loudspeaker 1, door to door 1); person-times 225 (cadres 5,
    citizens 200, students 20), women 95; materials 130; 6 cases, settled 3 of 5 ended: 60%,
    1 ongoing; 1 training; 4 surveys, 2 passed: 50% (citizens 1/2, cadres 1/1, students 0/1).

Only the standard library, like ``live_server``.
"""

from __future__ import annotations

import json
import urllib.request
import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

PLAN = "hanoi_pbgdpl_2021_2027"
VN = timezone(timedelta(hours=7))  # the programme's zone (Asia/Ho_Chi_Minh has no summer time)

RIGHT = {
    "q_border": "a",
    "q_drugs": "b",
    "q_traffic": "c",
    "q_residence": "a",
    "q_trafficking": "c",
    "q_mediation": "a",
}
WRONG = {
    "q_border": "b",
    "q_drugs": "a",
    "q_traffic": "a",
    "q_residence": "b",
    "q_trafficking": "a",
    "q_mediation": "b",
}


def programme_today() -> date:
    return datetime.now(VN).date()


def _session(day: date, fmt: str, materials: int = 0, **counts: int) -> dict[str, Any]:
    out: dict[str, Any] = {
        "session_date": day.isoformat(),
        "place": "Nhà văn hóa thôn Đông",
        "format": fmt,
        "topics": ["border", "drugs"],
        "attendees_citizens": counts.pop("attendees_citizens", 0),
        **counts,
    }
    if materials:
        out["materials"] = materials
    return out


def _case(day: date, dispute: str, outcome: str) -> dict[str, Any]:
    return {"case_date": day.isoformat(), "dispute_type": dispute, "parties": 2, "outcome": outcome}


def _survey(day: date, group: str, passing: bool) -> dict[str, Any]:
    return {
        "survey_date": day.isoformat(),
        "respondent_group": group,
        "age_band": "30_44",
        "sex": "female",
        "key_area": "yes",
        **(RIGHT if passing else WRONG),
    }


def _record(form_id: str, answers: dict[str, Any], unit: str, author: str) -> dict[str, Any]:
    now = datetime.now(UTC).isoformat()
    return {
        "id": str(uuid.uuid4()),
        "form_id": form_id,
        "form_version": 2,
        "unit": unit,
        "author": author,
        "device": "statistics-test",
        "created_at": now,
        "updated_at": now,
        "revision": 1,
        "status": "final",
        "answers": answers,
    }


def minh_tri(day: date) -> list[dict[str, Any]]:
    year_before = date(day.year - 1, 6, 15)
    rows = [
        (
            "outreach_session",
            _session(day, "meeting", 50, attendees_cadres=5, attendees_citizens=40, attendees_female=20),
        ),
        ("outreach_session", _session(day, "loudspeaker", attendees_citizens=100, attendees_female=45)),
        ("outreach_session", _session(year_before, "meeting", 7, attendees_citizens=999)),
        ("mediation_case", _case(day, "land", "settled")),
        ("mediation_case", _case(day, "land", "not_settled")),
        ("mediation_case", _case(day, "marriage_family", "settled")),
        ("mediation_case", _case(day, "debt", "ongoing")),
        ("mediation_case", _case(day, "neighbours", "settled")),
        (
            "training",
            {
                "training_date": day.isoformat(),
                "course_name": "Kỹ năng hòa giải",
                "trainee_force": "local",
                "trained_mediators": 8,
                "new_mediators": 8,
            },
        ),
        ("awareness_survey", _survey(day, "citizen", True)),
        ("awareness_survey", _survey(day, "citizen", False)),
        ("awareness_survey", _survey(day, "cadre", True)),
    ]
    return [_record(form, answers, "HN-SS-MT", "canbo") for form, answers in rows]


def bac_son(day: date) -> list[dict[str, Any]]:
    rows = [
        (
            "outreach_session",
            _session(
                day, "door_to_door", 80, attendees_citizens=60, attendees_students=20, attendees_female=30
            ),
        ),
        ("mediation_case", _case(day, "land", "referred")),
        ("awareness_survey", _survey(day, "student", False)),
    ]
    return [_record(form, answers, "HN-SS-BS", "chihuy") for form, answers in rows]


def _post(url: str, body: Any, token: str | None = None) -> Any:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers=headers, method="POST")
    with urllib.request.urlopen(request, timeout=30) as resp:
        return json.loads(resp.read())


def push_known_records(server_url: str, day: date | None = None) -> date:
    """Send the records above (as the officer at Minh Trí and the city's supervisor); returns ``day``."""
    day = day or programme_today()
    for username, password, records in (
        ("canbo", "canbo123", minh_tri(day)),
        ("chihuy", "chihuy123", bac_son(day)),
    ):
        enrolled = _post(
            server_url + "/api/v1/enroll",
            {
                "username": username,
                "password": password,
                "device_id": uuid.uuid4().hex,
                "device_name": "test",
            },
        )
        answer = _post(
            server_url + "/api/v1/sync/push",
            {"batch_id": str(uuid.uuid4()), "records": records},
            enrolled["device_token"],
        )
        statuses = [r["status"] for r in answer["receipts"]]
        assert statuses == ["stored"] * len(records), answer
    return day
