"""Photos as records carry them: a reference by content hash, never the bytes.

A photo question's answer is a list of ``MediaRef``: the SHA-256 of the shrunk JPEG, its size, its
display name. The bytes travel apart, after the records, in chunks (``CHUNK_BYTES`` a request) to
``/api/v1/media/{sha256}``: a record stays small on a 2G link, and the hash makes an upload
idempotent and resumable (the server answers how much of that hash it holds, ``MediaStatus``).

Everything here is checked the same on the phone and the server (``schemas.form_validation`` calls
``ref_issue``), so a name with a path in it, a size of a terabyte or a hash that is not hex is
refused with a sentence, before any byte is stored. What the limits protect: ``MAX_MEDIA_BYTES``
bounds one file on the server's disk; ``MAX_PHOTOS`` bounds a question that sets no ``max`` of its
own, so one record cannot reference gigabytes.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any, Literal

from pydantic import ConfigDict, Field, ValidationError, field_validator

from .common import LocalizedText, Strict, text
from .form_state import derive_answers
from .forms import FieldType, FormDefinition

MEDIA_MIME = "image/jpeg"  # phones always send the shrunk JPEG
MAX_MEDIA_BYTES = 4 * 1024 * 1024
CHUNK_BYTES = 256 * 1024  # what the phone sends per request
MAX_CHUNK_BYTES = 1024 * 1024  # what the server accepts per request
MAX_PHOTO_SIDE = 1600  # the phone shrinks the longest side to this
MAX_IMAGE_SIDE = 10_000  # the largest width or height a stored image may declare or have
MAX_PHOTOS = 10  # photos one question may hold when its definition sets no max
MAX_NAME = 120

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def is_sha256(value: str) -> bool:
    """True for 64 lowercase hex digits: the only form a media hash takes, in a URL or a record."""
    return bool(_SHA256.match(value))


class MediaRef(Strict):
    """One photo as a record's answer holds it (strict: a size of "12" or true is not a number)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    sha256: str
    size: int = Field(ge=1, le=MAX_MEDIA_BYTES)
    mime: Literal["image/jpeg"]
    name: str = Field(min_length=1, max_length=MAX_NAME)
    width: int | None = Field(default=None, ge=1, le=MAX_IMAGE_SIDE)
    height: int | None = Field(default=None, ge=1, le=MAX_IMAGE_SIDE)

    @field_validator("sha256")
    @classmethod
    def _hex(cls, v: str) -> str:
        if not is_sha256(v):
            raise ValueError("sha256 must be 64 lowercase hexadecimal digits")
        return v

    @field_validator("name")
    @classmethod
    def _plain_name(cls, v: str) -> str:
        if not name_is_plain(v):
            raise ValueError("a photo's name has no path separators, control characters or leading dots")
        return v


def name_is_plain(name: str) -> bool:
    """A file name safe to show and to write in an export: no folder, no control character, not hidden."""
    if not name or "/" in name or "\\" in name or name.startswith(".") or name.strip() != name:
        return False
    return not any(unicodedata.category(ch)[0] == "C" for ch in name)


class MediaStatus(Strict):
    """How much of one photo the server holds: the phone resumes from ``received``."""

    sha256: str
    size: int
    received: int
    complete: bool


def export_name(ref: MediaRef) -> str:
    """The photo's name in exports: its own name plus a short hash (``anh-1-3fa2b0c1.jpg``), unique enough."""
    stem, dot, ext = ref.name.rpartition(".")
    if not dot or not stem:
        stem, ext = ref.name, "jpg"
    return f"{stem}-{ref.sha256[:8]}.{ext}"


def parse_refs(value: Any) -> list[MediaRef]:
    """The well-formed photo references in one answer (anything else in it is skipped)."""
    if not isinstance(value, list):
        return []
    refs = []
    for entry in value:
        try:
            refs.append(MediaRef.model_validate(entry))
        except ValidationError:
            continue
    return refs


def placed_refs(form: FormDefinition, answers: dict[str, Any]) -> list[tuple[str, MediaRef]]:
    """Each well-formed photo of ``answers`` as given, and where it is (``photos``, ``materials[2].shot``)."""
    out: list[tuple[str, MediaRef]] = []
    for f in form.fields:
        value = answers.get(f.name)
        if f.type == FieldType.IMAGE:
            out += [(f.name, ref) for ref in parse_refs(value)]
        elif f.type == FieldType.REPEAT and isinstance(value, list):
            photo_fields = [c.name for c in f.fields if c.type == FieldType.IMAGE]
            for number, entry in enumerate(value, start=1):
                if isinstance(entry, dict):
                    for name in photo_fields:
                        out += [(f"{f.name}[{number}].{name}", ref) for ref in parse_refs(entry.get(name))]
    return out


