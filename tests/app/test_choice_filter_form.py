"""Choice filters on the phone: the select inputs offer only what the filter lets through and follow
the answers they read; an answer no longer offered is cleared (as ODK Collect does), down the chain
province → district → a repeat entry's commune. First through the form session and the plain inputs,
then on a fake page session running the app's real ``main`` on a form pulled from a real server."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import flet as ft

from mobile.app.fields import SelectManyInput, SelectOneInput
from mobile.app.inputs import make_input
from mobile.app.repeat_input import RepeatInput
from mobile.app.service import AppService
from mobile.app.viewmodels.choice_options import keep_offered
from mobile.app.viewmodels.form_session import FormSession
from mobile.settings_store import load_settings, save_settings
from schemas.forms import FormDefinition
from schemas.records import Record
from tests.app.fake_page import walk
from tests.app.test_android_session import _started, _unlock, _until_route
from tests.mobile.helpers import FAST_KDF, PIN
from tests.support.choice_forms import choice_form
from tests.xlsform import workbooks

FORM = FormDefinition.model_validate(choice_form())


def _record(form: FormDefinition) -> Record:
    return Record.model_validate(
        {
            "id": "6f1c1d7e-7a57-4c77-9d4c-0c6d2b7f6a11",
            "form_id": form.id,
            "form_version": form.version,
            "unit": "HN-SS-MT",
            "author": "canbo",
            "device": "phone-1",
            "created_at": "2026-11-20T00:00:00+00:00",
            "updated_at": "2026-11-20T00:00:00+00:00",
            "revision": 1,
            "status": "draft",
            "answers": {},
        }
    )


def _session(answers: dict) -> FormSession:
    session = FormSession(_record(FORM), FORM, answers)
    for name, value in answers.items():
        session.set(name, value)
    return session


def test_choice_filter_session__a_changed_province_clears_the_chain():
    session = _session(
        {"held_on": "2026-11-20", "province": "hn", "district": "bd", "homes": [{"commune": "phuc_xa"}]}
    )
    state, changed = session.settle()
    assert changed == set()  # all offered: nothing is touched
    assert [c.value for c in session.options("district", state)] == ["bd", "hk"]

    session.set("province", "hp")
    state, changed = session.settle()
    assert changed == {"district", "homes"}
    answers = session.answers()
    assert "district" not in answers and answers["homes"] == [{}]  # the commune went with its district
    assert [c.value for c in session.options("district", state)] == ["lc"]


def test_choice_filter_session__select_many_keeps_what_is_still_offered():
    session = _session({"kind": "forum", "topics": ["drugs", "land", "family"]})
    assert session.settle()[1] == set()
    session.set("kind", "talk")
    _, changed = session.settle()
    assert changed == {"topics"} and session.answers()["topics"] == ["drugs", "family"]
    topics = FORM.field("topics")
    assert topics is not None
    assert keep_offered(topics, ["land"], []) is None
    assert keep_offered(topics, "not a list", []) == "not a list"  # the validator words that one


def test_choice_filter_session__a_hidden_question_keeps_its_answer():
    data = choice_form()
    data["fields"][2]["relevant"] = "${kind} = 'forum'"
    data["fields"][2]["required"] = False
    form = FormDefinition.model_validate(data)
    session = FormSession(_record(form), form, {})
    for name, value in {"province": "hp", "district": "bd"}.items():
        session.set(name, value)
    assert session.settle()[1] == set() and session.answers()["district"] == "bd"


def test_choice_filter_inputs__options_follow_what_is_offered():
    district = FORM.field("district")
    assert district is not None
    box = make_input(district, "vi")
    assert isinstance(box, SelectOneInput)
    box.set("bd")
    box.offer([c for c in district.choices if c.value in ("bd", "hk")])
    assert box.shown_options() == ["bd", "hk"] and box.value() == "bd" and not box.none_offered.visible
    box.offer([])
    assert box.shown_options() == [] and box.value() is None and box.none_offered.visible

    topics = FORM.field("topics")
    assert topics is not None
    many = make_input(topics, "en")
    assert isinstance(many, SelectManyInput)
    many.set(["drugs", "land"])
    many.offer([c for c in topics.choices if c.value != "land"])
    assert many.shown_options() == ["drugs", "family"] and many.value() == ["drugs"]


def test_choice_filter_inputs__a_repeat_entry_offers_the_record_s_district_communes():
    homes = FORM.field("homes")
    assert homes is not None
    box = make_input(homes, "vi")
    assert isinstance(box, RepeatInput)
    box.set([{"commune": "phuc_xa"}])
    assert box.value() == [{"commune": "phuc_xa"}]  # before the form's first refresh nothing is cleared
    box.refresh({"district": "bd"})
    commune = box.entries[0].inputs["commune"]
    assert isinstance(commune, SelectOneInput)
    assert commune.shown_options() == ["phuc_xa"] and box.value() == [{"commune": "phuc_xa"}]
    box.refresh({"district": "hk"})
    assert commune.shown_options() == ["hang_bac"] and box.value() == [{}]


def _radios(page: ft.Page, values: set[str]) -> dict[str, ft.Radio]:
    return {c.value: c for c in walk(page.views[-1]) if isinstance(c, ft.Radio) and c.value in values}


def _shown(radios: dict[str, ft.Radio]) -> list[str]:
    return sorted(v for v, r in radios.items() if r.visible is not False)


def test_choice_filter_form__the_pulled_form_follows_the_province(tmp_path: Path, live_server) -> None:
    wb = workbooks.province_district(tmp_path)
    # The server's own command, in the server's environment: the phone's test environment (the
    # oldest declared versions, scripts/test_phone_oldest.sh) has no server packages.
    server_python = os.environ.get("FIELDTALLY_SERVER_PYTHON", sys.executable)
    publish = [server_python, "-m", "sync_server.cli", "import-xlsform", str(wb), "--publish"]
    done = subprocess.run(
        [*publish, "--database-url", live_server.database_url], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
    folder = tmp_path / "app"

    async def flow() -> None:
        svc = AppService(folder, kdf_params=FAST_KDF)
        await svc.enroll(live_server.url, "canbo", "canbo123")
        await svc.create_pin(PIN, PIN)
        await svc.sync()
        record, form = svc.new_record("visits")
        assert form.field("district") is not None and form.field("district").choice_filter
        answers = {"visit_date": date.today().isoformat(), "province": "hn", "district": "bd"}
        await svc.autosave(record, {**answers, "homes": [{"commune": "phuc_xa"}]})
        svc.lock()
        settings = load_settings(folder)
        settings.lock_after_seconds = 0
        save_settings(folder, settings)

        session, page = await _started(folder)
        await _unlock(session, page)
        assert page.views[-1].route.startswith("/record/")  # the autosave slot brought the form back
        districts = _radios(page, {"bd", "hk", "lc"})
        assert _shown(districts) == ["bd", "hk"]
        assert _shown(_radios(page, {"phuc_xa", "hang_bac", "closed"})) == ["phuc_xa"]  # not the closed one

        province = next(
            c
            for c in walk(page.views[-1])
            if isinstance(c, ft.RadioGroup) and _radio_values(c) == {"hn", "hp"}
        )
        province.value = "hp"
        await session.dispatch_event(province._i, "change", None)
        await asyncio.sleep(0.1)
        assert _shown(districts) == ["lc"]
        district = next(
            c for c in walk(page.views[-1]) if isinstance(c, ft.RadioGroup) and "lc" in _radio_values(c)
        )
        assert district.value is None  # cleared: Ba Đình is not in Hải Phòng
        assert _shown(_radios(page, {"phuc_xa", "hang_bac", "closed"})) == []
        nothing = "Chưa có lựa chọn nào phù hợp với các câu trả lời ở trên."
        assert any(isinstance(c, ft.Text) and c.value == nothing and c.visible for c in walk(page.views[-1]))

        # hidden, the app keeps the form in the autosave slot and locks: the cleared answers are kept
        await session.dispatch_event(page._i, "app_lifecycle_state_change", {"state": "hide"})
        await _until_route(page, "/unlock")
        session.close()
        svc = AppService(folder, kdf_params=FAST_KDF)
        await svc.unlock(PIN)
        saved = await svc.autosaved()
        svc.lock()
        assert saved is not None
        _, _, kept = saved
        assert kept.get("province") == "hp" and "district" not in kept and kept.get("homes") == [{}]

    asyncio.run(flow())


def _radio_values(group: ft.RadioGroup) -> set[str]:
    return {c.value for c in walk(group) if isinstance(c, ft.Radio)}
