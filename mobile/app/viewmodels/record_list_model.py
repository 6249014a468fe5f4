"""The records behind a unit's figures, as a supervisor pages through them: a plain model, no Flet.

Opened from the progress screen for its unit and period. The list is the server's
(``GET /api/v1/records``: the unit's subtree, newest first, a page at a time); nothing of it is
kept on the phone, so without a connection the screen says the records need one instead of
showing an error. "More" asks for the next page by the server's cursor; a failure there keeps
the lines already shown. ``changed`` is called whenever what is shown changes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from schemas.record_list import RecordSummary

from ...errors import FieldTallyError
from ...reports import PeriodChoice
from ..i18n import N_
from ..progress_calls import is_network_error
from .progress_model import Problem

NEEDS_CONNECTION = Problem(key=N_("suprec_offline"))


class RecordListModel:
    def __init__(
        self,
        service: Any,
        unit: str,
        unit_name: str,
        period: PeriodChoice,
        changed: Callable[[], None] = lambda: None,
    ) -> None:
        self.service = service
        self.unit = unit
        self.unit_name = unit_name
        self.period = period
        self.changed = changed
        self.records: list[RecordSummary] = []
        self.next_cursor: str | None = None
        self.loaded = False  # the first page has arrived
        self.busy = False
        self.problem: Problem | None = None

    @property
    def has_more(self) -> bool:
        return self.next_cursor is not None

    async def fetch(self) -> None:
        """The first page again (the list as the server has it now)."""
        await self._page(None)

    async def more(self) -> None:
        """The next (older) page, added below the lines shown."""
        if self.next_cursor is not None:
            await self._page(self.next_cursor)

    async def _page(self, cursor: str | None) -> None:
        if self.busy:
            return
        self.busy = True
        self.changed()
        try:
            page = await self.service.record_page(self.unit, self.period.start, self.period.end, cursor)
        except FieldTallyError as err:
            self.problem = NEEDS_CONNECTION if is_network_error(err) else Problem(error=err)
        else:
            self.records = [*self.records, *page.records] if cursor else list(page.records)
            self.next_cursor = page.next_cursor
            self.loaded = True
            self.problem = None
        finally:
            self.busy = False
        self.changed()

    def find(self, record_id: str) -> RecordSummary | None:
        return next((r for r in self.records if str(r.id) == record_id), None)
