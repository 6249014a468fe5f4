"""Demo field records: about two years of surveys, sessions, trainings, cases and returns for the demo tree.

So that a newcomer's supervisor screens show a plan in motion: units ahead
and behind, understanding rising, violations falling. The records are made
by a seeded random generator (the same every time), go through the real
ingest (validation, tallies, history) under the author ``demo``, and are
skipped when the demo tree already has records.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select

from schemas.catalog import latest_forms
from schemas.form_validation import validate_answers
from schemas.forms import FieldType, FormDefinition
from schemas.periods import month_end
from schemas.records import Record, RecordStatus
from schemas.sync import Role
from schemas.units import Unit, baseline_for

from ..db import Database
from ..models import RecordRow, UnitRow, UserRow
from ..services.accounts import Caller
from ..services.catalog import load_forms
from ..services.ingest import push_records
from ..services.units import is_within, to_unit

AUTHOR = "demo"
DEVICE = "demo-seed"
FIRST_MONTH = date(2024, 1, 1)
BATCH = 400


def _months(first: date, today: date) -> Iterator[tuple[date, date]]:
    day = first
    while day <= today:
        yield day, min(month_end(day.year, day.month), today)
        day = month_end(day.year, day.month) + timedelta(days=1)


class _Maker:
    """Answers for one form, realistic where the plan reads them, generic elsewhere."""

    def __init__(self, rng: random.Random, form: FormDefinition) -> None:
        self.rng, self.form = rng, form

    def answers(self, day: date, specific: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {self.form.period_field: day.isoformat()}
        for f in self.form.fields:
            if f.name in out or f.type in (FieldType.CALCULATED, FieldType.NOTE):
                continue
            if f.name in specific:
                out[f.name] = specific[f.name]
            elif f.required or f.type in (FieldType.SELECT_ONE,):
                value = self._generic(f)
                if value is not None:
                    out[f.name] = value
        return out

    def _generic(self, f) -> Any:
        rng = self.rng
        if f.type == FieldType.SELECT_ONE:
            return rng.choice(f.choices).value
        if f.type == FieldType.SELECT_MANY:
            return [c.value for c in rng.sample(f.choices, k=min(2, len(f.choices)))]
        if f.type == FieldType.INTEGER:
            low = int(f.min if f.min is not None else 0)
            return rng.randint(low, max(low, min(int(f.max if f.max is not None else 30), low + 30)))
        if f.type == FieldType.DECIMAL:
            return round(rng.uniform(1, 8), 1)
        if f.type in (FieldType.TEXT, FieldType.LONG_TEXT):
            return "Dữ liệu mẫu"
        if f.type == FieldType.TIME:
            return f"{rng.randint(7, 17):02d}:{rng.choice(['00', '30'])}"
        if f.type == FieldType.COUNT_GRID:
            return {r.value: {c.value: rng.randint(0, 20) for c in f.columns} for r in f.rows}
        return None


def _quiz_answers(rng: random.Random, form: FormDefinition, p_correct: float) -> dict[str, Any]:
    out = {}
    for f in form.quiz_fields():
        wrong = [c.value for c in f.choices if c.value != f.quiz.correct]
        out[f.name] = f.quiz.correct if rng.random() < p_correct or not wrong else rng.choice(wrong)
    return out


def demo_records(
    units: list[Unit], forms: dict[str, FormDefinition], today: date, *, seed: int = 2021
) -> list[Record]:
    """The demo's field records, oldest first; every one valid against its form."""
    rng = random.Random(seed)
    out: list[Record] = []
    pace = {u.code: rng.uniform(0.55, 1.25) for u in units}  # some units run ahead, some behind

    def add(form_id: str, unit: Unit, day: date, specific: dict[str, Any]) -> None:
        form = forms.get(form_id)
        if form is None:
            return
        answers = _Maker(rng, form).answers(day, specific)
        if validate_answers(form, answers, final=True, today=today):
            return  # a field the generator does not know how to fill: leave the record out
        stamp = datetime.combine(day, time(9, 0), tzinfo=UTC) + timedelta(minutes=rng.randint(0, 480))
        out.append(
            Record(
                id=uuid.UUID(int=rng.getrandbits(128), version=4),
                form_id=form.id,
                form_version=form.version,
                unit=unit.code,
                author=AUTHOR,
                device=DEVICE,
                created_at=stamp,
                updated_at=stamp,
                revision=1,
                status=RecordStatus.FINAL,
                answers=answers,
            )
        )

    def some(x: float) -> int:
        """``x`` rounded at random (2.3 is 3 three times in ten): small units still train someone."""
        return int(x) + (rng.random() < x - int(x))

    def day_in(start: date, end: date) -> date:
        return start + timedelta(days=rng.randint(0, (end - start).days))

    reached: dict[tuple[str, int, str], int] = {}  # (unit, year, who) -> people reached so far that year

    def first_time(unit: Unit, year: int, who: str, attending: int, headcount: int) -> int:
        """How many of ``attending`` are new this year: most at first, fewer as the year fills up."""
        done = reached.get((unit.code, year, who), 0)
        new = min(attending, max(0, headcount - done), some(attending * rng.uniform(0.5, 0.9)))
        reached[(unit.code, year, who)] = done + new
        return new

    for start, end in _months(FIRST_MONTH, today):
        months_in = (start.year - FIRST_MONTH.year) * 12 + start.month
        for u in units:
            y, p = start.year, pace[u.code]
            forces = sum(baseline_for(u, k, y) for k in ("standing_force", "reserve_force", "militia"))
            military = sum(baseline_for(u, k, y) for k in ("military_reporters", "military_propagandists"))
            local = sum(
                baseline_for(u, k, y)
                for k in ("local_reporters", "local_propagandists", "local_collaborators", "local_mediators")
            )
            if u.type in ("commune", "post") and start >= date(2025, 1, 1):
                survey = forms.get("awareness_survey")
                # Understanding rises over the months, faster where the unit keeps pace.
                p_correct = min(0.95, 0.45 + 0.012 * months_in * p)
                for _ in range(rng.randint(3, 6)):
                    if survey is not None:
                        add("awareness_survey", u, day_in(start, end), _quiz_answers(rng, survey, p_correct))
            if u.type in ("commune", "post") and forces and start >= date(2025, 1, 1):
                soldiers = some(forces / 30 * p * rng.uniform(0.7, 1.3))
                citizens, cadres = rng.randint(20, 120), rng.randint(2, 15)
                add(
                    "outreach_session",
                    u,
                    day_in(start, end),
                    {
                        "attendees_soldiers": soldiers,
                        "soldiers_first_time": first_time(u, y, "forces", soldiers, forces),
                        "attendees_citizens": citizens,
                        "attendees_cadres": cadres,
                        # women: never more than everyone attending (the form refuses that)
                        "attendees_female": min(rng.randint(5, 60), soldiers + citizens + cadres),
                        "materials": rng.randint(0, 80),
                    },
                )
            if start.month in (3, 6, 9, 12) and start >= date(2025, 1, 1) and (military or local):
                share = 0.09 * p
                if military:
                    n = some(military * share * rng.uniform(0.6, 1.4))
                    add(
                        "training",
                        u,
                        day_in(start, end),
                        {
                            "trainee_force": "military",
                            "trained_propagandists": n,
                            "new_propagandists": first_time(u, y, "military", n, military),
                            "trained_reporters": 0,
                            "trained_collaborators": 0,
                            "trained_mediators": 0,
                            "hours": 8.0,
                        },
                    )
                if local:
                    n = some(local * share * rng.uniform(0.6, 1.4))
                    add(
                        "training",
                        u,
                        day_in(start, end),
                        {
                            "trainee_force": "local",
                            "trained_propagandists": n,
                            "new_propagandists": first_time(u, y, "local", n, local),
                            "trained_reporters": 0,
                            "trained_collaborators": 0,
                            "trained_mediators": 0,
                            "hours": 8.0,
                        },
                    )
            if u.type == "post" and forces:
                # Monthly discipline returns; violations fall year on year where the unit keeps pace.
                rate = max(0.0, 0.012 - 0.0004 * months_in * p)
                add(
                    "discipline_return",
                    u,
                    date(start.year, start.month, 1),
                    {
                        "headcount": forces,
                        "violations_law": int(rng.random() < forces * rate / 3),
                        "violations_discipline": sum(rng.random() < rate for _ in range(forces)),
                    },
                )
            if u.type == "mediation_team":
                for _ in range(rng.randint(0, 3)):
                    add(
                        "mediation_case",
                        u,
                        day_in(start, end),
                        {
                            "outcome": "settled"
                            if rng.random() < 0.8
                            else rng.choice(["unsettled", "referred"]),
                            "parties": 2,
                        },
                    )
    return out


def seed_demo_records(db: Database, *, today: date, now: datetime) -> int:
    """Push the demo records through the real ingest unless the tree already has some; returns how many."""
    with db.session(write=True) as s:
        if s.scalar(select(func.count()).select_from(RecordRow).where(RecordRow.author == AUTHOR)):
            return 0
        rows = s.scalars(select(UnitRow)).all()
        units = [to_unit(r) for r in rows]
        forms = latest_forms(load_forms(s))
        paths = {r.code: r.path for r in rows}
        roots = sorted((r for r in rows if r.parent_code is None), key=lambda r: r.code)
    records = demo_records(units, forms, today)
    stored = 0
    # The demo author is no account: an admin acting at each root, so the real ingest takes the records.
    author = UserRow(id=0, username=AUTHOR, full_name="Dữ liệu mẫu", role=Role.ADMIN.value)
    for root in roots:
        caller = Caller.of(author, root)
        mine = [r for r in records if is_within(paths.get(r.unit, ""), root.path)]
        for i in range(0, len(mine), BATCH):
            with db.session(write=True) as s:
                receipts = push_records(s, caller=caller, records=mine[i : i + BATCH], today=today, now=now)
            stored += sum(1 for r in receipts if r.status.value == "stored")
    return stored
