"""Units and baselines in and out of CSV and XLSX files (the admin command line).

One row per unit and year: ``code, name, type, parent, tags, year`` and one
column per baseline key. A unit without baselines has one row with an empty
year; a unit with three years of baselines has three rows repeating its
name, type, parent and tags. Import checks every row first and reports each
bad one by its row number; only a clean file is written, in one transaction,
so nothing is ever half-imported. The baselines of the years in the file
replace the stored ones; other years are kept.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from schemas.common import Issue, text
from schemas.units import BASELINE_KEYS, Unit

from ..errors import InvalidInput
from ..models import UnitRow
from .audit import audit
from .units import PATH_SEP, to_unit, unit_paths, upsert_units

UNIT_COLUMNS = ["code", "name", "type", "parent", "tags", "year", *BASELINE_KEYS]
_REQUIRED = ("code", "name", "type")
MAX_ROWS = 100_000


def _row_issue(row: int, vi: str, en: str, code: str = "bad_row") -> Issue:
    return Issue(field=f"row {row}", code=code, message=text(f"Dòng {row}: {vi}", f"Row {row}: {en}"))


def read_table(path: Path) -> list[dict[str, str]]:
    """The rows of a .csv (UTF-8, with or without BOM) or .xlsx file (its first sheet) as text dicts."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as f:
            reader = csv.DictReader(f)
            return [{(k or "").strip(): (v or "").strip() for k, v in r.items()} for r in reader]
    if suffix == ".xlsx":
        from openpyxl import load_workbook

        wb = load_workbook(path, read_only=True, data_only=True)
        try:
            rows = list(wb.worksheets[0].iter_rows(values_only=True))
        finally:
            wb.close()
        if not rows:
            return []
        header = [str(h or "").strip() for h in rows[0]]
        return [
            {h: _cell_text(v) for h, v in zip(header, r, strict=False) if h}
            for r in rows[1:]
            if any(v not in (None, "") for v in r)
        ]
    raise InvalidInput(
        text(
            f"Chỉ nhận tệp .csv hoặc .xlsx, không nhận {path.name}.",
            f"Only .csv or .xlsx files, not {path.name}.",
        )
    )


def _cell_text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def _plain(value: str) -> str:
    """Undo the export's formula neutralising (a leading apostrophe before = + - @)."""
    return value[1:] if re.match(r"^'[=+\-@]", value) else value


def parse_unit_table(rows: list[dict[str, str]]) -> tuple[list[Unit], list[Issue]]:
    """Units (baselines merged per code) from table rows, and an issue per bad row (rows count from 2)."""
    issues: list[Issue] = []
    if len(rows) > MAX_ROWS:
        return [], [Issue(code="too_many_rows", message=text("Tệp quá lớn.", f"More than {MAX_ROWS} rows."))]
    if rows:
        missing = [c for c in _REQUIRED if c not in rows[0]]
        unknown = [c for c in rows[0] if c not in UNIT_COLUMNS]
        if missing or unknown:
            expected = ", ".join(UNIT_COLUMNS)
            return [], [
                Issue(
                    field="header",
                    code="bad_header",
                    message=text(
                        f"Tiêu đề cột sai: thiếu {missing}, không biết {unknown}. Cần: {expected}.",
                        f"Bad header: missing {missing}, unknown {unknown}. Expected: {expected}.",
                    ),
                )
            ]
    units: dict[str, dict[str, Any]] = {}
    for n, raw in enumerate(rows, start=2):
        row = {k: _plain(v) for k, v in raw.items()}
        code = row.get("code", "")
        attrs = {
            "code": code,
            "name": row.get("name", ""),
            "type": row.get("type", ""),
            "parent": row.get("parent") or None,
            "tags": sorted({t.strip() for t in re.split(r"[;,]", row.get("tags", "")) if t.strip()}),
        }
        year_text = row.get("year", "")
        values: dict[str, int] = {}
        bad = False
        for key in BASELINE_KEYS:
            cell = row.get(key, "")
            if cell == "":
                continue
            if not re.fullmatch(r"\d{1,9}", cell):
                issues.append(
                    _row_issue(
                        n,
                        f"«{key}» phải là số nguyên không âm ({cell!r}).",
                        f"“{key}” must be a whole number ≥ 0 ({cell!r}).",
                    )
                )
                bad = True
            else:
                values[key] = int(cell)
        year: int | None = None
        if year_text:
            if not re.fullmatch(r"(19|20|21)\d\d", year_text):
                issues.append(
                    _row_issue(n, f"năm không hợp lệ ({year_text!r}).", f"bad year ({year_text!r}).")
                )
                bad = True
            else:
                year = int(year_text)
        elif values:
            issues.append(_row_issue(n, "có số liệu nền nhưng thiếu năm.", "baselines without a year."))
            bad = True
        try:
            Unit.model_validate({**attrs, "baselines": {}})
        except ValidationError as exc:
            for err in exc.errors(include_url=False):
                where = ".".join(map(str, err["loc"]))
                issues.append(
                    _row_issue(n, f"«{where}» không hợp lệ ({err['msg']}).", f"“{where}”: {err['msg']}.")
                )
            continue
        if bad:
            continue
        seen = units.get(code)
        if seen is None:
            units[code] = {**attrs, "baselines": {}, "_row": n}
        elif {k: seen[k] for k in attrs} != attrs:
            issues.append(
                _row_issue(
                    n,
                    f"đơn vị {code} khác với dòng {seen['_row']} (tên, loại, cấp trên hoặc thẻ).",
                    f"unit {code} differs from row {seen['_row']} (name, type, parent or tags).",
                )
            )
            continue
        if year is not None:
            if year in units[code]["baselines"]:
                issues.append(
                    _row_issue(n, f"năm {year} của {code} lặp lại.", f"year {year} of {code} repeats.")
                )
                continue
            units[code]["baselines"][year] = values
    out = [Unit.model_validate({k: v for k, v in u.items() if k != "_row"}) for u in units.values()]
    return out, issues


