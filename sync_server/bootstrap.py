"""Getting a database ready: tables, the shipped forms and plans, and (on request) the demo data."""

from __future__ import annotations

import logging

from schemas.catalog import shipped_forms, shipped_plans
from schemas.common import utcnow

from .config import Settings
from .db import Database, init_db
from .services.catalog import seed_catalog
from .services.ingest import rebuild_tallies

log = logging.getLogger(__name__)


def prepare_database(db: Database, settings: Settings, *, demo: bool = False) -> None:
    """Create missing tables, seed the shipped forms and plans, recount plans that changed; idempotent.

    With ``demo`` also the demo units and users (refused in production).
    """
    init_db(db.engine)
    with db.session(write=True) as s:
        changed = seed_catalog(s, forms=shipped_forms(), plans=shipped_plans(), now=utcnow())
        if changed:
            count = rebuild_tallies(s, plan_ids=changed)
            log.info("plans %s are new or changed; recounted %d records", ", ".join(changed), count)
    if demo:
        from .demo import seed_demo

        seed_demo(db, settings)
