"""Photos on the server: resumable, idempotent uploads by hash, checked as JPEG, served only within scope.

Every test runs on SQLite and PostgreSQL (the ``api`` fixture); the photo is a real JPEG made with
Pillow, the files are real files in the test's media folder.
"""

from __future__ import annotations

import hashlib
import io
import random
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from PIL import Image
from sqlalchemy import func, select

from schemas.common import ErrorBody, utcnow
from schemas.forms import FormDefinition
from schemas.media import MAX_CHUNK_BYTES, MediaStatus
from schemas.sync import RecordHistory, Role
from sync_server.db import Database
from sync_server.models import MediaRow, RecordMediaRow
from sync_server.services.accounts import create_user
from sync_server.services.catalog import publish_form

from .helpers import Api, record, this_year_day

DAY = this_year_day()

PHOTO_FORM = {
    "id": "photo_session",
    "version": 1,
    "title": {"vi": "Buổi tuyên truyền có ảnh", "en": "Session with photos"},
    "period_field": "held_on",
    "fields": [
        {"name": "held_on", "type": "date", "label": {"vi": "Ngày", "en": "Date"}, "required": True},
        {"name": "photos", "type": "image", "label": {"vi": "Ảnh buổi", "en": "Photos"}, "max": 3},
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

# besides the demo's canbo (officer, HN-SS-MT), giamsat (supervisor, HN-SS), admin (HN), bienphong (BP)
EXTRA = {
    "canbo2": (Role.OFFICER, "HN-SS-MT"),  # a colleague in the same commune
    "canbo_px": (Role.OFFICER, "HN-BD-PX"),  # an officer of another unit
    "giamsat_bd": (Role.SUPERVISOR, "HN-BD"),  # a supervisor of another district
}


def jpeg(width: int = 800, height: int = 600, *, seed: int = 1, quality: int = 80) -> bytes:
    """A real JPEG with some texture (a photo compresses less than a flat colour)."""
    rnd = random.Random(seed)
    img = Image.new("RGB", (width, height))
    img.putdata(
        [
            (x * 255 // width, rnd.randrange(256), y * 255 // height)
            for y in range(height)
            for x in range(width)
        ]
    )
    out = io.BytesIO()
    img.save(out, "JPEG", quality=quality)
    return out.getvalue()


def ref(data: bytes, name: str = "anh-1.jpg", **over: Any) -> dict[str, Any]:
    return {
        "sha256": hashlib.sha256(data).hexdigest(),
        "size": len(data),
        "mime": "image/jpeg",
        "name": name,
        **over,
    }


@pytest.fixture
def media(api: Api, db: Database, settings) -> Path:
    with db.session(write=True) as s:
        publish_form(s, form=FormDefinition.model_validate(PHOTO_FORM), now=utcnow(), actor="admin")
        for name, (role, unit) in EXTRA.items():
            create_user(
                s,
                username=name,
                password=f"{name}123",
                role=role,
                unit_code=unit,
                full_name=name,
                settings=settings,
                now=utcnow(),
            )
    return Path(settings.media_dir)


def push_photo(
    api: Api, refs: list[dict], *, user: str = "canbo", unit: str = "HN-SS-MT", **answers: Any
) -> dict:
    rec = record("photo_session", {"held_on": DAY, "photos": refs, **answers}, unit=unit, author=user)
    assert api.statuses(rec, user=user) == ["stored"]
    return rec


def put(api: Api, sha: str, offset: int, data: bytes, user: str = "canbo") -> Any:
    return api.client.put(
        f"/api/v1/media/{sha}/chunk",
        params={"offset": offset},
        content=data,
        headers={**api.auth(user), "Content-Type": "application/octet-stream"},
    )


def status(api: Api, sha: str, user: str = "canbo") -> Any:
    return api.client.get(f"/api/v1/media/{sha}/status", headers=api.auth(user))


def upload(api: Api, data: bytes, *, user: str = "canbo", pieces: int = 3) -> MediaStatus:
    sha = hashlib.sha256(data).hexdigest()
    step = -(-len(data) // pieces)
    last = None
    for offset in range(0, len(data), step):
        resp = put(api, sha, offset, data[offset : offset + step], user)
        assert resp.status_code == 200, resp.text
        last = MediaStatus.model_validate(resp.json())
    assert last is not None
    return last


def stored_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.jpg") if "thumbs" not in p.parts)


def test_media__upload_in_three_chunks_is_resumable_idempotent_and_stored_once(
    api: Api, db: Database, media: Path
):
    photo = jpeg()
    sha = hashlib.sha256(photo).hexdigest()
    first = push_photo(api, [ref(photo)])
    assert MediaStatus.model_validate(status(api, sha).json()) == MediaStatus(
        sha256=sha, size=len(photo), received=0, complete=False
    )
    step = -(-len(photo) // 3)
    seen = []
    for offset in range(0, len(photo), step):
        resp = put(api, sha, offset, photo[offset : offset + step])
        assert resp.status_code == 200, resp.text
        seen.append(MediaStatus.model_validate(resp.json()))
        assert MediaStatus.model_validate(status(api, sha).json()) == seen[-1]
    assert [(s.received, s.complete) for s in seen] == [(step, False), (2 * step, False), (len(photo), True)]
    files = stored_files(media)
    assert len(files) == 1 and files[0].read_bytes() == photo and files[0].name == f"{sha}.jpg"
    assert not list((media / "partial").glob("*"))
    # sent again, whole or in pieces: nothing changes
    assert upload(api, photo).complete
    assert put(api, sha, 0, photo[:10]).json()["complete"] is True
    # a second record (a repeat entry this time) attaches the same photo: still one file, one media row
    push_photo(api, [], materials=[{"title": "Tờ rơi", "shot": [ref(photo, name="to-roi.jpg")]}])
    assert MediaStatus.model_validate(status(api, sha).json()).complete
    assert stored_files(media) == files
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(MediaRow)) == 1
        links = s.execute(select(RecordMediaRow.record_id, RecordMediaRow.name)).all()
    assert len(links) == 2 and {n for _, n in links} == {"anh-1.jpg", "to-roi.jpg"}
    assert str(first["id"]) in {str(r) for r, _ in links}
    resp = api.client.get(f"/api/v1/media/{sha}", headers=api.auth("canbo"))
    assert resp.status_code == 200 and resp.content == photo
    assert resp.headers["content-type"] == "image/jpeg"


def test_media__a_cut_upload_resumes_from_received_and_a_wrong_offset_is_409(api: Api, media: Path):
    photo = jpeg(seed=2)
    sha = hashlib.sha256(photo).hexdigest()
    push_photo(api, [ref(photo)])
    assert put(api, sha, 0, photo[:5000]).status_code == 200
    # the link was cut: the phone asks where to go on
    now = MediaStatus.model_validate(status(api, sha).json())
    assert (now.received, now.complete) == (5000, False)
    # a chunk from the wrong place: 409, and the body says where the server stands
    for offset in (7000, 4000):  # past where it stands; straddling it
        resp = put(api, sha, offset, photo[offset : offset + 3000])
        assert resp.status_code == 409, resp.text
        body = ErrorBody.model_validate(resp.json())
        assert body.code == "offset_mismatch" and "5000" in body.message.vi
        assert MediaStatus.model_validate(body.detail) == now
    # a chunk already held (its answer was lost) is taken again as it is
    assert put(api, sha, 1000, photo[1000:3000]).json()["received"] == 5000
    # ...but not the same range with other bytes
    assert put(api, sha, 1000, b"x" * 2000).status_code == 409
    done = put(api, sha, 5000, photo[5000:])
    assert done.status_code == 200 and done.json()["complete"] is True
    assert stored_files(media)[0].read_bytes() == photo


def test_media__a_hash_mismatch_is_422_discarded_then_a_correct_upload_works(api: Api, media: Path):
    photo = jpeg(seed=3)
    sha = hashlib.sha256(photo).hexdigest()
    push_photo(api, [ref(photo)])
    damaged = photo[:100] + bytes([photo[100] ^ 0xFF]) + photo[101:]
    assert put(api, sha, 0, damaged[:2000]).status_code == 200
    resp = put(api, sha, 2000, damaged[2000:])
    assert resp.status_code == 422, resp.text
    body = ErrorBody.model_validate(resp.json())
    assert body.code == "hash_mismatch" and "SHA-256" in body.message.vi and "gửi lại" in body.message.vi
    assert MediaStatus.model_validate(status(api, sha).json()).received == 0
    assert not stored_files(media) and not list((media / "partial").glob("*"))
    assert upload(api, photo).complete
    assert stored_files(media)[0].read_bytes() == photo


@pytest.mark.parametrize("kind", ["png", "text", "truncated"])
def test_media__bytes_that_are_not_a_jpeg_are_refused_in_vietnamese(api: Api, media: Path, kind: str):
    if kind == "png":
        out = io.BytesIO()
        Image.new("RGB", (64, 64), "red").save(out, "PNG")
        data = out.getvalue()
    elif kind == "text":
        data = "Biên bản buổi tuyên truyền\n".encode() * 50
    else:  # a JPEG cut short: its hash is of the cut bytes, so only decoding finds it
        data = jpeg(seed=4)[:-2000]
    sha = hashlib.sha256(data).hexdigest()
    push_photo(api, [ref(data)])
    resp = put(api, sha, 0, data)
    assert resp.status_code == 422, resp.text
    body = ErrorBody.model_validate(resp.json())
    assert body.code == "not_jpeg"
    assert body.message.vi.startswith("Tệp gửi lên không phải ảnh JPEG") and "JPEG" in body.message.en
    assert MediaStatus.model_validate(status(api, sha).json()).received == 0
    assert not stored_files(media)


def test_media__more_than_declared_or_over_one_mib_is_refused(api: Api, media: Path):
    photo = jpeg(seed=5)
    sha = hashlib.sha256(photo).hexdigest()
    push_photo(api, [ref(photo)])
    resp = put(api, sha, 0, photo + b"\0" * 10)
    assert resp.status_code == 413 and ErrorBody.model_validate(resp.json()).code == "too_large"
    assert MediaStatus.model_validate(status(api, sha).json()).received == 0
    # a chunk of more than 1 MiB never reaches the route; exactly 1 MiB does
    big = jpeg(1500, 1200, seed=6, quality=95)
    assert len(big) > MAX_CHUNK_BYTES + 1, len(big)
    big_sha = hashlib.sha256(big).hexdigest()
    push_photo(api, [ref(big, name="to.jpg")])
    over = put(api, big_sha, 0, big[: MAX_CHUNK_BYTES + 1])
    assert over.status_code == 413 and "1024 KiB" in ErrorBody.model_validate(over.json()).message.en
    exact = put(api, big_sha, 0, big[:MAX_CHUNK_BYTES])
    assert exact.status_code == 200 and exact.json()["received"] == MAX_CHUNK_BYTES
    assert put(api, big_sha, MAX_CHUNK_BYTES, big[MAX_CHUNK_BYTES:]).json()["complete"] is True


def test_media__served_and_uploaded_only_within_scope(api: Api, media: Path):
    photo = jpeg(seed=7)
    sha = hashlib.sha256(photo).hexdigest()
    push_photo(api, [ref(photo)])
    # a colleague of the same commune cannot upload what only canbo's record references
    assert put(api, sha, 0, photo, user="canbo2").status_code == 404
    assert upload(api, photo).complete
    paths = [f"/api/v1/media/{sha}/status", f"/api/v1/media/{sha}", f"/api/v1/media/{sha}/thumb"]
    for user, expected in [
        ("canbo", 200),
        ("giamsat", 200),  # supervisor of the district above the commune
        ("chihuy", 200),  # supervisor of the province
        ("admin", 200),
        ("canbo2", 404),  # an officer sees their own records' photos, not a colleague's
        ("canbo_px", 404),  # officer of another unit
        ("giamsat_bd", 404),  # supervisor of another district
        ("bienphong", 404),  # another province
    ]:
        for path in paths:
            resp = api.client.get(path, headers=api.auth(user))
            assert resp.status_code == expected, (user, path, resp.text[:200])
            if expected == 404:
                assert ErrorBody.model_validate(resp.json()).code == "unknown_media"
    # a hash no record references is unknown to everyone, the same answer as a foreign one
    nobody = hashlib.sha256(b"nobody").hexdigest()
    for user in ("canbo", "admin"):
        for path in (f"/api/v1/media/{nobody}/status", f"/api/v1/media/{nobody}"):
            assert api.client.get(path, headers=api.auth(user)).status_code == 404
        assert put(api, nobody, 0, b"abc", user=user).status_code == 404
    # a hash that is not a hash is refused before any lookup
    assert api.client.get("/api/v1/media/../../etc/passwd", headers=api.auth("admin")).status_code == 404
    assert (
        api.client.get("/api/v1/media/" + "A" * 64 + "/status", headers=api.auth("admin")).status_code == 422
    )


def test_media__thumbnail_is_a_small_jpeg_made_once(api: Api, media: Path):
    photo = jpeg(1600, 1200, seed=8)
    sha = hashlib.sha256(photo).hexdigest()
    push_photo(api, [ref(photo, width=1600, height=1200)])
    upload(api, photo)
    resp = api.client.get(f"/api/v1/media/{sha}/thumb", headers=api.auth("giamsat"))
    assert resp.status_code == 200 and resp.headers["content-type"] == "image/jpeg"
    with Image.open(io.BytesIO(resp.content)) as img:
        assert img.format == "JPEG" and max(img.size) <= 320 and img.size == (320, 240)
    kept = media / "thumbs" / sha[:2] / f"{sha}.jpg"
    made = kept.stat().st_mtime_ns
    again = api.client.get(f"/api/v1/media/{sha}/thumb", headers=api.auth("canbo"))
    assert again.content == resp.content and kept.stat().st_mtime_ns == made


def test_media__a_photo_not_yet_complete_is_not_served(api: Api, media: Path):
    photo = jpeg(seed=9)
    sha = hashlib.sha256(photo).hexdigest()
    push_photo(api, [ref(photo)])
    put(api, sha, 0, photo[:100])
    resp = api.client.get(f"/api/v1/media/{sha}", headers=api.auth("giamsat"))
    assert resp.status_code == 404 and ErrorBody.model_validate(resp.json()).code == "media_incomplete"


@pytest.mark.parametrize(
    ("bad", "words"),
    [
        ({"name": "../../etc/passwd"}, "tên ảnh"),
        ({"name": "anh\x07.jpg"}, "ký tự điều khiển"),
        ({"size": 10**12}, "dung lượng"),
        ({"sha256": "not-hex" * 9 + "a"}, "SHA-256"),
        ({"mime": "text/html"}, "JPEG"),
    ],
)
def test_media__hostile_references_are_rejected_by_the_validator_never_a_500(
    api: Api, db: Database, media: Path, bad: dict, words: str
):
    rec = record("photo_session", {"held_on": DAY, "photos": [ref(b"x" * 10, **bad)]})
    resp = api.push(rec)
    assert resp.status_code == 200, resp.text
    receipt = resp.json()["receipts"][0]
    assert receipt["status"] == "rejected"
    issue = receipt["issues"][0]
    assert issue["code"] == "bad_photo" and words in issue["message"]["vi"] and issue["message"]["en"]
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(RecordMediaRow)) == 0


def test_media__the_record_view_lists_each_photo_with_its_addresses(api: Api, media: Path):
    a, b = jpeg(seed=10), jpeg(seed=11)
    rec = push_photo(api, [ref(a)], materials=[{"title": "Pa nô", "shot": [ref(b, name="pano.jpg")]}])
    upload(api, a)
    upload(api, b)
    resp = api.client.get(f"/api/v1/records/{rec['id']}/history", headers=api.auth("giamsat"))
    assert resp.status_code == 200, resp.text
    photos = RecordHistory.model_validate(resp.json()).revisions[0].photos
    assert [(p.field, p.name) for p in photos] == [("photos", "anh-1.jpg"), ("materials[1].shot", "pano.jpg")]
    for p, data in zip(photos, (a, b), strict=True):
        assert api.client.get(p.url, headers=api.auth("giamsat")).content == data
        assert api.client.get(p.thumb_url, headers=api.auth("giamsat")).status_code == 200
    # a supervisor of another district does not see the record, an officer does not read histories
    assert (
        api.client.get(f"/api/v1/records/{rec['id']}/history", headers=api.auth("giamsat_bd")).status_code
        == 404
    )
    assert (
        api.client.get(f"/api/v1/records/{rec['id']}/history", headers=api.auth("canbo")).status_code == 403
    )


def test_media__exports_name_each_photo_and_count_them(api: Api, media: Path):
    a, b, c = jpeg(seed=12), jpeg(seed=13), jpeg(seed=14)
    sa, sb, sc = (hashlib.sha256(x).hexdigest() for x in (a, b, c))
    push_photo(
        api,
        [ref(a), ref(b, name="anh-2.jpg")],
        materials=[{"title": "Tờ rơi", "shot": [ref(c, name="to-roi.jpg")]}, {"title": "Sách"}],
    )
    push_photo(api, [])
    resp = api.client.get(
        "/api/v1/exports/records.xlsx", params={"form_id": "photo_session"}, headers=api.auth("giamsat")
    )
    assert resp.status_code == 200, resp.text
    wb = load_workbook(io.BytesIO(resp.content), read_only=True)
    rows = list(wb.worksheets[0].iter_rows(values_only=True))
    head = list(rows[0])
    assert head[-1] == "Số ảnh" and "Ảnh buổi" in head
    cells = {(r[head.index("Ảnh buổi")] or "", r[-1]) for r in rows[1:]}
    assert cells == {(f"anh-1-{sa[:8]}.jpg; anh-2-{sb[:8]}.jpg", 3), ("", 0)}
    entries = list(wb.worksheets[1].iter_rows(values_only=True))
    assert list(entries[0]) == ["Mã phiếu", "Thứ tự", "Tên", "Ảnh tài liệu"]
    assert [(e[2], e[3] if len(e) > 3 else None) for e in entries[1:]] == [
        ("Tờ rơi", f"to-roi-{sc[:8]}.jpg"),
        ("Sách", None),
    ]
    csv_text = api.client.get(
        "/api/v1/exports/records.csv", params={"form_id": "photo_session"}, headers=api.auth("giamsat")
    ).content.decode("utf-8-sig")
    assert f"anh-1-{sa[:8]}.jpg; anh-2-{sb[:8]}.jpg" in csv_text and "Số ảnh" in csv_text.splitlines()[0]


def test_media__a_photo_lost_from_disk_is_taken_again(api: Api, media: Path):
    photo = jpeg(seed=15)
    sha = hashlib.sha256(photo).hexdigest()
    push_photo(api, [ref(photo)])
    upload(api, photo)
    stored_files(media)[0].unlink()  # an older copy of the folder restored
    assert MediaStatus.model_validate(status(api, sha).json()).received == 0
    assert api.client.get(f"/api/v1/media/{sha}", headers=api.auth("giamsat")).status_code == 404
    assert upload(api, photo).complete
    assert api.client.get(f"/api/v1/media/{sha}", headers=api.auth("giamsat")).content == photo


@pytest.mark.parametrize("size", [(12_000, 12_000), (9_500, 9_500), (5_000, 4_000)])
def test_media__a_header_claiming_a_huge_image_is_refused_without_decoding_it(api: Api, media: Path, size):
    small = jpeg(64, 48, seed=16)
    sof = small.index(b"\xff\xc0")  # baseline frame header: length, precision, height, width
    height, width = size
    data = small[: sof + 5] + height.to_bytes(2, "big") + width.to_bytes(2, "big") + small[sof + 9 :]
    sha = hashlib.sha256(data).hexdigest()
    push_photo(api, [ref(data)])
    resp = put(api, sha, 0, data)
    assert resp.status_code == 422, resp.text
    body = ErrorBody.model_validate(resp.json())
    assert body.code == "too_many_pixels" and "thu nhỏ" in body.message.vi
    assert not stored_files(media)


def test_media__an_edit_that_swaps_a_photo_keeps_the_old_one_visible_in_the_history(api: Api, media: Path):
    a, b = jpeg(seed=17), jpeg(seed=18)
    rec = push_photo(api, [ref(a)])
    edited = {**rec, "revision": 2, "answers": {"held_on": DAY, "photos": [ref(b, name="anh-moi.jpg")]}}
    assert api.statuses(edited) == ["stored"]
    assert api.statuses(edited) == ["duplicate"]  # sent again: nothing new linked
    upload(api, a)
    upload(api, b)
    resp = api.client.get(f"/api/v1/records/{rec['id']}/history", headers=api.auth("giamsat"))
    history = RecordHistory.model_validate(resp.json())
    assert [[p.name for p in r.photos] for r in history.revisions] == [["anh-1.jpg"], ["anh-moi.jpg"]]
    for data in (a, b):
        sha = hashlib.sha256(data).hexdigest()
        assert api.client.get(f"/api/v1/media/{sha}", headers=api.auth("giamsat")).content == data


def test_media__a_partial_upload_under_a_false_size_does_not_block_the_true_one(api: Api, media: Path):
    photo = jpeg(seed=19)
    sha = hashlib.sha256(photo).hexdigest()
    # someone else's record claims the same hash with another size and starts sending garbage
    push_photo(api, [ref(photo, size=len(photo) + 10)], user="giamsat", unit="HN-SS-BS")
    assert put(api, sha, 0, b"\0" * 5000, user="giamsat").json()["received"] == 5000
    push_photo(api, [ref(photo)])
    now = MediaStatus.model_validate(put(api, sha, 0, photo[:1000]).json())
    assert (now.size, now.received) == (len(photo), 1000)  # the false partial was dropped
    assert put(api, sha, 1000, photo[1000:]).json()["complete"] is True
    assert stored_files(media)[0].read_bytes() == photo