def media_refs(form: FormDefinition, answers: dict[str, Any]) -> list[MediaRef]:
    """Every photo a record's answers reference (image questions, also inside repeats), once per hash.

    Only answers the record keeps count: a hidden question's photos are dropped as
    ``derive_answers`` drops the answer, so the phone never uploads what no stored record
    references (the server would refuse it).
    """
    seen: dict[str, MediaRef] = {}
    for _where, ref in placed_refs(form, derive_answers(form, answers)):
        seen.setdefault(ref.sha256, ref)
    return list(seen.values())


class RecordPhoto(Strict):
    """One photo of a stored record as a supervisor's record view lists it: where, what, and its links."""

    field: str  # the question, or the repeat entry's question: ``materials[2].shot``
    name: str
    sha256: str
    size: int
    url: str  # the JPEG: GET with the caller's bearer token
    thumb_url: str  # a JPEG at most THUMB_SIDE pixels on its longest side


THUMB_SIDE = 320
MEDIA_PATH = "/api/v1/media"


def record_photos(form: FormDefinition, answers: dict[str, Any]) -> list[RecordPhoto]:
    """The photos of a stored record's answers, each with the addresses of its image and thumbnail."""
    return [
        RecordPhoto(
            field=where,
            name=ref.name,
            sha256=ref.sha256,
            size=ref.size,
            url=f"{MEDIA_PATH}/{ref.sha256}",
            thumb_url=f"{MEDIA_PATH}/{ref.sha256}/thumb",
        )
        for where, ref in placed_refs(form, answers)
    ]


def has_photos(form: FormDefinition) -> bool:
    """True when the form has an image question (at its top or in a repeat)."""
    return any(
        f.type == FieldType.IMAGE or any(c.type == FieldType.IMAGE for c in f.fields) for f in form.fields
    )


# ---- the validator's words for a bad reference ---------------------------------------------------------

_REF_PROBLEMS: dict[str, tuple[str, str]] = {
    "sha256": (
        "mã băm SHA-256 phải gồm 64 chữ số hex viết thường",
        "the SHA-256 must be 64 lowercase hex digits",
    ),
    "size": (
        f"dung lượng phải từ 1 byte đến {MAX_MEDIA_BYTES // (1024 * 1024)} MB",
        f"the size must be from 1 byte to {MAX_MEDIA_BYTES // (1024 * 1024)} MB",
    ),
    "mime": ("chỉ nhận ảnh JPEG (image/jpeg)", "only JPEG images (image/jpeg) are accepted"),
    "name": (
        f"tên ảnh phải dài 1–{MAX_NAME} ký tự, không có dấu / hoặc \\, ký tự điều khiển hay dấu chấm ở đầu",
        f"the name must be 1–{MAX_NAME} characters, with no / or \\, control characters or leading dot",
    ),
    "width": (
        f"chiều rộng phải từ 1 đến {MAX_IMAGE_SIDE} điểm ảnh",
        f"the width must be from 1 to {MAX_IMAGE_SIDE} pixels",
    ),
    "height": (
        f"chiều cao phải từ 1 đến {MAX_IMAGE_SIDE} điểm ảnh",
        f"the height must be from 1 to {MAX_IMAGE_SIDE} pixels",
    ),
}


def ref_problem(entry: Any) -> LocalizedText | None:
    """What is wrong with one photo entry of an answer, as a phrase in both languages; None if it is good."""
    if not isinstance(entry, dict):
        return text("không phải là một ảnh đính kèm", "not an attached photo")
    try:
        MediaRef.model_validate(entry)
    except ValidationError as exc:
        first = exc.errors()[0]
        key = str(first["loc"][0]) if first["loc"] else ""
        if first["type"] == "extra_forbidden":
            shown = "".join(ch for ch in key[:40] if unicodedata.category(ch)[0] != "C")
            return text(f"có trường lạ «{shown}»", f"has an unknown key “{shown}”")
        if first["type"] == "missing":
            return text(f"thiếu «{key}»", f"“{key}” is missing")
        vi, en = _REF_PROBLEMS.get(key, ("không hợp lệ", "is not valid"))
        return text(vi, en)
    return None
