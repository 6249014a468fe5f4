"""The record envelope: one survey, session, case or training as it travels."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any
from uuid import UUID

from pydantic import AwareDatetime, Field, field_validator

from .common import Issue, Strict, text
from .form_state import FormState, derive_answers
from .form_validation import validate_answers
from .forms import FormDefinition


class RecordStatus(str, Enum):
    DRAFT = "draft"
    FINAL = "final"
    VOID = "void"


class Record(Strict):
    """What the phone stores and pushes.

    ``id`` is made on the phone; ``revision`` is bumped by the phone on every
    change. The server keeps the highest revision of each id, so sending the
    same revision twice is harmless.
    """

    id: UUID
    form_id: str = Field(min_length=1, max_length=64)
    form_version: int = Field(ge=1)
    unit: str = Field(min_length=1, max_length=64)
    author: str = Field(min_length=1, max_length=64)
    device: str = Field(min_length=1, max_length=64)
    created_at: AwareDatetime
    updated_at: AwareDatetime
    revision: int = Field(ge=1, le=1_000_000)
    status: RecordStatus
    void_reason: str | None = Field(default=None, max_length=500)
    answers: dict[str, Any]

    @field_validator("created_at", "updated_at", mode="before")
    @classmethod
    def _timestamp_text(cls, v: Any) -> Any:
        """An ISO 8601 time with its offset: a bare number would be read as seconds since 1970."""
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            raise ValueError(
                "a time in ISO 8601 with its UTC offset is needed, e.g. 2026-03-15T08:30:00+07:00"
            )
        return v

    @field_validator("answers")
    @classmethod
    def _answers_size(cls, v: dict[str, Any]) -> dict[str, Any]:
        if len(v) > 500:
            raise ValueError("too many answers")
        return v

    @property
    def counts(self) -> bool:
        """Only finalized records count toward tallies; drafts never leave the phone."""
        return self.status == RecordStatus.FINAL


def check_record(
    record: Record, form: FormDefinition | None, *, today: Any = None, state: FormState | None = None
) -> list[Issue]:
    """Every problem that stops ``record`` from being accepted, in both languages.

    ``state``: ``form_state(form, record.answers)`` if the caller has it (the server reuses it).
    """
    if form is None:
        return [
            Issue(
                field="form_id",
                code="unknown_form",
                message=text(
                    f"Không có biểu mẫu {record.form_id} phiên bản {record.form_version}.",
                    f"There is no form {record.form_id} version {record.form_version}.",
                ),
            )
        ]
    if record.status == RecordStatus.VOID:
        if not (record.void_reason or "").strip():
            return [
                Issue(
                    field="void_reason",
                    code="void_reason_required",
                    message=text("Cần ghi lý do hủy phiếu.", "A reason is needed to void a record."),
                )
            ]
        return validate_answers(form, record.answers, final=False, today=today, state=state)
    final = record.status == RecordStatus.FINAL
    return validate_answers(form, record.answers, final=final, today=today, state=state)


def finalize_answers(record: Record, form: FormDefinition, *, state: FormState | None = None) -> Record:
    """The record with its calculated answers recomputed from the others."""
    return record.model_copy(update={"answers": derive_answers(form, record.answers, state=state)})


def new_timestamp() -> datetime:
    from .common import utcnow

    return utcnow()
