"""What the benchmarks share: the machine line, tables, a phone with a full outbox, wire counting.

Benchmarks are commands, not tests: they print a Markdown table whose
baseline was measured in the same run, and they check correctness (exactly
once, nothing lost) and exit non-zero with a message when it is wrong. They
never fail because the machine is slow.
"""

from __future__ import annotations

import os
import platform
import statistics
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import uuid4

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import requests  # noqa: E402
from requests.adapters import HTTPAdapter  # noqa: E402
from tinydb.table import Document  # noqa: E402

from mobile.record_state import LocalState, StoredRecord  # noqa: E402
from mobile.records import RecordStore  # noqa: E402
from mobile.sync.client import ServerClient  # noqa: E402
from mobile.vault import Vault  # noqa: E402
from schemas.catalog import latest_forms, shipped_forms  # noqa: E402
from schemas.form_state import derive_answers  # noqa: E402
from schemas.records import RecordStatus, check_record  # noqa: E402

PIN = "246810"
# The benchmarks that are not about the vault use a cheap KDF: unlocking is not what they measure.
FAST_KDF = {"name": "scrypt", "n": 2**8, "r": 8, "p": 1}
FORMS = latest_forms(shipped_forms())
SURVEY = FORMS["awareness_survey"]
PLAN_ID = "hanoi_pbgdpl_2021_2027"
DEMO_OFFICER = ("canbo", "canbo123")  # the demo data's officer at HN-SS-MT

_CORRECT = ("a", "b", "c", "a", "c", "a")
_WRONG = ("b", "a", "a", "b", "a", "b")
_QUESTIONS = ("q_border", "q_drugs", "q_traffic", "q_residence", "q_trafficking", "q_mediation")
_ETHNIC = ("Kinh", "Mông", "Dao", "Tày", "Thái", "Nùng")


class BenchmarkFailed(SystemExit):
    """A correctness check failed: the numbers of this run mean nothing."""

    def __init__(self, message: str) -> None:
        super().__init__(f"BENCHMARK FAILED: {message}")


def check(condition: bool, message: str) -> None:
    if not condition:
        raise BenchmarkFailed(message)


# ---- reporting ---------------------------------------------------------------------------------------


