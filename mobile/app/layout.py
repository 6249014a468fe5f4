"""Phone or desk: the one place that decides how wide a screen is laid out.

Officers hold a phone; supervisors mostly sit at a desk in a browser. Below
``DESK_MIN_WIDTH`` logical pixels every screen is the phone column it always
was; from there up the shell puts the navigation at the side and screens
that compare many figures (progress, devices) lay them out in tables and a
grid. The decision is made here only, from the page's width, and made again
when the window is resized (the shell re-lays the screen when the answer
changes), so no screen measures the window itself.

The width is 1,000 rather than 1,280 so that a laptop with a side panel open
still gets the desk; a tablet held upright (800) keeps the phone column,
whose large buttons suit it.
"""

from __future__ import annotations

from enum import StrEnum

DESK_MIN_WIDTH = 1000


class Layout(StrEnum):
    PHONE = "phone"
    DESK = "desk"


def layout_for(width: float | None) -> Layout:
    """The layout for a page ``width`` wide; an unknown width (not yet reported) is a phone."""
    return Layout.DESK if width is not None and width >= DESK_MIN_WIDTH else Layout.PHONE


# The grid columns (of 12) a card takes in a ft.ResponsiveRow, by breakpoint: one card a row on a
# phone, two from a small desk, three on a wide one. Flet's breakpoints: md 768, lg 992, xl 1200.
CARD_COLUMNS = {"xs": 12, "lg": 6, "xl": 4}
