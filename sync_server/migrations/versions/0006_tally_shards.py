"""Tally rows split into shards (one per group of writers), so concurrent pushes of a unit share no row.

Every existing row becomes shard 0 of its key: the sums are unchanged. The
shard joins the primary key, last, so a key's shards sit side by side in
the index a report reads. PostgreSQL changes the tables in place (adding a
column with a constant default rewrites nothing; the new key is one index
build); SQLite cannot change a primary key, so each table is copied into
its new shape (still WITHOUT ROWID) and renamed.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KEYS = {
    "tallies": ["plan_id", "unit_code", "day", "measure_id"],
    "tally_rollups": ["plan_id", "unit_code", "grain", "start", "measure_id"],
}


def _columns(table: str) -> list[sa.Column]:
    cols = [
        sa.Column("plan_id", sa.String(length=64), nullable=False),
        sa.Column("unit_code", sa.String(length=64), nullable=False),
    ]
    if table == "tallies":
        cols.append(sa.Column("day", sa.Date(), nullable=False))
    else:
        cols += [
            sa.Column("grain", sa.String(length=8), nullable=False),
            sa.Column("start", sa.Date(), nullable=False),
        ]
    cols.append(sa.Column("measure_id", sa.String(length=64), nullable=False))
    return cols


def _shard() -> sa.Column:
    return sa.Column("shard", sa.SmallInteger(), server_default=sa.text("0"), nullable=False)


def _sqlite_reshape(table: str, *, sharded: bool) -> None:
    """Copy ``table`` into a new one with (or without) the shard in its key, summing shards when removed."""
    keys = _KEYS[table]
    extra = [_shard()] if sharded else []
    op.create_table(
        f"{table}_new",
        *_columns(table),
        *extra,
        sa.Column("total", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint(*keys, *(["shard"] if sharded else [])),
        sqlite_with_rowid=False,
    )
    names = ", ".join(keys)
    if sharded:
        op.execute(
            sa.text(f"INSERT INTO {table}_new ({names}, shard, total) SELECT {names}, 0, total FROM {table}")
        )
    else:
        op.execute(
            sa.text(
                f"INSERT INTO {table}_new ({names}, total) "
                f"SELECT {names}, sum(total) FROM {table} GROUP BY {names}"
            )
        )
    if table == "tallies":
        op.drop_index("ix_tallies_plan_day", table_name="tallies")
    op.drop_table(table)
    op.rename_table(f"{table}_new", table)
    if table == "tallies":
        op.create_index("ix_tallies_plan_day", "tallies", ["plan_id", "day"], unique=False)


def upgrade() -> None:
    """Upgrade schema."""
    for table, keys in _KEYS.items():
        if op.get_bind().dialect.name == "sqlite":
            _sqlite_reshape(table, sharded=True)
            continue
        op.add_column(table, _shard())
        op.drop_constraint(f"{table}_pkey", table, type_="primary")
        op.create_primary_key(f"{table}_pkey", table, [*keys, "shard"])


def downgrade() -> None:
    """Downgrade schema: the shards of each key summed back into one row."""
    for table, keys in _KEYS.items():
        if op.get_bind().dialect.name == "sqlite":
            _sqlite_reshape(table, sharded=False)
            continue
        names = ", ".join(keys)
        op.execute(
            sa.text(
                f"CREATE TEMPORARY TABLE {table}_sum AS "
                f"SELECT {names}, sum(total) AS total FROM {table} GROUP BY {names}"
            )
        )
        op.execute(sa.text(f"DELETE FROM {table}"))
        op.drop_constraint(f"{table}_pkey", table, type_="primary")
        op.drop_column(table, "shard")
        op.execute(sa.text(f"INSERT INTO {table} ({names}, total) SELECT {names}, total FROM {table}_sum"))
        op.execute(sa.text(f"DROP TABLE {table}_sum"))
        op.create_primary_key(f"{table}_pkey", table, keys)
