"""Getting a database ready: tables, the shipped forms and plans, and (on request) the demo data."""

from __future__ import annotations

import logging

from schemas.catalog import shipped_forms, shipped_plans
from schemas.common import utcnow

from .clock import local_today
from .config import Settings
from .db import Database, init_db
from .demo.records import seed_demo_records
from .demo.seed import seed_demo
from .services.audit import audit
from .services.catalog import seed_catalog
from .services.ingest import rebuild_tallies

log = logging.getLogger(__name__)


def prepare_database(
    db: Database, settings: Settings, *, demo: bool = False, demo_records: bool = False
) -> None:
    """Migrate the schema to head, seed the shipped forms and plans, recount plans that changed; idempotent.

    With ``demo`` also the demo units and users (refused in production), and with
    ``demo_records`` two years of demo field records (once).
    """
    init_db(db.engine)
    with db.session(write=True) as s:
        now = utcnow()
        changed = seed_catalog(s, forms=shipped_forms(), plans=shipped_plans(), now=now)
        for plan_id in changed:
            audit(s, actor="system", action="seed", entity="plan", entity_id=plan_id, now=now)
        if changed:
            count = rebuild_tallies(s, plan_ids=changed)
            log.info("plans %s are new or changed; recounted %d records", ", ".join(changed), count)
    if demo:
        seed_demo(db, settings)
        if demo_records:
            now = utcnow()
            stored = seed_demo_records(db, today=local_today(settings, now), now=now)
            if stored:
                log.info("seeded %d demo records", stored)
