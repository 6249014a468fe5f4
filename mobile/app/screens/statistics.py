"""The programme's other numbers for a unit and period: what the field did, beside the plan's indicators.

Sessions by format, person-times by group and sex, materials, mediation by type and outcome with
the settlement rate, trainings by kind, surveys by group with the share passing; then the units
below with their key figures (tapping one opens its own), and the same as a spreadsheet. Reached
from the progress screen for the unit and period on screen there, or by its address
(``/statistics/HN-SS?period=2025``). The state lives in ``viewmodels.statistics_model``; this
screen only lays out and forwards taps. At a desk the blocks form a grid that grows with the
window and the units below are a table; every figure can be selected and copied.
"""

from __future__ import annotations

import flet as ft

from schemas.statistics import Count, Figures

from ..addresses import period_token
from ..formatting import fmt_date, fmt_number, fmt_pct
from ..layout import CARD_COLUMNS
from ..viewmodels.statistics_model import KeyFigures, StatisticsModel
from ..widgets import copyable, frame, icon_button
from .unit_period_screen import UnitPeriodScreen

NUMBER_WIDTH = 62  # a numeric column of the small tables: "12.345" and "100%" fit at 360 px


def _pct(x: float | None, lang: str) -> str:
    return fmt_pct(x, lang) if x is not None else "—"


