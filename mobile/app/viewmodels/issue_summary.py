"""The line under a form that failed its checks: how many problems, in which questions, and where to go.

"Còn 1 lỗi cần sửa." alone leaves the officer scrolling a long form for a red line; the summary
names the questions (in the order they appear) and says which is first, so the screen can take
the officer there. Flet-free, so it is tested without a browser.
"""

from __future__ import annotations

from dataclasses import dataclass

from schemas.common import Issue
from schemas.forms import FormDefinition

from ..i18n import tr

MAX_NAMED = 4  # more names than this is a paragraph, not a summary


@dataclass(frozen=True)
class IssueSummary:
    text: str
    first_field: str | None  # the first question (in the form's order) with a problem on screen


def summarize(issues: list[Issue], form: FormDefinition, lang: str, shown: set[str]) -> IssueSummary:
    order = {f.name: n for n, f in enumerate(form.fields)}
    named = sorted(
        {i.field for i in issues if i.field in order and i.field in shown}, key=lambda name: order[name]
    )
    labels = [form.field(name).label.get(lang) for name in named]
    if not labels:
        return IssueSummary(tr(lang, "form_has_errors", n=len(issues)), None)
    listed = ", ".join(labels[:MAX_NAMED])
    end = "…" if len(labels) > MAX_NAMED else "."
    return IssueSummary(tr(lang, "form_has_errors_in", n=len(issues), fields=listed) + end, named[0])
