"""``ServerClient``: the phone's only HTTP code, and the only place that knows URLs.

Every failure of requests or of the server is translated here, once, into
the ``mobile.errors`` tree (``raise ... from exc``)::

    connection refused/reset, DNS, timeout, TLS    -> RetryableSyncError
    408, 425, 429, 5xx (Retry-After kept)          -> RetryableSyncError
    a 2xx whose body does not fit the contract     -> RetryableSyncError (a proxy, a half answer)
    401                                            -> AuthRejected
    any other 4xx                                  -> PermanentSyncError (with the server's ErrorBody)
    a malformed server address                     -> PermanentSyncError

Each error carries a Vietnamese and English sentence: the server's own
``ErrorBody.message`` when it sent one, else ours. Retrying is the engine's
job, not this class's: one call here is one HTTP request.
"""

from __future__ import annotations

import email.utils
import gzip
import json
import re
import time
from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar
from urllib.parse import urlencode
from uuid import UUID

import requests
from pydantic import BaseModel, ValidationError

from schemas.common import ErrorBody, LocalizedText, text
from schemas.form_features import reads_header
from schemas.media import MediaStatus
from schemas.record_list import RecordPage
from schemas.sync import EnrollRequest, EnrollResponse, PullResponse, PushBatch, PushResponse, RecordHistory

from ..errors import AuthRejected, PermanentSyncError, RetryableSyncError, SyncError, UploadConflict

HEALTH = "/health"
ENROLL = "/api/v1/enroll"
PUSH = "/api/v1/sync/push"
PULL = "/api/v1/sync/pull"
MEDIA = "/api/v1/media/"  # + sha256 + "/status" | "/chunk?offset=N"
RECORDS = "/api/v1/records"  # a supervisor's list; + "/<id>/history"
_PHOTO_PATH = re.compile(r"/api/v1/media/[0-9a-f]{64}(/thumb)?")

RETRYABLE_STATUS = {408, 425, 429}
M = TypeVar("M", bound=BaseModel)

_UNREACHABLE = text(
    "Không kết nối được máy chủ. Dữ liệu vẫn an toàn trên máy; hãy thử lại khi có mạng.",
    "Cannot reach the server. Your data is safe on this phone; try again when you have a connection.",
)
_TIMEOUT = text(
    "Máy chủ không trả lời kịp (mạng chậm). Dữ liệu vẫn an toàn trên máy; hãy thử lại sau.",
    "The server did not answer in time (slow network). Your data is safe on this phone; try again later.",
)
_TLS = text(
    "Không thiết lập được kết nối an toàn tới máy chủ. "
    "Hãy kiểm tra ngày giờ của điện thoại và mạng đang dùng.",
    "Could not make a secure connection to the server. Check the phone's date and time and the network.",
)
_BAD_URL = text(
    "Địa chỉ máy chủ không đúng. Hãy kiểm tra lại trong phần cài đặt.",
    "The server address is wrong. Check it in the settings.",
)
_BUSY = text(
    "Máy chủ đang bận hoặc gặp sự cố. Dữ liệu vẫn an toàn trên máy; ứng dụng sẽ thử lại sau.",
    "The server is busy or having trouble. Your data is safe on this phone; the app will try again later.",
)
_GARBLED = text(
    "Câu trả lời của máy chủ không đọc được (có thể do mạng). Hãy thử lại sau.",
    "The server's answer could not be read (perhaps the network). Try again later.",
)
_BAD_LOGIN = text(
    "Sai tên đăng nhập hoặc mật khẩu.",
    "Wrong username or password.",
)
_TOKEN_REVOKED = text(
    "Máy chủ không chấp nhận thiết bị này nữa (đã bị thu hồi hoặc chưa đăng ký). Hãy đăng ký lại thiết bị; "
    "các phiếu chưa gửi vẫn được giữ trên máy.",
    "The server no longer accepts this device (revoked or not registered). Register the device again; "
    "records not yet sent stay on this phone.",
)


