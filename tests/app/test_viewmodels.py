"""The screens' plain models, without Flet: the form session and the progress navigation."""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path

from mobile.app.service import AppService
from mobile.app.viewmodels.form_session import FormSession
from mobile.app.viewmodels.progress_model import UNCACHED, ProgressModel, View
from mobile.records import RecordStore
from mobile.reports import NotCached, ProgressSource, period_choices
from mobile.vault import Vault
from schemas.form_deps import refresh_triggers
from schemas.records import RecordStatus
from tests.mobile.helpers import FAST_KDF, FORMS, PIN, pull_response

SURVEY = FORMS["awareness_survey"]


def _record(tmp_path: Path):
    vault = Vault.create(tmp_path / "v", PIN, kdf_params=FAST_KDF)
    store = RecordStore(vault, author="canbo", unit="HN-SS-MT", device="d")
    return vault, store.new_record(SURVEY)


def test_form_session__answers_refreshes_and_leaving(tmp_path: Path):
    vault, record = _record(tmp_path)
    try:
        s = FormSession(record, SURVEY, {})
        assert s.first_value(SURVEY.period_field, today=date(2026, 3, 5)) == "2026-03-05"  # a new record
        s.set(SURVEY.period_field, "2026-03-05")
        s.shown()
        assert not s.leaving_saves_draft()  # as first shown: nothing to keep

        quiz = SURVEY.quiz_fields()[0].name
        assert s.set(quiz, "a") is True  # the score follows: refresh
        plain = next(f.name for f in SURVEY.fields if f.name not in refresh_triggers(SURVEY))
        assert s.set(plain, "x") is False
        assert s.answers()[quiz] == "a" and s.leaving_saves_draft()
        assert s.first_value(quiz) == "a"  # drawn again, a question keeps what was typed
        s.set(quiz, None)
        s.set(plain, None)
        assert quiz not in s.answers() and not s.leaving_saves_draft()

        restored = FormSession(record, SURVEY, {quiz: "b"}, restored=True)
        restored.set(quiz, "b")
        restored.shown()
        assert restored.leaving_saves_draft()  # from the autosave slot: not saved anywhere yet
        final = FormSession(record.model_copy(update={"status": RecordStatus.FINAL}), SURVEY, {})
        final.shown()
        final.set(quiz, "a")
        assert not final.leaving_saves_draft()  # a finalized record is left as it was
    finally:
        vault.close()


def test_progress_model__navigates_offline_and_says_what_it_cannot_fetch(tmp_path: Path):
    pull = pull_response()
    source = ProgressSource(pull, None)  # never enrolled: nothing can be asked of a server
    service = AppService(tmp_path / "app")
    plan = source.plans[0]
    period = period_choices(plan, date(2026, 3, 20))[0]
    changes: list[int] = []
    model = ProgressModel(service, source, View(plan.id, "HN-SS-MT", period), lambda: changes.append(1))

    model.load_cached()
    assert model.report is None and model.problem == UNCACHED and not model.live
    asyncio.run(model.open_child("HN-SS-MT-T1"))
    assert model.view.trail == ["HN-SS-MT"] and model.view.unit == "HN-SS-MT-T1"
    # Not cached, so it was asked for: the source cannot, and the model says why instead.
    assert isinstance(model.problem.error, NotCached) and not model.busy and changes
    assert model.trail_units() == ["HN-SS-MT", "HN-SS-MT-T1"]
    assert model.back() is True and model.view.unit == "HN-SS-MT" and model.view.trail == []
    assert model.back() is False  # at the top: the screen is left
