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

from schemas.plan_report import TallyReport, TallySeries
from schemas.plans import Plan

from ...errors import FieldTallyError
from ...reports import PeriodChoice, ProgressSource, period_choices, today_in_programme
from ..addresses import address_of, choice_for, period_token
from ..i18n import N_
from ..progress_calls import is_network_error
from .unit_table import Sort


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
OUT_OF_SCOPE = Problem(key=N_("progress_address_unknown"))


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
        self.sort = Sort()  # the units table's order on a desk: furthest behind first

    @classmethod
    async def load(
        cls,
        service,
        changed: Callable[[], None] = lambda: None,
        *,
        unit: str | None = None,
        period: str | None = None,
    ) -> ProgressModel:
        """Start at the officer's own unit, first plan, first period; with what the last sync brought.

        ``unit`` and ``period`` come from an address (a bookmark, a shared link): they are honoured
        only when the unit is in the caller's own subtree and the period is one on offer; otherwise
        the screen opens at the caller's unit and says the address named nothing it may show.
        """
        source = await service.progress_source()
        view, refused = first_view(source, unit, period)
        model = cls(service, source, view, changed)
        model.load_cached()
        if refused:
            model.problem = OUT_OF_SCOPE
        return model

    def address(self) -> str:
        """The address of what is on screen: ``/progress/<unit>?period=<token>``."""
        if self.view is None:
            return address_of("progress")
        return address_of("progress", self.view.unit, period_token(self.view.period))

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
        fresh = False
        try:
            self.report = await self.service.progress_report(
                self.source, v.plan_id, v.unit, v.period.start, v.period.end
            )
            self.live = fresh = True
            plan = self.plan
            if plan is not None:
                self.series = await self.service.progress_series(
                    self.source, v.plan_id, v.unit, chart_start(plan, v.period), v.period.end
                )
            self.problem = None
        except FieldTallyError as err:
            if fresh:
                self.problem = None  # the figures came; only the chart did not
            elif self.report is not None:
                self.problem = KEPT_CACHED  # and `live` stays False: cached figures are never called fresh
            elif is_network_error(err):
                self.problem = UNCACHED  # not downloaded, and no server to ask: say so, not "an error"
            else:
                self.problem = Problem(error=err)
        finally:
            self.busy = False
        self.changed()

    async def complete(self) -> None:
        """Ask the server for what the last download lacks: the report, or the chart.

        A unit below the caller's own has its figures in the download but not its chart: both
        are asked for, rather than a unit shown without its chart until someone taps refresh.
        A refused address is left as it is (its sentence stays on screen).
        """
        if self.view is None or self.problem == OUT_OF_SCOPE:
            return
        if self.report is None or self.series is None:
            await self.fetch()

    async def _show_cached_or_fetch(self) -> None:
        self.load_cached()
        if self.report is None or self.series is None:
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


def first_view(source: ProgressSource, unit: str | None, period: str | None) -> tuple[View | None, bool]:
    """Where a screen over the plan's units opens: the caller's unit, first plan, first period; or the
    unit and period an address names when the caller may see them. Also whether the address was refused.
    """
    if not source.plans or not source.home_unit:
        return None, False
    plan = source.plans[0]
    choices = period_choices(plan, today_in_programme())
    chosen = choice_for(period, choices)
    trail = scope_trail(source, unit) if unit is not None else []
    refused = (unit is not None and trail is None) or (period is not None and chosen is None)
    if unit is None or trail is None:
        unit, trail = source.home_unit, []
    return View(plan.id, unit, chosen or choices[0], trail), refused


def scope_trail(source: ProgressSource, unit: str) -> list[str] | None:
    """The units from the caller's own down to ``unit``'s parent; None when ``unit`` is outside the subtree.

    The subtree is what the last sync brought (the server sends exactly the caller's scope), so a
    unit not in it is refused here before anything is asked; the server would refuse it too.
    """
    home = source.home_unit
    trail: list[str] = []
    code: str | None = unit
    seen: set[str] = set()
    while code is not None and code not in seen:
        found = source.unit(code)
        if found is None:
            return None
        if code == home:
            return list(reversed(trail))
        seen.add(code)
        code = found.parent
        if code is not None:
            trail.append(code)
    return None


def chart_start(plan: Plan, period: PeriodChoice) -> date:
    """A chart covers at least the current phase, so a month or a quarter still shows a trend."""
    phase = plan.phase_on(period.end)
    return min(period.start, phase.start) if phase else period.start