def machine() -> str:
    """One line naming the machine, for the docs: CPU, cores, RAM, Python, load when run."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
        ram = f", {mem:.0f} GiB RAM"
    except (ValueError, OSError, AttributeError):
        ram = ""
    try:
        load = " load {:.1f}/{:.1f}/{:.1f}".format(*os.getloadavg())
    except OSError:
        load = ""
    return f"{cpu}, {os.cpu_count()} cores{ram}, Python {platform.python_version()},{load}"


def table(head: Sequence[str], rows: Iterable[Sequence[Any]], align: str | None = None) -> str:
    """A Markdown table; ``align`` is one char per column, ``l`` or ``r`` (default: first l, rest r)."""
    align = align or "l" + "r" * (len(head) - 1)
    lines = [
        "| " + " | ".join(head) + " |",
        "|" + "|".join(":---" if a == "l" else "---:" for a in align) + "|",
    ]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def pct(samples: Sequence[float], q: float) -> float:
    """The ``q``-quantile (0..1) of ``samples`` by nearest rank."""
    s = sorted(samples)
    return s[min(len(s) - 1, max(0, int(round(q * (len(s) - 1)))))]


def median(samples: Sequence[float]) -> float:
    return statistics.median(samples)


# ---- counting what goes over HTTP --------------------------------------------------------------------


@dataclass
class WireCount:
    requests: int = 0
    up: int = 0  # request line + headers + body, as sent
    down: int = 0  # status line + headers + body, as received (compressed if it was)
    by_path: dict[str, int] = field(default_factory=dict)

    def reset(self) -> None:
        self.requests = self.up = self.down = 0
        self.by_path = {}


class CountingAdapter(HTTPAdapter):
    """A requests adapter that counts requests and the HTTP bytes each way (TCP/IP headers excluded).

    The request side is rebuilt from the prepared request exactly as http.client
    writes it (request line, Host, headers, body). The response side is the
    status line, the raw headers and the body's Content-Length (the compressed
    size when the server compressed it).
    """

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.count = WireCount()

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        resp = super().send(request, *args, **kwargs)
        c = self.count
        c.requests += 1
        path = request.path_url.split("?", 1)[0]
        c.by_path[path] = c.by_path.get(path, 0) + 1
        host = requests.utils.urlparse(request.url).netloc
        head = f"{request.method} {request.path_url} HTTP/1.1\r\nHost: {host}\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in request.headers.items()) + "\r\n"
        body = request.body or b""
        c.up += len(head.encode("latin-1")) + len(body if isinstance(body, bytes) else body.encode())
        raw_headers = resp.raw.headers if resp.raw is not None else resp.headers
        down_head = f"HTTP/1.1 {resp.status_code} {resp.reason}\r\n"
        down_head += "".join(f"{k}: {v}\r\n" for k, v in raw_headers.items()) + "\r\n"
        length = resp.headers.get("Content-Length")
        c.down += len(down_head.encode("latin-1")) + (int(length) if length else len(resp.content))
        return resp


def counting_session() -> tuple[requests.Session, CountingAdapter]:
    session = requests.Session()
    adapter = CountingAdapter()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session, adapter


# ---- a phone with a full outbox ----------------------------------------------------------------------


def survey_answers(i: int) -> dict[str, Any]:
    """Complete awareness-survey answers, varied by ``i``; every third respondent fails the quiz."""
    quiz = _WRONG if i % 3 == 2 else _CORRECT
    return {
        "survey_date": f"2026-03-{1 + i % 28:02d}",
        "respondent_group": ("citizen", "cadre", "ethnic_minority", "student")[i % 4],
        "age_band": ("16_29", "30_44", "45_59", "60_plus")[i % 4],
        "sex": ("female", "male")[i % 2],
        "ethnicity": _ETHNIC[i % len(_ETHNIC)],
        "key_area": ("yes", "no")[i % 2],
        **dict(zip(_QUESTIONS, quiz, strict=True)),
    }


def passing(n: int, start: int = 0) -> int:
    """How many of surveys ``start .. start+n-1`` pass the quiz (see ``survey_answers``)."""
    return sum(1 for i in range(start, start + n) if i % 3 != 2)


@dataclass
class Phone:
    vault: Vault
    store: RecordStore
    client: ServerClient
    adapter: CountingAdapter
    device_id: str
    token: str

    def close(self) -> None:
        self.vault.close()


def enroll_phone(
    base_url: str, folder: Path, *, user: tuple[str, str] = DEMO_OFFICER, timeout: Any = (5.0, 30.0)
) -> Phone:
    """Enroll a new device of ``user`` and open a fresh vault for it, with a counting HTTP session."""
    device_id = uuid4().hex
    enrolled = ServerClient(base_url).enroll(user[0], user[1], device_id, "benchmark")
    vault = Vault.create(folder, PIN, kdf_params=FAST_KDF)
    store = RecordStore(vault, author=enrolled.user.username, unit=enrolled.user.unit, device=device_id)
    store.set_meta("device_token", enrolled.device_token)
    session, adapter = counting_session()
    client = ServerClient(base_url, enrolled.device_token, session=session, timeout=timeout)
    return Phone(vault, store, client, adapter, device_id, enrolled.device_token)


def finalized_surveys(store: RecordStore, n: int, start: int = 0) -> list[StoredRecord]:
    """``n`` final surveys as ``RecordStore.finalize`` would make them (checked), not yet saved."""
    out = []
    for i in range(start, start + n):
        rec = store.new_record(SURVEY)
        rec = rec.model_copy(
            update={"status": RecordStatus.FINAL, "answers": derive_answers(SURVEY, survey_answers(i))}
        )
        issues = check_record(rec, SURVEY)
        check(not issues, f"generated survey {i} is invalid: {issues[:1]}")
        out.append(StoredRecord(record=rec, state=LocalState.PENDING))
    return out


def fill_outbox(store: RecordStore, n: int, start: int = 0) -> list[StoredRecord]:
    """Put ``n`` final surveys in the outbox in one vault save (the app would save them one by one)."""
    records = finalized_surveys(store, n, start)
    table = store._records  # noqa: SLF001 - bulk loading is a benchmark's shortcut, not an app path
    table.insert_multiple(Document(sr.model_dump(mode="json"), doc_id=str(sr.record.id)) for sr in records)
    return records


class Stopwatch:
    def __init__(self) -> None:
        self.t0 = time.perf_counter()

    @property
    def seconds(self) -> float:
        return time.perf_counter() - self.t0


def survey_record(i: int, *, author: str, unit: str, device: str):
    """A final awareness survey (a schemas Record) made without a vault: for simulated phones."""
    from schemas.common import utcnow
    from schemas.records import Record

    now = utcnow()
    rec = Record(
        id=uuid4(),
        form_id=SURVEY.id,
        form_version=SURVEY.version,
        unit=unit,
        author=author,
        device=device,
        created_at=now,
        updated_at=now,
        revision=1,
        status=RecordStatus.FINAL,
        answers=derive_answers(SURVEY, survey_answers(i)),
    )
    return rec


def server_totals(database_url: str) -> dict[str, float]:
    """Rows in ``records`` and the survey tallies summed over every unit, read from the database."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    try:
        with engine.connect() as con:
            rows = con.execute(text("SELECT count(*) FROM records")).scalar_one()
            sums = dict(
                con.execute(
                    text("SELECT measure_id, sum(total) FROM tallies WHERE plan_id = :p GROUP BY measure_id"),
                    {"p": PLAN_ID},
                ).all()
            )
    finally:
        engine.dispose()
    return {
        "records": rows,
        "surveys": float(sums.get("surveys", 0)),
        "understanding": float(sums.get("surveys_understanding", 0)),
    }


PG_ADMIN_URL = os.environ.get("FIELDTALLY_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def pg_scratch_database(name: str) -> str | None:
    """Create an empty PostgreSQL database ``name`` next to the test one; its URL, or None if unreachable.

    A database of its own, so a benchmark never touches tables other people's tests use.
    """
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import OperationalError

    engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as con:
            con.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            con.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError:
        return None
    finally:
        engine.dispose()
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


def pg_drop_database(name: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as con:
            con.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        engine.dispose()
