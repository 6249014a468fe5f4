"""The app (web build) in Chromium: start to unlock screen, unlock to home, opening a form, and the
longest event-loop stall while 1,000 records sync.

    .venv/bin/python benchmarks/app_timing.py             # 3 runs (about 2 minutes)
    .venv/bin/python benchmarks/app_timing.py --runs 5 --records 1000

What runs: a real sync server (uvicorn + SQLite, demo users) and the app as
its web build (``python -m mobile.main --web``, exactly as the browser tests
start it), driven by Playwright in Debian's Chromium at 360×640, through the
semantics tree as a screen reader would (``tests/e2e/driver.py``).

1. Enrolment as ``canbo`` and a PIN (the app's own KDF, not a cheap one).
2. The app is stopped; ``--records`` finalized surveys are put in the
   officer's outbox through the app's own ``RecordStore`` (same vault, same
   PIN), as if typed over days.
3. ``--runs`` times, the server stopped (so the sync the app starts after
   unlocking cannot send them yet): start the app process (timed until it
   serves), open the page in a fresh browser context (timed until the unlock
   screen shows), type the PIN and tap "Mở khóa" (timed until home shows,
   vault of ``--records`` records opened), tap the survey form (timed until
   its first question shows). The browser context is new each run, so the
   page load includes fetching and starting the Flutter web engine (an
   installed phone app does not).
4. Last run: the server is started again and "Đồng bộ ngay" tapped; the run
   waits for "Đã đồng bộ", checks the server counted every record once, and
   reads the app's event-loop monitor (``FIELDTALLY_LOOP_MONITOR``, see
   ``mobile/loop_monitor.py``): a 10 ms timer on the app's loop, and how
   late it fired during the sync (every lag of 20 ms or more is kept with its
   time). Goal: no stall over 100 ms.

Baseline in the same run: the same monitor while the app sits idle on the
home screen for ``--idle`` seconds before the sync (what the machine alone
costs the loop).
"""

from __future__ import annotations

import argparse
import json
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import requests  # noqa: E402
from _common import PIN, PLAN_ID, REPO, SURVEY, check, machine, median, survey_answers, table  # noqa: E402

from mobile.records import RecordStore  # noqa: E402
from mobile.settings_store import load_settings  # noqa: E402
from mobile.vault import Vault  # noqa: E402
from tests.e2e.conftest import CHROMIUM_ARGS, PHONE  # noqa: E402
from tests.e2e.driver import App, AppProcess  # noqa: E402
from tests.support.live_server import free_port, start_live_server  # noqa: E402

UNIT = "HN-SS-MT"
SURVEY_BUTTON = "Phiếu khảo sát nhận thức pháp luật"
FIRST_QUESTION = "Ngày khảo sát"
AFTER = 2.0  # seconds after the sync still watched


def fill_outbox(data_dir: Path, n: int) -> float:
    """``n`` finalized surveys into the enrolled app's outbox, through its RecordStore; seconds."""
    settings = load_settings(data_dir)
    t0 = time.perf_counter()
    with Vault.unlock(data_dir / "vault", PIN) as vault:
        store = RecordStore(vault, author=settings.username, unit=settings.unit, device=settings.device_id)
        for i in range(n):
            store.finalize(store.new_record(SURVEY), survey_answers(i), SURVEY)
        check(len(store.outbox()) == n, f"the outbox holds {len(store.outbox())} records, expected {n}")
    return time.perf_counter() - t0


def visible(app: App, text: str, timeout: float = 60_000, exact: bool = False) -> None:
    """Wait until ``text`` shows (as element text or an aria-label), without scrolling."""
    page = app.page
    loc = page.get_by_text(text, exact=exact).or_(page.get_by_label(text, exact=exact))
    loc.first.wait_for(state="visible", timeout=timeout)


def button(app: App, name: str, timeout: float = 60_000):
    loc = app.page.get_by_role("button", name=name, exact=True)
    loc.first.wait_for(state="visible", timeout=timeout)
    return loc.first


def open_page(app: App, url: str) -> None:
    """Load the page and turn Flutter's semantics tree on (App.open without its settling pause)."""
    app.page.goto(url)
    app.page.wait_for_selector("flt-semantics-placeholder", state="attached", timeout=60_000)
    app.page.evaluate("document.querySelector('flt-semantics-placeholder')?.click()")


