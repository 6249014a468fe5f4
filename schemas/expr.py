"""A small, safe expression language for relevance, constraints and calculations.

Forms say "show this question only when …", "this answer must satisfy …" and
"this value is computed as …" in a subset of the XLSForm / XPath syntax that
ODK and KoboToolbox users already write::

    ${age} >= 18 and selected(${topics}, 'drugs')
    . <= ${attendees_total}
    if(count-selected(topics) > 2, 'many', 'few')
    . <= today()

The same parsed expression runs on the phone (to show or hide a question) and
on the server (to validate a pushed record), so both always agree. Nothing is
ever handed to ``eval``: a tokenizer and a recursive-descent parser build a
tiny tree, and the evaluator knows only the operators and functions below.

Errors: ``ExpressionError`` is the only exception this module raises. Parsing
raises it for bad syntax, unknown functions and wrong argument counts (a form
definition with such an expression is refused when it is loaded). Evaluation
never raises for odd answers: a type mismatch, a blank answer or a division by
zero gives a blank (``None``), and a comparison with a blank is false, the way
ODK treats empty answers.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from .common import PROGRAMME_TZ_NAME
from .errors import SchemaError

MAX_SOURCE = 2000  # characters; a form expression longer than this is a mistake
MAX_DEPTH = 40  # nesting; keeps the recursive parser and evaluator far from Python's limit
MAX_INT = 10**15  # beyond this an integer result is treated as blank (no unbounded growth)

CURRENT = "."  # the answer being checked, in a constraint
# The day ``today()`` gives, passed in the answers under a name no field can have (field names are
# lower-case words), so the phone and the server judge "not in the future" by the day they are given.
TODAY = "@today"


class ExpressionError(SchemaError):
    """An expression that cannot be parsed or uses what the language does not have."""

    def __init__(self, message: str, *, source: str = "", position: int | None = None):
        where = f" at position {position + 1}" if position is not None else ""
        super().__init__(f"{message}{where}" + (f" in {source!r}" if source else ""))
        self.reason = message
        self.source = source
        self.position = position


# ---- tokens --------------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<num>\d+(?:\.\d+)?|\.\d+)
  | (?P<str>'[^']*'|"[^"]*")
  | (?P<ref>\$\{[A-Za-z_][A-Za-z0-9_]*\})
  | (?P<func>[A-Za-z_][A-Za-z0-9_]*(?:-[A-Za-z_][A-Za-z0-9_]*)+(?=\s*\())
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op><=|>=|!=|==|=|<|>|\+|-|\*|/|\(|\)|,|\.)
    """,
    re.VERBOSE,
)

_KEYWORDS = {"and", "or", "not", "div", "mod"}


@dataclass(frozen=True)
class _Tok:
    kind: str  # num, str, ref, name, op, end
    text: str
    pos: int


def _tokenize(source: str) -> list[_Tok]:
    out: list[_Tok] = []
    pos = 0
    while pos < len(source):
        m = _TOKEN.match(source, pos)
        if m is None:
            raise ExpressionError(f"unexpected character {source[pos]!r}", source=source, position=pos)
        kind = m.lastgroup or ""
        if kind != "ws":
            tok = m.group()
            if kind == "func":
                kind = "name"
            elif kind == "name" and tok in _KEYWORDS:
                kind = "op"
            out.append(_Tok(kind, tok, pos))
        pos = m.end()
    out.append(_Tok("end", "", len(source)))
    return out


# ---- the tree ------------------------------------------------------------------------------------

# Nodes are tuples: ("lit", value) | ("ref", name) | ("call", fname, args) | ("bin", op, left, right)
# | ("not", node) | ("neg", node). Plain tuples keep the evaluator small and the tree immutable.
Node = tuple


@dataclass(frozen=True)
class _Fn:
    arity: tuple[int, int]  # min, max arguments
    impl: Callable[..., Any]


