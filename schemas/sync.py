"""The wire format of enrollment, push and pull."""

from __future__ import annotations

from datetime import date
from enum import Enum
from typing import Any
from uuid import UUID

from pydantic import AwareDatetime, Field

from .common import Issue, Strict
from .forms import FormDefinition
from .media import RecordPhoto
from .plan_report import Approval, TallyReport, TallySeries
from .plans import Plan
from .records import Record, RecordStatus
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


class RecoveryKeyInfo(Strict):
    """The server's public recovery key: the phone wraps its data key for it (vault_format/recovery.py)."""

    scheme: str = "x25519-hkdf-sha256-aes256gcm"
    key_id: str
    public_key: str  # base64 of the 32-byte X25519 public key


class EnrollResponse(Strict):
    device_token: str
    user: UserInfo
    server_time: AwareDatetime
    # Added with issue 6 (defaults keep older servers' answers readable):
    device: int | None = None  # the server's number for this phone: revocation, unlock codes
    recovery_key: RecoveryKeyInfo | None = None
    unlock_key: str | None = None  # base64; checks a supervisor's unlock codes offline (schemas/unlock.py)


class DeviceInfo(Strict):
    """An enrolled phone, as supervisors and admins see it."""

    id: int
    name: str
    username: str
    unit: str
    created_at: AwareDatetime
    last_seen_at: AwareDatetime
    revoked_at: AwareDatetime | None = None
    # Only with ``GET /api/v1/devices?outbox=1`` (older phones refuse unknown fields, and never ask):
    # the phone's last report of finished records not yet sent, from its last push or pull.
    unsent_count: int | None = None
    unsent_since: AwareDatetime | None = None  # when the longest-waiting of them was finished
    unsent_reported_at: AwareDatetime | None = None  # when the phone said so


class DeviceList(Strict):
    devices: list[DeviceInfo]


class UnlockCodeRequest(Strict):
    lockout: int = Field(ge=0, le=1_000_000, description="the lockout number the phone shows")


class UnlockCode(Strict):
    device: int
    lockout: int
    code: str


class PushBatch(Strict):
    batch_id: UUID
    records: list[Record] = Field(max_length=MAX_BATCH_RECORDS)


class ReceiptStatus(str, Enum):
    STORED = "stored"  # new, or a newer revision that replaced the old
    DUPLICATE = "duplicate"  # this revision was already stored
    STALE = "stale"  # the server holds a newer revision
    REJECTED = "rejected"  # will never be accepted as it is; see issues


# A receipt carries at most this many issues; when a record has more, the last one (code
# MORE_ISSUES) says how many were left out. Each message is at most MAX_ISSUE_TEXT characters.
MAX_RECEIPT_ISSUES = 5
MAX_ISSUE_TEXT = 200
MORE_ISSUES = "more_issues"
# The answer to a push is never larger than max(MIN_PUSH_ANSWER, PUSH_ANSWER_FACTOR x the push),
# the push counted inflated (a bare receipt is a third of the smallest record, so this always fits):
# past it, rejected receipts keep their first issue only, then a short ISSUES_OMITTED one.
# Every record keeps its receipt and its status whatever the size.
MIN_PUSH_ANSWER = 16 * 1024
PUSH_ANSWER_FACTOR = 1
ISSUES_OMITTED = "issues_omitted"


class Receipt(Strict):
    """What became of one pushed record. ``issues`` (rejected only) are bounded: see MAX_RECEIPT_ISSUES."""

    id: UUID
    revision: int
    status: ReceiptStatus
    issues: list[Issue] = Field(default_factory=list)  # a factory: no deepcopy per receipt


class PushResponse(Strict):
    receipts: list[Receipt]
    server_time: AwareDatetime


class PullResponse(Strict):
    """Everything the phone caches to work and to show progress offline.

    ``tallies``: for each plan and each standard period (this year so far,
    the current phase), the report of the caller's unit with its children
    ranked. ``subtree_tallies``: the same for every unit below the caller's
    that has children of its own, so a supervisor drills down offline.
    ``series``: each plan's monthly history over the current phase for the
    caller's unit (for the chart). Fields added after the first release have
    defaults, so an older cached pull still loads.
    """

    server_time: AwareDatetime
    user: UserInfo
    forms: list[FormDefinition]
    plans: list[Plan]
    units: list[Unit]
    tallies: list[TallyReport]
    subtree_tallies: list[TallyReport] = []
    series: list[TallySeries] = []


class ApprovalRequest(Strict):
    """Approve (POST) one unit's tallies of one plan for one period."""

    plan_id: str = Field(max_length=64)
    unit: str = Field(max_length=64)
    start: date
    end: date


class ApprovalList(Strict):
    approvals: list[Approval]


class AuditEntry(Strict):
    """One admin change: who (a username, or ``cli:<os user>``), when, what."""

    id: int
    at: AwareDatetime
    actor: str
    action: str
    entity: str  # unit, plan, user, device, approval
    entity_id: str
    detail: dict[str, Any] = {}


class AuditPage(Strict):
    entries: list[AuditEntry]
    next_before_id: int | None = None  # pass as before_id for the next (older) page


class RecordRevision(Strict):
    """One stored revision of a record, as received."""

    record_id: UUID
    revision: int
    form_id: str
    form_version: int
    unit: str
    period: date
    author: str
    device: str
    status: RecordStatus
    void_reason: str | None = None
    answers: dict[str, Any]
    received_at: AwareDatetime
    photos: list[RecordPhoto] = []  # the photos its answers reference, with their addresses


class RecordHistory(Strict):
    record_id: UUID
    revisions: list[RecordRevision]
