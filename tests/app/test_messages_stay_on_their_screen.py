"""A complaint belongs to the screen it was made on (issue 12's walk-through): a wrong password said on
the enrollment screen is closed when the Set-PIN screen comes, and the PIN rule is shown there before
the first try. The real Shell, enrollment screen and AppService on a real Flet Session (no Flutter
client), against a real sync server.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import flet as ft
from flet.controls.context import _context_page
from flet.messaging.session import Session

from mobile.app.screens.set_pin import SetPinScreen
from mobile.app.screens.setup import SetupScreen
from mobile.app.service import AppService
from mobile.app.shell import Shell
from mobile.app.widgets import pin_rule_text
from tests.app.test_sign_out import RecordingConnection
from tests.mobile.helpers import FAST_KDF


def _bars(page: ft.Page) -> list[tuple[str, bool]]:
    return [(d.content.value, bool(d.open)) for d in page._dialogs.controls if isinstance(d, ft.SnackBar)]


def _texts(control) -> list[str]:
    found: list[str] = []
    stack = [control]
    while stack:
        c = stack.pop()
        for attr in ("value", "label", "helper", "hint_text"):
            v = getattr(c, attr, None)
            if isinstance(v, str):
                found.append(v)
        for attr in ("controls", "content", "appbar"):
            child = getattr(c, attr, None)
            if isinstance(child, list):
                stack.extend(child)
            elif child is not None and not isinstance(child, str):
                stack.append(child)
    return found


def test_messages__a_wrong_password_does_not_linger_over_set_pin(tmp_path: Path, live_server):
    async def flow() -> None:
        conn = RecordingConnection()
        conn.loop = asyncio.get_running_loop()
        session = Session(conn)
        _context_page.set(session.page)
        session.get_page_patch()  # what a client's first connection does: the page is mounted
        page = session.page
        shell = Shell(page, AppService(tmp_path, kdf_params=FAST_KDF))
        shell.start()
        setup = shell.current
        assert isinstance(setup, SetupScreen)

        setup.url.value, setup.username.value, setup.password.value = live_server.url, "canbo", "sai-mat-khau"
        await shell.guard(setup.on_enroll)(None)
        said = [text for text, is_open in _bars(page) if is_open]
        assert len(said) == 1 and "mật khẩu" in said[0].lower(), said  # said on the screen it is about
        assert shell.current is setup

        setup.password.value = "canbo123"
        await shell.guard(setup.on_enroll)(None)
        assert isinstance(shell.current, SetPinScreen)
        assert [text for text, is_open in _bars(page) if is_open] == []  # gone with its screen
        rule = pin_rule_text(shell.t)
        assert any(rule in t for t in _texts(page.views[-1])), "the PIN rule is shown before the first try"

    asyncio.run(flow())
