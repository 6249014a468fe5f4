"""The lifecycle rules without a page: flush on hide, lock after the delay, sync on resume and reconnect."""

from __future__ import annotations

import asyncio

from mobile.app.lifecycle import Lifecycle


class Actions:
    def __init__(self, unlocked: bool = True) -> None:
        self.is_unlocked = unlocked
        self.calls: list[str] = []

    def unlocked(self) -> bool:
        return self.is_unlocked

    async def flush(self) -> None:
        self.calls.append("flush")

    async def lock(self) -> None:
        self.calls.append("lock")
        self.is_unlocked = False

    async def auto_sync(self, reason: str) -> None:
        self.calls.append(f"sync:{reason}")


def run(coro):
    return asyncio.run(coro)


def test_hide_flushes_at_once_and_locks_after_the_delay() -> None:
    async def go() -> list[str]:
        actions = Actions()
        life = Lifecycle(actions, lambda: 0.05)
        await life.on_state("hide")
        assert actions.calls == ["flush"]  # written before anything else, the lock comes later
        assert life.lock_pending
        await asyncio.sleep(0.15)
        return actions.calls

    assert run(go()) == ["flush", "lock"]


def test_coming_back_within_the_delay_keeps_it_open_and_syncs() -> None:
    async def go() -> tuple[list[str], bool]:
        actions = Actions()
        life = Lifecycle(actions, lambda: 0.2)
        await life.on_state("hide")
        await life.on_state("pause")  # a second hidden state keeps the first deadline
        await life.on_state("resume")
        await asyncio.sleep(0.3)
        return actions.calls, actions.is_unlocked

    calls, unlocked = run(go())
    assert calls == ["flush", "flush", "sync:resumed"]
    assert unlocked


def test_zero_delay_locks_at_once_and_negative_never() -> None:
    async def go(delay: float) -> list[str]:
        actions = Actions()
        life = Lifecycle(actions, lambda: delay)
        await life.on_state("pause")
        await asyncio.sleep(0.05)
        return actions.calls

    assert run(go(0)) == ["flush", "lock"]
    assert run(go(-1)) == ["flush"]


def test_inactive_only_flushes_and_detach_locks_now() -> None:
    async def go() -> list[str]:
        actions = Actions()
        life = Lifecycle(actions, lambda: 600)
        await life.on_state("inactive")
        assert not life.lock_pending
        await life.on_state("detach")
        return actions.calls

    assert run(go()) == ["flush", "flush", "lock"]


def test_locked_app_does_not_sync_on_resume_or_reconnect() -> None:
    async def go() -> list[str]:
        actions = Actions(unlocked=False)
        life = Lifecycle(actions, lambda: 0)
        await life.on_state("hide")
        await life.on_state("resume")
        await life.on_connectivity()
        return actions.calls

    assert run(go()) == ["flush"]


def test_connectivity_syncs_only_in_front() -> None:
    async def go() -> list[str]:
        actions = Actions()
        life = Lifecycle(actions, lambda: 600)
        await life.on_connectivity()
        await life.on_state("hide")
        await life.on_connectivity()  # hidden: Android gives no time to sync; resume will
        await life.on_state("show")
        return actions.calls

    assert run(go()) == ["sync:connectivity changed", "flush", "sync:resumed"]


def test_a_failed_flush_does_not_stop_the_lock() -> None:
    class Failing(Actions):
        async def flush(self) -> None:
            raise OSError("disk full")

    async def go() -> list[str]:
        actions = Failing()
        await Lifecycle(actions, lambda: 0).on_state("hide")
        await asyncio.sleep(0.02)
        return actions.calls

    assert run(go()) == ["lock"]
