"""Units (đơn vị / địa bàn) and their baselines."""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import Field

from .common import Strict

# Baseline keys: what percent indicators divide by. Counts of people attached
# directly to a unit; a parent's figure is its own plus its descendants'.
BASELINE_KEYS = (
    "population",
    "cadres",
    "standing_force",
    "reserve_force",
    "militia",
    "military_propagandists",
    "local_propagandists",
)


class Unit(Strict):
    code: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    name: str = Field(min_length=1, max_length=200)
    type: str = Field(min_length=1, max_length=32)
    parent: str | None = None
    tags: list[str] = []
    # year -> baseline key -> count of people
    baselines: dict[int, dict[str, int]] = {}


def baseline_for(unit: Unit, key: str, year: int) -> int:
    """The unit's own baseline for ``key`` in ``year``, or the latest earlier year's."""
    years = sorted(y for y in unit.baselines if y <= year and key in unit.baselines[y])
    return unit.baselines[years[-1]][key] if years else 0


def subtree(units: Iterable[Unit], root: str) -> list[Unit]:
    """``root`` and every unit below it, parents before children."""
    children: dict[str | None, list[Unit]] = {}
    by_code: dict[str, Unit] = {}
    for u in units:
        children.setdefault(u.parent, []).append(u)
        by_code[u.code] = u
    if root not in by_code:
        return []
    out, stack = [], [by_code[root]]
    while stack:
        u = stack.pop(0)
        out.append(u)
        stack.extend(sorted(children.get(u.code, []), key=lambda c: c.code))
    return out
