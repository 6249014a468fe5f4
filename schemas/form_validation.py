"""The one validator both sides run on answers.

The server checks every pushed record against the form version it was made with, using the
same code as the phone, so a record the phone accepted is never rejected for a rule the phone did
not know. Messages are worded in Vietnamese and English here, one table for every check.
"""

from __future__ import annotations

import math
import re
from datetime import date, timedelta
from typing import Any

from .common import Issue, text, vn_date
from .expr import TODAY, is_blank
from .expr_values import MAX_INT
from .form_state import NO_ANSWER, EntryState, FormState, choices_for
from .forms import FieldType, FormDefinition, FormField, compiled
from .media import MAX_PHOTOS, ref_problem

# Earliest date any record may carry; the programme (Decision 1521) began in 2020.
EARLIEST_DATE = date(2020, 1, 1)
MAX_COUNT = 100_000  # a count grid cell with no max of its own: person-times in one session

_MESSAGES = {
    "required": ("«{lv}» là bắt buộc.", "“{le}” is required."),
    "not_integer": ("«{lv}» phải là số nguyên.", "“{le}” must be a whole number."),
    "not_number": ("«{lv}» phải là một số.", "“{le}” must be a number."),
    "too_small": ("«{lv}» phải từ {min} trở lên.", "“{le}” must be at least {min}."),
    "too_large": ("«{lv}» không được lớn hơn {max}.", "“{le}” must be at most {max}."),
    "too_long": ("«{lv}» dài quá {max_length} ký tự.", "“{le}” is longer than {max_length} characters."),
    "too_short": ("«{lv}» cần ít nhất {min_length} ký tự.", "“{le}” needs at least {min_length} characters."),
    "pattern": ("«{lv}» không đúng định dạng.", "“{le}” is not in the expected format."),
    "bad_choice": ("«{lv}»: lựa chọn không hợp lệ.", "“{le}”: not one of the choices."),
    "not_offered": (
        "«{lv}»: «{choice_vi}» không có trong các lựa chọn theo câu trả lời đã chọn ở trên; hãy chọn lại.",
        "“{le}”: “{choice_en}” is not offered for the answers given above; choose again.",
    ),
    "not_text": ("«{lv}» phải là văn bản.", "“{le}” must be text."),
    "bad_date": ("«{lv}» phải là ngày hợp lệ (dd/mm/yyyy).", "“{le}” must be a valid date (dd/mm/yyyy)."),
    "date_too_early": ("«{lv}» không được trước {earliest}.", "“{le}” cannot be before {earliest}."),
    "date_in_future": ("«{lv}» không được ở tương lai.", "“{le}” cannot be in the future."),
    "bad_time": ("«{lv}» phải là giờ hợp lệ (hh:mm).", "“{le}” must be a valid time (hh:mm)."),
    "bad_location": (
        "«{lv}» phải là vĩ độ (−90 đến 90) và kinh độ (−180 đến 180).",
        "“{le}” must be a latitude (−90 to 90) and a longitude (−180 to 180).",
    ),
    "bad_grid": ("«{lv}»: bảng số lượng không hợp lệ.", "“{le}”: the count table is not valid."),
    "grid_cell": (
        "«{lv}» — {cell}: phải là số nguyên từ 0 đến {max}.",
        "“{le}” — {cell}: must be a whole number from 0 to {max}.",
    ),
    "constraint": ("«{lv}»: giá trị không hợp lệ.", "“{le}”: the value is not allowed."),
    "bad_repeat": ("«{lv}»: danh sách không hợp lệ.", "“{le}”: the list of entries is not valid."),
    "too_few": ("«{lv}» cần ít nhất {min} mục.", "“{le}” needs at least {min} entries."),
    "too_many": ("«{lv}» không được quá {max} mục.", "“{le}” can have at most {max} entries."),
    "bad_photos": ("«{lv}»: danh sách ảnh không hợp lệ.", "“{le}”: the list of photos is not valid."),
    "bad_photo": ("«{lv}» — ảnh {number}: {problem_vi}.", "“{le}” — photo {number}: {problem_en}."),
    "too_few_photos": ("«{lv}» cần ít nhất {min} ảnh.", "“{le}” needs at least {min} photos."),
    "too_many_photos": ("«{lv}» không được quá {max} ảnh.", "“{le}” can have at most {max} photos."),
}


def _msg(code: str, field: FormField, **kw: Any) -> Issue:
    vi, en = _MESSAGES[code]
    fmt = {"lv": field.label.vi, "le": field.label.en, **{k: _num(v) for k, v in kw.items()}}
    return Issue(field=field.name, code=code, message=text(vi.format(**fmt), en.format(**fmt)))


def _num(v: Any) -> Any:
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


def _is_number(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, (int, float)) and math.isfinite(value)


