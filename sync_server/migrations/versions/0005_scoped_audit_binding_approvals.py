"""The unit an audit entry concerns, and the level an approval was given at.

``audit_log.unit_code`` lets an admin read only the entries of their own
subtree; it is filled for existing entries where the entry names a unit, a
user, a device or an approval. ``approvals.approver_path`` is the approver's
unit path, filled from the approver's current unit.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("unit_code", sa.String(length=64), nullable=True))
        batch_op.create_index("ix_audit_log_unit", ["unit_code"], unique=False)
    with op.batch_alter_table("approvals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("approver_path", sa.String(length=2000), nullable=True))

    audit = sa.table("audit_log", sa.column("unit_code"), sa.column("entity"), sa.column("entity_id"))
    units = sa.table("units", sa.column("code"), sa.column("path"))
    users = sa.table("users", sa.column("id"), sa.column("username"), sa.column("unit_code"))
    devices = sa.table("devices", sa.column("id"), sa.column("user_id"))
    approvals = sa.table("approvals", sa.column("approved_by"), sa.column("approver_path"))
    op.execute(
        audit.update()
        .where(audit.c.entity == "unit")
        .values(unit_code=sa.select(units.c.code).where(units.c.code == audit.c.entity_id).scalar_subquery())
    )
    op.execute(
        audit.update()
        .where(audit.c.entity == "user")
        .values(
            unit_code=sa.select(users.c.unit_code)
            .where(users.c.username == audit.c.entity_id)
            .scalar_subquery()
        )
    )
    op.execute(
        audit.update()
        .where(audit.c.entity == "device")
        .values(
            unit_code=sa.select(users.c.unit_code)
            .join(devices, devices.c.user_id == users.c.id)
            .where(sa.cast(devices.c.id, sa.String) == audit.c.entity_id)
            .scalar_subquery()
        )
    )
    # approvals: entity_id is "plan/unit/start/end" (no code holds a "/")
    audit_ids = sa.table("audit_log", sa.column("id"), sa.column("entity"), sa.column("entity_id"))
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(audit_ids.c.id, audit_ids.c.entity_id).where(audit_ids.c.entity == "approval")
    ).all()
    for row_id, entity_id in rows:
        parts = entity_id.split("/")
        if len(parts) == 4:
            bind.execute(
                sa.table("audit_log", sa.column("id"), sa.column("unit_code"))
                .update()
                .where(sa.column("id") == row_id)
                .values(unit_code=parts[1])
            )
    op.execute(
        approvals.update().values(
            approver_path=sa.select(units.c.path)
            .join(users, users.c.unit_code == units.c.code)
            .where(users.c.username == approvals.c.approved_by)
            .scalar_subquery()
        )
    )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("approvals", schema=None) as batch_op:
        batch_op.drop_column("approver_path")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_log_unit")
        batch_op.drop_column("unit_code")