class ServerClient:
    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        *,
        session: requests.Session | None = None,
        timeout: tuple[float, float] | float = (5.0, 30.0),
    ) -> None:
        self.base_url = base_url.strip().rstrip("/")
        self.token = token
        self.session = session or requests.Session()
        self.timeout = timeout
        # Set by the app: the outbox's report (schemas.outbox headers) sent with every push and pull.
        self.outbox_report: Callable[[], dict[str, str]] | None = None

    # ---- calls -------------------------------------------------------------------------------------
    def health(self, timeout: float = 3.0) -> bool:
        """True when ``GET /health`` answers 200 within ``timeout`` seconds; never raises."""
        try:
            resp = self.session.get(self._url(HEALTH), timeout=timeout)
            return resp.status_code == 200
        except Exception:  # the question is only "reachable now?": any failure means no
            return False

    def enroll(self, username: str, password: str, device_id: str, device_name: str = "") -> EnrollResponse:
        """Trade the officer's username and password for a device token (AuthRejected if wrong)."""
        try:
            body = EnrollRequest(
                username=username, password=password, device_id=device_id, device_name=device_name[:128]
            )
        except ValidationError as exc:
            raise AuthRejected(_BAD_LOGIN, detail="empty or too long username/password") from exc
        resp = self._send("POST", ENROLL, json_body=body.model_dump(mode="json"), auth=False)
        return self._parse(resp, EnrollResponse)

    def push(self, batch: PushBatch) -> PushResponse:
        """Send one batch (gzip, Idempotency-Key = batch id); a receipt comes back for every record."""
        raw = batch.model_dump_json().encode("utf-8")
        headers = {
            "Content-Type": "application/json",
            "Content-Encoding": "gzip",
            "Idempotency-Key": str(batch.batch_id),
            **self._outbox(),
        }
        resp = self._send("POST", PUSH, data=gzip.compress(raw, compresslevel=6), headers=headers)
        return self._parse(resp, PushResponse)

    def pull(self) -> PullResponse:
        """Forms, plans, units and tallies for the officer's scope."""
        headers = {**self._outbox(), **reads_header()}  # only forms this build can open
        return self._parse(self._send("GET", PULL, headers=headers), PullResponse)

    def media_status(self, sha256: str) -> MediaStatus:
        """How much of one photo the server holds (404: no record it has references the hash)."""
        return self._parse(self._send("GET", f"{MEDIA}{sha256}/status"), MediaStatus)

    def put_chunk(self, sha256: str, offset: int, data: bytes) -> MediaStatus:
        """Send ``data`` as the bytes from ``offset``; a 409 raises UploadConflict with where to resume."""
        headers = {"Content-Type": "application/octet-stream"}
        path = f"{MEDIA}{sha256}/chunk?offset={int(offset)}"
        return self._parse(self._send("PUT", path, data=data, headers=headers), MediaStatus)

    def get_model(self, path: str, model: type[M], *, params: dict[str, str] | None = None) -> M:
        """GET a read-only resource (tallies, series, approvals) and parse it as ``model``."""
        query = ("?" + urlencode(params)) if params else ""
        return self._parse(self._send("GET", path + query), model)

    def get_bytes(self, path: str, *, params: dict[str, str] | None = None) -> bytes:
        """GET a file (an export) as bytes."""
        query = ("?" + urlencode(params)) if params else ""
        return self._send("GET", path + query, headers={"Accept": "*/*"}).content

    def post_model(self, path: str, body: Any, model: type[M]) -> M:
        """POST a JSON body and parse the answer as ``model``."""
        return self._parse(self._send("POST", path, json_body=body), model)

    def _outbox(self) -> dict[str, str]:
        return self.outbox_report() if self.outbox_report is not None else {}

    # ---- the one boundary --------------------------------------------------------------------------
    def _url(self, path: str) -> str:
        return self.base_url + path

    def _send(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        data: bytes | None = None,
        headers: dict[str, str] | None = None,
        auth: bool = True,
    ) -> requests.Response:
        headers = {"Accept": "application/json", **(headers or {})}
        if auth:
            if not self.token:
                raise AuthRejected(_TOKEN_REVOKED, detail="no device token")
            headers["Authorization"] = f"Bearer {self.token}"
        if json_body is not None:
            data = json.dumps(json_body, ensure_ascii=False).encode("utf-8")
            headers["Content-Type"] = "application/json"
        try:
            resp = self.session.request(
                method,
                self._url(path),
                data=data,
                headers=headers,
                timeout=self.timeout,
                allow_redirects=False,
            )
        except (
            requests.exceptions.InvalidURL,
            requests.exceptions.MissingSchema,
            requests.exceptions.InvalidSchema,
        ) as exc:
            raise PermanentSyncError(_BAD_URL, detail=f"{method} {path}: {exc}") from exc
        except requests.exceptions.SSLError as exc:
            raise RetryableSyncError(_TLS, detail=f"{method} {path}: {exc}") from exc
        except requests.exceptions.Timeout as exc:
            raise RetryableSyncError(_TIMEOUT, detail=f"{method} {path}: {exc}") from exc
        except requests.exceptions.RequestException as exc:
            # ConnectionError, ChunkedEncodingError, ContentDecodingError, ...: the link failed.
            raise RetryableSyncError(_UNREACHABLE, detail=f"{method} {path}: {exc}") from exc
        if 200 <= resp.status_code < 300:
            return resp
        raise self._http_error(resp, method, path, auth=auth)

    def _http_error(self, resp: requests.Response, method: str, path: str, *, auth: bool) -> SyncError:
        status = resp.status_code
        body = _error_body(resp)
        message: LocalizedText | None = body.message if body else None
        detail = f"{method} {path}: HTTP {status}" + (f" {body.code}" if body else "")
        if status == 401:
            return AuthRejected(
                message or (_TOKEN_REVOKED if auth else _BAD_LOGIN), status=status, body=body, detail=detail
            )
        if status in RETRYABLE_STATUS or status >= 500:
            return RetryableSyncError(
                message or _BUSY, status=status, retry_after=_retry_after(resp), detail=detail
            )
        if status == 409 and (current := _media_status(resp)) is not None:
            return UploadConflict(current, message, status=status, body=body, detail=detail)
        if 300 <= status < 400:  # a redirect we did not follow: a captive portal or a wrong address
            return RetryableSyncError(_UNREACHABLE, status=status, detail=detail)
        return PermanentSyncError(message, status=status, body=body, detail=detail)

    def _parse(self, resp: requests.Response, model: type[M]) -> M:
        try:
            return model.model_validate_json(resp.content)
        except (ValidationError, ValueError) as exc:
            raise RetryableSyncError(
                _GARBLED, status=resp.status_code, detail=f"{resp.request.method} {resp.url}: {exc}"[:500]
            ) from exc

    # ---- a supervisor's records: the list, one record's history, its photos ------------------------
    def record_page(
        self, unit: str, start: date, end: date, *, cursor: str | None = None, limit: int = 30
    ) -> RecordPage:
        """One page of the records of ``unit``'s subtree in the period, newest first."""
        params = {"unit": unit, "start": start.isoformat(), "end": end.isoformat(), "limit": str(limit)}
        if cursor:
            params["cursor"] = cursor
        return self.get_model(RECORDS, RecordPage, params=params)

    def record_history(self, record_id: UUID) -> RecordHistory:
        """A record's revisions (answers, photos' addresses), oldest first."""
        return self.get_model(f"{RECORDS}/{record_id}/history", RecordHistory)

    def photo(self, path: str) -> bytes:
        """A photo or thumbnail by the address the server gave (``/api/v1/media/<sha256>[/thumb]``)."""
        if not _PHOTO_PATH.fullmatch(path):  # only the server's own photo addresses, never another URL
            raise PermanentSyncError(_BAD_URL, detail=f"not a photo address: {path[:80]}")
        return self._send("GET", path, headers={"Accept": "image/jpeg"}).content


def _error_body(resp: requests.Response) -> ErrorBody | None:
    try:
        raw = resp.json()
    except ValueError:
        return None
    for candidate in (raw, raw.get("detail") if isinstance(raw, dict) else None):
        try:
            return ErrorBody.model_validate(candidate)
        except ValidationError:
            continue
    return None


def _media_status(resp: requests.Response) -> MediaStatus | None:
    """The ``MediaStatus`` a 409 of the media routes carries (at the top, or in ``detail``), if any."""
    try:
        raw = resp.json()
    except ValueError:
        return None
    candidates = [raw]
    detail = raw.get("detail") if isinstance(raw, dict) else None
    if isinstance(detail, dict):
        candidates += [detail, *(v for v in detail.values() if isinstance(v, dict))]
    for candidate in candidates:
        try:
            return MediaStatus.model_validate(candidate)
        except ValidationError:
            continue
    return None


def _retry_after(resp: requests.Response) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date), if any."""
    value = resp.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
