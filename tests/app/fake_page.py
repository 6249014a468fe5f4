"""A Flet page without a Flutter client (see the shared example): a fake connection and a real Session.

The connection answers the client-side method calls a test names (``answers``: method -> result,
e.g. a permission's status), and ``None`` to the rest, as a client that did what it was asked. An
answer that is an exception is sent back as the client's error (the call raises ``RuntimeError``
with its text, as when a Flutter extension throws). ``calls`` keeps each call's name and arguments.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterator
from typing import Any

import flet as ft
import msgpack
from flet.controls.base_control import BaseControl
from flet.controls.context import _context_page
from flet.messaging.connection import Connection
from flet.messaging.protocol import (
    MessageAction,
    configure_encode_object_for_msgpack,
    decode_ext_from_msgpack,
)
from flet.messaging.session import Session
from flet.pubsub.pubsub_hub import PubSubHub


class FakeConnection(Connection):
    def __init__(self, answers: dict[str, Any] | None = None):
        super().__init__()
        self.pubsubhub = PubSubHub()
        self.answers = dict(answers or {})
        self.invoked: list[str] = []
        self.calls: list[tuple[str, Any]] = []
        self.session: Session | None = None

    def send_message(self, message):
        packed = msgpack.packb(
            [message.action, message.body], default=configure_encode_object_for_msgpack(BaseControl)
        )
        action, body = msgpack.unpackb(packed, ext_hook=decode_ext_from_msgpack, strict_map_key=False)
        if action == MessageAction.INVOKE_METHOD.value and self.session is not None:
            name = body["name"]
            self.invoked.append(name)
            self.calls.append((name, body.get("args")))
            result = self.answers.get(name)
            error = None
            if isinstance(result, Exception):
                result, error = None, str(result)
            self.loop.call_soon(
                self.session.handle_invoke_method_results, body["control_id"], body["call_id"], result, error
            )


async def fake_session(answers: dict[str, Any] | None = None) -> tuple[Session, FakeConnection]:
    conn = FakeConnection(answers)
    conn.loop = asyncio.get_running_loop()
    session = Session(conn)
    conn.session = session
    _context_page.set(session.page)
    session.start_updates_scheduler()  # what a connecting client starts: page.update() reaches controls
    return session, conn


def register(session: Session) -> None:
    """Send the page as a connecting client receives it: the patch is serialised, which records
    each control's snapshot, so later updates (a dialog shown) are diffed, indexed and parented as
    in a real session. ``session.get_page_patch()`` alone computes the patch but never sends it."""
    msgpack.packb(session.get_page_patch(), default=configure_encode_object_for_msgpack(BaseControl))


def walk(control: Any) -> Iterator[Any]:
    """``control`` and every control under it (content, controls, appbar, ...)."""
    seen: set[int] = set()
    stack = [control]
    while stack:
        c = stack.pop()
        if not isinstance(c, BaseControl) or id(c) in seen:
            continue
        seen.add(id(c))
        yield c
        for f in dataclasses.fields(c):
            if f.name in ("parent", "page"):
                continue
            v = getattr(c, f.name, None)
            if isinstance(v, BaseControl):
                stack.append(v)
            elif isinstance(v, list):
                stack.extend(x for x in v if isinstance(x, BaseControl))


def find(page: ft.Page, kind: type, pred=lambda c: True) -> Any:
    for c in walk(page.views[-1]):
        if isinstance(c, kind) and pred(c):
            return c
    raise AssertionError(f"no {kind.__name__} on {page.views[-1].route}")


def button(page: ft.Page, label: str) -> Any:
    for c in walk(page.views[-1]):
        content = getattr(c, "content", None)
        if getattr(c, "on_click", None) is not None and label in (content, getattr(content, "value", None)):
            return c
    raise AssertionError(f"no button {label!r} on {page.views[-1].route}")
