"""Choice filters on the server: a pushed record whose answer its question's filter does not offer is
refused with the phone's message; a good one is stored; only an app that reads filters is sent the form."""

from __future__ import annotations

from schemas.common import utcnow
from schemas.form_features import CHOICE_FILTER, PHOTOS, reads_header
from schemas.forms import FormDefinition
from schemas.sync import PullResponse
from sync_server.db import Database
from sync_server.services.catalog import publish_form
from tests.support.choice_forms import choice_form

from .helpers import Api, record, this_year_day

DAY = this_year_day()


def _publish(db: Database) -> None:
    with db.session(write=True) as s:
        assert publish_form(s, form=FormDefinition.model_validate(choice_form()), now=utcnow(), actor="admin")


def test_push__an_answer_the_filter_does_not_offer_is_refused_with_the_message(
    api: Api, db: Database
) -> None:
    _publish(db)
    answers = {"held_on": DAY, "province": "hp", "district": "bd", "homes": [{"commune": "hang_bac"}]}
    resp = api.push(record("visits", answers))
    assert resp.status_code == 200, resp.text
    receipt = resp.json()["receipts"][0]
    assert receipt["status"] == "rejected"
    by_field = {i["field"]: i for i in receipt["issues"]}
    assert set(by_field) == {"district", "homes[1].commune"}
    assert by_field["district"]["code"] == "not_offered"
    assert "«Ba Đình» không có trong các lựa chọn" in by_field["district"]["message"]["vi"]
    assert "“Ba Dinh” is not offered" in by_field["district"]["message"]["en"]

    good = record("visits", {**answers, "province": "hn", "district": "hk"})
    assert api.statuses(good) == ["stored"]


def test_pull__only_an_app_that_reads_choice_filters_gets_the_form(api: Api, db: Database) -> None:
    _publish(db)

    def keys(headers: dict[str, str]) -> set[tuple[str, int]]:
        resp = api.client.get("/api/v1/sync/pull", headers={**api.auth("canbo"), **headers})
        assert resp.status_code == 200, resp.text
        return {f.key for f in PullResponse.model_validate(resp.json()).forms}

    assert ("visits", 1) in keys(reads_header())
    assert ("visits", 1) not in keys(reads_header({PHOTOS}))  # an app built before choice filters
    assert ("visits", 1) in keys(reads_header({PHOTOS, CHOICE_FILTER}))
