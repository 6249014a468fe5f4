"""Dates and numbers the Vietnamese way: dd/mm/yyyy and 1.234."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def fmt_date(d: date | None) -> str:
    return d.strftime("%d/%m/%Y") if d else ""


def fmt_datetime(dt: datetime | None) -> str:
    if dt is None:
        return ""
    return dt.astimezone(VN_TZ).strftime("%H:%M %d/%m/%Y")


def parse_date(text: str) -> date | None:
    """dd/mm/yyyy (also d/m/yyyy, and dd-mm-yyyy) to a date; None if it is not one."""
    parts = text.strip().replace("-", "/").replace(".", "/").split("/")
    if len(parts) != 3 or not all(p.isdigit() for p in parts) or len(parts[2]) != 4:
        return None
    try:
        return date(int(parts[2]), int(parts[1]), int(parts[0]))
    except ValueError:
        return None


def fmt_number(x: float, lang: str = "vi") -> str:
    """1234.5 -> '1.234,5' in Vietnamese, '1,234.5' in English."""
    s = f"{x:,.0f}" if float(x).is_integer() else f"{x:,.1f}"
    if lang == "vi":
        s = s.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return s
