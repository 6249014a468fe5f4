"""Schemathesis against the server's own OpenAPI schema, on a real uvicorn server, as three kinds of caller.

Two runs share one server (demo data):

* **Operations**: every operation of the schema gets generated requests, in
  both generation modes: **positive** (valid by the schema) and **negative**
  (deliberately invalid: wrong types, out-of-range values, missing fields).
* **Stateful**: schemathesis' state machine chains operations along the links
  it infers from the schema (an approval then its withdrawal, a device
  listed then revoked, a user named by a pull then disabled), so requests
  reach the states that single calls cannot.

Callers take turns, case by case: an officer (``canbo``), a district
supervisor (``giamsat``) and an admin (``admin``), so every operation is
tried by each role. A caller whose token stops working (the fuzz may revoke
its phone, disable its user or reset its password) is restored with the
command line and enrolled again on a fresh device id, so coverage does not
collapse into 401s.

Every case goes over one keep-alive connection (a connection per case made
the run about a fifth slower) that keeps no cookies, so no case sees another's.

Checks: never a 5xx; every answer fits the published schema (status code
documented, body matching its model, JSON content type). Examples per
operation: ``FIELDTALLY_SCHEMATHESIS_EXAMPLES`` (default 25; CI uses 100);
stateful steps scale with it. The server's peak memory (VmHWM) is printed at
the end and must stay under ``PEAK_MEMORY_LIMIT``.
"""

from __future__ import annotations

import io
import itertools
import os
import sys
import uuid
import warnings
from collections.abc import Iterator
from http.cookiejar import DefaultCookiePolicy
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis.stateful import run_state_machine_as_test

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import schemathesis
    from schemathesis import GenerationMode
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

import requests

from sync_server import cli
from sync_server.app import create_app
from sync_server.config import make_settings
from tests.support.live_server import LiveServer, start_live_server

EXAMPLES = int(os.environ.get("FIELDTALLY_SCHEMATHESIS_EXAMPLES", "25"))
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance, content_type_conformance]
CALLERS = {"canbo": "canbo123", "giamsat": "giamsat123", "admin": "admin123"}
PEAK_MEMORY_LIMIT = 1024 * 1024 * 1024  # bytes; the attack took the process to 5.2 GB

# The schema is the one the app publishes; building the app touches no file or database (in-memory URL).
_SCHEMA_APP = create_app(make_settings({"database_url": "sqlite://", "environment": "test"}))
schema = schemathesis.openapi.from_dict(_SCHEMA_APP.openapi())
schema.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE])


class Callers:
    """Tokens of the three callers on the live server, handed out in turn and restored when they die."""

    def __init__(self, server: LiveServer) -> None:
        self.server = server
        # one keep-alive connection for the whole run: a new TCP connection per case cost the
        # server an accept and the client a connect thousands of times
        self.session = requests.Session()
        self.session.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))  # each case alone, as before
        self.tokens: dict[str, str] = {}
        self._turn = itertools.cycle(CALLERS)
        for name in CALLERS:
            self.enroll(name)

    def enroll(self, name: str) -> None:
        resp = requests.post(
            self.server.url + "/api/v1/enroll",
            json={"username": name, "password": CALLERS[name], "device_id": f"fuzz-{uuid.uuid4().hex[:12]}"},
            timeout=30,
        )
        if resp.status_code != 200:  # disabled, or a new password: put the account back as it was
            db = ["--database-url", self.server.database_url]
            assert cli.main(["enable-user", name, *db]) == 0
            stdin, sys.stdin = sys.stdin, io.StringIO(CALLERS[name] + "\n")
            try:
                assert cli.main(["set-password", name, "--password-stdin", *db]) == 0
            finally:
                sys.stdin = stdin
            resp = requests.post(
                self.server.url + "/api/v1/enroll",
                json={"username": name, "password": CALLERS[name], "device_id": f"fuzz-{uuid.uuid4().hex}"},
                timeout=30,
            )
        assert resp.status_code == 200, resp.text
        self.tokens[name] = resp.json()["device_token"]

    def next(self) -> tuple[str, dict[str, str]]:
        name = next(self._turn)
        return name, {"Authorization": f"Bearer {self.tokens[name]}"}

    def after(self, name: str, response: requests.Response) -> None:
        """Enroll ``name`` again if ``response`` says its token is dead (not merely a wrong password)."""
        if response.status_code != 401:
            return
        try:
            body = response.json()
        except ValueError:
            body = None
        code = body.get("code") if isinstance(body, dict) else None
        if code in ("unauthorized", "token_expired"):
            self.enroll(name)


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` so far: the run's cost, whatever the load."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _peak_rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Callers]]:
    """A real uvicorn server (demo data) and its three callers; reports the server's peak memory."""
    server = start_live_server(tmp_path_factory.mktemp("schemathesis"))
    try:
        callers = Callers(server)
        yield server.url, callers
        callers.session.close()
        pid = server._proc.pid if server._proc else None  # noqa: SLF001
        if pid:
            peak = _peak_rss(pid)
            print(f"\nserver peak memory under the fuzzing run (VmHWM): {peak / 2**20:.0f} MiB")
            print(f"server CPU time for the run: {_cpu_seconds(pid):.0f} s")
            assert peak < PEAK_MEMORY_LIMIT, peak
    finally:
        server.stop()


def _call(case, url: str, callers: Callers) -> None:
    name, headers = callers.next()
    response = case.call(base_url=url, session=callers.session, headers=headers, timeout=60)
    case.validate_response(response, checks=CHECKS)
    callers.after(name, response)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_schemathesis__no_5xx_and_every_answer_fits_the_schema(case, served):
    url, callers = served
    _call(case, url, callers)


def test_schemathesis__stateful_sequences_find_no_5xx(served):
    url, callers = served
    base = schema.as_state_machine()

    class Workflow(base):  # type: ignore[valid-type, misc]
        def call(self, case, **kwargs):
            name, headers = callers.next()
            response = case.call(base_url=url, session=callers.session, headers=headers, timeout=60)
            callers.after(name, response)
            return response

        def validate_response(self, response, case, **kwargs):
            case.validate_response(response, checks=CHECKS)

    run_state_machine_as_test(
        Workflow,
        settings=settings(
            max_examples=max(5, EXAMPLES // 4),
            stateful_step_count=6,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
