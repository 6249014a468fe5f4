"""Photo questions in the contract: references by hash, checked the same on the phone and the server."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest
from pydantic import ValidationError

from schemas.answer_labels import value_label
from schemas.common import ErrorBody, text
from schemas.form_validation import validate_answers
from schemas.forms import FieldType, FormDefinition
from schemas.media import (
    MAX_MEDIA_BYTES,
    MAX_PHOTOS,
    MediaRef,
    MediaStatus,
    export_name,
    has_photos,
    media_refs,
    record_photos,
)

TODAY = date(2026, 11, 22)


def sha(n: int) -> str:
    return hashlib.sha256(str(n).encode()).hexdigest()


def ref(n: int = 1, **over):
    return {"sha256": sha(n), "size": 1000 + n, "mime": "image/jpeg", "name": f"anh-{n}.jpg", **over}


def photo_form(**photo) -> FormDefinition:
    return FormDefinition.model_validate(
        {
            "id": "session",
            "version": 1,
            "title": {"vi": "Buổi", "en": "Session"},
            "period_field": "held_on",
            "fields": [
                {"name": "held_on", "type": "date", "label": {"vi": "Ngày", "en": "Date"}, "required": True},
                {
                    "name": "kind",
                    "type": "select_one",
                    "label": {"vi": "Loại", "en": "Kind"},
                    "choices": [
                        {"value": "talk", "label": {"vi": "Nói chuyện", "en": "Talk"}},
                        {"value": "forum", "label": {"vi": "Đối thoại", "en": "Forum"}},
                    ],
                },
                {"name": "photos", "type": "image", "label": {"vi": "Ảnh", "en": "Photos"}, **photo},
                {
                    "name": "banner",
                    "type": "image",
                    "label": {"vi": "Ảnh băng rôn", "en": "Banner"},
                    "relevant": "${kind} = 'forum'",
                },
                {
                    "name": "materials",
                    "type": "repeat",
                    "label": {"vi": "Tài liệu", "en": "Material"},
                    "fields": [
                        {"name": "title", "type": "text", "label": {"vi": "Tên", "en": "Title"}},
                        {"name": "shot", "type": "image", "label": {"vi": "Ảnh tài liệu", "en": "Shot"}},
                    ],
                },
            ],
        }
    )


def issues(form, answers, *, final=True):
    return [(i.field, i.code) for i in validate_answers(form, answers, final=final, today=TODAY)]


def messages(form, answers):
    return [i.message for i in validate_answers(form, answers, final=True, today=TODAY)]


def test_media__good_answer_passes_and_refs_are_listed_once_per_hash_including_repeats():
    form = photo_form()
    answers = {
        "held_on": "2026-11-20",
        "photos": [ref(1), ref(2)],
        "materials": [{"title": "Tờ rơi", "shot": [ref(3), ref(1)]}],
    }
    assert issues(form, answers) == []
    assert [r.sha256 for r in media_refs(form, answers)] == [sha(1), sha(2), sha(3)]
    assert has_photos(form)


def test_media__hidden_question_photos_are_not_referenced():
    form = photo_form()
    answers = {"held_on": "2026-11-20", "kind": "talk", "banner": [ref(5)], "photos": [ref(1)]}
    assert [r.sha256 for r in media_refs(form, answers)] == [sha(1)]
    shown = {**answers, "kind": "forum"}
    assert [r.sha256 for r in media_refs(form, shown)] == [sha(1), sha(5)]


def test_media__required_means_at_least_one_and_min_max_bound_the_count():
    form = photo_form(required=True, min=2, max=3)
    assert issues(form, {"held_on": "2026-11-20"}) == [("photos", "required")]
    assert issues(form, {"held_on": "2026-11-20", "photos": []}) == [("photos", "required")]
    assert issues(form, {"held_on": "2026-11-20", "photos": [ref(1)]}) == [("photos", "too_few_photos")]
    # a draft may wait for its photos, but never holds too many
    assert issues(form, {"held_on": "2026-11-20", "photos": [ref(1)]}, final=False) == []
    four = [ref(n) for n in range(4)]
    assert issues(form, {"held_on": "2026-11-20", "photos": four}, final=False) == [
        ("photos", "too_many_photos")
    ]
    msg = messages(form, {"held_on": "2026-11-20", "photos": four})[0]
    assert (msg.vi, msg.en) == ("«Ảnh» không được quá 3 ảnh.", "“Photos” can have at most 3 photos.")


def test_media__a_question_without_max_holds_at_most_the_default():
    form = photo_form()
    many = [ref(n) for n in range(MAX_PHOTOS + 1)]
    assert issues(form, {"held_on": "2026-11-20", "photos": many}) == [("photos", "too_many_photos")]


@pytest.mark.parametrize(
    ("entry", "vi_part", "en_part"),
    [
        (ref(1, name="../../etc/passwd"), "tên ảnh", "the name"),
        (ref(1, name="..\\boot.ini"), "tên ảnh", "the name"),
        (ref(1, name="anh\x00.jpg"), "ký tự điều khiển", "control characters"),
        (ref(1, name="anh\n1.jpg"), "ký tự điều khiển", "control characters"),
        (ref(1, name=".hidden.jpg"), "dấu chấm ở đầu", "leading dot"),
        (ref(1, name=""), "tên ảnh", "the name"),
        (ref(1, name="a" * 121), "tên ảnh", "the name"),
        (ref(1, size=10**12), "dung lượng", "the size"),
        (ref(1, size=0), "dung lượng", "the size"),
        (ref(1, size=MAX_MEDIA_BYTES + 1), "dung lượng", "the size"),
        (ref(1, size="12"), "dung lượng", "the size"),
        (ref(1, size=True), "dung lượng", "the size"),
        (ref(1, size=12.0), "dung lượng", "the size"),
        (ref(1, sha256="Z" * 64), "SHA-256", "SHA-256"),
        (ref(1, sha256=sha(1).upper()), "SHA-256", "SHA-256"),
        (ref(1, sha256=sha(1)[:63]), "SHA-256", "SHA-256"),
        (ref(1, sha256="../" * 21 + "a"), "SHA-256", "SHA-256"),
        (ref(1, mime="image/png"), "JPEG", "JPEG"),
        (ref(1, width=10**9), "chiều rộng", "the width"),
        (ref(1, height=-1), "chiều cao", "the height"),
        (ref(1, path="/etc/passwd"), "trường lạ «path»", "unknown key “path”"),
        ({"sha256": sha(1)}, "thiếu «size»", "“size” is missing"),
        ("anh.jpg", "không phải là một ảnh", "not an attached photo"),
        (None, "không phải là một ảnh", "not an attached photo"),
    ],
)
def test_media__hostile_references_are_refused_with_a_clear_message(entry, vi_part, en_part):
    form = photo_form()
    found = validate_answers(
        form, {"held_on": "2026-11-20", "photos": [ref(2), entry]}, final=True, today=TODAY
    )
    assert [(i.field, i.code) for i in found] == [("photos", "bad_photo")]
    assert found[0].message.vi.startswith("«Ảnh» — ảnh 2: ") and vi_part in found[0].message.vi
    assert found[0].message.en.startswith("“Photos” — photo 2: ") and en_part in found[0].message.en
    assert media_refs(form, {"held_on": "2026-11-20", "photos": [ref(2), entry]})[0].sha256 == sha(2)


def test_media__a_bad_entry_inside_a_repeat_is_placed_in_its_entry():
    form = photo_form()
    answers = {"held_on": "2026-11-20", "materials": [{"shot": [ref(1)]}, {"shot": [ref(2, name="a/b.jpg")]}]}
    assert issues(form, answers) == [("materials[2].shot", "bad_photo")]


def test_media__an_answer_that_is_not_a_list_is_refused():
    form = photo_form()
    assert issues(form, {"held_on": "2026-11-20", "photos": ref(1)}) == [("photos", "bad_photos")]
    assert issues(form, {"held_on": "2026-11-20", "photos": "anh.jpg"}) == [("photos", "bad_photos")]


def test_media__model_refuses_hostile_values_directly():
    for bad in (ref(1, name="x/y.jpg"), ref(1, size=10**12), ref(1, sha256="g" * 64), ref(1, extra=1)):
        with pytest.raises(ValidationError):
            MediaRef.model_validate(bad)
    good = MediaRef.model_validate(ref(1, width=1600, height=1200))
    assert (good.width, good.height) == (1600, 1200)
    assert MediaStatus(sha256=sha(1), size=10, received=4, complete=False).received == 4


def test_media__photo_definitions_are_checked():
    with pytest.raises(ValidationError, match="max is at least 1"):
        photo_form(max=0)
    with pytest.raises(ValidationError, match="whole numbers of photos"):
        photo_form(min=1.5)
    with pytest.raises(ValidationError, match="min is above max"):
        photo_form(min=3, max=2)
    with pytest.raises(ValidationError, match="no default"):
        photo_form(default=[ref(1)])
    assert photo_form().field("photos").type == FieldType.IMAGE


def test_media__exports_and_screens_name_each_photo_with_a_short_hash():
    form = photo_form()
    assert export_name(MediaRef.model_validate(ref(1))) == f"anh-1-{sha(1)[:8]}.jpg"
    assert export_name(MediaRef.model_validate(ref(1, name="chụp ảnh"))) == f"chụp ảnh-{sha(1)[:8]}.jpg"
    label = value_label(form.field("photos"), [ref(1), ref(2)])
    assert label is not None
    assert label.vi == f"anh-1-{sha(1)[:8]}.jpg; anh-2-{sha(2)[:8]}.jpg"


def test_media__record_view_lists_each_photo_where_it_sits_with_its_addresses():
    form = photo_form()
    answers = {"held_on": "2026-11-20", "photos": [ref(1)], "materials": [{}, {"shot": [ref(2)]}]}
    photos = record_photos(form, answers)
    assert [(p.field, p.name) for p in photos] == [
        ("photos", "anh-1.jpg"),
        ("materials[2].shot", "anh-2.jpg"),
    ]
    assert (
        photos[1].url == f"/api/v1/media/{sha(2)}" and photos[1].thumb_url == f"/api/v1/media/{sha(2)}/thumb"
    )


def test_media__an_error_body_may_carry_the_upload_state():
    status = MediaStatus(sha256=sha(1), size=10, received=4, complete=False)
    body = ErrorBody(code="offset_mismatch", message=text("a", "b"), detail=status.model_dump())
    again = ErrorBody.model_validate_json(body.model_dump_json())
    assert MediaStatus.model_validate(again.detail).received == 4
    assert ErrorBody(code="x", message=text("a", "b")).detail is None
