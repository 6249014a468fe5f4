"""RecordStore.forms (the one registry): shipped, then pulled forms, read from the vault once per pull."""

from __future__ import annotations

from mobile.records import PULL_KEY, RecordStore
from schemas.catalog import shipped_forms

from .helpers import FORMS, pull_response


def _v2(form_id: str):
    return FORMS[form_id].model_copy(update={"version": FORMS[form_id].version + 1})


def test_known_forms__shipped_first_then_what_the_pull_brought(store: RecordStore):
    shipped = [f.key for f in shipped_forms()]
    assert [f.key for f in store.forms()] == shipped
    store.save_pull(pull_response([*FORMS.values(), _v2("awareness_survey")]))
    keys = [f.key for f in store.forms()]
    assert keys == [*shipped, ("awareness_survey", FORMS["awareness_survey"].version + 1)]


def test_known_forms__the_pull_is_read_once_per_pull_not_once_per_call(store: RecordStore):
    store.save_pull(pull_response([*FORMS.values(), _v2("training")]))
    first = [f.key for f in store.forms()]
    # A pull that no longer loads, written behind the store's back: the forms already read stand,
    # so the store did not read the pull again (each read validates all of it, tallies too).
    store.set_meta(PULL_KEY, {"not": "a pull"})
    assert [f.key for f in store.forms()] == first
    store.save_pull(pull_response([*FORMS.values(), _v2("outreach_session")]))  # a new pull is read
    keys = [f.key for f in store.forms()]
    assert ("outreach_session", FORMS["outreach_session"].version + 1) in keys
    assert ("training", FORMS["training"].version + 1) not in keys


def test_known_forms__callers_cannot_change_the_cached_list(store: RecordStore):
    store.forms().clear()
    assert len(store.forms()) == len(shipped_forms())
