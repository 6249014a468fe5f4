"""How a file leaves the API: its media type and an attachment header, one definition for every export."""

from __future__ import annotations

from fastapi import Response

from ..services.export_files import Format

MEDIA: dict[str, str] = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FILE_RESPONSES: dict[int | str, dict] = {
    200: {"content": {m: {} for m in MEDIA.values()}, "description": "the file"}
}


def disposition(fmt: Format, name: str) -> dict[str, str]:
    """The attachment header; ``name`` comes from the services' ``safe_name`` (no quotes, no parameters)."""
    return {"Content-Disposition": f'attachment; filename="{name}.{fmt}"'}


def download(content: bytes, fmt: Format, name: str) -> Response:
    """``content`` as a ``name.fmt`` attachment."""
    return Response(content, media_type=MEDIA[fmt], headers=disposition(fmt, name))
