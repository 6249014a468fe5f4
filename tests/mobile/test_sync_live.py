"""The phone's sync against a real sync server (uvicorn on loopback, SQLite, demo users).

Exactly-once is checked where it matters, in the server's tallies: awareness
surveys feed indicator 1 (numerator: respondents with legal understanding,
denominator: surveys), so every record counted twice or lost shows there.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import pytest
import requests
from requests.adapters import HTTPAdapter

from mobile.errors import AuthRejected, RetryableSyncError
from mobile.record_state import LocalState
from mobile.records import RecordStore
from mobile.sync.client import ServerClient
from mobile.sync.engine import SyncEngine
from mobile.vault import Vault
from schemas.plan_report import TallyReport
from schemas.sync import PushBatch, ReceiptStatus
from tests.support.live_server import LiveServer

from .helpers import FAST_KDF, FORMS, PIN, survey_answers

SURVEY = FORMS["awareness_survey"]
PLAN = "hanoi_pbgdpl_2021_2027"
UNIT = "HN-SS-MT"


class Phone:
    """An enrolled officer's phone: a vault, its record store, a client with the device token."""

    def __init__(self, server: LiveServer, folder: Path, session: requests.Session | None = None) -> None:
        self.server = server
        self.device_id = uuid4().hex
        enrolled = ServerClient(server.url).enroll("canbo", "canbo123", self.device_id, "Điện thoại thử")
        self.user = enrolled.user
        self.vault = Vault.create(folder, PIN, kdf_params=FAST_KDF)
        self.store = RecordStore(
            self.vault, author=self.user.username, unit=self.user.unit, device=self.device_id
        )
        self.store.set_meta("device_token", enrolled.device_token)
        self.client = ServerClient(server.url, self.store.get_meta("device_token"), session=session)
        self.sleeps: list[float] = []

    def engine(self, **kw) -> SyncEngine:
        return SyncEngine(self.store, self.client, sleep=self.sleeps.append, **kw)

    def surveys(self, passing: int, failing: int) -> list:
        out = []
        for i in range(passing + failing):
            rec = self.store.new_record(SURVEY)
            out.append(self.store.finalize(rec, survey_answers(passing=i < passing), SURVEY))
        return out

    def i1(self) -> tuple[float, float]:
        """Indicator 1 of the unit for 2026, as the server tallies it: (numerator, denominator)."""
        resp = requests.get(
            self.server.url + "/api/v1/tallies",
            params={"plan_id": PLAN, "unit": UNIT, "start": "2026-01-01", "end": "2026-12-31"},
            headers={"Authorization": f"Bearer {self.client.token}"},
            timeout=10,
        )
        assert resp.status_code == 200, resp.text
        report = TallyReport.model_validate(resp.json())
        i1 = next(t for t in report.totals if t.indicator_id == "i1_understanding")
        return i1.numerator, i1.denominator


@pytest.fixture
def phone(live_server: LiveServer, tmp_path: Path) -> Iterator[Phone]:
    p = Phone(live_server, tmp_path / "vault")
    try:
        yield p
    finally:
        p.vault.close()


class LoseFirstPushResponse(HTTPAdapter):
    """Delivers the request for real, then drops the server's answer once (lost on the way back)."""

    def __init__(self) -> None:
        super().__init__()
        self.lost = 0

    def send(self, request, *args, **kwargs):
        response = super().send(request, *args, **kwargs)
        if request.url.endswith("/api/v1/sync/push") and self.lost == 0:
            self.lost += 1
            response.close()
            raise requests.ConnectionError("connection reset after the server answered", request=request)
        return response


def test_sync_live__enroll_push_pull_end_to_end(phone: Phone):
    assert phone.user.unit == UNIT and phone.user.username == "canbo"
    assert phone.i1() == (0, 0)
    phone.surveys(passing=2, failing=1)
    phone.store.save_draft(
        phone.store.new_record(SURVEY), {"survey_date": "2026-03-15"}
    )  # stays on the phone
    report = phone.engine().run()
    assert report.error is None, report.error
    assert (report.sent, report.stored, report.duplicate, report.rejected) == (3, 3, 0, 0)
    assert report.pulled and phone.sleeps == []
    assert phone.store.counts() == {
        LocalState.DRAFT: 1,
        LocalState.PENDING: 0,
        LocalState.SENT: 3,
        LocalState.REJECTED: 0,
    }
    pull = phone.store.cached_pull()
    assert pull.user.username == "canbo" and {f.id for f in pull.forms} >= {"awareness_survey"}
    assert any(t.plan_id == PLAN for t in pull.tallies)
    assert phone.i1() == (2, 3)


