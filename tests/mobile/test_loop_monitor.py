"""The event-loop monitor catches a stall, and a sync keeps what was alive out of its garbage collections."""

from __future__ import annotations

import asyncio
import gc
import json
import time
from pathlib import Path
from uuid import uuid4

import pytest

from mobile import loop_monitor
from mobile.records import RecordStore
from mobile.sync import engine as engine_module
from mobile.sync.client import ServerClient
from mobile.sync.engine import SyncEngine
from mobile.vault import Vault
from tests.support.live_server import LiveServer

from .helpers import FAST_KDF, FORMS, PIN, survey_answers


def test_monitor__measures_a_blocked_loop_and_writes_it(tmp_path: Path) -> None:
    path = tmp_path / "loop.json"
    monitor = loop_monitor.LoopMonitor(path)

    async def scenario() -> None:
        task = asyncio.create_task(monitor.run())
        await asyncio.sleep(0.1)
        time.sleep(0.15)  # something slow done on the loop instead of in a thread
        await asyncio.sleep(0.6)  # past the next write
        task.cancel()

    asyncio.run(scenario())
    report = json.loads(path.read_text(encoding="utf-8"))
    assert report["ticks"] > 5
    assert 130 <= report["max_lag_ms"] < 1000
    assert report["late_over_100ms"] >= 1
    assert report["top5"][0]["lag_ms"] == report["max_lag_ms"]
    assert any(lag >= 130 for _at, lag in report["lags_over_20ms"])
    assert sum(report["histogram"].values()) == report["ticks"]


def test_monitor__off_unless_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(loop_monitor.ENV, raising=False)
    monkeypatch.setattr(loop_monitor, "_task", None)

    async def scenario() -> None:
        loop_monitor.maybe_start()

    asyncio.run(scenario())
    assert loop_monitor._task is None


def test_gc_frozen__nested_runs_thaw_once_the_last_ends() -> None:
    assert gc.get_freeze_count() == 0
    alive = [object() for _ in range(10)]
    with engine_module._gc_frozen():
        assert gc.get_freeze_count() >= len(alive)
        with engine_module._gc_frozen():
            pass
        assert gc.get_freeze_count() > 0  # the outer sync is still running
    assert gc.get_freeze_count() == 0


def test_sync__runs_with_the_living_frozen_and_thaws_after(live_server: LiveServer, tmp_path: Path) -> None:
    enrolled = ServerClient(live_server.url).enroll("canbo", "canbo123", uuid4().hex, "thử")
    with Vault.create(tmp_path / "vault", PIN, kdf_params=FAST_KDF) as vault:
        store = RecordStore(vault, author="canbo", unit=enrolled.user.unit, device="p")
        survey = FORMS["awareness_survey"]
        for _ in range(3):
            store.finalize(store.new_record(survey), survey_answers(), survey)
        seen: list[int] = []
        apply = store.apply_receipts

        def watched(receipts):
            seen.append(gc.get_freeze_count())
            return apply(receipts)

        store.apply_receipts = watched  # type: ignore[method-assign]
        report = SyncEngine(store, ServerClient(live_server.url, enrolled.device_token)).run()
    assert report.error is None and report.stored == 3
    assert seen and all(n > 1000 for n in seen)  # the app's objects were out of the sync's collections
    assert gc.get_freeze_count() == 0
