"""Talking to the sync server: ``ServerClient`` (HTTP) and ``SyncEngine`` (plan, then apply)."""

from .client import ServerClient
from .engine import SyncEngine, SyncReport

__all__ = ["ServerClient", "SyncEngine", "SyncReport"]
