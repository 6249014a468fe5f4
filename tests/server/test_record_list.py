"""GET /api/v1/records: a supervisor's page of the records behind the figures, scoped, newest first.

Every test runs on SQLite and PostgreSQL (the ``api`` fixture). Records are pushed as phones push
them; the scope is checked for each kind of caller, the paging for stability while records arrive,
and hostile parameters for a clear 4xx.
"""

from __future__ import annotations

import base64
from datetime import date, timedelta
from typing import Any

import pytest

from schemas.common import ErrorBody, utcnow
from schemas.forms import FormDefinition
from schemas.record_list import RecordPage
from schemas.sync import Role
from sync_server.db import Database
from sync_server.services.accounts import create_user
from sync_server.services.catalog import publish_form

from .helpers import Api, record, session_answers, vn_today
from .test_media import PHOTO_FORM, jpeg, ref

TODAY = vn_today()
START, END = date(TODAY.year, 1, 1), TODAY
USERS = {
    "canbo2": (Role.OFFICER, "HN-SS-MT"),
    "canbo_px": (Role.OFFICER, "HN-BD-PX"),
    "giamsat_mt": (Role.SUPERVISOR, "HN-SS-MT"),  # a commune's supervisor
    "giamsat_bd": (Role.SUPERVISOR, "HN-BD"),  # another district's
    "admin_bd": (Role.ADMIN, "HN-BD"),  # the admin of one district's subtree
}


def day(n: int) -> str:
    """A day of this year, ``n`` days before today (at most back to 1 January)."""
    return max(TODAY - timedelta(days=n), START).isoformat()


@pytest.fixture
def people(api: Api, db: Database, settings) -> Api:
    with db.session(write=True) as s:
        publish_form(s, form=FormDefinition.model_validate(PHOTO_FORM), now=utcnow(), actor="admin")
        for name, (role, unit) in USERS.items():
            create_user(
                s,
                username=name,
                password=f"{name}123",
                role=role,
                unit_code=unit,
                full_name=f"Người {name}",
                settings=settings,
                now=utcnow(),
            )
    return api


def push(api: Api, user: str, unit: str, form: str, answers: dict[str, Any]) -> str:
    rec = record(form, answers, unit=unit, author=user)
    assert api.statuses(rec, user=user) == ["stored"]
    return str(rec["id"])


def page(api: Api, user: str, **params: Any) -> Any:
    params.setdefault("start", START.isoformat())
    params.setdefault("end", END.isoformat())
    params = {k: v for k, v in params.items() if v is not None}  # None: leave the parameter out
    return api.client.get("/api/v1/records", params=params, headers=api.auth(user))


def ids(api: Api, user: str, **params: Any) -> list[str]:
    resp = page(api, user, **params)
    assert resp.status_code == 200, resp.text
    return [str(r.id) for r in RecordPage.model_validate(resp.json()).records]


def refused(resp: Any, status: int) -> ErrorBody:
    assert resp.status_code == status, resp.text
    body = ErrorBody.model_validate(resp.json())
    assert body.message.vi and body.message.en
    return body


def test_record_list__each_caller_sees_their_scope_only(people: Api):
    api = people
    mine = push(api, "canbo", "HN-SS-MT", "outreach_session", session_answers(day(1)))
    colleague = push(api, "canbo2", "HN-SS-MT", "outreach_session", session_answers(day(2)))
    elsewhere = push(api, "canbo_px", "HN-BD-PX", "outreach_session", session_answers(day(3)))
    ss = [mine, colleague]
    assert ids(api, "canbo") == [mine]  # an officer: their own records, not a colleague's
    assert ids(api, "canbo2") == [colleague]
    assert ids(api, "giamsat_mt") == ss  # the commune's supervisor
    assert ids(api, "giamsat") == ss  # the district's (HN-SS)
    assert ids(api, "giamsat", unit="HN-SS-MT") == ss
    assert ids(api, "giamsat_bd") == [elsewhere]  # another district's
    assert ids(api, "chihuy") == [*ss, elsewhere]  # the city's, newest first
    assert ids(api, "chihuy", unit="HN-BD") == [elsewhere]
    assert ids(api, "admin_bd") == [elsewhere]  # an admin of one subtree
    assert ids(api, "admin", unit="HN-SS") == ss
    # a unit outside the caller's subtree, or one that does not exist: the same 403
    for user, unit in [
        ("giamsat", "HN-BD"),
        ("admin_bd", "HN-SS-MT"),
        ("giamsat_mt", "HN-SS"),
        ("canbo", "X"),
    ]:
        refused(page(api, user, unit=unit), 403)


