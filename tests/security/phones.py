"""A phone for the security tests: the app's own service, talking to the in-process server."""

from __future__ import annotations

import asyncio
from pathlib import Path

import requests
from fastapi.testclient import TestClient

from mobile.app.service import AppService
from mobile.sync.client import ServerClient
from tests.mobile.helpers import FAST_KDF

from .conftest import password

PIN = "135792"


class _TestClientSession(requests.Session):
    """requests' interface over the in-process app, so the phone's real ServerClient talks to it."""

    def __init__(self, client: TestClient) -> None:
        super().__init__()
        self.client = client

    def request(self, method, url, data=None, headers=None, timeout=None, allow_redirects=False, **kw):  # type: ignore[override]
        path = url.split("://", 1)[1].split("/", 1)[1]
        resp = self.client.request(method, "/" + path, content=data, headers=headers)
        out = requests.Response()
        out.status_code, out._content = resp.status_code, resp.content
        out.headers.update(resp.headers)
        out.url = url
        out.request = requests.Request(method, url).prepare()
        return out


def _phone(tmp_path: Path, client: TestClient, username: str) -> AppService:
    service = AppService(
        tmp_path / f"phone-{username}",
        kdf_params=FAST_KDF,
        client_factory=lambda url, token=None: ServerClient(url, token, session=_TestClientSession(client)),
    )
    asyncio.run(service.enroll("http://server.test", username, password(username)))
    asyncio.run(service.create_pin(PIN, PIN))
    return service


def _final_sessions(service: AppService, n: int) -> list[str]:
    from tests.mobile.helpers import session_answers

    ids = []
    for i in range(n):
        rec, _ = service.new_record("outreach_session")
        asyncio.run(service.finalize(rec, session_answers(place=f"Thôn {i}")))
        ids.append(str(rec.id))
    return ids
