"""Issue 6 item 2: several phones sync through a faulty network to a real server that may be killed.

A Hypothesis state machine drives three phones (real vaults, the app's
``RecordStore`` and ``SyncEngine``, ``requests`` over loopback) against a real
uvicorn server behind ``FaultProxy``: new records, edits (new revisions),
voids, syncs with a random list of faults for the next requests, and the
server killed with SIGKILL (during a sync, too) and restarted. At the end
the network heals and every phone syncs until done; then:

- every outbox is empty and nothing was rejected;
- the server holds exactly the latest revision of every record (ids,
  revisions, statuses), nothing more;
- its tallies equal the ground truth computed from the phones alone: the
  number of final sessions and the sum of their soldier counts, per day.

Default: ``DEFAULT_FAULT_EXAMPLES`` runs; ``--fault-examples=60`` (or
``FIELDTALLY_FAULT_EXAMPLES``) for the full count.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
import threading
import time
from collections import Counter, defaultdict
from datetime import date, timedelta
from pathlib import Path

import requests
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from mobile.record_state import LocalState
from mobile.records import RecordStore
from mobile.sync.client import ServerClient
from mobile.sync.engine import SyncEngine, SyncReport
from mobile.vault import Vault
from schemas.catalog import latest_forms, shipped_forms
from schemas.records import RecordStatus
from tests.support.live_server import LiveServer

from .fault_proxy import FAULTS, FaultProxy

PIN = "246810"
FAST_KDF = {"name": "scrypt", "n": 2**8, "r": 8, "p": 1}
FORM = latest_forms(shipped_forms())["outreach_session"]
PHONES = 3
TIMEOUT = (0.5, 0.8)  # the phones' (connect, read) timeouts: "delay" holds a request past them
TOTALS: Counter[str] = Counter()  # faults injected etc., over every run, for the report


def _day(i: int) -> str:
    return (date.today() - timedelta(days=2 + i % 3)).isoformat()


def _answers(soldiers: int, i: int) -> dict:
    return {
        "session_date": _day(i),
        "place": f"Thôn {i}",
        "format": FORM.field("format").choices[0].value,
        "topics": [FORM.field("topics").choices[0].value],
        "attendees_citizens": 10,
        "attendees_soldiers": soldiers,
    }


class Phone:
    def __init__(self, folder: Path, server: LiveServer, proxy: FaultProxy, n: int) -> None:
        resp = requests.post(
            server.url + "/api/v1/enroll",
            json={"username": "canbo", "password": "canbo123", "device_id": f"phone-{n}"},
            timeout=10,
        )
        resp.raise_for_status()
        self.token = resp.json()["device_token"]
        self.vault = Vault.create(folder, PIN, kdf_params=FAST_KDF, compact_min_bytes=20_000)
        self.store = RecordStore(self.vault, author="canbo", unit="HN-SS-MT", device=f"phone-{n}")
        self.proxy_url = proxy.url

    def engine(self, max_records: int) -> SyncEngine:
        client = ServerClient(self.proxy_url, self.token, timeout=TIMEOUT)
        return SyncEngine(self.store, client, max_attempts=3, sleep=lambda s: None, max_records=max_records)


class FaultyNetwork(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.tmp = Path(tempfile.mkdtemp(prefix="ft-faults-"))
        self.server = LiveServer(self.tmp, f"sqlite:///{self.tmp / 'server.sqlite3'}")
        self.server.start()
        host, port = "127.0.0.1", self.server.port
        self.proxy = FaultProxy((host, port), delay=TIMEOUT[1] + 0.7)
        self.phones = [Phone(self.tmp / f"phone-{i}", self.server, self.proxy, i) for i in range(PHONES)]
        self.counter = 0
        self.kills = 0
        self.log: list[str] = []  # each sync's outcome, shown when an end check fails

    @initialize()
    def start(self) -> None:
        TOTALS["runs"] += 1

    # ---- what officers do ----------------------------------------------------------------------------
    @rule(phone=st.integers(0, PHONES - 1), soldiers=st.integers(0, 500))
    def new_record(self, phone: int, soldiers: int) -> None:
        self.counter += 1
        store = self.phones[phone].store
        store.finalize(store.new_record(FORM), _answers(soldiers, self.counter), FORM)

    @rule(phone=st.integers(0, PHONES - 1), pick=st.integers(0, 10_000), soldiers=st.integers(0, 500))
    def edit_record(self, phone: int, pick: int, soldiers: int) -> None:
        live = [sr for sr in self.phones[phone].store.list() if sr.record.status == RecordStatus.FINAL]
        if live:
            self.counter += 1
            sr = live[pick % len(live)]
            self.phones[phone].store.finalize(sr.record, _answers(soldiers, self.counter), FORM)

    @rule(phone=st.integers(0, PHONES - 1), pick=st.integers(0, 10_000))
    def void_record(self, phone: int, pick: int) -> None:
        live = [sr for sr in self.phones[phone].store.list() if sr.record.status == RecordStatus.FINAL]
        if live:
            self.phones[phone].store.void(live[pick % len(live)].record.id, "Nhập trùng")

    # ---- the network and the server ------------------------------------------------------------------
    @rule(
        phone=st.integers(0, PHONES - 1),
        faults=st.lists(st.sampled_from(FAULTS), min_size=1, max_size=4),
        batch=st.integers(1, 4),
    )
    def sync_through_faults(self, phone: int, faults: list[str], batch: int) -> None:
        self.proxy.set_plan(faults)
        self._note(phone, faults, self.phones[phone].engine(batch).run())
        self.proxy.set_plan([])
        self.proxy.flush_held()
        TOTALS["faults_planned"] += len(faults)

    def _note(self, phone: int, faults: list[str], report: SyncReport) -> None:
        self.log.append(
            f"phone {phone} {faults or 'healed'}: sent {report.sent}, remaining {report.remaining}, "
            f"error {report.error!r}; proxy requests {self.proxy.requests}"
        )

    def why(self) -> str:
        """What the phones and the proxy did, for a failing end check."""
        proxy = f"proxy accepting {self.proxy.accepting}, accept errors {self.proxy.accept_errors}"
        return "\n".join([*self.log[-12:], proxy])

    @precondition(lambda self: self.kills < 3)
    @rule(phone=st.integers(0, PHONES - 1), after_ms=st.integers(0, 60))
    def kill_server_mid_sync(self, phone: int, after_ms: int) -> None:
        """SIGKILL the server while a phone is pushing, then bring it back on the same database."""
        engine = self.phones[phone].engine(1)  # one record per batch: many requests to land among
        t = threading.Thread(target=engine.run)
        t.start()
        time.sleep(after_ms / 1000)
        self.server.kill()
        t.join(30)
        self.server.start()
        self.kills += 1
        TOTALS["server_kills"] += 1

    @invariant()
    def server_never_half_stores(self) -> None:
        """Between steps, no record on the server is ahead of every phone (nothing invented)."""
        local = {str(sr.record.id): sr.record.revision for p in self.phones for sr in p.store.list()}
        for rid, rev, _ in self._server_records():
            assert rid in local and rev <= local[rid], (rid, rev)

    # ---- the end -------------------------------------------------------------------------------------
    def _server_records(self) -> list[tuple[str, int, str]]:
        with sqlite3.connect(self.tmp / "server.sqlite3") as conn:
            rows = conn.execute("SELECT id, revision, status FROM records").fetchall()
        return [(_uuid(r[0]), r[1], r[2]) for r in rows]

    def _server_tallies(self) -> dict[tuple[str, str], float]:
        with sqlite3.connect(self.tmp / "server.sqlite3") as conn:
            rows = conn.execute(
                "SELECT day, measure_id, SUM(total) FROM tallies WHERE measure_id IN ('sessions', "
                "'attendees_soldiers') GROUP BY day, measure_id"
            ).fetchall()
        return {(str(d), m): t for d, m, t in rows if t}

    def teardown(self) -> None:
        try:
            self._heal_and_check()
        finally:
            for p in getattr(self, "phones", []):
                p.vault.close()
            self.proxy.close()
            self.server.stop()
            shutil.rmtree(self.tmp, ignore_errors=True)

    def _heal_and_check(self) -> None:
        self.proxy.set_plan([])
        self.proxy.flush_held()
        self.proxy.settle()
        for p in self.phones:
            for _ in range(4):
                report = p.engine(200).run()
                self._note(self.phones.index(p), [], report)
                if report.error is None and report.remaining == 0:
                    break
            counts = p.store.counts()
            outbox = [(str(sr.record.id), sr.record.revision) for sr in p.store.outbox()]
            assert counts[LocalState.PENDING] == 0, f"{counts}; outbox {outbox}\n{self.why()}"
            assert counts[LocalState.REJECTED] == 0, [sr.issues for sr in p.store.list(LocalState.REJECTED)]
        self.proxy.settle()
        for kind, n in self.proxy.counts.items():
            TOTALS[f"injected:{kind}"] += n
        TOTALS["requests"] += self.proxy.requests

        truth = {str(sr.record.id): sr.record for p in self.phones for sr in p.store.list()}
        server = {rid: (rev, status) for rid, rev, status in self._server_records()}
        assert server == {rid: (r.revision, r.status.value) for rid, r in truth.items()}

        expected: dict[tuple[str, str], float] = defaultdict(float)
        for r in truth.values():
            if r.status == RecordStatus.FINAL:
                expected[(r.answers["session_date"], "sessions")] += 1
                expected[(r.answers["session_date"], "attendees_soldiers")] += r.answers["attendees_soldiers"]
        assert self._server_tallies() == {k: v for k, v in expected.items() if v}
        TOTALS["records"] += len(truth)
        TOTALS["revisions"] += sum(r.revision for r in truth.values())


def _uuid(value: object) -> str:
    import uuid

    return (
        str(uuid.UUID(hex=value))
        if isinstance(value, str) and len(value) == 32
        else str(uuid.UUID(str(value)))
    )


def test_faulty_network__phones_converge_exactly_once(fault_examples: int):
    run_state_machine_as_test(
        FaultyNetwork,
        settings=settings(
            max_examples=fault_examples,
            stateful_step_count=20,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        ),
    )
    print("faulty network:", dict(sorted(TOTALS.items())))
    assert TOTALS["runs"] >= fault_examples


def test_faulty_network__every_fault_kind_then_a_kill_loses_nothing():
    """A scripted run: each fault kind on each phone's sync, a kill mid-batch, then the same end checks."""
    machine = FaultyNetwork()
    try:
        machine.start()
        for i in range(12):
            machine.new_record(i % PHONES, soldiers=i * 7)
        for i, fault in enumerate(FAULTS):
            phone = i % PHONES
            machine.edit_record(phone, pick=i, soldiers=100 + i)
            machine.sync_through_faults(phone, [fault, fault], batch=2)
            machine.server_never_half_stores()
        machine.void_record(0, pick=1)
        machine.new_record(1, soldiers=3)
        machine.kill_server_mid_sync(1, after_ms=5)
        machine.server_never_half_stores()
        for fault in machine.proxy.counts:
            assert machine.proxy.counts[fault] >= 1
        assert set(FAULTS) <= set(machine.proxy.counts), f"{machine.proxy.counts}\n{machine.why()}"
    finally:
        machine.teardown()