def test_record_list__a_line_names_form_author_day_photos_and_summary(people: Api):
    api = people
    a, b = jpeg(seed=11), jpeg(seed=12)
    entries = [{"title": f"Tờ rơi {i}", "shot": [ref(jpeg(seed=20 + i), name=f"t{i}.jpg")]} for i in (1, 2)]
    rid = push(
        api,
        "canbo",
        "HN-SS-MT",
        "photo_session",
        {"held_on": day(0), "photos": [ref(a), ref(b, name="anh-2.jpg")], "materials": entries},
    )
    push(api, "canbo", "HN-SS-MT", "outreach_session", session_answers(day(5)))
    resp = page(api, "giamsat")
    assert resp.status_code == 200, resp.text
    first, second = RecordPage.model_validate(resp.json()).records
    assert str(first.id) == rid and first.form_id == "photo_session" and first.form_version == 1
    assert first.title.vi == "Buổi tuyên truyền có ảnh"
    assert (first.unit, first.unit_name) == ("HN-SS-MT", "Xã Minh Trí")
    assert (first.author, first.author_name) == ("canbo", "Nguyễn Văn An")
    assert first.day.isoformat() == day(0) and first.status.value == "final"
    assert first.photos == 4  # two on the session, one in each repeat entry
    assert second.photos == 0 and second.form_id == "outreach_session"
    assert "Nhà văn hóa thôn Đông" in second.summary.vi and "Hội nghị" in second.summary.vi
    assert len(second.summary.vi) <= 160
    # a form filter
    assert ids(api, "giamsat", form_id="photo_session") == [rid]


def test_record_list__pages_are_stable_while_records_arrive(people: Api):
    api = people
    pushed = [
        push(api, "canbo", "HN-SS-MT", "outreach_session", session_answers(day(n // 2))) for n in range(7)
    ]
    everything = ids(api, "giamsat", limit=100)
    assert sorted(everything) == sorted(pushed)
    seen: list[str] = []
    cursor = None
    for n in range(10):
        params: dict[str, Any] = {"limit": 3}
        if cursor:
            params["cursor"] = cursor
        resp = page(api, "giamsat", **params)
        assert resp.status_code == 200, resp.text
        got = RecordPage.model_validate(resp.json())
        seen += [str(r.id) for r in got.records]
        if n == 0:  # a newer record arrives after the first page: the next pages do not shift
            push(api, "canbo", "HN-SS-MT", "outreach_session", session_answers(day(0)))
        cursor = got.next_cursor
        if cursor is None:
            break
    assert seen == everything  # each record once, in order, none skipped
    days = [r.day for r in RecordPage.model_validate(page(api, "giamsat", limit=100).json()).records]
    assert days == sorted(days, reverse=True)


def test_record_list__hostile_parameters_get_a_clear_4xx(people: Api):
    api = people
    push(api, "canbo", "HN-SS-MT", "outreach_session", session_answers(day(1)))
    assert refused(page(api, "giamsat", limit=10**9), 422).code == "invalid"
    assert refused(page(api, "giamsat", limit=0), 422).code == "invalid"
    for garbage in ["!!!", "abc", base64.urlsafe_b64encode(b"2025-01-01|nope").decode(), "x" * 150]:
        body = refused(page(api, "giamsat", cursor=garbage), 422)
        assert body.code == "invalid_cursor" and "Con trỏ" in body.message.vi
    refused(page(api, "giamsat", cursor="x" * 500), 422)  # longer than any cursor made here
    assert refused(page(api, "giamsat", start="0001-01-01", end="9999-12-31"), 422).code == "span_too_long"
    assert (
        "sau hôm nay" in refused(page(api, "giamsat", start="9999-01-01", end="9999-12-31"), 422).message.vi
    )
    body = refused(
        page(api, "giamsat", start=None, end=None, plan_id="hanoi_pbgdpl_2021_2027", period="9999"), 422
    )
    assert "sau hôm nay" in body.message.vi
    refused(page(api, "giamsat", start="2025-13-01"), 422)
    assert (
        "trước ngày kết thúc"
        in refused(page(api, "giamsat", start="2025-02-01", end="2025-01-01"), 422).message.vi
    )
    # no period at all: say what to pass
    assert "start" in refused(page(api, "giamsat", start=None, end=None), 422).message.vi
    refused(page(api, "giamsat", start=None, end=None, plan_id="no_such_plan"), 404)
    # with a plan the default period is its current phase
    resp = page(api, "giamsat", start=None, end=None, plan_id="hanoi_pbgdpl_2021_2027")
    assert resp.status_code == 200 and len(resp.json()["records"]) == 1
    refused(api.client.get("/api/v1/records", params={"start": "2025-01-01", "end": "2025-02-01"}), 401)
