"""/api/v1/media/{sha256}: a photo's upload state, its chunks, the image and its thumbnail.

HTTP only: the rules (who may upload or see a hash, offsets, the checks of a finished file) are in
``services/media.py``. A chunk's body is capped at ``MAX_CHUNK_BYTES`` by ``api/guard.py`` before
it is read.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse
from starlette.requests import ClientDisconnect

from schemas.common import ErrorBody, text, utcnow
from schemas.media import MAX_CHUNK_BYTES, MAX_MEDIA_BYTES, MEDIA_MIME, MediaStatus

from ...errors import BadBody, TooLarge
from ...services.media import media_status, photo_path, upload_chunk
from ...services.media_files import MediaFiles, media_root
from ..deps import CallerDep, DbDep, SettingsDep

router = APIRouter(prefix="/api/v1/media", tags=["media"])

Sha = Annotated[
    str, Path(pattern=r"^[0-9a-f]{64}$", description="the photo's SHA-256, 64 lowercase hex digits")
]

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "unauthorized"},
    404: {"model": ErrorBody, "description": "unknown_media (no record the caller can see references it)"},
    422: {"model": ErrorBody, "description": "invalid"},
    503: {"model": ErrorBody, "description": "unavailable: retry later"},
}
_UPLOAD_ERRORS: dict[int | str, dict[str, Any]] = {
    **_ERRORS,
    409: {"model": ErrorBody, "description": "offset_mismatch: detail holds the server's MediaStatus"},
    413: {"model": ErrorBody, "description": "too_large: over 1 MiB, or past the photo's declared size"},
    422: {
        "model": ErrorBody,
        "description": "hash_mismatch, not_jpeg, too_many_pixels, wrong_size (upload discarded), invalid",
    },
}
_JPEG: dict[int | str, dict[str, Any]] = {
    200: {"content": {MEDIA_MIME: {"schema": {"type": "string", "format": "binary"}}}, "description": "JPEG"}
}


@router.get("/{sha256}/status", response_model=MediaStatus, responses=_ERRORS)
async def status(sha256: Sha, caller: CallerDep, db: DbDep, settings: SettingsDep) -> MediaStatus:
    """How many bytes of the photo the server holds (``received``), and whether it is ``complete``."""
    files = MediaFiles(media_root(settings))
    return await run_in_threadpool(media_status, db, files, caller=caller, sha256=sha256)


@router.put(
    "/{sha256}/chunk",
    response_model=MediaStatus,
    responses=_UPLOAD_ERRORS,
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": f"The photo's bytes from ``offset``, at most {MAX_CHUNK_BYTES} of them.",
            "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
async def put_chunk(
    sha256: Sha,
    request: Request,
    caller: CallerDep,
    db: DbDep,
    settings: SettingsDep,
    offset: Annotated[int, Query(ge=0, le=MAX_MEDIA_BYTES, description="must equal the server's received")],
) -> MediaStatus:
    """Add bytes at ``offset``; only for a photo that a record pushed from this device references.

    A chunk already held is accepted again; another offset is 409 with the server's state in
    ``detail``. The last chunk runs the checks: a file that is not its hash or not a JPEG is 422 and
    discarded. A complete photo answers ``complete: true`` to any chunk.
    """
    try:
        data = await request.body()
    except ClientDisconnect:  # the link dropped mid-chunk: nothing of it counts, nobody waits for an answer
        raise BadBody(
            text(
                "Phần gửi lên bị ngắt giữa chừng; hãy gửi lại từ vị trí máy chủ đã nhận.",
                "The chunk was cut off; send again from where the server stands.",
            ),
            code="body_cut",
        ) from None
    if len(data) > MAX_CHUNK_BYTES:  # the guard already refuses these; kept for a server run without it
        raise TooLarge(text("Mỗi phần gửi lên tối đa 1 MiB.", "Each chunk is at most 1 MiB."))
    files = MediaFiles(media_root(settings))
    return await run_in_threadpool(
        upload_chunk, db, files, caller=caller, sha256=sha256, offset=offset, data=data, now=utcnow()
    )


async def _file(sha256: str, caller: Any, db: Any, settings: Any, *, thumb: bool) -> FileResponse:
    files = MediaFiles(media_root(settings))
    path = await run_in_threadpool(photo_path, db, files, caller=caller, sha256=sha256, thumb=thumb)
    return FileResponse(path, media_type=MEDIA_MIME)


@router.get("/{sha256}", response_class=FileResponse, responses={**_ERRORS, **_JPEG})
async def image(sha256: Sha, caller: CallerDep, db: DbDep, settings: SettingsDep) -> FileResponse:
    """The photo (JPEG), to a caller who can see a record that references it."""
    return await _file(sha256, caller, db, settings, thumb=False)


@router.get("/{sha256}/thumb", response_class=FileResponse, responses={**_ERRORS, **_JPEG})
async def thumb(sha256: Sha, caller: CallerDep, db: DbDep, settings: SettingsDep) -> FileResponse:
    """A thumbnail of the photo: a JPEG at most 320 pixels on its longest side, made once and kept."""
    return await _file(sha256, caller, db, settings, thumb=True)
