"""Issue 6 item 3: schemathesis against the server's own OpenAPI schema, on the real app.

Every operation of ``/openapi.json`` gets generated requests (valid and
invalid), signed in as a real enrolled officer. The checks: never a 5xx; every
answer fits the schema the server publishes (status code documented, body
matching its model, JSON content type). Examples per operation are capped
(``FIELDTALLY_SCHEMATHESIS_EXAMPLES``, default 25) so CI stays within a few
minutes; the seed is fixed by Hypothesis' database-less derandomised mode.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import schemathesis
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

import requests

from sync_server.app import create_app
from sync_server.config import make_settings
from tests.support.live_server import start_live_server

EXAMPLES = int(os.environ.get("FIELDTALLY_SCHEMATHESIS_EXAMPLES", "25"))
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance, content_type_conformance]

# The schema is the one the app publishes; building the app touches no file or database (in-memory URL).
_SCHEMA_APP = create_app(make_settings({"database_url": "sqlite://", "environment": "test"}))
schema = schemathesis.openapi.from_dict(_SCHEMA_APP.openapi())


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """A real uvicorn server (demo data) and the token of an admin enrolled on it."""
    server = start_live_server(tmp_path_factory.mktemp("schemathesis"))
    try:
        resp = requests.post(
            server.url + "/api/v1/enroll",
            json={"username": "admin", "password": "admin123", "device_id": "schemathesis"},
            timeout=10,
        )
        assert resp.status_code == 200, resp.text
        yield server.url, resp.json()["device_token"]
    finally:
        server.stop()


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_schemathesis__no_5xx_and_every_answer_fits_the_schema(case, served):
    url, token = served
    case.call_and_validate(
        base_url=url, headers={"Authorization": f"Bearer {token}"}, checks=CHECKS, timeout=30
    )
