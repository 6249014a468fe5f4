"""For ``uvicorn --factory sync_server.main:app_from_env``: the app from FIELDTALLY_* variables.

uvicorn has configured logging by the time it calls the factory, so the
factory puts ``logs.NoFieldData`` on the handlers it made (``logs.guard_logging``):
no field data in the log however the workers are started.
"""

from __future__ import annotations

from fastapi import FastAPI

from .app import create_app
from .config import get_settings
from .logs import guard_logging
from .recovery_key import recovery_key_path


def app_from_env() -> FastAPI:
    settings = get_settings()
    recovery_key_path(settings)  # in production without a separate key path: refuse to start
    guard_logging()
    return create_app(settings)
