"""The phone's one registry of forms: read once per pull, used by the store, the search and the screens."""

from __future__ import annotations

from mobile.record_query import RecordQuery, search
from mobile.records import RecordStore
from mobile.vault import Vault

from .helpers import FORMS, pull_response, survey_answers

SURVEY = FORMS["awareness_survey"]


class CountingStore(RecordStore):
    """A real store that counts how often the cached pull is read and validated."""

    reads = 0

    def cached_pull(self):
        self.reads += 1
        return super().cached_pull()


def test_form_registry__a_search_reads_the_pull_once_not_once_per_record(vault: Vault):
    store = CountingStore(vault, author="canbo", unit="HN-SS-MT", device="d")
    store.save_pull(pull_response())
    for i in range(50):
        store.save_draft(store.new_record(SURVEY), survey_answers(ethnicity=f"Dao nhom{i:02d}x"))
    store.reads = 0
    found = search(store.list(), store.form_for, RecordQuery(text="dao"), "vi")
    assert len(found) == 50
    assert store.reads <= 1
    again = search(store.list(), store.form_for, RecordQuery(text="nhom07x"), "vi")
    assert len(again) == 1 and store.reads <= 1  # the second search reads nothing


def test_form_registry__a_new_pull_brings_its_forms(vault: Vault):
    store = RecordStore(vault, author="canbo", unit="HN-SS-MT", device="d")
    rec = store.new_record(SURVEY)
    assert store.form_for(rec) is store.form_for(rec)  # parsed once, the same object after
    newer = SURVEY.model_copy(update={"version": SURVEY.version + 1})
    assert newer.key not in {f.key for f in store.forms()}
    store.save_pull(pull_response([*FORMS.values(), newer]))
    assert newer.key in {f.key for f in store.forms()}
    assert store.form_for(rec.model_copy(update={"form_version": newer.version})) == newer
