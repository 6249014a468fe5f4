"""Health, sign-in, tokens, and the shape of error answers."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from schemas.common import ErrorBody
from schemas.sync import EnrollResponse
from sync_server.models import FormRow

from .helpers import Api


def test_health__reports_version_and_database(app_client: TestClient, db_url: str) -> None:
    resp = app_client.get("/health")
    assert resp.status_code == 200
    assert resp.json() == {
        "status": "ok",
        "version": "0.1.0",
        "database": "sqlite" if db_url.startswith("sqlite") else "postgresql",
    }


def test_enroll__returns_token_and_user(api: Api) -> None:
    resp = api.enroll("canbo", "canbo123", device_id="phone-A")
    assert resp.status_code == 200, resp.text
    body = EnrollResponse.model_validate(resp.json())
    assert len(body.device_token) >= 40
    assert body.user.model_dump(mode="json") == {
        "username": "canbo",
        "full_name": "Nguyễn Văn An",
        "role": "officer",
        "unit": "HN-SS-MT",
        "unit_name": "Xã Minh Trí",
    }
    pulled = api.client.get("/api/v1/sync/pull", headers={"Authorization": f"Bearer {body.device_token}"})
    assert pulled.status_code == 200


@pytest.mark.parametrize("username,password", [("canbo", "wrong-password"), ("nobody", "canbo123")])
def test_enroll__wrong_credentials_401(api: Api, username: str, password: str) -> None:
    resp = api.enroll(username, password)
    assert resp.status_code == 401
    err = ErrorBody.model_validate(resp.json())
    assert err.code == "bad_credentials"
    assert "mật khẩu" in err.message.vi and "password" in err.message.en


def test_enroll__rate_limited_after_five_failures(api: Api) -> None:
    for _ in range(5):
        assert api.enroll("canbo", "wrong-password").status_code == 401
    resp = api.enroll("canbo", "wrong-password")
    assert resp.status_code == 429
    assert ErrorBody.model_validate(resp.json()).code == "too_many_attempts"
    assert 1 <= int(resp.headers["Retry-After"]) <= 300
    # even the right password waits now; other usernames do not
    assert api.enroll("canbo", "canbo123").status_code == 429
    assert api.enroll("chihuy", "chihuy123").status_code == 200


def test_enroll__success_clears_failures(api: Api) -> None:
    for _ in range(4):
        assert api.enroll("canbo", "wrong-password").status_code == 401
    assert api.enroll("canbo", "canbo123").status_code == 200
    for _ in range(4):
        assert api.enroll("canbo", "wrong-password").status_code == 401
    assert api.enroll("canbo", "canbo123").status_code == 200


def test_enroll__malformed_body_400_and_wrong_shape_422(app_client: TestClient) -> None:
    bad = app_client.post(
        "/api/v1/enroll", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert bad.status_code == 400
    assert ErrorBody.model_validate(bad.json()).code == "bad_body"
    wrong = app_client.post("/api/v1/enroll", json={"username": "canbo"})
    assert wrong.status_code == 422
    err = ErrorBody.model_validate(wrong.json())
    assert err.code == "invalid"
    assert {i.field for i in err.issues} == {"password", "device_id"}
    assert all(i.message.vi and i.message.en for i in err.issues)


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer not-a-real-token"}, {"Authorization": "Basic Y2FuYm86Y2FuYm8xMjM="}],
    ids=["none", "unknown", "not-bearer"],
)
def test_auth__missing_or_bad_token_401(app_client: TestClient, headers: dict[str, str]) -> None:
    for method, path in [
        ("GET", "/api/v1/sync/pull"),
        ("POST", "/api/v1/sync/push"),
        ("GET", "/api/v1/tallies"),
    ]:
        resp = app_client.request(method, path, headers=headers, params={"plan_id": "x"})
        assert resp.status_code == 401, (path, resp.text)
        assert ErrorBody.model_validate(resp.json()).code == "unauthorized"
        assert resp.headers["WWW-Authenticate"] == "Bearer"


def test_auth__reenrolling_a_device_replaces_its_token(api: Api) -> None:
    first = api.enroll("canbo", device_id="phone-X").json()["device_token"]
    second = api.enroll("canbo", device_id="phone-X").json()["device_token"]
    pull = "/api/v1/sync/pull"
    assert api.client.get(pull, headers={"Authorization": f"Bearer {first}"}).status_code == 401
    assert api.client.get(pull, headers={"Authorization": f"Bearer {second}"}).status_code == 200


def test_errors__unknown_path_is_an_error_body(app_client: TestClient) -> None:
    resp = app_client.get("/api/v1/nothing-here")
    assert resp.status_code == 404
    assert ErrorBody.model_validate(resp.json()).code == "not_found"


def test_errors__unexpected_failure_is_a_500_error_body(app_client: TestClient, api: Api) -> None:
    headers = api.auth()
    with app_client.app.state.db.session(write=True) as s:  # type: ignore[attr-defined]
        s.execute(update(FormRow).values(definition={"id": "broken"}))  # a form row no code can read
    resp = app_client.get("/api/v1/sync/pull", headers=headers)
    assert resp.status_code == 500
    assert ErrorBody.model_validate(resp.json()).code == "internal"
    assert "Traceback" not in resp.text and "ValidationError" not in resp.text


def test_openapi__documents_the_push_body(app_client: TestClient) -> None:
    schema = app_client.get("/openapi.json").json()
    body = schema["paths"]["/api/v1/sync/push"]["post"]["requestBody"]
    assert body["content"]["application/json"]["schema"]["$ref"] == "#/components/schemas/PushBatch"
    assert {"PushBatch", "Record", "PushResponse", "ErrorBody"} <= set(schema["components"]["schemas"])
    assert app_client.get("/docs").status_code == 200