def surveys_on_server(server_url: str) -> float:
    """The officer's commune's survey count this plan year, as the server tallies it."""
    token = requests.post(
        f"{server_url}/api/v1/enroll",
        json={"username": "canbo", "password": "canbo123", "device_id": "bench-check", "device_name": "b"},
        timeout=10,
    ).json()["device_token"]
    body = requests.get(
        f"{server_url}/api/v1/tallies",
        params={"plan_id": PLAN_ID, "unit": UNIT, "start": "2026-01-01", "end": "2026-12-31"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    ).json()
    return next(i for i in body["totals"] if i["indicator_id"] == "i1_understanding")["denominator"]


def lags_between(monitor: Path, start: float, end: float) -> tuple[dict, list[float]]:
    """The monitor's report and its lags (ms) of 20 ms or more between two wall-clock times."""
    report = json.loads(monitor.read_text(encoding="utf-8"))
    return report, [lag for at, lag in report["lags_over_20ms"] if start <= at <= end]


def wait_written_after(monitor: Path, t: float, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if json.loads(monitor.read_text(encoding="utf-8"))["written_at"] > t:
                return
        except (OSError, ValueError, KeyError):
            pass
        time.sleep(0.1)
    check(False, f"the loop monitor file {monitor} was not written (is FIELDTALLY_LOOP_MONITOR wired?)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--records", type=int, default=1000)
    ap.add_argument("--idle", type=float, default=5.0, help="seconds of idle home screen (the baseline)")
    ap.add_argument(
        "--asyncio-debug",
        action="store_true",
        help="run the app with PYTHONASYNCIODEBUG=1 and print what it logs as slow (>= 30 ms)",
    )
    ap.add_argument(
        "--py-spy",
        action="store_true",
        help="sample the app with py-spy during the sync and print where its event loop was busy",
    )
    ap.add_argument(
        "--stacks",
        action="store_true",
        help="take the event loop's stack whenever it is stuck for 40 ms, and print them",
    )
    args = ap.parse_args()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    check(chromium is not None, "Chromium is not installed (Debian's chromium package)")
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="ft-bench-app-") as tmp_name:
        tmp = Path(tmp_name)
        monitor = tmp / "loop.json"
        server = start_live_server(tmp / "server")
        env = {"FIELDTALLY_LOOP_MONITOR": str(monitor)}
        if args.asyncio_debug:
            env["PYTHONASYNCIODEBUG"] = "1"
        if args.stacks:
            env["FIELDTALLY_LOOP_MONITOR_STACKS"] = "1"
        app_proc = AppProcess(tmp / "appdata", free_port(), tmp / "app.log", env=env)
        times: dict[str, list[float]] = {"serve": [], "unlock_screen": [], "home": [], "form": []}
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)

                def fresh_app() -> tuple[App, object]:
                    context = browser.new_context(viewport=PHONE, device_scale_factor=1, locale="vi-VN")
                    return App(context.new_page(), tmp), context

                # 1. enrolment and PIN
                app_proc.start()
                app, context = fresh_app()
                app.open(app_proc.url)
                app.enroll(server.url, "canbo", "canbo123", PIN)
                context.close()
                app_proc.stop()

                # 2. the outbox
                fill_s = fill_outbox(tmp / "appdata", args.records)
                print(f"  {args.records:,} surveys put in the outbox in {fill_s:.1f} s", file=sys.stderr)
                server.stop()

                # 3. the timed runs; 4. the sync in the last one
                sync_row = None
                for run in range(args.runs):
                    last = run == args.runs - 1
                    t0 = time.perf_counter()
                    app_proc.start()
                    times["serve"].append(time.perf_counter() - t0)
                    app, context = fresh_app()
                    t0 = time.perf_counter()
                    open_page(app, app_proc.url)
                    visible(app, "Nhập mã PIN")
                    times["unlock_screen"].append(time.perf_counter() - t0)
                    box = app.textbox("Mã PIN")
                    box.click()
                    app.page.keyboard.type(PIN)
                    unlock = button(app, "Mở khóa")
                    t0 = time.perf_counter()
                    unlock.click()
                    sync_button = button(app, "Đồng bộ ngay")
                    times["home"].append(time.perf_counter() - t0)
                    if last:
                        spy = start_py_spy(app_proc, tmp / "spy.txt") if args.py_spy else None
                        sync_row = measure_sync(app, sync_button, server, monitor, args)
                        if spy is not None:
                            spy.send_signal(signal.SIGINT)
                            spy.wait(timeout=30)
                            print_busy_loop(tmp / "spy.txt")
                    form = app.button(SURVEY_BUTTON)
                    t0 = time.perf_counter()
                    form.click()
                    visible(app, FIRST_QUESTION)
                    times["form"].append(time.perf_counter() - t0)
                    app.button("Quay lại").click()  # an untouched form leaves nothing behind
                    button(app, "Đồng bộ ngay")
                    context.close()
                    app_proc.stop()
                    print(f"  run {run + 1}/{args.runs} done", file=sys.stderr)
                browser.close()
        finally:
            app_proc.stop()
            server.stop()
        app_log = (tmp / "app.log").read_text(errors="replace")
    log_tail = app_log[-2000:]
    if args.asyncio_debug:
        print("what the app's loop logged as slow (asyncio debug mode, which itself slows it down):")
        for line in app_log.splitlines():
            if " took " in line and ("Executing" in line or "seconds" in line):
                took = line[line.rindex(" took ") :]
                print("  " + line[:300] + (" ..." + took if took not in line[:300] else ""))

    rows = []
    labels = {
        "serve": "start the app process until it serves the page",
        "unlock_screen": "page load until the unlock screen shows",
        "home": f"tap Unlock until home shows ({args.records:,} records in the vault)",
        "form": "tap a form until its first question shows",
    }
    for key, label in labels.items():
        v = times[key]
        rows.append([label, len(v), f"{median(v) * 1e3:.0f}", f"{max(v) * 1e3:.0f}"])
    print(f"the app, web build in Chromium 360x640; {args.runs} runs; {machine()}")
    print()
    print(table(["step", "runs", "median ms", "max ms"], rows))
    print()
    assert sync_row is not None
    print(
        table(
            [
                "app's event loop (10 ms timer)",
                "seconds",
                "longest stall ms",
                "stalls > 100 ms",
                "stalls >= 20 ms",
                "5 longest (ms)",
            ],
            sync_row,
        )
    )
    print()
    print("Goal: no event-loop stall over 100 ms during the sync.")
    if "Traceback" in log_tail:
        print("\nthe app logged a traceback; the end of its log:\n" + log_tail, file=sys.stderr)


