"""How a phone tells the server about the records it has not sent yet: two optional HTTP headers.

A supervisor must see which phones hold records that have waited too long, from the phones' last
contact. The report rides on the push and pull a phone already makes, as headers rather than a field
of ``PushBatch``: the contract models refuse unknown fields, so a new field would break an older
server, while an older server ignores headers it does not know and an older phone simply sends none.
"""

from __future__ import annotations

from datetime import UTC, datetime

OUTBOX_COUNT = "X-Outbox-Count"  # how many finished records wait to be sent (or to be fixed)
OUTBOX_OLDEST = "X-Outbox-Oldest"  # ISO 8601 time the longest-waiting of them was finished; absent if none
MAX_COUNT = 10_000_000


def outbox_headers(count: int, oldest: datetime | None) -> dict[str, str]:
    headers = {OUTBOX_COUNT: str(max(0, int(count)))}
    if count and oldest is not None:
        headers[OUTBOX_OLDEST] = oldest.astimezone(UTC).isoformat()
    return headers


def parse_outbox_headers(count: str | None, oldest: str | None) -> tuple[int, datetime | None] | None:
    """The report, or None when the phone sent none or a malformed one (ignored, never an error)."""
    if count is None:
        return None
    try:
        n = int(count.strip())
        when = datetime.fromisoformat(oldest.strip()) if oldest and n else None
    except ValueError:
        return None
    if not 0 <= n <= MAX_COUNT or (when is not None and when.tzinfo is None):
        return None
    return n, when
