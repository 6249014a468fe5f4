"""Convert an XLSForm workbook (ODK / KoboToolbox) into a fieldtally form definition.

Teams that already keep their questionnaires as XLSForms can bring them over
instead of retyping them. The converter reads the ``survey``, ``choices`` and
``settings`` sheets, ``label::language`` columns, the question types fieldtally
has, and ``relevant`` / ``constraint`` / ``required`` / ``calculation`` in the
expression subset of ``schemas.expr``. What it cannot convert it says, row by
row, instead of guessing: a form that silently lost a repeat would count the
wrong people.

Problems have three levels:

- ``error``: the form cannot be built (no usable date question, a broken
  reference ...). Nothing is written or published.
- ``skipped``: a row (or a whole repeat) is left out, with the reason.
- ``changed``: the row is kept but adapted (a group flattened, a name
  lower-cased, a column ignored); read these before publishing.

Usage (also as ``fieldtally-server import-xlsform``)::

    fieldtally-server import-xlsform survey.xlsx --out survey.v3.json
    fieldtally-server import-xlsform survey.xlsx --version 3 --publish

``--publish`` stores the form in the server's database: phones receive it on
their next pull. A published (id, version) is never overwritten with a
different definition; publish a new version instead.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from pydantic import ValidationError

from schemas.expr import ExpressionError, parse

# ---- the report ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    level: str  # error | skipped | changed
    sheet: str
    row: int | None  # the spreadsheet's row number (1 = header)
    message: str
    name: str = ""

    def __str__(self) -> str:
        where = f"{self.sheet} row {self.row}" if self.row else self.sheet
        what = f" ({self.name})" if self.name else ""
        return f"{self.level.upper():8} {where}{what}: {self.message}"


@dataclass
class Conversion:
    definition: dict[str, Any] | None
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.definition is not None and not any(p.level == "error" for p in self.problems)

    def report(self) -> str:
        """One line per problem, in sheet and row order."""
        order = {"settings": 0, "survey": 1, "choices": 2}
        rows = sorted(self.problems, key=lambda p: (order.get(p.sheet, 3), p.row or 0))
        return "\n".join(str(p) for p in rows)


class XLSFormError(Exception):
    """The workbook cannot be read at all (not an .xlsx, no survey sheet)."""


# ---- reading the sheets ------------------------------------------------------------------------------

_LANG_CODES = {
    "vi": "vi", "vietnamese": "vi", "tiếng việt": "vi", "tieng viet": "vi",
    "en": "en", "english": "en", "tiếng anh": "en",
}  # fmt: skip


@dataclass
class _Row:
    number: int
    cells: dict[str, Any]

    def get(self, column: str) -> str:
        v = self.cells.get(column)
        if v is None:
            return ""
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        return str(v).strip()


def _read_sheet(wb: Any, name: str) -> list[_Row] | None:
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
        cells = {c: v for c, v in zip(columns, values, strict=False) if c and v is not None and str(v).strip() != ""}
        if cells:
            out.append(_Row(i, cells))
    return out


def _language(column_suffix: str) -> str | None:
    """'Vietnamese (vi)' -> 'vi'; 'English' -> 'en'; anything else -> None."""
    s = column_suffix.strip().lower()
    m = re.search(r"\(([a-z]{2,3})\)\s*$", s)
    if m and m.group(1) in ("vi", "en"):
        return m.group(1)
    return _LANG_CODES.get(re.sub(r"\s*\(.*\)\s*$", "", s))


class _Texts:
    """Finds a row's text in Vietnamese and English from ``label``, ``label::Vietnamese (vi)``, ..."""

    def __init__(self, columns: set[str], default_language: str | None, problems: list[Problem], sheet: str):
        self.by_base: dict[str, dict[str, str]] = {}
        for col in columns:
            base, _, lang = col.partition("::")
            base = base.strip().lower()
            code = _language(lang) if lang else (_language(default_language or "") or "")
            if lang and code is None:
                problems.append(
                    Problem(
                        "changed", sheet, 1, f"column '{col}' ignored: only Vietnamese and English are kept"
                    )
                )
                continue
            self.by_base.setdefault(base, {})[code] = col

    def get(self, row: _Row, base: str) -> dict[str, str] | None:
        cols = self.by_base.get(base, {})
        found = {code: row.get(col) for code, col in cols.items() if row.get(col)}
        if not found:
            return None
        vi = found.get("vi") or found.get("") or found.get("en")
        en = found.get("en") or found.get("") or found.get("vi")
        return {"vi": vi, "en": en} if vi and en else None


# ---- names and expressions ---------------------------------------------------------------------------

