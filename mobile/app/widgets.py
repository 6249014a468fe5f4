"""Small building blocks shared by the screens: a view frame and big buttons."""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from typing import Any

import flet as ft

from ..pin_policy import PIN_MAX_DIGITS, PIN_MIN_DIGITS
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
    body = ft.Column([full_width(c) for c in controls], spacing=12, scroll=ft.ScrollMode.AUTO, expand=True)
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


def full_width(control: ft.Control) -> ft.Control:
    """A text box as wide as its column, like the buttons under it (Flet's default is 300 px)."""
    if isinstance(control, ft.TextField) and control.width is None:
        control.expand = True
        return ft.Row([control])
    return control


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


def pin_field(label: str, t: Callable[..., str], *, rule: str | None = None) -> ft.TextField:
    """A PIN box: digits, hidden unless revealed, no longer than the policy allows.

    The reveal button is ours, not Flutter's ``can_reveal_password`` eye, which has no name a
    screen reader can say. A box for a new PIN passes ``rule`` (``pin_rule_text``): the rule is
    read before the first try, not learnt from a refusal.
    """
    box = ft.TextField(
        label=label,
        password=True,
        keyboard_type=ft.KeyboardType.NUMBER,
        max_length=PIN_MAX_DIGITS,
        helper=rule,
    )

    def toggle(e: Any) -> None:
        box.password = not box.password
        reveal.icon = ft.Icon(
            ft.Icons.VISIBILITY if box.password else ft.Icons.VISIBILITY_OFF,
            semantics_label=t("pin_show") if box.password else t("pin_hide"),
        )
        reveal.tooltip = t("pin_show") if box.password else t("pin_hide")
        box.update()

    reveal = icon_button(ft.Icons.VISIBILITY, t("pin_show"), toggle)
    box.suffix_icon = reveal
    return box


def pin_rule_text(t: Callable[..., str]) -> str:
    """The PIN policy as a sentence ("6–12 digits"), from the policy's own numbers."""
    return t("pin_rule", min=PIN_MIN_DIGITS, max=PIN_MAX_DIGITS)


def copyable(value: str, **style: Any) -> ft.Control:
    """A figure that can be selected and copied (into a report, an e-mail) and is still read aloud.

    Flutter's selectable text leaves the semantics tree, so a screen reader (and a browser test)
    would no longer find it: the label puts the words back.
    """
    return ft.Semantics(content=ft.Text(value, selectable=True, **style), label=value)


def busy_ring(label: str) -> ft.ProgressRing:
    """A small spinner beside a button while its work runs (hidden until then)."""
    return ft.ProgressRing(visible=False, width=24, height=24, semantics_label=label)
