"""The programme's other numbers on screen: a plain model, no Flet.

Beside the plan's indicators a supervisor reads what the field did in the same unit and period:
outreach sessions by format, person-times by group and sex, materials, mediation by dispute
type and outcome with the settlement rate, trainings by kind, surveys by group with the share
passing (the figures are ``schemas.statistics``'s, computed by the server). A sync does not
bring them: they are asked of the server when the screen opens, kept for the session, and when
the server cannot be reached the screen says they were not downloaded rather than "an error".

The navigation (plan, unit, period, the units walked through) is the progress screen's
(``progress_model.View``, ``first_view``); the units below are listed with their key figures and
opening one shows its own. ``changed`` is called whenever what is shown changes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from schemas.plans import Plan
from schemas.statistics import Figures, StatisticsReport

from ...errors import FieldTallyError
from ...reports import PeriodChoice, ProgressSource, period_choices, today_in_programme
from ..addresses import address_of, period_token
from ..i18n import N_
from ..progress_calls import is_network_error
from .progress_model import Problem, View, first_view

NOT_DOWNLOADED = Problem(key=N_("stats_not_downloaded"))
KEPT_EARLIER = Problem(key=N_("stats_kept_earlier"))


@dataclass(frozen=True)
class KeyFigures:
    """One unit's line in the list of units below: the figures a supervisor compares first."""

    unit: str
    name: str
    sessions: int
    person_times: int
    materials: int
    mediation_cases: int
    settlement_rate: float | None
    trainings: int
    surveys: int
    surveys_pct: float | None


def key_figures(unit: str, name: str, f: Figures) -> KeyFigures:
    return KeyFigures(
        unit,
        name,
        f.sessions,
        f.person_times,
        f.materials,
        f.mediation_cases,
        f.settlement_rate,
        f.trainings,
        f.surveys,
        f.surveys_pct,
    )


class StatisticsModel:
    def __init__(
        self,
        service,
        source: ProgressSource,
        view: View | None,
        changed: Callable[[], None] = lambda: None,
    ) -> None:
        self.service = service
        self.source = source
        self.view = view
        self.changed = changed
        self.report: StatisticsReport | None = None
        self.live = False  # the figures on screen came from the server just now
        self.busy = False
        self.problem: Problem | None = None
        self.refused_address = False  # the address named a unit or period the caller may not see
        # Back from the unit the screen was opened at leaves the screen (to that unit's indicators).
        self.entry_depth = len(view.trail) if view else 0

    @classmethod
    async def load(
        cls,
        service,
        changed: Callable[[], None] = lambda: None,
        *,
        unit: str | None = None,
        period: str | None = None,
    ) -> StatisticsModel:
        """Open at ``unit`` and ``period`` (an address's words, checked as the progress screen does)."""
        source = await service.progress_source()
        view, refused = first_view(source, unit, period)
        model = cls(service, source, view, changed)
        model.refused_address = refused
        model.load_cached()
        return model

    def address(self) -> str:
        """``/statistics/<unit>?period=<token>``: the same words as the progress screen's address."""
        if self.view is None:
            return address_of("statistics")
        return address_of("statistics", self.view.unit, period_token(self.view.period))

    # ---- what is shown -------------------------------------------------------------------------
    @property
    def plan(self) -> Plan | None:
        return self.source.plan(self.view.plan_id) if self.view else None

    def periods(self) -> list[PeriodChoice]:
        plan = self.plan
        return period_choices(plan, today_in_programme()) if plan is not None else []

    def trail_units(self) -> list[str]:
        return [*self.view.trail, self.view.unit] if self.view else []

    def unit_name(self, code: str) -> str:
        if self.report is not None and self.report.unit == code:
            return self.report.unit_name
        unit = self.source.unit(code)
        return unit.name if unit else code

    @property
    def totals(self) -> Figures | None:
        return self.report.totals if self.report is not None else None

    def children(self) -> list[KeyFigures]:
        """The units below, in the server's order (by code), each with its key figures."""
        if self.report is None:
            return []
        return [key_figures(c.unit, c.unit_name, c.figures) for c in self.report.children]

    def load_cached(self) -> None:
        """What the server said this session for the unit and period on screen, if it was asked."""
        v = self.view
        if v is None:
            return
        self.report = self.source.cached_statistics(v.plan_id, v.unit, v.period.start, v.period.end)
        self.live = False
        self.problem = None if self.report is not None else NOT_DOWNLOADED

    async def fetch(self) -> None:
        """Ask the server for the figures on screen; keep the ones asked earlier if it cannot answer."""
        v = self.view
        if v is None or self.busy:
            return
        self.busy = True
        if self.problem == NOT_DOWNLOADED:
            self.problem = None  # being asked for now: the bar says so, not "not downloaded"
        self.changed()
        try:
            self.report = await self.service.statistics_report(
                self.source, v.plan_id, v.unit, v.period.start, v.period.end
            )
            self.live = True
            self.problem = None
        except FieldTallyError as err:
            if self.report is not None:
                self.problem = KEPT_EARLIER  # and `live` stays False
            elif is_network_error(err):
                self.problem = NOT_DOWNLOADED
            else:
                self.problem = Problem(error=err)  # the server's own sentence (out of scope, ...)
        finally:
            self.busy = False
        self.changed()

    async def complete(self) -> None:
        """Ask the server for the figures when this session has not yet."""
        if self.view is not None and self.report is None:
            await self.fetch()

    async def _show_cached_or_fetch(self) -> None:
        self.refused_address = False
        self.load_cached()
        if self.report is None:
            await self.fetch()
        else:
            self.changed()

    # ---- where to go ---------------------------------------------------------------------------
    async def choose_period(self, key: str) -> None:
        if self.view is None:
            return
        chosen = next((c for c in self.periods() if c.key == key), None)
        if chosen is None:
            return
        self.view.period = chosen
        await self._show_cached_or_fetch()

    async def open_child(self, unit: str) -> None:
        if self.view is None or unit not in {c.unit for c in self.children()}:
            return  # only a unit the report lists below this one (the server checks the scope again)
        self.view.trail.append(self.view.unit)
        self.view.unit = unit
        await self._show_cached_or_fetch()

    def back(self) -> bool:
        """Up one unit; False when at the unit the screen was opened at (the screen is left)."""
        if self.view is None or len(self.view.trail) <= self.entry_depth:
            return False
        self.view.unit = self.view.trail.pop()
        self.refused_address = False
        self.load_cached()
        self.changed()
        return True

    # ---- the spreadsheet -----------------------------------------------------------------------
    async def export(self) -> tuple[str, bytes] | None:
        """The figures of the unit and each unit below as a spreadsheet made by the server."""
        v = self.view
        if v is None:
            return None
        data = await self.service.export_statistics(
            self.source, v.plan_id, v.unit, v.period.start, v.period.end
        )
        return f"so-lieu_{v.unit}_{v.period.start:%Y%m%d}-{v.period.end:%Y%m%d}.xlsx", data
