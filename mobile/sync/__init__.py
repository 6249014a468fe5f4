"""Talking to the sync server: ``ServerClient`` (HTTP) and ``SyncEngine`` (plan, then apply)."""

from .client import ServerClient
from .engine import SyncEngine, SyncReport, plan_batches

__all__ = ["ServerClient", "SyncEngine", "SyncReport", "plan_batches"]
