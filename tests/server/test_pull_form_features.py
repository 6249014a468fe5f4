"""A pull sends a phone only the forms it can open (schemas.form_features), on both databases.

An app built before photo questions reads forms strictly: one form with a photo question in its pull
would fail the whole pull, and that officer could neither record nor send. Such an app sends no
form-features header; it gets every form version without photos (so it keeps recording on the
outreach form's version 2) and the server still takes its records.
"""

from __future__ import annotations

from schemas.catalog import shipped_forms
from schemas.form_features import FORM_FEATURES_HEADER, PHOTOS, form_features, reads_header
from schemas.forms import FieldType
from schemas.sync import PullResponse

from .helpers import Api


def _pull(api: Api, headers: dict[str, str]) -> PullResponse:
    resp = api.client.get("/api/v1/sync/pull", headers={**api.auth("canbo"), **headers})
    assert resp.status_code == 200, resp.text
    return PullResponse.model_validate(resp.json())


def _uses_photos(pull: PullResponse) -> bool:
    return any(q.type == FieldType.IMAGE for f in pull.forms for g in f.fields for q in (g, *g.fields))


def test_pull__an_app_that_names_no_features_gets_no_form_with_photos(api: Api) -> None:
    shipped = {f.key for f in shipped_forms()}
    with_photos = {f.key for f in shipped_forms() if PHOTOS in form_features(f)}
    assert with_photos  # the shipped outreach form asks for photos since its version 3

    old = _pull(api, {})
    assert {f.key for f in old.forms} == shipped - with_photos
    assert not _uses_photos(old)
    assert ("outreach_session", 2) in {f.key for f in old.forms}  # it records on the version it reads

    new = _pull(api, reads_header())
    assert {f.key for f in new.forms} == shipped and _uses_photos(new)


def test_pull__the_header_is_read_without_trust(api: Api) -> None:
    for value in ("", " , ,", "IMAGE", "image;drop table", "x" * 5000, "\u0000image", "a," * 3000):
        pull = _pull(api, {FORM_FEATURES_HEADER: value})
        assert not _uses_photos(pull), value
    assert _uses_photos(_pull(api, {FORM_FEATURES_HEADER: "repeat , image ,future-thing"}))


def test_pull__the_etag_differs_with_what_the_app_reads(api: Api) -> None:
    auth = api.auth("canbo")
    old = api.client.get("/api/v1/sync/pull", headers=auth)
    new = api.client.get("/api/v1/sync/pull", headers={**auth, **reads_header()})
    assert old.headers["ETag"] != new.headers["ETag"]
    # an older app's cached copy is never answered "not modified" for the newer app's request
    again = api.client.get(
        "/api/v1/sync/pull", headers={**auth, **reads_header(), "If-None-Match": old.headers["ETag"]}
    )
    assert again.status_code == 200