def test_sync_live__a_batch_sent_twice_counts_once(phone: Phone):
    records = [sr.record for sr in phone.surveys(passing=3, failing=2)]
    batch = PushBatch(batch_id=uuid4(), records=records)
    first = phone.client.push(batch)
    assert {r.status for r in first.receipts} == {ReceiptStatus.STORED}
    again = phone.client.push(batch)  # the same batch, same Idempotency-Key
    assert {r.status for r in again.receipts} == {ReceiptStatus.DUPLICATE}
    other = phone.client.push(PushBatch(batch_id=uuid4(), records=records))  # same records, a new batch
    assert {r.status for r in other.receipts} == {ReceiptStatus.DUPLICATE}
    assert phone.i1() == (3, 5)
    report = phone.engine().run()  # the phone never heard: its outbox still holds them
    assert (report.stored, report.duplicate, report.remaining) == (0, 5, 0)
    assert phone.i1() == (3, 5)


def test_sync_live__a_response_lost_after_the_server_stored_it(live_server: LiveServer, tmp_path: Path):
    adapter = LoseFirstPushResponse()
    session = requests.Session()
    session.mount("http://", adapter)
    phone = Phone(live_server, tmp_path / "vault", session=session)
    try:
        phone.surveys(passing=4, failing=3)
        report = phone.engine().run()
        assert adapter.lost == 1 and len(phone.sleeps) == 1  # one retry after the lost answer
        assert report.error is None, report.error
        assert (report.stored, report.duplicate, report.sent) == (
            0,
            7,
            7,
        )  # the first try had stored them all
        assert phone.store.outbox() == []
        assert phone.i1() == (4, 7)
    finally:
        phone.vault.close()


def test_sync_live__server_down_loses_nothing_and_resumes(phone: Phone):
    phone.surveys(passing=1, failing=1)
    phone.server.stop()
    try:
        report = phone.engine(max_attempts=2).run()
        assert isinstance(report.error, RetryableSyncError)
        assert "Dữ liệu vẫn an toàn" in report.error.message.vi
        assert (report.sent, report.pulled, report.remaining) == (0, False, 2)
        assert len(phone.store.outbox()) == 2 and phone.store.get_meta("last_sync") is None
        assert phone.client.health(timeout=0.5) is False
    finally:
        phone.server.start()
    assert phone.client.health() is True
    report = phone.engine().run()
    assert report.error is None and report.stored == 2
    assert phone.i1() == (1, 2)


def test_sync_live__wrong_credentials_are_rejected_in_vietnamese(live_server: LiveServer):
    with pytest.raises(AuthRejected) as err:
        ServerClient(live_server.url).enroll("canbo", "sai-mat-khau", uuid4().hex, "Điện thoại")
    assert err.value.status == 401
    assert "mật khẩu" in err.value.message.vi and err.value.message.en


def test_sync_live__an_unknown_token_is_reported_not_raised(phone: Phone):
    phone.surveys(passing=1, failing=0)
    phone.client.token = "t_not_a_real_token"
    report = phone.engine().run()
    assert isinstance(report.error, AuthRejected) and report.error.message.vi
    assert len(phone.store.outbox()) == 1 and phone.sleeps == []


def test_sync_live__edits_and_voids_replace_the_count_never_add(phone: Phone):
    passing, failing = phone.surveys(passing=1, failing=1)
    assert phone.engine().run().stored == 2
    assert phone.i1() == (1, 2)
    # The officer corrects the failing respondent's answers (now passing), and voids the other survey.
    phone.store.finalize(failing.record, survey_answers(passing=True), SURVEY)
    phone.store.void(passing.record.id, "Phiếu nhập trùng")
    report = phone.engine().run()
    assert report.error is None and report.stored == 2
    assert phone.i1() == (1, 1)
    assert phone.engine().run().sent == 0  # nothing left to send
    assert phone.i1() == (1, 1)
