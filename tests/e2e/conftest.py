"""The app's web build in a real Chromium at a phone-sized viewport.

The app runs as a subprocess (``fieldtally-app --web``) against a real sync
server on loopback; Playwright drives Debian's Chromium. Flutter draws on a
canvas, so the tests turn its semantics tree on and find controls by role and
label, the way a screen reader does. Screenshots go to test-artifacts/e2e/.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from .watchdog import RendererWatchdog

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "e2e"
PHONE = {"width": 360, "height": 640}
DESK = {"width": 1280, "height": 800}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Flutter draws each page through WebGL; Chromium keeps 16 WebGL contexts alive at most and
    # silently drops the oldest beyond that, which leaves that page's canvas dead. The many-sessions
    # test holds 21 pages open in one browser.
    "--max-active-webgl-contexts=64",
]


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def app_url(tmp_path):
    """A fresh copy of the app (empty data folder) served to the browser."""
    port = _free_port()
    log = open(tmp_path / "app.log", "w")
    env = {**os.environ, "FLET_WEB_NO_CDN": "true"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mobile.main",
            "--web",
            "--no-browser",
            "--port",
            str(port),
            "--data-dir",
            str(tmp_path / "appdata"),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 60
    while True:
        try:
            if requests.get(url, timeout=1).status_code == 200:
                break
        except requests.RequestException:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail("the app did not start:\n" + (tmp_path / "app.log").read_text())
        time.sleep(0.3)
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture
def renderer_watchdog():
    """Kills a renderer that spins for a minute (``watchdog.py``): the test fails or retries, not hangs."""
    with RendererWatchdog() as watchdog:
        yield watchdog
    if watchdog.killed:
        print(f"renderer watchdog: ended {len(watchdog.killed)} spinning renderer(s): {watchdog.killed}")


@pytest.fixture
def browser(renderer_watchdog):
    """A Chromium of its own for each test (about a second to start), watched for spinning renderers.

    Not shared: a renderer left behind by an earlier test's Flutter pages was seen spinning at
    100% CPU in a later test, which then hung; and Playwright's sync API keeps an asyncio loop
    running in the main thread while it lives, which later ``asyncio.run`` tests would meet.
    """
    path = _chromium()
    if path is None:
        pytest.skip(
            "Chromium is not installed (scripts/test.sh installs Debian's chromium): browser tests skipped"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield b
        b.close()


def _keep_last_screen(page, request) -> None:
    """After a failed test, the page's last screen as ``<test>-failure.png`` (none if the page crashed)."""
    if getattr(request.node, "rep_call", None) is None or not request.node.rep_call.failed:
        return
    from playwright.sync_api import Error as PlaywrightError

    try:
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}-failure.png"), timeout=10_000)
    except PlaywrightError as e:
        print(f"no screenshot of the failed page: {e.message}")


@pytest.fixture
def phone(browser, request):
    """A phone-sized page; on failure its last screen is kept as a screenshot too."""
    context = browser.new_context(viewport=PHONE, device_scale_factor=1, locale="vi-VN")
    page = context.new_page()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    yield page
    _keep_last_screen(page, request)
    context.close()


@pytest.fixture
def desk(browser, request):
    """A desktop-sized page (a supervisor's screen); on failure its last screen is kept too."""
    context = browser.new_context(viewport=DESK, device_scale_factor=1, locale="vi-VN")
    page = context.new_page()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    yield page
    _keep_last_screen(page, request)
    context.close()


def pytest_collection_modifyitems(config, items):
    """A browser test that fails runs once more, from its start, in a fresh browser (as Playwright's
    own test runner retries on CI); a second failure fails it, and pytest lists every rerun.

    On these 2-core machines, with Flutter drawn by software WebGL, Chromium itself fails a test now
    and then: a page's renderer spins on a core with the page frozen (the watchdog, ``watchdog.py``,
    ends it after a minute and the waiting call raises "Target crashed"), or a screen change stops
    halfway, and Flutter drops taps while screens change. What the watchdog saw is added to the
    failed attempt's report. An app's fault fails both attempts.
    """
    here = Path(__file__).resolve().parent
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()) and here in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.flaky(reruns=1))


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)
    watchdog = getattr(item, "funcargs", {}).get("renderer_watchdog")
    if rep.failed and watchdog is not None:
        # Asked now, while the browser still runs: a spinning renderer is gone after teardown.
        seen = watchdog.trouble()
        if seen:
            rep.sections.append(("browser trouble", "\n".join(seen)))
