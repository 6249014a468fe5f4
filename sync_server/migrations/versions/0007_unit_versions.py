"""A unit version: one row that a trigger on ``units`` raises on every change, for the unit-tree cache.

Workers (several processes, or machines) cache unit trees; checking this one
row tells each whether its tree is still the database's without reading the
units. A trigger, not application code, raises it, so every way of changing
units (the import, a migration, an administrator's SQL) is seen. PostgreSQL
raises it once per statement; SQLite has row triggers only.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27

"""

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BUMP = "UPDATE unit_versions SET version = version + 1 WHERE id = 1"


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "unit_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lineage", sa.String(length=32), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    # lineage: this database's own name for its history, so two databases at the same version (tests
    # make hundreds in one process) never share a cached tree
    op.execute(
        sa.text("INSERT INTO unit_versions (id, lineage, version) VALUES (1, :lineage, 1)").bindparams(
            lineage=uuid.uuid4().hex
        )
    )
    if op.get_bind().dialect.name == "sqlite":
        for event in ("INSERT", "UPDATE", "DELETE"):
            op.execute(
                sa.text(
                    f"CREATE TRIGGER units_version_{event.lower()} AFTER {event} ON units BEGIN {_BUMP}; END"
                )
            )
        return
    op.execute(
        sa.text(
            "CREATE FUNCTION units_version_bump() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN {_BUMP}; RETURN NULL; END $$"
        )
    )
    op.execute(
        sa.text(
            "CREATE TRIGGER units_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON units "
            "FOR EACH STATEMENT EXECUTE FUNCTION units_version_bump()"
        )
    )


def downgrade() -> None:
    """Downgrade schema."""
    if op.get_bind().dialect.name == "sqlite":
        for event in ("insert", "update", "delete"):
            op.execute(sa.text(f"DROP TRIGGER units_version_{event}"))
    else:
        op.execute(sa.text("DROP TRIGGER units_version ON units"))
        op.execute(sa.text("DROP FUNCTION units_version_bump()"))
    op.drop_table("unit_versions")
