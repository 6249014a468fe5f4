"""ServerClient against a real loopback HTTP server: the wire format and the error translation."""

from __future__ import annotations

import gzip
import json
import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from uuid import uuid4

import pytest

from mobile.errors import AuthRejected, PermanentSyncError, RetryableSyncError
from mobile.sync.client import ServerClient
from schemas.common import ErrorBody, Issue, text
from schemas.records import Record, RecordStatus
from schemas.sync import EnrollResponse, PushBatch, Role, UserInfo

from .fake_server import FakeServer, Request

NOW = datetime(2026, 3, 15, tzinfo=UTC)
USER = UserInfo(
    username="canbo", full_name="Cán Bộ", role=Role.OFFICER, unit="HN-SS-MT", unit_name="Minh Tân"
)


@pytest.fixture
def server() -> Iterator[FakeServer]:
    srv = FakeServer(handler=lambda req: (500, {}, b"")).start()
    try:
        yield srv
    finally:
        srv.stop()


def closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def a_batch(n: int = 2) -> PushBatch:
    recs = [
        Record(
            id=uuid4(),
            form_id="outreach_session",
            form_version=1,
            unit="HN-SS-MT",
            author="canbo",
            device="d1",
            created_at=NOW,
            updated_at=NOW,
            revision=1,
            status=RecordStatus.FINAL,
            answers={"place": "Thôn Đông"},
        )
        for _ in range(n)
    ]
    return PushBatch(batch_id=uuid4(), records=recs)


def error_body(code: str, vi: str, en: str) -> dict:
    return ErrorBody(
        code=code, message=text(vi, en), issues=[Issue(field="x", code=code, message=text(vi, en))]
    ).model_dump(mode="json")


def test_client__health(server: FakeServer):
    server.handler = lambda req: (200, {}, {"status": "ok"})
    assert ServerClient(server.url + "/").health() is True
    assert server.requests[-1].path == "/health"
    server.handler = lambda req: (503, {}, {"status": "starting"})
    assert ServerClient(server.url).health() is False
    assert ServerClient(closed_port_url()).health(timeout=0.5) is False
    assert ServerClient("not a url").health() is False


def test_client__push_sends_gzip_with_idempotency_key_and_token(server: FakeServer):
    server.handler = lambda req: (200, {}, server.receipts_for(req))
    batch = a_batch(3)
    resp = ServerClient(server.url, "tok-abc").push(batch)
    req = server.pushes()[0]
    assert (req.method, req.path) == ("POST", "/api/v1/sync/push")
    assert req.headers["content-encoding"] == "gzip"
    assert req.headers["idempotency-key"] == str(batch.batch_id)
    assert req.headers["authorization"] == "Bearer tok-abc"
    assert PushBatch.model_validate(json.loads(gzip.decompress(req.body))) == batch
    assert [r.id for r in resp.receipts] == [r.id for r in batch.records]


def test_client__enroll(server: FakeServer):
    def handler(req: Request):
        body = req.json()
        assert body == {
            "username": "canbo",
            "password": "canbo123",
            "device_id": "dev-1",
            "device_name": "Máy A",
        }
        assert "authorization" not in req.headers
        return 200, {}, EnrollResponse(device_token="t1", user=USER, server_time=NOW)

    server.handler = handler
    resp = ServerClient(server.url).enroll("canbo", "canbo123", "dev-1", "Máy A")
    assert resp.device_token == "t1" and resp.user.unit == "HN-SS-MT"
    assert server.requests[-1].path == "/api/v1/enroll"


def test_client__wrong_password_is_auth_rejected_with_the_servers_sentence(server: FakeServer):
    server.handler = lambda req: (
        401,
        {},
        error_body("bad_credentials", "Sai mật khẩu rồi.", "Wrong password."),
    )
    with pytest.raises(AuthRejected) as err:
        ServerClient(server.url).enroll("canbo", "nope", "dev-1", "")
    assert err.value.message.vi == "Sai mật khẩu rồi." and err.value.status == 401
    assert err.value.body.code == "bad_credentials"


def test_client__401_without_a_body_still_speaks_vietnamese(server: FakeServer):
    server.handler = lambda req: (401, {}, b"")
    with pytest.raises(AuthRejected) as err:
        ServerClient(server.url).enroll("canbo", "nope", "dev-1", "")
    assert err.value.message.vi == "Sai tên đăng nhập hoặc mật khẩu."
    with pytest.raises(AuthRejected) as err:
        ServerClient(server.url, "revoked").pull()
    assert "đăng ký lại" in err.value.message.vi


