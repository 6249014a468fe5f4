"""The programme's calendar: which day it is where the officers work, not where the server runs.

"Today", the current year and the current phase are judged in the
programme's time zone (``Settings.timezone``, Vietnam by default): a server
in UTC would otherwise start a new day, and a new year, at 7 in the morning.
"""

from __future__ import annotations

from datetime import date, datetime

from ..config import Settings


def local_today(settings: Settings, now: datetime) -> date:
    """Today in the programme's time zone (Vietnam by default), not the server's."""
    return now.astimezone(settings.zone).date()
