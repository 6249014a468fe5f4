"""The desk arrangement of a screen: the navigation at the side and a body that uses the width sensibly.

A screen is built once, for either layout; at a desk the shell passes its view through ``arrange``:
when the vault is open, a NavigationRail at the left holds the places a person goes to (home,
records, the plan's progress and, for supervisors, the devices), so they are never below the
fold; a screen that is a column of boxes and buttons (a PIN, a form) keeps a readable column
width instead of 1,250-pixel buttons, while a screen that says ``wide = True`` (progress, devices)
gets the whole width for its tables and grid. Which destination is lit comes from the screen's
``nav`` attribute (a route name); screens without one (a form being filled) get no rail, so
nothing invites leaving a form half-saved.
"""

from __future__ import annotations

from typing import Any

import flet as ft

from .i18n import N_

COLUMN_WIDTH = 600  # a PIN prompt, the home screen, a form at a desk: a readable column, not 1,250 px

# (route name, i18n key of its label, icon, whether only people who manage devices see it)
_DESTINATIONS: list[tuple[str, str, Any, bool]] = [
    ("home", N_("nav_home"), ft.Icons.HOME, False),
    ("records", N_("find_records"), ft.Icons.SEARCH, False),
    ("progress", N_("progress"), ft.Icons.INSIGHTS, False),
    ("devices", N_("devices"), ft.Icons.PHONE_ANDROID, True),
]


def destinations(shell) -> list[tuple[str, str, Any]]:
    """The rail's entries for whoever is signed in: (route name, label, icon)."""
    manages = shell.service.can_manage_devices
    return [(name, shell.t(key), icon) for name, key, icon, only in _DESTINATIONS if manages or not only]


def arrange(shell, screen, view: ft.View) -> None:
    """Lay ``view`` (as the screen built it) out for a desk, in place."""
    body: ft.Control = ft.Column(view.controls, expand=True, spacing=0)
    if not getattr(screen, "wide", False):
        body = ft.Row(
            [ft.Container(body, width=COLUMN_WIDTH)],
            alignment=ft.MainAxisAlignment.CENTER,
            vertical_alignment=ft.CrossAxisAlignment.STRETCH,
            expand=True,
        )
    nav = getattr(screen, "nav", None)
    if nav is not None and shell.service.store is not None:
        body = ft.Row(
            [_rail(shell, nav), ft.VerticalDivider(width=1), body],
            vertical_alignment=ft.CrossAxisAlignment.STRETCH,
            expand=True,
            spacing=12,
        )
    view.controls = [body]


def _rail(shell, current: str) -> ft.NavigationRail:
    entries = destinations(shell)
    names = [name for name, _, _ in entries]

    async def on_change(e) -> None:
        chosen = names[e.control.selected_index]
        if chosen in ("progress", "devices"):
            await shell.open(chosen)
        else:
            shell.go(chosen)

    return ft.NavigationRail(
        destinations=[ft.NavigationRailDestination(icon=icon, label=label) for _, label, icon in entries],
        selected_index=names.index(current) if current in names else None,
        label_type=ft.NavigationRailLabelType.ALL,
        min_width=96,
        on_change=shell.guard(on_change),
    )
