"""Rollup writes: what a record adds to each plan, per (plan, unit, day, measure, shard), per month and year.

A record adds its contributions at its own unit on its own day, and to that
day's month and year, inside the ingest transaction; an edit or a void
subtracts what the record added before (``sign`` -1), so the sums are always
exactly the finalized records' contributions.

No row is shared by every phone: each sum is split into shards
(``shard_for``: the pushing device's number modulo ``SHARDS``) and a total is
the sum of its shards. Before, every phone of a unit added to the same day,
month and year rows, and on PostgreSQL concurrent pushes queued on those row
locks until each other's commit (docs/scaling.md has the figures). A reader
sums over shards anyway (it sums days, months and units already), so a sum
costs one more row per writer that was active in it, at most ``SHARDS``. An
edit or void subtracts in the shard of the device that sends it, which leaves
every shard's share signed but every total exact. A recount
(``rebuild_tallies``) writes shard 0 only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from functools import cache

from sqlalchemy import Table
from sqlalchemy.dialects import sqlite
from sqlalchemy.dialects.sqlite import Insert
from sqlalchemy.orm import Session

from schemas.forms import FormDefinition
from schemas.plan_records import record_contributions
from schemas.plans import Plan
from schemas.records import Record

from ...models import TallyRollupRow, TallyRow
from ..json_rows import pg_insert_rows

TallyKey = tuple[str, str, date, str]  # plan_id, unit_code, day, measure_id
RollupKey = tuple[str, str, str, date, str]  # plan_id, unit_code, grain, first day, measure_id
_DAY_KEYS = ("plan_id", "unit_code", "day", "measure_id", "shard")
_ROLLUP_KEYS = ("plan_id", "unit_code", "grain", "start", "measure_id", "shard")
# Enough that the phones of one commune (a handful, a few dozen in a busy district office) rarely share
# a row; few enough that a report's rows grow by a bounded factor even where many wrote.
SHARDS = 16
Contributions = dict[str, dict[str, float]]  # plan_id -> measure_id -> amount


def shard_for(device_pk: int) -> int:
    """The shard a device's pushes add to (0 for work with no enrolled device: recounts, recovery)."""
    return device_pk % SHARDS


def contributions_of(record: Record, form: FormDefinition, plans: Iterable[Plan]) -> Contributions:
    """What ``record`` adds to every plan; empty unless it is final."""
    out: Contributions = {}
    for plan in plans:
        amounts = record_contributions(record, form, plan)
        if amounts:
            out[plan.id] = amounts
    return out


def add_to(
    deltas: dict[TallyKey, float], *, unit_code: str, day: date, contributions: Mapping, sign: int
) -> None:
    """Accumulate ``sign`` × ``contributions`` at (unit, day) into ``deltas``."""
    for plan_id, amounts in contributions.items():
        for measure_id, amount in amounts.items():
            key = (plan_id, unit_code, day, measure_id)
            deltas[key] = deltas.get(key, 0.0) + sign * float(amount)


def rollup_deltas(deltas: Mapping[TallyKey, float]) -> dict[RollupKey, float]:
    """The month and year rollup changes that ``deltas`` (per day) make."""
    out: dict[RollupKey, float] = {}
    for (plan_id, unit_code, day, measure_id), v in deltas.items():
        for grain, first in (("month", day.replace(day=1)), ("year", date(day.year, 1, 1))):
            key = (plan_id, unit_code, grain, first, measure_id)
            out[key] = out.get(key, 0.0) + v
    return out


def _upsert_sums(
    session: Session, table: Table, keys: tuple[str, ...], deltas: Mapping[tuple, float], shard: int
) -> None:
    params = [dict(zip(keys, (*k, shard), strict=True), total=v) for k, v in sorted(deltas.items()) if v != 0]
    if not params:
        return
    if session.get_bind().dialect.name == "postgresql":
        # one statement from one JSON text (rows in the order given, so locked in key order), where
        # executemany sent one statement per row: most of a small push's time in the driver
        tail = f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET total = {table.name}.total + excluded.total"
        pg_insert_rows(session, table, params, tail=tail)
    else:
        session.connection().execute(_sqlite_upsert(table, keys), params)


@cache
def _sqlite_upsert(table: Table, keys: tuple[str, ...]) -> Insert:
    """``INSERT ... ON CONFLICT DO UPDATE`` adding to ``total``, built once per table."""
    stmt = sqlite.insert(table)
    return stmt.on_conflict_do_update(
        index_elements=[table.c[k] for k in keys], set_={"total": table.c.total + stmt.excluded.total}
    )


def apply_deltas(session: Session, deltas: Mapping[TallyKey, float], *, shard: int = 0) -> None:
    """Add ``deltas`` to shard ``shard`` of the daily tally rows and of their month and year rollups.

    ``INSERT ... ON CONFLICT DO UPDATE SET total = total + excluded.total`` is
    atomic per row on both databases; taking rows in sorted order (days
    first, then rollups) means two concurrent pushes that share a shard lock
    them in the same order and cannot deadlock.
    """
    _upsert_sums(session, TallyRow.__table__, _DAY_KEYS, deltas, shard)  # type: ignore[arg-type]
    rolled = rollup_deltas(deltas)
    _upsert_sums(session, TallyRollupRow.__table__, _ROLLUP_KEYS, rolled, shard)  # type: ignore[arg-type]
