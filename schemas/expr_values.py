"""What values mean in the expression language (``schemas.expr``), and the functions it knows.

ODK's rules for answers, kept apart from the parser: a blank is nothing, an empty text or no
choice ticked; numbers are read from answers as numbers or numeric text; a comparison with a
blank is false; arithmetic on a blank or a mismatch is blank, never an exception; and the
functions a form may call (``FUNCTIONS``), each with how many arguments it takes.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from .common import PROGRAMME_TZ_NAME

MAX_INT = 10**15  # beyond this an integer result is treated as blank (no unbounded growth)


@dataclass(frozen=True)
class Fn:
    arity: tuple[int, int]  # min, max arguments
    impl: Callable[..., Any]


# ---- values --------------------------------------------------------------------------------------


def is_blank(v: Any) -> bool:
    """What a blank answer is: nothing, an empty text, no choice ticked (an empty list or group)."""
    return v is None or v == "" or v == [] or v == {}


def _clean_number(x: Any) -> int | float | None:
    if isinstance(x, bool):
        return int(x)
    if isinstance(x, int):
        return x if abs(x) <= MAX_INT else None
    if isinstance(x, float):
        return x if math.isfinite(x) and abs(x) <= MAX_INT else None
    return None


_NUMERIC = re.compile(r"^\s*-?(\d+(\.\d*)?|\.\d+)\s*$")


def to_number(v: Any) -> int | float | None:
    """A number from an answer, or None (blank) if it is not one."""
    if isinstance(v, (bool, int, float)):
        return _clean_number(v)
    if isinstance(v, str) and len(v) <= 40 and _NUMERIC.match(v):
        s = v.strip()
        return _clean_number(float(s) if "." in s else int(s))
    return None


def truthy(v: Any) -> bool:
    """What counts as "yes" for a relevance or a constraint: not blank, not false, not zero."""
    if isinstance(v, bool):
        return v
    if isinstance(v, (int, float)):
        return v != 0 and not (isinstance(v, float) and math.isnan(v))
    return not is_blank(v)


def _as_text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, list):
        return " ".join(_as_text(x) for x in v)
    if isinstance(v, dict):
        return ""
    return str(v)


def as_text(v: Any) -> str:
    """An answer as the text a label shows it (a dynamic label: ``${name}`` in the text)."""
    return _as_text(v)


def _selected_values(v: Any) -> list[str]:
    if isinstance(v, list):
        return [x for x in v if isinstance(x, str)]
    if isinstance(v, str):
        return v.split()
    return []


def equal(a: Any, b: Any) -> bool:
    if is_blank(a) or is_blank(b):
        return is_blank(a) and is_blank(b)
    if isinstance(a, bool) or isinstance(b, bool):
        return truthy(a) == truthy(b)
    if isinstance(a, (int, float)) or isinstance(b, (int, float)):
        na, nb = to_number(a), to_number(b)
        if na is not None and nb is not None:
            return na == nb
    return _as_text(a) == _as_text(b)


def order(op: str, a: Any, b: Any) -> bool:
    if is_blank(a) or is_blank(b):
        return False
    na, nb = to_number(a), to_number(b)
    x: Any
    y: Any
    if na is not None and nb is not None:
        x, y = na, nb
    elif isinstance(a, str) and isinstance(b, str):
        x, y = a, b  # ISO dates and times compare correctly as text
    else:
        return False
    if op == "<":
        return bool(x < y)
    if op == "<=":
        return bool(x <= y)
    if op == ">":
        return bool(x > y)
    return bool(x >= y)


def arith(op: str, a: Any, b: Any) -> int | float | None:
    x, y = to_number(a), to_number(b)
    if x is None or y is None:
        return None
    if op == "+":
        r: Any = x + y
    elif op == "-":
        r = x - y
    elif op == "*":
        r = x * y
    elif op == "/":
        if y == 0:
            return None
        r = x / y
    else:  # mod
        if y == 0:
            return None
        r = math.fmod(x, y) if isinstance(x, float) or isinstance(y, float) else int(math.fmod(x, y))
    return _clean_number(r)


# ---- functions -----------------------------------------------------------------------------------


def _grid(g: Any) -> dict[str, dict[str, Any]]:
    if not isinstance(g, dict):
        return {}
    return {r: c for r, c in g.items() if isinstance(r, str) and isinstance(c, dict)}


def _cell_sum(cells: list[Any]) -> int | float:
    total: int | float = 0
    for v in cells:
        n = to_number(v)
        if n is not None:
            total += n
    return _clean_number(total) or 0


def _round(v: Any, digits: Any = 0) -> int | float | None:
    x, d = to_number(v), to_number(digits)
    if x is None or d is None or not 0 <= d <= 10:
        return None
    r = round(x, int(d))
    return int(r) if int(d) == 0 else r


def _int(v: Any) -> int | None:
    x = to_number(v)
    return None if x is None else int(x)


def _concat(*vs: Any) -> str | None:
    out = "".join(_as_text(v) for v in vs)
    return out[:4000] if out else None


def _count(v: Any) -> int:
    """count(${repeat}): how many entries a repeat has (ODK's count of a node set)."""
    return len(v) if isinstance(v, list) else 0


def _now() -> str:
    """The programme's local time, ISO 8601 to the second (ODK's now())."""
    return datetime.now(ZoneInfo(PROGRAMME_TZ_NAME)).replace(microsecond=0).isoformat()


def _today() -> str:
    return _now()[:10]


FUNCTIONS: dict[str, Fn] = {
    "selected": Fn((2, 2), lambda v, s: _as_text(s) in _selected_values(v)),
    "count-selected": Fn((1, 1), lambda v: len(_selected_values(v))),
    "string-length": Fn((1, 1), lambda v: len(_as_text(v))),
    "if": Fn((3, 3), lambda c, a, b: a if truthy(c) else b),
    "coalesce": Fn((2, 2), lambda a, b: b if is_blank(a) else a),
    "true": Fn((0, 0), lambda: True),
    "false": Fn((0, 0), lambda: False),
    "number": Fn((1, 1), to_number),
    "int": Fn((1, 1), _int),
    "round": Fn((1, 2), _round),
    "concat": Fn((1, 20), _concat),
    "count": Fn((1, 1), _count),
    # ISO text, so `. <= today()` compares a date answer as the date it is (see order).
    "today": Fn((0, 0), _today),
    "now": Fn((0, 0), _now),
    # A count grid answer is {row: {column: count}}; these give its totals.
    "grid-total": Fn((1, 1), lambda g: _cell_sum([v for c in _grid(g).values() for v in c.values()])),
    "grid-row": Fn((2, 2), lambda g, r: _cell_sum(list(_grid(g).get(_as_text(r), {}).values()))),
    "grid-col": Fn((2, 2), lambda g, c: _cell_sum([cells.get(_as_text(c)) for cells in _grid(g).values()])),
}
