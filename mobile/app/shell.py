"""The frame around the screens: navigation, messages, errors, background sync.

A screen is a class with ``build() -> ft.View``; it gets the shell, and through
it the service. Screens are reached by name (``go("records")``, the registry is
``routes.SCREENS``), so no screen imports another. ``build()`` has no side
effects; what starts when a screen is shown goes in its ``mount()``, called
here after the view is on the page. Handlers go through ``shell.guard`` so
that an error becomes a sentence in the officer's language, never a traceback.

Phone or desk is decided once (``layout.layout_for`` on the page's width) and
made again on resize; at a desk the shell puts the navigation at the side
(``desk.py``) and screens ask ``shell.desk`` for their wide arrangement. A
screen's ``address()`` becomes the browser's address, and an address typed or
bookmarked opens its screen once the vault is unlocked (``addresses.py``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

import flet as ft

from ..errors import FieldTallyError
from . import desk
from .addresses import Address, parse_address
from .i18n import tr
from .layout import Layout, layout_for
from .routes import SCREENS
from .service import AppService

log = logging.getLogger("fieldtally.app")

AUTO_SYNC_INTERVAL = 60.0  # seconds between reachability probes while unlocked


class Screen(Protocol):
    def build(self) -> ft.View: ...


class Shell:
    def __init__(self, page: ft.Page, service: AppService):
        self.page = page
        self.service = service
        self.current: Screen | None = None
        self.sync_listeners: list[Callable[[], Awaitable[None]]] = []
        self._sync_progress: tuple[int, int] | None = None
        self._bg_tasks: set[asyncio.Task] = set()
        self.connectivity: ft.Connectivity | None = None
        self.layout = layout_for(page.width)
        # The address the browser opened with (a bookmark, a shared link), kept until unlocked.
        self.wanted: Address | None = parse_address(page.route)
        self._pushed: set[str] = set()  # addresses this shell put in the location bar itself
        self._error_bars: list[ft.SnackBar] = []
        page.on_resize = self._on_resize
        page.on_route_change = self._on_route_change

    @property
    def desk(self) -> bool:
        return self.layout == Layout.DESK

    # ---- words ----------------------------------------------------------------
    def t(self, key: str, **values: Any) -> str:
        return tr(self.service.lang, key, **values)

    def say(self, err: FieldTallyError) -> str:
        msg = getattr(err, "message", None)
        return msg.get(self.service.lang) if msg is not None else self.t("err_unexpected")

    def apply_locale(self) -> None:
        """Tell Flutter's own widgets (date pickers, text fields) the officer's language too."""
        current = ft.Locale("en", "US") if self.service.lang == "en" else ft.Locale("vi", "VN")
        self.page.locale_configuration = ft.LocaleConfiguration(
            supported_locales=[ft.Locale("vi", "VN"), ft.Locale("en", "US")], current_locale=current
        )

    async def switch_language(self) -> None:
        await self.service.set_language("en" if self.service.lang == "vi" else "vi")
        self.apply_locale()
        self.refresh()

    # ---- navigation -----------------------------------------------------------
    def show(self, screen: Screen) -> None:
        if screen is not self.current:
            self._dismiss_errors()
        self.current = screen
        view = screen.build()
        if self.desk:
            desk.arrange(self, screen, view)
        self.page.views.clear()
        self.page.views.append(view)
        self.page.update()
        self._show_address(screen)
        mount = getattr(screen, "mount", None)
        if mount is not None:
            mount()

    def _dismiss_errors(self) -> None:
        """A complaint is about the screen it was made on: close it when another screen comes.

        (A wrong password on the enrollment screen must not still be saying so over the Set-PIN
        screen.) Confirmations ("saved", "finalized") are said as a screen is left and may stay.
        """
        for bar in self._error_bars:
            if bar.open:
                bar.open = False
                try:
                    bar.update()
                except Exception:  # already gone from the page: nothing to close
                    log.debug("error bar already closed", exc_info=True)
        self._error_bars.clear()

    # ---- the window and the address bar ---------------------------------------------------------
    async def _on_resize(self, e: Any = None) -> None:
        layout = layout_for(self.page.width)
        if layout != self.layout:
            self.layout = layout
            self.refresh()

    def _show_address(self, screen: Screen) -> None:
        address = getattr(screen, "address", None)
        route = address() if callable(address) else None
        if route is None or route == self.page.route or not self.page.web:
            return
        self._pushed.add(route)
        self.spawn(self.page.push_route(route))

    async def _on_route_change(self, e: Any) -> None:
        route = getattr(e, "route", None) or self.page.route
        if route in self._pushed:  # our own push coming back
            self._pushed.discard(route)
            return
        current = getattr(self.current, "address", None)
        if callable(current) and current() == route:
            return
        wanted = parse_address(route)
        if wanted is None:
            return
        if self.service.store is None:  # locked: go there once unlocked
            self.wanted = wanted
            return
        await self.go_to(wanted)

    async def go_to(self, address: Address) -> None:
        """Open the screen an address names (its unit and period are checked by the screen's model)."""
        if address.screen in ("progress", "statistics"):
            await self.open(address.screen, unit=address.unit, period=address.period)
        elif address.screen == "devices" and self.service.can_manage_devices:
            await self.open("devices")
        elif address.screen == "records":
            self.go("records")
        else:
            self.home()

    def go(self, name: str, *args: Any, **kwargs: Any) -> None:
        """Show the screen registered as ``name``, made with ``args``/``kwargs``."""
        self.show(SCREENS[name](self, *args, **kwargs))

    async def open(self, name: str, *args: Any, **kwargs: Any) -> None:
        """Show a screen that loads before it is drawn (its async ``open``), else as ``go`` does."""
        screen = SCREENS[name]
        opener = getattr(screen, "open", None)
        if opener is None:
            self.go(name, *args, **kwargs)
        else:
            await opener(self, *args, **kwargs)

    def home(self) -> None:
        self.go("home")

    def start(self) -> None:
        """The screen the app's stage calls for: setup, set_pin, unlock, or home when unlocked."""
        stage = self.service.stage()
        self.go("home" if stage == "ready" else stage)

    async def resume(self) -> None:
        """After unlocking: back to the form that was open when the app stopped, else to the
        address the browser was opened with, else home."""
        found = await self.service.autosaved()
        if found is None:
            wanted, self.wanted = self.wanted, None
            if wanted is not None and wanted.screen != "home":
                await self.go_to(wanted)
            else:
                self.home()
            return
        record, form, answers = found
        self.go("record_form", record, form, answers, restored=True)
        self.toast(self.t("restored"))

    async def flush(self) -> None:
        """Write what the current screen holds (the app is being hidden or closed)."""
        flush = getattr(self.current, "flush", None)
        if flush is not None:
            try:
                await flush()
            except Exception:
                log.exception("flush failed")

    async def close(self) -> None:
        """The session is over: save the form on screen, stop background work, lock the vault."""
        await self.flush()
        for task in list(self._bg_tasks):
            task.cancel()
        self.service.lock()

    # ---- Android's lifecycle (the rules: lifecycle.py; main.py forwards the events) -------------
    def unlocked(self) -> bool:
        return self.service.store is not None

    async def lock(self) -> None:
        """Hidden too long: keep the form on screen, let a running sync finish, lock, ask for the PIN."""
        await self.flush()
        for _ in range(300):  # a sync writes receipts into the vault; at most a minute
            if not self.service.syncing:
                break
            await asyncio.sleep(0.2)
        self.service.lock()
        self.start()

    def refresh(self) -> None:
        if self.current is not None:
            self.show(self.current)

    # ---- messages -------------------------------------------------------------
    def toast(self, message: str, *, error: bool = False) -> None:
        bar = ft.SnackBar(
            content=ft.Text(message, color=ft.Colors.WHITE if error else None),
            bgcolor=ft.Colors.RED_700 if error else None,
            duration=ft.Duration(seconds=6 if error else 3),
            show_close_icon=True,
        )
        if error:
            self._error_bars.append(bar)
        self.page.show_dialog(bar)

    async def save_file(self, name: str, data: bytes, extension: str, title: str) -> bool:
        """Offer ``data`` as a file: the system's save dialog on a phone or desktop, a download on the web.

        Returns True when it was saved (the web build cannot tell, and a download is as good).
        """
        saved = await ft.FilePicker().save_file(
            dialog_title=title,
            file_name=name,
            src_bytes=data,
            file_type=ft.FilePickerFileType.CUSTOM,
            allowed_extensions=[extension],
        )
        done = bool(saved) or bool(self.page.web)
        if done:
            self.toast(self.t("export_done", name=name))
        return done

    def guard(self, handler: Callable[..., Awaitable[None]]) -> Callable[[Any], Awaitable[None]]:
        """Wrap an async handler: known errors become a message, unknown ones are logged."""

        async def wrapped(e: Any = None) -> None:
            try:
                await handler(e)
            except FieldTallyError as err:
                self.toast(self.say(err), error=True)
            except Exception:  # the officer must never see a traceback
                log.exception("unexpected error in a handler")
                self.toast(self.t("err_unexpected"), error=True)
            # Push what the handler changed (busy flags reset in `finally`, messages) in every case.
            self.page.update()

        return wrapped

    # ---- sync -----------------------------------------------------------------
    @property
    def sync_progress(self) -> tuple[int, int] | None:
        return self._sync_progress

    async def sync(self, *, quiet: bool = False) -> None:
        """Run one sync with a progress indicator; quiet syncs only speak up about problems."""
        if self.service.store is None or self.service.syncing:
            return
        loop = asyncio.get_running_loop()
        self._sync_progress = (0, 0)
        await self._notify()

        def progress(done: int, total: int) -> None:  # called from the sync thread
            self._sync_progress = (done, total)
            asyncio.run_coroutine_threadsafe(self._notify(), loop)

        try:
            report = await self.service.sync(progress)
        finally:
            self._sync_progress = None
        if report is not None:
            if report.error is not None:
                if not quiet:
                    self.toast(self.t("sync_failed", reason=self.say(report.error)), error=True)
            elif report.rejected:
                self.toast(self.t("sync_rejected", n=report.rejected), error=True)
            elif report.photos.refused:  # said even after a quiet sync: the officer may retake them
                reason = report.photos.refused[0].get(self.service.lang)
                self.toast(self.t("photos_refused", n=len(report.photos.refused), reason=reason), error=True)
            elif not quiet:
                said = self.t("sync_done", stored=report.stored) if report.sent else self.t("sync_nothing")
                if report.photos.sent:
                    said += " " + self.t("photos_sent", n=report.photos.sent)
                self.toast(said)
        await self._notify()

    async def _notify(self) -> None:
        for listener in list(self.sync_listeners):
            try:
                await listener()
            except Exception:
                log.exception("sync listener failed")

    def spawn(self, coro: Awaitable[None]) -> None:
        task = asyncio.ensure_future(coro)
        self._bg_tasks.add(task)
        task.add_done_callback(self._bg_tasks.discard)

    async def auto_sync(self, reason: str) -> None:
        """Sync in the background when the server answers; silent unless something is wrong."""
        if self.service.store is None:
            return
        if await self.service.check_online():
            log.info("auto sync (%s)", reason)
            await self.sync(quiet=True)
        else:
            await self._notify()

    async def watch(self) -> None:
        """Probe the server now and then while the app is open; sync when it comes back."""
        while True:
            await asyncio.sleep(AUTO_SYNC_INTERVAL)
            if self.service.store is not None and not self.service.syncing:
                was_online = self.service.online
                try:
                    await self.auto_sync("probe" if was_online else "back online")
                except Exception:
                    log.exception("background sync failed")
