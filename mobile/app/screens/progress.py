"""Progress against the plan: a unit's indicators, a chart over time, its child units furthest behind first.

Officers see their own unit; supervisors start at theirs and drill down
through their subtree. What the last sync brought is shown offline with its
"as of" time; other periods and deeper units are asked of the server. The
navigation and what is shown live in ``viewmodels.progress_model``; the rules
in ``mobile/reports.py`` and ``schemas/``: this screen only lays out and
forwards taps.
"""

from __future__ import annotations

import flet as ft
import flet_charts as fch

from schemas.plans import IndicatorProgress, ProgressStatus, UnitTally

from ...reports import worst_status
from ..formatting import fmt_date, fmt_datetime, fmt_number
from ..viewmodels.progress_model import ProgressModel
from ..widgets import frame, icon_button

_STATUS = {
    ProgressStatus.REACHED: ("status_reached", ft.Colors.GREEN_700),
    ProgressStatus.ON_TRACK: ("status_on_track", ft.Colors.BLUE_700),
    ProgressStatus.BEHIND: ("status_behind", ft.Colors.ORANGE_800),
    ProgressStatus.NO_DATA: ("status_no_data", ft.Colors.GREY_600),
}
_LINE_COLOURS = [
    ft.Colors.BLUE_600,
    ft.Colors.GREEN_600,
    ft.Colors.PURPLE_400,
    ft.Colors.ORANGE_700,
    ft.Colors.TEAL_600,
]
BAR_WIDTH = 300  # the progress bar's drawn width; the screen is at least 360 wide


