"""Which questions read which: the dependency analysis of a form definition.

The phone refreshes a form on screen only when an answer that something reads changes, and fills
``${name}`` into labels; both follow from the definition alone, so they are computed here, apart
from the models (``schemas.forms``) and from checking answers (``schemas.form_validation``).
"""

from __future__ import annotations

import re
from typing import Any

from .expr import CURRENT, as_text
from .forms import FormDefinition, FormField, compiled

# ---- which questions read which (the phone refreshes a form only when a read answer changes) ----------

# what the form on screen shows follows these (a choice filter: which options a select question offers)
_SHOWN_BY = ("relevant", "required_if", "calculation", "choice_filter")


def field_readers(form: FormDefinition) -> dict[str, frozenset[str]]:
    """For each question, the questions whose relevance, requirement, constraint, calculation or choice
    filter read it.

    The quiz questions are read by the score and result fields. ``.`` (a constraint's own answer)
    is not a dependency. Pure: the same definition always gives the same map.
    """
    readers: dict[str, set[str]] = {f.name: set() for f in form.fields}
    for f in form.fields:
        for kind in (*_SHOWN_BY, "constraint"):
            for name in _refs_of(form, f, kind):
                readers.setdefault(name, set()).add(f.name)
    if form.quiz:
        outputs = {form.quiz.score_field, form.quiz.result_field}
        for q in form.quiz_fields():
            readers.setdefault(q.name, set()).update(outputs)
    return {name: frozenset(names) for name, names in readers.items()}


def refresh_triggers(form: FormDefinition) -> frozenset[str]:
    """The questions whose answers change what else the form shows: which questions apply, computed values.

    Those named by a relevance, requirement, calculation or choice filter, and the quiz questions (they
    move the score). A constraint is checked when the form is saved, so it triggers nothing while typing.
    """
    names: set[str] = set()
    for f in form.fields:
        for kind in _SHOWN_BY:
            names |= _refs_of(form, f, kind)
    if form.quiz:
        names |= {f.name for f in form.quiz_fields()}
    for f in form.fields:  # a label that shows an answer follows it
        names |= label_refs(f)
    return frozenset(names)


_LABEL_REF = re.compile(r"\$\{([a-z][a-z0-9_]*)\}")


def label_refs(f: FormField) -> set[str]:
    """The answers ``f``'s label or hint shows (``${name}`` in the text, as XLSForm writes it)."""
    texts = [f.label.vi, f.label.en, *([f.hint.vi, f.hint.en] if f.hint else [])]
    return {m.group(1) for t in texts for m in _LABEL_REF.finditer(t)}


def fill_label(label: str, env: dict[str, Any]) -> str:
    """``label`` with each ``${name}`` replaced by that answer as text (blank when unanswered)."""
    if "${" not in label:
        return label
    return _LABEL_REF.sub(lambda m: as_text(env.get(m.group(1))), label)


def _refs_of(form: FormDefinition, f: FormField, kind: str) -> set[str]:
    """The record's questions that ``f``'s rule ``kind`` reads; for a repeat, what its questions read
    outside the entry; a section's relevance is read by every question in it."""
    sources = [getattr(f, kind)] + [getattr(c, kind) for c in f.fields]
    sec = form.section(f.section)
    if kind == "relevant" and sec is not None:
        sources.append(sec.relevant)
    inner = {c.name for c in f.fields} | {CURRENT}
    out: set[str] = set()
    for source in sources:
        if source:
            out |= compiled(source, choice_filter=kind == "choice_filter").refs - inner
    return out
