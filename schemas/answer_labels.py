"""How a stored answer is named to people: a choice's label, a calculated yes/no as "Có"/"Không", photos.

Answers are stored as codes (``female``, ``yes``) so that they survive a relabelled form; people
read labels. A choice question carries its labels; a calculated result (the awareness quiz's
"has understanding") is computed as ``yes``/``no`` and has none, so its words live here, once,
for the phone's screens and the server's exports alike.
"""

from __future__ import annotations

from typing import Any

from .common import LocalizedText, text
from .forms import FieldType, FormField
from .media import export_name, parse_refs

YES_NO: dict[str, LocalizedText] = {"yes": text("Có", "Yes"), "no": text("Không", "No")}


def value_label(field: FormField, value: Any) -> LocalizedText | None:
    """The label of one stored value of ``field``, or None when the value is shown as it is."""
    if field.type in (FieldType.SELECT_ONE, FieldType.SELECT_MANY):
        return next((c.label for c in field.choices if c.value == value), None)
    if field.type == FieldType.CALCULATED and isinstance(value, str):
        return YES_NO.get(value)
    if field.type == FieldType.IMAGE and isinstance(value, list):
        # each photo by its export name (its own name and a short hash): the file a reader looks for
        names = "; ".join(export_name(ref) for ref in parse_refs(value))
        return text(names, names)
    return None
