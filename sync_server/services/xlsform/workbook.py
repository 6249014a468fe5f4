"""Reading an XLSForm workbook: its ``survey``, ``choices`` and ``settings`` sheets, and texts by language.

Only Vietnamese and English are kept: ``label::Vietnamese (vi)``,
``label::English (en)`` (the form ODK recommends), ``label::English``, or a
plain ``label`` (the form's default language). A
workbook that cannot be read at all raises ``XLSFormError``; everything
else is reported row by row by the converter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from ...errors import XLSFormError
from .report import Problem

_LANG_CODES = {
    "vi": "vi", "vietnamese": "vi", "tiếng việt": "vi", "tieng viet": "vi",
    "en": "en", "english": "en", "tiếng anh": "en",
}  # fmt: skip


@dataclass
class Row:
    number: int
    cells: dict[str, Any]

    def get(self, column: str) -> str:
        v = self.cells.get(column)
        if v is None:
            return ""
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        return str(v).strip()


def read_sheet(wb: Any, name: str) -> list[Row] | None:
    sheet = next((wb[s] for s in wb.sheetnames if s.strip().lower() == name), None)
    if sheet is None:
        return None
    rows = sheet.iter_rows(values_only=True)
    header = next(rows, None)
    if header is None:
        return []
    columns = [str(h).strip() if h is not None else "" for h in header]
    out = []
    for i, values in enumerate(rows, start=2):
        cells = {
            c: v
            for c, v in zip(columns, values, strict=False)
            if c and v is not None and str(v).strip() != ""
        }
        if cells:
            out.append(Row(i, cells))
    return out


def language(column_suffix: str) -> str | None:
    """'Vietnamese (vi)' -> 'vi'; 'English' -> 'en'; anything else -> None."""
    s = column_suffix.strip().lower()
    m = re.search(r"\(([a-z]{2,3})\)\s*$", s)
    if m and m.group(1) in ("vi", "en"):
        return m.group(1)
    return _LANG_CODES.get(re.sub(r"\s*\(.*\)\s*$", "", s))


class Texts:
    """Finds a row's text in Vietnamese and English from ``label``, ``label::Vietnamese (vi)``, ..."""

    def __init__(self, columns: set[str], default_language: str | None, problems: list[Problem], sheet: str):
        self.by_base: dict[str, dict[str, str]] = {}
        self.fallbacks: list[tuple[int, str, str]] = []  # (row, label|hint|..., the language missing)
        for col in columns:
            base, _, lang = col.partition("::")
            base = base.strip().lower()
            found = language(lang) if lang else (language(default_language or "") or "")
            if found is None:
                problems.append(
                    Problem(
                        "changed", sheet, 1, f"column '{col}' ignored: only Vietnamese and English are kept"
                    )
                )
                continue
            self.by_base.setdefault(base, {})[found] = col

    def get(self, row: Row, base: str) -> dict[str, str] | None:
        """The row's text in both languages. A language the row lacks shows the other, visibly marked
        ("… (vi)"), and is remembered in ``fallbacks`` for the report; a text with no language at all
        (plain ``label``, no default language) is the same in both, which the converter reports once."""
        cols = self.by_base.get(base, {})
        found = {code: row.get(col) for code, col in cols.items() if row.get(col)}
        if not found:
            return None
        plain = found.get("")
        vi, en = found.get("vi") or plain, found.get("en") or plain
        if vi and en:
            return {"vi": vi, "en": en}
        have, missing = ("vi", "en") if vi else ("en", "vi")
        self.fallbacks.append((row.number, base, missing))
        shown = f"{vi or en} ({have})"
        return {"vi": vi or shown, "en": en or shown}


def _cell_text(v: Any) -> str:
    return str(int(v)) if isinstance(v, float) and v.is_integer() else str(v).strip()


@dataclass
class Sheets:
    survey: list[Row]
    choices: list[Row]
    settings: dict[str, str]  # lower-cased keys of the first settings row, values as text


def read_workbook(workbook: str | Path | BinaryIO) -> Sheets:
    """The three sheets of ``workbook``; XLSFormError if it is not an .xlsx or has no ``survey`` sheet."""
    try:
        wb = load_workbook(workbook, read_only=True, data_only=True)
    except (InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise XLSFormError(f"cannot read the workbook: {exc} (save it as .xlsx)") from exc
    except Exception as exc:  # zipfile.BadZipFile and friends: not an .xlsx at all
        raise XLSFormError(f"cannot read the workbook ({type(exc).__name__}); save it as .xlsx") from exc
    try:
        survey = read_sheet(wb, "survey")
        if survey is None:
            raise XLSFormError("the workbook has no 'survey' sheet")
        choices = read_sheet(wb, "choices") or []
        settings_rows = read_sheet(wb, "settings") or []
    finally:
        wb.close()
    raw = {k.strip().lower(): v for k, v in (settings_rows[0].cells.items() if settings_rows else [])}
    settings = {
        k: (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v).strip())
        for k, v in raw.items()
    }
    return Sheets(survey, choices, settings)