def start_py_spy(app_proc: AppProcess, out: Path) -> subprocess.Popen | None:
    """py-spy sampling the app (every thread, 200 Hz) until SIGINT; None if py-spy is not installed."""
    exe = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(exe).exists():
        print("  py-spy is not installed (pip install py-spy): no profile", file=sys.stderr)
        return None
    pid = app_proc._proc.pid  # type: ignore[union-attr]
    cmd = [exe, "record", "-p", str(pid), "-r", "200", "--threads", "-f", "raw", "-o", str(out)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.0)  # py-spy attaches
    return proc


def print_busy_loop(raw: Path) -> None:
    """Where the main thread (the event loop) was busy: samples by the innermost frames of each stack."""
    if not raw.exists():
        print("  py-spy wrote nothing (not allowed to attach?)", file=sys.stderr)
        return
    stacks: dict[str, int] = {}
    total = 0
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")
        if len(frames) < 2 or "MainThread" not in frames[0]:
            continue
        total += int(count)
        key = " <- ".join(f.split(" (")[0] + " (" + f.split("/")[-1] for f in frames[::-1][:6])
        stacks[key] = stacks.get(key, 0) + int(count)
    print(f"event loop (main thread) busy samples during the sync, 200 per second: {total}")
    for key, n in sorted(stacks.items(), key=lambda kv: -kv[1])[:15]:
        print(f"  {n:5d}  {key[:600]}")


def measure_sync(app: App, sync_button, server, monitor: Path, args) -> list[list]:
    """Idle baseline, then tap "Đồng bộ ngay" and wait for it to finish; the two monitor rows."""
    rows = []
    time.sleep(1.0)  # let the home screen settle (its first refresh, the failed sync after unlocking)
    idle_start = time.time()
    time.sleep(args.idle)
    idle_end = time.time()
    wait_written_after(monitor, idle_end)
    rows.append(_row(monitor, "idle on the home screen (baseline)", idle_start, idle_end))
    server.start()
    t0 = time.time()
    sync_button.click()
    visible(app, "Đã đồng bộ", timeout=180_000)
    done = time.time()
    time.sleep(AFTER)  # what the sync leaves behind (a home refresh, a deferred collection) counts too
    t1 = time.time()
    wait_written_after(monitor, t1)
    counted = surveys_on_server(server.url)
    check(counted == args.records, f"the server counts {counted} surveys, expected {args.records}")
    label = f"sync of {args.records:,} records (tap to 'Đã đồng bộ', + {AFTER:.0f} s after)"
    rows.append(_row(monitor, label, t0, t1))
    print(f"the sync took {done - t0:.1f} s from the tap to 'Đã đồng bộ'")
    gc_pauses = json.loads(monitor.read_text(encoding="utf-8"))["gc_pauses_over_5ms"]
    during = [f"gen {gen}: {ms:.0f} ms at +{at - t0:.2f} s" for at, gen, ms in gc_pauses if t0 <= at <= t1]
    print("garbage collections over 5 ms during the sync: " + ("; ".join(during) or "none"))
    if args.stacks:
        for stuck in json.loads(monitor.read_text(encoding="utf-8"))["stuck_stacks"]:
            if t0 <= stuck["at"] <= t1 + 1:
                print(f"the loop was stuck for {stuck['stuck_ms']} ms until +{stuck['at'] - t0:.2f} s in:")
                print("    " + "\n    ".join(stuck["stack"][-4:]))
                for name, stack in stuck.get("others", {}).items():
                    if stack and "wait" not in stack[-1] and "select" not in stack[-1]:
                        print(f"  thread {name}:\n    " + "\n    ".join(stack[-6:]))
    return rows


def _row(monitor: Path, label: str, start: float, end: float) -> list:
    _report, lags = lags_between(monitor, start, end)
    top = sorted(lags, reverse=True)[:5]
    longest = f"{max(lags):.0f}" if lags else "< 20"
    return [
        label,
        f"{end - start:.1f}",
        longest,
        sum(1 for x in lags if x > 100),
        len(lags),
        ", ".join(f"{x:.0f}" for x in top) or "-",
    ]


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    main()