def _check_number(f: FormField, value: Any, issues: list[Issue]) -> None:
    if not _is_number(value):
        issues.append(_msg("not_integer" if f.type == FieldType.INTEGER else "not_number", f))
        return
    if f.type == FieldType.INTEGER and isinstance(value, float) and not value.is_integer():
        issues.append(_msg("not_integer", f))
        return
    # Beyond the calculations' bound (``expr_values.MAX_INT``) no count or amount is real, and sums of
    # such answers would overflow the tallies: the form's own limits only narrow this range.
    low = -MAX_INT if f.min is None else max(f.min, -MAX_INT)
    high = MAX_INT if f.max is None else min(f.max, MAX_INT)
    if value < low:
        issues.append(_msg("too_small", f, min=low))
    if value > high:
        issues.append(_msg("too_large", f, max=high))


def _check_date(f: FormField, value: Any, issues: list[Issue], today: date) -> None:
    try:
        d = date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else None
    except ValueError:
        d = None
    if d is None:
        issues.append(_msg("bad_date", f))
    elif d < EARLIEST_DATE:
        issues.append(_msg("date_too_early", f, earliest=vn_date(EARLIEST_DATE)))
    elif d > today + timedelta(days=1):  # a day of slack for phones east of the server's clock
        issues.append(_msg("date_in_future", f))


_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def _check_geopoint(f: FormField, value: Any, issues: list[Issue]) -> None:
    ok = (
        isinstance(value, dict)
        and set(value) <= {"lat", "lon", "accuracy"}
        and _is_number(value.get("lat"))
        and _is_number(value.get("lon"))
        and -90 <= value["lat"] <= 90
        and -180 <= value["lon"] <= 180
        and (value.get("accuracy") is None or (_is_number(value["accuracy"]) and value["accuracy"] >= 0))
    )
    if not ok:
        issues.append(_msg("bad_location", f))


def _check_grid(f: FormField, value: Any, issues: list[Issue]) -> None:
    rows = {c.value: c.label for c in f.rows}
    cols = {c.value: c.label for c in f.columns}
    if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
        issues.append(_msg("bad_grid", f))
        return
    if not set(value) <= set(rows) or not all(set(cells) <= set(cols) for cells in value.values()):
        issues.append(_msg("bad_grid", f))
        return
    top = f.max if f.max is not None else MAX_COUNT
    for r, cells in value.items():
        for c, n in cells.items():
            if n is None:
                continue
            if not _is_number(n) or (isinstance(n, float) and not n.is_integer()) or not 0 <= n <= top:
                vi, en = _MESSAGES["grid_cell"]
                cell_vi, cell_en = f"{rows[r].vi}, {cols[c].vi}", f"{rows[r].en}, {cols[c].en}"
                message = text(
                    vi.format(lv=f.label.vi, cell=cell_vi, max=_num(top)),
                    en.format(le=f.label.en, cell=cell_en, max=_num(top)),
                )
                issues.append(Issue(field=f.name, code="grid_cell", message=message))
                return


def _check_photos(f: FormField, value: Any, issues: list[Issue], *, final: bool) -> None:
    """A photo answer: a list of well-formed references (schemas.media), as many as the question allows.

    Each bad entry is named with its number and what is wrong with it; the count's lower bound
    binds only a final record (a draft may be waiting for its photos)."""
    if not isinstance(value, list):
        issues.append(_msg("bad_photos", f))
        return
    top = int(f.max) if f.max is not None else MAX_PHOTOS
    if len(value) > top:
        issues.append(_msg("too_many_photos", f, max=top))
        return
    if final and f.min is not None and len(value) < f.min:
        issues.append(_msg("too_few_photos", f, min=f.min))
    for number, entry in enumerate(value, start=1):
        problem = ref_problem(entry)
        if problem is not None:
            issues.append(_msg("bad_photo", f, number=number, problem_vi=problem.vi, problem_en=problem.en))


def _check_offered(f: FormField, value: Any, env: dict[str, Any], issues: list[Issue]) -> None:
    """A well-formed select answer whose choices the question's filter lets through with ``env``."""
    offered = {c.value for c in choices_for(f, env)}
    picked = [value] if isinstance(value, str) else value
    for v in picked:
        if v not in offered:
            label = next(c.label for c in f.choices if c.value == v)
            issues.append(_msg("not_offered", f, choice_vi=label.vi, choice_en=label.en))
            return


