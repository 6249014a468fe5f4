"""GET /api/v1/exports/tallies.{csv,xlsx} and /api/v1/exports/records.{csv,xlsx}: tables for spreadsheets."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse

from schemas.common import utcnow

from ...clock import local_today
from ...services.export_files import Format, record_file, tally_file
from ..deps import CallerDep, DbDep, SettingsDep
from ..downloads import FILE_RESPONSES, MEDIA, disposition
from ..params import TALLY_ERRORS as ERRORS
from ..params import EndQ, PeriodQ, PlanQ, StartQ, UnitQ

router = APIRouter(prefix="/api/v1/exports", tags=["exports"])


@router.get(
    "/tallies.{fmt}",
    responses={**ERRORS, **FILE_RESPONSES},
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
    pieces, name = await run_in_threadpool(
        tally_file,
        db,
        caller,
        fmt=fmt,
        plan_id=plan_id,
        unit=unit,
        start=start,
        end=end,
        period=period,
        granularity=granularity,
        today=local_today(settings, utcnow()),
        zone=settings.zone,
    )
    # a sync iterator: Starlette reads it in a worker thread, piece by piece
    return StreamingResponse(pieces, media_type=MEDIA[fmt], headers=disposition(fmt, name))


@router.get(
    "/records.{fmt}",
    responses={**ERRORS, **FILE_RESPONSES},
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
    pieces, name = await run_in_threadpool(
        record_file,
        db,
        caller,
        fmt=fmt,
        unit=unit,
        form_id=form_id,
        start=start,
        end=end,
        include_void=include_void,
        zone=settings.zone,
    )
    # a sync iterator: Starlette reads it in a worker thread, piece by piece
    return StreamingResponse(pieces, media_type=MEDIA[fmt], headers=disposition(fmt, name))
