"""Which options a select question shows now, and what happens to an answer its filter stops offering.

Which choices a question offers is the shared rule ``schemas.form_state.choices_for`` (the validator's
own). Here is the phone's rule on top of it: an answer that stops being offered, because an answer its
choice filter reads has changed, is cleared, as ODK Collect does (pick another province and the district
is blank again; of a select_many only the choices no longer offered are unticked). Clearing one answer
may stop another being offered (province → district → commune), so ``FormSession.settle`` repeats
this until nothing changes. No Flet.
"""

from __future__ import annotations

from typing import Any

from schemas.form_state import EntryState, FormState, choices_for
from schemas.forms import Choice, FieldType, FormDefinition, FormField


def keep_offered(field: FormField, value: Any, offered: list[Choice]) -> Any:
    """``value`` without what ``offered`` leaves out (None: cleared). A malformed value is left as it is:
    the validator words that problem."""
    allowed = {c.value for c in offered}
    if field.type == FieldType.SELECT_ONE and isinstance(value, str):
        return value if value in allowed else None
    if field.type == FieldType.SELECT_MANY and isinstance(value, list):
        return [v for v in value if v in allowed] or None
    return value


def settle_entry(repeat: FormField, outer: dict[str, Any], entry: dict[str, Any]) -> dict[str, Any]:
    """A repeat entry without the answers its questions' filters no longer offer (a copy)."""
    es = EntryState(repeat, outer, entry)
    out = dict(entry)
    for c in repeat.fields:
        if c.choice_filter and c.name in out and c.name not in es.hidden:
            kept = keep_offered(c, out[c.name], choices_for(c, es.env))
            if kept is None:
                del out[c.name]
            else:
                out[c.name] = kept
    return out


def unoffered(form: FormDefinition, answers: dict[str, Any], state: FormState) -> dict[str, Any]:
    """The answers to change so that every shown question holds only what it offers: {name: new value}
    (None: cleared). A hidden question's answer is left alone (it may be shown again; it is not stored)."""
    out: dict[str, Any] = {}
    for f in form.fields:
        if f.name not in answers or not state.shown(f.name):
            continue
        value = answers[f.name]
        if f.type == FieldType.REPEAT and isinstance(value, list):
            entries = [settle_entry(f, state.env, e) if isinstance(e, dict) else e for e in value]
            if entries != value:
                out[f.name] = entries
        elif f.choice_filter:
            kept = keep_offered(f, value, choices_for(f, state.env))
            if kept != value:
                out[f.name] = kept
    return out
