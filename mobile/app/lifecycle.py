"""What the app does when Android hides, shows or closes it, or the network comes back. No Flet.

Android may kill a hidden app without another word and gives Python no background time, so:

- hidden (``hide``/``pause``), the form on screen is flushed at once and the vault is locked after
  the officer's delay (``lock_after_seconds``: 0 locks at once, a negative value never): a phone left
  in a bag or lent to someone must not stay open on the records. A short hop to another app (a phone
  call, the camera) comes back unlocked within the delay;
- ``inactive`` (the notification shade, a system dialog) only flushes: the app is still on screen;
- ``detach`` (the engine is going away) flushes and locks now;
- shown again (``resume``/``show``), a pending lock is cancelled and, if the vault is open, a quiet
  sync runs: the foreground is the only time a sync can happen;
- the network coming back syncs too (the network type does not prove the server answers: the
  shell's sync probes ``/health`` first).

The states are Flet's ``AppLifecycleState`` values as plain strings, so these rules are tested
without a page; the shell adapts them with a few lines.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Protocol

log = logging.getLogger("fieldtally.app")

HIDDEN = frozenset({"hide", "pause"})
SHOWN = frozenset({"resume", "show"})


class LifecycleActions(Protocol):
    """What the rules ask of the app (the shell is one)."""

    def unlocked(self) -> bool: ...

    async def flush(self) -> None: ...

    async def lock(self) -> None: ...

    async def auto_sync(self, reason: str) -> None: ...


class Lifecycle:
    def __init__(
        self,
        actions: LifecycleActions,
        lock_after: Callable[[], float],
        *,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        """``lock_after``: the delay in seconds, read at each hide (the officer may change it)."""
        self.actions = actions
        self.lock_after = lock_after
        self._sleep = sleep
        self._pending: asyncio.Task | None = None
        self.hidden = False

    async def on_state(self, state: str) -> None:
        """Flet's ``e.state.value``: 'show', 'resume', 'hide', 'inactive', 'pause', 'detach', 'restart'."""
        state = str(state).lower()
        if state in HIDDEN or state == "inactive" or state == "detach":
            await self._flush()
        if state in HIDDEN:
            self.hidden = True
            self._schedule_lock()
        elif state == "detach":
            self._cancel_lock()
            await self._lock()
        elif state in SHOWN:
            was_hidden, self.hidden = self.hidden, False
            self._cancel_lock()
            if self.actions.unlocked():
                await self.actions.auto_sync("resumed" if was_hidden else "shown")

    async def on_connectivity(self) -> None:
        """The network changed: try a sync while the app is open and in front."""
        if self.actions.unlocked() and not self.hidden:
            await self.actions.auto_sync("connectivity changed")

    @property
    def lock_pending(self) -> bool:
        return self._pending is not None and not self._pending.done()

    # ---- inner steps ---------------------------------------------------------------------------------
    async def _flush(self) -> None:
        try:
            await self.actions.flush()
        except Exception:  # a failed flush must not stop the lock that follows
            log.exception("flush on hide failed")

    async def _lock(self) -> None:
        if self.actions.unlocked():
            await self.actions.lock()

    def _schedule_lock(self) -> None:
        if self.lock_pending:
            return  # a second hide event (hide then pause) keeps the first deadline
        delay = float(self.lock_after())
        if delay < 0 or not self.actions.unlocked():
            return
        self._pending = asyncio.ensure_future(self._lock_later(delay))

    async def _lock_later(self, delay: float) -> None:
        if delay > 0:
            await self._sleep(delay)
        if self.hidden:
            try:
                await self._lock()
            except Exception:  # logged: a task's error would otherwise vanish
                log.exception("lock on hide failed")

    def _cancel_lock(self) -> None:
        if self._pending is not None and not self._pending.done():
            self._pending.cancel()
        self._pending = None
