"""Dates and numbers the Vietnamese way: dd/mm/yyyy and 1.234.

One rounding rule for every figure shown: to one decimal, halves up, on the number as written
(12.95 is 13, not the 12.9 that binary floating point and ``format`` make of it). A gap is shown
as the difference of the two shown figures, so "13%" never sits beside "87.1 points short" of a
100% target.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from schemas.answer_labels import value_label
from schemas.common import PROGRAMME_TZ_NAME, vn_date
from schemas.expr import is_blank
from schemas.forms import FieldType, FormDefinition, FormField
from schemas.records import Record

VN_TZ = ZoneInfo(PROGRAMME_TZ_NAME)


def fmt_date(d: date | None) -> str:
    return vn_date(d) if d else ""


def fmt_datetime(dt: datetime | None) -> str:
    if dt is None:
        return ""
    local = dt.astimezone(VN_TZ)
    return f"{local:%H:%M} {vn_date(local)}"


def fmt_time(dt: datetime) -> str:
    """The time of day in Vietnam, 24-hour: '14:05'."""
    return dt.astimezone(VN_TZ).strftime("%H:%M")


def parse_date(text: str) -> date | None:
    """dd/mm/yyyy (also d/m/yyyy, and dd-mm-yyyy) to a date; None if it is not one."""
    parts = text.strip().replace("-", "/").replace(".", "/").split("/")
    if len(parts) != 3 or not all(p.isdigit() for p in parts) or len(parts[2]) != 4:
        return None
    try:
        return date(int(parts[2]), int(parts[1]), int(parts[0]))
    except ValueError:
        return None


def round1(x: float) -> Decimal:
    """``x`` to one decimal, halves up, as written in decimal: the rounding of every shown figure."""
    return Decimal(repr(float(x))).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def shown_gap(pct: float, gap: float) -> Decimal:
    """The points still missing, as the difference of the figures shown (the level due and ``pct``)."""
    return max(Decimal(0), round1(pct + gap) - round1(pct))


def fmt_number(x: float | Decimal, lang: str = "vi") -> str:
    """1234.5 -> '1.234,5' in Vietnamese, '1,234.5' in English; 12.95 -> '13'."""
    r = round1(float(x)) if not isinstance(x, Decimal) else x.quantize(Decimal("0.1"), ROUND_HALF_UP)
    s = f"{r:,.0f}" if r == r.to_integral_value() else f"{r:,.1f}"
    if lang == "vi":
        s = s.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return s


def fmt_pct(x: float, lang: str = "vi") -> str:
    """A percentage as shown: '12,5%'."""
    return f"{fmt_number(x, lang)}%"


def answer_text(field: FormField, value: Any, lang: str = "vi") -> str:
    """An answer as the officer reads it: choice labels, dd/mm/yyyy dates, 1.234 numbers."""
    if is_blank(value):
        return ""
    if field.type == FieldType.REPEAT and isinstance(value, list):
        # One line per entry, numbered as on the form: "2. Topic: land; Answered: Yes".
        lines = []
        for number, entry in enumerate(value, start=1):
            parts = [
                f"{c.label.get(lang)}: {answer_text(c, entry.get(c.name), lang)}"
                for c in field.fields
                if isinstance(entry, dict) and not c.hidden and not is_blank(entry.get(c.name))
            ]
            lines.append(f"{number}. " + "; ".join(parts))
        return "\n".join(lines)
    if field.type in (FieldType.SELECT_ONE, FieldType.SELECT_MANY):
        labels = {c.value: c.label.get(lang) for c in field.choices}
        values = value if isinstance(value, list) else [value]
        return ", ".join(labels.get(v, str(v)) for v in values)
    if (label := value_label(field, value)) is not None:  # a calculated yes/no: "Có", not "yes"
        return label.get(lang)
    if field.type == FieldType.DATE and isinstance(value, str):
        try:
            return fmt_date(date.fromisoformat(value))
        except ValueError:
            return value
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return fmt_number(value, lang)
    return str(value)


def record_summary(record: Record, form: FormDefinition | None, lang: str = "vi", *, limit: int = 3) -> str:
    """A few answers that tell records of one form apart in a list (the date is shown elsewhere)."""
    if form is None:
        return ""
    out: list[str] = []
    # Typed words (a place, a name, an ethnicity) tell records apart best; then the choices.
    fields = sorted(form.fields, key=lambda f: f.type != FieldType.TEXT)
    for f in fields:
        if f.name == form.period_field or f.type in (FieldType.CALCULATED, FieldType.LONG_TEXT):
            continue
        shown = answer_text(f, record.answers.get(f.name), lang)
        if shown:
            out.append(shown if len(shown) <= 40 else shown[:39] + "…")
        if len(out) >= limit:
            break
    return " · ".join(out)
