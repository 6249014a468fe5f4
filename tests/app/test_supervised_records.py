"""The supervisor's records behind the figures, through the app's models, against a real sync server.

An officer's record (two photos, three repeat entries) is pushed and its photos uploaded; the
district's supervisor lists the records of the district for the year so far, opens it and sees
its answers as labels, the repeat as a table of three rows and both thumbnails (real JPEGs from
the server, held as bytes), then the photo itself; a supervisor of another district lists
nothing and is refused the unit; with the server gone the list says it needs a connection.
"""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest
from PIL import Image

from mobile.app.service import AppService
from mobile.app.viewmodels.record_list_model import NEEDS_CONNECTION, RecordListModel
from mobile.app.viewmodels.record_view_model import RecordViewModel
from mobile.errors import PermanentSyncError
from mobile.reports import period_choices, today_in_programme
from schemas.media import THUMB_SIDE
from tests.mobile.helpers import FAST_KDF, PIN
from tests.support.live_server import LiveServer
from tests.support.record_view_data import PLACE, QUESTIONS, add_other_district_supervisor, push_photo_record


async def _enrolled(folder: Path, url: str, username: str, password: str) -> AppService:
    svc = AppService(folder, kdf_params=FAST_KDF)
    await svc.enroll(url, username, password)
    await svc.create_pin(PIN, PIN)
    report = await svc.sync()
    assert report is not None and report.error is None
    return svc


def _year(svc: AppService):
    source_plan = svc.store.cached_pull().plans[0]  # type: ignore[union-attr]
    return next(c for c in period_choices(source_plan, today_in_programme()) if c.kind == "year_to_date")


def test_supervised_records__list_open_answers_repeat_rows_thumbnails_scope_offline(
    tmp_path: Path, live_server: LiveServer
):
    async def flow() -> None:
        pushed = push_photo_record(live_server.url)
        other_user, other_password = add_other_district_supervisor(live_server)
        sup = await _enrolled(tmp_path / "sup", live_server.url, "giamsat", "giamsat123")
        year = _year(sup)
        changes: list[int] = []
        listing = RecordListModel(sup, "HN-SS", "Huyện Sóc Sơn", year, lambda: changes.append(1))
        await listing.fetch()
        assert listing.problem is None and listing.loaded and changes and not listing.busy
        [line] = listing.records
        assert str(line.id) == pushed.record_id and line.photos == 2 and line.author_name == "Nguyễn Văn An"
        assert PLACE in line.summary.vi and "Hình thức: Diễn đàn đối thoại" in line.summary.vi
        assert not listing.has_more

        view = RecordViewModel(sup, line, lambda: changes.append(2))
        await view.load()
        assert view.problem is None and view.form is not None and view.form.version == 3
        answers = {a.label: a.text for a in view.answers("vi")}
        assert answers["Địa điểm (thôn, bản, xã)"] == PLACE and answers["Hình thức"] == "Diễn đàn đối thoại"
        assert answers["Số lượt nhân dân"] == "35" and answers["Nội dung pháp luật"] == "Cư trú, Đất đai"
        assert "Ảnh minh chứng" not in answers and "Câu hỏi người dân nêu" not in answers
        [table] = view.repeats("vi")
        assert table.title == "Câu hỏi người dân nêu" and len(table.rows) == 3
        assert table.headers[:3] == ["#", "Nội dung câu hỏi", "Lĩnh vực"]
        assert [r[1] for r in table.rows] == [q[0] for q in QUESTIONS]
        assert table.rows[1][2] == "Đất đai" and table.rows[1][3].startswith("Chưa")  # labels, not codes
        assert table.rows[1][4] == ""  # not answered on the spot: no answer given
        # both thumbnails, real small JPEGs made by the server from the uploads; nothing on disk
        assert [p.name for p in view.photos] == pushed.names
        assert len(view.thumbs) == 2 and not view.missing
        for data in view.thumbs.values():
            img = Image.open(io.BytesIO(data))
            assert img.format == "JPEG" and max(img.size) <= THUMB_SIDE
        assert [g.label for g in view.photo_groups("vi")] == ["Ảnh minh chứng"]
        assert await view.full_photo(view.photos[0]) == pushed.photos[0]

        # Only the server's own photo addresses are fetched with the token.
        for address in (
            "/api/v1/media/../../sync/pull",
            "https://elsewhere.example/x.jpg",
            "/api/v1/records",
        ):
            with pytest.raises(PermanentSyncError):
                await sup.record_photo(address)

        # Another district's supervisor: nothing of Sóc Sơn in their own list, and the unit is refused.
        other = await _enrolled(tmp_path / "other", live_server.url, other_user, other_password)
        theirs = RecordListModel(other, "HN-BD", "Quận Ba Đình", year)
        await theirs.fetch()
        assert theirs.loaded and theirs.records == [] and theirs.problem is None
        peeking = RecordListModel(other, "HN-SS", "Huyện Sóc Sơn", year)
        await peeking.fetch()
        assert peeking.records == [] and peeking.problem is not None
        assert isinstance(peeking.problem.error, PermanentSyncError) and peeking.problem.error.message.vi
        snooping = RecordViewModel(other, line)
        await snooping.load()
        assert (
            snooping.revision is None and snooping.problem is not None and snooping.problem.error is not None
        )

        # Offline: the list says the records need a connection; what was listed stays.
        live_server.stop()
        await listing.fetch()
        assert listing.problem == NEEDS_CONNECTION and len(listing.records) == 1 and not listing.busy
        fresh = RecordListModel(sup, "HN-SS", "Huyện Sóc Sơn", year)
        await fresh.fetch()
        assert fresh.problem == NEEDS_CONNECTION and not fresh.loaded
        again = RecordViewModel(sup, line)
        await again.load()
        assert again.problem == NEEDS_CONNECTION and again.revision is None
        for svc in (sup, other):
            svc.lock()

    asyncio.run(flow())
