"""The demo data as shipped: the unit trees of ``units.json`` and the users of ``users.json``.

A leaf module (schemas and the standard library only) so that the password
check in ``security.py`` can read the demo users without importing the
services that seed them: the list of passwords refused in production is
derived from the file itself, so a demo user added there is refused too.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from schemas.units import Unit


def _read(name: str) -> Any:
    return json.loads((resources.files(__package__) / name).read_text(encoding="utf-8"))


def demo_units() -> list[Unit]:
    return [Unit.model_validate(u) for u in _read("units.json")["units"]]


def demo_users() -> list[dict[str, str]]:
    return list(_read("users.json")["users"])


def demo_passwords() -> frozenset[str]:
    """Every password the demo users ship with: well known, so never to guard real data."""
    return frozenset(user["password"] for user in demo_users())
