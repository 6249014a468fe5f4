"""The wire format of enrollment, push and pull."""

from __future__ import annotations

from datetime import date
from enum import Enum
from uuid import UUID

from pydantic import AwareDatetime, Field

from .common import Issue, Strict
from .forms import FormDefinition
from .plans import Plan, TallyReport
from .records import Record
from .units import Unit

MAX_BATCH_RECORDS = 500
MAX_BODY_BYTES = 4 * 1024 * 1024  # decompressed; the server answers 413 past it


class Role(str, Enum):
    OFFICER = "officer"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


class EnrollRequest(Strict):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)
    device_id: str = Field(min_length=1, max_length=64)
    device_name: str = Field(default="", max_length=128)


class UserInfo(Strict):
    username: str
    full_name: str
    role: Role
    unit: str
    unit_name: str


class EnrollResponse(Strict):
    device_token: str
    user: UserInfo
    server_time: AwareDatetime


class PushBatch(Strict):
    batch_id: UUID
    records: list[Record] = Field(max_length=MAX_BATCH_RECORDS)


class ReceiptStatus(str, Enum):
    STORED = "stored"  # new, or a newer revision that replaced the old
    DUPLICATE = "duplicate"  # this revision was already stored
    STALE = "stale"  # the server holds a newer revision
    REJECTED = "rejected"  # will never be accepted as it is; see issues


class Receipt(Strict):
    id: UUID
    revision: int
    status: ReceiptStatus
    issues: list[Issue] = []


class PushResponse(Strict):
    receipts: list[Receipt]
    server_time: AwareDatetime


class PullResponse(Strict):
    server_time: AwareDatetime
    user: UserInfo
    forms: list[FormDefinition]
    plans: list[Plan]
    units: list[Unit]
    tallies: list[TallyReport]


class TallyQuery(Strict):
    plan_id: str
    unit: str
    start: date
    end: date

