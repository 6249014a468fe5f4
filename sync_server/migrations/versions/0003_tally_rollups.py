"""Monthly and yearly tally rollups, filled from the daily tallies already stored.

On SQLite both tally tables keep their rows in the primary key's b-tree
(WITHOUT ROWID), so a report reads its totals from the index it searches.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# the first day of a tally's month / year, per dialect
_TRUNC = {
    "sqlite": {"month": "date(day, 'start of month')", "year": "date(day, 'start of year')"},
    "postgresql": {
        "month": "CAST(date_trunc('month', day) AS DATE)",
        "year": "CAST(date_trunc('year', day) AS DATE)",
    },
}


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "tally_rollups",
        sa.Column("plan_id", sa.String(length=64), nullable=False),
        sa.Column("unit_code", sa.String(length=64), nullable=False),
        sa.Column("grain", sa.String(length=8), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("measure_id", sa.String(length=64), nullable=False),
        sa.Column("total", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("plan_id", "unit_code", "grain", "start", "measure_id"),
        sqlite_with_rowid=False,
    )
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        with op.batch_alter_table("tallies", recreate="always", table_kwargs={"sqlite_with_rowid": False}):
            pass
    trunc = _TRUNC[dialect]
    for grain in ("month", "year"):
        op.execute(
            sa.text(
                "INSERT INTO tally_rollups (plan_id, unit_code, grain, start, measure_id, total) "
                f"SELECT plan_id, unit_code, '{grain}', {trunc[grain]}, measure_id, sum(total) FROM tallies "
                f"GROUP BY plan_id, {trunc[grain]}, unit_code, measure_id"
            )
        )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("tally_rollups")
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table("tallies", recreate="always", table_kwargs={"sqlite_with_rowid": True}):
            pass
