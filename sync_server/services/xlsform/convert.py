"""Converting the sheets into a fieldtally form definition, row by row, saying what it could not keep.

Two passes over the survey sheet: the first decides which rows become
questions and under which names (expressions may refer forward), the second
builds each question with its rules translated. Groups are flattened (their
relevance applied to each question); repeats, metadata and types fieldtally
does not have are skipped with the reason. The result is checked with
``schemas.forms.FormDefinition`` before it is returned.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, BinaryIO

from pydantic import ValidationError

from schemas.forms import FormDefinition

from .expressions import NAME_OK, NO, YES, Expressions, normal_name
from .report import Conversion, Problem
from .workbook import Row, Texts, language, read_workbook

_TYPES = {
    "text": "text", "string": "text", "integer": "integer", "int": "integer", "decimal": "decimal",
    "date": "date", "time": "time", "geopoint": "geopoint", "note": "note", "calculate": "calculated",
}  # fmt: skip
_METADATA = {
    "start", "end", "today", "deviceid", "imei", "username", "phonenumber", "simserial", "subscriberid",
    "email", "audit", "start-geopoint", "background-geopoint",
}  # fmt: skip
_UNSUPPORTED = {
    "image": "photos are not collected (records stay small on a 2G link)",
    "audio": "audio is not collected", "video": "video is not collected", "file": "files are not collected",
    "barcode": "barcode scanning is not available", "signature": "signatures are not collected",
    "geotrace": "only single points are recorded", "geoshape": "only single points are recorded",
    "rank": "ranking questions are not available", "acknowledge": "use a required select_one yes/no instead",
    "hidden": "hidden values are not available; use calculate", "datetime": "use a date and a time question",
    "xml-external": "external data is not available", "csv-external": "external data is not available",
    "select_one_from_file": "choices from files are not available",
    "select_multiple_from_file": "choices from files are not available",
    "range": "use an integer question with a constraint", "begin_repeat": "", "end_repeat": "",
}  # fmt: skip
_IGNORED_COLUMNS = ("default", "choice_filter", "read_only", "trigger", "repeat_count", "required_message")


def _type_parts(raw: str) -> tuple[str, str, bool]:
    """The type cell in parts.

    'select_one yes_no or_other' -> ('select_one', 'yes_no', True);
    'begin group' -> ('begin_group', '', False).
    """
    parts = raw.split()
    if len(parts) >= 2 and parts[0] in ("begin", "end"):
        return f"{parts[0]}_{parts[1].lower()}", " ".join(parts[2:]), False
    kind = parts[0].lower() if parts else ""
    rest = parts[1] if len(parts) > 1 else ""
    return kind, rest, len(parts) > 2 and parts[2] == "or_other"


class _Converter:
    def __init__(
        self, survey: list[Row], choices: list[Row], settings: dict[str, str], problems: list[Problem]
    ):
        self.survey, self.choices, self.settings, self.problems = survey, choices, settings, problems
        self.default_language = settings.get("default_language")
        cols = set().union(*(r.cells for r in survey)) if survey else set()
        self.texts = Texts(cols, self.default_language, problems, "survey")
        ccols = set().union(*(r.cells for r in choices)) if choices else set()
        self.choice_texts = Texts(ccols, self.default_language, problems, "choices")
        self.lists = self._choice_lists()
        languages = set(self.texts.by_base.get("label", {}))
        for code, name in (("vi", "Vietnamese"), ("en", "English")):
            if languages and code not in languages and "" not in languages:
                other = "English" if code == "vi" else "Vietnamese"
                problems.append(
                    Problem("changed", "survey", 1, f"no {name} labels: the {other} text is shown in both")
                )
            elif languages == {""} and code == "en":
                problems.append(
                    Problem(
                        "changed",
                        "survey",
                        1,
                        "labels have no language (label::English (en), "
                        "label::Vietnamese (vi)): the same text is shown in both",
                    )
                )

    def note(self, level: str, row: Row | None, message: str, name: str = "", sheet: str = "survey") -> None:
        self.problems.append(Problem(level, sheet, row.number if row else None, message, name))

    def _choice_lists(self) -> dict[str, list[dict[str, Any]]]:
        lists: dict[str, list[dict[str, Any]]] = {}
        for row in self.choices:
            list_name = row.get("list_name") or row.get("list name")
            value = row.get("name") or row.get("value")
            label = self.choice_texts.get(row, "label")
            if not list_name or not value:
                self.note("skipped", row, "a choice needs list_name and name", sheet="choices")
                continue
            if label is None:
                label = {"vi": value, "en": value}
                self.note("changed", row, "choice has no label; its name is shown", value, sheet="choices")
            seen = lists.setdefault(list_name, [])
            if any(c["value"] == value for c in seen):
                self.note(
                    "skipped", row, f"choice '{value}' repeats in list '{list_name}'", value, sheet="choices"
                )
                continue
            seen.append({"value": value, "label": label})
        return lists

    def convert(self) -> list[dict[str, Any]]:
        # Pass 1: which rows become fields, under what names (expressions may refer forward).
        names: dict[str, str] = {}
        plan: list[tuple[Row, str, str, bool, list[str]]] = []  # row, kind, arg, or_other, group relevants
        groups: list[tuple[str, str | None]] = []  # (kind, relevant) of the open begin rows
        for row in self.survey:
            kind, arg, or_other = _type_parts(row.get("type"))
            name = row.get("name")
            if kind in ("begin_group", "begin_repeat"):
                groups.append((kind, row.get("relevant") or None))
                if kind == "begin_repeat":
                    self.note(
                        "skipped",
                        row,
                        "repeats are not supported: every question inside it is left out; "
                        "record each repetition as its own record, or ask for a count",
                        name,
                    )
                else:
                    self.note(
                        "changed",
                        row,
                        "group flattened: its questions are kept in order"
                        + (" and its relevance is applied to each" if row.get("relevant") else ""),
                        name,
                    )
                continue
            if kind in ("end_group", "end_repeat"):
                if groups:
                    groups.pop()
                else:
                    self.note("changed", row, f"'{row.get('type')}' without a matching begin; ignored", name)
                continue
            if any(k == "begin_repeat" for k, _ in groups):
                self.note("skipped", row, "inside a repeat: not converted", name)
                continue
            if not kind:
                self.note("skipped", row, "no type", name)
                continue
            if kind in _METADATA:
                self.note(
                    "skipped",
                    row,
                    f"'{kind}' metadata is not a question: the app records who, when and "
                    "on which device by itself",
                    name,
                )
                continue
            if kind in _UNSUPPORTED:
                self.note("skipped", row, f"type '{kind}' is not supported: {_UNSUPPORTED[kind]}", name)
                continue
            if kind not in _TYPES and kind not in ("select_one", "select_multiple", "count_grid"):
                self.note("skipped", row, f"unknown type '{row.get('type')}'", name)
                continue
            if not name:
                self.note("skipped", row, "a question needs a name", name)
                continue
            new = normal_name(name)
            if new in names.values():
                self.note("skipped", row, f"name '{name}' repeats (as '{new}')", name)
                continue
            if new != name:
                self.note(
                    "changed", row, f"name '{name}' becomes '{new}' (lower case letters, digits and _)", name
                )
            names[name] = new
            plan.append((row, kind, arg, or_other, [rel for _, rel in groups if rel]))
        exprs = Expressions(names)
        fields = []
        for row, kind, arg, or_other, group_rels in plan:
            f = self._field(row, kind, arg, or_other, group_rels, names[row.get("name")], exprs)
            if f is not None:
                fields.append(f)
        return fields

    def _field(
        self,
        row: Row,
        kind: str,
        arg: str,
        or_other: bool,
        group_rels: list[str],
        name: str,
        exprs: Expressions,
    ) -> dict[str, Any] | None:
        src = row.get("name")
        label = self.texts.get(row, "label")
        f: dict[str, Any] = {"name": name}
        if kind in ("select_one", "select_multiple", "count_grid"):
            options = self.lists.get(arg)
            if not options:
                self.note("skipped", row, f"choice list '{arg}' is missing or empty", src)
                return None
            if kind == "count_grid":
                f.update(type="count_grid", rows=options)
            else:
                f.update(type="select_one" if kind == "select_one" else "select_many", choices=options)
            if or_other:
                self.note(
                    "changed",
                    row,
                    "'or_other' dropped: add an explicit 'other' choice and a text question",
                    src,
                )
        else:
            f["type"] = _TYPES[kind]
            if kind in ("text", "string") and "multiline" in row.get("appearance").lower():
                f["type"] = "long_text"
        if label is None:
            if kind == "calculate":
                label = {"vi": src, "en": src}
            else:
                self.note("changed", row, "no label; the name is shown instead", src)
                label = {"vi": src, "en": src}
        f["label"] = label
        hint = self.texts.get(row, "hint")
        if hint:
            f["hint"] = hint
        for col in _IGNORED_COLUMNS:
            if row.get(col):
                self.note("changed", row, f"column '{col}' is not supported and was ignored", src)
        if row.get("appearance") and not (
            f["type"] == "long_text" and row.get("appearance").lower() == "multiline"
        ):
            self.note("changed", row, f"appearance '{row.get('appearance')}' ignored", src)

        required = row.get("required").lower()
        if f["type"] not in ("note", "calculated"):
            if required in YES:
                f["required"] = True
            elif required not in NO:
                expr, why = exprs.translate(row.get("required"))
                if expr:
                    f["required_if"] = expr
                else:
                    self.note("changed", row, f"required: {why}; the question is optional", src)
        relevants = [*group_rels, row.get("relevant")] if row.get("relevant") else list(group_rels)
        if relevants:
            parts = []
            for rel in relevants:
                expr, why = exprs.translate(rel)
                if expr is None:
                    self.note("changed", row, f"relevant: {why}; the question is always shown", src)
                    parts = []
                    break
                parts.append(f"({expr})" if len(relevants) > 1 else expr)
            if parts:
                f["relevant"] = " and ".join(parts)
        if row.get("constraint"):
            self._constraint(row, f, exprs)
        if kind == "calculate":
            expr, why = exprs.translate(row.get("calculation"))
            if expr is None:
                self.note("skipped", row, f"calculation: {why or 'missing'}", src)
                return None
            f["calculation"] = expr
        elif row.get("calculation"):
            self.note("changed", row, "a calculation on a question that is typed in is ignored", src)
        return f

    def _constraint(self, row: Row, f: dict[str, Any], exprs: Expressions) -> None:
        src, raw = row.get("name"), row.get("constraint")
        # regex(., 'pattern') alone is our "pattern" rule (a full match), which the phone and
        # the server already know.
        m = re.fullmatch(r"\s*regex\(\s*\.\s*,\s*(['\"])(.*)\1\s*\)\s*", raw)
        if m and f["type"] in ("text", "long_text"):
            f["pattern"] = m.group(2)
        else:
            expr, why = exprs.translate(raw)
            if expr is None:
                self.note("changed", row, f"constraint: {why}; the answer is not checked for it", src)
                return
            f["constraint"] = expr
        message = self.texts.get(row, "constraint_message")
        if message:
            f["constraint_message"] = message


def _pick_period_field(
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


def convert(
    workbook: str | Path | BinaryIO,
    *,
    form_id: str | None = None,
    version: int | None = None,
    period_field: str | None = None,
) -> Conversion:
    """Read ``workbook`` and build a form definition, with every problem found (see the package doc)."""
    sheets = read_workbook(workbook)
    settings = sheets.settings
    problems: list[Problem] = []
    conv = _Converter(sheets.survey, sheets.choices, settings, problems)
    fields = conv.convert()

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
    pf = _pick_period_field(fields, period_field, problems)
    if not fields:
        problems.append(Problem("error", "survey", None, "no question could be converted"))
    if any(p.level == "error" for p in problems):
        return Conversion(None, problems)
    definition = {"id": fid, "version": ver, "title": title, "period_field": pf, "fields": fields}
    try:
        FormDefinition.model_validate(definition)
    except ValidationError as exc:
        for err in exc.errors():
            problems.append(Problem("error", "survey", None, str(err.get("msg", err))))
        return Conversion(None, problems)
    return Conversion(definition, problems)
