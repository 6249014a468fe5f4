"""The progress screens' calls to the server, and what their answers say about being online.

A part of the app's service (``mobile/app/service.py``'s ``AppService`` is built from it), kept
apart because it is one idea: every answer (or silence) from the server is the latest word on
whether the phone is online, which ``is_network_error`` decides for these calls and for a sync.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any
from uuid import UUID

from schemas.catalog import form_index, shipped_forms
from schemas.forms import FormDefinition

from ..errors import FieldTallyError, RetryableSyncError
from ..reports import ProgressSource
from ..settings_store import AppSettings

if TYPE_CHECKING:
    from ..records import RecordStore
    from ..sync.client import ServerClient


class ProgressCalls:
    """Mixed into ``AppService``, which provides the store, the settings, the client and ``online``."""

    store: RecordStore | None
    settings: AppSettings
    online: bool | None

    if TYPE_CHECKING:

        def _client(self) -> ServerClient: ...

        def _all_forms(self) -> list[FormDefinition]: ...

    async def progress_source(self) -> ProgressSource:
        """Tallies for the progress screens: the last sync's, and the server's when it answers."""
        pull = await asyncio.to_thread(self.store.cached_pull) if self.store else None
        return ProgressSource(pull, self._client if self.settings.server_url else None)

    # The server's answers for the progress screen (SyncError subclasses when it cannot answer).
    async def progress_report(self, source: ProgressSource, plan: str, unit: str, start: date, end: date):
        return await self._ask(source.fetch, plan, unit, start, end)

    async def progress_series(self, source: ProgressSource, plan: str, unit: str, start: date, end: date):
        return await self._ask(source.fetch_series, plan, unit, start, end)

    async def approve_progress(self, source: ProgressSource, plan: str, unit: str, start: date, end: date):
        return await self._ask(source.approve, plan, unit, start, end)

    async def export_progress(self, source: ProgressSource, plan: str, unit: str, start: date, end: date):
        return await self._ask(source.export, plan, unit, start, end, "xlsx")

    async def statistics_report(self, source: ProgressSource, plan: str, unit: str, start: date, end: date):
        return await self._ask(source.fetch_statistics, plan, unit, start, end)

    async def export_statistics(self, source: ProgressSource, plan: str, unit: str, start: date, end: date):
        return await self._ask(source.export_statistics, plan, unit, start, end, "xlsx")

    # A supervisor's records behind the figures (the server's; nothing of them is kept on the phone).
    async def record_page(self, unit: str, start: date, end: date, cursor: str | None = None):
        return await self._ask(lambda: self._client().record_page(unit, start, end, cursor=cursor))

    async def record_history(self, record_id: UUID):
        return await self._ask(self._client().record_history, record_id)

    async def record_photo(self, path: str) -> bytes:
        """A photo or its thumbnail as bytes, held in memory only (shown from bytes, never written)."""
        return await self._ask(self._client().photo, path)

    def form_version(self, form_id: str, version: int) -> FormDefinition | None:
        """The definition a stored record was made with: the synced forms, else the shipped ones."""
        found = form_index(self._all_forms()).get((form_id, version))
        return found or form_index(shipped_forms()).get((form_id, version))

    async def _ask(self, call: Callable[..., Any], *args: Any) -> Any:
        """A call to the server; its answer (or its silence) is the latest word on being online."""
        try:
            answer = await asyncio.to_thread(call, *args)
        except FieldTallyError as err:
            if is_network_error(err):
                self.online = False
            raise
        self.online = True
        return answer

    async def office_report(self, source: ProgressSource, plan: str, unit: str, start: date, end: date):
        return await asyncio.to_thread(source.office_report, plan, unit, start, end)


def is_network_error(err: FieldTallyError) -> bool:
    """The server did not answer (or not usefully): worth trying again later, not the caller's fault."""
    return isinstance(err, RetryableSyncError)
