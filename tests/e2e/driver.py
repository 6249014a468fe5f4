"""Helpers for driving a Flutter web canvas through its semantics tree, and the app's process."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import requests
from playwright.sync_api import Locator, Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout


class App:
    def __init__(self, page: Page, artifacts: Path):
        self.page = page
        self.artifacts = artifacts

    def open(self, url: str) -> None:
        self.page.goto(url)
        self.page.wait_for_selector("flt-semantics-placeholder", state="attached", timeout=60_000)
        self.run_js("() => { document.querySelector('flt-semantics-placeholder')?.click(); }")
        self.page.wait_for_timeout(500)

    TOP = 60  # below the app bar
    BOTTOM_MARGIN = 24

    def find(
        self, locator: Locator, *, timeout: float = 15_000, scroll: bool = True, tap: bool = True
    ) -> Locator:
        """Wait for ``locator``; scroll (mouse wheel) until it is on screen, and return it.

        With ``tap`` (the default) it must sit well inside the screen: tapping a box at the bottom
        edge makes Flutter scroll it into view under the pointer, and the tap lands on whatever
        moved there. Text that is only read (a message, a snack bar) just needs to be on screen.
        """
        try:
            locator.first.wait_for(state="visible", timeout=timeout if not scroll else 2_000)
            if not scroll or self._on_screen(locator, tap):
                return locator.first
        except PlaywrightTimeout:
            if not scroll:
                raise
        self.page.mouse.move(180, 400)
        last_y = None
        for step in range(60):
            if step and step % 20 == 0:
                self.scroll_top()  # not below: it may have come up above, where we already were
            box = locator.first.bounding_box() if locator.count() else None
            if box is not None:
                stuck = last_y is not None and abs(box["y"] - last_y) < 1  # the list cannot scroll further
                if self._on_screen(locator, tap) or (stuck and self._on_screen(locator, False)):
                    self.page.wait_for_timeout(300)  # let the scroll settle before anyone clicks
                    return locator.first
                last_y = box["y"]
            up = box is not None and box["y"] < self.TOP
            self.page.mouse.wheel(0, -200 if up else 200)
            self.page.wait_for_timeout(150)
        locator.first.wait_for(state="visible", timeout=timeout)
        return locator.first

    def _on_screen(self, locator: Locator, tap: bool) -> bool:
        box = locator.first.bounding_box()
        if box is None or box["height"] == 0:
            return False
        height = self.page.viewport_size["height"] if self.page.viewport_size else 640
        top, bottom = box["y"], box["y"] + box["height"]
        if not tap:
            return bottom > 0 and top < height
        if top >= 0 and bottom <= self.TOP:  # in the app bar, which never scrolls
            return True
        if top < self.TOP - 4:
            return False
        if box["height"] > height - self.TOP - self.BOTTOM_MARGIN:  # taller than the screen
            return top < height / 2
        return bottom <= height - self.BOTTOM_MARGIN

    def scroll_top(self) -> None:
        self.page.mouse.move(180, 400)
        for _ in range(30):
            self.page.mouse.wheel(0, -600)
        self.page.wait_for_timeout(200)

    def button(self, name: str, **kw) -> Locator:
        return self.find(self.page.get_by_role("button", name=name, exact=True), **kw)

    def textbox(self, name: str, **kw) -> Locator:
        """The box labelled ``name``; an exact label wins ("Mã PIN" is not "Nhập lại mã PIN")."""
        loose = self.page.get_by_role("textbox", name=name)
        exact = self.page.get_by_role("textbox", name=name, exact=True)
        try:
            loose.first.wait_for(state="attached", timeout=kw.get("timeout", 15_000))
        except PlaywrightTimeout:
            pass  # find() below scrolls for it and reports the failure
        return self.find(exact if exact.count() else loose, **kw)

    def radio(self, name: str, **kw) -> Locator:
        return self.find(self.page.get_by_role("radio", name=name, exact=True), **kw)

    def choose(self, name: str) -> None:
        """Tap a radio option and make sure it took: a tap during a re-layout can land elsewhere."""
        for _ in range(3):
            option = self.radio(name)
            option.click()
            try:
                self.page.wait_for_function(
                    "el => el.getAttribute('aria-checked') === 'true'",
                    arg=option.element_handle(),
                    timeout=2_000,
                )
                return
            except PlaywrightTimeout:
                continue
        raise AssertionError(f"the option {name!r} could not be selected")

    def run_js(self, fn: str, arg: object = None, *, timeout: float = 10_000) -> object:
        """``fn(arg)`` in the page, failing after ``timeout`` ms instead of waiting forever.

        Playwright's ``evaluate`` has no timeout: on a page whose main thread never comes back it
        waits for ever (a full run once stalled there). ``wait_for_function`` does time out, so the
        function's result is wrapped in an object, always truthy, and unwrapped.
        """
        handle = self.page.wait_for_function(
            f"(arg) => ({{ result: ({fn})(arg) }})", arg=arg, timeout=timeout, polling=100
        )
        try:
            return handle.json_value()["result"]
        finally:
            handle.dispose()

    def focused_value(self) -> str | None:
        """What the focused <input> holds (Flutter's text box exists while it has focus)."""
        value = self.run_js("() => (document.activeElement && document.activeElement.value) ?? null")
        return value if isinstance(value, str) else None

    def fill(self, name: str, value: str) -> None:
        """Type ``value`` into the box named ``name``, replacing what was there.

        Flutter moves focus into a real <input> only once the tap has landed; typing that starts
        during a screen transition can go nowhere, so the input's value is checked and typed again.
        """
        for _ in range(3):
            box = self.textbox(name)
            box.click()
            self.page.wait_for_timeout(100)
            self.page.keyboard.press("Control+A")
            self.page.keyboard.press("Backspace")
            self.page.keyboard.type(value)
            typed = self.focused_value()
            if typed is None or typed == value:
                return
            self.page.wait_for_timeout(300)
        raise AssertionError(f"could not type into {name!r}")

    def text(self, value: str, *, timeout: float = 15_000, exact: bool = False) -> Locator:
        # Flutter exposes some text as element text and some (snack bars, tiles) as aria-label.
        loc = self.page.get_by_text(value, exact=exact).or_(self.page.get_by_label(value, exact=exact))
        return self.find(loc, timeout=timeout, tap=False)

    def tap_text(self, value: str, *, exact: bool = False, timeout: float = 15_000) -> None:
        """Tap the thing showing ``value`` (a list tile, a menu item)."""
        loc = self.page.get_by_text(value, exact=exact).or_(self.page.get_by_label(value, exact=exact))
        self.find(loc, timeout=timeout).click()

    def shot(self, name: str) -> Path:
        self.page.wait_for_timeout(800)  # let the canvas paint what the semantics tree already shows
        path = self.artifacts / f"{name}.png"
        self.page.screenshot(path=str(path))
        return path

    # ---- whole steps, shared by the flows ----------------------------------------------------------
    def enroll(self, server_url: str, username: str, password: str, pin: str) -> None:
        """First run: register the device and set a PIN; ends on the home screen."""
        self.text("Đăng ký thiết bị")
        self.fill("Địa chỉ máy chủ", server_url)
        self.fill("Tên đăng nhập", username)
        self.fill("Mật khẩu", password)
        self.button("Đăng ký").click()
        self.text("Đặt mã PIN")
        self.page.wait_for_timeout(500)  # typing during the screen change can be lost
        for _ in range(3):
            self.fill("Mã PIN", pin)
            self.fill("Nhập lại mã PIN", pin)
            # each PIN box counts its digits ("6/12"); an empty one means the typing went astray
            if not self.page.get_by_text("0/12").or_(self.page.get_by_label("0/12")).count():
                break
        self.button("Lưu mã PIN").click()
        self.button("Đồng bộ ngay")

    def unlock(self, pin: str) -> None:
        self.text("Nhập mã PIN", exact=False)
        self.fill("Mã PIN", pin)
        self.button("Mở khóa").click()

    def tap(self, label: str, *, timeout: float = 15_000) -> None:
        """Tap what a screen reader calls ``label`` (a button, a tile, a chip), whatever its role."""
        page = self.page
        loc = page.get_by_role("button", name=label, exact=True).or_(page.get_by_label(label, exact=True))
        self.find(loc, timeout=timeout).click()

    def tap_until(self, label: str, shows: str, *, timeout: float = 15_000) -> None:
        """Tap ``label`` until ``shows`` is on screen (a tap during a re-layout can land nowhere).

        Tapped again only while ``label`` is still there: the screen did not change, so the tap was
        lost; a screen that changed but is slow gets the whole ``timeout``.
        """
        for _ in range(3):
            self.tap(label, timeout=timeout)
            shown = self.page.get_by_text(shows).or_(self.page.get_by_label(shows))
            try:
                shown.first.wait_for(state="visible", timeout=5_000)
                return
            except PlaywrightTimeout:
                still = self.page.get_by_role("button", name=label, exact=True).or_(
                    self.page.get_by_label(label, exact=True)
                )
                if not still.count():
                    break
        self.text(shows, timeout=timeout)

    def assert_fits_phone_width(self, width: int = 360) -> None:
        """Nothing sticks out sideways: the page never scrolls horizontally at phone width."""
        scroll_width = self.run_js("() => document.documentElement.scrollWidth")
        assert scroll_width <= width, f"the page is {scroll_width}px wide at a {width}px viewport"


class AppProcess:
    """The app's web build as a subprocess that a test can kill and start again on the same data.

    ``kill()`` is SIGKILL, as Android does to a backgrounded app: nothing gets a chance to flush.
    """

    def __init__(self, data_dir: Path, port: int, log_path: Path, env: dict[str, str] | None = None):
        self.data_dir, self.port, self.log_path = data_dir, port, log_path
        self.env = {**os.environ, "FLET_WEB_NO_CDN": "true", **(env or {})}
        self.url = f"http://127.0.0.1:{port}/"
        self._proc: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> None:
        cmd = [
            sys.executable,
            "-m",
            "mobile.main",
            "--web",
            "--no-browser",
            "--port",
            str(self.port),
            "--data-dir",
            str(self.data_dir),
        ]
        with open(self.log_path, "ab") as log:
            self._proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=self.env)
        deadline = time.monotonic() + timeout
        while True:
            try:
                if requests.get(self.url, timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            if self._proc.poll() is not None or time.monotonic() > deadline:
                self.kill()
                raise RuntimeError("the app did not start:\n" + self.log_path.read_text(errors="replace"))
            time.sleep(0.3)

    def kill(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait(timeout=10)
        self._proc = None

    def stop(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(timeout=10)
        self._proc = None
