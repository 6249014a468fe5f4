"""Addresses that name a screen, so a supervisor can bookmark and share one: ``/progress/HN-SS?period=2025``
(the plan's indicators) or ``/statistics/HN-SS?period=2025`` (the programme's other numbers).

An address arrives from the browser's location bar, so it is input from anyone: it is read here
against a short list of shapes (a known screen, a unit code of the contract's pattern, a period
token), and anything else is no address at all (the app then opens where it would have). Reading
an address never grants anything: the progress screen still shows a unit only when it is in the
caller's subtree (``ProgressModel.load``), and the server checks the scope of every figure again.

Period tokens are the words a person would type: ``2025`` (that year; the current year means the
year so far), ``2025-Q1``, ``2025-03``, ``phase`` (the current phase) and ``plan`` (the whole
plan). No Flet here: the shell turns addresses into screens.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, quote, urlsplit

from schemas.units import CODE_PATTERN

from ..reports import PeriodChoice

MAX_ADDRESS = 300  # longer is not an address this app made
_SCREENS = ("home", "records", "progress", "statistics", "devices")
_UNIT_SCREENS = ("progress", "statistics")  # these name a unit and a period: /statistics/HN-SS?period=2025
_PERIOD_TOKEN = re.compile(r"^(\d{4}|\d{4}-Q[1-4]|\d{4}-\d{2}|phase|plan)$")
_UNIT = re.compile(CODE_PATTERN)


@dataclass(frozen=True)
class Address:
    screen: str
    unit: str | None = None
    period: str | None = None


def parse_address(route: str | None) -> Address | None:
    """The screen ``route`` names, or None when it names none of ours (or is not well formed)."""
    if not route or len(route) > MAX_ADDRESS:
        return None
    try:
        parts = urlsplit(route)
        query = parse_qs(parts.query, max_num_fields=4)
    except ValueError:
        return None
    segments = [s for s in parts.path.split("/") if s]
    if segments[:1] == ["app"]:  # served under /app/ by the sync server
        segments = segments[1:]
    if not segments:
        return Address("home")
    screen, rest = segments[0], segments[1:]
    if screen not in _SCREENS:
        return None
    if screen not in _UNIT_SCREENS:
        return Address(screen) if not rest and not query else None
    if len(rest) > 1 or set(query) - {"period"} or len(query.get("period", [])) > 1:
        return None
    unit = rest[0] if rest else None
    if unit is not None and not _UNIT.match(unit):
        return None
    period = query["period"][0] if "period" in query else None
    if period is not None and not _PERIOD_TOKEN.match(period):
        return None
    return Address(screen, unit, period)


def address_of(screen: str, unit: str | None = None, period: str | None = None) -> str:
    """The address of a screen (the inverse of ``parse_address``)."""
    path = f"/{screen}" + (f"/{quote(unit, safe='')}" if unit else "")
    return path + (f"?period={quote(period, safe='')}" if period else "")


def period_token(choice: PeriodChoice) -> str:
    """The word that names ``choice`` in an address."""
    if choice.kind in ("year_to_date", "last_year"):
        return str(choice.start.year)
    if choice.kind == "quarter":
        return f"{choice.start.year}-Q{(choice.start.month - 1) // 3 + 1}"
    if choice.kind == "month":
        return f"{choice.start:%Y-%m}"
    return choice.kind  # phase, plan


def choice_for(token: str | None, choices: list[PeriodChoice]) -> PeriodChoice | None:
    """The period selector's entry that ``token`` names, or None when it names none on offer."""
    if token is None:
        return None
    return next((c for c in choices if period_token(c) == token), None)
