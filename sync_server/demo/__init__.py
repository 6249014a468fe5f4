"""Demo data: unit trees with baselines for 2024-2026, and users (refused in production).

Trees: Hà Nội (an urban district, Ba Đình, and a suburban one, Sóc Sơn, whose
communes are key areas; mediation teams under communes), the capital command
with two battalions, and a border-guard command with two posts.
Users: ``canbo``/``canbo123`` (officer, HN-SS-MT), ``chihuy``/``chihuy123``
(supervisor, HN), ``giamsat``/``giamsat123`` (supervisor, HN-SS),
``bienphong``/``bienphong123`` (supervisor, BP), ``admin``/``admin123``
(admin, HN). ``fieldtally-demo`` runs a server on them. ``units.csv`` is the
same tree as an ``import-units`` file.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from schemas.common import utcnow
from schemas.sync import Role
from schemas.units import Unit

from ..config import Settings
from ..db import Database
from ..errors import ConfigError
from ..services.accounts import create_user
from ..services.units import upsert_units


def _read(name: str) -> Any:
    return json.loads((resources.files(__package__) / name).read_text(encoding="utf-8"))


def demo_units() -> list[Unit]:
    return [Unit.model_validate(u) for u in _read("units.json")["units"]]


def demo_users() -> list[dict[str, str]]:
    return list(_read("users.json")["users"])


def seed_demo(db: Database, settings: Settings) -> None:
    """Add the demo units and users; idempotent (existing users keep their passwords)."""
    if settings.environment == "production":
        raise ConfigError(
            "demo data (with its well-known passwords) is refused when FIELDTALLY_ENVIRONMENT=production"
        )
    now = utcnow()
    with db.session(write=True) as s:
        upsert_units(s, units=demo_units())
        for user in demo_users():
            create_user(
                s,
                username=user["username"],
                password=user["password"],
                role=Role(user["role"]),
                unit_code=user["unit"],
                full_name=user["full_name"],
                settings=settings,
                now=now,
                exist_ok=True,
            )


def main(argv: list[str] | None = None) -> int:
    """``fieldtally-demo [serve options]``: a server with the demo data."""
    import sys

    from ..cli import main as cli_main

    return cli_main(["serve", "--demo", "--demo-records", *(sys.argv[1:] if argv is None else argv)])
