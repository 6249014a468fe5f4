"""Android's lifecycle and back button, on a fake page session running the app's real ``main``.

The officer opens a form, types, presses Android's back button: a draft is kept and home shows.
Hidden past the lock delay, the app locks and asks for the PIN; unlocked again, a form left typed
comes back. The vault behind it is real, enrolled against a real sync server.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import flet as ft

from mobile.app.service import AppService
from mobile.main import build_main
from mobile.record_state import LocalState
from mobile.settings_store import load_settings, save_settings
from tests.app.fake_page import button, fake_session, find
from tests.mobile.helpers import FAST_KDF, PIN


async def _until_route(page: ft.Page, route: str, timeout: float = 20.0) -> None:
    """Wait for ``route`` (a lock waits for a running sync to finish first)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while page.views[-1].route != route and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.05)
    assert page.views[-1].route == route


async def _enrolled(folder: Path, server_url: str, lock_after: int) -> None:
    svc = AppService(folder, kdf_params=FAST_KDF)
    await svc.enroll(server_url, "canbo", "canbo123")
    await svc.create_pin(PIN, PIN)
    svc.lock()
    settings = load_settings(folder)
    settings.lock_after_seconds = lock_after
    save_settings(folder, settings)


async def _started(folder: Path):
    session, conn = await fake_session()
    page = session.page
    await build_main(folder)(page)
    session.get_page_patch()
    await asyncio.sleep(0.05)
    return session, page


async def _unlock(session, page: ft.Page) -> None:
    assert page.views[-1].route == "/unlock"
    pin = find(page, ft.TextField)
    pin.value = PIN
    await session.dispatch_event(pin._i, "submit", None)
    await asyncio.sleep(0.2)


async def _type_into_a_form(session, page: ft.Page, title: str) -> None:
    await session.dispatch_event(button(page, title)._i, "click", None)
    await asyncio.sleep(0.05)
    assert page.views[-1].route.startswith("/record/")
    box = find(page, ft.TextField, lambda f: f.visible is not False and not f.read_only)
    box.value = "Ghi chú dở dang"
    await session.dispatch_event(box._i, "change", None)


async def _drafts(folder: Path) -> list:
    svc = AppService(folder)
    await svc.unlock(PIN)
    try:
        return await svc.records(LocalState.DRAFT)
    finally:
        svc.lock()


def test_back_button_in_a_form_keeps_a_draft_then_hiding_locks(tmp_path: Path, live_server) -> None:
    folder = tmp_path / "app"

    async def flow() -> None:
        await _enrolled(folder, live_server.url, lock_after=0)
        session, page = await _started(folder)
        await _unlock(session, page)
        assert page.views[-1].route == "/home"
        assert page.views[-1].can_pop  # on home, back leaves the app as on any Android app

        title = AppService(folder).forms()[0].title.get("vi")
        await _type_into_a_form(session, page, title)
        view = page.views[-1]
        assert view.can_pop is False  # the system back never pops a form without asking
        await session.dispatch_event(view._i, "confirm_pop", None)
        await asyncio.sleep(0.1)
        assert page.views[-1].route == "/home"

        await session.dispatch_event(page._i, "app_lifecycle_state_change", {"state": "hide"})
        await _until_route(page, "/unlock")  # a delay of 0: locked as soon as hidden
        session.close()

    asyncio.run(flow())
    drafts = asyncio.run(_drafts(folder))
    assert len(drafts) == 1


def test_hidden_mid_form_then_locked_the_form_comes_back(tmp_path: Path, live_server) -> None:
    folder = tmp_path / "app"

    async def flow() -> None:
        await _enrolled(folder, live_server.url, lock_after=0)
        session, page = await _started(folder)
        await _unlock(session, page)
        title = AppService(folder).forms()[0].title.get("vi")
        await _type_into_a_form(session, page, title)
        form_route = page.views[-1].route

        await session.dispatch_event(page._i, "app_lifecycle_state_change", {"state": "pause"})
        await _until_route(page, "/unlock")
        await session.dispatch_event(page._i, "app_lifecycle_state_change", {"state": "resume"})
        await _unlock(session, page)
        assert page.views[-1].route == form_route  # the autosave slot brought it back
        box = find(page, ft.TextField, lambda f: f.value == "Ghi chú dở dang")
        assert box is not None
        session.close()

    asyncio.run(flow())


def test_within_the_delay_the_app_stays_open(tmp_path: Path, live_server) -> None:
    folder = tmp_path / "app"

    async def flow() -> None:
        await _enrolled(folder, live_server.url, lock_after=600)
        session, page = await _started(folder)
        await _unlock(session, page)
        await session.dispatch_event(page._i, "app_lifecycle_state_change", {"state": "hide"})
        await asyncio.sleep(0.1)
        await session.dispatch_event(page._i, "app_lifecycle_state_change", {"state": "resume"})
        await asyncio.sleep(0.3)
        assert page.views[-1].route == "/home"
        session.close()

    asyncio.run(flow())
