"""What the officer typed, turned into an answer value: numbers and times. Pure functions, no widgets.

The rule for numbers (decided once, here, and tested as a table in ``tests/app/test_parsing.py``):

- Vietnamese writes ``1.234,5``: the dot groups thousands, the comma is the decimal mark. A space
  also groups thousands (``1 234``). A grouping mark must be followed by exactly three digits,
  so ``1.23.4`` is not a number.
- A whole-number question (counts, ages) reads Vietnamese only: ``1.234`` and ``1 234`` are a
  thousand two hundred thirty-four; ``1,5`` or ``1.5`` is not a whole number.
- A decimal question reads a comma as the decimal mark (``2,5``, ``1.234,5``). Android's number
  keypad has a dot and no comma, so officers type ``1234.5`` there: on a decimal question, when
  there is no comma, one dot is a decimal point (``1.234`` is one point two three four) and only
  two or more dots group thousands (``1.234.567``). A thousand and a bit is written ``1234,5``,
  ``1.234,5`` or ``1234.5``.
- Only ASCII digits count; a leading ``-`` (or the Unicode minus) makes a number negative.
  Anything else, including words, ``NaN``, ``inf``, exponents, underscores, other scripts' digits
  and numbers too long to be a count, is passed on as the text typed: the shared validator in
  ``schemas.form_validation`` then says what is wrong with it, in the same words the server would use.

Times are hours and minutes typed as ``7:30``, ``07.30``, ``7h30`` or ``7h``; stored as ``"07:30"``.
An hour past 23 or a minute past 59 is passed on as typed, for the validator to refuse.
"""

from __future__ import annotations

import math
import re
from datetime import date
from typing import Any

from .formatting import parse_date

MAX_NUMBER_CHARS = 24  # longer than any count or measure an officer records; beyond it, text
_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2009": " "})
_INT = r"[0-9]+"
_GROUPED = r"[0-9]{1,3}(?:[. ][0-9]{3})+"  # Vietnamese thousands: 1.234.567 or 1 234 567
_WHOLE = re.compile(rf"^(?:{_GROUPED}|{_INT})$")
_VI_DECIMAL = re.compile(rf"^(?P<whole>{_GROUPED}|{_INT}|),(?P<frac>[0-9]+)$")  # 1.234,5  2,5  ,5
_DOT_DECIMAL = re.compile(r"^(?P<whole>[0-9]*)\.(?P<frac>[0-9]+)$")  # a keypad's 1234.5 or .5
_TIME = re.compile(r"^([0-9]{1,2})\s*[:hH.]\s*([0-9]{2})?$")


def parse_number(text: str | None, *, integer: bool) -> Any:
    """The number typed (int for a whole-number question, else float), None if blank, else the text."""
    raw = (text or "").translate(_SPACES).strip()
    if not raw:
        return None
    if len(raw) > MAX_NUMBER_CHARS:
        return raw
    body, sign = raw, 1
    if body[0] in "-\u2212":
        body, sign = body[1:].lstrip(), -1
    if _WHOLE.match(body):
        digits = body.replace(".", "").replace(" ", "")
        if integer:
            return sign * int(digits)
        # One dot with three digits after it on a decimal question is a keypad's decimal point.
        if body.count(".") == 1 and " " not in body:
            return _finite(sign * float(body), raw)
        return _finite(sign * float(digits), raw)
    if integer:
        return raw
    m = _VI_DECIMAL.match(body) or _DOT_DECIMAL.match(body)
    if m is None:
        return raw
    whole = m.group("whole").replace(".", "").replace(" ", "") or "0"
    return _finite(sign * float(f"{whole}.{m.group('frac')}"), raw)


def _finite(value: float, raw: str) -> Any:
    return value if math.isfinite(value) else raw


def parse_time(text: str | None) -> Any:
    """``"HH:MM"`` for a time typed the usual ways, None if blank, else the text."""
    raw = (text or "").strip()
    if not raw:
        return None
    m = _TIME.match(raw)
    if not m:
        return raw
    hour, minute = int(m.group(1)), int(m.group(2) or 0)
    if hour > 23 or minute > 59:
        return raw
    return f"{hour:02d}:{minute:02d}"


def parse_date_answer(text: str | None) -> Any:
    """The ISO date (``"2026-03-05"``) for dd/mm/yyyy typed, None if blank, else the text."""
    raw = (text or "").strip()
    if not raw:
        return None
    d: date | None = parse_date(raw)
    return d.isoformat() if d else raw
