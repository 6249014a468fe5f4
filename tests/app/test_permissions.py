"""Permissions asked when first needed, with the reason first; a refusal leaves a way to go on.

The rules with fakes, then the Flet side on a fake page session whose client answers the
permission_handler calls as an Android phone would.
"""

from __future__ import annotations

import asyncio

import flet as ft
import pytest

from mobile.app.i18n import tr
from mobile.app.permission_prompt import ask_permission, install
from mobile.app.permissions import CAMERA, LOCATION, Outcome, Status, ensure, status_from
from tests.app.fake_page import fake_session


class Backend:
    def __init__(self, status: Status, after: Status | None = None) -> None:
        self.now, self.after = status, after
        self.requested = 0

    async def status(self, kind: str) -> Status:
        return self.now

    async def request(self, kind: str) -> Status:
        self.requested += 1
        self.now = self.after or self.now
        return self.now

    async def open_settings(self) -> bool:
        return True


class Officer:
    def __init__(self, agrees: bool) -> None:
        self.agrees = agrees
        self.told: list[str] = []

    async def explain(self, kind: str) -> bool:
        self.told.append(kind)
        return self.agrees


def _ensure(kind: str, backend: Backend, officer: Officer) -> Outcome:
    return asyncio.run(ensure(kind, backend, officer))


def test_granted_or_unavailable_goes_on_without_a_word() -> None:
    for status in (Status.GRANTED, Status.UNAVAILABLE):
        backend, officer = Backend(status), Officer(True)
        out = _ensure(LOCATION, backend, officer)
        assert out.go_on and out.message is None
        assert officer.told == [] and backend.requested == 0


def test_the_reason_comes_before_androids_prompt() -> None:
    backend, officer = Backend(Status.DENIED, Status.GRANTED), Officer(True)
    out = _ensure(CAMERA, backend, officer)
    assert out == Outcome(Status.GRANTED)
    assert officer.told == [CAMERA] and backend.requested == 1


def test_not_now_asks_android_nothing_and_says_what_still_works() -> None:
    backend, officer = Backend(Status.DENIED, Status.GRANTED), Officer(False)
    out = _ensure(LOCATION, backend, officer)
    assert not out.go_on and out.message == "perm_denied_location" and not out.open_settings
    assert backend.requested == 0


def test_denied_forever_offers_the_settings_and_never_pretends_to_ask() -> None:
    backend, officer = Backend(Status.DENIED_FOREVER), Officer(True)
    out = _ensure(LOCATION, backend, officer)
    assert out.open_settings and out.message == "perm_forever_location"
    assert officer.told == [] and backend.requested == 0

    out = _ensure(CAMERA, Backend(Status.DENIED, Status.DENIED_FOREVER), Officer(True))
    assert out.status == Status.DENIED_FOREVER and out.open_settings


def test_refused_once_says_what_still_works() -> None:
    out = _ensure(CAMERA, Backend(Status.DENIED, Status.DENIED), Officer(True))
    assert out == Outcome(Status.DENIED, "perm_denied_camera")


def test_statuses_and_sentences() -> None:
    assert status_from("limited") == Status.GRANTED
    assert status_from("restricted") == Status.DENIED_FOREVER
    assert status_from(None) == Status.DENIED
    with pytest.raises(ValueError):
        _ensure("microphone", Backend(Status.DENIED), Officer(True))
    for key in ("perm_why_location", "perm_denied_location", "perm_forever_camera"):
        assert tr("vi", key) != key and tr("en", key) != key and tr("vi", key) != tr("en", key)


async def _phone(answers: dict) -> tuple:
    session, conn = await fake_session(answers)
    page = session.page
    page.platform = ft.PagePlatform.ANDROID
    install(page)  # as main does, before the page is first sent
    page.views.append(ft.View(route="/", controls=[ft.Text("form")]))
    session.get_page_patch()
    return session, conn, page


async def _answer_dialog(session, page: ft.Page, label: str) -> str:
    for _ in range(100):
        await asyncio.sleep(0.02)
        if page._dialogs.controls:
            break
    dialog = page._dialogs.controls[-1]
    button = next(b for b in dialog.actions if b.content == label)
    await session.dispatch_event(button._i, "click", None)
    return dialog.content.value


def test_on_a_phone_the_dialog_then_androids_prompt_then_the_settings_way() -> None:
    async def flow() -> None:
        session, conn, page = await _phone({"get_status": "denied", "request": "permanentlyDenied"})
        asking = asyncio.ensure_future(ask_permission(page, "vi", LOCATION))
        said = await _answer_dialog(session, page, tr("vi", "perm_allow"))
        out = await asyncio.wait_for(asking, 5)
        assert said == tr("vi", "perm_why_location")
        assert conn.invoked == ["get_status", "request"]
        assert out.status == Status.DENIED_FOREVER and out.open_settings
        session.close()

    asyncio.run(flow())


def test_on_a_phone_not_now_leaves_android_unasked() -> None:
    async def flow() -> None:
        session, conn, page = await _phone({"get_status": "denied"})
        asking = asyncio.ensure_future(ask_permission(page, "en", CAMERA))
        await _answer_dialog(session, page, tr("en", "perm_not_now"))
        out = await asyncio.wait_for(asking, 5)
        assert conn.invoked == ["get_status"]
        assert out == Outcome(Status.DENIED, "perm_denied_camera")
        session.close()

    asyncio.run(flow())


def test_in_a_browser_the_browser_asks() -> None:
    async def flow() -> None:
        session, conn = await fake_session()
        page = session.page
        page.platform = ft.PagePlatform.LINUX
        install(page)
        session.get_page_patch()
        out = await ask_permission(page, "vi", LOCATION)
        assert out.status == Status.UNAVAILABLE and out.go_on and conn.invoked == []
        session.close()

    asyncio.run(flow())
