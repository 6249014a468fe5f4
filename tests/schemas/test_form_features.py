"""Which features a form needs of the app that opens it, and what a pull's header names."""

from __future__ import annotations

from schemas.catalog import shipped_forms
from schemas.form_features import PHOTOS, READS, form_features, parse_reads, readable, reads_header


def test_form_features__photos_at_the_top_or_inside_a_repeat():
    by_key = {f.key: form_features(f) for f in shipped_forms()}
    assert by_key[("outreach_session", 3)] == {PHOTOS}
    assert by_key[("outreach_session", 2)] == frozenset() and by_key[("outreach_session", 1)] == frozenset()
    v3 = next(f for f in shipped_forms() if f.key == ("outreach_session", 3))
    inside = v3.model_copy(
        update={
            "fields": [
                f if f.type.value != "image" else f.model_copy(update={"type": f.type.__class__.TEXT})
                for f in v3.fields
            ]
        }
    )
    assert form_features(inside) == frozenset()  # the photo question was the only reason


def test_form_features__this_app_reads_what_its_forms_use_and_says_so():
    assert all(form_features(f) <= READS for f in shipped_forms())
    assert parse_reads(reads_header()[next(iter(reads_header()))]) == READS
    assert readable(shipped_forms(), READS) == list(shipped_forms())


def test_form_features__the_header_never_raises_and_names_only_plain_names():
    assert parse_reads(None) == frozenset() and parse_reads("") == frozenset()
    assert parse_reads(" image , future_x,BAD,a b,") == {"image", "future_x"}
    assert parse_reads("x" * 100_000) == frozenset()
    assert len(parse_reads(",".join(f"f{i}" for i in range(10_000)))) < 300  # read to 1,000 chars
