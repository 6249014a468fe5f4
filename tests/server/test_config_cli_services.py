"""Settings, the CLI, passwords, the unit tree and the tally rebuild."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from schemas.catalog import shipped_plans
from schemas.common import utcnow
from schemas.periods import standard_periods
from schemas.sync import Role
from schemas.units import Unit
from sync_server import cli
from sync_server.bootstrap import prepare_database
from sync_server.config import DEFAULT_DATABASE_URL, get_settings, make_settings
from sync_server.db import Database
from sync_server.demo import demo_units, demo_users
from sync_server.demo.seed import seed_demo
from sync_server.errors import ConfigError, InvalidInput
from sync_server.main import app_from_env
from sync_server.models import TallyRow, UserRow
from sync_server.security import hash_password, token_hash, verify_password
from sync_server.services.accounts import create_user
from sync_server.services.ingest import rebuild_tallies
from sync_server.services.units import subtree_rows, unit_paths, upsert_units

from .helpers import Api, record, session_answers, survey_answers


def test_settings__read_from_environment() -> None:
    s = get_settings(
        {
            "FIELDTALLY_DATABASE_URL": "sqlite:///x.db",
            "FIELDTALLY_MAX_BODY_BYTES": "65536",
            "FIELDTALLY_ENVIRONMENT": "production",
            "FIELDTALLY_SERVER_URL": "ignored",
            "HOME": "/",
        }
    )
    assert (s.database_url, s.max_body_bytes, s.environment, s.database_kind) == (
        "sqlite:///x.db",
        65536,
        "production",
        "sqlite",
    )
    assert get_settings({}).database_url == DEFAULT_DATABASE_URL == "sqlite:///./var/fieldtally.sqlite3"


@pytest.mark.parametrize(
    "values",
    [
        {"database_url": "mysql://x"},
        {"database_url": "postgresql://u@h/db"},  # psycopg2 URL: we ship psycopg 3
        {"max_body_bytes": 0},
        {"signin_max_failures": 0},
        {"environment": "staging"},
        {"timezone": "Mars/Olympus"},
        {"no_such_setting": 1},
    ],
)
def test_settings__refuse_bad_values(values: dict) -> None:
    with pytest.raises(ConfigError):
        make_settings(values)


def test_passwords__argon2id_phc_and_token_hash() -> None:
    phc = hash_password("mật khẩu dài")
    assert phc.startswith("$argon2id$")
    assert verify_password("mật khẩu dài", phc) and not verify_password("mat khau dai", phc)
    assert not verify_password("anything", None) and not verify_password("x", "not a phc string")
    assert token_hash("abc") != "abc" and len(token_hash("abc")) == 64


def test_demo__refused_in_production(tmp_path: Path) -> None:
    settings = make_settings({"database_url": f"sqlite:///{tmp_path}/p.db", "environment": "production"})
    db = Database.from_settings(settings)
    with pytest.raises(ConfigError):
        seed_demo(db, settings)
    db.dispose()


def test_create_user__refuses_every_demo_accounts_password_in_production(tmp_path: Path) -> None:
    prod = make_settings({"database_url": f"sqlite:///{tmp_path}/p.db", "environment": "production"})
    db = Database.from_settings(prod)
    prepare_database(db, prod)
    with db.session(write=True) as s:
        upsert_units(s, units=demo_units())
    users = demo_users()
    assert {"giamsat", "bienphong", "canbo", "chihuy", "admin"} <= {u["username"] for u in users}
    for user in users:
        with db.session(write=True) as s:
            with pytest.raises(ConfigError):
                create_user(
                    s,
                    username=f"real_{user['username']}",
                    password=user["password"],
                    role=Role(user["role"]),
                    unit_code=user["unit"],
                    full_name=user["full_name"],
                    settings=prod,
                    now=utcnow(),
                )
    with db.session() as s:
        assert s.scalars(select(UserRow)).all() == []
    db.dispose()


def test_create_user__refuses_demo_password_in_production_and_short_ones(tmp_path: Path) -> None:
    prod = make_settings({"database_url": f"sqlite:///{tmp_path}/p.db", "environment": "production"})
    db = Database.from_settings(prod)
    from sync_server.bootstrap import prepare_database

    prepare_database(db, prod)
    with db.session(write=True) as s:
        upsert_units(s, units=[Unit(code="HN", name="Hà Nội", type="city")])
    kwargs = dict(role=Role.OFFICER, unit_code="HN", full_name="A", settings=prod, now=utcnow())
    with db.session(write=True) as s:
        with pytest.raises(ConfigError):
            create_user(s, username="a", password="canbo123", **kwargs)
        with pytest.raises(InvalidInput):
            create_user(s, username="a", password="short", **kwargs)
        user, created = create_user(s, username="a", password="a-real-passphrase", **kwargs)
        assert created and user.password_hash.startswith("$argon2id$")
    db.dispose()


def test_cli__init_db_create_user_and_enroll(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path}/cli.db"
    monkeypatch.setenv("FIELDTALLY_DATABASE_URL", url)
    assert cli.main(["seed-demo"]) == 0
    assert cli.main(["seed-demo"]) == 0  # idempotent
    args = [
        "create-user",
        "--username",
        "bs01",
        "--password",
        "bac-son-2026",
        "--role",
        "officer",
        "--unit",
        "HN-SS-BS",
        "--full-name",
        "Lê Thị Cúc",
    ]
    assert cli.main(args) == 0
    assert cli.main(args) == 2  # taken
    no_unit = [
        "create-user",
        "--username",
        "x1",
        "--password",
        "long-enough",
        "--role",
        "officer",
        "--unit",
        "NOWHERE",
        "--full-name",
        "X",
    ]
    assert cli.main(no_unit) == 2
    with TestClient(app_from_env()) as client:
        resp = client.post(
            "/api/v1/enroll", json={"username": "bs01", "password": "bac-son-2026", "device_id": "p"}
        )
        assert resp.status_code == 200, resp.text
        assert resp.json()["user"]["unit_name"] == "Xã Bắc Sơn"
    monkeypatch.setenv("FIELDTALLY_ENVIRONMENT", "production")
    assert cli.main(["seed-demo", "--database-url", f"sqlite:///{tmp_path}/prod.db"]) == 2


def test_unit_paths__parents_any_order_and_cycles() -> None:
    units = [
        Unit(code="C", name="c", type="t", parent="B"),
        Unit(code="B", name="b", type="t", parent="A"),
        Unit(code="A", name="a", type="t"),
    ]
    assert unit_paths(units) == {"A": "A", "B": "A/B", "C": "A/B/C"}
    with pytest.raises(InvalidInput):
        unit_paths(
            [Unit(code="X", name="x", type="t", parent="Y"), Unit(code="Y", name="y", type="t", parent="X")]
        )
    with pytest.raises(InvalidInput):
        unit_paths([Unit(code="X", name="x", type="t", parent="MISSING")])


def test_subtree_rows__like_wildcards_in_codes_do_not_leak(tmp_path: Path) -> None:
    settings = make_settings({"database_url": f"sqlite:///{tmp_path}/u.db"})
    db = Database.from_settings(settings)
    from sync_server.db import init_db

    init_db(db.engine)
    units = [
        Unit(code="U_1", name="a", type="t"),
        Unit(code="U_1-C", name="b", type="t", parent="U_1"),
        Unit(code="UX1", name="c", type="t"),
        Unit(code="UX1-C", name="d", type="t", parent="UX1"),
    ]
    with db.session(write=True) as s:
        upsert_units(s, units=units)
    with db.session() as s:
        assert [r.code for r in subtree_rows(s, root_path="U_1")] == ["U_1", "U_1-C"]
        assert [r.code for r in subtree_rows(s, root_path="U%")] == []
    db.dispose()


def test_standard_periods__year_so_far_and_phase() -> None:
    plan = shipped_plans()[0]
    assert standard_periods(plan, date(2026, 5, 4)) == [
        (date(2026, 1, 1), date(2026, 5, 4)),
        (date(2025, 1, 1), date(2027, 12, 31)),
    ]
    assert standard_periods(plan, date(2021, 1, 1)) == [
        (date(2021, 1, 1), date(2021, 1, 1)),
        (date(2021, 1, 1), date(2024, 12, 31)),
    ]
    assert standard_periods(plan, date(2030, 1, 1)) == [(date(2021, 1, 1), date(2027, 12, 31))]  # plan over


def test_rebuild_tallies__equals_the_incremental_rollup(api: Api, db: Database) -> None:
    day = "2025-03-08"
    recs = [record("awareness_survey", survey_answers(day, correct=c)) for c in (6, 4, 2)]
    recs.append(record("outreach_session", session_answers(day, soldiers=17)))
    assert api.statuses(*recs) == ["stored"] * 4
    revised = dict(recs[0], revision=2, answers=survey_answers("2025-03-09", correct=0))
    assert api.statuses(revised) == ["stored"]

    def snapshot() -> list[tuple]:
        with db.session() as s:
            rows = s.scalars(select(TallyRow).where(TallyRow.total != 0)).all()
            return sorted((r.plan_id, r.unit_code, r.day, r.measure_id, r.total) for r in rows)

    before = snapshot()
    assert ("hanoi_pbgdpl_2021_2027", "HN-SS-MT", date(2025, 3, 8), "attendees_soldiers", 17.0) in before
    with db.session(write=True) as s:
        assert rebuild_tallies(s) == 4
    assert snapshot() == before


def test_sqlite__a_commit_is_on_disk_before_the_receipt(tmp_path: Path) -> None:
    """WAL with synchronous=FULL: a power cut cannot take back a push the phones were told is stored."""
    from sqlalchemy import text as sql

    db = Database.from_settings(make_settings({"database_url": f"sqlite:///{tmp_path / 'd.sqlite3'}"}))
    try:
        with db.session(write=True) as s:
            assert s.execute(sql("PRAGMA journal_mode")).scalar() == "wal"
            assert s.execute(sql("PRAGMA synchronous")).scalar() == 2  # FULL
    finally:
        db.dispose()