_NAME_OK = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_REF = re.compile(r"\$\{([^}]*)\}")


def _normal_name(name: str) -> str:
    n = re.sub(r"[^a-z0-9_]", "_", name.strip().lower())
    if not n or not n[0].isalpha():
        n = "q_" + n
    return n[:64]


_YES = {"yes", "true", "true()", "1"}
_NO = {"no", "false", "false()", "0", ""}


class _Exprs:
    def __init__(self, names: dict[str, str]):
        self.names = names  # XLSForm name -> our name

    def translate(self, source: str) -> tuple[str | None, str | None]:
        """(our expression, None) or (None, why it cannot be converted)."""
        unknown: list[str] = []

        def rename(m: re.Match[str]) -> str:
            new = self.names.get(m.group(1).strip())
            if new is None:
                unknown.append(m.group(1))
                return m.group(0)
            return "${" + new + "}"

        text = _REF.sub(rename, source.replace("\n", " "))
        if unknown:
            return None, f"refers to ${{{unknown[0]}}}, which is not a converted question"
        try:
            parse(text)
        except ExpressionError as exc:
            return None, f"'{source}' is outside the supported expression subset: {exc.reason}"
        return text, None


# ---- the converter ---------------------------------------------------------------------------------

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
    """'select_one yes_no or_other' -> ('select_one', 'yes_no', True); 'begin group' -> ('begin_group', '', False)."""
    parts = raw.split()
    if len(parts) >= 2 and parts[0] in ("begin", "end"):
        return f"{parts[0]}_{parts[1].lower()}", " ".join(parts[2:]), False
    kind = parts[0].lower() if parts else ""
    rest = parts[1] if len(parts) > 1 else ""
    return kind, rest, len(parts) > 2 and parts[2] == "or_other"


