"""The tables, as typed SQLAlchemy 2 ORM classes.

The same models run on SQLite and PostgreSQL: UUIDs use ``Uuid`` (native on
PostgreSQL), JSON becomes JSONB on PostgreSQL, and datetimes are stored in UTC
and always come back timezone-aware.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

Json = JSON().with_variant(JSONB(), "postgresql")


class UtcDateTime(TypeDecorator[datetime]):
    """An aware datetime in, an aware UTC datetime out; SQLite keeps it as naive UTC text."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UtcDateTime, dict[str, Any]: Json, list[str]: Json}


class UnitRow(Base):
    """A unit of the tree; ``path`` ("HN/HN-SS/HN-SS-MT") selects a subtree with one prefix query."""

    __tablename__ = "units"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(32))
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("units.code", ondelete="RESTRICT"), index=True)
    path: Mapped[str] = mapped_column(String(2000), unique=True)
    tags: Mapped[list[str]] = mapped_column(default=list)
    # {"2025": {"population": 1200, ...}, ...}; JSON keys are text
    baselines: Mapped[dict[str, Any]] = mapped_column(default=dict)

    __table_args__ = (Index("ix_units_path_prefix", "path", postgresql_ops={"path": "text_pattern_ops"}),)


class UserRow(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    full_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code", ondelete="RESTRICT"), index=True)
    created_at: Mapped[datetime]
    disabled_at: Mapped[datetime | None]


class DeviceRow(Base):
    """An enrolled phone of one user; only the SHA-256 of its token is kept."""

    __tablename__ = "devices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    device_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(128), default="")
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    # The phone's last report of records it has not sent (schemas.outbox), from a push or pull.
    unsent_count: Mapped[int | None]
    unsent_since: Mapped[datetime | None]
    unsent_reported_at: Mapped[datetime | None]

    __table_args__ = (UniqueConstraint("user_id", "device_id", name="uq_devices_user_device"),)


class SigninFailureRow(Base):
    """One failed (or in-flight) sign-in; the limiter counts these, so every worker sees the same."""

    __tablename__ = "signin_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    client: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]

    __table_args__ = (Index("ix_signin_failures_key", "username", "client", "at"),)


class FormRow(Base):
    __tablename__ = "forms"

    form_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    definition: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime]


class PlanRow(Base):
    __tablename__ = "plans"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    definition: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime]


class RecordRow(Base):
    """The highest revision of each record, and what it added to the tallies.

    ``contributions`` is ``{plan_id: {measure_id: amount}}`` as counted at
    (``unit_code``, ``period``): a later revision or a void takes back exactly that.
    """

    __tablename__ = "records"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    revision: Mapped[int] = mapped_column(Integer)
    form_id: Mapped[str] = mapped_column(String(64))
    form_version: Mapped[int] = mapped_column(Integer)
    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code", ondelete="RESTRICT"))
    author: Mapped[str] = mapped_column(String(64))
    device: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    received_at: Mapped[datetime]
    period: Mapped[date] = mapped_column(Date)
    void_reason: Mapped[str | None] = mapped_column(Text)
    answers: Mapped[dict[str, Any]]
    contributions: Mapped[dict[str, Any]] = mapped_column(default=dict)

    __table_args__ = (Index("ix_records_unit_period", "unit_code", "period"),)


class UnitVersionRow(Base):
    """One row: a number every change to ``units`` raises (a database trigger, so no writer can forget).

    A worker reuses a unit tree it built while this number is the one the
    tree was built at: one primary-key read instead of reading every unit of
    the subtree, and right across processes and machines.
    """

    __tablename__ = "unit_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)  # always 1
    lineage: Mapped[str] = mapped_column(String(32))  # random, made with the row: which database this is
    version: Mapped[int] = mapped_column(BigInteger)


class TallyRow(Base):
    """Sum of one plan measure's contributions at one unit (not its subtree) on one day."""

    __tablename__ = "tallies"

    plan_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    unit_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    measure_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    # which writer's share of the sum (``rollups.shard_for``): the total is the sum over shards, so
    # phones of one unit pushing at once add to different rows instead of queueing on one
    shard: Mapped[int] = mapped_column(SmallInteger, primary_key=True, server_default=text("0"))
    total: Mapped[float] = mapped_column(Float)

    # on SQLite the rows live in the primary key's b-tree (WITHOUT ROWID): reading a subtree's days
    # reads no second structure for ``total``
    __table_args__ = (Index("ix_tallies_plan_day", "plan_id", "day"), {"sqlite_with_rowid": False})


