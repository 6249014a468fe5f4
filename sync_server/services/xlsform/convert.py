"""Converting the sheets into a fieldtally form definition, row by row, saying what it could not keep.

Two passes over the survey sheet: the first decides which rows become
questions and under which names (expressions may refer forward) and where
they sit (sections and repeats, ``structure.py``); the second builds each
question with its rules translated. Metadata and types fieldtally does not
have are skipped with the reason. The result is checked with
``schemas.forms.FormDefinition`` before it is returned.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, BinaryIO

from pydantic import ValidationError

from schemas.forms import FormDefinition, compiled

from .expressions import COLUMN_OK, NO, YES, Expressions, normal_name
from .form_settings import form_identity, pick_period_field
from .question_types import CHOICE_SHEET_COLUMNS, IGNORED_COLUMNS, TYPES, unsupported
from .report import Conversion, Problem
from .structure import Item, Structure, type_parts
from .workbook import Row, Texts, read_workbook


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
        self.choice_columns = {
            c for c in ccols if c.partition("::")[0].strip().lower() not in CHOICE_SHEET_COLUMNS
        }
        self.columns: dict[str, dict[str, dict[str, str]]] = {}  # list -> choice -> its other columns
        self.lists = self._choice_lists()

    def report_languages(self) -> None:
        """Say which texts lack a language: once for a whole column, else row by row."""
        names = {"vi": "Vietnamese", "en": "English"}
        languages = set(self.texts.by_base.get("label", {}))
        if languages == {""}:
            self.note(
                "changed",
                None,
                "labels have no language (label::Vietnamese (vi), label::English (en)): "
                "the same text is shown in both",
            )
            return
        whole = {code for code in ("vi", "en") if languages and code not in languages}
        for code in sorted(whole):
            other = names["en" if code == "vi" else "vi"]
            self.note(
                "changed",
                None,
                f"no {names[code]} labels: the {other} text is shown instead, marked "
                f"({'en' if code == 'vi' else 'vi'})",
            )
        for texts, sheet in ((self.texts, "survey"), (self.choice_texts, "choices")):
            for number, base, code in texts.fallbacks:
                if base == "label" and code in whole:
                    continue
                other = "en" if code == "vi" else "vi"
                self.problems.append(
                    Problem(
                        "changed",
                        sheet,
                        number,
                        f"{base} has no {names[code]}: the {names[other]} is shown, marked ({other})",
                    )
                )

    def note(self, level: str, row: Row | None, message: str, name: str = "", sheet: str = "survey") -> None:
        # A skipped row that the officer had to answer: publishing it needs --allow-skipped-required.
        required = level == "skipped" and row is not None and row.get("required").lower() in YES
        self.problems.append(Problem(level, sheet, row.number if row else None, message, name, required))

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
            self.columns.setdefault(list_name, {})[value] = {
                col: row.get(col) for col in row.cells if col in self.choice_columns
            }
        return lists

    def convert(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """The form's fields and sections."""
        # Pass 1: which rows become fields, under what names (expressions may refer forward).
        self.names: dict[str, str] = {}
        structure = Structure(lambda row: self.texts.get(row, "label"), self._note_row)
        for row in self.survey:
            kind, arg, or_other = type_parts(row.get("type"))
            name = row.get("name")
            if kind in ("begin_group", "begin_repeat"):
                if kind == "begin_repeat" and not structure.in_dropped_repeat():
                    if not self._take_name(row, name):
                        structure.begin("begin_group", row)  # its questions are kept, flattened
                        continue
                structure.begin(kind, row)
                continue
            if kind in ("end_group", "end_repeat"):
                structure.end(kind, row)
                continue
            if structure.in_dropped_repeat():
                self.note("skipped", row, "inside a repeat that is left out: not converted", name)
                continue
            if self._question_kind(row, kind, name) and self._take_name(row, name):
                structure.add(row, kind, arg, or_other)
        exprs = Expressions(self.names)
        fields = [f for item in structure.items if (f := self._item(item, exprs)) is not None]
        sections = []
        for sec in structure.sections:
            out: dict[str, Any] = {"name": sec.name, "label": sec.label}
            rel = self._joined(sec.row, sec.relevants, exprs, "the section is always shown")
            if rel:
                out["relevant"] = rel
            sections.append(out)
        used = {f.get("section") for f in fields}
        return fields, [s for s in sections if s["name"] in used]

    def _note_row(self, level: str, row: Row, message: str, name: str) -> None:
        self.note(level, row, message, name)

    def _question_kind(self, row: Row, kind: str, name: str) -> bool:
        """True when the row is a question type fieldtally has (else the report says why not)."""
        why = unsupported(kind, row.get("type"))
        if why is not None:
            self.note("skipped", row, why, name)
        return why is None

    def _take_name(self, row: Row, name: str) -> bool:
        if not name:
            self.note("skipped", row, "a question needs a name", name)
            return False
        new = normal_name(name)
        if new in self.names.values():
            self.note("skipped", row, f"name '{name}' repeats (as '{new}')", name)
            return False
        if new != name:
            self.note(
                "changed", row, f"name '{name}' becomes '{new}' (lower case letters, digits and _)", name
            )
        self.names[name] = new
        return True

    def _item(self, item: Item, exprs: Expressions) -> dict[str, Any] | None:
        name = self.names[item.row.get("name")]
        if item.kind != "repeat":
            f = self._field(item.row, item.kind, item.arg, item.or_other, item.relevants, name, exprs)
        else:
            f = self._repeat(item, name, exprs)
        if f is not None and item.section:
            f["section"] = item.section
        return f

    def _repeat(self, item: Item, name: str, exprs: Expressions) -> dict[str, Any] | None:
        row, src = item.row, item.row.get("name")
        children = [c for c in (self._item(child, exprs) for child in item.children) if c is not None]
        if not children:
            self.note("skipped", row, "a repeat with no question that could be converted", src)
            return None
        label = self.texts.get(row, "label") or {"vi": src, "en": src}
        f: dict[str, Any] = {"name": name, "type": "repeat", "label": label, "fields": children}
        count = row.get("repeat_count")
        if count.isdigit() and int(count) >= 1:
            f["min_count"] = f["max_count"] = int(count)
        elif count:
            self.note(
                "changed", row, f"repeat_count '{count}' is not a fixed number: any count is allowed", src
            )
        if row.get("required").lower() in YES:
            f["required"] = True
        rel = self._joined(
            row, [*item.relevants, *([row.get("relevant")] if row.get("relevant") else [])], exprs
        )
        if rel:
            f["relevant"] = rel
        return f

    def _joined(self, row: Row, relevants: list[str], exprs: Expressions, dropped: str = "") -> str | None:
        """The relevances that must all hold, translated; None (and a note) if one cannot be."""
        parts = []
        for rel in relevants:
            expr, why = exprs.translate(rel)
            if expr is None:
                self.note(
                    "changed",
                    row,
                    f"relevant: {why}; {dropped or 'the question is always shown'}",
                    row.get("name"),
                )
                return None
            parts.append(f"({expr})" if len(relevants) > 1 else expr)
        return " and ".join(parts) or None

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
                if row.get("choice_filter"):
                    self._choice_filter(row, f, arg, exprs)
            if or_other:
                self.note(
                    "changed",
                    row,
                    "'or_other' dropped: add an explicit 'other' choice and a text question",
                    src,
                )
        elif kind == "acknowledge":
            # ODK stores "OK" when the officer acknowledges; a one-choice question stores the same.
            f.update(type="select_one", choices=[{"value": "OK", "label": {"vi": "Đồng ý", "en": "OK"}}])
            self.note(
                "changed", row, "acknowledge becomes a question with one choice, OK (as ODK stores it)", src
            )
        else:
            f["type"] = TYPES[kind]
            if kind in ("text", "string") and "multiline" in row.get("appearance").lower():
                f["type"] = "long_text"
        if label is None:
            if kind == "calculate":
                # A calculate row without a label is a working value in ODK: kept, never shown.
                label = {"vi": src, "en": src}
                f["hidden"] = True
            else:
                self.note("changed", row, "no label; the name is shown instead", src)
                label = {"vi": src, "en": src}
        f["label"] = {k: exprs.rename(v) for k, v in label.items()}  # ${field} in a label is shown filled in
        hint = self.texts.get(row, "hint")
        if hint:
            f["hint"] = {k: exprs.rename(v) for k, v in hint.items()}
        if row.get("choice_filter") and kind not in ("select_one", "select_multiple"):
            self.note("changed", row, "choice_filter is only for select questions and was ignored", src)
        for col in IGNORED_COLUMNS:
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
        rel = self._joined(row, relevants, exprs)
        if rel:
            f["relevant"] = rel
        if row.get("default"):
            self._default(row, f)
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

    def _choice_filter(self, row: Row, f: dict[str, Any], list_name: str, exprs: Expressions) -> None:
        """The question's choice filter in our words, and on each choice the columns the filter reads.

        Only those columns travel with the form, and only on this question's copy of the list."""
        src, raw = row.get("name"), row.get("choice_filter")
        by_choice = self.columns.get(list_name, {})
        have = {col for col in self.choice_columns if COLUMN_OK.match(col)}
        expr, why = exprs.translate_filter(raw, have)
        if expr is None:
            self.note("changed", row, f"choice_filter: {why}; every choice is offered", src)
            return
        read = compiled(expr, choice_filter=True).columns - {"name"}
        choices = []
        for c in f["choices"]:
            filters = {col: v for col, v in by_choice.get(c["value"], {}).items() if col in read}
            choices.append({**c, "filters": filters} if filters else c)
        f.update(choices=choices, choice_filter=expr)

    def _default(self, row: Row, f: dict[str, Any]) -> None:
        raw, kind = row.get("default"), f["type"]
        value: Any = raw
        try:
            if kind == "integer":
                value = int(raw)
            elif kind == "decimal":
                value = float(raw)
            elif kind == "select_many":
                value = raw.split()
        except ValueError:
            value = None
        choices = {c["value"] for c in f.get("choices", [])}
        fits = value is not None and kind not in ("note", "calculated", "count_grid", "geopoint", "image")
        if kind == "select_one":
            fits = value in choices
        elif kind == "select_many":
            fits = bool(value) and set(value) <= choices
        elif kind == "date":
            fits = re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw) is not None
        if fits:
            f["default"] = value
        else:
            self.note(
                "changed",
                row,
                f"default '{raw}' does not fit a {kind} question and was ignored",
                row.get("name"),
            )

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
    fields, sections = conv.convert()
    conv.report_languages()

    fid, ver, title = form_identity(settings, form_id, version, problems)
    pf = pick_period_field(fields, period_field, problems)
    if not fields:
        problems.append(Problem("error", "survey", None, "no question could be converted"))
    if any(p.level == "error" for p in problems):
        return Conversion(None, problems)
    definition = {"id": fid, "version": ver, "title": title, "period_field": pf, "fields": fields}
    if sections:
        definition["sections"] = sections
    try:
        FormDefinition.model_validate(definition)
    except ValidationError as exc:
        for err in exc.errors():
            problems.append(Problem("error", "survey", None, str(err.get("msg", err))))
        return Conversion(None, problems)
    return Conversion(definition, problems)
