"""Signing out never silently drops unsent records: the dialog counts them and offers to send them first.

The real Shell, SignOut and AppService on a real Flet Session with a recording connection (no Flutter
client; see Flet's messaging internals, pinned at 1.0.x), against a real sync server that is stopped
and started again to hold a record back.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import flet as ft
import msgpack
import pytest
from flet.controls.base_control import BaseControl
from flet.controls.context import _context_page
from flet.messaging.connection import Connection
from flet.messaging.protocol import configure_encode_object_for_msgpack, decode_ext_from_msgpack
from flet.messaging.session import Session
from flet.pubsub.pubsub_hub import PubSubHub

from mobile.app.screens.sign_out import SignOut
from mobile.app.service import AppService
from mobile.app.shell import Shell
from tests.mobile.helpers import FAST_KDF, PIN, survey_answers


class RecordingConnection(Connection):
    def __init__(self):
        super().__init__()
        self.pubsubhub = PubSubHub()
        self.messages = []

    def send_message(self, message):
        packed = msgpack.packb(
            [message.action, message.body], default=configure_encode_object_for_msgpack(BaseControl)
        )
        self.messages.append(msgpack.unpackb(packed, ext_hook=decode_ext_from_msgpack, strict_map_key=False))


def _texts(control) -> list[str]:
    """Every string shown in a dialog: its title, body and buttons."""
    found = []
    for part in (control.title, control.content, *(control.actions or [])):
        value = getattr(part, "value", None) or getattr(part, "content", None)
        if isinstance(value, str):
            found.append(value)
    return found


def _dialog(page: ft.Page) -> ft.AlertDialog:
    open_ = [d for d in page._dialogs.controls if getattr(d, "open", False) and isinstance(d, ft.AlertDialog)]
    assert open_, "no dialog is open"
    return open_[-1]


def _toasts(page: ft.Page) -> list[str]:
    return [d.content.value for d in page._dialogs.controls if isinstance(d, ft.SnackBar) and d.open]


def test_sign_out__counts_unsent_sends_first_and_only_then_signs_out(tmp_path: Path, live_server):
    async def flow() -> None:
        conn = RecordingConnection()
        conn.loop = asyncio.get_running_loop()
        session = Session(conn)
        _context_page.set(session.page)
        session.get_page_patch()  # what a client's first connection does: the page is mounted
        page = session.page
        svc = AppService(tmp_path, kdf_params=FAST_KDF)
        shell = Shell(page, svc)
        await svc.enroll(live_server.url, "canbo", "canbo123")
        await svc.create_pin(PIN, PIN)
        shell.start()
        record, _ = svc.new_record("awareness_survey")
        await svc.finalize(record, survey_answers(ethnicity="Hà Nhì"))
        draft, _ = svc.new_record("awareness_survey")
        await svc.save_draft(draft, {"ethnicity": "Lô Lô"})

        sign_out = SignOut(shell)
        await sign_out.ask()
        dialog = _dialog(page)
        texts = _texts(dialog)
        assert any(
            "1 phiếu chưa gửi lên máy chủ." in t and "1 phiếu nháp chưa hoàn thành." in t for t in texts
        )
        assert "Gửi rồi đăng xuất" in texts and "Vẫn đăng xuất" in texts

        # No signal: sending first fails, and nobody is signed out.
        live_server.stop()
        await sign_out._send_first(None)
        assert svc.stage() == "ready" and svc.user is not None
        assert any("1 phiếu chưa gửi được" in t for t in _toasts(page))

        # Back online: sent, then signed out; the draft stays in the vault moved aside.
        live_server.start()
        await sign_out._send_first(None)
        assert svc.stage() == "setup" and svc.user is None
        assert any(t == "Đã đăng xuất." for t in _toasts(page))
        kept = [p for p in tmp_path.iterdir() if p.name.startswith("vault-replaced-")]
        assert len(kept) == 1 and (kept[0] / "vault.key").exists()

    asyncio.run(flow())


@pytest.mark.parametrize("lang, word", [("vi", "Đăng xuất"), ("en", "Sign out")])
def test_sign_out__nothing_unsent_is_a_plain_question(tmp_path: Path, live_server, lang, word):
    async def flow() -> None:
        conn = RecordingConnection()
        conn.loop = asyncio.get_running_loop()
        session = Session(conn)
        _context_page.set(session.page)
        session.get_page_patch()  # what a client's first connection does: the page is mounted
        svc = AppService(tmp_path, kdf_params=FAST_KDF)
        await svc.set_language(lang)
        shell = Shell(session.page, svc)
        await svc.enroll(live_server.url, "canbo", "canbo123")
        await svc.create_pin(PIN, PIN)
        await SignOut(shell).ask()
        texts = _texts(_dialog(session.page))
        assert word in texts and not any("Gửi" in t or "Send" in t for t in texts)
        svc.lock()

    asyncio.run(flow())
