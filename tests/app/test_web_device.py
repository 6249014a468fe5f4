"""One browser, one device (mobile/app/web_device.py), and signing out, without a browser.

The browser's id decides which folder on the host a session reads and writes, and the browser sends
it: only ids this app makes are taken. Two tabs of one browser share a vault, which only one may hold
open: a closed tab releases it, a tab that unlocks takes it over, an untouched one locks itself.
Real vaults and a real sync server; the page and shell are small stand-ins.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from mobile.app.service import AppService
from mobile.app.web_device import (
    BROWSER_KEY,
    BadBrowserId,
    OpenVaults,
    WebSession,
    browser_folder,
    browser_identity,
    device_name,
    same_origin,
)
from mobile.errors import VaultError
from tests.mobile.helpers import FAST_KDF, PIN, survey_answers

GOOD_ID = "0123456789abcdef0123456789abcdef"


def run(coro):
    return asyncio.run(coro)


# ---- the browser's id ------------------------------------------------------------------------------


def test_browser_folder__an_id_this_app_made_is_a_folder_under_browsers(tmp_path: Path):
    assert browser_folder(tmp_path, GOOD_ID) == tmp_path / "browsers" / GOOD_ID


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "..",
        "../" + GOOD_ID[3:],
        "/etc/passwd",
        GOOD_ID[:31],
        GOOD_ID + "0",
        GOOD_ID.upper(),
        GOOD_ID[:31] + "\n",
        GOOD_ID + "\n",
        GOOD_ID[:30] + "/.",
        "０" * 32,  # fullwidth digits are digits to \d, not to us
        None,
        12345,
    ],
)
def test_browser_folder__anything_else_is_refused(tmp_path: Path, bad):
    with pytest.raises(BadBrowserId):
        browser_folder(tmp_path, bad)


def test_browser_folder__a_folder_linked_elsewhere_is_refused(tmp_path: Path):
    (tmp_path / "browsers").mkdir()
    (tmp_path / "elsewhere").mkdir()
    os.symlink(tmp_path / "elsewhere", tmp_path / "browsers" / GOOD_ID)
    with pytest.raises(BadBrowserId):
        browser_folder(tmp_path, GOOD_ID)


class FakePrefs:
    """The browser's storage (ft.SharedPreferences has the same two async calls)."""

    def __init__(self, stored=None, broken: bool = False):
        self.data = {} if stored is None else {BROWSER_KEY: stored}
        self.broken = broken

    async def get(self, key):
        if self.broken:
            raise RuntimeError("no storage")
        return self.data.get(key)

    async def set(self, key, value):
        if self.broken:
            raise RuntimeError("no storage")
        self.data[key] = value
        return True


def test_browser_identity__kept_made_or_replaced():
    async def flow() -> None:
        assert await browser_identity(FakePrefs(GOOD_ID)) == GOOD_ID

        empty = FakePrefs()
        made = await browser_identity(empty)
        assert made != GOOD_ID and empty.data[BROWSER_KEY] == made
        assert await browser_identity(empty) == made  # the same browser comes back to the same device

        tampered = FakePrefs("../../" + GOOD_ID)
        fresh = await browser_identity(tampered)
        assert fresh != GOOD_ID and len(fresh) == 32 and tampered.data[BROWSER_KEY] == fresh

        assert len(await browser_identity(FakePrefs(broken=True))) == 32  # a device for this tab alone

    run(flow())


# ---- what the device is called, and where it enrolls --------------------------------------------------

CHROME_WIN = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
EDGE_WIN = CHROME_WIN + " Edg/131.0.2903.86"
FIREFOX_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Mobile/15E148 Safari/604.1"
)
CHROME_ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; SM-A546E) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/130.0.6723.102 Mobile Safari/537.36"
)
HEADLESS = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 "
    "Safari/537.36"
)


@pytest.mark.parametrize(
    "ua, name",
    [
        (CHROME_WIN, "Chrome 131 · Windows · web"),
        (EDGE_WIN, "Edge 131 · Windows · web"),
        (FIREFOX_LINUX, "Firefox 133 · Linux · web"),
        (SAFARI_IPHONE, "Safari 17 · iPhone · web"),
        (CHROME_ANDROID, "Chrome 130 · Android 14 · web"),
        (HEADLESS, "Chrome 131 · Linux · web"),
        ("", "Browser · web"),
        (None, "Browser · web"),
    ],
)
def test_device_name__browser_and_system_from_the_user_agent(ua, name):
    assert device_name(ua) == name


