"""Which input a question type gets: the one table the form screen asks (``make_input``)."""

from __future__ import annotations

from schemas.forms import FieldType, FormField

from .count_grid import CountGridInput
from .fields import (
    CalculatedDisplay,
    DateInput,
    FieldInput,
    GeopointInput,
    NoteDisplay,
    NumberInput,
    SelectManyInput,
    SelectOneInput,
    TextInput,
    TimeInput,
)
from .photo_input import PhotoInput
from .repeat_input import RepeatInput

_KINDS: dict[FieldType, type[FieldInput]] = {
    FieldType.TEXT: TextInput,
    FieldType.LONG_TEXT: TextInput,
    FieldType.INTEGER: NumberInput,
    FieldType.DECIMAL: NumberInput,
    FieldType.DATE: DateInput,
    FieldType.TIME: TimeInput,
    FieldType.SELECT_ONE: SelectOneInput,
    FieldType.SELECT_MANY: SelectManyInput,
    FieldType.GEOPOINT: GeopointInput,
    FieldType.COUNT_GRID: CountGridInput,
    FieldType.NOTE: NoteDisplay,
    FieldType.CALCULATED: CalculatedDisplay,
    FieldType.REPEAT: RepeatInput,
    FieldType.IMAGE: PhotoInput,
}


def make_input(field: FormField, lang: str) -> FieldInput | None:
    """The widget for one question (calculated values and notes are shown, not typed).

    None for an unknown type."""
    kind = _KINDS.get(field.type)
    return kind(field, lang) if kind else None
