"""Slowing down wrong PINs, then locking: a persisted failure count, an increasing wait, a lock.

The count lives in ``vault.attempts``, a small plain JSON file (it needs
integrity, not secrecy). The wait is enforced by refusing tries that come
too early (``PinThrottled``), never by sleeping, so the UI stays responsive
and a restart of the app does not reset anything.

After ``LOCK_AFTER`` wrong PINs in a row a vault that has an unlock key
(given by the server at enrollment) *locks*: no PIN is tried until a
supervisor's one-time unlock code is typed (``schemas/unlock.py``). The file
also keeps the lockout number (how many locks were lifted: the code of lock
n works once) and the wrong codes typed (each costs ``CODE_WAIT`` seconds
more, so ten-digit codes cannot be guessed). A vault without an unlock key
(made before the server handed one out) only keeps waiting, up to an hour
per try.

What this defends against: someone holding the phone and guessing PINs in
the app. Someone who can edit the files could delete this counter, so a
bound vault (``vault.py``) mirrors every save of it into the device's secure
store (``on_save``) and, on opening, puts back the mirror when the file is
behind it (``restore``): deleting the file or putting back an older one
neither resets the waits nor un-spends an unlock code.

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
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from vault_format.atomic import atomic_write, fsync_dir

from ..errors import PinThrottled
from . import device_secret as ds

# Wait (seconds) before the next try, indexed by consecutive failures; the last value repeats.
WAITS = (0, 0, 0, 5, 15, 30, 60, 120, 300, 600, 900, 1800, 3600)
DAMAGED_FAILURES = 3
LOCK_AFTER = 10  # wrong PINs in a row that lock a vault which has an unlock key
CODE_WAIT = 30.0  # seconds added per wrong unlock code in a row

Clock = Callable[[], float]


def wait_after(failures: int) -> float:
    return float(WAITS[min(max(failures, 0), len(WAITS) - 1)])


@dataclass(frozen=True)
class Attempts:
    failures: int = 0  # wrong PINs in a row
    last_failure: float = 0.0
    lockouts: int = 0  # locks lifted so far: the next unlock code is for this number
    code_failures: int = 0  # wrong unlock codes in a row
    last_code_failure: float = 0.0


class Throttle:
    def __init__(self, path: Path, clock: Clock = time.time) -> None:
        self.path = Path(path)
        self.clock = clock
        self.on_save: Callable[[Attempts], None] | None = None  # the mirror outside the vault's files

    @classmethod
    def mirrored(cls, path: Path, clock: Clock, secrets: ds.SecretStore | None, vault_id: str) -> Throttle:
        """The counter of vault ``vault_id``, restored from and mirrored into ``secrets`` (if given)."""
        t = cls(path, clock)
        if secrets is not None:
            t.restore(_attempts(ds.read_attempts(secrets, vault_id)))
            t.on_save = lambda a: ds.write_attempts(secrets, vault_id, asdict(a))
        return t

    def restore(self, kept: Attempts | None) -> None:
        """Put back ``kept`` (the mirror) if the file is behind it: fewer lifted locks, or fewer failures."""
        if kept is None:
            return
        a = self._load() if self.path.exists() else Attempts()
        if (kept.lockouts, kept.failures, kept.code_failures) > (a.lockouts, a.failures, a.code_failures):
            self._save(kept)

    def _load(self) -> Attempts:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return Attempts()
        try:
            body = json.loads(raw)
            if "lockouts" not in body:  # written by an app before locking existed
                body = {**body, "lockouts": 0, "code_failures": 0, "last_code_failure": 0.0}
                if body["check"] != _check_v1(body["failures"], body["last_failure"]):
                    raise ValueError("check mismatch")
            elif body["check"] != _check(body):
                raise ValueError("check mismatch")
            a = Attempts(
                failures=body["failures"],
                last_failure=float(body["last_failure"]),
                lockouts=body["lockouts"],
                code_failures=body["code_failures"],
                last_code_failure=float(body["last_code_failure"]),
            )
            for n in (a.failures, a.lockouts, a.code_failures):
                if isinstance(n, bool) or not isinstance(n, int) or n < 0:
                    raise ValueError("counts must be non-negative integers")
            return a
        except (ValueError, KeyError, TypeError, AttributeError, OverflowError):
            now = self.clock()
            damaged = Attempts(failures=DAMAGED_FAILURES, last_failure=now)
            self._save(damaged)
            return damaged

    def _save(self, a: Attempts) -> None:
        body = {
            "failures": a.failures,
            "last_failure": a.last_failure,
            "lockouts": a.lockouts,
            "code_failures": a.code_failures,
            "last_code_failure": a.last_code_failure,
        }
        body["check"] = _check(body)
        atomic_write(self.path, json.dumps(body).encode("ascii"))
        if self.on_save is not None:
            self.on_save(a)

    def attempts(self) -> Attempts:
        return self._load()

    def status(self) -> tuple[int, float]:
        """(consecutive failures, seconds still to wait before a try is allowed)."""
        a = self._load()
        now = self.clock()
        if now < a.last_failure:
            # The clock went back: restart the wait from now rather than lock out until it catches up.
            a = replace(a, last_failure=now)
            self._save(a)
        return a.failures, max(0.0, wait_after(a.failures) - (now - a.last_failure))

    def check(self) -> None:
        """Raise PinThrottled when a try now would come too early."""
        _, remaining = self.status()
        if remaining > 0:
            raise PinThrottled(remaining)

    def record_failure(self) -> tuple[int, float]:
        """Count one more wrong PIN; returns (failures, wait before the next try)."""
        a = self._load()
        failures = a.failures + 1
        self._save(replace(a, failures=failures, last_failure=self.clock()))
        return failures, wait_after(failures)

    def code_wait(self) -> float:
        """Seconds before another unlock code may be tried."""
        a = self._load()
        now = self.clock()
        if now < a.last_code_failure:
            a = replace(a, last_code_failure=now)
            self._save(a)
        return max(0.0, CODE_WAIT * a.code_failures - (now - a.last_code_failure))

    def record_code_failure(self) -> float:
        """Count one more wrong unlock code; returns the wait before the next one."""
        a = self._load()
        a = replace(a, code_failures=a.code_failures + 1, last_code_failure=self.clock())
        self._save(a)
        return CODE_WAIT * a.code_failures

    def lift_lock(self) -> None:
        """A valid unlock code: the PIN may be tried again, and that code is spent."""
        a = self._load()
        self._save(Attempts(lockouts=a.lockouts + 1))

    def reset(self) -> None:
        """The right PIN: forget the failures (keeping the lockout number, so spent codes stay spent)."""
        a = self._load() if self.path.exists() else Attempts()
        if a.lockouts:
            if a != Attempts(lockouts=a.lockouts):
                self._save(Attempts(lockouts=a.lockouts))
            return
        if self.on_save is not None:
            self.on_save(Attempts())
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            return
        fsync_dir(self.path.parent)


def _attempts(fields: dict | None) -> Attempts | None:
    """The mirror read back; None when absent or not a well-formed counter."""
    if not fields:
        return None
    try:
        a = Attempts(**fields)
    except TypeError:
        return None
    counts_ok = all(
        isinstance(n, int) and not isinstance(n, bool) and n >= 0
        for n in (a.failures, a.lockouts, a.code_failures)
    )
    times_ok = all(isinstance(t, (int, float)) for t in (a.last_failure, a.last_code_failure))
    return a if counts_ok and times_ok else None


def _check_v1(failures: object, last: object) -> str:
    return hashlib.sha256(f"fieldtally-attempts|{failures}|{last!r}".encode()).hexdigest()[:16]


def _check(body: dict) -> str:
    fields = [body["failures"], body["last_failure"], body["lockouts"], body["code_failures"]]
    fields.append(body["last_code_failure"])
    return hashlib.sha256(("fieldtally-attempts-v2|" + "|".join(map(repr, fields))).encode()).hexdigest()[:16]
