"""The progress screen's chart: each percent indicator over time, with a legend that names them.

A legend of "Indicator 3" makes a reader look the number up; the legend carries the indicator's
number and title (shortened only past a line's worth). The chart's height follows the layout:
a strip on a phone, a panel beside the cards at a desk.
"""

from __future__ import annotations

import flet as ft
import flet_charts as fch

from schemas.plan_report import TallySeries
from schemas.plans import Plan

from ..formatting import fmt_date, fmt_number

LINE_COLOURS = [
    ft.Colors.BLUE_600,
    ft.Colors.GREEN_600,
    ft.Colors.PURPLE_400,
    ft.Colors.ORANGE_700,
    ft.Colors.TEAL_600,
]
PHONE_HEIGHT = 180
DESK_HEIGHT = 300
LEGEND_CHARS = 60


def legend_label(number: int, title: str, *, limit: int | None = LEGEND_CHARS) -> str:
    """'3. Share of people reached' (on a phone cut with an ellipsis past a line's worth)."""
    label = f"{number}. {title}"
    return label if limit is None or len(label) <= limit else label[: limit - 1] + "…"


def chart(t, lang: str, plan: Plan | None, s: TallySeries | None, *, desk: bool) -> list[ft.Control]:
    """The chart's title, the chart and its legend; nothing when there is no trend to draw."""
    if s is None or plan is None or len(s.points) < 2:
        return []
    lines = []
    legend = []
    for n, ind in enumerate(i for i in plan.indicators if i.kind == "percent"):
        pts = []
        for x, point in enumerate(s.points):
            p = next((i for i in point.indicators if i.indicator_id == ind.id), None)
            if p is not None and p.pct is not None:
                pts.append(
                    fch.LineChartDataPoint(
                        x, min(p.pct, 100.0), tooltip=f"{point.end:%m/%Y}: {fmt_number(p.pct, lang)}%"
                    )
                )
        if not pts:
            continue
        colour = LINE_COLOURS[n % len(LINE_COLOURS)]
        lines.append(fch.LineChartData(points=pts, color=colour, stroke_width=3, point=True))
        label = legend_label(ind.number, ind.title.get(lang), limit=None if desk else LEGEND_CHARS)
        legend.append(
            ft.Row(
                [
                    ft.Container(width=12, height=12, bgcolor=colour, border_radius=6),
                    ft.Text(label, size=13, tooltip=ind.title.get(lang)),
                ],
                spacing=6,
                tight=True,
            )
        )
    if not lines:
        return []
    step = max(1, len(s.points) // (8 if desk else 4))
    bottom = fch.ChartAxis(
        labels=[
            fch.ChartAxisLabel(value=x, label=ft.Text(f"{p.end:%m/%y}", size=11))
            for x, p in enumerate(s.points)
            if x % step == 0
        ],
        label_size=24,
    )
    left = fch.ChartAxis(
        labels=[fch.ChartAxisLabel(value=v, label=ft.Text(f"{v}%", size=11)) for v in (0, 25, 50, 75, 100)],
        label_size=40,
    )
    drawn = fch.LineChart(
        data_series=lines,
        min_y=0,
        max_y=100,
        min_x=0,
        max_x=len(s.points) - 1,
        left_axis=left,
        bottom_axis=bottom,
        height=DESK_HEIGHT if desk else PHONE_HEIGHT,
        expand=False,
        horizontal_grid_lines=fch.ChartGridLines(interval=25, color=ft.Colors.GREY_300, width=1),
    )
    summary = t("chart_summary", start=fmt_date(s.points[0].start), end=fmt_date(s.points[-1].end))
    return [
        ft.Text(t("chart_title"), weight=ft.FontWeight.W_600),
        ft.Semantics(content=ft.Container(drawn, padding=ft.Padding.only(right=8)), label=summary),
        ft.Column(legend, spacing=4) if desk else ft.Row(legend, wrap=True, spacing=12, run_spacing=4),
    ]
