"""Small building blocks shared by the screens: a view frame and big buttons."""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from typing import Any

import flet as ft

from ..pin_policy import PIN_MAX_DIGITS
from .i18n import N_

log = logging.getLogger("fieldtally.app")

TAP_HEIGHT = 52  # at least 48 dp: fingers, gloves, a moving vehicle


def frame(
    route: str,
    title: str,
    controls: list[ft.Control],
    *,
    on_back: Callable[[Any], Any] | None = None,
    actions: list[ft.Control] | None = None,
    bottom: ft.Control | None = None,
    back_label: str = "Back",
) -> ft.View:
    leading = icon_button(ft.Icons.ARROW_BACK, back_label, on_back) if on_back else None
    body = ft.Column(controls, spacing=12, scroll=ft.ScrollMode.AUTO, expand=True)
    return ft.View(
        route=route,
        appbar=ft.AppBar(
            leading=leading,
            automatically_imply_leading=False,
            # Form names are long: two lines rather than an ellipsis at 360 px.
            title=ft.Text(
                title,
                size=16 if len(title) > 26 else 18,
                weight=ft.FontWeight.W_600,
                max_lines=2,
                overflow=ft.TextOverflow.ELLIPSIS,
            ),
            actions=actions or [],
            bgcolor=ft.Colors.PRIMARY_CONTAINER,
        ),
        controls=[body] + ([bottom] if bottom else []),
        padding=ft.Padding.symmetric(horizontal=14, vertical=10),
        # Android's back button does what the back arrow does (a form keeps its draft), never a bare pop.
        can_pop=on_back is None,
        on_confirm_pop=system_back(on_back) if on_back else None,
    )


def system_back(on_back: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Android's back button on a view with a back arrow: refuse the pop, then run the arrow's handler.

    The screens navigate by replacing the one view, so the pop itself never happens: the handler
    decides where to go (a form saves its draft first, or stays to show why it cannot).
    """

    async def handler(e: Any) -> None:
        try:
            await e.control.confirm_pop(False)
        except Exception:  # the client went away: the handler still keeps what was typed
            log.debug("back button: pop not answered", exc_info=True)
        result = on_back(e)
        if inspect.isawaitable(result):
            await result

    return handler


def icon_button(icon: Any, label: str, on_click: Callable[[Any], Any]) -> ft.IconButton:
    """An icon-only button that a screen reader (and a browser test) can name: the label is on the icon.

    A tooltip alone shows on long press but does not name the button in Flutter's semantics tree.
    """
    return ft.IconButton(
        icon=ft.Icon(icon, semantics_label=label), tooltip=label, on_click=on_click, width=48, height=48
    )


def big_button(
    label: str, on_click: Callable[[Any], Any], *, icon: Any = None, primary: bool = True
) -> ft.Control:
    cls = ft.FilledButton if primary else ft.OutlinedButton
    return cls(
        content=label,
        icon=icon,
        on_click=on_click,
        height=TAP_HEIGHT,
        expand=True,
    )


# How each shown status looks: its name's key, an icon, a colour that reads in light and dark themes.
_STATUS_LOOK: dict[str, tuple[str, Any, Any]] = {
    "draft": (N_("drafts"), ft.Icons.EDIT_NOTE, ft.Colors.ON_SURFACE_VARIANT),
    "pending": (N_("outbox"), ft.Icons.OUTBOX, ft.Colors.TERTIARY),
    "sent": (N_("sent"), ft.Icons.CLOUD_DONE, ft.Colors.PRIMARY),
    "rejected": (N_("needs_fixing"), ft.Icons.ERROR_OUTLINE, ft.Colors.ERROR),
    "void": (N_("voided_status"), ft.Icons.BLOCK, ft.Colors.OUTLINE),
}


def status_look(status: str) -> tuple[str, Any, Any]:
    """(i18n key, icon, colour) for a status from ``record_query.status_of``."""
    return _STATUS_LOOK[status]


def pin_field(label: str) -> ft.TextField:
    """A PIN box: digits, hidden unless revealed, no longer than the policy allows."""
    return ft.TextField(
        label=label,
        password=True,
        can_reveal_password=True,
        keyboard_type=ft.KeyboardType.NUMBER,
        max_length=PIN_MAX_DIGITS,
    )


def busy_ring(label: str) -> ft.ProgressRing:
    """A small spinner beside a button while its work runs (hidden until then)."""
    return ft.ProgressRing(visible=False, width=24, height=24, semantics_label=label)
