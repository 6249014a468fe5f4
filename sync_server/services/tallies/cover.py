"""The period cover algebra: which signed runs of days, months and years add up to a period. Pure.

Sums are kept per day and rolled up per month and year; reading a long
period from the rollups costs a few rows per unit instead of hundreds, and
an edge is read as its complement when that reads fewer rows.
"""

from __future__ import annotations

from datetime import date, timedelta

from schemas.periods import month_end

Piece = tuple[str, date, date, int]  # grain ("day" | "month" | "year"), first and last bucket start, sign


def _next_month(d: date) -> date:
    return date(d.year + (d.month == 12), d.month % 12 + 1, 1)


def _partial_month(s: date, e: date) -> list[Piece]:
    """Days ``s``..``e`` of one month: the days, or the month minus the other days, whichever reads less."""
    first = s.replace(day=1)
    last = month_end(first.year, first.month)
    inside = (e - s).days + 1
    outside = (last - first).days + 1 - inside
    if outside == 0:
        return [("month", first, first, 1)]
    if outside + 1 >= inside:
        return [("day", s, e, 1)]
    out: list[Piece] = [("month", first, first, 1)]
    if s > first:
        out.append(("day", first, s - timedelta(days=1), -1))
    if e < last:
        out.append(("day", e + timedelta(days=1), last, -1))
    return out


def _partial_year(a: date, b: date) -> list[Piece]:
    """Months ``a``..``b`` (first days) of one year: the months, or the year minus the others."""
    inside = b.month - a.month + 1
    outside = 12 - inside
    first = date(a.year, 1, 1)
    if outside == 0:
        return [("year", first, first, 1)]
    if outside + 1 >= inside:
        return [("month", a, b, 1)]
    out: list[Piece] = [("year", first, first, 1)]
    if a.month > 1:
        out.append(("month", first, date(a.year, a.month - 1, 1), -1))
    if b.month < 12:
        out.append(("month", date(a.year, b.month + 1, 1), date(a.year, 12, 1), -1))
    return out


def cover(start: date, end: date) -> list[Piece]:
    """Signed ranges of days, months and years whose sum is the sum from ``start`` to ``end`` (inclusive).

    Whole years come from the year rollup, whole months from the month
    rollup, the partial months at the edges from the daily rows; an edge
    (or a year's months) is read as its complement when that is fewer rows
    to read, e.g. 1 January to 25 November is the year minus December minus
    26-30 November. Pure.
    """
    if start > end:
        return []
    if start.replace(day=1) == end.replace(day=1):
        return _partial_month(start, end)
    out: list[Piece] = []
    a = start.replace(day=1)  # the whole months read: a..b (first days)
    if start.day != 1:
        head = _partial_month(start, month_end(start.year, start.month))
        if head[0][0] == "day":  # read as days: the whole months begin after it
            out += head
            a = _next_month(a)
        else:  # read as the month minus its first days
            out.append(("day", a, start - timedelta(days=1), -1))
    b = end.replace(day=1)
    tail: list[Piece] = []
    if end != month_end(end.year, end.month):
        tail = _partial_month(b, end)
        if tail[0][0] == "day":
            b = _previous_month(b)
        else:
            tail = [("day", end + timedelta(days=1), month_end(end.year, end.month), -1)]
    if a <= b:
        out += _months(a, b)
    return out + tail


def _months(a: date, b: date) -> list[Piece]:
    """Whole months ``a``..``b`` (first days): whole years from the year rollup, the rest as months."""
    if a.year == b.year:
        return _partial_year(a, b)
    out: list[Piece] = []
    first_year, last_year = a.year, b.year
    if a.month != 1:
        out += _partial_year(a, date(a.year, 12, 1))
        first_year += 1
    if b.month != 12:
        out += _partial_year(date(b.year, 1, 1), b)
        last_year -= 1
    if first_year <= last_year:
        out.append(("year", date(first_year, 1, 1), date(last_year, 1, 1), 1))
    return out


def last_day(piece: Piece) -> date:
    """The last day ``piece`` covers."""
    grain, _first, last, _sign = piece
    if grain == "day":
        return last
    if grain == "month":
        return month_end(last.year, last.month)
    return date(last.year, 12, 31)


def _previous_month(first: date) -> date:
    return date(first.year - (first.month == 1), (first.month - 2) % 12 + 1, 1)