class _Parser:
    def __init__(self, source: str):
        self.source = source
        self.toks = _tokenize(source)
        self.i = 0
        self.depth = 0

    def error(self, message: str, tok: _Tok | None = None) -> ExpressionError:
        tok = tok or self.peek()
        return ExpressionError(message, source=self.source, position=tok.pos)

    def peek(self) -> _Tok:
        return self.toks[self.i]

    def take(self) -> _Tok:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def accept(self, *ops: str) -> _Tok | None:
        tok = self.peek()
        if tok.kind == "op" and tok.text in ops:
            self.i += 1
            return tok
        return None

    def expect(self, op: str) -> None:
        if self.accept(op) is None:
            tok = self.peek()
            got = tok.text or "the end"
            raise self.error(f"expected {op!r} but found {got!r}", tok)

    def nest(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error("the expression is nested too deeply")

    def parse(self) -> Node:
        node = self.or_()
        if self.peek().kind != "end":
            raise self.error(f"unexpected {self.peek().text!r}")
        return node

    def or_(self) -> Node:
        node = self.and_()
        while self.accept("or"):
            node = ("bin", "or", node, self.and_())
        return node

    def and_(self) -> Node:
        node = self.not_()
        while self.accept("and"):
            node = ("bin", "and", node, self.not_())
        return node

    def not_(self) -> Node:
        # "not(x)" is XPath's function (binds tightly); a bare "not x" negates the comparison after it.
        nxt = self.toks[self.i + 1] if self.i + 1 < len(self.toks) else None
        is_call = nxt is not None and nxt.kind == "op" and nxt.text == "("
        if not is_call and self.accept("not"):
            self.nest()
            node = ("not", self.not_())
            self.depth -= 1
            return node
        return self.cmp()

    def cmp(self) -> Node:
        node = self.add()
        tok = self.accept("=", "==", "!=", "<", "<=", ">", ">=")
        if tok:
            op = "=" if tok.text == "==" else tok.text
            node = ("bin", op, node, self.add())
            if self.peek().kind == "op" and self.peek().text in ("=", "==", "!=", "<", "<=", ">", ">="):
                raise self.error("comparisons cannot be chained; use 'and'")
        return node

    def add(self) -> Node:
        node = self.mul()
        while tok := self.accept("+", "-"):
            node = ("bin", tok.text, node, self.mul())
        return node

    def mul(self) -> Node:
        node = self.unary()
        while tok := self.accept("*", "/", "div", "mod"):
            op = "/" if tok.text == "div" else tok.text
            node = ("bin", op, node, self.unary())
        return node

    def unary(self) -> Node:
        if self.accept("-"):
            self.nest()
            node = ("neg", self.unary())
            self.depth -= 1
            return node
        return self.primary()

    def primary(self) -> Node:
        tok = self.take()
        if tok.kind == "num":
            return ("lit", float(tok.text) if "." in tok.text else int(tok.text))
        if tok.kind == "str":
            return ("lit", tok.text[1:-1])
        if tok.kind == "ref":
            return ("ref", tok.text[2:-1])
        if tok.kind == "op" and tok.text == ".":
            return ("ref", CURRENT)
        if tok.kind == "op" and tok.text == "not" and self.accept("("):
            self.nest()
            node = ("not", self.or_())
            self.expect(")")
            self.depth -= 1
            return node
        if tok.kind == "op" and tok.text == "(":
            self.nest()
            node = self.or_()
            self.expect(")")
            self.depth -= 1
            return node
        if tok.kind == "name":
            if self.accept("("):
                return self.call(tok)
            return ("ref", tok.text)
        got = tok.text or "the end"
        raise self.error(f"expected a value but found {got!r}", tok)

    def call(self, name: _Tok) -> Node:
        fn = FUNCTIONS.get(name.text)
        if fn is None:
            raise self.error(f"unknown function {name.text}()", name)
        self.nest()
        args: list[Node] = []
        if not self.accept(")"):
            args.append(self.or_())
            while self.accept(","):
                args.append(self.or_())
            self.expect(")")
        self.depth -= 1
        lo, hi = fn.arity
        if not lo <= len(args) <= hi:
            want = str(lo) if lo == hi else f"{lo} to {hi}"
            raise self.error(f"{name.text}() takes {want} arguments, not {len(args)}", name)
        return ("call", name.text, tuple(args))


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


def _equal(a: Any, b: Any) -> bool:
    if is_blank(a) or is_blank(b):
        return is_blank(a) and is_blank(b)
    if isinstance(a, bool) or isinstance(b, bool):
        return truthy(a) == truthy(b)
    if isinstance(a, (int, float)) or isinstance(b, (int, float)):
        na, nb = to_number(a), to_number(b)
        if na is not None and nb is not None:
            return na == nb
    return _as_text(a) == _as_text(b)


def _order(op: str, a: Any, b: Any) -> bool:
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


def _arith(op: str, a: Any, b: Any) -> int | float | None:
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


FUNCTIONS: dict[str, _Fn] = {
    "selected": _Fn((2, 2), lambda v, s: _as_text(s) in _selected_values(v)),
    "count-selected": _Fn((1, 1), lambda v: len(_selected_values(v))),
    "string-length": _Fn((1, 1), lambda v: len(_as_text(v))),
    "if": _Fn((3, 3), lambda c, a, b: a if truthy(c) else b),
    "coalesce": _Fn((2, 2), lambda a, b: b if is_blank(a) else a),
    "true": _Fn((0, 0), lambda: True),
    "false": _Fn((0, 0), lambda: False),
    "number": _Fn((1, 1), to_number),
    "int": _Fn((1, 1), _int),
    "round": _Fn((1, 2), _round),
    "concat": _Fn((1, 20), _concat),
    "count": _Fn((1, 1), _count),
    # ISO text, so `. <= today()` compares a date answer as the date it is (see _order).
    "today": _Fn((0, 0), _today),
    "now": _Fn((0, 0), _now),
    # A count grid answer is {row: {column: count}}; these give its totals.
    "grid-total": _Fn((1, 1), lambda g: _cell_sum([v for c in _grid(g).values() for v in c.values()])),
    "grid-row": _Fn((2, 2), lambda g, r: _cell_sum(list(_grid(g).get(_as_text(r), {}).values()))),
    "grid-col": _Fn((2, 2), lambda g, c: _cell_sum([cells.get(_as_text(c)) for cells in _grid(g).values()])),
}


# ---- the public object ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Expression:
    """A parsed expression: what it refers to, and a way to evaluate it against answers."""

    source: str
    tree: Node = field(repr=False)
    refs: frozenset[str]

    def evaluate(self, answers: Mapping[str, Any], current: Any = None) -> Any:
        """The value of the expression; blanks and mismatches give None, never an exception."""
        return _eval(self.tree, answers, current)

    def test(self, answers: Mapping[str, Any], current: Any = None) -> bool:
        return truthy(self.evaluate(answers, current))


def _refs(node: Node, out: set[str]) -> None:
    kind = node[0]
    if kind == "ref":
        out.add(node[1])
    elif kind == "call":
        for a in node[2]:
            _refs(a, out)
    elif kind == "bin":
        _refs(node[2], out)
        _refs(node[3], out)
    elif kind in ("not", "neg"):
        _refs(node[1], out)


def parse(source: str) -> Expression:
    """Parse ``source``; ExpressionError says what is wrong and where."""
    if not isinstance(source, str):
        raise ExpressionError("an expression must be text")
    if len(source) > MAX_SOURCE:
        raise ExpressionError(f"the expression is longer than {MAX_SOURCE} characters")
    if not source.strip():
        raise ExpressionError("the expression is empty")
    tree = _Parser(source).parse()
    refs: set[str] = set()
    _refs(tree, refs)
    return Expression(source=source, tree=tree, refs=frozenset(refs))


def _eval(node: Node, env: Mapping[str, Any], current: Any) -> Any:
    kind = node[0]
    if kind == "lit":
        return node[1]
    if kind == "ref":
        return current if node[1] == CURRENT else env.get(node[1])
    if kind == "not":
        return not truthy(_eval(node[1], env, current))
    if kind == "neg":
        x = to_number(_eval(node[1], env, current))
        return None if x is None else -x
    if kind == "call":
        fname, args = node[1], node[2]
        if fname == "today" and isinstance(env.get(TODAY), str) and env[TODAY]:  # the day the caller gives
            return env[TODAY]  # otherwise FUNCTIONS' today(): the programme's date
        if fname == "if":  # only the branch taken is evaluated
            cond = truthy(_eval(args[0], env, current))
            return _eval(args[1] if cond else args[2], env, current)
        return FUNCTIONS[fname].impl(*(_eval(a, env, current) for a in args))
    op = node[1]
    if op == "and":
        return truthy(_eval(node[2], env, current)) and truthy(_eval(node[3], env, current))
    if op == "or":
        return truthy(_eval(node[2], env, current)) or truthy(_eval(node[3], env, current))
    a, b = _eval(node[2], env, current), _eval(node[3], env, current)
    if op == "=":
        return _equal(a, b)
    if op == "!=":
        return not _equal(a, b)
    if op in ("<", "<=", ">", ">="):
        return _order(op, a, b)
    return _arith(op, a, b)
