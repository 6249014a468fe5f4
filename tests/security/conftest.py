"""Fixtures of the security suite: a real app on a fresh SQLite file with a cast of users in two subtrees.

Cast (password = username + "-pass1"):

    o_mt   officer     HN-SS-MT   (own scope: HN-SS-MT)
    o_mt2  officer     HN-SS-MT   (same unit, another person)
    o_px   officer     HN-BD-PX   (another district: foreign to o_mt and s_ss)
    s_ss   supervisor  HN-SS      (subtree HN-SS)
    a_hn   admin       HN         (subtree HN; BTL and BP are foreign to it)
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from schemas.common import utcnow
from schemas.sync import Role
from sync_server.app import create_app
from sync_server.config import Settings, make_settings
from sync_server.demo.seed import seed_demo
from sync_server.services.accounts import create_user

CAST = {
    "o_mt": (Role.OFFICER, "HN-SS-MT"),
    "o_mt2": (Role.OFFICER, "HN-SS-MT"),
    "o_px": (Role.OFFICER, "HN-BD-PX"),
    "s_ss": (Role.SUPERVISOR, "HN-SS"),
    "a_hn": (Role.ADMIN, "HN"),
}


def password(username: str) -> str:
    return f"{username}-pass1"


@pytest.fixture
def sec_settings(tmp_path: Path) -> Settings:
    return make_settings(
        {
            "database_url": f"sqlite:///{tmp_path / 'sec.sqlite3'}",
            "environment": "test",
            "recovery_key_file": str(tmp_path / "recovery-key.json"),
        }
    )


@pytest.fixture
def client(sec_settings: Settings) -> Iterator[TestClient]:
    app = create_app(sec_settings)
    with TestClient(app, raise_server_exceptions=False) as c:
        db = app.state.db
        seed_demo(db, sec_settings)
        with db.session(write=True) as s:
            for name, (role, unit) in CAST.items():
                create_user(
                    s,
                    username=name,
                    password=password(name),
                    role=role,
                    unit_code=unit,
                    full_name=name,
                    settings=sec_settings,
                    now=utcnow(),
                )
        yield c


def enroll(client: TestClient, username: str, device_id: str = "phone-1") -> dict:
    resp = client.post(
        "/api/v1/enroll", json={"username": username, "password": password(username), "device_id": device_id}
    )
    assert resp.status_code == 200, resp.text
    return resp.json()
