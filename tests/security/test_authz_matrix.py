"""Issue 6 item 4: every endpoint × caller (officer, supervisor, admin, revoked, no token, expired) × scope.

Two halves: every authenticated route of the live app (enumerated from the
app itself, so a route added later is covered without touching this file)
refuses the four kinds of bad callers with 401; and for each route that
reads or writes unit data, a table of (caller, target, expected answer) says
nobody reads or writes outside their subtree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from schemas.common import ErrorBody, utcnow
from sync_server.models import AuditRow, DeviceRow
from tests.server.helpers import PLAN, batch, record, session_answers, this_year_day

from .conftest import enroll

PUBLIC = {("GET", "/health"), ("POST", "/api/v1/enroll")}


@dataclass
class World:
    client: TestClient
    tokens: dict[str, str]  # caller name -> bearer token
    devices: dict[str, int]  # person -> their phone's server id

    def h(self, caller: str) -> dict[str, str]:
        token = self.tokens.get(caller)
        return {"Authorization": f"Bearer {token}"} if token else {}


@pytest.fixture
def world(client: TestClient) -> World:
    tokens: dict[str, str] = {}
    devices: dict[str, int] = {}
    for person in ("o_mt", "o_mt2", "o_px", "s_ss", "a_hn", "bienphong"):
        if person == "bienphong":
            resp = client.post(
                "/api/v1/enroll",
                json={"username": "bienphong", "password": "bienphong123", "device_id": "bp-phone"},
            )
            assert resp.status_code == 200, resp.text
            body = resp.json()
        else:
            body = enroll(client, person, f"{person}-phone")
        tokens[person], devices[person] = body["device_token"], body["device"]
    tokens["officer"], tokens["supervisor"], tokens["admin"] = tokens["o_mt"], tokens["s_ss"], tokens["a_hn"]
    # A lost phone of o_mt, revoked by the admin; an old phone of o_mt2, unused for 100 days.
    lost = enroll(client, "o_mt", "lost-phone")
    r = client.post(
        f"/api/v1/devices/{lost['device']}/revoke", headers={"Authorization": f"Bearer {tokens['a_hn']}"}
    )
    assert r.status_code == 200 and r.json()["revoked_at"], r.text
    tokens["revoked"] = lost["device_token"]
    old = enroll(client, "o_mt2", "old-phone")
    db = client.app.state.db  # type: ignore[attr-defined]
    with db.session(write=True) as s:
        s.execute(
            update(DeviceRow)
            .where(DeviceRow.id == old["device"])
            .values(last_seen_at=utcnow() - timedelta(days=100))
        )
    tokens["expired"] = old["device_token"]
    tokens["garbage"] = "not-a-token-" + "x" * 30
    return World(client, tokens, devices)


BAD_CALLERS = ["no_token", "revoked", "expired", "garbage"]


def _routes(client: TestClient) -> list[tuple[str, str]]:
    """Every (method, path) of the app's OpenAPI schema, i.e. every route it publishes."""
    paths = client.app.openapi()["paths"]  # type: ignore[attr-defined]
    return sorted(
        (method.upper(), path)
        for path, ops in paths.items()
        for method in ops
        if method in {"get", "post", "put", "patch", "delete"} and (method.upper(), path) not in PUBLIC
    )


def test_authz__every_route_refuses_every_bad_caller(world: World):
    routes = _routes(world.client)
    assert {("POST", "/api/v1/sync/push"), ("GET", "/api/v1/sync/pull"), ("GET", "/api/v1/tallies")} <= set(
        routes
    )
    assert ("POST", "/api/v1/devices/{device}/revoke") in routes
    tried = 0
    for method, path in routes:
        url = re.sub(r"\{[^}]+\}", str(world.devices["o_mt"]), path)
        for caller in BAD_CALLERS:
            resp = world.client.request(method, url, headers=world.h(caller), json={})
            assert resp.status_code == 401, (method, path, caller, resp.status_code, resp.text[:300])
            body = ErrorBody.model_validate(resp.json())
            assert body.message.vi and body.message.en
            if caller == "expired":
                assert body.code == "token_expired"
            tried += 1
    assert tried == len(routes) * len(BAD_CALLERS)
    # The revoked device's owner still works on their other phone.
    assert world.client.get("/api/v1/sync/pull", headers=world.h("o_mt")).status_code == 200


