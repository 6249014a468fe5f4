"""Every request's body cap, and the headers every answer carries: one ASGI layer in front of the app.

The body is capped for **every** route before any handler reads it: a
``Content-Length`` over the cap is answered 413 at once, and a body sent
without one (chunked) is counted as it arrives and cut off at the cap, so
three 300 MiB posts to ``/enroll`` cost nothing. ``/sync/push`` (the only
route with big bodies, read and inflated by ``api/body.py``) gets
``max_body_bytes``; a photo's chunk (``PUT /api/v1/media/{sha256}/chunk``)
gets ``MAX_CHUNK_BYTES`` (1 MiB); every other route gets ``SMALL_BODY_BYTES``.

Security headers: no MIME sniffing, no framing, no referrer, no caching of
field data, a CSP that allows nothing (the API serves JSON and files; the
interactive docs, off in production, keep the CSP their page needs; the
app's web build at ``/app/`` keeps only ``frame-ancestors``), and HSTS in
production (TLS ends at the proxy, see docs/operations.md).
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import HTTPException

from schemas.common import ErrorBody, text
from schemas.media import MAX_CHUNK_BYTES

from ..config import Settings

SMALL_BODY_BYTES = 64 * 1024
BIG_BODY_PATHS = ("/api/v1/sync/push",)
MEDIA_PREFIX, CHUNK_SUFFIX = "/api/v1/media/", "/chunk"
DOCS_PATHS = ("/docs", "/redoc", "/openapi.json")
# The app's web build (sync_server/web_app.py): Flutter loads its own scripts, WebAssembly and fonts
# from this origin, so it keeps only the framing rule, and its static files may be cached.
APP_PREFIX = "/app/"

Scope = dict[str, Any]


class _BodyTooLarge(HTTPException):
    """Raised from ``receive`` when the body passes the cap.

    An HTTPException, because FastAPI turns any other error while reading a
    body into a 400; this one reaches ``api/errors.py`` and is answered 413.
    """

    def __init__(self) -> None:
        super().__init__(status_code=413)


def _too_large_body(limit: int) -> bytes:
    kib = limit // 1024
    body = ErrorBody(
        code="too_large",
        message=text(
            f"Dữ liệu gửi lên vượt quá {kib} KiB cho địa chỉ này.",
            f"The body exceeds {kib} KiB for this address.",
        ),
    )
    return json.dumps(body.model_dump(mode="json", exclude={"detail"}), ensure_ascii=False).encode("utf-8")


def _security_headers(path: str, production: bool) -> list[tuple[bytes, bytes]]:
    out = [
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),
        (b"referrer-policy", b"no-referrer"),
        (b"cross-origin-resource-policy", b"same-origin"),
    ]
    if path == "/app" or path.startswith(APP_PREFIX):
        out.append((b"content-security-policy", b"frame-ancestors 'none'"))
    elif not path.startswith(DOCS_PATHS):
        out.append((b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'"))
        out.append((b"cache-control", b"no-store"))
    if production:
        out.append((b"strict-transport-security", b"max-age=31536000; includeSubDomains"))
    return out


class Guard:
    """ASGI middleware: body cap per route, security headers on every answer."""

    def __init__(self, app: Any, settings: Settings) -> None:
        self.app = app
        self.big = settings.max_body_bytes
        self.production = settings.environment == "production"

    def limit_for(self, path: str) -> int:
        if path.startswith(MEDIA_PREFIX) and path.endswith(CHUNK_SUFFIX):
            return MAX_CHUNK_BYTES
        return self.big if path.startswith(BIG_BODY_PATHS) else min(SMALL_BODY_BYTES, self.big)

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        limit = self.limit_for(path)
        extra = _security_headers(path, self.production)
        started = False

        async def send_with_headers(message: dict[str, Any]) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                names = {k.lower() for k, _ in message.get("headers", [])}
                message = {
                    **message,
                    "headers": [*message.get("headers", []), *((k, v) for k, v in extra if k not in names)],
                }
            await send(message)

        async def refuse() -> None:
            body = _too_large_body(limit)
            await send_with_headers(
                {
                    "type": "http.response.start",
                    "status": 413,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(body)).encode()),
                        (b"connection", b"close"),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})

        declared = dict(scope.get("headers", [])).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            await refuse()
            return

        received = 0

        async def counted_receive() -> dict[str, Any]:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _BodyTooLarge()
            return message

        try:
            await self.app(scope, counted_receive, send_with_headers)
        except _BodyTooLarge:  # read outside a route (no handler saw it)
            if not started:
                await refuse()
