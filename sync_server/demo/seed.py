"""Storing the demo units and users (refused in production, where their passwords are public)."""

from __future__ import annotations

from schemas.common import utcnow
from schemas.sync import Role

from ..config import Settings
from ..db import Database
from ..errors import ConfigError
from ..services.accounts import create_user
from ..services.units import upsert_units
from .data import demo_units, demo_users


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