class ProgressScreen:
    def __init__(self, shell, model: ProgressModel) -> None:
        self.shell = shell
        self.model = model
        model.changed = shell.refresh

    @classmethod
    async def open(cls, shell) -> None:
        shell.show(cls(shell, await ProgressModel.load(shell.service)))

    def mount(self) -> None:
        self.shell.sync_listeners[:] = []  # nothing here follows a sync

    # ---- events: forwarded to the model ---------------------------------------------------------
    async def on_period(self, e) -> None:
        await self.model.choose_period(e.control.data)

    async def on_refresh(self, e) -> None:
        await self.model.fetch()

    async def on_child(self, e) -> None:
        await self.model.open_child(e.control.data)

    async def on_back(self, e) -> None:
        if not self.model.back():
            self.shell.go("home")

    async def on_approve(self, e) -> None:
        await self.model.approve()
        self.shell.toast(self.shell.t("approved_done"))
        await self.model.fetch()

    async def on_export(self, e) -> None:
        exported = await self.model.export()
        if exported is not None:
            name, data = exported
            await self.shell.save_file(name, data, "xlsx", self.shell.t("export"))

    async def on_office_report(self, e) -> None:
        made = await self.model.office_report()
        if made is not None:
            name, data = made
            await self.shell.save_file(name, data, "xlsx", self.shell.t("office_report"))

    # ---- layout ---------------------------------------------------------------------------------
    def build(self) -> ft.View:
        t, m = self.shell.t, self.model
        actions = []
        if m.view is not None:
            actions.append(
                icon_button(ft.Icons.REFRESH, t("progress_refresh"), self.shell.guard(self.on_refresh))
            )
        controls: list[ft.Control] = []
        if m.view is None or m.plan is None:
            controls.append(ft.Text(t("progress_none")))
        else:
            controls += self._header()
            if m.busy:
                controls.append(ft.ProgressBar(semantics_label=t("progress_loading")))
            if m.problem:
                problem = self.shell.say(m.problem.error) if m.problem.error else t(m.problem.key or "")
                controls.append(ft.Text(problem, color=ft.Colors.ORANGE_900, semantics_label=problem))
            if m.report is not None:
                controls += self._approval()
                controls += [self._indicator(ind) for ind in m.report.totals]
                controls += self._chart()
                controls += self._children()
                controls += self._supervisor_actions()
        return frame(
            "/progress",
            t("progress"),
            controls,
            on_back=self.shell.guard(self.on_back),
            back_label=t("back"),
            actions=actions,
        )

    def _header(self) -> list[ft.Control]:
        t, lang, m = self.shell.t, self.shell.service.lang, self.model
        v, plan = m.view, m.plan
        assert v is not None and plan is not None
        names = [m.unit_name(code) for code in m.trail_units()]
        as_of = m.report.as_of if m.report is not None else m.source.as_of
        chips = [
            ft.Chip(
                label=ft.Text(c.label.get(lang), size=13),
                selected=c.key == v.period.key,
                data=c.key,
                on_select=self.shell.guard(self.on_period),
                tooltip=c.label.get(lang),
            )
            for c in m.periods()
        ]
        where = t("progress_live") if m.live else t("progress_cached")
        start, end = m.shown_span()  # a cached "so far" report ends on the day it was synced
        return [
            ft.Text(plan.title.get(lang), weight=ft.FontWeight.W_600),
            ft.Text(" › ".join(names), size=15, weight=ft.FontWeight.W_500),
            ft.Row(chips, wrap=True, spacing=6, run_spacing=4),
            ft.Text(t("period", start=fmt_date(start), end=fmt_date(end)), size=13),
            ft.Text(
                f"{t('progress_as_of', when=fmt_datetime(as_of)) if as_of else ''} · {where}",
                size=12,
                italic=True,
            ),
        ]

    def _approval(self) -> list[ft.Control]:
        t, r = self.shell.t, self.model.report
        if r is None or r.approval is None:
            return []
        a = r.approval
        out: list[ft.Control] = [
            ft.Text(
                t("approved_by", who=a.approved_by, when=fmt_datetime(a.approved_at)),
                color=ft.Colors.GREEN_800,
                size=13,
            )
        ]
        if a.changed_records:
            msg = t("approved_changed", n=a.changed_records)
            out.append(
                ft.Container(
                    ft.Row(
                        [
                            ft.Icon(ft.Icons.WARNING_AMBER, color=ft.Colors.ORANGE_900),
                            ft.Text(msg, color=ft.Colors.ORANGE_900, expand=True),
                        ]
                    ),
                    bgcolor=ft.Colors.ORANGE_50,
                    padding=8,
                    border_radius=6,
                )
            )
        return out

    def _indicator(self, ind: IndicatorProgress) -> ft.Control:
        t, lang, plan = self.shell.t, self.shell.service.lang, self.model.plan
        spec = plan.indicator(ind.indicator_id) if plan else None
        title = spec.title.get(lang) if spec else ind.indicator_id
        status_key, colour = _STATUS[ind.status]
        value = f"{fmt_number(ind.pct, lang)}%" if ind.pct is not None else "—"
        lines: list[ft.Control] = [
            ft.Text(f"{ind.number}. {title}", weight=ft.FontWeight.W_500),
            ft.Row(
                [
                    ft.Text(value, size=22, weight=ft.FontWeight.BOLD),
                    ft.Text(t(status_key), color=colour, weight=ft.FontWeight.W_600),
                ],
                alignment=ft.MainAxisAlignment.SPACE_BETWEEN,
            ),
        ]
        if ind.kind == "decrease":
            lines.append(ft.Text(self._decrease_line(ind), size=12))
        else:
            lines.append(self._bar(title, ind.pct, ind.target_pct, ind.milestone_pct, colour))
            lines.append(ft.Text(self._percent_line(ind), size=12))
            for seg in ind.segments:
                label = (
                    next((s.label.get(lang) for s in spec.segments if s.id == seg.segment_id), seg.segment_id)
                    if spec
                    else seg.segment_id
                )
                s_key, s_colour = _STATUS[seg.status]
                s_value = f"{fmt_number(seg.pct, lang)}%" if seg.pct is not None else "—"
                lines.append(
                    ft.Text(
                        f"{label}: {s_value} · {t('target', pct=fmt_number(seg.target_pct, lang))}"
                        f" · {t(s_key)}",
                        size=12,
                        color=s_colour,
                    )
                )
        return ft.Card(content=ft.Container(ft.Column(lines, spacing=6), padding=12))

    def _percent_line(self, ind: IndicatorProgress) -> str:
        t, lang = self.shell.t, self.shell.service.lang
        num, den = fmt_number(ind.numerator, lang), fmt_number(ind.denominator, lang)
        if ind.kind == "coverage":  # people reached, with the person-times beside them
            first = t("people_of", num=num, den=den, times=fmt_number(ind.person_times or 0, lang))
        else:
            first = t("value_of", num=num, den=den)
        parts = [first, t("target", pct=fmt_number(ind.target_pct, lang))]
        if ind.over_count:
            parts.append(t("over_count", n=fmt_number(ind.over_count, lang)))
        if ind.milestone_pct is not None and ind.milestone_due is not None:
            parts.append(
                t("milestone", pct=fmt_number(ind.milestone_pct, lang), due=fmt_date(ind.milestone_due))
            )
        if ind.gap:
            parts.append(t("gap", pts=fmt_number(ind.gap, lang)))
        return " · ".join(parts)

    def _decrease_line(self, ind: IndicatorProgress) -> str:
        t, lang = self.shell.t, self.shell.service.lang
        if ind.previous_pct is None or ind.change_pct is None:
            return t("decrease_no_base", num=fmt_number(ind.numerator, lang))
        return t(
            "decrease_line",
            num=fmt_number(ind.numerator, lang),
            prev=fmt_number(ind.previous_numerator or 0, lang),
            change=fmt_number(ind.change_pct, lang),
        )

    def _bar(
        self, title: str, pct: float | None, target: float, milestone: float | None, colour
    ) -> ft.Control:
        """A bar scaled to the target, with a tick where the milestone due lies."""
        lang = self.shell.service.lang
        value = min((pct or 0) / target, 1.0) if target else 0.0
        layers: list[ft.Control] = [
            ft.Container(width=BAR_WIDTH, height=12, bgcolor=ft.Colors.GREY_300, border_radius=6),
            ft.Container(width=BAR_WIDTH * value, height=12, bgcolor=colour, border_radius=6),
        ]
        if milestone is not None and target:
            left = BAR_WIDTH * min(milestone / target, 1.0) - 1
            layers.append(
                ft.Container(width=3, height=20, bgcolor=ft.Colors.ON_SURFACE, left=max(0, left), top=-4)
            )
        label = f"{title}: {fmt_number(pct or 0, lang)}% / {fmt_number(target, lang)}%"
        bar = ft.Container(
            ft.Stack(layers, width=BAR_WIDTH, height=12, clip_behavior=ft.ClipBehavior.NONE),
            padding=ft.Padding.symmetric(vertical=4),
        )
        return ft.Semantics(content=bar, label=label)

    def _chart(self) -> list[ft.Control]:
        t, lang, plan, s = self.shell.t, self.shell.service.lang, self.model.plan, self.model.series
        if s is None or plan is None or len(s.points) < 2:
            return []
        percent_ids = [i.id for i in plan.indicators if i.kind == "percent"]
        lines = []
        legend = []
        for n, ind_id in enumerate(percent_ids):
            pts = []
            for x, point in enumerate(s.points):
                p = next((i for i in point.indicators if i.indicator_id == ind_id), None)
                if p is not None and p.pct is not None:
                    pts.append(
                        fch.LineChartDataPoint(
                            x, min(p.pct, 100.0), tooltip=f"{point.end:%m/%Y}: {fmt_number(p.pct, lang)}%"
                        )
                    )
            if not pts:
                continue
            colour = _LINE_COLOURS[n % len(_LINE_COLOURS)]
            number = plan.indicator(ind_id).number
            lines.append(fch.LineChartData(points=pts, color=colour, stroke_width=3, point=True))
            legend.append(
                ft.Row(
                    [
                        ft.Container(width=12, height=12, bgcolor=colour, border_radius=6),
                        ft.Text(t("chart_indicator", n=number), size=12),
                    ],
                    spacing=4,
                )
            )
        if not lines:
            return []
        step = max(1, len(s.points) // 4)
        bottom = fch.ChartAxis(
            labels=[
                fch.ChartAxisLabel(value=x, label=ft.Text(f"{p.end:%m/%y}", size=10))
                for x, p in enumerate(s.points)
                if x % step == 0
            ],
            label_size=24,
        )
        left = fch.ChartAxis(
            labels=[
                fch.ChartAxisLabel(value=v, label=ft.Text(f"{v}%", size=10)) for v in (0, 25, 50, 75, 100)
            ],
            label_size=36,
        )
        chart = fch.LineChart(
            data_series=lines,
            min_y=0,
            max_y=100,
            min_x=0,
            max_x=len(s.points) - 1,
            left_axis=left,
            bottom_axis=bottom,
            height=180,
            expand=False,
            horizontal_grid_lines=fch.ChartGridLines(interval=25, color=ft.Colors.GREY_300, width=1),
        )
        summary = t("chart_summary", start=fmt_date(s.points[0].start), end=fmt_date(s.points[-1].end))
        return [
            ft.Text(t("chart_title"), weight=ft.FontWeight.W_600),
            ft.Semantics(content=ft.Container(chart, padding=ft.Padding.only(right=8)), label=summary),
            ft.Row(legend, wrap=True, spacing=10),
        ]

    def _children(self) -> list[ft.Control]:
        t, lang, r = self.shell.t, self.shell.service.lang, self.model.report
        if r is None or not r.children:
            return []
        out: list[ft.Control] = [ft.Text(t("children_title"), weight=ft.FontWeight.W_600)]
        for child in r.children:
            out.append(self._child_tile(child, lang))
        return out

    def _child_tile(self, child: UnitTally, lang: str) -> ft.Control:
        t = self.shell.t
        status = worst_status(child.indicators)
        key, colour = _STATUS[status]
        behind = (
            f"{fmt_number(round((child.shortfall or 0) * 100), lang)}%"
            if child.shortfall is not None
            else "—"
        )
        subtitle = t("child_line", behind=behind, status=t(key))
        return ft.ListTile(
            title=ft.Text(child.unit_name),
            subtitle=ft.Text(subtitle, color=colour, size=12),
            trailing=ft.Icon(ft.Icons.CHEVRON_RIGHT),
            data=child.unit,
            on_click=self.shell.guard(self.on_child),
            min_height=56,
        )

    def _supervisor_actions(self) -> list[ft.Control]:
        t = self.shell.t
        if not self.model.source.is_supervisor:
            return []
        return [
            ft.Row(
                [
                    ft.OutlinedButton(
                        content=t("export"),
                        icon=ft.Icons.DOWNLOAD,
                        height=52,
                        expand=True,
                        on_click=self.shell.guard(self.on_export),
                        tooltip=t("export"),
                    ),
                    ft.FilledButton(
                        content=t("approve"),
                        icon=ft.Icons.VERIFIED,
                        height=52,
                        expand=True,
                        on_click=self.shell.guard(self.on_approve),
                        tooltip=t("approve"),
                    ),
                ],
                spacing=8,
            ),
            ft.OutlinedButton(
                content=t("office_report"),
                icon=ft.Icons.DESCRIPTION,
                height=52,
                on_click=self.shell.guard(self.on_office_report),
                tooltip=t("office_report"),
            ),
            ft.Text(t("approve_hint"), size=12, italic=True),
        ]
