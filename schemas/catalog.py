"""The forms and plans shipped with fieldtally, read from package data."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

from .forms import FormDefinition
from .plans import Plan
from .quiz import BANK_FILE, expand_bank_questions, shipped_bank


def _load(folder: str, *, skip: tuple[str, ...] = ()) -> list[dict]:
    root = resources.files("schemas") / folder
    return [
        json.loads(p.read_text(encoding="utf-8"))
        for p in sorted(root.iterdir(), key=lambda p: p.name)
        if p.name.endswith(".json") and p.name not in skip
    ]


def load_form(raw: dict) -> FormDefinition:
    """A form definition from its JSON, with the quiz-bank questions it names filled in."""
    return FormDefinition.model_validate(expand_bank_questions(raw, shipped_bank()))


@lru_cache(maxsize=1)
def shipped_forms() -> tuple[FormDefinition, ...]:
    return tuple(load_form(d) for d in _load("forms", skip=(BANK_FILE,)))


@lru_cache(maxsize=1)
def shipped_plans() -> tuple[Plan, ...]:
    return tuple(Plan.model_validate(d) for d in _load("plans"))


def form_index(forms) -> dict[tuple[str, int], FormDefinition]:
    return {f.key: f for f in forms}


def latest_forms(forms) -> dict[str, FormDefinition]:
    """The newest version of each form id."""
    out: dict[str, FormDefinition] = {}
    for f in forms:
        if f.id not in out or f.version > out[f.id].version:
            out[f.id] = f
    return out