def _check_value(
    f: FormField,
    value: Any,
    issues: list[Issue],
    today: date,
    *,
    final: bool = True,
    env: dict[str, Any] | None = None,
) -> None:
    """``env``: the answers the question's rules read (a choice filter's), when it has any."""
    t, before = f.type, len(issues)
    if t in (FieldType.TEXT, FieldType.LONG_TEXT):
        if not isinstance(value, str):
            issues.append(_msg("not_text", f))
            return
        limit = f.max_length or (200 if t == FieldType.TEXT else 4000)
        if len(value) > limit:
            issues.append(_msg("too_long", f, max_length=limit))
        elif f.min_length and len(value) < f.min_length:
            issues.append(_msg("too_short", f, min_length=f.min_length))
        if f.pattern and not re.fullmatch(f.pattern, value):
            issues.append(_msg("pattern", f))
    elif t in (FieldType.INTEGER, FieldType.DECIMAL):
        _check_number(f, value, issues)
    elif t == FieldType.SELECT_ONE:
        if not isinstance(value, str) or value not in f.choice_values():
            issues.append(_msg("bad_choice", f))
    elif t == FieldType.SELECT_MANY:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            issues.append(_msg("bad_choice", f))
        elif not set(value) <= f.choice_values() or len(set(value)) != len(value):
            issues.append(_msg("bad_choice", f))
    if t in (FieldType.SELECT_ONE, FieldType.SELECT_MANY) and f.choice_filter and len(issues) == before:
        _check_offered(f, value, env or {}, issues)
    elif t == FieldType.DATE:
        _check_date(f, value, issues, today)
    elif t == FieldType.TIME:
        if not isinstance(value, str) or not _TIME.match(value):
            issues.append(_msg("bad_time", f))
    elif t == FieldType.GEOPOINT:
        _check_geopoint(f, value, issues)
    elif t == FieldType.COUNT_GRID:
        _check_grid(f, value, issues)
    elif t == FieldType.IMAGE:
        _check_photos(f, value, issues, final=final)


def _constraint_issue(f: FormField) -> Issue:
    if f.constraint_message:
        return Issue(field=f.name, code="constraint", message=f.constraint_message)
    return _msg("constraint", f)


def validate_answers(
    form: FormDefinition,
    answers: dict[str, Any],
    *,
    final: bool,
    today: date | None = None,
    state: FormState | None = None,
) -> list[Issue]:
    """Every problem with ``answers`` under ``form``; an empty list means valid.

    Drafts (``final=False``) may leave required questions empty, but what is
    filled in must still be well-formed. Calculated fields are not checked
    here: ``derive_answers`` overwrites them. A hidden question's answer is
    not checked either: ``derive_answers`` drops it.
    """
    today = today or date.today()
    issues: list[Issue] = []
    known = {f.name for f in form.fields}
    for name in answers:
        if name not in known:
            issues.append(
                Issue(
                    field=name,
                    code="unknown_field",
                    message=text(
                        f"Câu hỏi «{name}» không có trong biểu mẫu {form.id} phiên bản {form.version}.",
                        f"Question “{name}” is not in form {form.id} version {form.version}.",
                    ),
                )
            )
    state = state or FormState(form, answers, today=today)
    # what today() means in a constraint, also when the caller's state was computed without the day
    env = {**state.env, TODAY: today.isoformat()}
    for f in form.fields:
        if f.type in NO_ANSWER or not state.shown(f.name):
            continue
        value = answers.get(f.name)
        if f.type == FieldType.REPEAT:
            issues += repeat_issues(f, value, env, final=final, today=today)
            continue
        if is_blank(value):
            if final and state.required(f):
                issues.append(_msg("required", f))
            continue
        before = len(issues)
        _check_value(f, value, issues, today, final=final, env=env)
        if f.constraint and len(issues) == before and not compiled(f.constraint).test(env, value):
            issues.append(_constraint_issue(f))
    return issues


# ---- repeats: each entry is checked like a small form, reading the record's other answers too ----------


def _in_entry(f: FormField, number: int, inner: Issue, child: str | None) -> Issue:
    """An entry's issue, placed (``repeat[2].topic``) and worded with the repeat and entry number."""
    m = inner.message
    return Issue(
        field=f"{f.name}[{number}]" + (f".{child}" if child else ""),
        code=inner.code,
        message=text(f"{f.label.vi} {number}: {m.vi}", f"{f.label.en} {number}: {m.en}"),
    )


def repeat_issues(
    f: FormField, value: Any, outer: dict[str, Any], *, final: bool, today: date
) -> list[Issue]:
    """Every problem with a repeat's entries (a final record also has its counts checked)."""
    if is_blank(value):
        value = []
    if not isinstance(value, list) or not all(isinstance(e, dict) for e in value):
        return [_msg("bad_repeat", f)]
    issues: list[Issue] = []
    if final and not value and f.required:
        issues.append(_msg("required", f))
    elif final and f.min_count and len(value) < f.min_count:
        issues.append(_msg("too_few", f, min=f.min_count))
    if f.max_count is not None and len(value) > f.max_count:
        issues.append(_msg("too_many", f, max=f.max_count))
    known = {c.name for c in f.fields}
    for number, entry in enumerate(value, start=1):
        for name in sorted(set(entry) - known):
            unknown = Issue(
                code="unknown_field",
                message=text(f"câu hỏi «{name}» không có trong mục này.", f"question “{name}” is not in it."),
            )
            issues.append(_in_entry(f, number, unknown, name))
        es = EntryState(f, outer, entry)
        for c in f.fields:
            if c.type in NO_ANSWER or c.name in es.hidden:
                continue
            v = entry.get(c.name)
            found: list[Issue] = []
            if is_blank(v):
                if final and es.required(c):
                    found.append(_msg("required", c))
            else:
                _check_value(c, v, found, today, final=final, env=es.env)
                if c.constraint and not found and not compiled(c.constraint).test(es.env, v):
                    found.append(_constraint_issue(c))
            issues += [_in_entry(f, number, i, c.name) for i in found]
    return issues
