"""Every exception schemas raises is a SchemaError (and still a ValueError)."""

from __future__ import annotations

import pytest

from schemas.errors import SchemaError
from schemas.expr import parse
from schemas.periods import parse_period
from schemas.plan_check import read_plan


@pytest.mark.parametrize(
    "bad",
    [
        lambda: parse("1 +"),
        lambda: parse_period("2024-13"),
        lambda: read_plan(b"{not json", []),
    ],
    ids=["expression", "period", "plan file"],
)
def test_schema_errors__share_one_root(bad) -> None:
    with pytest.raises(SchemaError) as caught:
        bad()
    assert isinstance(caught.value, ValueError)
