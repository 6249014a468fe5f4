"""Units (đơn vị / địa bàn), their tags and their baselines.

Units form a tree (city → district → commune → mediation team; border-guard
command → post). Each carries tags (``key_area``, ``suburban``, ``border``,
...) and, per year, baselines: counts of people that percent indicators
divide by. A unit's baselines are its own people; a parent's figure is its
own plus its descendants'. A unit's tags apply to everything below it, so a
commune of a ``suburban`` district is suburban too (``effective_tags``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from pydantic import Field

from .common import LocalizedText, Strict, text

# Baseline keys: what percent indicators divide by, with their labels (for files and screens).
BASELINE_LABELS: dict[str, LocalizedText] = {
    "population": text("Dân số", "Population"),
    "cadres": text("Cán bộ", "Cadres"),
    "standing_force": text("Lực lượng thường trực", "Standing force"),
    "reserve_force": text("Lực lượng dự bị động viên", "Reserve force"),
    "militia": text("Dân quân tự vệ", "Militia"),
    "military_reporters": text("Báo cáo viên quân đội", "Military reporters"),
    "military_propagandists": text("Tuyên truyền viên quân đội", "Military propagandists"),
    "local_reporters": text("Báo cáo viên địa phương", "Local reporters"),
    "local_propagandists": text("Tuyên truyền viên địa phương", "Local propagandists"),
    "local_collaborators": text("Cộng tác viên", "Collaborators"),
    "local_mediators": text("Hòa giải viên", "Mediators"),
}
BASELINE_KEYS = tuple(BASELINE_LABELS)

# Types and tags the shipped plan and demo use; others are allowed (a plan names the tags it needs).
UNIT_TYPES: dict[str, LocalizedText] = {
    "city": text("Thành phố", "City"),
    "district": text("Quận, huyện", "District"),
    "commune": text("Xã, phường", "Commune"),
    "mediation_team": text("Tổ hòa giải", "Mediation team"),
    "command": text("Bộ chỉ huy", "Command"),
    "post": text("Đồn, đơn vị", "Post"),
}
KNOWN_TAGS: dict[str, LocalizedText] = {
    "key_area": text("Địa bàn trọng yếu", "Key area"),
    "suburban": text("Huyện ngoại thành", "Suburban district"),
    "urban": text("Nội thành", "Urban"),
    "border": text("Biên giới", "Border"),
}
CODE_PATTERN = r"^[A-Za-z0-9_.-]{1,64}$"
TAG_PATTERN = r"^[a-z][a-z0-9_]{0,31}$"


class Unit(Strict):
    code: str = Field(pattern=CODE_PATTERN)
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


def effective_tags(units: Iterable[Unit]) -> dict[str, frozenset[str]]:
    """Each unit's tags together with every ancestor's (ancestors missing from ``units`` add nothing)."""
    by_code = {u.code: u for u in units}
    out: dict[str, frozenset[str]] = {}

    def tags_of(code: str, seen: frozenset[str]) -> frozenset[str]:
        if code in out:
            return out[code]
        unit = by_code.get(code)
        if unit is None or code in seen:
            return frozenset()
        inherited = tags_of(unit.parent, seen | {code}) if unit.parent else frozenset()
        out[code] = frozenset(unit.tags) | inherited
        return out[code]

    for code in by_code:
        tags_of(code, frozenset())
    return out


def has_any_tag(tags: Iterable[str], wanted: Iterable[str]) -> bool:
    return not set(tags).isdisjoint(wanted)


def baseline_totals(units: Iterable[Unit], keys: Iterable[str], year: int) -> dict[str, float]:
    """The sum of the units' own baselines for ``keys`` in ``year``."""
    keys = list(keys)
    out = dict.fromkeys(keys, 0.0)
    for u in units:
        for k in keys:
            out[k] += baseline_for(u, k, year)
    return out


def unknown_baseline_keys(baselines: Mapping[int, Mapping[str, int]]) -> list[str]:
    """Baseline keys that are not in BASELINE_KEYS (a typo in an import file, most often)."""
    return sorted({k for values in baselines.values() for k in values if k not in BASELINE_LABELS})
