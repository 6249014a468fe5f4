"""Where the supervisor is on the progress screen, and what it shows: a plain model, no Flet.

The navigation (plan, unit, period, the units walked through), whether the report on screen is
the last sync's or the server's just now, whether a fetch is running, and why something could
not be shown live here; the progress screen only draws it and forwards taps. Answers from the
server come through the service (``AppService.progress_report`` and friends), never from the
network code directly. ``changed`` is called whenever what is shown changes (the screen redraws).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from schemas.plans import Plan, TallyReport, TallySeries

from ...errors import FieldTallyError
from ...reports import PeriodChoice, ProgressSource, period_choices, today_in_programme
from ..i18n import N_


@dataclass
class View:
    """Where the supervisor is: plan, unit, period, and the units walked through to get here."""

    plan_id: str
    unit: str
    period: PeriodChoice
    trail: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Problem:
    """Why the screen shows less than asked: an i18n key, or an error whose sentence to show."""

    key: str | None = None
    error: FieldTallyError | None = None


UNCACHED = Problem(key=N_("progress_not_cached"))
KEPT_CACHED = Problem(key=N_("progress_kept_cached"))


class ProgressModel:
    def __init__(
        self, service, source: ProgressSource, view: View | None, changed: Callable[[], None] = lambda: None
    ) -> None:
        self.service = service
        self.source = source
        self.view = view
        self.changed = changed
        self.report: TallyReport | None = None
        self.series: TallySeries | None = None
        self.live = False  # the report on screen came from the server just now
        self.busy = False
        self.problem: Problem | None = None

    @classmethod
    async def load(cls, service, changed: Callable[[], None] = lambda: None) -> ProgressModel:
        """Start at the officer's own unit, first plan, first period; with what the last sync brought."""
        source = await service.progress_source()
        view = None
        if source.plans and source.home_unit:
            plan = source.plans[0]
            view = View(plan.id, source.home_unit, period_choices(plan, today_in_programme())[0])
        model = cls(service, source, view, changed)
        model.load_cached()
        return model

    # ---- what is shown -------------------------------------------------------------------------
    @property
    def plan(self) -> Plan | None:
        return self.source.plan(self.view.plan_id) if self.view else None

    def periods(self) -> list[PeriodChoice]:
        plan = self.plan
        return period_choices(plan, today_in_programme()) if plan is not None else []

    def shown_span(self) -> tuple[date, date]:
        """The days the report on screen covers (a cached "so far" report ends on the day it was synced)."""
        assert self.view is not None
        if self.report is not None:
            return self.report.start, self.report.end
        return self.view.period.start, self.view.period.end

    def trail_units(self) -> list[str]:
        return [*self.view.trail, self.view.unit] if self.view else []

    def unit_name(self, code: str) -> str:
        if self.report is not None and self.report.unit == code:
            return self.report.unit_name
        unit = self.source.unit(code)
        return unit.name if unit else code

    def load_cached(self) -> None:
        v = self.view
        if v is None:
            return
        self.report = self.source.cached(
            v.plan_id, v.unit, v.period.start, v.period.end, so_far=v.period.kind == "year_to_date"
        )
        self.series = self.source.cached_series(v.plan_id, v.unit)
        self.live = False
        self.problem = None if self.report is not None else UNCACHED

    async def fetch(self) -> None:
        """Ask the server for the report (and chart) on screen; keep the cached one if it cannot answer."""
        v = self.view
        if v is None or self.busy:
            return
        self.busy = True
        self.changed()
        try:
            self.report = await self.service.progress_report(
                self.source, v.plan_id, v.unit, v.period.start, v.period.end
            )
            plan = self.plan
            if plan is not None:
                self.series = await self.service.progress_series(
                    self.source, v.plan_id, v.unit, chart_start(plan, v.period), v.period.end
                )
            self.live, self.problem = True, None
        except FieldTallyError as err:
            self.problem = Problem(error=err) if self.report is None else KEPT_CACHED
        finally:
            self.busy = False
        self.changed()

    async def _show_cached_or_fetch(self) -> None:
        self.load_cached()
        if self.report is None:
            await self.fetch()
        else:
            self.changed()

    # ---- where to go ---------------------------------------------------------------------------
    async def choose_period(self, key: str) -> None:
        if self.plan is None or self.view is None:
            return
        self.view.period = next(c for c in self.periods() if c.key == key)
        await self._show_cached_or_fetch()

    async def open_child(self, unit: str) -> None:
        if self.view is None:
            return
        self.view.trail.append(self.view.unit)
        self.view.unit = unit
        await self._show_cached_or_fetch()

    def back(self) -> bool:
        """Up one unit; False when already at the top (the screen is left)."""
        if self.view is None or not self.view.trail:
            return False
        self.view.unit = self.view.trail.pop()
        self.load_cached()
        self.changed()
        return True

    # ---- what a supervisor does ----------------------------------------------------------------
    async def approve(self) -> None:
        """Approve exactly what is on screen, then read it back with its approval from the server."""
        v = self.view
        if v is None:
            return
        start, end = self.shown_span()
        await self.service.approve_progress(self.source, v.plan_id, v.unit, start, end)

    async def export(self) -> tuple[str, bytes] | None:
        """The period's table as a spreadsheet made by the server: (file name, bytes)."""
        v = self.view
        if v is None:
            return None
        data = await self.service.export_progress(
            self.source, v.plan_id, v.unit, v.period.start, v.period.end
        )
        return f"tien-do_{v.unit}_{v.period.start:%Y%m%d}-{v.period.end:%Y%m%d}.xlsx", data

    async def office_report(self) -> tuple[str, bytes] | None:
        """The period's report as offices file it, made by the server: (file name, bytes)."""
        v = self.view
        if v is None:
            return None
        data = await self.service.office_report(self.source, v.plan_id, v.unit, v.period.start, v.period.end)
        return f"bao-cao_{v.unit}_{v.period.start:%Y%m%d}-{v.period.end:%Y%m%d}.xlsx", data


def chart_start(plan: Plan, period: PeriodChoice) -> date:
    """A chart covers at least the current phase, so a month or a quarter still shows a trend."""
    phase = plan.phase_on(period.end)
    return min(period.start, phase.start) if phase else period.start
