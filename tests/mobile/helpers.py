"""Shared test data for the phone-side suites: cheap KDF parameters, forms, complete answers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from schemas.catalog import latest_forms, shipped_forms, shipped_plans
from schemas.forms import FormDefinition
from schemas.sync import PullResponse, Role, UserInfo

# scrypt at N=2**8 takes ~1 ms: the tests exercise the format, not the cost.
FAST_KDF = {"name": "scrypt", "n": 2**8, "r": 8, "p": 1}
PIN = "246810"
FORMS: dict[str, FormDefinition] = latest_forms(shipped_forms())
CORRECT = {
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


def survey_answers(
    *, passing: bool = True, ethnicity: str = "Kinh", day: str = "2026-03-15"
) -> dict[str, Any]:
    """Complete answers to the awareness survey; ``passing`` decides has_understanding."""
    return {
        "survey_date": day,
        "respondent_group": "citizen",
        "age_band": "30_44",
        "sex": "female",
        "ethnicity": ethnicity,
        "key_area": "yes",
        **(CORRECT if passing else WRONG),
    }


def session_answers(*, place: str = "Thôn Đông", notes: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {
        "session_date": "2026-03-10",
        "place": place,
        "format": FORMS["outreach_session"].field("format").choices[0].value,
        "topics": [FORMS["outreach_session"].field("topics").choices[0].value],
        "attendees_citizens": 40,
    }
    if notes:
        out["notes"] = notes
    return out


def pull_response(forms=None) -> PullResponse:
    return PullResponse(
        server_time=datetime(2026, 3, 20, tzinfo=UTC),
        user=UserInfo(
            username="canbo",
            full_name="Nguyễn Văn Cán",
            role=Role.OFFICER,
            unit="HN-SS-MT",
            unit_name="Xã Minh Tân",
        ),
        forms=list(forms if forms is not None else FORMS.values()),
        plans=list(shipped_plans()),
        units=[],
        tallies=[],
    )