def test_device_name__never_longer_than_the_server_keeps():
    assert len(device_name("Chrome/1 " + "Linux " * 100)) <= 100


@pytest.mark.parametrize(
    "url, origin",
    [
        ("ws://127.0.0.1:8000/app", "http://127.0.0.1:8000"),
        ("wss://tally.example.vn/app", "https://tally.example.vn"),
        ("http://10.0.0.2:8000/app/", "http://10.0.0.2:8000"),
        (None, ""),
        ("", ""),
        ("file:///app", ""),
    ],
)
def test_same_origin__the_server_that_served_the_page(url, origin):
    assert same_origin(url) == origin


# ---- tabs of one browser sharing one vault ------------------------------------------------------------


class FakeSession:
    def __init__(self):
        self.events: list[str] = []

    async def dispatch_event(self, control_id, name, data=None):
        self.events.append(name)


class FakePage:
    def __init__(self):
        self.session = FakeSession()
        self.updates = 0
        self.dialogs: list[str] = []  # the text of each dialog shown

    def update(self):
        self.updates += 1

    def show_dialog(self, dialog):
        self.dialogs.append(dialog.content.value)


class FakeShell:
    """What WebSession asks of the Shell, recorded."""

    def __init__(self, service: AppService):
        self.service = service
        self.started = 0
        self.toasts: list[str] = []
        self.flushed = 0
        self.closed = 0
        self.tasks: list[asyncio.Task] = []

    def t(self, key, **values):
        return key

    def start(self):
        self.started += 1

    def toast(self, message, *, error=False):
        self.toasts.append(message)

    async def flush(self):
        self.flushed += 1

    async def close(self):
        self.closed += 1
        for task in self.tasks:
            task.cancel()
        self.service.lock()

    def spawn(self, coro):
        self.tasks.append(asyncio.ensure_future(coro))


def _tab(folder: Path, registry: OpenVaults, idle_seconds: float = 0) -> WebSession:
    web = WebSession(
        FakePage(),
        FakeShell(AppService(folder, kdf_params=FAST_KDF)),
        idle_seconds=idle_seconds,
        registry=registry,
    )
    web.install()
    return web


async def _enroll(web: WebSession, server_url: str) -> None:
    await web.service.enroll(server_url, "canbo", "canbo123")
    await web.service.create_pin(PIN, PIN)


def test_tabs__without_the_web_session_a_second_opener_is_refused(tmp_path: Path, live_server):
    """What issue 12 saw: the vault held by a tab nobody can see any more answers 'open elsewhere'."""

    async def flow() -> None:
        first = AppService(tmp_path, kdf_params=FAST_KDF)
        await first.enroll(live_server.url, "canbo", "canbo123")
        await first.create_pin(PIN, PIN)
        with pytest.raises(VaultError, match="open elsewhere"):
            await AppService(tmp_path, kdf_params=FAST_KDF).unlock(PIN)
        first.lock()

    run(flow())


def test_tabs__a_closed_tab_releases_the_vault_and_a_new_tab_unlocks(tmp_path: Path, live_server):
    async def flow() -> None:
        registry = OpenVaults()
        first = _tab(tmp_path, registry)
        await _enroll(first, live_server.url)
        assert registry.holder(first.folder) is first

        await first.on_disconnect()
        assert first.service.store is None and registry.holder(first.folder) is None
        assert first.shell.flushed == 1  # the form on screen was saved before the vault closed
        assert first.shell.started == 0  # nobody is looking: no screen to change

        second = _tab(tmp_path, registry)
        assert second.service.stage() == "unlock"  # a new tab asks for the PIN
        await second.service.unlock(PIN)
        assert second.service.store is not None and registry.holder(second.folder) is second

        await first.on_connect()  # the closed tab's session is reloaded: its PIN prompt
        assert first.shell.started == 1 and first.service.stage() == "unlock"
        second.service.lock()

    run(flow())


