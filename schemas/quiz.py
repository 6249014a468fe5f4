"""The bank of legal-knowledge questions that awareness surveys draw their quiz from.

One question is written once, in both languages, with its topic and its right
answer; a form names it (``"bank": "border_crossing"``) instead of repeating
it. The bank is expanded into the form when the form is loaded, so the form
the phone shows and the server checks is complete and self-contained: a
record keeps being scored by the definition of its own version, even after
the bank's wording of a question changes.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

from pydantic import Field, model_validator

from .common import LocalizedText, Strict
from .forms import Choice

BANK_FILE = "quiz_bank.json"


class Topic(Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")
    label: LocalizedText


class BankQuestion(Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")
    topic: str
    label: LocalizedText
    choices: list[Choice] = Field(min_length=2)
    correct: str
    points: int = Field(default=1, ge=1)

    @model_validator(mode="after")
    def _correct_is_a_choice(self) -> BankQuestion:
        if self.correct not in {c.value for c in self.choices}:
            raise ValueError(f"question {self.id}: the correct answer is not one of the choices")
        return self


class QuizBank(Strict):
    id: str
    version: int = Field(ge=1)
    topics: list[Topic]
    questions: list[BankQuestion]

    @model_validator(mode="after")
    def _consistent(self) -> QuizBank:
        ids = [q.id for q in self.questions]
        if len(ids) != len(set(ids)):
            raise ValueError("quiz bank: question ids repeat")
        topics = {t.id for t in self.topics}
        for q in self.questions:
            if q.topic not in topics:
                raise ValueError(f"quiz bank: question {q.id} has unknown topic {q.topic}")
        return self

    def question(self, question_id: str) -> BankQuestion | None:
        return next((q for q in self.questions if q.id == question_id), None)

    def by_topic(self, topic: str) -> list[BankQuestion]:
        return [q for q in self.questions if q.topic == topic]


@lru_cache(maxsize=1)
def shipped_bank() -> QuizBank:
    raw = (resources.files("schemas") / "forms" / BANK_FILE).read_text(encoding="utf-8")
    return QuizBank.model_validate(json.loads(raw))


def expand_bank_questions(raw_form: dict[str, Any], bank: QuizBank) -> dict[str, Any]:
    """``raw_form`` with every ``"bank": id`` field completed from the bank (a new dict).

    A field may still set its own label (e.g. a shorter wording); the choices
    and the right answer always come from the bank, so a question cannot be
    scored against a key that does not match its options. An unknown id is a
    ValueError: a form that names a question nobody wrote must not ship.
    """
    fields = []
    for raw in raw_form.get("fields", []):
        qid = raw.get("bank") if isinstance(raw, dict) else None
        if qid is None:
            fields.append(raw)
            continue
        q = bank.question(qid)
        if q is None:
            raise ValueError(
                f"form {raw_form.get('id')}: field {raw.get('name')} names unknown quiz question {qid}"
            )
        full = {"type": "select_one", "label": q.label.model_dump(), **raw}
        full["choices"] = [c.model_dump() for c in q.choices]
        full["quiz"] = {"correct": q.correct, "topic": q.topic, "points": q.points}
        fields.append(full)
    return {**raw_form, "fields": fields}
