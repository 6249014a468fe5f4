"""Typed numbers, times and dates to answer values: the rule in ``mobile/app/parsing.py``, as a table."""

from __future__ import annotations

import pytest

from mobile.app.parsing import parse_date_answer, parse_number, parse_time

WHOLE = [
    # typed, read on a whole-number question
    ("", None),
    ("   ", None),
    (None, None),
    ("0", 0),
    ("42", 42),
    (" 42 ", 42),
    ("-5", -5),
    ("\u22125", -5),  # the Unicode minus sign
    ("1.234", 1234),  # Vietnamese thousands
    ("1.234.567", 1234567),
    ("1 234", 1234),
    ("1\u00a0234", 1234),  # a no-break space, as pasted from a document
    ("12.34", "12.34"),  # not a grouping: the validator says it is not a whole number
    ("1.5", "1.5"),
    ("1,5", "1,5"),
    ("1,234", "1,234"),  # the English grouping is not read on a phone that writes Vietnamese
    ("1.23.4", "1.23.4"),
    ("1..234", "1..234"),
    (".234", ".234"),
    ("1.", "1."),
    ("--1", "--1"),
    ("+1", "+1"),
    ("1_000", "1_000"),  # Python's int() would take it
    ("١٢٣", "١٢٣"),  # Arabic-Indic digits: int() would take them too
    ("１２３", "１２３"),  # full-width digits
    ("12a", "12a"),
    ("mười", "mười"),
    ("0x10", "0x10"),
    ("1e3", "1e3"),
    ("9" * 5000, "9" * 5000),  # beyond int()'s digit limit: text, not a crash
    ("9" * 25, "9" * 25),
]

DECIMAL = [
    # typed, read on a decimal question
    ("", None),
    ("2,5", 2.5),  # Vietnamese decimal comma
    ("1.234,5", 1234.5),
    ("1 234,5", 1234.5),
    ("1.234.567,25", 1234567.25),
    (",5", 0.5),
    ("1234.5", 1234.5),  # the keypad's dot
    ("1.234", 1.234),  # one dot on a decimal question is a decimal point
    ("1.5", 1.5),
    (".5", 0.5),
    ("1.234.567", 1234567.0),  # two dots group thousands
    ("1 234", 1234.0),
    ("1234", 1234.0),
    ("-0,25", -0.25),
    ("21.0285", 21.0285),  # a latitude
    ("105.854", 105.854),  # a longitude with three decimals, not a hundred thousand
    ("1,2,3", "1,2,3"),
    ("1.234,5,6", "1.234,5,6"),
    ("1,234.5", "1,234.5"),  # English grouping with a decimal point: ambiguous, refused
    ("12.34,5", "12.34,5"),
    ("1.2.3", "1.2.3"),
    (",", ","),
    (".", "."),
    ("-", "-"),
    ("NaN", "NaN"),
    ("nan", "nan"),
    ("inf", "inf"),
    ("-Infinity", "-Infinity"),
    ("1e309", "1e309"),  # float() would make it infinite
    ("1e3", "1e3"),
    ("1_0.5", "1_0.5"),
    ("٣,٥", "٣,٥"),
    ("9" * 400, "9" * 400),
    ("2,5kg", "2,5kg"),
]


@pytest.mark.parametrize(("typed", "expected"), WHOLE)
def test_parsing__whole_numbers_read_vietnamese(typed, expected):
    got = parse_number(typed, integer=True)
    assert got == expected
    assert type(got) is type(expected)


@pytest.mark.parametrize(("typed", "expected"), DECIMAL)
def test_parsing__decimals_take_the_comma_and_the_keypads_dot(typed, expected):
    got = parse_number(typed, integer=False)
    if isinstance(expected, float):
        assert got == pytest.approx(expected) and isinstance(got, float)
    else:
        assert got == expected


TIMES = [
    ("", None),
    ("7:30", "07:30"),
    ("07:30", "07:30"),
    ("07.30", "07:30"),
    ("7h30", "07:30"),
    ("7H30", "07:30"),
    ("7h", "07:00"),
    ("7 h 05", "07:05"),
    ("23:59", "23:59"),
    ("0:00", "00:00"),
    ("24:00", "24:00"),  # passed on: the validator refuses it
    ("7:60", "7:60"),
    ("7:5", "7:5"),
    ("730", "730"),
    ("7", "7"),
    ("sáng", "sáng"),
    ("١:٣٠", "١:٣٠"),
    ("07:30:00", "07:30:00"),
]


@pytest.mark.parametrize(("typed", "expected"), TIMES)
def test_parsing__times(typed, expected):
    assert parse_time(typed) == expected


DATES = [
    ("", None),
    ("05/03/2026", "2026-03-05"),
    ("5/3/2026", "2026-03-05"),
    ("05-03-2026", "2026-03-05"),
    ("31/02/2026", "31/02/2026"),
    ("2026-03-05", "2026-03-05"),  # not dd/mm/yyyy: passed on as typed (and valid ISO for the validator)
    ("hôm nay", "hôm nay"),
]


@pytest.mark.parametrize(("typed", "expected"), DATES)
def test_parsing__dates(typed, expected):
    assert parse_date_answer(typed) == expected
