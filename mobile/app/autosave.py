"""Keeping the form on screen safe while the officer types.

Android kills a backgrounded app without warning, and a reload ends a web
session: whatever was typed must already be on disk. The autosaver looks at
the form's session every few seconds (the inputs write each answer into the
``FormSession`` as the officer types; the widgets themselves are not read)
and, when something changed, writes it to the vault's autosave slot. Saving, finalizing or leaving the form
clears the slot; unlocking the app with a slot filled reopens that form.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import flet as ft

from schemas.common import utcnow

from .formatting import fmt_time
from .viewmodels.form_session import FormSession

log = logging.getLogger("fieldtally.app")

INTERVAL = 1.5  # seconds between looks at the form; a write happens only when it changed


class Autosaver:
    def __init__(self, shell, owner: object, session: FormSession):
        """``session`` holds the record and the answers as typed; ``owner`` is the form's screen."""
        self.shell = shell
        self.owner = owner
        self.session = session
        self.label = ft.Text("", size=12, italic=True, visible=False)
        self._baseline: dict[str, Any] | None = None
        self._last: dict[str, Any] | None = None
        self._running = False
        self._lock = asyncio.Lock()  # a write in flight finishes before finish() empties the slot

    def start(self, *, restored: bool = False) -> None:
        """Begin watching. The form as first shown is not worth saving, unless it was itself restored."""
        answers = self.session.answers()
        self._baseline = None if restored else answers
        self._last = answers
        self._running = True
        self.shell.spawn(self._loop())

    async def _loop(self) -> None:
        while self._running and self.shell.current is self.owner:
            await asyncio.sleep(INTERVAL)
            if not self._running or self.shell.current is not self.owner:
                break
            try:
                await self.flush()
            except Exception:  # e.g. the vault was locked meanwhile: the next look tries again
                log.exception("autosave failed")

    async def flush(self) -> None:
        """Write the form to the autosave slot now if it changed since the last write."""
        async with self._lock:
            if not self._running or self.shell.service.store is None:
                return
            record, answers = self.session.record, self.session.answers()
            if answers == self._last or answers == self._baseline:
                return
            await self.shell.service.autosave(record, answers)
            self._last = answers
            self._baseline = None  # once saved, even a return to the first state is worth keeping
        self.label.value = self.shell.t("autosaved_at", time=fmt_time(utcnow()))
        self.label.visible = True
        if self.shell.current is self.owner:
            self.label.update()

    async def finish(self) -> None:
        """The form was saved or left on purpose: stop and empty the slot."""
        async with self._lock:
            self._running = False
            await self.shell.service.clear_autosave()
