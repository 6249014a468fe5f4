"""Alembic's environment: always handed a live connection by ``sync_server.migrate``."""

from __future__ import annotations

from typing import Any

from alembic import context

from sync_server.models import Base, UtcDateTime

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - only reached by running the alembic command directly
    raise RuntimeError("run migrations with `fieldtally-server migrate`, which passes a connection")


def _render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    """Write our column types as plain SQLAlchemy ones, so revisions never import the models."""
    if type_ == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,  # SQLite cannot ALTER most things; batch mode copies the table instead
    compare_type=True,
    render_item=_render_item,
)
with context.begin_transaction():
    context.run_migrations()
