"""Forms and plans in the database: seeding the shipped ones, publishing new ones, reading them back."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import select
from sqlalchemy.orm import Session

from schemas.common import text
from schemas.forms import FormDefinition
from schemas.plans import Plan

from ..errors import InvalidInput, NotFound
from ..models import FormRow, PlanRow
from .audit import audit

log = logging.getLogger(__name__)


def seed_catalog(
    session: Session, *, forms: Iterable[FormDefinition], plans: Iterable[Plan], now: datetime
) -> list[str]:
    """Insert or refresh forms and plans; returns the ids of plans that are new or changed.

    A changed plan means its tallies must be rebuilt (the caller does that).
    Idempotent: a second run with the same data changes nothing.
    """
    for form in forms:
        data = form.model_dump(mode="json")
        row = session.get(FormRow, (form.id, form.version))
        if row is None:
            session.add(FormRow(form_id=form.id, version=form.version, definition=data, updated_at=now))
        elif row.definition != data:
            # A published version should not change; the shipped file wins, but say so.
            log.warning("form %s v%s differs from the shipped definition; updating it", form.id, form.version)
            row.definition, row.updated_at = data, now
    changed: list[str] = []
    for plan in plans:
        data = plan.model_dump(mode="json")
        prow = session.get(PlanRow, plan.id)
        if prow is None:
            session.add(PlanRow(id=plan.id, definition=data, updated_at=now))
            changed.append(plan.id)
        elif prow.definition != data:
            prow.definition, prow.updated_at = data, now
            changed.append(plan.id)
    session.flush()
    return changed


def publish_form(session: Session, *, form: FormDefinition, now: datetime, actor: str) -> bool:
    """Store a new form version for phones to receive on their next pull; False if it is already there.

    Publishing is in the audit trail (``actor`` published it); a no-op republish is not.

    A published (id, version) is never overwritten with a different definition:
    records may have been made with it. That raises InvalidInput
    (``form_version_taken``); publish a new version instead.
    """
    row = session.get(FormRow, (form.id, form.version))
    if row is not None:
        # Compared as definitions, not as stored JSON: a form stored before the definition gained
        # a defaulted key (sections, repeats) is still the same form.
        if FormDefinition.model_validate(row.definition) == form:
            return False
        raise InvalidInput(
            text(
                f"Biểu mẫu {form.id} phiên bản {form.version} đã được phát hành với nội dung khác; có thể đã "
                f"có phiếu dùng nó. Hãy phát hành thành phiên bản mới ({form.version + 1}).",
                f"form {form.id} version {form.version} is already published with a different definition; "
                f"records may have been made with it. "
                f"Publish it as a new version (--version {form.version + 1})",
            ),
            code="form_version_taken",
        )
    seed_catalog(session, forms=[form], plans=[], now=now)
    audit(
        session,
        actor=actor,
        action="publish_form",
        entity="form",
        entity_id=f"{form.id}:{form.version}",
        now=now,
        detail={"title": form.title.vi, "questions": len(form.fields)},
    )
    return True


# Parsed forms and plans, per process, keyed by their row's key and ``updated_at``: every change to a
# row's definition sets a new ``updated_at`` (``seed_catalog``, ``store_plan``), and a published form
# version never changes. Parsing them was most of the work of a small push (each push read and
# validated every form version and plan). A key no longer in the table drops out at the next read.
# Kept per engine (one database); after a backup is restored over a served database, the workers are
# restarted (docs/scaling.md).
@dataclass
class _Parsed:
    forms: dict[tuple[str, int, datetime], FormDefinition] = field(default_factory=dict)
    plans: dict[tuple[str, datetime], Plan] = field(default_factory=dict)


_PARSED: WeakKeyDictionary[Any, _Parsed] = WeakKeyDictionary()


def _parsed(session: Session) -> _Parsed:
    bind = session.get_bind()
    engine = getattr(bind, "engine", bind)
    found = _PARSED.get(engine)
    if found is None:
        found = _PARSED.setdefault(engine, _Parsed())
    return found


def load_forms(session: Session) -> list[FormDefinition]:
    """Every version of every form, ordered by id and version (parsed once per process and row change)."""
    cache = _parsed(session)
    listed = select(FormRow.form_id, FormRow.version, FormRow.updated_at).order_by(
        FormRow.form_id, FormRow.version
    )
    keys = [(r.form_id, r.version, r.updated_at) for r in session.execute(listed)]
    known = cache.forms
    missing = {(form_id, version) for form_id, version, at in keys if (form_id, version, at) not in known}
    fresh: dict[tuple[str, int], tuple[datetime, FormDefinition]] = {}
    if missing:
        for row in session.scalars(select(FormRow).where(FormRow.form_id.in_({f for f, _v in missing}))):
            if (row.form_id, row.version) in missing:
                fresh[(row.form_id, row.version)] = (
                    row.updated_at,
                    FormDefinition.model_validate(row.definition),
                )
    kept: dict[tuple[str, int, datetime], FormDefinition] = {}
    for form_id, version, at in keys:
        if (form_id, version, at) in known:
            kept[(form_id, version, at)] = known[(form_id, version, at)]
        elif (form_id, version) in fresh:  # as read now, even if it changed since it was listed
            now_at, form = fresh[(form_id, version)]
            kept[(form_id, version, now_at)] = form
    cache.forms = kept
    return list(kept.values())


def load_plans(session: Session) -> list[Plan]:
    """Every plan, ordered by id (parsed once per process and row change)."""
    keys = [
        (r.id, r.updated_at)
        for r in session.execute(select(PlanRow.id, PlanRow.updated_at).order_by(PlanRow.id))
    ]
    return _plans(session, keys, every=True)


def _plans(session: Session, keys: list[tuple[str, datetime]], *, every: bool) -> list[Plan]:
    """The plans of ``keys`` (id, updated_at), parsed only when not parsed before; ``every``: the cache
    keeps only these (they are the whole table)."""
    cache = _parsed(session)
    known = cache.plans
    missing = {plan_id for plan_id, at in keys if (plan_id, at) not in known}
    fresh: dict[str, tuple[datetime, Plan]] = {}
    if missing:
        for row in session.scalars(select(PlanRow).where(PlanRow.id.in_(missing))):
            fresh[row.id] = (row.updated_at, Plan.model_validate(row.definition))
    found: dict[tuple[str, datetime], Plan] = {}
    for plan_id, at in keys:
        if (plan_id, at) in known:
            found[(plan_id, at)] = known[(plan_id, at)]
        elif plan_id in fresh:  # as read now, even if it changed since it was listed
            now_at, plan = fresh[plan_id]
            found[(plan_id, now_at)] = plan
    cache.plans = found if every else {**known, **found}
    return list(found.values())


def get_plan(session: Session, *, plan_id: str) -> Plan:
    """The plan ``plan_id``; NotFound if there is none."""
    at = session.scalar(select(PlanRow.updated_at).where(PlanRow.id == plan_id))
    found = _plans(session, [(plan_id, at)], every=False) if at is not None else []
    if not found:
        raise NotFound(
            text(f"Không có kế hoạch {plan_id}.", f"There is no plan {plan_id}."), code="unknown_plan"
        )
    return found[0]


def store_plan(session: Session, *, plan: Plan, actor: str, now: datetime) -> bool:
    """Add or replace a plan (already checked with ``schemas.plan_check``) and audit it; True if it changed.

    The caller recounts the plan's tallies (``ingest.rebuild_tallies``) in the same transaction.
    """
    data = plan.model_dump(mode="json")
    row = session.get(PlanRow, plan.id)
    if row is not None and row.definition == data:
        return False
    action = "create" if row is None else "update"
    if row is None:
        session.add(PlanRow(id=plan.id, definition=data, updated_at=now))
    else:
        row.definition, row.updated_at = data, now
    session.flush()
    audit(
        session,
        actor=actor,
        action=action,
        entity="plan",
        entity_id=plan.id,
        now=now,
        detail={"indicators": [i.id for i in plan.indicators], "measures": [m.id for m in plan.measures]},
    )
    return True
