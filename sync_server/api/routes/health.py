"""GET /health: liveness, version, and which database answers."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel
from sqlalchemy import text as sql

from ... import __version__
from ..deps import DbDep

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: Literal["ok"]
    version: str
    database: Literal["sqlite", "postgresql"]


def _ping(db: DbDep) -> None:
    with db.session() as s:
        s.execute(sql("SELECT 1"))


@router.get("/health", response_model=Health)
async def health(db: DbDep) -> Health:
    """``ok`` when the database answers (else 503 ``unavailable``)."""
    await run_in_threadpool(_ping, db)
    return Health(
        status="ok", version=__version__, database="sqlite" if db.kind == "sqlite" else "postgresql"
    )
