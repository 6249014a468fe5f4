"""For ``uvicorn --factory sync_server.main:app_from_env``: the app from FIELDTALLY_* variables."""

from __future__ import annotations

from fastapi import FastAPI

from .app import create_app
from .config import get_settings


def app_from_env() -> FastAPI:
    return create_app(get_settings())
