"""An officer's record with two photos and three repeat entries, pushed and uploaded to a live server.

Used by the supervisor's record view: its model test and its browser test. The record is an
outreach session (form version 3: the dialogue forum's questions are a repeat, the evidence
photos an image question) by the officer ``canbo`` at Xã Minh Trí (HN-SS-MT), dated today.
The photos are real JPEGs (the server decodes every upload) with distinct colours. Besides
Pillow for the JPEGs, only the standard library, like ``live_server``.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .live_server import REPO_ROOT, LiveServer, server_python
from .statistics_data import programme_today

QUESTIONS = [
    ("Đăng ký tạm trú cho con", "residence", "yes", "Hướng dẫn làm tại công an xã"),
    ("Tranh chấp lối đi chung", "land", "no", None),
    ("Hoãn nghĩa vụ quân sự khi đang học", "military_service", "yes", "Được hoãn khi học chính quy"),
]
PLACE = "Nhà văn hóa thôn Đoài"
OTHER_DISTRICT_SUPERVISOR = ("giamsat_bd", "giamsat_bd123", "HN-BD", "Lê Thị Ba Đình")


@dataclass
class PushedRecord:
    record_id: str
    photos: list[bytes]
    names: list[str]


def jpeg(colour: tuple[int, int, int], size: tuple[int, int] = (640, 480)) -> bytes:
    from PIL import Image, ImageDraw

    img = Image.new("RGB", size, colour)
    draw = ImageDraw.Draw(img)
    for x in range(0, size[0], 40):  # stripes: a thumbnail that is visibly a picture
        draw.rectangle([x, 0, x + 18, size[1]], fill=(255 - colour[0], 255 - colour[1], 255 - colour[2]))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=85)
    return out.getvalue()


def _call(url: str, method: str, body: bytes, headers: dict[str, str]) -> Any:
    request = urllib.request.Request(url, data=body, headers=headers, method=method)
    with urllib.request.urlopen(request, timeout=30) as resp:
        return json.loads(resp.read())


def enroll(server_url: str, username: str, password: str) -> str:
    body = {"username": username, "password": password, "device_id": uuid.uuid4().hex, "device_name": "test"}
    answer = _call(
        server_url + "/api/v1/enroll", "POST", json.dumps(body).encode(), {"Content-Type": "application/json"}
    )
    return answer["device_token"]


def push_photo_record(server_url: str) -> PushedRecord:
    """The record, pushed as ``canbo``'s phone pushes it, then both photos uploaded whole."""
    photos = [jpeg((200, 40, 40)), jpeg((40, 90, 200))]
    names = ["buoi-doi-thoai.jpg", "nguoi-dan-hoi.jpg"]
    refs = [
        {"sha256": hashlib.sha256(p).hexdigest(), "size": len(p), "mime": "image/jpeg", "name": n}
        for p, n in zip(photos, names, strict=True)
    ]
    entries = []
    for topic, area, answered, answer in QUESTIONS:
        entry = {"question_topic": topic, "question_area": area, "answered_on_the_spot": answered}
        if answer:
            entry["answer_given"] = answer
        entries.append(entry)
    day = programme_today().isoformat()
    now = datetime.now(UTC).isoformat()
    record_id = str(uuid.uuid4())
    record = {
        "id": record_id,
        "form_id": "outreach_session",
        "form_version": 3,
        "unit": "HN-SS-MT",
        "author": "canbo",
        "device": "record-view-test",
        "created_at": now,
        "updated_at": now,
        "revision": 1,
        "status": "final",
        "answers": {
            "session_date": day,
            "place": PLACE,
            "format": "dialogue_forum",
            "topics": ["residence", "land"],
            "attendees_citizens": 35,
            "questions_raised": entries,
            "evidence_photos": refs,
        },
    }
    token = enroll(server_url, "canbo", "canbo123")
    auth = {"Authorization": f"Bearer {token}"}
    answer = _call(
        server_url + "/api/v1/sync/push",
        "POST",
        json.dumps({"batch_id": str(uuid.uuid4()), "records": [record]}).encode(),
        {**auth, "Content-Type": "application/json"},
    )
    assert [r["status"] for r in answer["receipts"]] == ["stored"], answer
    for ref, data in zip(refs, photos, strict=True):
        done = _call(
            f"{server_url}/api/v1/media/{ref['sha256']}/chunk?offset=0",
            "PUT",
            data,
            {**auth, "Content-Type": "application/octet-stream"},
        )
        assert done["complete"], done
    return PushedRecord(record_id, photos, names)


def add_other_district_supervisor(server: LiveServer) -> tuple[str, str]:
    """A supervisor of Quận Ba Đình (HN-BD), made on the server's command line; (username, password)."""
    username, password, unit, full_name = OTHER_DISTRICT_SUPERVISOR
    cmd = [server_python(), "-m", "sync_server.cli", "create-user", "--database-url", server.database_url]
    cmd += ["--username", username, "--password", password, "--role", "supervisor", "--unit", unit]
    cmd += ["--full-name", full_name]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p)
    env.setdefault("FIELDTALLY_ENVIRONMENT", "development")
    # in the server's own folder, as the server runs: nothing lands in the working tree
    subprocess.run(cmd, check=True, capture_output=True, timeout=120, cwd=server.workdir, env=env)
    return username, password
