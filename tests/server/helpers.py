"""Small builders for the server tests: valid records of the shipped forms, and a signed-in client."""

from __future__ import annotations

import gzip
import json
import threading
import uuid
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient

PLAN = "hanoi_pbgdpl_2021_2027"
# survey answers: q_border=a, q_drugs=b, q_traffic=c, q_residence=a, q_trafficking=c, q_mediation=a are right
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


def survey_answers(day: str, *, correct: int) -> dict[str, Any]:
    """A complete survey on ``day`` with ``correct`` right quiz answers (pass mark is 4)."""
    names = list(RIGHT)
    quiz = {n: (RIGHT[n] if i < correct else WRONG[n]) for i, n in enumerate(names)}
    return {
        "survey_date": day,
        "respondent_group": "citizen",
        "age_band": "30_44",
        "sex": "female",
        "key_area": "yes",
        **quiz,
    }


def session_answers(day: str, *, soldiers: int = 0, first_time: int | None = None) -> dict[str, Any]:
    """An outreach session; ``first_time`` (form v2): how many soldiers were reached first this year."""
    extra = {} if first_time is None else {"soldiers_first_time": first_time}
    return {
        **extra,
        "session_date": day,
        "place": "Nhà văn hóa thôn Đông",
        "format": "meeting",
        "topics": ["border", "drugs"],
        "attendees_citizens": 40,
        "attendees_soldiers": soldiers,
    }


def record(
    form_id: str,
    answers: dict[str, Any],
    *,
    unit: str = "HN-SS-MT",
    author: str = "canbo",
    revision: int = 1,
    status: str = "final",
    record_id: uuid.UUID | str | None = None,
    form_version: int = 1,
    void_reason: str | None = None,
) -> dict[str, Any]:
    """A Record as the phone sends it (JSON-ready dict)."""
    now = datetime.now(UTC).isoformat()
    out = {
        "id": str(record_id or uuid.uuid4()),
        "form_id": form_id,
        "form_version": form_version,
        "unit": unit,
        "author": author,
        "device": "phone-1",
        "created_at": now,
        "updated_at": now,
        "revision": revision,
        "status": status,
        "answers": answers,
    }
    if void_reason is not None:
        out["void_reason"] = void_reason
    return out


def batch(*records: dict[str, Any]) -> dict[str, Any]:
    return {"batch_id": str(uuid.uuid4()), "records": list(records)}


def gzipped(payload: Any) -> bytes:
    return gzip.compress(json.dumps(payload).encode("utf-8"))


class Api:
    """The calls a phone makes, over a TestClient (or an httpx.Client with the same interface)."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.tokens: dict[str, str] = {}

    def enroll(self, username: str = "canbo", password: str | None = None, device_id: str = "phone-1") -> Any:
        return self.client.post(
            "/api/v1/enroll",
            json={"username": username, "password": password or f"{username}123", "device_id": device_id},
        )

    def token(self, username: str = "canbo") -> str:
        if username not in self.tokens:
            resp = self.enroll(username)
            assert resp.status_code == 200, resp.text
            self.tokens[username] = resp.json()["device_token"]
        return self.tokens[username]

    def auth(self, username: str = "canbo") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(username)}"}

    def push(self, *records: dict[str, Any], user: str = "canbo") -> Any:
        return self.client.post("/api/v1/sync/push", json=batch(*records), headers=self.auth(user))

    def statuses(self, *records: dict[str, Any], user: str = "canbo") -> list[str]:
        resp = self.push(*records, user=user)
        assert resp.status_code == 200, resp.text
        return [r["status"] for r in resp.json()["receipts"]]

    def tallies(self, user: str = "canbo", **params: Any) -> Any:
        params.setdefault("plan_id", PLAN)
        return self.client.get("/api/v1/tallies", params=params, headers=self.auth(user))

    def indicator(self, indicator_id: str, user: str = "canbo", **params: Any) -> dict[str, Any]:
        resp = self.tallies(user, **params)
        assert resp.status_code == 200, resp.text
        return next(i for i in resp.json()["totals"] if i["indicator_id"] == indicator_id)


def vn_today() -> date:
    """Today where the programme runs (the server judges "today" in Asia/Ho_Chi_Minh)."""
    return datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()


def current_phase(today: date) -> tuple[date, date]:
    """The shipped plan's phase holding ``today``, or the whole plan once it is over."""
    if date(2021, 1, 1) <= today <= date(2024, 12, 31):
        return date(2021, 1, 1), date(2024, 12, 31)
    if date(2025, 1, 1) <= today <= date(2027, 12, 31):
        return date(2025, 1, 1), date(2027, 12, 31)
    return date(2021, 1, 1), date(2027, 12, 31)


def this_year_day(month: int = 3, day: int = 15) -> str:
    """A day of the current year that is not in the future."""
    today = date.today()
    return min(date(today.year, month, day), today).isoformat()


def run_together(*jobs):
    """Run the jobs in threads released at the same moment; their results in order (or the first error)."""
    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)
    errors: list = []

    def run(i, job):
        try:
            barrier.wait(timeout=10)
            results[i] = job()
        except Exception as exc:  # surfaced below, with the thread's own traceback
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    if errors:
        raise errors[0]
    return results