def test_tabs__unlocking_in_a_second_tab_locks_the_first_which_says_why(tmp_path: Path, live_server):
    async def flow() -> None:
        registry = OpenVaults()
        first = _tab(tmp_path, registry)
        await _enroll(first, live_server.url)
        record, _ = first.service.new_record("awareness_survey")
        await first.service.finalize(record, survey_answers(ethnicity="Mường"))

        second = _tab(tmp_path, registry)
        await second.service.unlock(PIN)
        assert first.service.store is None and first.shell.started == 1
        assert first.page.dialogs == ["web_taken_over"]  # says why, until dismissed
        assert [r.record.id for r in await second.service.records()] == [record.id]

        await first.service.unlock(PIN)  # and back: the first tab takes it again
        assert second.service.store is None and first.service.store is not None
        first.service.lock()

    run(flow())


def test_tabs__two_browsers_are_two_devices_that_share_nothing(tmp_path: Path, live_server):
    async def flow() -> None:
        registry = OpenVaults()
        a = _tab(browser_folder(tmp_path, "a" * 32), registry)
        b = _tab(browser_folder(tmp_path, "b" * 32), registry)
        await _enroll(a, live_server.url)
        await b.service.enroll(live_server.url, "chihuy", "chihuy123")
        await b.service.create_pin("13572468", "13572468")
        record, _ = a.service.new_record("awareness_survey")
        await a.service.finalize(record, survey_answers(ethnicity="Tày"))
        assert a.service.store is not None and b.service.store is not None  # both open at once
        assert await b.service.records() == []
        assert a.service.settings.device_id != b.service.settings.device_id
        assert (a.service.user.username, b.service.user.username) == ("canbo", "chihuy")
        a.service.lock()
        b.service.lock()

    run(flow())


def test_idle__an_untouched_session_locks_itself_and_input_keeps_it_open(tmp_path: Path, live_server):
    async def flow() -> None:
        registry = OpenVaults()
        web = _tab(tmp_path, registry, idle_seconds=1.5)
        await _enroll(web, live_server.url)

        # Taps keep it open; a window resize is not someone at the desk.
        for _ in range(4):
            await asyncio.sleep(0.6)
            await web.page.session.dispatch_event(1, "click")
        assert web.service.store is not None
        assert web.page.session.events == ["click"] * 4

        await web.page.session.dispatch_event(1, "resize")
        await asyncio.sleep(2.5)
        assert web.service.store is None
        assert web.page.dialogs == ["web_idle_locked"] and web.shell.started == 1
        await web.on_close()
        assert web.shell.closed == 1

    run(flow())


# ---- signing out ---------------------------------------------------------------------------------------


def test_sign_out__counts_what_is_unsent_then_forgets_the_user_keeping_the_vault_aside(
    tmp_path: Path, live_server
):
    async def flow() -> None:
        svc = AppService(tmp_path, kdf_params=FAST_KDF)
        svc.settings.device_name = "Chrome 131 · Windows · web"
        await svc.enroll(live_server.url, "canbo", "canbo123")
        await svc.create_pin(PIN, PIN)
        assert await svc.left_behind() == (0, 0)
        draft, _ = svc.new_record("awareness_survey")
        await svc.save_draft(draft, {"ethnicity": "Dao"})
        record, _ = svc.new_record("awareness_survey")
        await svc.finalize(record, survey_answers(ethnicity="Thái"))
        assert await svc.left_behind() == (1, 1)  # a finished record waits to be sent; a draft is unfinished

        report = await svc.sync()
        assert report is not None and report.error is None
        assert await svc.left_behind() == (0, 1)

        kept = await svc.sign_out()
        assert svc.stage() == "setup" and svc.store is None and svc.user is None
        assert not svc.settings.username and not svc.settings.device_id
        assert svc.settings.server_url == live_server.url
        assert svc.settings.device_name == "Chrome 131 · Windows · web"
        assert (kept / "vault.key").exists()  # moved aside, never deleted

        # Someone else signs in on the same browser: a new device of their own.
        await svc.enroll(live_server.url, "chihuy", "chihuy123")
        await svc.create_pin("13572468", "13572468")
        assert svc.user.username == "chihuy" and await svc.records() == []
        svc.lock()

    run(flow())
