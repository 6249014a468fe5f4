"""Helpers for driving a Flutter web canvas through its semantics tree."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Locator, Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout


class App:
    def __init__(self, page: Page, artifacts: Path):
        self.page = page
        self.artifacts = artifacts

    def open(self, url: str) -> None:
        self.page.goto(url)
        self.page.wait_for_selector("flt-semantics-placeholder", state="attached", timeout=60_000)
        self.page.evaluate("document.querySelector('flt-semantics-placeholder')?.click()")
        self.page.wait_for_timeout(500)

    def find(self, locator: Locator, *, timeout: float = 15_000, scroll: bool = True) -> Locator:
        """Wait for ``locator``; scroll the form down (mouse wheel) while it is off screen."""
        try:
            locator.first.wait_for(state="visible", timeout=timeout if not scroll else 2_000)
            return locator.first
        except PlaywrightTimeout:
            if not scroll:
                raise
        self.page.mouse.move(180, 400)
        for _ in range(40):
            self.page.mouse.wheel(0, 250)
            self.page.wait_for_timeout(150)
            if locator.count() and locator.first.is_visible():
                self.page.wait_for_timeout(300)  # let the scroll settle before anyone clicks
                return locator.first
        locator.first.wait_for(state="visible", timeout=timeout)
        return locator.first

    def scroll_top(self) -> None:
        self.page.mouse.move(180, 400)
        for _ in range(30):
            self.page.mouse.wheel(0, -600)
        self.page.wait_for_timeout(200)

    def button(self, name: str, **kw) -> Locator:
        return self.find(self.page.get_by_role("button", name=name, exact=True), **kw)

    def textbox(self, name: str, **kw) -> Locator:
        return self.find(self.page.get_by_role("textbox", name=name), **kw)

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
                    arg=option.element_handle(), timeout=2_000,
                )
                return
            except PlaywrightTimeout:
                continue
        raise AssertionError(f"the option {name!r} could not be selected")

    def fill(self, name: str, value: str) -> None:
        box = self.textbox(name)
        box.click()
        self.page.keyboard.press("Control+A")
        self.page.keyboard.type(value)

    def text(self, value: str, *, timeout: float = 15_000, exact: bool = False) -> Locator:
        # Flutter exposes some text as element text and some (snack bars, tiles) as aria-label.
        loc = self.page.get_by_text(value, exact=exact).or_(self.page.get_by_label(value, exact=exact))
        return self.find(loc, timeout=timeout)

    def shot(self, name: str) -> Path:
        self.page.wait_for_timeout(400)  # let the canvas paint what the semantics tree already shows
        path = self.artifacts / f"{name}.png"
        self.page.screenshot(path=str(path))
        return path
