"""Each device's last report of the records it has not sent (count, oldest, when reported).

Nullable: a device that never reported (an older app) has none, and says nothing about it.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("devices") as batch:
        batch.add_column(sa.Column("unsent_count", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("unsent_since", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("unsent_reported_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("devices") as batch:
        batch.drop_column("unsent_reported_at")
        batch.drop_column("unsent_since")
        batch.drop_column("unsent_count")
