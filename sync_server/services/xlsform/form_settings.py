"""The form as a whole from the settings sheet: its id, version and title, and the date it counts by.

Apart from the question-by-question conversion (``convert.py``) because these are decided once per
workbook, from the ``settings`` sheet and the command's options, after the questions are known.
Their problems follow the questions' in the one report.
"""

from __future__ import annotations

from typing import Any

from .expressions import NAME_OK, normal_name
from .report import Problem
from .workbook import language


def form_identity(
    settings: dict[str, str], form_id: str | None, version: int | None, problems: list[Problem]
) -> tuple[str, int | None, dict[str, str]]:
    """The form's id, version (None if unusable: an error is reported) and title in both languages."""
    fid = form_id or settings.get("form_id") or ""
    if not fid:
        problems.append(
            Problem("error", "settings", None, "no form_id: add one to the settings sheet or pass --form-id")
        )
    elif not NAME_OK.match(fid):
        new = normal_name(fid)
        problems.append(Problem("changed", "settings", None, f"form_id '{fid}' becomes '{new}'"))
        fid = new
    ver: int | None = version
    if ver is None:
        raw_version = settings.get("version", "1")
        ver = int(raw_version) if raw_version.isdigit() and int(raw_version) >= 1 else None
        if ver is None or ver > 2**31 - 1:
            problems.append(
                Problem(
                    "error",
                    "settings",
                    None,
                    f"version '{raw_version}' is not a whole number that fits; pass --version N",
                )
            )
            ver = None
    titles = {
        language(k.partition("::")[2]): v for k, v in settings.items() if k.startswith("form_title::") and v
    }
    title_text = settings.get("form_title") or titles.get("vi") or titles.get("en") or fid
    title = {"vi": titles.get("vi") or title_text, "en": titles.get("en") or title_text}
    return fid, ver, title


def pick_period_field(
    fields: list[dict[str, Any]], wanted: str | None, problems: list[Problem]
) -> str | None:
    dates = [f for f in fields if f["type"] == "date" and "relevant" not in f]
    if wanted:
        f = next((f for f in dates if f["name"] == wanted), None)
        if f is None:
            problems.append(
                Problem(
                    "error",
                    "survey",
                    None,
                    f"--period-field {wanted} is not a date question that is always shown",
                )
            )
            return None
    elif dates:
        f = next((f for f in dates if f.get("required")), dates[0])
    else:
        problems.append(
            Problem(
                "error",
                "survey",
                None,
                "fieldtally counts each record for the day it "
                "happened: add a required date question (e.g. the session date)",
            )
        )
        return None
    if not f.get("required"):
        f["required"] = True
        problems.append(
            Problem(
                "changed",
                "survey",
                None,
                f"'{f['name']}' made required: it is the date the record counts for",
                f["name"],
            )
        )
    return str(f["name"])
