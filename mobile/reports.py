"""Progress against the plan, for officers and supervisors: from the cached pull, or live.

The progress screens ask this module, never the network or the vault
directly. Everything the last sync brought (``PullResponse.tallies``,
``subtree_tallies``, ``series``) is readable offline; other periods, other
units' drill-down beyond the cache, and approvals need the server. A live
answer is kept in memory for the session so that going back and forth does
not ask twice. The programme's other numbers (``schemas.statistics``) are not
in a pull at all: they are asked live and kept the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal
from zoneinfo import ZoneInfo

from schemas.common import PROGRAMME_TZ_NAME, LocalizedText, text
from schemas.periods import month_end, standard_periods
from schemas.plan_report import Approval, IndicatorProgress, ProgressStatus, TallyReport, TallySeries
from schemas.plans import Plan
from schemas.statistics import StatisticsReport
from schemas.sync import ApprovalRequest, PullResponse, Role
from schemas.units import Unit

from .errors import FieldTallyError
from .sync.client import ServerClient

PROGRAMME_TZ = ZoneInfo(PROGRAMME_TZ_NAME)

TALLIES = "/api/v1/tallies"
SERIES = "/api/v1/tallies/series"
APPROVALS = "/api/v1/approvals"
EXPORT_TALLIES = "/api/v1/exports/tallies.{fmt}"
OFFICE_REPORT = "/api/v1/reports/office.xlsx"
STATISTICS = "/api/v1/statistics"
EXPORT_STATISTICS = "/api/v1/exports/statistics.{fmt}"

PeriodKind = Literal["year_to_date", "phase", "quarter", "month", "last_year", "plan"]


class NotCached(FieldTallyError):
    """Asked offline for something the last sync did not bring."""


NOT_CACHED = text(
    "Kỳ hoặc đơn vị này chưa có trong dữ liệu đã tải. Hãy kết nối mạng rồi thử lại.",
    "This period or unit was not in the last download. Connect to a network and try again.",
)


@dataclass(frozen=True)
class PeriodChoice:
    """One entry of the period selector."""

    kind: PeriodKind
    start: date
    end: date
    label: LocalizedText

    @property
    def key(self) -> str:
        return f"{self.start.isoformat()}_{self.end.isoformat()}"


def today_in_programme() -> date:
    return datetime.now(PROGRAMME_TZ).date()


def period_choices(plan: Plan, today: date) -> list[PeriodChoice]:
    """Year so far and the current phase first (the sync caches those), then closed periods."""
    out: list[PeriodChoice] = []

    def add(kind: PeriodKind, start: date, end: date, label: LocalizedText) -> None:
        start, end = max(start, plan.start), min(end, plan.end)
        if start <= end and all((c.start, c.end) != (start, end) for c in out):
            out.append(PeriodChoice(kind, start, end, label))

    y = today.year
    phase = plan.phase_on(today)
    for start, end in standard_periods(plan, today):  # what the sync caches, so they read offline
        if (start, end) == (max(date(y, 1, 1), plan.start), min(today, plan.end)):
            add("year_to_date", start, end, text(f"Năm {y} (đến nay)", f"{y} to date"))
        elif phase is not None and (start, end) == (phase.start, phase.end):
            span = f"{phase.start.year}–{phase.end.year}"
            add("phase", start, end, text(f"Giai đoạn {span}", f"Phase {span}"))
        else:  # no phase holds today: the whole plan, labelled below
            break
    q = (today.month - 1) // 3 + 1
    add("quarter", date(y, 3 * q - 2, 1), month_end(y, 3 * q), text(f"Quý {q}/{y}", f"Q{q} {y}"))
    add(
        "month",
        date(y, today.month, 1),
        month_end(y, today.month),
        text(f"Tháng {today.month}/{y}", f"{today:%m/%Y}"),
    )
    add("last_year", date(y - 1, 1, 1), date(y - 1, 12, 31), text(f"Năm {y - 1}", f"{y - 1}"))
    add(
        "plan",
        plan.start,
        plan.end,
        text(
            f"Cả kế hoạch {plan.start.year}–{plan.end.year}", f"Whole plan {plan.start.year}–{plan.end.year}"
        ),
    )
    return out


def worst_status(indicators: list[IndicatorProgress]) -> ProgressStatus:
    order = [ProgressStatus.BEHIND, ProgressStatus.NO_DATA, ProgressStatus.ON_TRACK, ProgressStatus.REACHED]
    present = {i.status for i in indicators}
    return next((s for s in order if s in present), ProgressStatus.NO_DATA)


class ProgressSource:
    """The tallies a progress screen may show, and the calls a supervisor makes.

    ``client`` is a factory for an authenticated ServerClient, or None when
    the app has never been enrolled; network calls run in the caller's
    worker thread (the service wraps them in ``asyncio.to_thread``).
    """

    def __init__(self, pull: PullResponse | None, client: Callable[[], ServerClient] | None) -> None:
        self.pull = pull
        self._client = client
        self._live: dict[tuple[str, str, date, date], TallyReport] = {}
        self._live_series: dict[tuple[str, str], TallySeries] = {}
        self._live_statistics: dict[tuple[str, str, date, date], StatisticsReport] = {}

    # ---- what the last sync brought ---------------------------------------------------------
    @property
    def as_of(self) -> datetime | None:
        return self.pull.server_time if self.pull else None

    @property
    def plans(self) -> list[Plan]:
        return self.pull.plans if self.pull else []

    @property
    def is_supervisor(self) -> bool:
        return bool(self.pull and self.pull.user.role in (Role.SUPERVISOR, Role.ADMIN))

    @property
    def home_unit(self) -> str | None:
        return self.pull.user.unit if self.pull else None

    def unit(self, code: str) -> Unit | None:
        return next((u for u in self.pull.units if u.code == code), None) if self.pull else None

    def has_children(self, code: str) -> bool:
        return bool(self.pull and any(u.parent == code for u in self.pull.units))

    def plan(self, plan_id: str) -> Plan | None:
        return next((p for p in self.plans if p.id == plan_id), None)

    def cached(
        self, plan_id: str, unit: str, start: date, end: date, *, so_far: bool = False
    ) -> TallyReport | None:
        """A report from this session's live answers, else from the last sync.

        ``so_far``: the period runs to today, and a report cut at the day of the last sync will do.
        """
        live = self._live.get((plan_id, unit, start, end))
        if live is not None:
            return live
        if self.pull is None:
            return None
        reports = [
            r
            for r in [*self.pull.tallies, *self.pull.subtree_tallies]
            if (r.plan_id, r.unit) == (plan_id, unit)
        ]
        exact = next((r for r in reports if (r.start, r.end) == (start, end)), None)
        if exact is not None or not so_far:
            return exact
        # "So far" periods (this year to date) were cut at the day of the sync: the latest such cut will do.
        so_far = [r for r in reports if r.start == start and start <= r.end < end]
        return max(so_far, key=lambda r: r.end, default=None)

    def cached_series(self, plan_id: str, unit: str) -> TallySeries | None:
        live = self._live_series.get((plan_id, unit))
        if live is not None:
            return live
        if self.pull is None:
            return None
        return next((s for s in self.pull.series if (s.plan_id, s.unit) == (plan_id, unit)), None)

    def cached_statistics(self, plan_id: str, unit: str, start: date, end: date) -> StatisticsReport | None:
        """The programme's other numbers, if asked of the server this session (a pull does not carry them)."""
        return self._live_statistics.get((plan_id, unit, start, end))

    # ---- live (raise SyncError subclasses with a message in both languages) -----------------
    def _require_client(self) -> ServerClient:
        if self._client is None:
            raise NotCached(NOT_CACHED)
        return self._client()

    def fetch(self, plan_id: str, unit: str, start: date, end: date) -> TallyReport:
        report = self._require_client().get_model(
            TALLIES,
            TallyReport,
            params={"plan_id": plan_id, "unit": unit, "start": start.isoformat(), "end": end.isoformat()},
        )
        self._live[(plan_id, unit, start, end)] = report
        return report

    def fetch_series(self, plan_id: str, unit: str, start: date, end: date) -> TallySeries:
        series = self._require_client().get_model(
            SERIES,
            TallySeries,
            params={
                "plan_id": plan_id,
                "unit": unit,
                "start": start.isoformat(),
                "end": end.isoformat(),
                "granularity": "month" if (end - start).days <= 3 * 366 else "quarter",
            },
        )
        self._live_series[(plan_id, unit)] = series
        return series

    def approve(self, plan_id: str, unit: str, start: date, end: date) -> Approval:
        body = ApprovalRequest(plan_id=plan_id, unit=unit, start=start, end=end)
        return self._require_client().post_model(APPROVALS, body.model_dump(mode="json"), Approval)

    def office_report(self, plan_id: str, unit: str, start: date, end: date) -> bytes:
        """The period's report as offices file it (indicators, numbers, units behind), as XLSX."""
        params = {"plan_id": plan_id, "unit": unit, "start": start.isoformat(), "end": end.isoformat()}
        return self._require_client().get_bytes(OFFICE_REPORT, params=params)

    def export(self, plan_id: str, unit: str, start: date, end: date, fmt: Literal["xlsx", "csv"]) -> bytes:
        """The report table (unit × indicator × month) as a spreadsheet file, made by the server."""
        return self._require_client().get_bytes(
            EXPORT_TALLIES.format(fmt=fmt),
            params={
                "plan_id": plan_id,
                "unit": unit,
                "start": start.isoformat(),
                "end": end.isoformat(),
                "granularity": "month" if (end - start).days <= 366 else "quarter",
            },
        )

    def fetch_statistics(self, plan_id: str, unit: str, start: date, end: date) -> StatisticsReport:
        """Sessions, person-times, materials, mediation, trainings, surveys: the unit's and each child's."""
        params = {"plan_id": plan_id, "unit": unit, "start": start.isoformat(), "end": end.isoformat()}
        report = self._require_client().get_model(STATISTICS, StatisticsReport, params=params)
        self._live_statistics[(plan_id, unit, start, end)] = report
        return report

    def export_statistics(
        self, plan_id: str, unit: str, start: date, end: date, fmt: Literal["xlsx", "csv"]
    ) -> bytes:
        """The same numbers as a table (one row per unit × figure), made by the server."""
        params = {"plan_id": plan_id, "unit": unit, "start": start.isoformat(), "end": end.isoformat()}
        return self._require_client().get_bytes(EXPORT_STATISTICS.format(fmt=fmt), params=params)
