"""The unit tree: storing units with their paths, and selecting a subtree by path prefix."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from schemas.common import text
from schemas.units import Unit

from ..errors import InvalidInput, NotFound
from ..models import UnitRow

PATH_SEP = "/"


def unit_paths(units: Iterable[Unit], known: dict[str, str] | None = None) -> dict[str, str]:
    """Each unit's path ("HN/HN-SS/HN-SS-MT") from its parent chain; ``known`` holds stored paths.

    Raises InvalidInput on an unknown parent or a cycle.
    """
    by_code = {u.code: u for u in units}
    paths: dict[str, str] = {}
    known = known or {}

    def path_of(code: str, seen: tuple[str, ...]) -> str:
        if code in paths:
            return paths[code]
        if code in seen:
            raise InvalidInput(
                text(f"Đơn vị {code} tự là cấp trên của mình.", f"Unit {code} is its own ancestor.")
            )
        unit = by_code.get(code)
        if unit is None:
            if code in known:
                return known[code]
            raise InvalidInput(text(f"Không có đơn vị cấp trên {code}.", f"No parent unit {code}."))
        path = code if unit.parent is None else path_of(unit.parent, seen + (code,)) + PATH_SEP + code
        paths[code] = path
        return path

    for code in by_code:
        path_of(code, ())
    return paths


def upsert_units(session: Session, *, units: list[Unit]) -> int:
    """Insert or update ``units`` (parents may come in any order); returns how many changed.

    Moving a unit that has children under another parent is refused for now
    (their paths would have to move too).
    """
    known = dict(session.execute(select(UnitRow.code, UnitRow.path)).tuples().all())
    paths = unit_paths(units, known)
    changed = 0
    for unit in sorted(units, key=lambda u: paths[u.code].count(PATH_SEP)):
        row = session.get(UnitRow, unit.code)
        baselines = {str(year): dict(values) for year, values in unit.baselines.items()}
        if row is None:
            session.add(
                UnitRow(
                    code=unit.code,
                    name=unit.name,
                    type=unit.type,
                    parent_code=unit.parent,
                    path=paths[unit.code],
                    tags=list(unit.tags),
                    baselines=baselines,
                )
            )
            session.flush()
            changed += 1
            continue
        if row.path != paths[unit.code] and any(p.startswith(row.path + PATH_SEP) for p in known.values()):
            raise InvalidInput(
                text(
                    f"Chưa hỗ trợ chuyển đơn vị {unit.code} có đơn vị con.",
                    f"Moving unit {unit.code} with children is not supported.",
                )
            )
        new = (unit.name, unit.type, unit.parent, paths[unit.code], list(unit.tags), baselines)
        if (row.name, row.type, row.parent_code, row.path, row.tags, row.baselines) != new:
            row.name, row.type, row.parent_code, row.path, row.tags, row.baselines = new
            changed += 1
    session.flush()
    return changed


def get_unit(session: Session, *, code: str) -> UnitRow:
    """The unit ``code``; NotFound if there is none."""
    row = session.get(UnitRow, code)
    if row is None:
        raise NotFound(text(f"Không có đơn vị {code}.", f"There is no unit {code}."), code="unknown_unit")
    return row


def is_within(path: str, root_path: str) -> bool:
    """Whether the unit at ``path`` is ``root_path`` or below it."""
    return path == root_path or path.startswith(root_path + PATH_SEP)


def subtree_clause(path_col: Any, root_path: str) -> Any:
    """The SQL condition "the unit whose path is ``path_col`` lies in the subtree at ``root_path``"."""
    return or_(path_col == root_path, path_col.startswith(root_path + PATH_SEP, autoescape=True))


def subtree_rows(session: Session, *, root_path: str) -> list[UnitRow]:
    """The unit at ``root_path`` and all below it, parents before children (one prefix query)."""
    rows = session.scalars(
        select(UnitRow).where(
            or_(UnitRow.path == root_path, UnitRow.path.startswith(root_path + PATH_SEP, autoescape=True))
        )
    ).all()
    return sorted(rows, key=lambda r: (r.path.count(PATH_SEP), r.path))


def to_unit(row: UnitRow) -> Unit:
    return Unit(
        code=row.code,
        name=row.name,
        type=row.type,
        parent=row.parent_code,
        tags=list(row.tags or []),
        baselines={int(year): dict(values) for year, values in (row.baselines or {}).items()},
    )


def unit_in_scope(session: Session, *, code: str, scope_path: str, scope_code: str) -> UnitRow:
    """The unit ``code`` if it lies in the subtree at ``scope_path``; Forbidden otherwise.

    A unit that does not exist gets the very same answer as one outside the
    scope, so a caller cannot learn which codes exist beyond their subtree.
    """
    from ..errors import Forbidden

    row = session.get(UnitRow, code)
    if row is None or not is_within(row.path, scope_path):
        raise Forbidden(
            text(
                f"Đơn vị {code} không thuộc phạm vi của bạn ({scope_code}).",
                f"Unit {code} is outside your scope ({scope_code}).",
            )
        )
    return row