class TallyRollupRow(Base):
    """``TallyRow`` summed over a whole month or year (``grain``), kept in the same transaction.

    A report over a long period reads whole years and months from here and
    only its partial-month edges from ``tallies``, so a province's year is
    about one row per unit and measure instead of one per unit, day and measure.
    """

    __tablename__ = "tally_rollups"

    plan_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    unit_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    grain: Mapped[str] = mapped_column(String(8), primary_key=True)  # "month" | "year"
    start: Mapped[date] = mapped_column(Date, primary_key=True)  # the month's or year's first day
    measure_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    # as TallyRow's
    shard: Mapped[int] = mapped_column(SmallInteger, primary_key=True, server_default=text("0"))
    total: Mapped[float] = mapped_column(Float)

    # one period's rows of every unit in one range (a country's year), where the key starts with the unit
    __table_args__ = (
        Index("ix_tally_rollups_plan_period", "plan_id", "grain", "start", "measure_id"),
        {"sqlite_with_rowid": False},
    )


class RecordRevisionRow(Base):
    """Every stored revision of every record, as received: the audit trail of field data.

    ``prev_unit_code`` / ``prev_period`` say where the revision it replaced
    counted, so an edit that moves a record out of an approved period is
    still seen by that period's approval.
    """

    __tablename__ = "record_revisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    revision: Mapped[int] = mapped_column(Integer)
    form_id: Mapped[str] = mapped_column(String(64))
    form_version: Mapped[int] = mapped_column(Integer)
    unit_code: Mapped[str] = mapped_column(String(64))
    period: Mapped[date] = mapped_column(Date)
    prev_unit_code: Mapped[str | None] = mapped_column(String(64))
    prev_period: Mapped[date | None] = mapped_column(Date)
    author: Mapped[str] = mapped_column(String(64))
    device: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(8))
    void_reason: Mapped[str | None] = mapped_column(Text)
    answers: Mapped[dict[str, Any]]
    received_at: Mapped[datetime]

    __table_args__ = (
        UniqueConstraint("record_id", "revision", name="uq_record_revisions_id_revision"),
        Index("ix_record_revisions_received", "received_at"),
    )


class AuditRow(Base):
    """One admin change (units, baselines, plans, users, devices, approvals): who, when, what.

    ``unit_code`` is the unit the change concerns (a user's or device owner's
    unit, an approved unit); an admin reads only the entries of their subtree.
    None for system-wide changes (forms, plans), which only the command line shows.
    """

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str] = mapped_column(String(200))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    unit_code: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (
        Index("ix_audit_log_entity", "entity", "entity_id"),
        Index("ix_audit_log_at", "at"),
        Index("ix_audit_log_unit", "unit_code"),
    )


class ApprovalRow(Base):
    """A supervisor's approval of one unit's tallies of one plan over one period.

    ``approver_path`` is the approver's unit path when they approved: an approval
    binds everyone below that level (``services/approvals.py``).
    """

    __tablename__ = "approvals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[str] = mapped_column(String(64))
    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code", ondelete="CASCADE"))
    start: Mapped[date] = mapped_column(Date)
    end: Mapped[date] = mapped_column(Date)
    approved_by: Mapped[str] = mapped_column(String(64))
    approved_at: Mapped[datetime]
    approver_path: Mapped[str | None] = mapped_column(String(2000))

    __table_args__ = (UniqueConstraint("plan_id", "unit_code", "start", "end", name="uq_approvals_scope"),)


class MediaRow(Base):
    """One photo's bytes as the server holds them: on disk under ``media_dir``, named by hash, never here.

    ``received`` counts the bytes of the upload so far (the phone resumes from it); ``complete`` is
    set once the whole file matched its hash and opened as a JPEG.
    """

    __tablename__ = "media"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    received: Mapped[int] = mapped_column(Integer, default=0)
    complete: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]


class RecordMediaRow(Base):
    """A record referencing a photo, written at ingest: who may upload it and who may see it.

    Kept for every revision that referenced the photo (a later edit that drops it does not hide it
    from the record's history). ``size`` and ``name`` are as the record's answer declared them.
    """

    __tablename__ = "record_media"

    record_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("records.id", ondelete="CASCADE"), primary_key=True
    )
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(120))

    __table_args__ = (Index("ix_record_media_sha256", "sha256"),)
