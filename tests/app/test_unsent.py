"""Unsent records are never forgotten: the phone's count and age, its report, and what a supervisor sees.

Against a real sync server: an officer finishes a record that is not sent; the phone's next contact
reports it; a supervisor's device list shows it; after the sync it is gone. An older phone (no
``?outbox=1``) gets exactly the fields it knows, since the contract models refuse unknown ones.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests

from mobile.app.service import AppService
from mobile.unsent import Unsent
from schemas.outbox import OUTBOX_COUNT, OUTBOX_OLDEST, outbox_headers, parse_outbox_headers
from schemas.sync import DeviceInfo
from tests.mobile.helpers import FAST_KDF, PIN, survey_answers

T0 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


def test_overdue_after_the_setting_days() -> None:
    u = Unsent(2, T0)
    assert not u.overdue(3, T0 + timedelta(days=3))
    assert u.overdue(3, T0 + timedelta(days=3, minutes=1))
    assert u.days_waiting(T0 + timedelta(days=4, hours=2)) == 4
    assert not u.overdue(0, T0 + timedelta(days=99))  # 0: the officer turned the reminder off
    assert not Unsent(0, None).overdue(1, T0)


def test_headers_round_trip_and_bad_ones_are_ignored() -> None:
    h = outbox_headers(3, T0)
    assert parse_outbox_headers(h[OUTBOX_COUNT], h[OUTBOX_OLDEST]) == (3, T0)
    assert outbox_headers(0, T0) == {OUTBOX_COUNT: "0"}
    assert parse_outbox_headers("0", None) == (0, None)
    assert parse_outbox_headers(None, None) is None  # an older phone says nothing
    for count, oldest in [("x", None), ("-1", None), ("2", "yesterday"), ("2", "2026-11-20T08:00:00")]:
        assert parse_outbox_headers(count, oldest) is None, (count, oldest)


async def _enrolled(folder: Path, url: str, user: str, password: str) -> AppService:
    svc = AppService(folder, kdf_params=FAST_KDF)
    await svc.enroll(url, user, password)
    await svc.create_pin(PIN, PIN)
    return svc


def test_supervisor_sees_a_phone_holding_unsent_records(tmp_path: Path, live_server) -> None:
    async def flow() -> None:
        officer = await _enrolled(tmp_path / "officer", live_server.url, "canbo", "canbo123")
        boss = await _enrolled(tmp_path / "boss", live_server.url, "chihuy", "chihuy123")
        record, _ = officer.new_record("awareness_survey")
        stored = await officer.finalize(record, survey_answers())
        assert (await officer.unsent()) == Unsent(1, stored.record.updated_at)

        # The phone's next contact (a pull here; a push carries it too) reports what waits.
        await asyncio.to_thread(officer._client().pull)
        mine = [d for d in await boss.devices() if d.username == "canbo"]
        assert len(mine) == 1
        assert mine[0].unsent_count == 1 and mine[0].unsent_since == stored.record.updated_at
        assert mine[0].unsent_reported_at is not None

        # An older phone asks without ?outbox=1 and gets only the fields it knows.
        token = boss.store.get_meta("device_token")
        raw = requests.get(
            live_server.url + "/api/v1/devices", headers={"Authorization": f"Bearer {token}"}, timeout=10
        ).json()
        old_fields = set(DeviceInfo.model_fields) - {"unsent_count", "unsent_since", "unsent_reported_at"}
        assert raw["devices"] and all(set(d) == old_fields for d in raw["devices"])

        report = await officer.sync()
        assert report is not None and report.error is None and report.stored == 1
        assert (await officer.unsent()) == Unsent(0, None)
        mine = [d for d in await boss.devices() if d.username == "canbo"]
        assert mine[0].unsent_count == 0 and mine[0].unsent_since is None

    asyncio.run(flow())
