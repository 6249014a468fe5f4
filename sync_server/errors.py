"""The exceptions of the sync server, under one root.

::

    ServerError                  root: catch this to catch anything the server raises on purpose
    ├── ConfigError              settings or a command that cannot work (bad URL, demo data in production)
    ├── StoreUnavailable         the database failed or is busy; retryable (the API answers 503)
    ├── NotFound                 a plan, unit or user that does not exist (404)
    ├── Forbidden                outside the caller's unit subtree (403)
    ├── Conflict                 out of step with the server's state (409); ``detail`` holds that state
    ├── InvalidInput             a request that can never succeed as it is (422); may list ``issues``
    │   └── XLSFormError         an XLSForm workbook that cannot be read at all (services/xlsform)
    ├── BadBody                  a body that is not gzip / JSON at all (400)
    │   └── UnsupportedEncoding  a Content-Encoding other than gzip (415)
    ├── TooLarge                 a body over ``max_body_bytes``, compressed or not (413)
    └── AuthError                who is asking is not established
        ├── BadCredentials       wrong username or password (401)
        ├── TooManyAttempts      too many failed sign-ins lately; has ``retry_after`` seconds (429)
        └── Unauthorized         no, unknown or revoked device token (401)

Services raise these and never HTTP errors; ``api/errors.py`` turns them into
``schemas.common.ErrorBody`` answers. Foreign errors (SQLAlchemy, the DB
driver) are translated at one boundary, ``db.py``, with ``raise ... from exc``.
"""

from __future__ import annotations

from typing import Any

from schemas.common import Issue, LocalizedText, text


class ServerError(Exception):
    """Root of every error the sync server raises on purpose; carries a vi/en message."""

    code = "server_error"

    def __init__(
        self,
        message: LocalizedText | str,
        *,
        code: str | None = None,
        issues: list[Issue] | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        self.message = message if isinstance(message, LocalizedText) else text(message, message)
        self.issues = list(issues or [])
        self.detail = detail
        if code:
            self.code = code
        super().__init__(self.message.en)


class ConfigError(ServerError):
    code = "config"


class StoreUnavailable(ServerError):
    code = "unavailable"


class NotFound(ServerError):
    code = "not_found"


class Forbidden(ServerError):
    code = "forbidden"


class Conflict(ServerError):
    code = "conflict"


class InvalidInput(ServerError):
    code = "invalid"


class BadBody(ServerError):
    code = "bad_body"


class UnsupportedEncoding(BadBody):
    code = "unsupported_encoding"


class TooLarge(ServerError):
    code = "too_large"


class AuthError(ServerError):
    code = "unauthorized"


class BadCredentials(AuthError):
    code = "bad_credentials"


class TooManyAttempts(AuthError):
    code = "too_many_attempts"

    def __init__(self, message: LocalizedText | str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Unauthorized(AuthError):
    code = "unauthorized"


class XLSFormError(InvalidInput):
    """An XLSForm workbook that cannot be read at all (not an .xlsx, no survey sheet)."""

    code = "xlsform"
