"""Checking a plan file against the forms it counts and the baselines it divides by.

``Plan`` itself refuses a file whose parts do not fit together (an unknown
measure, milestones out of order); ``check_plan`` goes further and looks at
the forms: a measure must name a form that exists, sum number fields of it,
and filter on its fields with values its choices allow. ``read_plan`` does
both on a file's text and says every problem, in Vietnamese and English.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from pydantic import ValidationError

from .catalog import latest_forms
from .common import Issue, text, vn_date
from .errors import SchemaError
from .forms import FieldType, FormDefinition
from .plans import Plan
from .units import BASELINE_LABELS

_NUMERIC = {FieldType.INTEGER, FieldType.DECIMAL, FieldType.CALCULATED}


class PlanFileError(SchemaError):
    """A plan file that cannot be used; ``issues`` lists every problem."""

    def __init__(self, issues: list[Issue]) -> None:
        super().__init__("; ".join(i.message.en for i in issues))
        self.issues = issues


def _issue(where: str, code: str, vi: str, en: str) -> Issue:
    return Issue(field=where, code=code, message=text(f"{where}: {vi}", f"{where}: {en}"))


def check_plan(plan: Plan, forms: Iterable[FormDefinition]) -> list[Issue]:
    """Every problem of ``plan`` against ``forms`` (the newest version of each form is used)."""
    latest = latest_forms(forms)
    issues: list[Issue] = []
    for i, m in enumerate(plan.measures):
        where = f"measures[{i}] ({m.id})"
        form = latest.get(m.form_id)
        if form is None:
            issues.append(
                _issue(
                    where, "unknown_form", f"không có biểu mẫu {m.form_id}.", f"there is no form {m.form_id}."
                )
            )
            continue
        for name in m.fields:
            field = form.field(name)
            if field is None or field.type not in _NUMERIC:
                issues.append(
                    _issue(
                        where,
                        "not_a_number_field",
                        f"«{name}» không phải câu hỏi dạng số của biểu mẫu {form.id}.",
                        f"“{name}” is not a number field of form {form.id}.",
                    )
                )
        for name, wanted in m.where.items():
            field = form.field(name)
            if field is None:
                issues.append(
                    _issue(
                        where,
                        "unknown_field",
                        f"biểu mẫu {form.id} không có câu hỏi «{name}».",
                        f"form {form.id} has no field “{name}”.",
                    )
                )
                continue
            values = wanted if isinstance(wanted, list) else [wanted]
            choices = field.choice_values()
            if field.type == FieldType.CALCULATED and form.quiz and name == form.quiz.result_field:
                choices = {"yes", "no"}
            bad = [v for v in values if choices and v not in choices]
            if bad:
                issues.append(
                    _issue(
                        where,
                        "bad_choice",
                        f"«{name}» không có lựa chọn {', '.join(map(str, bad))}.",
                        f"“{name}” has no choice {', '.join(map(str, bad))}.",
                    )
                )
    for i, ind in enumerate(plan.indicators):
        where = f"indicators[{i}] ({ind.id})"
        if ind.denominator.kind == "baseline":
            for key in ind.denominator.keys:
                if key not in BASELINE_LABELS:
                    issues.append(
                        _issue(
                            where,
                            "unknown_baseline",
                            f"không có số liệu nền «{key}» (có: {', '.join(BASELINE_LABELS)}).",
                            f"no baseline “{key}” (known: {', '.join(BASELINE_LABELS)}).",
                        )
                    )
        for ms in ind.milestones + [ms for s in ind.segments for ms in s.milestones]:
            if not (plan.start <= ms.due <= plan.end):
                issues.append(
                    _issue(
                        where,
                        "milestone_outside_plan",
                        f"mốc {vn_date(ms.due)} nằm ngoài thời gian của kế hoạch.",
                        f"milestone {vn_date(ms.due)} is outside the plan's dates.",
                    )
                )
    tags_by_id: dict[str, list[str]] = {}
    for ind in plan.indicators:
        for s in ind.segments:
            if tags_by_id.setdefault(s.id, sorted(s.tags)) != sorted(s.tags):
                issues.append(
                    _issue(
                        f"segment {s.id}",
                        "segment_tags_differ",
                        "cùng mã nhóm nhưng khác thẻ.",
                        "the same segment id with different tags.",
                    )
                )
    return issues


def read_plan(raw: str | bytes, forms: Iterable[FormDefinition]) -> Plan:
    """The plan in a JSON file's text, checked; PlanFileError listing every problem otherwise."""
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise PlanFileError(
            [
                Issue(
                    code="bad_json",
                    message=text(f"Tệp không phải JSON hợp lệ: {exc}", f"Not valid JSON: {exc}"),
                )
            ]
        ) from exc
    try:
        plan = Plan.model_validate(data)
    except ValidationError as exc:
        issues = []
        for err in exc.errors(include_url=False):
            where = ".".join(str(p) for p in err["loc"]) or "plan"
            msg = str(err["msg"]).removeprefix("Value error, ")
            issues.append(
                Issue(
                    field=where,
                    code=str(err["type"]),
                    message=text(f"{where}: không hợp lệ ({msg})", f"{where}: {msg}"),
                )
            )
        raise PlanFileError(issues) from exc
    problems = check_plan(plan, forms)
    if problems:
        raise PlanFileError(problems)
    return plan
