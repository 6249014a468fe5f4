"""The FastAPI application, built from Settings; nothing happens at import.

In production the interactive docs and the OpenAPI schema are not served: they
are a map of the API for anyone who finds the server. ``api/guard.py`` wraps
everything, so its body cap holds before any route or middleware reads.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.openapi.utils import get_openapi
from pydantic import TypeAdapter

from schemas.sync import PushBatch

from . import __version__
from .api.errors import install_error_handlers
from .api.guard import Guard
from .api.routes import (
    approvals,
    audit,
    devices,
    enroll,
    exports,
    health,
    media,
    record_list,
    reports,
    sync,
    tallies,
    users,
)
from .bootstrap import prepare_database
from .config import Settings
from .db import Database


def create_app(settings: Settings, *, database: Database | None = None) -> FastAPI:
    """The sync server for ``settings``.

    With ``settings.init_db_on_startup`` the tables and shipped forms/plans
    are made ready when the app starts (``with TestClient(app)`` in tests).
    The engine is disposed when the app shuts down.
    """
    db = database or Database.from_settings(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if settings.init_db_on_startup:
            await run_in_threadpool(prepare_database, db, settings)
        try:
            yield
        finally:
            db.dispose()

    production = settings.environment == "production"
    app = FastAPI(
        title="fieldtally sync server",
        version=__version__,
        description="Receives field records exactly once and tallies them against plan targets.",
        lifespan=lifespan,
        docs_url=None if production else "/docs",
        redoc_url=None if production else "/redoc",
        openapi_url=None if production else "/openapi.json",
    )
    app.state.settings = settings
    app.state.db = db
    # Receipts and pulls compress ~5x; on a 2G link the answer would otherwise outweigh the gzip push.
    app.add_middleware(GZipMiddleware, minimum_size=1024)
    app.add_middleware(Guard, settings=settings)  # added last: runs first
    install_error_handlers(app)
    for module in (
        health,
        enroll,
        sync,
        tallies,
        devices,
        approvals,
        exports,
        reports,
        audit,
        users,
        media,
        record_list,
    ):
        app.include_router(module.router)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's schema plus PushBatch, which /push reads itself (to inflate and cap it)."""
    if app.openapi_schema is None:
        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        batch = TypeAdapter(PushBatch).json_schema(ref_template="#/components/schemas/{model}")
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for name, definition in batch.pop("$defs", {}).items():
            components.setdefault(name, definition)
        components["PushBatch"] = batch
        # Any JSON body that is not JSON at all is answered 400 bad_body (api/errors.py): say so everywhere.
        for ops in schema.get("paths", {}).values():
            for op in ops.values():
                if isinstance(op, dict) and "requestBody" in op:
                    body = {"schema": {"$ref": "#/components/schemas/ErrorBody"}}
                    responses = op.setdefault("responses", {})
                    bad_body = {"description": "bad_body", "content": {"application/json": body}}
                    responses.setdefault("400", bad_body)
        app.openapi_schema = schema
    return app.openapi_schema
