"""GET /api/v1/exports/tallies.{csv,xlsx} and /api/v1/exports/records.{csv,xlsx}: tables for spreadsheets."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response
from fastapi.concurrency import run_in_threadpool

from schemas.common import utcnow

from ...config import Settings
from ...db import Database
from ...services.accounts import Caller
from ...services.catalog import get_plan
from ...services.exports import TALLY_HEADERS, record_table, tally_rows, to_csv, to_xlsx
from ...services.units import unit_in_scope
from ..deps import CallerDep, DbDep, SettingsDep, local_today
from .tallies import ERRORS, EndQ, PeriodQ, PlanQ, StartQ, UnitQ, resolve_span

router = APIRouter(prefix="/api/v1/exports", tags=["exports"])

Format = Literal["csv", "xlsx"]
_MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _file(content: bytes, fmt: Format, name: str) -> Response:
    return Response(
        content,
        media_type=_MEDIA[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'},
    )


def _tally_file(
    db: Database,
    settings: Settings,
    caller: Caller,
    *,
    fmt: Format,
    plan_id: str,
    unit: str | None,
    start: date | None,
    end: date | None,
    period: str | None,
    granularity: Literal["month", "quarter", "year"] | None,
) -> Response:
    today = local_today(settings, utcnow())
    with db.session() as s:
        plan = get_plan(s, plan_id=plan_id)
        root = unit_in_scope(
            s, code=unit or caller.unit_code, scope_path=caller.unit_path, scope_code=caller.unit_code
        )
        start, end = resolve_span(plan, start=start, end=end, period=period, today=today)
        rows = tally_rows(s, plan=plan, root=root, start=start, end=end, granularity=granularity)
    name = f"chi-tieu_{plan.id}_{root.code}_{start:%Y%m%d}-{end:%Y%m%d}"
    if fmt == "csv":
        return _file(to_csv(TALLY_HEADERS, rows, zone=settings.zone), fmt, name)
    return _file(to_xlsx(TALLY_HEADERS, rows, zone=settings.zone, sheet="Chỉ tiêu"), fmt, name)


@router.get(
    "/tallies.{fmt}",
    responses={**ERRORS, 200: {"content": {m: {} for m in _MEDIA.values()}, "description": "the table"}},
    response_class=Response,
)
async def export_tallies(
    fmt: Format,
    caller: CallerDep,
    db: DbDep,
    settings: SettingsDep,
    plan_id: PlanQ,
    unit: UnitQ = None,
    start: StartQ = None,
    end: EndQ = None,
    period: PeriodQ = None,
    granularity: Annotated[
        Literal["month", "quarter", "year"] | None,
        Query(description="one row set per month/quarter/year of the period; default: the period as one"),
    ] = None,
) -> Response:
    """The report table: every unit of the subtree × indicator (and segment) × period, Vietnamese headers."""
    return await run_in_threadpool(
        _tally_file,
        db,
        settings,
        caller,
        fmt=fmt,
        plan_id=plan_id,
        unit=unit,
        start=start,
        end=end,
        period=period,
        granularity=granularity,
    )


def _record_file(
    db: Database,
    settings: Settings,
    caller: Caller,
    *,
    fmt: Format,
    unit: str | None,
    form_id: str | None,
    start: date | None,
    end: date | None,
    include_void: bool,
) -> Response:
    with db.session() as s:
        root = unit_in_scope(
            s, code=unit or caller.unit_code, scope_path=caller.unit_path, scope_code=caller.unit_code
        )
        headers, rows = record_table(
            s, root=root, form_id=form_id, start=start, end=end, include_void=include_void
        )
    name = f"phieu_{form_id or 'tat-ca'}_{root.code}"
    if fmt == "csv":
        return _file(to_csv(headers, rows, zone=settings.zone), fmt, name)
    return _file(to_xlsx(headers, rows, zone=settings.zone, sheet="Phiếu"), fmt, name)


@router.get(
    "/records.{fmt}",
    responses={**ERRORS, 200: {"content": {m: {} for m in _MEDIA.values()}, "description": "the table"}},
    response_class=Response,
)
async def export_records(
    fmt: Format,
    caller: CallerDep,
    db: DbDep,
    settings: SettingsDep,
    unit: UnitQ = None,
    form_id: Annotated[
        str | None, Query(max_length=64, description="one form: its answers get a column each")
    ] = None,
    start: Annotated[date | None, Query(description="records counting on or after this day")] = None,
    end: Annotated[date | None, Query(description="records counting on or before this day")] = None,
    include_void: bool = True,
) -> Response:
    """Raw records (latest revision) of the caller's subtree, or of a unit inside it."""
    return await run_in_threadpool(
        _record_file,
        db,
        settings,
        caller,
        fmt=fmt,
        unit=unit,
        form_id=form_id,
        start=start,
        end=end,
        include_void=include_void,
    )
