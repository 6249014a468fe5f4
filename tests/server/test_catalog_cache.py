"""Forms and plans are parsed once per process and row change, and a change made anywhere is read at once.

A push used to read and validate every form version and plan (most of a small push's work). Now a
parsed definition is reused while its row's ``updated_at`` is the one it was parsed at, per database.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import create_engine, update

from schemas.common import LocalizedText, utcnow
from sync_server.db import Database
from sync_server.models import FormRow, PlanRow
from sync_server.services.catalog import get_plan, load_forms, load_plans, store_plan


def test_catalog__a_definition_is_parsed_once_while_its_row_is_unchanged(db: Database) -> None:
    with db.session() as s:
        first_forms, first_plans = load_forms(s), load_plans(s)
    with db.session() as s:
        again_forms, again_plans = load_forms(s), load_plans(s)
        plan = get_plan(s, plan_id=first_plans[0].id)
    assert first_forms and first_plans
    assert all(a is b for a, b in zip(first_forms, again_forms, strict=True))
    assert all(a is b for a, b in zip(first_plans, again_plans, strict=True))
    assert plan is first_plans[0]


def test_catalog__a_plan_changed_through_the_service_is_read_at_once(db: Database) -> None:
    with db.session() as s:
        plan = load_plans(s)[0]
    renamed = plan.model_copy(update={"title": LocalizedText(vi="Kế hoạch đổi tên", en="Renamed plan")})
    with db.session(write=True) as s:
        assert store_plan(s, plan=renamed, actor="admin", now=utcnow())
    with db.session() as s:
        assert next(p for p in load_plans(s) if p.id == plan.id).title.vi == "Kế hoạch đổi tên"
        assert get_plan(s, plan_id=plan.id).title.vi == "Kế hoạch đổi tên"


def test_catalog__a_change_made_by_another_process_is_read_at_once(db: Database) -> None:
    """Another worker (here another engine on the same database) changes a plan and a form's row."""
    with db.session() as s:
        plan, form = load_plans(s)[0], load_forms(s)[0]
    data = plan.model_dump(mode="json")
    data["title"] = {"vi": "Sửa ở nơi khác", "en": "Changed elsewhere"}
    form_data = form.model_dump(mode="json")
    form_data["title"] = {"vi": "Biểu mẫu sửa ở nơi khác", "en": "Form changed elsewhere"}
    later = utcnow() + timedelta(seconds=1)
    other = create_engine(db.engine.url)
    try:
        with other.begin() as con:
            con.execute(
                update(PlanRow).where(PlanRow.id == plan.id).values(definition=data, updated_at=later)
            )
            con.execute(
                update(FormRow)
                .where(FormRow.form_id == form.id, FormRow.version == form.version)
                .values(definition=form_data, updated_at=later)
            )
    finally:
        other.dispose()
    with db.session() as s:
        assert get_plan(s, plan_id=plan.id).title.vi == "Sửa ở nơi khác"
        assert next(p for p in load_plans(s) if p.id == plan.id).title.vi == "Sửa ở nơi khác"
        assert next(f for f in load_forms(s) if f.key == form.key).title.vi == "Biểu mẫu sửa ở nơi khác"