def _subtree(prefix: str, codes: set[str]) -> set[str]:
    return {c for c in codes if c == prefix or c.startswith(prefix + "-")}


@pytest.mark.parametrize(
    "caller,root", [("officer", "HN-SS-MT"), ("supervisor", "HN-SS"), ("admin", "HN"), ("o_px", "HN-BD-PX")]
)
def test_authz__pull_returns_only_the_callers_subtree(world: World, caller: str, root: str):
    resp = world.client.get("/api/v1/sync/pull", headers=world.h(caller))
    assert resp.status_code == 200, resp.text
    got = {u["code"] for u in resp.json()["units"]}
    assert root in got and got == _subtree(root, got)
    for report in resp.json()["tallies"]:
        assert report["unit"] == root or report["unit"].startswith(root + "-")


TALLIES = [
    ("officer", "HN-SS-MT", 200),
    ("officer", "HN-SS", 403),  # the parent is outside an officer's scope
    ("officer", "HN-BD-PX", 403),
    ("supervisor", "HN-SS-MT", 200),
    ("supervisor", "HN-BD-PX", 403),
    ("supervisor", "HN", 403),
    ("admin", "HN-BD-PX", 200),
    ("admin", "BTL", 403),
    ("admin", "BP-CK", 403),
]


@pytest.mark.parametrize("caller,unit,status", TALLIES)
def test_authz__tallies_by_scope(world: World, caller: str, unit: str, status: int):
    resp = world.client.get(
        "/api/v1/tallies", params={"plan_id": PLAN, "unit": unit}, headers=world.h(caller)
    )
    assert resp.status_code == status, resp.text
    if status == 403:
        assert ErrorBody.model_validate(resp.json()).code == "forbidden"


PUSHES = [
    ("o_mt", "HN-SS-MT", "stored"),
    ("o_mt", "HN-SS-BS", "rejected"),  # a sibling commune
    ("o_mt", "HN-BD-PX", "rejected"),
    ("s_ss", "HN-SS-BS", "stored"),
    ("s_ss", "HN-BD-PX", "rejected"),
    ("a_hn", "HN-BD-DC", "stored"),
    ("a_hn", "BTL-D1", "rejected"),
]


@pytest.mark.parametrize("caller,unit,status", PUSHES)
def test_authz__push_writes_only_inside_the_callers_subtree(
    world: World, caller: str, unit: str, status: str
):
    rec = record("outreach_session", session_answers(this_year_day()), unit=unit, author=caller)
    resp = world.client.post("/api/v1/sync/push", json=batch(rec), headers=world.h(caller))
    assert resp.status_code == 200, resp.text
    receipt = resp.json()["receipts"][0]
    assert receipt["status"] == status, receipt
    if status == "rejected":
        assert "unit_out_of_scope" in {i["code"] for i in receipt["issues"]}


def test_authz__nobody_writes_as_someone_else_or_over_their_record(world: World):
    rec = record("outreach_session", session_answers(this_year_day()), unit="HN-SS-MT", author="o_mt")
    c = world.client
    assert (
        c.post("/api/v1/sync/push", json=batch(rec), headers=world.h("o_mt")).json()["receipts"][0]["status"]
        == "stored"
    )
    # o_mt2 (same unit) sends a newer revision of o_mt's record, as o_mt and as themselves.
    for author in ("o_mt", "o_mt2"):
        forged = {
            **rec,
            "revision": 2,
            "author": author,
            "answers": session_answers(this_year_day(), soldiers=99),
        }
        receipt = c.post("/api/v1/sync/push", json=batch(forged), headers=world.h("o_mt2")).json()[
            "receipts"
        ][0]
        assert receipt["status"] == "rejected", receipt
        assert {i["code"] for i in receipt["issues"]} & {"wrong_author", "not_yours"}
    # a supervisor above cannot overwrite it either
    forged = {**rec, "revision": 3, "author": "s_ss"}
    receipt = c.post("/api/v1/sync/push", json=batch(forged), headers=world.h("s_ss")).json()["receipts"][0]
    assert receipt["status"] == "rejected"


