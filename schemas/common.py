"""Small building blocks used across the contract."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

# The programme's time zone: "today", a record's day and every shown time are judged here, on the
# phone and on the server alike (the server's setting may override it for a programme elsewhere).
PROGRAMME_TZ_NAME = "Asia/Ho_Chi_Minh"


class Strict(BaseModel):
    """Base for every contract model: unknown keys are an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid")


class LocalizedText(Strict):
    """A user-visible sentence in Vietnamese (the default) and English."""

    vi: str
    en: str

    def get(self, lang: str) -> str:
        return self.en if lang == "en" else self.vi


def text(vi: str, en: str) -> LocalizedText:
    return LocalizedText(vi=vi, en=en)


class Issue(Strict):
    """One problem with an input: which field, a stable code, and the sentence to show."""

    field: str | None = None
    code: str
    message: LocalizedText


class ErrorBody(Strict):
    """The body of every 4xx answer of the server.

    ``detail``: machine-readable state some answers carry so the client can go on without another
    request (a 409 from a media upload holds the server's ``MediaStatus``); absent otherwise.
    """

    code: str
    message: LocalizedText
    issues: list[Issue] = []
    detail: dict[str, Any] | None = None


def utcnow() -> datetime:
    return datetime.now(UTC)


def vn_date(d: date) -> str:
    """A date as Vietnamese forms and reports write it: dd/mm/yyyy."""
    return d.strftime("%d/%m/%Y")
