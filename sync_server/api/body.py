"""Reading a push body: optional gzip, decompressed as it streams in, with a hard cap.

requests never compresses bodies and Starlette's GZipMiddleware only
compresses responses, so the server inflates them itself. Both the bytes on
the wire and the inflated bytes are capped at ``limit``; inflation asks zlib
for at most ``limit + 1`` bytes at a time, so a gzip bomb costs at most
``limit`` of memory before it is refused.
"""

from __future__ import annotations

import zlib
from typing import TypeVar

from fastapi import Request
from pydantic import BaseModel, ValidationError

from schemas.common import text

from ..errors import BadBody, InvalidInput, TooLarge, UnsupportedEncoding
from .errors import BAD_JSON, INVALID, issues_from_errors

M = TypeVar("M", bound=BaseModel)
_GZIP_WBITS = 16 + zlib.MAX_WBITS  # gzip header and trailer


def _too_large(limit: int) -> TooLarge:
    mib = limit / (1024 * 1024)
    return TooLarge(
        text(
            f"Dữ liệu gửi lên vượt quá {mib:.1f} MiB; hãy gửi thành nhiều đợt nhỏ hơn.",
            f"The body exceeds {mib:.1f} MiB; send smaller batches.",
        )
    )


def _bad_gzip() -> BadBody:
    return BadBody(text("Dữ liệu nén gzip bị hỏng.", "The gzip body is corrupt."))


async def read_body(request: Request, *, limit: int) -> bytes:
    """The request body, inflated if ``Content-Encoding: gzip``; TooLarge past ``limit`` bytes either way."""
    encoding = request.headers.get("content-encoding", "identity").strip().lower()
    if encoding not in ("identity", "", "gzip", "x-gzip"):
        raise UnsupportedEncoding(
            text(
                f"Không hỗ trợ mã hóa nội dung «{encoding}».",
                f"Content-Encoding “{encoding}” is not supported.",
            )
        )
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)

    inflater = zlib.decompressobj(wbits=_GZIP_WBITS) if encoding in ("gzip", "x-gzip") else None
    received = 0
    out = bytearray()
    async for chunk in request.stream():
        received += len(chunk)
        if received > limit:
            raise _too_large(limit)
        if inflater is None:
            out += chunk
            continue
        data = chunk
        while data and not inflater.eof:
            try:
                out += inflater.decompress(data, limit + 1 - len(out))
            except zlib.error as exc:
                raise _bad_gzip() from exc
            if len(out) > limit:
                raise _too_large(limit)
            data = inflater.unconsumed_tail
        if inflater.eof and (data or inflater.unused_data):
            raise _bad_gzip()  # bytes after the end of the gzip stream
    if inflater is not None and not inflater.eof:
        raise _bad_gzip()  # truncated
    return bytes(out)


def parse_body(model: type[M], body: bytes) -> M:
    """``body`` as ``model``: BadBody if not JSON, InvalidInput (with issues) if of the wrong shape."""
    if not body.strip():
        raise BadBody(text("Thiếu nội dung yêu cầu.", "The request body is empty."))
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        if any(e["type"] == "json_invalid" for e in errors):
            raise BadBody(BAD_JSON) from exc
        raise InvalidInput(INVALID, issues=issues_from_errors(errors)) from exc
