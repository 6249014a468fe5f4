"""Photos: the media table (one row per content hash, its upload's progress) and the record links.

The bytes live in files under ``media_dir``, never in the database: a row
says how much of a hash has arrived and whether it was checked. The links
(``record_media``), written at ingest, say which records reference a hash:
they decide who may upload it and who may see it.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "media",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("received", sa.Integer(), nullable=False),
        sa.Column("complete", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("sha256"),
    )
    op.create_table(
        "record_media",
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(["record_id"], ["records.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("record_id", "sha256"),
    )
    op.create_index("ix_record_media_sha256", "record_media", ["sha256"], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index("ix_record_media_sha256", table_name="record_media")
    op.drop_table("record_media")
    op.drop_table("media")
