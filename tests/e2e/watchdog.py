"""Ends a Chromium renderer that keeps the CPU busy for a minute, so a browser test fails or retries
instead of hanging.

On these 2-core machines a new page's renderer has been seen spinning on both cores from the moment
it was created (software WebGL, many Flutter pages in one browser). Playwright's page creation and
``evaluate`` have no timeout, so the test then waited with no end. A renderer that a test is not
driving settles near 0 % within seconds of drawing its screen (a focused text box's cursor costs
about 3 %), and Flutter's start costs a few seconds of CPU: averaging more than ``busy_share`` of a
core over ``limit_s`` seconds is a spin. The watchdog kills it; Playwright then reports the page as
crashed, and the waiting call raises.

It reads ``/proc`` (Linux, where the tests run) and watches only renderers below this process (the
Playwright driver's Chromium), never another program's.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections import deque
from pathlib import Path

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _processes() -> dict[int, tuple[int, int]]:
    """Each process's parent and CPU ticks (user + system)."""
    out = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # gone in the meantime
        out[int(entry.name)] = (int(fields[1]), int(fields[11]) + int(fields[12]))
    return out


def _is_renderer(pid: int) -> bool:
    try:
        return b"--type=renderer" in (Path("/proc") / str(pid) / "cmdline").read_bytes()
    except OSError:
        return False


def _descendants(procs: dict[int, tuple[int, int]], root: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for pid, (ppid, _ticks) in procs.items():
        children.setdefault(ppid, []).append(pid)
    found, todo = set(), [root]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


class RendererWatchdog:
    """A background thread; ``killed`` lists (time, pid, average share of a core) of each renderer ended."""

    def __init__(self, *, limit_s: float = 60.0, busy_share: float = 0.9, interval_s: float = 2.0):
        self.limit_s = limit_s
        self.busy_share = busy_share
        self.interval_s = interval_s
        self.killed: list[tuple[float, int, float]] = []
        self._samples: dict[int, tuple[tuple[float, int], ...]] = {}  # pid -> its latest samples, a copy
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="renderer-watchdog", daemon=True)

    def __enter__(self) -> RendererWatchdog:
        if Path("/proc/self/stat").exists():
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    def kills_since(self, moment: float) -> int:
        return sum(1 for when, _pid, _share in self.killed if when >= moment)

    def trouble(self, *, min_span_s: float = 20.0) -> list[str]:
        """What went wrong with the browser: renderers ended, and renderers spinning now (at least
        ``busy_share`` of a core over the last ``min_span_s`` seconds or more, not yet ended)."""
        ended = self.killed
        out = [f"renderer {pid} ended after a minute at {share:.0%} of a core" for _, pid, share in ended]
        for pid, samples in list(self._samples.items()):
            last_t, last_ticks = samples[-1]
            earlier = [(t, ticks) for t, ticks in samples if last_t - t >= min_span_s]
            if not earlier:
                continue
            t, ticks = earlier[-1]
            share = (last_ticks - ticks) / _TICK / (last_t - t)
            if share >= self.busy_share:
                out.append(f"renderer {pid} at {share:.0%} of a core for the last {last_t - t:.0f} s")
        return out

    def _run(self) -> None:
        history: dict[int, deque[tuple[float, int]]] = {}
        me = os.getpid()
        while not self._stop.wait(self.interval_s):
            procs = _processes()
            now = time.monotonic()
            below = _descendants(procs, me)
            for pid in list(history):
                if pid not in below:
                    del history[pid]
                    self._samples.pop(pid, None)
            for pid in below:
                if pid not in history and not _is_renderer(pid):
                    continue
                samples = history.setdefault(pid, deque())
                samples.append((now, procs[pid][1]))
                while len(samples) > 1 and now - samples[1][0] >= self.limit_s:
                    samples.popleft()
                first_t, first_ticks = samples[0]
                span = now - first_t
                self._samples[pid] = tuple(samples)
                if span < self.limit_s:
                    continue
                share = (procs[pid][1] - first_ticks) / _TICK / span
                if share >= self.busy_share:
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except OSError:
                        continue
                    self.killed.append((now, pid, share))
                    del history[pid]
                    self._samples.pop(pid, None)
