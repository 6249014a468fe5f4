"""The photo question's view model: attach, remove, the bounds the shared validator applies."""

from __future__ import annotations

import hashlib

import pytest

from mobile.app.viewmodels.photo_question import PhotoQuestion
from mobile.errors import InputError
from schemas.catalog import latest_forms, shipped_forms
from schemas.common import text
from schemas.form_validation import validate_answers
from schemas.forms import FieldType, FormField
from schemas.media import MAX_PHOTOS, MediaRef


def ref(n: int, name: str | None = None) -> MediaRef:
    sha = hashlib.sha256(f"photo {n}".encode()).hexdigest()
    return MediaRef(
        sha256=sha, size=1000 + n, mime="image/jpeg", name=name or f"anh-{n}.jpg", width=8, height=6
    )


def field(**kw) -> FormField:
    return FormField(name="photos", type=FieldType.IMAGE, label=text("Ảnh", "Photos"), **kw)


def test_attach_and_remove_give_the_answer_as_reference_dicts() -> None:
    q = PhotoQuestion(field(max=3))
    assert q.value() is None and q.can_add
    assert q.attach(ref(1)) and q.attach(ref(2))
    assert not q.attach(ref(1))  # the same photo twice is one photo
    assert [r["name"] for r in q.value() or []] == ["anh-1.jpg", "anh-2.jpg"]
    assert q.remove(ref(1).sha256) and not q.remove(ref(1).sha256)
    assert [r["sha256"] for r in q.value() or []] == [ref(2).sha256]
    assert q.remove(ref(2).sha256) and q.value() is None


def test_max_refuses_more_with_a_sentence() -> None:
    q = PhotoQuestion(field(max=2))
    q.attach(ref(1))
    q.attach(ref(2))
    assert not q.can_add
    with pytest.raises(InputError) as info:
        q.attach(ref(3))
    assert "tối đa 2 ảnh" in info.value.message.vi and "at most 2 photos" in info.value.message.en
    assert len(q.refs) == 2


def test_without_max_the_contract_limit_applies() -> None:
    q = PhotoQuestion(field())
    assert q.max_photos == MAX_PHOTOS
    for n in range(MAX_PHOTOS):
        q.attach(ref(n))
    assert not q.can_add


def test_min_and_required_shown_in_the_counter() -> None:
    assert PhotoQuestion(field(min=2, max=4)).min_photos == 2
    assert PhotoQuestion(field(required=True)).min_photos == 1
    q = PhotoQuestion(field(min=2, max=4))
    q.attach(ref(1))
    assert q.counter().vi == "1/4 ảnh (cần ít nhất 2)"
    q.attach(ref(2))
    assert q.counter().en == "2/4 photos"


def test_names_follow_on_after_a_removal() -> None:
    q = PhotoQuestion(field())
    assert q.next_name() == "anh-1.jpg"
    q.attach(ref(1, "anh-1.jpg"))
    q.attach(ref(2, "anh-2.jpg"))
    q.remove(ref(1).sha256)
    assert q.next_name() == "anh-3.jpg"  # never a name already used in this question


def test_what_the_model_allows_the_shared_validator_accepts() -> None:
    form = latest_forms(shipped_forms())["outreach_session"]
    photo_field = form.field("evidence_photos")
    assert photo_field is not None and photo_field.type == FieldType.IMAGE and not photo_field.required
    q = PhotoQuestion(photo_field)
    for n in range(q.max_photos):
        q.attach(ref(n))
    issues = validate_answers(form, {"evidence_photos": q.value()}, final=False)
    assert not [i for i in issues if i.field == "evidence_photos"]
    too_many = q.value() + [ref(99).model_dump(mode="json")]  # type: ignore[operator]
    issues = validate_answers(form, {"evidence_photos": too_many}, final=False)
    assert [i.code for i in issues if i.field == "evidence_photos"]


def test_a_damaged_answer_keeps_only_the_good_references() -> None:
    q = PhotoQuestion(field(), [ref(1).model_dump(mode="json"), {"sha256": "nope"}, "x"])
    assert [r.sha256 for r in q.refs] == [ref(1).sha256]
