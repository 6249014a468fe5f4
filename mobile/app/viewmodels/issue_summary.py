"""The line under a form that failed its checks: how many problems, in which questions, and where to go.

"Còn 1 lỗi cần sửa." alone leaves the officer scrolling a long form for a red line; the summary
names the questions (in the order they appear) and says which is first, so the screen can take
the officer there. Flet-free, so it is tested without a browser.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from schemas.common import Issue
from schemas.forms import FormDefinition

from ..i18n import tr

MAX_NAMED = 4  # more names than this is a paragraph, not a summary
_ENTRY = re.compile(r"^([a-z][a-z0-9_]*)\[\d+\]")  # ``questions[2].topic`` sits in the question ``questions``


def question_of(field: str | None) -> str | None:
    """The form's question an issue belongs to: a repeat entry's problem belongs to the repeat."""
    if not field:
        return None
    m = _ENTRY.match(field)
    return m.group(1) if m else field


def scroll_key(name: str) -> str:
    """The key a question's input carries on screen, so the screen can be scrolled to it."""
    return f"question-{name}"


@dataclass(frozen=True)
class IssueSummary:
    text: str
    first_field: str | None  # the first question (in the form's order) with a problem on screen


def summarize(issues: list[Issue], form: FormDefinition, lang: str, shown: set[str]) -> IssueSummary:
    order = {f.name: n for n, f in enumerate(form.fields)}
    fields = {question_of(i.field) for i in issues}
    named = sorted({f for f in fields if f in order and f in shown}, key=lambda name: order[name])
    labels = [form.field(name).label.get(lang) for name in named]
    if not labels:
        return IssueSummary(tr(lang, "form_has_errors", n=len(issues)), None)
    listed = ", ".join(labels[:MAX_NAMED])
    end = "…" if len(labels) > MAX_NAMED else "."
    return IssueSummary(tr(lang, "form_has_errors_in", n=len(issues), fields=listed) + end, named[0])