def import_units(session: Session, *, units: list[Unit], actor: str, now: datetime) -> int:
    """Write checked units (merging baselines by year) and audit each change; returns how many changed.

    Raises InvalidInput (an unknown parent, a cycle, a move of a unit with
    children): the caller's transaction then rolls everything back.
    """
    stored = {r.code: to_unit(r) for r in session.scalars(select(UnitRow))}
    known = dict(session.execute(select(UnitRow.code, UnitRow.path)).tuples().all())
    unit_paths(units, known)  # parents and cycles, before anything is written
    merged = []
    for u in units:
        old = stored.get(u.code)
        baselines = {**(old.baselines if old else {}), **u.baselines}
        merged.append(u.model_copy(update={"baselines": baselines}))
    changed = upsert_units(session, units=merged)
    for u in merged:
        old = stored.get(u.code)
        if old == u:
            continue
        detail: dict[str, Any] = {"name": u.name, "type": u.type, "parent": u.parent, "tags": u.tags}
        if old is not None:
            detail["baselines_changed"] = sorted(
                str(y)
                for y in set(old.baselines) | set(u.baselines)
                if old.baselines.get(y) != u.baselines.get(y)
            )
        audit(
            session,
            actor=actor,
            action="create" if old is None else "update",
            entity="unit",
            entity_id=u.code,
            now=now,
            detail=detail,
            unit=u.code,
        )
    return changed


def unit_table(session: Session, *, root: str | None = None) -> list[list[Any]]:
    """Rows of every unit (of ``root``'s subtree, if given), one per unit and year, parents first."""
    rows = session.scalars(select(UnitRow)).all()
    if root:
        base = next((r.path for r in rows if r.code == root), None)
        rows = [r for r in rows if base and (r.path == base or r.path.startswith(base + PATH_SEP))]
    rows = sorted(rows, key=lambda r: (r.path.count(PATH_SEP), r.path))
    out: list[list[Any]] = []
    for r in rows:
        u = to_unit(r)
        head = [u.code, u.name, u.type, u.parent or "", ";".join(u.tags)]
        if not u.baselines:
            out.append(head + [""] + [""] * len(BASELINE_KEYS))
        for year in sorted(u.baselines):
            values = u.baselines[year]
            out.append(head + [year] + [values.get(k, "") for k in BASELINE_KEYS])
    return out


def write_table(path: Path, headers: list[str], rows: Iterable[list[Any]], *, zone: Any) -> None:
    """Write ``rows`` as .csv or .xlsx, by the file's suffix (formula-like text neutralised)."""
    from .exports import to_csv, to_xlsx

    suffix = path.suffix.lower()
    if suffix == ".csv":
        data = to_csv(headers, rows, zone=zone)
    elif suffix == ".xlsx":
        data = to_xlsx(headers, rows, zone=zone, sheet="units")
    else:
        raise InvalidInput(
            text("Chỉ ghi được tệp .csv hoặc .xlsx.", "Only .csv or .xlsx files can be written.")
        )
    path.write_bytes(data)
