"""One browser, one device: the app served to many browsers from one process.

When the sync server serves the web build, every browser that opens it must
behave like a phone of its own: its own device identity, enrollment, vault and
PIN. A browser is told apart by a random id kept in its own storage
(``ft.SharedPreferences``, which the web client keeps in localStorage); its
files live under ``<root>/browsers/<id>/``. The id comes from the browser, so
it is attacker-controlled: only 32 lowercase hex digits are accepted (no
dots, no slashes, nothing else), anything else gets a fresh id and so a fresh,
empty device.

A vault folder can be open in one place at a time (its lock file, see
``mobile/vault/folder_lock.py``). A browser tab that closes releases it at once
(``on_disconnect``) rather than when Flet expires the session an hour later,
and a second tab of the same browser that unlocks takes the vault over from
the first, which goes back to its PIN prompt: nobody is ever told the data is
"open elsewhere" by a tab they can no longer see. A session nobody touches
for ``idle_seconds`` locks itself too.

Nothing here runs at import; ``WebSession`` is built per page by ``mobile.main``.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import flet as ft

from ..errors import FieldTallyError

log = logging.getLogger("fieldtally.app.web")

BROWSER_KEY = "fieldtally.browser_id"
BROWSERS_DIR = "browsers"
DEFAULT_IDLE_SECONDS = 15 * 60
_BROWSER_ID = re.compile(r"[0-9a-f]{32}")
# Events that arrive without anyone touching the page: they must not keep an idle session open.
_NOT_ACTIVITY = frozenset(
    {
        "connect",
        "disconnect",
        "close",
        "app_lifecycle_state_change",
        "resize",
        "media_change",
        "platform_brightness_change",
        "locale_change",
    }
)


class BadBrowserId(FieldTallyError, ValueError):
    """The id a browser sent is not one this app makes (or its folder points outside the app's data)."""


def valid_browser_id(value: object) -> bool:
    return isinstance(value, str) and _BROWSER_ID.fullmatch(value) is not None


def new_browser_id() -> str:
    return uuid.uuid4().hex


def browser_folder(root: Path, browser_id: str) -> Path:
    """``<root>/browsers/<id>``; refuses anything but an id this module made (BadBrowserId)."""
    if not valid_browser_id(browser_id):
        raise BadBrowserId("not a browser id")
    base = Path(root) / BROWSERS_DIR
    folder = base / browser_id
    # The pattern already rules out traversal; a symlinked folder pointing elsewhere is refused too.
    if folder.exists() and folder.resolve().parent != base.resolve():
        raise BadBrowserId("the browser's folder points outside the app's data")
    return folder


async def browser_identity(prefs: Any) -> str:
    """This browser's id from its storage, made and stored on the first visit (or if tampered with)."""
    try:
        found = await prefs.get(BROWSER_KEY)
    except Exception:  # a browser without storage (private mode limits): a device for this tab only
        log.warning("browser storage unavailable; this tab gets a device of its own")
        found = None
    if valid_browser_id(found):
        return found
    if found is not None:
        log.warning("a browser sent a malformed id; it gets a new device")
    fresh = new_browser_id()
    try:
        await prefs.set(BROWSER_KEY, fresh)
    except Exception:
        log.warning("could not store the browser id; this tab gets a device of its own")
    return fresh


def same_origin(page_url: str | None) -> str:
    """The http(s) origin a page was served from ("ws://host:8000/app" -> "http://host:8000"), or ""."""
    if not page_url:
        return ""
    parts = urlsplit(page_url)
    scheme = {"ws": "http", "wss": "https", "http": "http", "https": "https"}.get(parts.scheme)
    if scheme is None or not parts.netloc:
        return ""
    return f"{scheme}://{parts.netloc}"


_BROWSERS = (  # the first that matches wins: Edge and Opera also say "Chrome", Chrome also says "Safari"
    ("Edge", r"Edg(?:e|A|iOS)?/(\d+)"),
    ("Opera", r"OPR/(\d+)"),
    ("Firefox", r"(?:Firefox|FxiOS)/(\d+)"),
    ("Cốc Cốc", r"coc_coc_browser/(\d+)"),
    ("Chrome", r"(?:HeadlessChrome|Chrome|CriOS)/(\d+)"),
    ("Safari", r"Version/(\d+)[.\d]* (?:Mobile/\w+ )?Safari/"),
)
_SYSTEMS = (
    ("Android", r"Android (\d+)"),
    ("iPhone", r"iPhone"),
    ("iPad", r"iPad"),
    ("ChromeOS", r"CrOS"),
    ("Windows", r"Windows"),
    ("macOS", r"Mac OS X"),
    ("Linux", r"Linux|X11"),
)


def device_name(user_agent: str | None) -> str:
    """A description a supervisor can recognise ("Chrome 131 · Windows · web"), from the user agent."""
    ua = user_agent or ""
    browser = "Browser"
    for name, pattern in _BROWSERS:
        m = re.search(pattern, ua)
        if m:
            browser = f"{name} {m.group(1)}"
            break
    system = ""
    for name, pattern in _SYSTEMS:
        m = re.search(pattern, ua)
        if m:
            system = f"{name} {m.group(1)}" if m.groups() else name
            break
    return " · ".join(p for p in (browser, system, "web") if p)[:100]


class OpenVaults:
    """Which live session holds each vault folder open, in this process."""

    def __init__(self) -> None:
        self._holders: dict[Path, WebSession] = {}

    def holder(self, folder: Path) -> WebSession | None:
        return self._holders.get(folder)

    def take(self, folder: Path, session: WebSession) -> None:
        self._holders[folder] = session

    def drop(self, session: WebSession) -> None:
        for folder, holder in list(self._holders.items()):
            if holder is session:
                del self._holders[folder]


OPEN_VAULTS = OpenVaults()


class WebSession:
    """The lifecycle of one page over one device folder: release on close, take over, lock when idle.

    ``shell`` is the app's Shell (``service``, ``flush``, ``close``, ``start``, ``spawn``,
    ``t``); ``page`` the Flet page. ``clock`` is injectable for tests.
    """

    def __init__(
        self,
        page: Any,
        shell: Any,
        *,
        idle_seconds: float = DEFAULT_IDLE_SECONDS,
        registry: OpenVaults = OPEN_VAULTS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.page, self.shell, self.service = page, shell, shell.service
        self.idle_seconds = idle_seconds
        self.registry = registry
        self.clock = clock
        self.last_activity = clock()
        self.connected = True
        self.prefs: Any = None  # the browser-storage service, kept alive with the session

    @property
    def folder(self) -> Path:
        return self.service.vault_dir.resolve()

    # ---- wiring -------------------------------------------------------------------------------------
    def install(self) -> None:
        """Hook the page's events and the service's vault opening; start the idle watch."""
        self.service.before_open = self.claim
        self._watch_activity()
        if self.idle_seconds > 0:
            self.shell.spawn(self.idle_watch())

    def _watch_activity(self) -> None:
        # Every tap and keystroke from the browser reaches the session's dispatch_event: the one place
        # that sees all input, whatever screen or field it is for. Without it nothing counts (no lock).
        session = getattr(self.page, "session", None)
        dispatch = getattr(session, "dispatch_event", None)
        if dispatch is None:
            log.warning("cannot watch activity; the idle lock only counts handled events")
            return

        def dispatch_event(control_id: Any, name: str, data: Any = None, *args: Any, **kw: Any) -> Awaitable:
            if name not in _NOT_ACTIVITY:
                self.touch()
            return dispatch(control_id, name, data, *args, **kw)

        session.dispatch_event = dispatch_event

    def touch(self) -> None:
        self.last_activity = self.clock()

    # ---- the vault ----------------------------------------------------------------------------------
    async def claim(self) -> None:
        """Before this session opens the vault: take it from another session of the same browser."""
        other = self.registry.holder(self.folder)
        if other is not None and other is not self:
            await other.release("web_taken_over")
        self.registry.take(self.folder, self)

    async def release(self, reason: str | None) -> None:
        """Save the form on screen, close the vault; a visible page goes back to its PIN prompt."""
        self.registry.drop(self)
        if self.service.store is None:
            return
        await self.shell.flush()
        self.service.lock()
        if self.connected:
            self.shell.start()
            if reason:
                self._notice(self.shell.t(reason))

    def _notice(self, message: str) -> None:
        """Why the PIN is asked again, until dismissed: whoever comes back to the desk must see it."""

        def close(e: Any) -> None:
            self.page.pop_dialog()

        self.page.show_dialog(
            ft.AlertDialog(
                content=ft.Text(message),
                actions=[ft.TextButton(content=self.shell.t("close"), on_click=close)],
            )
        )

    async def idle_watch(self) -> None:
        step = max(1.0, min(30.0, self.idle_seconds / 4))
        while True:
            await asyncio.sleep(step)
            if self.service.store is not None and self.clock() - self.last_activity >= self.idle_seconds:
                log.info("session idle for %.0f s: locking", self.clock() - self.last_activity)
                try:
                    await self.release("web_idle_locked")
                    self.page.update()
                except Exception:
                    log.exception("idle lock failed")

    # ---- page events --------------------------------------------------------------------------------
    async def on_disconnect(self, e: Any = None) -> None:
        """The tab closed or reloaded: nothing may keep the vault open for the hour Flet keeps a session."""
        self.connected = False
        await self.release(None)

    async def on_connect(self, e: Any = None) -> None:
        """A reload reattached to this session: start again from the PIN prompt."""
        self.connected = True
        self.touch()
        self.shell.start()

    async def on_close(self, e: Any = None) -> None:
        """The session expired."""
        self.connected = False
        self.registry.drop(self)
        await self.shell.close()