class _Converter:
    def __init__(
        self, survey: list[_Row], choices: list[_Row], settings: dict[str, str], problems: list[Problem]
    ):
        self.survey, self.choices, self.settings, self.problems = survey, choices, settings, problems
        self.default_language = settings.get("default_language")
        cols = set().union(*(r.cells for r in survey)) if survey else set()
        self.texts = _Texts(cols, self.default_language, problems, "survey")
        ccols = set().union(*(r.cells for r in choices)) if choices else set()
        self.choice_texts = _Texts(ccols, self.default_language, problems, "choices")
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

    def note(self, level: str, row: _Row | None, message: str, name: str = "", sheet: str = "survey") -> None:
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
        plan: list[tuple[_Row, str, str, bool, list[str]]] = []  # row, kind, arg, or_other, group relevants
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
            new = _normal_name(name)
            if new in names.values():
                self.note("skipped", row, f"name '{name}' repeats (as '{new}')", name)
                continue
            if new != name:
                self.note(
                    "changed", row, f"name '{name}' becomes '{new}' (lower case letters, digits and _)", name
                )
            names[name] = new
            plan.append((row, kind, arg, or_other, [rel for _, rel in groups if rel]))
        exprs = _Exprs(names)
        fields = []
        for row, kind, arg, or_other, group_rels in plan:
            f = self._field(row, kind, arg, or_other, group_rels, names[row.get("name")], exprs)
            if f is not None:
                fields.append(f)
        return fields

    def _field(
        self, row: _Row, kind: str, arg: str, or_other: bool, group_rels: list[str], name: str, exprs: _Exprs
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
            if required in _YES:
                f["required"] = True
            elif required not in _NO:
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

    def _constraint(self, row: _Row, f: dict[str, Any], exprs: _Exprs) -> None:
        src, raw = row.get("name"), row.get("constraint")
        # regex(., 'pattern') alone is our "pattern" rule (a full match), which the phone and server already know.
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
    """Read ``workbook`` and build a form definition, with every problem found (see the module doc)."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        wb = load_workbook(workbook, read_only=True, data_only=True)
    except (InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise XLSFormError(f"cannot read the workbook: {exc} (save it as .xlsx)") from exc
    except Exception as exc:  # zipfile.BadZipFile and friends: not an .xlsx at all
        raise XLSFormError(f"cannot read the workbook ({type(exc).__name__}); save it as .xlsx") from exc
    try:
        survey = _read_sheet(wb, "survey")
        if survey is None:
            raise XLSFormError("the workbook has no 'survey' sheet")
        choices = _read_sheet(wb, "choices") or []
        settings_rows = _read_sheet(wb, "settings") or []
    finally:
        wb.close()
    settings = {k.strip().lower(): v for k, v in (settings_rows[0].cells.items() if settings_rows else [])}
    settings = {
        k: (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v).strip())
        for k, v in settings.items()
    }
    problems: list[Problem] = []
    conv = _Converter(survey, choices, settings, problems)
    fields = conv.convert()

    fid = form_id or settings.get("form_id") or ""
    if not fid:
        problems.append(
            Problem("error", "settings", None, "no form_id: add one to the settings sheet or pass --form-id")
        )
    elif not _NAME_OK.match(fid):
        new = _normal_name(fid)
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
        _language(k.partition("::")[2]): v for k, v in settings.items() if k.startswith("form_title::") and v
    }
    title_text = settings.get("form_title") or titles.get("vi") or titles.get("en") or fid
    title = {"vi": titles.get("vi") or title_text, "en": titles.get("en") or title_text}
    pf = _pick_period_field(fields, period_field, problems)
    if not fields:
        problems.append(Problem("error", "survey", None, "no question could be converted"))
    if any(p.level == "error" for p in problems):
        return Conversion(None, problems)
    definition = {"id": fid, "version": ver, "title": title, "period_field": pf, "fields": fields}
    from schemas.forms import FormDefinition

    try:
        FormDefinition.model_validate(definition)
    except ValidationError as exc:
        for err in exc.errors():
            problems.append(Problem("error", "survey", None, str(err.get("msg", err))))
        return Conversion(None, problems)
    return Conversion(definition, problems)


# ---- the command -------------------------------------------------------------------------------------


def _publish(definition: dict[str, Any], database_url: str | None) -> str:
    from schemas.common import utcnow
    from schemas.forms import FormDefinition

    from .bootstrap import prepare_database
    from .config import get_settings
    from .db import Database
    from .models import FormRow
    from .services.catalog import seed_catalog

    settings = get_settings()
    if database_url:
        settings = settings.with_changes(database_url=database_url)
    db = Database.from_settings(settings)
    try:
        prepare_database(db, settings)
        form = FormDefinition.model_validate(definition)
        with db.session(write=True) as s:
            row = s.get(FormRow, (form.id, form.version))
            if row is not None:
                if row.definition == form.model_dump(mode="json"):
                    return f"form {form.id} version {form.version} is already published, unchanged"
                raise XLSFormError(
                    f"form {form.id} version {form.version} is already published with a different definition; "
                    f"records may have been made with it. Publish it as a new version (--version {form.version + 1})"
                )
            seed_catalog(s, forms=[form], plans=[], now=utcnow())
        return f"form {form.id} version {form.version} published: phones get it on their next sync"
    finally:
        db.dispose()


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="fieldtally-server import-xlsform",
        description="Convert an XLSForm workbook (.xlsx) into a fieldtally form definition.",
    )
    p.add_argument("workbook", help="the XLSForm .xlsx file")
    p.add_argument("--out", help="write the form definition (JSON) here; default: print it")
    p.add_argument("--form-id", help="overrides settings.form_id")
    p.add_argument("--version", type=int, help="overrides settings.version")
    p.add_argument(
        "--period-field", help="the date question each record counts for (default: the first date)"
    )
    p.add_argument("--publish", action="store_true", help="store the form in the server database for phones")
    p.add_argument("--database-url", help="with --publish: overrides FIELDTALLY_DATABASE_URL")
    p.add_argument("--strict", action="store_true", help="fail if any row was skipped or changed")
    return p


def main(argv: list[str] | None = None) -> int:
    """0: converted (see the report); 1: not convertible or refused; 2: bad arguments."""
    args = _parser().parse_args(argv)
    try:
        result = convert(
            args.workbook, form_id=args.form_id, version=args.version, period_field=args.period_field
        )
    except XLSFormError as exc:
        print(f"import-xlsform: {exc}", file=sys.stderr)
        return 1
    if result.problems:
        print(result.report(), file=sys.stderr)
    if not result.ok or result.definition is None:
        print("import-xlsform: the form was not converted; fix the errors above", file=sys.stderr)
        return 1
    if args.strict and result.problems:
        print("import-xlsform: --strict and some rows were skipped or changed", file=sys.stderr)
        return 1
    text = json.dumps(result.definition, ensure_ascii=False, indent=1)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
    elif not args.publish:
        print(text)
    skipped = sum(p.level == "skipped" for p in result.problems)
    changed = sum(p.level == "changed" for p in result.problems)
    n = len(result.definition["fields"])
    print(f"import-xlsform: {n} questions converted, {skipped} skipped, {changed} changed", file=sys.stderr)
    if args.publish:
        from .errors import ServerError

        try:
            print(_publish(result.definition, args.database_url))
        except XLSFormError as exc:
            print(f"import-xlsform: {exc}", file=sys.stderr)
            return 1
        except ServerError as exc:
            print(f"import-xlsform: {exc.message.en}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
