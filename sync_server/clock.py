"""The programme's calendar: which day it is where the officers work, not where the server runs.

A record counts for a day in the programme's time zone (``Settings.zone``,
Vietnam by default); a server in UTC must not roll the day over at 07:00
local time. Routes and services (vault recovery, exports, the pull) ask this
module, so no service needs the HTTP layer for a date.
"""

from __future__ import annotations

from datetime import date, datetime

from .config import Settings


def local_today(settings: Settings, now: datetime) -> date:
    """Today in the programme's time zone (Vietnam by default), not the server's."""
    return now.astimezone(settings.zone).date()
