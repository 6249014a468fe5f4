"""The wire format of a supervisor's list of records: one page, newest first, with a cursor to the next.

A supervisor reviews the records behind the figures: each line says what the record is (form,
title, a short summary), where and by whom (unit, author), for which day, its status and how many
photos it holds. The record itself (answers, repeat rows, photos' addresses) is read from its
history (``GET /api/v1/records/{id}/history``).
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from pydantic import AwareDatetime

from .common import LocalizedText, Strict
from .records import RecordStatus

MAX_PAGE = 100  # records in one page
DEFAULT_PAGE = 30


class RecordSummary(Strict):
    """One record as a line of the list."""

    id: UUID
    form_id: str
    form_version: int
    title: LocalizedText  # the form's title
    unit: str
    unit_name: str
    author: str  # the username
    author_name: str  # the author's full name ("" when the user is gone)
    day: date  # the date the record counts for
    status: RecordStatus
    photos: int  # the photos its answers hold (also inside repeat entries)
    summary: LocalizedText  # its first few answers, as labels
    received_at: AwareDatetime


class RecordPage(Strict):
    unit: str
    start: date
    end: date
    records: list[RecordSummary]
    next_cursor: str | None = None  # pass as ``cursor`` for the next (older) page; None: the last page
