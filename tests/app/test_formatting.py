from datetime import date, datetime, timezone

from mobile.app.formatting import fmt_date, fmt_datetime, fmt_number, parse_date


def test_formatting__dates_are_dd_mm_yyyy():
    assert fmt_date(date(2026, 3, 5)) == "05/03/2026"
    assert parse_date("5/3/2026") == date(2026, 3, 5)
    assert parse_date("05-03-2026") == date(2026, 3, 5)
    assert parse_date("31/02/2026") is None
    assert parse_date("2026-03-05") is None
    assert parse_date("") is None


def test_formatting__times_are_shown_in_vietnam_time():
    assert fmt_datetime(datetime(2026, 1, 1, 17, 30, tzinfo=timezone.utc)) == "00:30 02/01/2026"


def test_formatting__numbers_use_vietnamese_separators():
    assert fmt_number(1234567, "vi") == "1.234.567"
    assert fmt_number(66.67, "vi") == "66,7"
    assert fmt_number(1234.5, "en") == "1,234.5"
