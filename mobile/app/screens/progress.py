"""The unit's tallies against the plan, from the last sync: readable offline."""

from __future__ import annotations

import flet as ft

from schemas.plans import IndicatorProgress, Plan, ProgressStatus, TallyReport

from ..formatting import fmt_date, fmt_datetime, fmt_number
from ..widgets import frame

_STATUS = {
    ProgressStatus.REACHED: ("status_reached", ft.Colors.GREEN_700),
    ProgressStatus.ON_TRACK: ("status_on_track", ft.Colors.BLUE_700),
    ProgressStatus.BEHIND: ("status_behind", ft.Colors.ORANGE_800),
    ProgressStatus.NO_DATA: ("status_no_data", ft.Colors.GREY_600),
}


class ProgressScreen:
    def __init__(self, shell, report_index: int = 0):
        self.shell = shell
        self.report_index = report_index

    def build(self) -> ft.View:
        t, svc = self.shell.t, self.shell.service
        self.shell.sync_listeners[:] = []
        plans, reports, as_of = svc.progress()
        controls: list[ft.Control] = []
        if not reports:
            controls.append(ft.Text(t("progress_none")))
        else:
            self.report_index = min(self.report_index, len(reports) - 1)
            report = reports[self.report_index]
            plan = next((p for p in plans if p.id == report.plan_id), None)
            controls.append(ft.Text(t("progress_as_of", when=fmt_datetime(as_of)), size=13, italic=True))
            if len(reports) > 1:
                controls.append(
                    ft.SegmentedButton(
                        segments=[
                            ft.Segment(value=str(i), label=ft.Text(f"{fmt_date(r.start)}–{fmt_date(r.end)}"))
                            for i, r in enumerate(reports)
                        ],
                        selected=[str(self.report_index)],
                        on_change=self.on_period,
                    )
                )
            controls += self._report(plan, report)
        return frame("/progress", t("progress"), controls, on_back=lambda e: self.shell.home(), back_label=t("back"))

    def on_period(self, e) -> None:
        selected = e.control.selected
        if selected:
            self.report_index = int(next(iter(selected)))
            self.shell.refresh()

    def _report(self, plan: Plan | None, report: TallyReport) -> list[ft.Control]:
        t, lang = self.shell.t, self.shell.service.lang
        out: list[ft.Control] = [
            ft.Text(plan.title.get(lang) if plan else report.plan_id, weight=ft.FontWeight.W_600),
            ft.Text(f"{report.unit_name} · {t('period', start=fmt_date(report.start), end=fmt_date(report.end))}"),
        ]
        titles = {i.id: i.title.get(lang) for i in plan.indicators} if plan else {}
        for ind in report.totals:
            out.append(self._indicator(titles.get(ind.indicator_id, ind.indicator_id), ind))
        return out

    def _indicator(self, title: str, ind: IndicatorProgress) -> ft.Control:
        t, lang = self.shell.t, self.shell.service.lang
        status_key, color = _STATUS[ind.status]
        pct = ind.pct or 0.0
        lines = [
            ft.Text(f"{ind.number}. {title}", weight=ft.FontWeight.W_500),
            ft.Row(
                [
                    ft.Text(f"{fmt_number(pct, lang)}%" if ind.pct is not None else "—", size=22, weight=ft.FontWeight.BOLD),
                    ft.Text(t(status_key), color=color, weight=ft.FontWeight.W_600),
                ],
                alignment=ft.MainAxisAlignment.SPACE_BETWEEN,
            ),
            ft.ProgressBar(
                value=min(pct / ind.target_pct, 1.0) if ind.target_pct else 0,
                color=color,
                bar_height=10,
                semantics_label=f"{title}: {fmt_number(pct, lang)}%",
            ),
            ft.Text(
                " · ".join(
                    x
                    for x in [
                        t("value_of", num=fmt_number(ind.numerator, lang), den=fmt_number(ind.denominator, lang)),
                        t("target", pct=fmt_number(ind.target_pct, lang)),
                        t("milestone", pct=fmt_number(ind.milestone_pct, lang), due=fmt_date(ind.milestone_due))
                        if ind.milestone_pct is not None
                        else "",
                    ]
                    if x
                ),
                size=12,
            ),
        ]
        return ft.Card(content=ft.Container(ft.Column(lines, spacing=6), padding=12))
