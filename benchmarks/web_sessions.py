"""Many browsers on the app the sync server serves at /app/: page load times and server memory per session.

    .venv/bin/python benchmarks/web_sessions.py                 # 20 sessions (about 8 minutes)
    .venv/bin/python benchmarks/web_sessions.py --sessions 10 --reopen 3

What runs: one real sync server (``fieldtally-server serve``: uvicorn + SQLite,
demo units, the app mounted at /app/, as ``scripts/demo.sh`` runs it) and one
Debian Chromium driven by Playwright through the semantics tree
(``tests/e2e/driver.py``). Users are made with the server's CLI: officers of
the four demo communes and supervisors of communes, districts and the city,
in turn.

1. Ramp: for each of ``--sessions`` users, a new browser context (a new
   browser: empty cache and storage), the URL opened (timed until the
   enrollment screen shows), enrolled and a PIN set (timed until home shows;
   this includes Playwright typing the boxes and the real PIN key derivation).
   Every context stays open. The server's resident memory (VmRSS of its
   process) is read before the first session, after the first one (the
   client files are then cached: a one-off cost) and after the last.
2. With all sessions open, ``--reopen`` of them close their tab and open the
   URL in a new one (same browser: its cache and storage), timed until the
   PIN prompt shows and, after the PIN is typed and "Mở khóa" tapped, until
   home shows.

Memory per active session is the growth from one session to all of them,
divided by the sessions added. Correctness checks: every home shows its own
person's name; the server answers /health at the end.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import check, machine, median, table  # noqa: E402

from sync_server.cli import main as server_cli  # noqa: E402
from tests.e2e.conftest import CHROMIUM_ARGS  # noqa: E402
from tests.e2e.driver import App  # noqa: E402
from tests.support.live_server import start_live_server  # noqa: E402

PIN = "258013"
PHONE, DESK = {"width": 360, "height": 640}, {"width": 1280, "height": 800}
UNITS = [  # (role, unit, unit name), cycled
    ("officer", "HN-SS-MT", "Xã Minh Trí"),
    ("officer", "HN-BD-PX", "Phường Phúc Xá"),
    ("supervisor", "HN-SS", "Huyện Sóc Sơn"),
    ("officer", "HN-SS-BS", "Xã Bắc Sơn"),
    ("officer", "HN-BD-DC", "Phường Điện Biên"),
    ("supervisor", "HN-BD-PX", "Phường Phúc Xá"),
    ("supervisor", "HN", "Thành phố Hà Nội"),
    ("supervisor", "HN-BD", "Quận Ba Đình"),
]


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def enroll(app: App, username: str, password: str) -> None:
    app.fill("Tên đăng nhập", username)
    app.fill("Mật khẩu", password)
    app.button("Đăng ký").click()
    app.text("Đặt mã PIN")
    app.page.wait_for_timeout(500)  # typing during the screen change can be lost
    for _ in range(3):
        app.fill("Mã PIN", PIN)
        app.fill("Nhập lại mã PIN", PIN)
        if not app.page.get_by_text("0/12").or_(app.page.get_by_label("0/12")).count():
            break
    app.button("Lưu mã PIN").click()
    app.button("Đồng bộ ngay")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument(
        "--reopen", type=int, default=5, help="sessions that close their tab and unlock again"
    )
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="ft-web-sessions-") as tmp:
        work = Path(tmp)
        server = start_live_server(work, serve_app=True)
        try:
            pid = server._proc.pid  # noqa: SLF001 - the server's own process, for its memory
            users = []
            for i in range(args.sessions):
                role, unit, unit_name = UNITS[i % len(UNITS)]
                name = f"Người dùng {i + 1:02d}"
                username, password = f"user{i + 1:02d}", f"password-{i + 1:02d}"
                cmd = ["create-user", "--database-url", server.database_url, "--username", username]
                cmd += ["--password", password, "--role", role, "--unit", unit, "--full-name", name]
                check(server_cli(cmd) == 0, f"create-user {username}")
                users.append((role, username, password, f"{name} · {unit_name}"))
            url = f"{server.url}/app/"
            rss = {"idle": rss_mib(pid)}
            ramp: list[tuple[float, float]] = []
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
                contexts, apps = [], []
                for i, (role, username, password, header) in enumerate(users):
                    ctx = browser.new_context(
                        viewport=PHONE if role == "officer" else DESK, device_scale_factor=1, locale="vi-VN"
                    )
                    app = App(ctx.new_page(), work)
                    start = time.monotonic()
                    app.open(url)
                    app.text("Đăng ký thiết bị", timeout=60_000)
                    first = time.monotonic() - start
                    enroll(app, username, password)
                    app.text(header)
                    ramp.append((first, time.monotonic() - start))
                    contexts.append(ctx)
                    apps.append(app)
                    if i == 0:
                        time.sleep(2)
                        rss["one"] = rss_mib(pid)
                    print(
                        f"  session {i + 1}: first screen {first:.1f} s, home {ramp[-1][1]:.1f} s", flush=True
                    )
                time.sleep(2)
                rss["all"] = rss_mib(pid)
                for app, (_, _, _, header) in zip(apps, users, strict=True):
                    app.text(header)  # each page still shows its own person

                reopen: list[tuple[float, float]] = []
                step = max(1, len(users) // max(1, args.reopen))
                for i in list(range(0, len(users), step))[: args.reopen]:
                    apps[i].page.close()
                    app = App(contexts[i].new_page(), work)
                    start = time.monotonic()
                    app.open(url)
                    app.text("Nhập mã PIN", timeout=60_000)
                    first = time.monotonic() - start
                    app.fill("Mã PIN", PIN)
                    app.button("Mở khóa").click()
                    app.text(users[i][3])
                    reopen.append((first, time.monotonic() - start))
                    apps[i] = app
                rss["after_reopen"] = rss_mib(pid)
                for ctx in contexts:
                    ctx.close()
                browser.close()
            check(server.health().get("status") == "ok", "the server stopped answering")
        finally:
            server.stop()

    n = len(users)
    half = max(1, n // 4)
    print(f"\n{machine()}\n")
    print(f"### {n} browser sessions on one server (the app at /app/)\n")
    rows = [
        (
            f"open the URL, new browser: first screen (sessions 1–{half})",
            half,
            f"{median([r[0] for r in ramp[:half]]):.1f}",
            f"{max(r[0] for r in ramp[:half]):.1f}",
        ),
        (
            f"open the URL, new browser: first screen (sessions {n - half + 1}–{n})",
            half,
            f"{median([r[0] for r in ramp[-half:]]):.1f}",
            f"{max(r[0] for r in ramp[-half:]):.1f}",
        ),
        (
            "open the URL to home, enrolled with a PIN (typing included)",
            n,
            f"{median([r[1] for r in ramp]):.1f}",
            f"{max(r[1] for r in ramp):.1f}",
        ),
        (
            f"{n} open: new tab of a known browser, URL to PIN prompt",
            len(reopen),
            f"{median([r[0] for r in reopen]):.1f}",
            f"{max(r[0] for r in reopen):.1f}",
        ),
        (
            f"{n} open: new tab, URL to unlocked home (PIN typed)",
            len(reopen),
            f"{median([r[1] for r in reopen]):.1f}",
            f"{max(r[1] for r in reopen):.1f}",
        ),
    ]
    print(table(["step", "runs", "median s", "max s"], rows))
    per_session = (rss["all"] - rss["one"]) / max(1, n - 1)
    print()
    print(
        table(
            ["server memory (VmRSS)", "MiB"],
            [
                ("started, no session", f"{rss['idle']:.0f}"),
                ("one session (client files cached)", f"{rss['one']:.0f}"),
                (f"{n} sessions", f"{rss['all']:.0f}"),
                (f"{n} sessions, after {len(reopen)} tabs reopened", f"{rss['after_reopen']:.0f}"),
                ("per active session (growth from 1 to all)", f"{per_session:.1f}"),
            ],
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
