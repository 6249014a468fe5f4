"""Records finished but not on the server yet, and how long the oldest has waited. No Flet.

A record in the outbox (or refused and waiting for a fix) counts for nothing until the server has
it; a phone that never syncs must not let that be forgotten. The officer is told on the home screen
once the oldest has waited longer than ``unsent_warn_days`` (a setting), and the phone reports the
same figures to the server on every push and pull (``schemas.outbox``), so a supervisor sees it too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from schemas.common import utcnow

from .record_state import LocalState
from .records import RecordStore

UNSENT_STATES = (LocalState.PENDING, LocalState.REJECTED)


@dataclass(frozen=True)
class Unsent:
    count: int
    oldest: datetime | None  # when the longest-waiting record was last finished or changed

    def overdue(self, days: int, now: datetime | None = None) -> bool:
        """True when the oldest has waited more than ``days`` days (0 or less: never warn)."""
        if days <= 0 or self.oldest is None:
            return False
        return (now or utcnow()) - self.oldest > timedelta(days=days)

    def days_waiting(self, now: datetime | None = None) -> int:
        return 0 if self.oldest is None else max(0, ((now or utcnow()) - self.oldest).days)


def unsent(store: RecordStore) -> Unsent:
    """What waits in ``store``: only the unsent records are read, not the whole vault."""
    records = [sr.record for state in UNSENT_STATES for sr in store.list(state)]
    return Unsent(len(records), min((r.updated_at for r in records), default=None))
