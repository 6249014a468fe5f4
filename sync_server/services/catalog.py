"""Forms and plans in the database: seeding the shipped ones, publishing new ones, reading them back."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

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


def load_forms(session: Session) -> list[FormDefinition]:
    """Every version of every form, ordered by id and version."""
    rows = session.scalars(select(FormRow).order_by(FormRow.form_id, FormRow.version)).all()
    return [FormDefinition.model_validate(r.definition) for r in rows]


def load_plans(session: Session) -> list[Plan]:
    rows = session.scalars(select(PlanRow).order_by(PlanRow.id)).all()
    return [Plan.model_validate(r.definition) for r in rows]


def get_plan(session: Session, *, plan_id: str) -> Plan:
    """The plan ``plan_id``; NotFound if there is none."""
    row = session.get(PlanRow, plan_id)
    if row is None:
        raise NotFound(
            text(f"Không có kế hoạch {plan_id}.", f"There is no plan {plan_id}."), code="unknown_plan"
        )
    return Plan.model_validate(row.definition)


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
