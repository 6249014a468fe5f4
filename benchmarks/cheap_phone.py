"""The phone's own work on an emulated 1 GB Android phone, against the same work unlimited.

    .venv/bin/python benchmarks/cheap_phone.py                    # as root, where cgroups are writable
    .venv/bin/python benchmarks/cheap_phone.py --cpu-percent 40 --memory-mb 384
    .venv/bin/python benchmarks/cheap_phone.py --phone-python .venv-phone/bin/python

Each condition runs the phone's work in a fresh Python process, through the app's own
``AppService`` (what the screens call) with the real KDF, on a fresh vault, against a fresh
sync server (uvicorn on loopback, SQLite, demo data; the server is never limited: it is not
the phone):

1. *start*: import flet and the app's modules, then read and validate the shipped form
   definitions (``shipped_forms()``, cold);
2. *create the vault*: enroll, then choose the PIN (scrypt N=2**15, 32 MiB: the phone's KDF);
3. *save*: with 500 final surveys already in the outbox, 50 drafts saved one by one;
4. *unlock*: the app locked and unlocked again with the PIN (KDF + reading the vault);
5. *sync*: the 500 final surveys pushed, receipts applied, forms and tallies pulled;
6. *open a form* (after the sync, as from then on): a new survey record on the newest
   form, its answers checked (``check_record``, what finalising runs);
7. *search* (after the sync): the records screen's search (``AppService.find``) over the
   550 records.

**The limits and why.** A 1 GB Android phone of the kind officers buy (Android Go, four
Cortex-A53 or A55 cores at 1.3–2 GHz) runs single-threaded Python roughly 4–8 times slower
than one core of this server, and leaves an app's process a few hundred MB before the
low-memory killer ends it (the Flutter engine and the Dart VM take their share). So the
limited run gets **one core** (``sched_setaffinity``), throttled to **25 % of it** by a cgroup
CPU quota (``cpu.cfs_quota_us`` 25000 per 100000 µs on cgroup v1, ``cpu.max`` on v2: the
process runs a quarter of each 100 ms, a 4× slowdown of CPU-bound work, the gentle end of
that range), and **256 MiB** of memory (``memory.limit_in_bytes`` / ``memory.max``; the
kernel kills the process past it, page cache included). Storage speed is not emulated: a
cheap phone's eMMC makes each fsync slower than this machine's disk.

Needs root (or a delegated cgroup); without writable cgroups it says so and exits 2.
Correctness is checked (every record stored once on the server, the outbox empty after the
sync, the search finding exactly the records it should); the benchmark fails loudly otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
N_OUTBOX = 500
N_DRAFTS = 50
N_OPEN = 50
N_SEARCH = 10
QUICK = {"N_OPEN": 5, "N_SEARCH": 2}  # --quick
SEARCH_TEXT = "mong"  # the ethnicity "Mông", typed without tone marks: 1 survey in 6
CGROUP = Path("/sys/fs/cgroup")


# ---- the phone's work (runs in the measured process) -------------------------------------------------


class Clock:
    """Wall and CPU time (all of the process's threads) of each step, in ms; repeated steps by name."""

    def __init__(self) -> None:
        self.samples: dict[str, list[tuple[float, float]]] = {}

    def start(self) -> tuple[float, float]:
        return time.perf_counter(), time.process_time()

    def stop(self, name: str, t0: tuple[float, float]) -> None:
        wall, cpu = time.perf_counter() - t0[0], time.process_time() - t0[1]
        self.samples.setdefault(name, []).append((wall * 1e3, cpu * 1e3))

    def summary(self) -> dict[str, dict[str, float]]:
        out = {}
        for name, pairs in self.samples.items():
            walls, cpus = sorted(w for w, _ in pairs), sorted(c for _, c in pairs)
            p95 = min(len(walls) - 1, round(0.95 * (len(walls) - 1)))
            mid = len(walls) // 2
            out[name] = {"wall": walls[mid], "cpu": cpus[mid], "wall_p95": walls[p95], "cpu_p95": cpus[p95]}
        return out


async def _phone_work(server_url: str, folder: Path, out: dict) -> None:
    clock = Clock()
    t = clock.start()
    import flet  # noqa: F401  (what the app imports first)

    from mobile.app.service import AppService
    from mobile.record_query import RecordQuery, fold
    from schemas.catalog import shipped_forms

    clock.stop("import", t)
    t = clock.start()
    shipped_forms()
    clock.stop("forms_cold", t)

    sys.path.insert(0, str(HERE))
    from _common import PIN, SURVEY, check, fill_outbox, survey_answers

    from schemas.form_state import derive_answers
    from schemas.records import RecordStatus, check_record

    svc = AppService(folder)  # the real KDF: no kdf_params
    await svc.enroll(server_url, "canbo", "canbo123")
    t = clock.start()
    await svc.create_pin(PIN, PIN)
    clock.stop("create_vault", t)

    assert svc.store is not None
    await asyncio.to_thread(fill_outbox, svc.store, N_OUTBOX)
    for i in range(N_OUTBOX, N_OUTBOX + N_DRAFTS):
        record, _form = svc.new_record(SURVEY.id)
        t = clock.start()
        await svc.save_draft(record, survey_answers(i))
        clock.stop("save", t)

    svc.lock()
    again = AppService(folder)
    t = clock.start()
    await again.unlock(PIN)
    clock.stop("unlock", t)

    t = clock.start()
    report = await again.sync()
    clock.stop("sync", t)
    check(report is not None and report.error is None, f"the sync failed: {report}")
    assert again.store is not None
    check(not again.store.outbox(), f"{len(again.store.outbox())} records still in the outbox after the sync")
    check(again.store.cached_pull() is not None, "the sync brought no pull")
    out["synced"] = N_OUTBOX

    # What an officer does most, after a sync: the pull (forms, plan, tallies) is in the vault now.
    for i in range(N_OPEN):
        t = clock.start()
        record, form = again.new_record(SURVEY.id)
        filled = record.model_copy(
            update={"status": RecordStatus.FINAL, "answers": derive_answers(form, survey_answers(i))}
        )
        issues = check_record(filled, form)
        clock.stop("open_form", t)
        check(not issues, f"a generated survey does not validate: {issues[:1]}")

    want = sum(1 for i in range(N_OUTBOX + N_DRAFTS) if fold(survey_answers(i)["ethnicity"]) == SEARCH_TEXT)
    for _ in range(N_SEARCH):
        t = clock.start()
        found = await again.find(RecordQuery(text=SEARCH_TEXT))
        clock.stop("search", t)
    check(len(found) == want, f"the search found {len(found)} records, expected {want}")
    out["search_hits"] = len(found)
    again.lock()
    out["steps"] = clock.summary()
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def job(server_url: str, folder: str, quick: str) -> None:
    if quick == "quick":
        globals().update(QUICK)
    out: dict = {}
    asyncio.run(_phone_work(server_url, Path(folder), out))
    print(json.dumps(out))


# ---- limits: a cgroup for the measured process -------------------------------------------------------


class Limits:
    """A cgroup (v1 cpu + memory, or v2) holding a CPU quota and a memory limit; removed by ``close``."""

    def __init__(self, cpu_percent: int, memory_mb: int) -> None:
        self.cpu_percent, self.memory_mb = cpu_percent, memory_mb
        self.dirs: list[Path] = []
        name = f"fieldtally-cheap-phone-{os.getpid()}"
        quota, period, memory = cpu_percent * 1000, 100_000, memory_mb * 2**20
        if (CGROUP / "cgroup.controllers").is_file():  # cgroup v2: one tree
            own = _own_cgroup("")
            group = CGROUP / own.lstrip("/") / name
            group.mkdir()
            self.dirs.append(group)
            (group / "cpu.max").write_text(f"{quota} {period}")
            (group / "memory.max").write_text(str(memory))
        else:  # cgroup v1: a hierarchy per controller, each below this process's own group
            cpu = CGROUP / "cpu" / _own_cgroup("cpu").lstrip("/") / name
            mem = CGROUP / "memory" / _own_cgroup("memory").lstrip("/") / name
            for d in (cpu, mem):
                d.mkdir()
                self.dirs.append(d)
            (cpu / "cpu.cfs_period_us").write_text(str(period))
            (cpu / "cpu.cfs_quota_us").write_text(str(quota))
            (mem / "memory.limit_in_bytes").write_text(str(memory))

    def enter(self) -> None:
        """Runs in the child between fork and exec: join every group, keep to one core."""
        for d in self.dirs:
            (d / "cgroup.procs").write_text(str(os.getpid()))
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

    def close(self) -> None:
        for d in reversed(self.dirs):
            for _ in range(50):  # the group empties a moment after its last process is reaped
                try:
                    d.rmdir()
                    break
                except OSError:
                    time.sleep(0.1)


def _own_cgroup(controller: str) -> str:
    """This process's group path for ``controller`` (``""`` for the v2 tree) from /proc/self/cgroup."""
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, names, path = line.split(":", 2)
        if (controller == "" and names == "") or controller in names.split(","):
            return path
    raise OSError(f"no {controller or 'unified'} cgroup in /proc/self/cgroup")


# ---- the runner -------------------------------------------------------------------------------------


def run_condition(python: str, limits: Limits | None, root: Path, quick: bool) -> dict:
    sys.path.insert(0, str(REPO))
    from tests.support.live_server import start_live_server

    server = start_live_server(root / "server")
    try:
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        cmd = [python, __file__, "--job", server.url, str(root / "phone"), "quick" if quick else "full"]
        proc = subprocess.run(
            cmd,
            capture_output=True,
            text=True,
            env=env,
            check=False,
            preexec_fn=limits.enter if limits else None,
        )
        if proc.returncode != 0:
            killed = " (killed: over the memory limit?)" if proc.returncode in (-9, 137) else ""
            raise SystemExit(
                f"BENCHMARK FAILED: the phone's work exited {proc.returncode}{killed}:\n{proc.stderr}"
            )
        result = json.loads(proc.stdout.strip().splitlines()[-1])
        stored = _server_rows(root / "server" / "live-server.sqlite3")
        if stored != N_OUTBOX:
            raise SystemExit(f"BENCHMARK FAILED: the server holds {stored} records, expected {N_OUTBOX}")
        return result
    finally:
        server.stop()


def _server_rows(db: Path) -> int:
    import sqlite3

    con = sqlite3.connect(db)
    try:
        return con.execute("SELECT count(*) FROM records").fetchone()[0]
    finally:
        con.close()


ROWS = [
    ("start: import flet and the app", "import", "wall"),
    ("start: read the form definitions (cold)", "forms_cold", "wall"),
    ("create the vault (enrolled; scrypt KDF)", "create_vault", "wall"),
    (f"save a draft, median (with {N_OUTBOX}+ records)", "save", "wall"),
    ("save a draft, p95", "save", "wall_p95"),
    (f"unlock with the PIN ({N_OUTBOX + N_DRAFTS} records)", "unlock", "wall"),
    (f"sync {N_OUTBOX} records (push, receipts, pull)", "sync", "wall"),
    ("open a form + check its answers, median (after the sync)", "open_form", "wall"),
    (f"search {N_OUTBOX + N_DRAFTS} records, median (after the sync)", "search", "wall"),
]


def render(base: dict, cheap: dict, cpu_percent: int, memory_mb: int) -> str:
    """Wall ms with the process's CPU ms in brackets: on a shared machine the baseline's wall time
    includes waiting for a core, its CPU time does not. CPU time divided by the quota is what a
    step costs at that fraction of a core, whatever the load; the quota enforces it on average
    over its 100 ms periods, so a step shorter than that can come in under it."""
    sys.path.insert(0, str(HERE))
    from _common import table

    def cell(r: dict, step: str, key: str) -> str:
        s = r["steps"][step]
        return f"{s[key]:,.1f} ({s[key.replace('wall', 'cpu')]:,.1f})"

    rows = []
    for label, step, key in ROWS:
        b, c = base["steps"][step][key], cheap["steps"][step][key]
        at_quota = cheap["steps"][step][key.replace("wall", "cpu")] * 100 / cpu_percent
        ratio = f"{c / b:.1f}×" if b else "–"
        rows.append((label, cell(base, step, key), cell(cheap, step, key), f"{at_quota:,.1f}", ratio))
    rss = (f"{base['peak_rss_mb']:.0f}", f"{cheap['peak_rss_mb']:.0f}")
    rows.append(("peak RSS of the process (MB)", *rss, "", ""))
    limited = f"1 core at {cpu_percent} %, {memory_mb} MiB"
    head = ("work: wall ms (CPU ms)", "unlimited (baseline)", limited, "limited CPU ÷ quota", "wall ratio")
    return table(head, rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cpu-percent", type=int, default=25, help="CPU quota of one core, percent (default 25)")
    ap.add_argument("--memory-mb", type=int, default=256, help="memory limit in MiB (default 256)")
    ap.add_argument("--phone-python", default=sys.executable, help="the interpreter of the phone's work")
    ap.add_argument("--quick", action="store_true", help="2 searches and 5 form opens instead of 10 and 50")
    ap.add_argument("--job", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.job:
        job(*args.job)
        return
    try:
        limits = Limits(args.cpu_percent, args.memory_mb)
    except OSError as exc:
        print(f"cannot make a cgroup for the limits here ({exc}); run as root on a machine with cgroups")
        sys.exit(2)
    try:
        with tempfile.TemporaryDirectory(prefix="ft-bench-cheap-") as tmp:
            base = run_condition(args.phone_python, None, Path(tmp) / "unlimited", args.quick)
            cheap = run_condition(args.phone_python, limits, Path(tmp) / "limited", args.quick)
    finally:
        limits.close()
    sys.path.insert(0, str(HERE))
    from _common import machine

    print(f"Machine: {machine()}; phone's Python: {args.phone_python}")
    print(render(base, cheap, args.cpu_percent, args.memory_mb))
    hits, synced = cheap["search_hits"], cheap["synced"]
    print(f"search hits: {hits}; records synced: {synced}, each stored once on the server")


if __name__ == "__main__":
    main()
