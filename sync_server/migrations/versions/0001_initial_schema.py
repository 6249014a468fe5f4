"""Initial schema: the tables as they were before migrations (what ``create_all`` made).

Revision ID: 0001
Revises:
Create Date: 2026-11-23

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "forms",
        sa.Column("form_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("definition", JSON, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("form_id", "version"),
    )
    op.create_table(
        "plans",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("definition", JSON, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "signin_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("signin_failures", schema=None) as batch_op:
        batch_op.create_index("ix_signin_failures_key", ["username", "client", "at"], unique=False)

    op.create_table(
        "tallies",
        sa.Column("plan_id", sa.String(length=64), nullable=False),
        sa.Column("unit_code", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("measure_id", sa.String(length=64), nullable=False),
        sa.Column("total", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("plan_id", "unit_code", "day", "measure_id"),
    )
    with op.batch_alter_table("tallies", schema=None) as batch_op:
        batch_op.create_index("ix_tallies_plan_day", ["plan_id", "day"], unique=False)

    op.create_table(
        "units",
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("parent_code", sa.String(length=64), nullable=True),
        sa.Column("path", sa.String(length=2000), nullable=False),
        sa.Column("tags", JSON, nullable=False),
        sa.Column("baselines", JSON, nullable=False),
        sa.ForeignKeyConstraint(["parent_code"], ["units.code"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("code"),
        sa.UniqueConstraint("path"),
    )
    with op.batch_alter_table("units", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_units_parent_code"), ["parent_code"], unique=False)
        batch_op.create_index(
            "ix_units_path_prefix", ["path"], unique=False, postgresql_ops={"path": "text_pattern_ops"}
        )

    op.create_table(
        "records",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("form_id", sa.String(length=64), nullable=False),
        sa.Column("form_version", sa.Integer(), nullable=False),
        sa.Column("unit_code", sa.String(length=64), nullable=False),
        sa.Column("author", sa.String(length=64), nullable=False),
        sa.Column("device", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("period", sa.Date(), nullable=False),
        sa.Column("void_reason", sa.Text(), nullable=True),
        sa.Column("answers", JSON, nullable=False),
        sa.Column("contributions", JSON, nullable=False),
        sa.ForeignKeyConstraint(["unit_code"], ["units.code"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.create_index("ix_records_unit_period", ["unit_code", "period"], unique=False)

    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("unit_code", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["unit_code"], ["units.code"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("username"),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_users_unit_code"), ["unit_code"], unique=False)

    op.create_table(
        "devices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
        sa.UniqueConstraint("user_id", "device_id", name="uq_devices_user_device"),
    )
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_devices_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_devices_user_id"))

    op.drop_table("devices")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_unit_code"))

    op.drop_table("users")
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.drop_index("ix_records_unit_period")

    op.drop_table("records")
    with op.batch_alter_table("units", schema=None) as batch_op:
        batch_op.drop_index("ix_units_path_prefix", postgresql_ops={"path": "text_pattern_ops"})
        batch_op.drop_index(batch_op.f("ix_units_parent_code"))

    op.drop_table("units")
    with op.batch_alter_table("tallies", schema=None) as batch_op:
        batch_op.drop_index("ix_tallies_plan_day")

    op.drop_table("tallies")
    with op.batch_alter_table("signin_failures", schema=None) as batch_op:
        batch_op.drop_index("ix_signin_failures_key")

    op.drop_table("signin_failures")
    op.drop_table("plans")
    op.drop_table("forms")
