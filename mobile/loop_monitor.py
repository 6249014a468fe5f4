"""An opt-in watch on the app's event loop: how late a 10 ms timer fires is how long the screen froze.

Flet runs every handler of the app on one asyncio loop; anything slow done
on it (instead of in a thread) freezes taps and drawing for that long. With
``FIELDTALLY_LOOP_MONITOR=<file>`` set, ``maybe_start`` runs a task that
sleeps 10 ms at a time and measures how late it wakes (the lag), and every
half second writes to ``<file>`` (JSON, replaced atomically): the number of
ticks, the longest lag, how many were late by more than 100 ms, a histogram,
the five longest with their wall-clock time, and every lag of 20 ms or more
with its time, so a benchmark can look at just the seconds it cares about.
Off (and costing nothing) unless the variable is set.

With ``FIELDTALLY_LOOP_MONITOR_STACKS=1`` as well, a watchdog thread looks
every 5 ms whether the loop has ticked; when it has been stuck for 40 ms it
takes the loop thread's stack (what the loop is running, or waiting for), so
a stall can be traced to its code. The watchdog competes for the GIL, so the
lags are measured without it.
"""

from __future__ import annotations

import asyncio
import bisect
import gc
import heapq
import json
import logging
import os
import sys
import threading
import time
import traceback
from collections import deque
from pathlib import Path
from typing import Any

ENV = "FIELDTALLY_LOOP_MONITOR"
STACKS_ENV = "FIELDTALLY_LOOP_MONITOR_STACKS"
STUCK = 0.040  # the watchdog takes the loop's stack once it has not ticked for this long
TICK = 0.010  # seconds between wake-ups
WRITE_EVERY = 0.5  # seconds between writes of the file
LATE = 0.100  # a lag above this is a stall a user notices
NOTED = 0.020  # lags at least this long are kept one by one, with their time
BOUNDS_MS = (5, 10, 25, 50, 100, 250, 1000)  # histogram bucket upper bounds

log = logging.getLogger("fieldtally.loop_monitor")
_task: asyncio.Task | None = None


class LoopMonitor:
    """Lag statistics of one event loop; ``run`` measures, ``snapshot`` reports."""

    def __init__(self, path: Path, *, tick: float = TICK) -> None:
        self.path = path
        self.tick = tick
        self.ticks = 0
        self.max_lag = 0.0
        self.late = 0
        self.histogram = [0] * (len(BOUNDS_MS) + 1)
        self.top: list[tuple[float, float]] = []  # (lag, wall time), a min-heap of the 5 longest
        self.noted: deque[tuple[float, float]] = deque(maxlen=20_000)
        self.beat = time.monotonic()
        self.stacks: deque[dict[str, Any]] = deque(maxlen=50)
        self.gc_pauses: deque[tuple[float, int, float]] = deque(maxlen=5_000)  # (at, generation, seconds)
        self._gc_start = 0.0

    def on_gc(self, phase: str, info: dict[str, Any]) -> None:
        """A ``gc.callbacks`` hook: a collection holds the GIL, so every thread (the loop too) waits."""
        if phase == "start":
            self._gc_start = time.perf_counter()
        else:
            took = time.perf_counter() - self._gc_start
            if took >= 0.005:
                self.gc_pauses.append((time.time(), info.get("generation", -1), took))

    def record(self, lag: float, at: float) -> None:
        lag = max(0.0, lag)
        self.ticks += 1
        self.max_lag = max(self.max_lag, lag)
        self.late += lag > LATE
        self.histogram[bisect.bisect_left(BOUNDS_MS, lag * 1000)] += 1
        if len(self.top) < 5:
            heapq.heappush(self.top, (lag, at))
        elif lag > self.top[0][0]:
            heapq.heapreplace(self.top, (lag, at))
        if lag >= NOTED:
            self.noted.append((at, lag))

    def snapshot(self) -> dict[str, Any]:
        labels = [f"<={b}ms" for b in BOUNDS_MS] + [f">{BOUNDS_MS[-1]}ms"]
        return {
            "pid": os.getpid(),
            "written_at": time.time(),
            "tick_ms": self.tick * 1000,
            "ticks": self.ticks,
            "max_lag_ms": round(self.max_lag * 1000, 2),
            "late_over_100ms": self.late,
            "histogram": dict(zip(labels, self.histogram, strict=True)),
            "top5": [
                {"lag_ms": round(lag * 1000, 2), "at": at} for lag, at in sorted(self.top, reverse=True)
            ],
            "lags_over_20ms": [[at, round(lag * 1000, 2)] for at, lag in self.noted],
            "stuck_stacks": list(self.stacks),
            "gc_pauses_over_5ms": [[at, gen, round(took * 1000, 2)] for at, gen, took in self.gc_pauses],
        }

    def watch(self, loop_thread: int) -> None:
        """The watchdog (a daemon thread): the loop thread's stack whenever the loop is stuck."""
        taken_for = None
        while True:
            time.sleep(0.005)
            beat = self.beat
            if time.monotonic() - beat < STUCK or taken_for == beat:
                continue
            taken_for = beat
            frames = sys._current_frames()
            names = {t.ident: t.name for t in threading.enumerate()}
            skip = (threading.get_ident(), loop_thread)
            # the loop's stack, and every other thread's: a stall in select() is the loop waiting for
            # the GIL, which some other thread held (it is just past the long call by now)
            self.stacks.append(
                {
                    "at": time.time(),
                    "stuck_ms": round((time.monotonic() - beat) * 1000, 1),
                    "stack": _stack(frames.get(loop_thread)),
                    "others": {names.get(i, str(i)): _stack(f) for i, f in frames.items() if i not in skip},
                }
            )

    def write(self) -> None:
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(json.dumps(self.snapshot()), encoding="utf-8")
        os.replace(tmp, self.path)

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        last_write = loop.time()
        while True:
            start = loop.time()
            await asyncio.sleep(self.tick)
            now = loop.time()
            self.beat = time.monotonic()
            self.record(now - start - self.tick, time.time())
            if now - last_write >= WRITE_EVERY:
                last_write = now
                try:
                    self.write()
                except OSError:
                    log.exception("could not write the loop monitor file %s", self.path)


def _stack(frame: Any) -> list[str]:
    if frame is None:
        return []
    return [" ".join(line.split()) for line in traceback.format_stack(frame)[-10:]]


def maybe_start() -> None:
    """Start the monitor on the running loop if ``FIELDTALLY_LOOP_MONITOR`` names a file; once a process."""
    global _task
    target = os.environ.get(ENV)
    if not target or _task is not None:
        return
    loop = asyncio.get_running_loop()
    if loop.get_debug():  # PYTHONASYNCIODEBUG=1: name what blocks the loop for 30 ms or more
        loop.slow_callback_duration = 0.030
    monitor = LoopMonitor(Path(target))
    if os.environ.get(STACKS_ENV) == "1":
        ident = threading.get_ident()
        threading.Thread(target=monitor.watch, args=(ident,), name="loop-watchdog", daemon=True).start()
    gc.callbacks.append(monitor.on_gc)
    _task = loop.create_task(monitor.run())
    log.info("event-loop monitor on: writing to %s", target)