def test_client__no_token_is_refused_before_sending(server: FakeServer):
    with pytest.raises(AuthRejected):
        ServerClient(server.url).push(a_batch())
    assert server.requests == []


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504])
def test_client__busy_server_is_retryable_with_retry_after(server: FakeServer, status: int):
    server.handler = lambda req: (status, {"Retry-After": "7"}, error_body("unavailable", "Bận.", "Busy."))
    with pytest.raises(RetryableSyncError) as err:
        ServerClient(server.url, "t").push(a_batch())
    assert (err.value.status, err.value.retry_after) == (status, 7.0)
    assert err.value.message.vi == "Bận."


def test_client__retry_after_as_an_http_date(server: FakeServer):
    server.handler = lambda req: (503, {"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}, b"")
    with pytest.raises(RetryableSyncError) as err:
        ServerClient(server.url, "t").pull()
    assert err.value.retry_after == 0.0  # a date in the past: retry now
    assert err.value.message.vi  # our own sentence when the server sent none


@pytest.mark.parametrize("status", [400, 403, 404, 409, 413, 422])
def test_client__other_4xx_is_permanent_with_the_error_body(server: FakeServer, status: int):
    server.handler = lambda req: (status, {}, error_body("invalid", "Lô không hợp lệ.", "Invalid batch."))
    with pytest.raises(PermanentSyncError) as err:
        ServerClient(server.url, "t").push(a_batch())
    assert not isinstance(err.value, AuthRejected)
    assert err.value.status == status and err.value.body.issues[0].field == "x"
    assert err.value.message.vi == "Lô không hợp lệ."


def test_client__fastapi_style_detail_error_is_permanent_with_our_sentence(server: FakeServer):
    server.handler = lambda req: (404, {}, {"detail": "Not Found"})
    with pytest.raises(PermanentSyncError) as err:
        ServerClient(server.url, "t").pull()
    assert err.value.body is None and err.value.message.vi


@pytest.mark.parametrize("body", [b"<html>captive portal</html>", b'{"receipts": "nope"}', b""])
def test_client__unreadable_2xx_is_retryable(server: FakeServer, body: bytes):
    server.handler = lambda req: (200, {"Content-Type": "text/html"}, body)
    with pytest.raises(RetryableSyncError) as err:
        ServerClient(server.url, "t").push(a_batch())
    assert err.value.message.en.startswith("The server's answer could not be read")


def test_client__redirect_is_not_followed(server: FakeServer):
    server.handler = lambda req: (302, {"Location": "http://portal.example/login"}, b"")
    with pytest.raises(RetryableSyncError):
        ServerClient(server.url, "t").pull()
    assert len(server.requests) == 1


def test_client__server_down_is_retryable_and_keeps_the_cause():
    with pytest.raises(RetryableSyncError) as err:
        ServerClient(closed_port_url(), "t", timeout=(1.0, 1.0)).push(a_batch())
    assert "Dữ liệu vẫn an toàn" in err.value.message.vi
    assert err.value.__cause__ is not None  # raise ... from exc


def test_client__read_timeout_is_retryable(server: FakeServer):
    import time

    def slow(req):
        time.sleep(1.0)
        return 200, {}, b"{}"

    server.handler = slow
    with pytest.raises(RetryableSyncError) as err:
        ServerClient(server.url, "t", timeout=(1.0, 0.2)).pull()
    assert "không trả lời kịp" in err.value.message.vi


@pytest.mark.parametrize("url", ["", "ftp://example.org", "http://"])
def test_client__malformed_address_is_permanent(url: str):
    with pytest.raises(PermanentSyncError) as err:
        ServerClient(url, "t").pull()
    assert "Địa chỉ máy chủ" in err.value.message.vi


def test_client__a_pull_names_the_form_features_this_app_reads(live_server):
    from schemas.form_features import PHOTOS

    client = ServerClient(live_server.url)
    token = client.enroll("canbo", "canbo123", "dev-features", "").device_token
    pull = ServerClient(live_server.url, token).pull()
    keys = {f.key for f in pull.forms}
    assert ("outreach_session", 3) in keys  # photos: this app reads them, and said so
    assert PHOTOS in {q.type.value for f in pull.forms for g in f.fields for q in (g, *g.fields)}