class StatisticsScreen(UnitPeriodScreen):
    model_class = StatisticsModel
    model: StatisticsModel

    async def on_back(self, e) -> None:
        if self.model.back():
            return
        v = self.model.view
        if v is None:
            self.shell.go("home")
        else:  # to the plan's indicators of the unit and period on screen
            await self.shell.open("progress", unit=v.unit, period=period_token(v.period))

    async def on_export(self, e) -> None:
        exported = await self.model.export()
        if exported is not None:
            name, data = exported
            await self.shell.save_file(name, data, "xlsx", self.shell.t("stats_export"))

    # ---- layout ---------------------------------------------------------------------------------
    def build(self) -> ft.View:
        t, m = self.shell.t, self.model
        actions = []
        if m.view is not None:
            actions.append(
                icon_button(ft.Icons.REFRESH, t("progress_refresh"), self.shell.guard(self.on_refresh))
            )
        controls: list[ft.Control] = []
        if m.view is None:
            controls.append(ft.Text(t("progress_none")))
        else:
            controls += self._header()
            if m.busy:
                controls.append(ft.ProgressBar(semantics_label=t("progress_loading")))
            if m.refused_address:
                controls.append(self._warning(t("progress_address_unknown")))
            if m.problem:
                controls.append(
                    self._warning(
                        self.shell.say(m.problem.error) if m.problem.error else t(m.problem.key or "")
                    )
                )
            if m.totals is not None:
                controls += self._blocks(m.totals)
                controls += self._children_table() if self.shell.desk else self._children_tiles()
                controls += self._export()
        return frame(
            m.address(),
            t("stats_title"),
            controls,
            on_back=self.shell.guard(self.on_back),
            back_label=t("back"),
            actions=actions,
        )

    def _warning(self, words: str) -> ft.Control:
        return ft.Text(words, color=ft.Colors.ORANGE_900, semantics_label=words)

    def _header(self) -> list[ft.Control]:
        t, lang, m = self.shell.t, self.shell.service.lang, self.model
        v = m.view
        assert v is not None
        names = [m.unit_name(code) for code in m.trail_units()]
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
        out: list[ft.Control] = [
            ft.Text(" › ".join(names), size=18 if self.shell.desk else 15, weight=ft.FontWeight.W_600),
            ft.Row(chips, wrap=True, spacing=6, run_spacing=4),
            copyable(t("period", start=fmt_date(v.period.start), end=fmt_date(v.period.end)), size=14),
        ]
        if m.report is not None:
            where = t("progress_live") if m.live else t("stats_earlier")
            out.append(ft.Text(where, size=13, italic=True, color=ft.Colors.ON_SURFACE_VARIANT))
        return out

    # ---- the blocks -----------------------------------------------------------------------------
    def _blocks(self, f: Figures) -> list[ft.Control]:
        cards = [
            self._sessions(f),
            self._people(f),
            self._mediation(f),
            self._trainings(f),
            self._surveys(f),
        ]
        return [ft.ResponsiveRow(cards, spacing=12, run_spacing=12)]

    def _card(self, title: str, headline: str, lines: list[ft.Control]) -> ft.Control:
        body = [
            ft.Text(title, weight=ft.FontWeight.W_600),
            copyable(headline, size=24, weight=ft.FontWeight.BOLD),
            *lines,
        ]
        card = ft.Card(content=ft.Container(ft.Column(body, spacing=6), padding=12))
        return ft.Container(card, col=CARD_COLUMNS)

    def _table(self, headers: list[str], rows: list[list[str]]) -> ft.Control:
        """A small table: a label column that takes the room left and right-aligned figures."""

        def line(cells: list[str], *, head: bool = False) -> ft.Control:
            weight = ft.FontWeight.W_600 if head else None
            size = 12 if head else 14
            parts: list[ft.Control] = [ft.Text(cells[0], size=size, weight=weight, expand=True)]
            for cell in cells[1:]:
                shown = ft.Text(cell, size=size, weight=weight, text_align=ft.TextAlign.RIGHT)
                figure = shown if head else copyable(cell, size=size, text_align=ft.TextAlign.RIGHT)
                parts.append(ft.Container(figure, width=NUMBER_WIDTH, alignment=ft.Alignment.CENTER_RIGHT))
            return ft.Row(parts, spacing=4)

        return ft.Column([line(headers, head=True), *[line(r) for r in rows]], spacing=2)

    def _counts(self, heading: str, what: str, counts: list[Count]) -> ft.Control:
        lang = self.shell.service.lang
        return self._table([heading, what], [[c.label.get(lang), fmt_number(c.count, lang)] for c in counts])

    def _sessions(self, f: Figures) -> ft.Control:
        t, lang = self.shell.t, self.shell.service.lang
        return self._card(
            t("stats_sessions"),
            fmt_number(f.sessions, lang),
            [
                self._counts(t("stats_by_format"), t("stats_col_sessions"), f.sessions_by_format),
                copyable(t("stats_materials", n=fmt_number(f.materials, lang)), size=14),
            ],
        )

    def _people(self, f: Figures) -> ft.Control:
        t, lang = self.shell.t, self.shell.service.lang
        female = fmt_number(f.person_times_female, lang)
        share = _pct(100.0 * f.person_times_female / f.person_times if f.person_times else None, lang)
        return self._card(
            t("stats_people"),
            fmt_number(f.person_times, lang),
            [
                self._counts(t("stats_group"), t("stats_col_people"), f.person_times_by_group),
                copyable(t("stats_female", n=female, pct=share), size=14),
                copyable(t("stats_first_time", n=fmt_number(f.soldiers_first_time, lang)), size=13),
            ],
        )

    def _mediation(self, f: Figures) -> ft.Control:
        t, lang = self.shell.t, self.shell.service.lang
        ongoing = next((c.count for c in f.mediation_by_outcome if c.key == "ongoing"), 0)
        return self._card(
            t("stats_mediation", n=fmt_number(f.mediation_cases, lang)),
            t("stats_rate", pct=_pct(f.settlement_rate, lang)),
            [
                copyable(
                    t(
                        "stats_settled_line",
                        settled=fmt_number(f.mediation_settled, lang),
                        ended=fmt_number(f.mediation_ended, lang),
                        ongoing=fmt_number(ongoing, lang),
                    ),
                    size=14,
                ),
                self._counts(t("stats_by_type"), t("stats_col_cases"), f.mediation_by_type),
                self._counts(t("stats_by_outcome"), t("stats_col_cases"), f.mediation_by_outcome),
            ],
        )

    def _trainings(self, f: Figures) -> ft.Control:
        t, lang = self.shell.t, self.shell.service.lang
        rows = [
            [k.label.get(lang), fmt_number(k.military, lang), fmt_number(k.local, lang)]
            for k in f.trainees_by_kind
        ]
        return self._card(
            t("stats_trainings"),
            t("stats_courses", n=fmt_number(f.trainings, lang)),
            [self._table([t("stats_kind"), t("stats_military"), t("stats_local")], rows)],
        )

    def _surveys(self, f: Figures) -> ft.Control:
        t, lang = self.shell.t, self.shell.service.lang
        rows = [
            [g.label.get(lang), fmt_number(g.surveys, lang), fmt_number(g.passed, lang), _pct(g.pct, lang)]
            for g in f.surveys_by_group
        ]
        headers = [t("stats_group"), t("stats_col_surveys"), t("stats_col_passed"), t("stats_col_share")]
        return self._card(
            t("stats_surveys"),
            t("stats_passed_line", pct=_pct(f.surveys_pct, lang)),
            [
                copyable(
                    t(
                        "stats_passed_of",
                        passed=fmt_number(f.surveys_passed, lang),
                        n=fmt_number(f.surveys, lang),
                    ),
                    size=14,
                ),
                self._table(headers, rows),
            ],
        )

    # ---- the units below ------------------------------------------------------------------------
    def _children_tiles(self) -> list[ft.Control]:
        t, lang = self.shell.t, self.shell.service.lang
        kids = self.model.children()
        if not kids:
            return []
        out: list[ft.Control] = [ft.Text(t("stats_children"), weight=ft.FontWeight.W_600)]
        for k in kids:
            out.append(
                ft.ListTile(
                    title=ft.Text(k.name),
                    subtitle=ft.Text(self._child_line(k, lang), size=12),
                    trailing=ft.Icon(ft.Icons.CHEVRON_RIGHT),
                    data=k.unit,
                    on_click=self.shell.guard(self.on_child),
                    min_height=56,
                )
            )
        return out

    def _child_line(self, k: KeyFigures, lang: str) -> str:
        return self.shell.t(
            "stats_child_line",
            sessions=fmt_number(k.sessions, lang),
            people=fmt_number(k.person_times, lang),
            cases=fmt_number(k.mediation_cases, lang),
            rate=_pct(k.settlement_rate, lang),
            surveys=fmt_number(k.surveys, lang),
            passed=_pct(k.surveys_pct, lang),
        )

    def _children_table(self) -> list[ft.Control]:
        t, lang = self.shell.t, self.shell.service.lang
        kids = self.model.children()
        if not kids:
            return []
        heads = [
            "table_unit",
            "stats_col_sessions",
            "stats_col_people",
            "stats_col_materials",
            "stats_col_cases",
            "stats_col_rate",
            "stats_col_trainings",
            "stats_col_surveys",
            "stats_col_share",
        ]
        columns = [
            ft.DataColumn(ft.Text(t(h), weight=ft.FontWeight.W_600), numeric=i > 0)
            for i, h in enumerate(heads)
        ]
        rows = []
        for k in kids:
            figures = [
                fmt_number(k.sessions, lang),
                fmt_number(k.person_times, lang),
                fmt_number(k.materials, lang),
                fmt_number(k.mediation_cases, lang),
                _pct(k.settlement_rate, lang),
                fmt_number(k.trainings, lang),
                fmt_number(k.surveys, lang),
                _pct(k.surveys_pct, lang),
            ]
            cells = [
                ft.DataCell(
                    ft.TextButton(content=k.name, data=k.unit, on_click=self.shell.guard(self.on_child))
                )
            ]
            cells += [ft.DataCell(copyable(x)) for x in figures]
            rows.append(ft.DataRow(cells=cells))
        table = ft.DataTable(
            columns=columns,
            rows=rows,
            column_spacing=24,
            heading_row_height=44,
            data_row_min_height=40,
            data_row_max_height=48,
        )
        return [
            ft.Text(t("stats_children"), weight=ft.FontWeight.W_600, size=16),
            ft.Card(content=ft.Container(ft.Row([table], scroll=ft.ScrollMode.AUTO), padding=8)),
        ]

    def _export(self) -> list[ft.Control]:
        t = self.shell.t
        if not self.model.source.is_supervisor:
            return []
        return [
            ft.OutlinedButton(
                content=t("stats_export"),
                icon=ft.Icons.DOWNLOAD,
                height=52,
                on_click=self.shell.guard(self.on_export),
                tooltip=t("stats_export"),
            )
        ]
