"""An index on the month and year rollups by plan, grain and first day: a whole country's year in one range.

A report on a large subtree (the country, a province of a big tree) reads
one year's or month's rollup rows of thousands of units. The primary key
starts with the unit, so without this index PostgreSQL either probes every
unit of the subtree or reads the whole table; with it, it reads just that
period's rows. A small subtree still reads by its units' keys.

On PostgreSQL the index is built inside the migration's transaction, which
holds off pushes meanwhile (about half a minute per million rollup rows on
two cores): run the upgrade in a quiet hour.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27

"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    columns = ["plan_id", "grain", "start", "measure_id"]
    op.create_index("ix_tally_rollups_plan_period", "tally_rollups", columns)


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index("ix_tally_rollups_plan_period", table_name="tally_rollups")
