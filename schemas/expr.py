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

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import SchemaError
from .expr_values import FUNCTIONS, MAX_INT, arith, as_text, equal, is_blank, order, to_number, truthy

__all__ = [
    "CHOICE_COLUMN",
    "CURRENT",
    "FUNCTIONS",
    "MAX_DEPTH",
    "MAX_INT",
    "MAX_SOURCE",
    "TODAY",
    "Expression",
    "ExpressionError",
    "as_text",
    "is_blank",
    "parse",
    "to_number",
    "truthy",
]

MAX_SOURCE = 2000  # characters; a form expression longer than this is a mistake
MAX_DEPTH = 40  # nesting; keeps the recursive parser and evaluator far from Python's limit

CURRENT = "."  # the answer being checked, in a constraint
# The day ``today()`` gives, passed in the answers under a name no field can have (field names are
# lower-case words), so the phone and the server judge "not in the future" by the day they are given.
TODAY = "@today"
# A column of the choices sheet in a choice filter: written ``@province`` (``@name``: the choice's own
# value), read from the answers under this prefix. No field name can start with "@" or hold a ".", so a
# column never shadows an answer; outside a choice filter the parser refuses ``@``.
CHOICE_COLUMN = "@choice."


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
  | (?P<col>@[A-Za-z_][A-Za-z0-9_]*)
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
    kind: str  # num, str, ref, col, name, op, end
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

# Nodes are tuples: ("lit", value) | ("ref", name) | ("col", choice column) | ("call", fname, args)
# | ("bin", op, left, right) | ("not", node) | ("neg", node). Plain tuples keep the evaluator small and
# the tree immutable.
Node = tuple


class _Parser:
    def __init__(self, source: str, *, choice_filter: bool = False):
        self.source = source
        self.choice_filter = choice_filter
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
        if tok.kind == "col":
            if not self.choice_filter:
                raise self.error(f"{tok.text}: a choice column is only for choice filters", tok)
            return ("col", tok.text[1:])
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


# ---- the public object ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Expression:
    """A parsed expression: what it refers to, and a way to evaluate it against answers."""

    source: str
    tree: Node = field(repr=False)
    refs: frozenset[str]
    columns: frozenset[str] = frozenset()  # the choice columns a choice filter reads (``@name`` -> name)

    def evaluate(self, answers: Mapping[str, Any], current: Any = None) -> Any:
        """The value of the expression; blanks and mismatches give None, never an exception."""
        return _eval(self.tree, answers, current)

    def test(self, answers: Mapping[str, Any], current: Any = None) -> bool:
        return truthy(self.evaluate(answers, current))


def _refs(node: Node, out: set[str], kind_wanted: str = "ref") -> None:
    kind = node[0]
    if kind == kind_wanted:
        out.add(node[1])
    elif kind == "call":
        for a in node[2]:
            _refs(a, out, kind_wanted)
    elif kind == "bin":
        _refs(node[2], out, kind_wanted)
        _refs(node[3], out, kind_wanted)
    elif kind in ("not", "neg"):
        _refs(node[1], out, kind_wanted)


def parse(source: str, *, choice_filter: bool = False) -> Expression:
    """Parse ``source``; ExpressionError says what is wrong and where.

    ``choice_filter``: the expression is a select question's choice filter, where ``@column`` names a
    column of the choice being tested (anywhere else ``@`` is refused)."""
    if not isinstance(source, str):
        raise ExpressionError("an expression must be text")
    if len(source) > MAX_SOURCE:
        raise ExpressionError(f"the expression is longer than {MAX_SOURCE} characters")
    if not source.strip():
        raise ExpressionError("the expression is empty")
    tree = _Parser(source, choice_filter=choice_filter).parse()
    refs: set[str] = set()
    _refs(tree, refs)
    columns: set[str] = set()
    _refs(tree, columns, "col")
    return Expression(source=source, tree=tree, refs=frozenset(refs), columns=frozenset(columns))


def _eval(node: Node, env: Mapping[str, Any], current: Any) -> Any:
    kind = node[0]
    if kind == "lit":
        return node[1]
    if kind == "ref":
        return current if node[1] == CURRENT else env.get(node[1])
    if kind == "col":
        return env.get(CHOICE_COLUMN + node[1])
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
        return equal(a, b)
    if op == "!=":
        return not equal(a, b)
    if op in ("<", "<=", ">", ">="):
        return order(op, a, b)
    return arith(op, a, b)
