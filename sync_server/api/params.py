"""Query parameters and error documentation shared by the tally, series and export routes.

One definition, so ``period=2024-Q3`` is described, limited and validated
the same way wherever a plan's figures are asked for.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Query

from schemas.common import ErrorBody

TALLY_ERRORS: dict[int | str, dict] = {
    401: {"model": ErrorBody, "description": "unauthorized"},
    403: {"model": ErrorBody, "description": "forbidden: unit outside your subtree"},
    404: {"model": ErrorBody, "description": "unknown_plan or unknown_unit"},
    422: {"model": ErrorBody, "description": "invalid: bad dates, period or indicator"},
}
PlanQ = Annotated[str, Query(max_length=64, description="a plan id, e.g. hanoi_pbgdpl_2021_2027")]
UnitQ = Annotated[str | None, Query(max_length=64, description="default: your own unit")]
StartQ = Annotated[date | None, Query(description="yyyy-mm-dd; with end, overrides period")]
EndQ = Annotated[date | None, Query(description="yyyy-mm-dd, inclusive")]
PeriodQ = Annotated[
    str | None,
    Query(
        max_length=40, description="2024 | 2024-Q1 | 2024-03 | phase:<id> | plan; default: the current phase"
    ),
]
