"""Small building blocks shared by the screens: a view frame and big buttons."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import flet as ft

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
    leading = (
        ft.IconButton(icon=ft.Icons.ARROW_BACK, tooltip=back_label, on_click=on_back) if on_back else None
    )
    body = ft.Column(controls, spacing=12, scroll=ft.ScrollMode.AUTO, expand=True)
    return ft.View(
        route=route,
        appbar=ft.AppBar(
            leading=leading,
            automatically_imply_leading=False,
            title=ft.Text(title, size=18, weight=ft.FontWeight.W_600),
            actions=actions or [],
            bgcolor=ft.Colors.PRIMARY_CONTAINER,
        ),
        controls=[body] + ([bottom] if bottom else []),
        padding=ft.Padding.symmetric(horizontal=14, vertical=10),
    )


def big_button(label: str, on_click: Callable[[Any], Any], *, icon: Any = None, primary: bool = True) -> ft.Control:
    cls = ft.FilledButton if primary else ft.OutlinedButton
    return cls(
        content=label,
        icon=icon,
        on_click=on_click,
        height=TAP_HEIGHT,
        expand=True,
        tooltip=label,
    )


def row_of(*controls: ft.Control) -> ft.Row:
    return ft.Row(list(controls), spacing=10)
