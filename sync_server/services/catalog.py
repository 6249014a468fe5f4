"""Forms and plans in the database: seeding the shipped ones, publishing new ones, reading them back."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar
from weakref import WeakKeyDictionary

from sqlalchemy import literal, select, union_all
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
    forms: dict[tuple[tuple[str, int], datetime], FormDefinition] = field(default_factory=dict)
    plans: dict[tuple[str, datetime], Plan] = field(default_factory=dict)


_PARSED: WeakKeyDictionary[Any, _Parsed] = WeakKeyDictionary()


def _parsed(session: Session) -> _Parsed:
    bind = session.get_bind()
    engine = getattr(bind, "engine", bind)
    found = _PARSED.get(engine)
    if found is None:
        found = _PARSED.setdefault(engine, _Parsed())
    return found


K = TypeVar("K")
M = TypeVar("M")


def _reuse(
    known: dict[tuple[K, datetime], M],
    listed: list[tuple[K, datetime]],
    read: Callable[[set[K]], dict[K, tuple[datetime, M]]],
) -> dict[tuple[K, datetime], M]:
    """The parsed definitions of ``listed`` (key, updated_at) in that order: from ``known`` when
    parsed at that ``updated_at``, else ``read`` (key -> (updated_at, parsed)) for the rest."""
    missing = {key for key, at in listed if (key, at) not in known}
    fresh = read(missing) if missing else {}
    found: dict[tuple[K, datetime], M] = {}
    for key, at in listed:
        if (key, at) in known:
            found[(key, at)] = known[(key, at)]
        elif key in fresh:  # as read now, even if it changed since it was listed
            now_at, parsed = fresh[key]
            found[(key, now_at)] = parsed
    return found


def _read_forms(
    session: Session, keys: set[tuple[str, int]]
) -> dict[tuple[str, int], tuple[datetime, FormDefinition]]:
    rows = session.scalars(select(FormRow).where(FormRow.form_id.in_({f for f, _v in keys})))
    return {
        (r.form_id, r.version): (r.updated_at, FormDefinition.model_validate(r.definition))
        for r in rows
        if (r.form_id, r.version) in keys
    }


def _read_plans(session: Session, keys: set[str]) -> dict[str, tuple[datetime, Plan]]:
    rows = session.scalars(select(PlanRow).where(PlanRow.id.in_(keys)))
    return {r.id: (r.updated_at, Plan.model_validate(r.definition)) for r in rows}


# Every form version's and every plan's key and ``updated_at``, in one statement built once (a push
# reads both on every call): forms by id and version, then plans by id.
_LISTED = union_all(
    select(literal("form").label("kind"), FormRow.form_id.label("id"), FormRow.version, FormRow.updated_at),
    select(literal("plan"), PlanRow.id, literal(0), PlanRow.updated_at),
).order_by("kind", "id", "version")


def load_catalog(session: Session) -> tuple[list[FormDefinition], list[Plan]]:
    """Every version of every form (by id and version) and every plan (by id), parsed once per process
    and row change; listed in one round trip."""
    cache = _parsed(session)
    forms: list[tuple[tuple[str, int], datetime]] = []
    plans: list[tuple[str, datetime]] = []
    for kind, key, version, at in session.connection().execute(_LISTED):
        if kind == "form":
            forms.append(((key, version), at))
        else:
            plans.append((key, at))
    cache.forms = _reuse(cache.forms, forms, lambda missing: _read_forms(session, missing))
    cache.plans = _reuse(cache.plans, plans, lambda missing: _read_plans(session, missing))
    return list(cache.forms.values()), list(cache.plans.values())


def load_forms(session: Session) -> list[FormDefinition]:
    """Every version of every form, ordered by id and version (``load_catalog``)."""
    return load_catalog(session)[0]


def load_plans(session: Session) -> list[Plan]:
    """Every plan, ordered by id (``load_catalog``)."""
    return load_catalog(session)[1]


def get_plan(session: Session, *, plan_id: str) -> Plan:
    """The plan ``plan_id``; NotFound if there is none."""
    at = session.scalar(select(PlanRow.updated_at).where(PlanRow.id == plan_id))
    cache = _parsed(session)
    listed = [(plan_id, at)] if at is not None else []
    found = _reuse(cache.plans, listed, lambda missing: _read_plans(session, missing))
    cache.plans = {**cache.plans, **found}
    if not found:
        raise NotFound(
            text(f"Không có kế hoạch {plan_id}.", f"There is no plan {plan_id}."), code="unknown_plan"
        )
    return next(iter(found.values()))


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
