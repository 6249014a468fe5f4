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

from schemas.plan_report import IndicatorProgress, ProgressStatus, UnitTally

from ...reports import worst_status
from ..addresses import period_token
from ..formatting import fmt_date, fmt_datetime, fmt_number, fmt_pct, shown_gap
from ..layout import CARD_COLUMNS
from ..viewmodels import unit_table
from ..viewmodels.progress_model import ProgressModel
from ..widgets import copyable, frame, icon_button
from .progress_chart import chart
from .unit_period_screen import UnitPeriodScreen
from .unit_table_view import unit_table as unit_table_view

_STATUS = {
    ProgressStatus.REACHED: ("status_reached", ft.Colors.GREEN_700),
    ProgressStatus.ON_TRACK: ("status_on_track", ft.Colors.BLUE_700),
    ProgressStatus.BEHIND: ("status_behind", ft.Colors.ORANGE_800),
    ProgressStatus.NO_DATA: ("status_no_data", ft.Colors.GREY_600),
}
BAR_STEPS = 1000  # the bar is drawn in proportions of its width, whatever the width is


class ProgressScreen(UnitPeriodScreen):
    model_class = ProgressModel
    model: ProgressModel

    async def on_sort(self, e) -> None:
        self.model.sort.tap(e.column_index)
        self.shell.refresh()

    async def on_back(self, e) -> None:
        if not self.model.back():
            self.shell.go("home")

    async def on_approve(self, e) -> None:
        await self.model.approve()
        self.shell.toast(self.shell.t("approved_done"))
        await self.model.fetch()

    async def on_statistics(self, e) -> None:
        """The programme's other numbers for the unit and period on screen (a screen of their own)."""
        v = self.model.view
        if v is not None:
            await self.shell.open("statistics", unit=v.unit, period=period_token(v.period))

    async def on_records(self, e) -> None:
        """The records behind the figures: the unit and period on screen (a screen of their own)."""
        v = self.model.view
        if v is not None:
            await self.shell.open(
                "supervised_records", unit=v.unit, unit_name=self.model.unit_name(v.unit), period=v.period
            )

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
                controls += self._grid()
                controls += self._table() if self.shell.desk else self._children()
                controls += self._supervisor_actions()
        return frame(
            m.address(),
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
        when = t("progress_as_of", when=fmt_datetime(as_of)) if as_of else ""
        start, end = m.shown_span()  # a cached "so far" report ends on the day it was synced
        return [
            copyable(plan.title.get(lang), weight=ft.FontWeight.W_600),
            ft.Text(" › ".join(names), size=18 if self.shell.desk else 15, weight=ft.FontWeight.W_600),
            ft.Row(chips, wrap=True, spacing=6, run_spacing=4),
            copyable(t("period", start=fmt_date(start), end=fmt_date(end)), size=14),
            ft.Text(
                " · ".join(x for x in (when, where) if x),
                size=13,
                italic=True,
                color=ft.Colors.ON_SURFACE_VARIANT,
            ),
            ft.Row(
                [
                    ft.OutlinedButton(
                        content=t("stats_open"),
                        icon=ft.Icons.TABLE_CHART,
                        height=48,
                        on_click=self.shell.guard(self.on_statistics),
                        tooltip=t("stats_open"),
                    ),
                    *self._records_button(),
                ],
                wrap=True,
            ),
        ]

    def _records_button(self) -> list[ft.Control]:
        t = self.shell.t
        if not self.model.source.is_supervisor:
            return []
        return [
            ft.OutlinedButton(
                content=t("suprec_open"),
                icon=ft.Icons.LIST_ALT,
                height=48,
                on_click=self.shell.guard(self.on_records),
                tooltip=t("suprec_open"),
            )
        ]

    def _grid(self) -> list[ft.Control]:
        """The indicators' cards and the chart: one column on a phone, a grid that grows at a desk."""
        m, t, lang = self.model, self.shell.t, self.shell.service.lang
        assert m.report is not None
        cards: list[ft.Control] = [self._indicator(ind) for ind in m.report.totals]
        drawn = chart(t, lang, m.plan, m.series, desk=self.shell.desk)
        if drawn:
            panel = ft.Card(content=ft.Container(ft.Column(drawn, spacing=8), padding=12))
            cards.append(ft.Container(panel, col=12))  # the chart has the row to itself: months need width
        return [ft.ResponsiveRow(cards, spacing=12, run_spacing=12)]

    def _table(self) -> list[ft.Control]:
        m, t, lang = self.model, self.shell.t, self.shell.service.lang
        if m.report is None or m.plan is None or not m.report.children:
            return []
        rows = unit_table.rows(m.report, m.plan, m.sort)
        return [
            ft.Text(t("children_title"), weight=ft.FontWeight.W_600, size=16),
            ft.Card(
                content=ft.Container(
                    unit_table_view(
                        t,
                        lang,
                        m.plan,
                        rows,
                        m.sort,
                        self.shell.guard(self.on_sort),
                        self.shell.guard(self.on_child),
                    ),
                    padding=8,
                )
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
        value = fmt_pct(ind.pct, lang) if ind.pct is not None else "—"
        lines: list[ft.Control] = [
            ft.Text(f"{ind.number}. {title}", weight=ft.FontWeight.W_500),
            ft.Row(
                [
                    copyable(value, size=24, weight=ft.FontWeight.BOLD),
                    ft.Text(t(status_key), color=colour, weight=ft.FontWeight.W_600),
                ],
                alignment=ft.MainAxisAlignment.SPACE_BETWEEN,
            ),
        ]
        if ind.kind == "decrease":
            lines.append(copyable(self._decrease_line(ind), size=14))
        else:
            lines.append(self._bar(title, ind.pct, ind.target_pct, ind.milestone_pct, colour))
            lines.append(copyable(self._percent_line(ind), size=14))
            for seg in ind.segments:
                label = (
                    next((s.label.get(lang) for s in spec.segments if s.id == seg.segment_id), seg.segment_id)
                    if spec
                    else seg.segment_id
                )
                s_key, s_colour = _STATUS[seg.status]
                s_value = fmt_pct(seg.pct, lang) if seg.pct is not None else "—"
                lines.append(
                    copyable(
                        f"{label}: {s_value} · {t('target', pct=fmt_number(seg.target_pct, lang))}"
                        f" · {t(s_key)}",
                        size=13,
                        color=s_colour,
                    )
                )
        card = ft.Card(content=ft.Container(ft.Column(lines, spacing=6), padding=12))
        return ft.Container(card, col=CARD_COLUMNS)

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
        if ind.gap and ind.pct is not None:
            gap = shown_gap(ind.pct, ind.gap)  # the difference of the figures shown, not rounded apart
            if gap:
                parts.append(t("gap", pts=fmt_number(gap, lang)))
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
        """A bar as wide as its card, scaled to the target, with a tick where the milestone due lies."""
        lang = self.shell.service.lang
        value = min((pct or 0) / target, 1.0) if target else 0.0
        filled = round(value * BAR_STEPS)
        parts: list[ft.Control] = []
        if filled:
            parts.append(ft.Container(height=12, bgcolor=colour, expand=filled))
        if filled < BAR_STEPS:
            parts.append(ft.Container(height=12, bgcolor=ft.Colors.GREY_300, expand=BAR_STEPS - filled))
        rows: list[ft.Control] = [ft.Row(parts, spacing=0)]
        if milestone is not None and target:
            at = max(1, min(round(milestone / target * BAR_STEPS), BAR_STEPS - 1))
            tick = [
                ft.Container(expand=at),
                ft.Container(width=3, height=6, bgcolor=ft.Colors.ON_SURFACE),
                ft.Container(expand=BAR_STEPS - at),
            ]
            rows.append(ft.Row(tick, spacing=0))
        label = f"{title}: {fmt_pct(pct or 0, lang)} / {fmt_pct(target, lang)}"
        bar = ft.Container(
            ft.Column(rows, spacing=0),
            border_radius=6,
            padding=ft.Padding.symmetric(vertical=4),
        )
        return ft.Semantics(content=bar, label=label)

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
