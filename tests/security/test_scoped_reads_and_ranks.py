"""Issue 14: reads of the audit trail are scoped, approvals bind the levels below, and rank limits devices.

Attacks reproduced: an admin of one unit reading the whole audit log and any
record's history with its answers; a district supervisor overwriting or
withdrawing the city's approval of the district; a supervisor revoking, or
getting unlock codes for, an admin's or a peer supervisor's phone.
"""

from __future__ import annotations

from fastapi.testclient import TestClient

from schemas.common import utcnow
from schemas.sync import Role
from sync_server.services.accounts import create_user
from tests.server.helpers import PLAN, batch, record, session_answers, this_year_day

from .conftest import enroll


def _add(client: TestClient, settings, name: str, role: Role, unit: str) -> None:
    db = client.app.state.db  # type: ignore[attr-defined]
    with db.session(write=True) as s:
        create_user(
            s,
            username=name,
            password=f"{name}-pass1",
            role=role,
            unit_code=unit,
            full_name=name,
            settings=settings,
            now=utcnow(),
        )


def _h(body: dict) -> dict[str, str]:
    return {"Authorization": f"Bearer {body['device_token']}"}


def test_scope__an_admin_of_one_unit_reads_only_their_subtrees_audit_and_histories(
    client: TestClient, sec_settings
):
    _add(client, sec_settings, "a_px", Role.ADMIN, "HN-BD-PX")
    o_mt, o_px = enroll(client, "o_mt"), enroll(client, "o_px")
    a_px, a_hn = enroll(client, "a_px"), enroll(client, "a_hn")
    rec = record("outreach_session", session_answers(this_year_day()), unit="HN-SS-MT", author="o_mt")
    assert client.post("/api/v1/sync/push", json=batch(rec), headers=_h(o_mt)).status_code == 200
    mine = record("outreach_session", session_answers(this_year_day()), unit="HN-BD-PX", author="o_px")
    assert client.post("/api/v1/sync/push", json=batch(mine), headers=_h(o_px)).status_code == 200

    entries = client.get("/api/v1/audit", params={"limit": 500}, headers=_h(a_px)).json()["entries"]
    about = {(e["actor"], e["entity"]) for e in entries}
    assert ("o_px", "device") in about  # their own subtree: yes
    assert ("o_mt", "device") not in about and all(e["entity"] != "plan" for e in entries)
    for e in entries:
        assert e["entity_id"] != "o_mt" and e["detail"].get("user") != "o_mt"
    # filtering by someone else's entity id finds nothing rather than leaking it
    other = client.get("/api/v1/audit", params={"entity_id": "o_mt"}, headers=_h(a_px)).json()
    assert other["entries"] == []
    # the HN admin still sees both districts
    wide = client.get("/api/v1/audit", params={"limit": 500}, headers=_h(a_hn)).json()["entries"]
    assert {("o_mt", "device"), ("o_px", "device")} <= {(e["actor"], e["entity"]) for e in wide}

    # a record's history (with its answers) is not readable from another subtree, and looks unknown
    outside = client.get(f"/api/v1/records/{rec['id']}/history", headers=_h(a_px))
    assert outside.status_code == 404 and "Nhà văn hóa" not in outside.text
    inside = client.get(f"/api/v1/records/{mine['id']}/history", headers=_h(a_px))
    assert inside.status_code == 200 and len(inside.json()["revisions"]) == 1
    assert client.get(f"/api/v1/records/{rec['id']}/history", headers=_h(a_hn)).status_code == 200


def _approval(client, who: dict, unit: str, method: str = "post", start="2024-01-01", end="2024-12-31"):
    body = {"plan_id": PLAN, "unit": unit, "start": start, "end": end}
    if method == "post":
        return client.post("/api/v1/approvals", json=body, headers=_h(who))
    return client.delete("/api/v1/approvals", params=body, headers=_h(who))


