"""The expression language of relevance, constraints and calculations: parsed, never eval'd."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemas.expr import FUNCTIONS, MAX_DEPTH, ExpressionError, parse, truthy

ANSWERS = {
    "age": 34,
    "topics": ["drugs", "border"],
    "name": "Lò Văn Páo",
    "blank": "",
    "score": 4,
    "ratio": 2.5,
    "day": "2026-05-02",
    "grid": {"cadres": {"female": 3, "male": 5}, "citizens": {"female": 20, "male": 12}},
}


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("${age} >= 18 and selected(${topics}, 'drugs')", True),
        ("${age} >= 18 and selected(${topics}, 'traffic')", False),
        ("age > 40 or count-selected(topics) = 2", True),
        ("not(${age} < 18)", True),
        ("not ${age} < 18", True),
        ("${age} div 4", 8.5),
        ("${age} mod 4", 2),
        ("-${age} + 2 * 3", -28),
        ("(1 + 2) * 3 = 9", True),
        ("${ratio} * 2", 5.0),
        ("string-length(${name})", 10),
        ("${name} = 'Lò Văn Páo'", True),
        ('${name} != "x"', True),
        ("if(${score} >= 4, 'yes', 'no')", "yes"),
        ("coalesce(${blank}, 'none')", "none"),
        ("${day} >= '2026-01-01' and ${day} < '2027-01-01'", True),
        ("grid-total(${grid})", 40),
        ("grid-row(${grid}, 'citizens')", 32),
        ("grid-col(${grid}, 'female')", 23),
        ("round(${ratio} * 1.33, 1)", 3.3),
        ("int('7') + number('1.5')", 8.5),
        ("concat(${age}, '-', ${score})", "34-4"),
        ("true() and not(false())", True),
        ("${age} == 34", True),
    ],
)
def test_expr__evaluates_the_xlsform_subset(source, expected):
    assert parse(source).evaluate(ANSWERS) == expected


@pytest.mark.parametrize(
    "source",
    [
        "${missing} > 3",  # a blank compared is false
        "${blank} < 5",
        "${name} > 3",  # text against a number
        "${age} div 0 = 1",  # division by zero is blank
        "${topics} * 2 > 0",
        "${grid} = 'x'",
    ],
)
def test_expr__blanks_and_mismatches_are_false_not_errors(source):
    assert parse(source).test(ANSWERS) is False


def test_expr__blank_equals_empty_text():
    assert parse("${missing} = ''").test(ANSWERS)
    assert parse("${blank} = ''").test(ANSWERS)
    assert not parse("${age} = ''").test(ANSWERS)


def test_expr__dot_is_the_answer_being_checked():
    e = parse(". >= 0 and . <= ${age}")
    assert e.test(ANSWERS, current=20)
    assert not e.test(ANSWERS, current=40)
    assert e.refs == {".", "age"}


def test_expr__selected_works_on_space_separated_text_too():
    # XLSForm data (and CSV exports) write select_multiple answers as "a b c".
    assert parse("selected(${t}, 'b')").test({"t": "a b c"})
    assert parse("count-selected(${t})").evaluate({"t": "a b c"}) == 3


def test_expr__refs_lists_every_field_named():
    assert parse("if(${a} > 1, b, coalesce(c, 'x'))").refs == {"a", "b", "c"}


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("${age} >", "expected a value"),
        ("(${age} > 3", "expected ')'"),
        ("${age} > 3)", "unexpected ')'"),
        ("__import__('os')", "unknown function"),
        ("eval('1')", "unknown function"),
        ("selected(${topics})", "takes 2 arguments"),
        ("1 < 2 < 3", "cannot be chained"),
        ("${age} ; 3", "unexpected character"),
        ("${a.b} = 1", "unexpected character"),
        ("", "empty"),
        ("x" * 5000, "longer than"),
        ("(" * (MAX_DEPTH + 5) + "1" + ")" * (MAX_DEPTH + 5), "nested too deeply"),
        ("not " * (MAX_DEPTH + 5) + "1", "nested too deeply"),
    ],
)
def test_expr__bad_expressions_say_what_and_where(source, reason):
    with pytest.raises(ExpressionError) as info:
        parse(source)
    assert reason in str(info.value)


def test_expr__huge_numbers_become_blank_not_slow():
    e = parse(" * ".join(["999999999"] * 60))
    assert e.evaluate({}) is None


def test_expr__truthiness():
    assert [truthy(v) for v in (None, "", [], 0, 0.0, False)] == [False] * 6
    assert [truthy(v) for v in ("x", ["a"], 1, -2.5, True)] == [True] * 5


# ---- property: whatever comes in, only ExpressionError comes out ----------------------------------

_ATOMS = [
    "${age}",
    "${topics}",
    "${name}",
    "${grid}",
    "${missing}",
    "age",
    ".",
    "'drugs'",
    '"x"',
    "0",
    "3",
    "2.5",
    "''",
    "true()",
    "false()",
]
_OPS = ["+", "-", "*", "div", "mod", "=", "!=", "<", "<=", ">", ">=", "and", "or"]


@st.composite
def _expressions(draw, depth=0):
    if depth > 4 or draw(st.booleans()):
        return draw(st.sampled_from(_ATOMS))
    kind = draw(st.sampled_from(["bin", "not", "neg", "call", "paren"]))
    if kind == "bin":
        # bracketed: the language refuses chained comparisons like "a = b = c" on purpose
        return (
            f"({draw(_expressions(depth + 1))} {draw(st.sampled_from(_OPS))} {draw(_expressions(depth + 1))})"
        )
    if kind == "not":
        return f"not({draw(_expressions(depth + 1))})"
    if kind == "neg":
        return f"-{draw(_expressions(depth + 1))}"
    if kind == "paren":
        return f"({draw(_expressions(depth + 1))})"
    name = draw(st.sampled_from(sorted(FUNCTIONS)))
    lo, hi = FUNCTIONS[name].arity
    args = [draw(_expressions(depth + 1)) for _ in range(draw(st.integers(lo, min(hi, 3))))]
    return f"{name}({', '.join(args)})"


_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=10,
)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(source=st.text(max_size=80))
def test_expr__random_text_only_ever_raises_expression_error(source):
    try:
        e = parse(source)
    except ExpressionError:
        return
    e.evaluate(ANSWERS, current=1)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(
    source=_expressions(),
    answers=st.dictionaries(st.sampled_from(["age", "topics", "name", "grid"]), _VALUES),
)
def test_expr__well_formed_expressions_evaluate_on_any_answers(source, answers):
    e = parse(source)  # the grammar above only makes valid expressions
    value = e.evaluate(answers, current=answers.get("age"))
    truthy(value)


@settings(max_examples=300)
@given(
    source=_expressions(),
    cut=st.integers(0, 200),
    junk=st.sampled_from(["(", ")", ",", "$", "{", "'", "=", "@"]),
)
def test_expr__mangled_expressions_only_raise_expression_error(source, cut, junk):
    mangled = source[:cut] + junk + source[cut:]
    try:
        parse(mangled).evaluate(ANSWERS)
    except ExpressionError:
        pass


def test_expr__not_with_brackets_is_the_xpath_function():
    # XPath: not(x) = false() compares the result of not(x); it does not negate the comparison.
    assert parse("not(${age} > 18) = false()").test(ANSWERS)
    assert parse("-not(${age} > 18) + 1").evaluate(ANSWERS) == 1
