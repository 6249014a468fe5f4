"""Slowing down wrong PINs: a persisted failure count and an increasing wait.

The count lives in ``vault.attempts``, a small plain JSON file (it needs
integrity, not secrecy). The wait is enforced by refusing tries that come
too early (``PinThrottled``), never by sleeping, so the UI stays responsive
and a restart of the app does not reset anything.

What this defends against: someone holding the phone and guessing PINs in
the app. Someone who copies the files can delete this counter; against them
the defence is the cost of the KDF (see ``kdf.py``).

A damaged counter file is not a reason to lock the officer out of their
records: it is treated as ``DAMAGED_FAILURES`` failures, rewritten at once,
so the officer waits one short delay and then continues.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable
from pathlib import Path

from ..errors import PinThrottled
from .atomic import atomic_write, fsync_dir

# Wait (seconds) before the next try, indexed by consecutive failures; the last value repeats.
WAITS = (0, 0, 0, 5, 15, 30, 60, 120, 300, 600, 900, 1800, 3600)
DAMAGED_FAILURES = 3

Clock = Callable[[], float]


def wait_after(failures: int) -> float:
    return float(WAITS[min(max(failures, 0), len(WAITS) - 1)])


class Throttle:
    def __init__(self, path: Path, clock: Clock = time.time) -> None:
        self.path = Path(path)
        self.clock = clock

    def _load(self) -> tuple[int, float]:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return 0, 0.0
        try:
            body = json.loads(raw)
            failures, last = body["failures"], body["last_failure"]
            if body["check"] != _check(failures, last) or not isinstance(failures, int) or failures < 0:
                raise ValueError("check mismatch")
            return failures, float(last)
        except (ValueError, KeyError, TypeError):
            now = self.clock()
            self._save(DAMAGED_FAILURES, now)
            return DAMAGED_FAILURES, now

    def _save(self, failures: int, last: float) -> None:
        body = {"failures": failures, "last_failure": last, "check": _check(failures, last)}
        atomic_write(self.path, json.dumps(body).encode("ascii"))

    def status(self) -> tuple[int, float]:
        """(consecutive failures, seconds still to wait before a try is allowed)."""
        failures, last = self._load()
        now = self.clock()
        if now < last:
            # The clock went back: restart the wait from now rather than lock out until it catches up.
            self._save(failures, now)
            last = now
        return failures, max(0.0, wait_after(failures) - (now - last))

    def check(self) -> None:
        """Raise PinThrottled when a try now would come too early."""
        _, remaining = self.status()
        if remaining > 0:
            raise PinThrottled(remaining)

    def record_failure(self) -> tuple[int, float]:
        """Count one more wrong PIN; returns (failures, wait before the next try)."""
        failures, _ = self._load()
        failures += 1
        self._save(failures, self.clock())
        return failures, wait_after(failures)

    def reset(self) -> None:
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            return
        fsync_dir(self.path.parent)


def _check(failures: object, last: object) -> str:
    return hashlib.sha256(f"fieldtally-attempts|{failures}|{last!r}".encode()).hexdigest()[:16]
