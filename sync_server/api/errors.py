"""Every error answer is a ``schemas.common.ErrorBody``; nothing leaks a traceback.

Our own exceptions map to a status by class; FastAPI's validation errors
become 422 ``invalid`` with one readable issue per problem (400 ``bad_body``
when the JSON itself is broken); anything unexpected is logged and answered
with a plain 500. What is logged is the error's class and place
(``logs.describe``), never its message: that could quote field data.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

from schemas.common import ErrorBody, Issue, LocalizedText, text

from ..errors import (
    AuthError,
    BadBody,
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    ServerError,
    StoreUnavailable,
    TooLarge,
    TooManyAttempts,
    UnsupportedEncoding,
)
from ..logs import describe

log = logging.getLogger(__name__)

# most specific first
_STATUS: list[tuple[type[ServerError], int]] = [
    (TooManyAttempts, 429),
    (AuthError, 401),
    (UnsupportedEncoding, 415),
    (BadBody, 400),
    (TooLarge, 413),
    (InvalidInput, 422),
    (Conflict, 409),
    (NotFound, 404),
    (Forbidden, 403),
    (StoreUnavailable, 503),
]

# Vietnamese for the pydantic error types a client is likely to meet; others fall back to a generic sentence.
_PYDANTIC_VI = {
    "missing": "Thiếu trường bắt buộc.",
    "extra_forbidden": "Trường này không được phép.",
    "string_type": "Phải là chuỗi ký tự.",
    "string_too_short": "Chuỗi quá ngắn.",
    "string_too_long": "Chuỗi quá dài.",
    "string_pattern_mismatch": "Không đúng định dạng.",
    "int_type": "Phải là số nguyên.",
    "int_parsing": "Phải là số nguyên.",
    "greater_than_equal": "Giá trị quá nhỏ.",
    "less_than_equal": "Giá trị quá lớn.",
    "uuid_type": "Phải là mã UUID.",
    "uuid_parsing": "Không phải mã UUID hợp lệ.",
    "datetime_type": "Phải là thời điểm (ISO 8601).",
    "datetime_parsing": "Không phải thời điểm hợp lệ (ISO 8601).",
    "datetime_from_date_parsing": "Không phải thời điểm hợp lệ (ISO 8601).",
    "timezone_aware": "Thời điểm phải có múi giờ.",
    "date_type": "Phải là ngày (yyyy-mm-dd).",
    "date_parsing": "Không phải ngày hợp lệ (yyyy-mm-dd).",
    "date_from_datetime_parsing": "Không phải ngày hợp lệ (yyyy-mm-dd).",
    "enum": "Giá trị không nằm trong danh sách cho phép.",
    "list_type": "Phải là danh sách.",
    "dict_type": "Phải là một đối tượng.",
    "model_type": "Phải là một đối tượng.",
    "model_attributes_type": "Phải là một đối tượng JSON.",
    "too_long": "Quá nhiều phần tử.",
    "too_short": "Quá ít phần tử.",
    "value_error": "Giá trị không hợp lệ.",
    "json_invalid": "Nội dung không phải JSON hợp lệ.",
}
MAX_ISSUES = 50


def issues_from_errors(errors: list[Any] | Any, *, drop_root: tuple[str, ...] = ()) -> list[Issue]:
    """Pydantic / FastAPI error dicts as readable vi/en issues (at most MAX_ISSUES)."""
    out: list[Issue] = []
    for err in list(errors)[:MAX_ISSUES]:
        loc = [str(p) for p in err.get("loc", ())]
        while loc and loc[0] in drop_root:
            loc = loc[1:]
        where = ".".join(loc)
        kind = str(err.get("type", "value_error"))
        en = str(err.get("msg", "Invalid value"))
        vi = _PYDANTIC_VI.get(kind, "Giá trị không hợp lệ.")
        out.append(
            Issue(
                field=where or None,
                code=kind,
                message=text(f"{where}: {vi}" if where else vi, f"{where}: {en}" if where else en),
            )
        )
    return out


def error_response(
    status: int,
    code: str,
    message: LocalizedText,
    issues: list[Issue] | None = None,
    headers: dict | None = None,
    detail: dict[str, Any] | None = None,
) -> JSONResponse:
    body = ErrorBody(code=code, message=message, issues=issues or [], detail=detail)
    data = body.model_dump(mode="json")
    if detail is None:
        del data["detail"]  # absent, not null: answers without it stay as they were
    return JSONResponse(data, status_code=status, headers=headers)


INVALID = text("Yêu cầu không hợp lệ.", "The request is not valid.")
BAD_JSON = text("Nội dung gửi lên không phải JSON hợp lệ.", "The body is not valid JSON.")


async def _server_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ServerError)
    status = next((s for cls, s in _STATUS if isinstance(exc, cls)), 500)
    headers: dict[str, str] = {}
    if isinstance(exc, TooManyAttempts):
        headers["Retry-After"] = str(exc.retry_after)
    elif isinstance(exc, StoreUnavailable):
        headers["Retry-After"] = "2"
    elif status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    if status == 500:
        log.error("unmapped server error: %s", describe(exc))
    return error_response(status, exc.code, exc.message, exc.issues, headers, exc.detail)


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    if any(e.get("type") == "json_invalid" for e in errors):
        return error_response(400, "bad_body", BAD_JSON)
    return error_response(422, "invalid", INVALID, issues_from_errors(errors, drop_root=("body",)))


_HTTP_MESSAGES = {
    404: ("not_found", text("Không tìm thấy địa chỉ này.", "Not found.")),
    405: ("method_not_allowed", text("Phương thức không được hỗ trợ.", "Method not allowed.")),
    413: ("too_large", text("Dữ liệu gửi lên quá lớn.", "The body is too large.")),
}


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code, message = _HTTP_MESSAGES.get(
        exc.status_code, (f"http_{exc.status_code}", text(f"Lỗi HTTP {exc.status_code}.", str(exc.detail)))
    )
    return error_response(exc.status_code, code, message, headers=getattr(exc, "headers", None))


async def _database_error(_request: Request, exc: Exception) -> JSONResponse:
    log.warning("database error outside a session: %s", describe(exc))
    return error_response(
        503,
        "unavailable",
        text(
            "Máy chủ dữ liệu đang bận, vui lòng thử lại sau.",
            "The database is busy; please try again shortly.",
        ),
        headers={"Retry-After": "2"},
    )


async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
    log.error("unhandled error: %s", describe(exc))
    return error_response(500, "internal", text("Lỗi máy chủ.", "Internal server error."))


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ServerError, _server_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(DBAPIError, _database_error)
    app.add_exception_handler(Exception, _unexpected)