DEVICE_LISTS = [
    ("officer", {"o_mt"}),
    ("supervisor", {"o_mt", "o_mt2", "s_ss"}),
    ("admin", {"o_mt", "o_mt2", "o_px", "s_ss", "a_hn"}),
]


@pytest.mark.parametrize("caller,people", DEVICE_LISTS)
def test_authz__device_list_by_scope(world: World, caller: str, people: set[str]):
    resp = world.client.get("/api/v1/devices", headers=world.h(caller))
    assert resp.status_code == 200, resp.text
    users = {d["username"] for d in resp.json()["devices"]}
    assert people <= users
    assert "bienphong" not in users  # BP is outside HN
    if caller == "officer":
        assert users == {"o_mt"}
    if caller == "supervisor":
        assert users <= {"o_mt", "o_mt2", "s_ss"}


DEVICE_ACTIONS = [
    # caller, whose device, revoke status, unlock-code status
    ("officer", "o_mt", 200, 403),
    ("officer", "o_mt2", 404, 403),
    ("officer", "o_px", 404, 403),
    ("supervisor", "o_mt2", 200, 200),
    ("supervisor", "o_px", 404, 404),
    ("supervisor", "a_hn", 404, 404),
    ("admin", "o_px", 200, 200),
    ("admin", "bienphong", 404, 404),
]


@pytest.mark.parametrize("caller,owner,revoke_status,code_status", DEVICE_ACTIONS)
def test_authz__revoke_and_unlock_codes_by_scope(
    world: World, caller: str, owner: str, revoke_status: int, code_status: int
):
    c, device = world.client, world.devices[owner]
    resp = c.post(f"/api/v1/devices/{device}/unlock-code", json={"lockout": 0}, headers=world.h(caller))
    assert resp.status_code == code_status, resp.text
    if code_status == 200:
        assert re.fullmatch(r"\d{5}-\d{5}", resp.json()["code"])
    resp = c.post(f"/api/v1/devices/{device}/revoke", headers=world.h(caller))
    assert resp.status_code == revoke_status, resp.text
    owner_token = {"Authorization": f"Bearer {world.tokens[owner]}"}
    still_works = c.get("/api/v1/sync/pull", headers=owner_token).status_code == 200
    assert still_works == (revoke_status != 200)  # revoked at once, and only when allowed
    db = c.app.state.db  # type: ignore[attr-defined]
    with db.session() as s:
        actions = {
            (a.action, a.actor) for a in s.scalars(select(AuditRow).where(AuditRow.entity_id == str(device)))
        }
    assert (("device_revoked", world_name(caller)) in actions) == (revoke_status == 200)
    assert (("unlock_code_issued", world_name(caller)) in actions) == (code_status == 200)


def world_name(caller: str) -> str:
    return {"officer": "o_mt", "supervisor": "s_ss", "admin": "a_hn"}[caller]


def test_authz__unknown_device_and_bad_ids_are_clean_errors(world: World):
    c = world.client
    assert c.post("/api/v1/devices/999999/revoke", headers=world.h("admin")).status_code == 404
    assert c.post("/api/v1/devices/0/revoke", headers=world.h("admin")).status_code == 422
    assert c.post("/api/v1/devices/abc/revoke", headers=world.h("admin")).status_code == 422
    r = c.post(
        f"/api/v1/devices/{world.devices['o_mt']}/unlock-code", json={"lockout": -1}, headers=world.h("admin")
    )
    assert r.status_code == 422


def test_authz__reenrolling_replaces_the_token_and_a_revoked_phone_needs_the_password(world: World):
    c = world.client
    again = enroll(c, "o_mt", "o_mt-phone")
    assert again["device"] == world.devices["o_mt"]
    assert c.get("/api/v1/sync/pull", headers=world.h("o_mt")).status_code == 401  # the old token is gone
    assert (
        c.get("/api/v1/sync/pull", headers={"Authorization": f"Bearer {again['device_token']}"}).status_code
        == 200
    )
