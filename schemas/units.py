"""Units (đơn vị / địa bàn), their tags and their baselines.

Units form a tree (city → district → commune → mediation team; border-guard
command → post). Each carries tags (``key_area``, ``suburban``, ``border``,
...) and, per year, baselines: counts of people that percent indicators
divide by. A unit's baselines are its own people; a parent's figure is its
own plus its descendants'. A unit's tags apply to everything below it, so a
commune of a ``suburban`` district is suburban too (``effective_tags``).
"""

from __future__ import annotations

from collections.abc import Iterable

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