def test_approvals__a_higher_levels_approval_binds_the_levels_below(client: TestClient, sec_settings):
    _add(client, sec_settings, "s_hn", Role.SUPERVISOR, "HN")
    s_hn, s_ss = enroll(client, "s_hn"), enroll(client, "s_ss")
    assert _approval(client, s_ss, "HN-SS-MT").status_code == 200  # the district signs off a commune
    assert _approval(client, s_hn, "HN-SS").status_code == 200  # then the city signs off the district
    for method in ("post", "delete"):
        for unit, start, end in (
            ("HN-SS", "2024-01-01", "2024-12-31"),  # the city's own approval
            ("HN-SS-MT", "2024-01-01", "2024-12-31"),  # a commune under it, same period
            ("HN-SS-MT", "2024-06-01", "2024-06-30"),  # an overlapping period
        ):
            resp = _approval(client, s_ss, unit, method, start, end)
            assert resp.status_code == 403, (method, unit, resp.text)
            assert resp.json()["code"] == "bound_by_higher_approval" and resp.json()["message"]["vi"]
    listed = client.get("/api/v1/approvals", params={"unit": "HN-SS"}, headers=_h(s_hn)).json()["approvals"]
    assert {(a["unit"], a["approved_by"]) for a in listed} == {("HN-SS", "s_hn"), ("HN-SS-MT", "s_ss")}
    # outside the approved period the district is free; the city itself may change its approval
    assert _approval(client, s_ss, "HN-SS-MT", start="2025-01-01", end="2025-12-31").status_code == 200
    assert _approval(client, s_hn, "HN-SS", "delete").status_code == 204
    assert _approval(client, s_ss, "HN-SS-MT", "delete").status_code == 204


def test_approvals__re_approving_records_the_changes_it_accepts(client: TestClient, sec_settings):
    from sqlalchemy import select

    from sync_server.models import AuditRow

    o_mt, s_ss = enroll(client, "o_mt"), enroll(client, "s_ss")
    assert _approval(client, s_ss, "HN-SS", start="2026-01-01", end="2026-12-31").status_code == 200
    rec = record("outreach_session", session_answers(this_year_day()), unit="HN-SS-MT", author="o_mt")
    assert client.post("/api/v1/sync/push", json=batch(rec), headers=_h(o_mt)).status_code == 200
    again = _approval(client, s_ss, "HN-SS", start="2026-01-01", end="2026-12-31")
    assert again.status_code == 200
    db = client.app.state.db  # type: ignore[attr-defined]
    with db.session() as s:
        last = s.scalars(
            select(AuditRow).where(AuditRow.action == "approve").order_by(AuditRow.id.desc())
        ).first()
    if this_year_day().startswith("2026"):
        assert last.detail["accepted_change_ids"] == [rec["id"]]
    assert last.detail["previous"]["by"] == "s_ss"


def test_devices__a_supervisor_cannot_revoke_or_unlock_an_admins_or_a_peers_phone(
    client: TestClient, sec_settings
):
    _add(client, sec_settings, "a_mt", Role.ADMIN, "HN-SS-MT")  # an admin inside the district
    _add(client, sec_settings, "s_ss2", Role.SUPERVISOR, "HN-SS")  # a peer supervisor
    _add(client, sec_settings, "s_mt", Role.SUPERVISOR, "HN-SS-MT")  # a supervisor below
    s_ss = enroll(client, "s_ss")
    phones = {name: enroll(client, name) for name in ("a_mt", "s_ss2", "s_mt", "o_mt")}
    for name in ("a_mt", "s_ss2"):
        device = phones[name]["device"]
        code = client.post(f"/api/v1/devices/{device}/unlock-code", json={"lockout": 0}, headers=_h(s_ss))
        revoke = client.post(f"/api/v1/devices/{device}/revoke", headers=_h(s_ss))
        assert code.status_code == revoke.status_code == 403, (name, code.text, revoke.text)
        assert revoke.json()["code"] == "outranked"
        assert client.get("/api/v1/sync/pull", headers=_h(phones[name])).status_code == 200  # still works
    for name in ("s_mt", "o_mt"):
        device = phones[name]["device"]
        assert client.post(f"/api/v1/devices/{device}/revoke", headers=_h(s_ss)).status_code == 200
    # the admin above the district can act on the admin inside it
    a_hn = enroll(client, "a_hn")
    assert (
        client.post(f"/api/v1/devices/{phones['a_mt']['device']}/revoke", headers=_h(a_hn)).status_code == 200
    )
