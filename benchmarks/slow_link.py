"""A 2G link: syncing 500 records through a slow, lossy link that is cut now and then.

    .venv/bin/python benchmarks/slow_link.py          # 500 records, 12 s cuts every 30 s (about a minute)
    .venv/bin/python benchmarks/slow_link.py --records 2000 --rate-kbit 20

The link. The kernel of these machines has no ``sch_netem`` (``tc qdisc ...
netem`` answers "Specified qdisc kind is unknown"; only htb/tbf exist), so
the link is emulated in user space by a TCP relay between the phone and the
server, per direction: ``--rate-kbit`` (50 kbit/s) of bandwidth, ``--delay-ms``
(200 ms one way: 400 ms round trip), and ``--loss`` (2%) of ~1,400-byte
segments lost, each costing what TCP pays to recover one: a retransmission
timeout (1 s) during which everything behind it waits. A cut (``--cut-every``
/ ``--cut-for``) stops all traffic; when the link comes back the connections
that lived through it are reset (the phone's radio session is gone) and
connections tried during it are refused. Segment-level TCP behaviour (slow
start, ACK clocking) is not emulated; time figures are therefore a little
optimistic for a real 2G link, and the protocol behaviour (timeouts, resets,
retries, resumption) is the real one.

The phone is a separate process with a real vault whose outbox holds N
final surveys; it runs the app's ``SyncEngine`` (default settings, the
app's timeouts) again and again, 2 s apart, as the app does on each
reconnection, until its outbox is empty. It logs every push it sends and every
receipt it gets. Checked afterwards (the benchmark fails otherwise): the
server holds exactly N records and its ``surveys`` tally is N; no record was
sent again after the phone had its receipt (from the phone's log). A record
whose answer was lost in a cut is sent again and comes back ``duplicate``:
that is allowed, and counted. The baseline is one request per record over
the same link (no cuts), for ``--baseline-records`` records.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    REPO,
    check,
    enroll_phone,
    fill_outbox,
    machine,
    server_totals,
    table,
)

sys.path.insert(0, str(REPO))
from tests.support.live_server import free_port, start_live_server  # noqa: E402

SEGMENT = 1400
RTO = 1.0


# ---- the link ----------------------------------------------------------------------------------------


class Link:
    """An emulated slow, lossy link that can be cut: a TCP relay on 127.0.0.1 in a thread of its own."""

    def __init__(
        self,
        target_port: int,
        *,
        rate_bps: float,
        delay: float,
        loss: float,
        cut_every: float,
        cut_for: float,
        first_cut: float,
        seed: int = 5,
    ) -> None:
        self.target_port = target_port
        self.port = free_port()
        self.rate = rate_bps / 8  # bytes per second
        self.delay, self.loss = delay, loss
        self.cut_every, self.cut_for, self.first_cut = cut_every, cut_for, first_cut
        self.rng = random.Random(seed)
        self.cuts = 0
        self.lost_segments = 0
        self.reset_connections = 0
        self._t0 = 0.0
        self._conns: set[asyncio.StreamWriter] = set()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.base_events.Server | None = None
        self._cutter_task: asyncio.Task | None = None

    def cut_now(self) -> bool:
        if not self.cut_every and not self.first_cut:
            return False
        t = time.monotonic() - self._t0 - self.first_cut
        if t < 0:
            return False
        return (t % self.cut_every if self.cut_every else t) < self.cut_for

    def start(self, cuts: bool = True) -> None:
        self._t0 = time.monotonic()
        if not cuts:
            self.cut_every = self.first_cut = 0.0
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(10)

    def stop(self) -> None:
        async def _stop() -> None:
            if self._cutter_task:
                self._cutter_task.cancel()
            if self._server:
                self._server.close()
            for w in list(self._conns):
                w.transport.abort()

        asyncio.run_coroutine_threadsafe(_stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    async def _start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)
        self._cutter_task = asyncio.get_running_loop().create_task(self._cutter())

    async def _cutter(self) -> None:
        was_cut = False
        while True:
            cut = self.cut_now()
            if cut and not was_cut:
                self.cuts += 1
            if was_cut and not cut:  # the link is back: whatever was open did not survive
                for w in list(self._conns):
                    self.reset_connections += 1
                    w.transport.abort()
                self._conns.clear()
            was_cut = cut
            await asyncio.sleep(0.05)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.cut_now():
            writer.transport.abort()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.transport.abort()
            return
        self._conns.update((writer, up_writer))
        await asyncio.gather(
            self._pipe(reader, up_writer), self._pipe(up_reader, writer), return_exceptions=True
        )
        for w in (writer, up_writer):
            self._conns.discard(w)
            w.transport.abort()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Carry one direction: serialise at the rate, lose some segments (an RTO each), delay, keep order."""
        queue: asyncio.Queue[tuple[float, bytes] | None] = asyncio.Queue()
        loop = asyncio.get_running_loop()

        async def deliver() -> None:
            while (item := await queue.get()) is not None:
                at, data = item
                await asyncio.sleep(max(0.0, at - loop.time()))
                while self.cut_now():
                    await asyncio.sleep(0.05)
                writer.write(data)
                await writer.drain()

        sender = loop.create_task(deliver())
        free_at = loop.time()
        try:
            while data := await reader.read(SEGMENT):
                while self.cut_now():
                    await asyncio.sleep(0.05)
                free_at = max(free_at, loop.time()) + len(data) / self.rate
                if self.rng.random() < self.loss:
                    self.lost_segments += 1
                    free_at += RTO  # the segment goes again after a timeout; everything behind it waits
                await queue.put((free_at + self.delay, data))
        except OSError:
            pass
        finally:
            await queue.put(None)
            try:
                await sender
            except OSError:
                pass
            if not writer.is_closing():
                try:
                    writer.write_eof()
                except OSError:
                    pass


# ---- the phone (its own process) ---------------------------------------------------------------------


def phone_main(spec_path: Path) -> None:
    from mobile.record_state import LocalState
    from mobile.sync.engine import SyncEngine
    from schemas.sync import ReceiptStatus

    spec = json.loads(spec_path.read_text())
    log = open(spec["log"], "a", encoding="utf-8")  # noqa: SIM115 - open for the whole run

    def note(**event) -> None:
        log.write(json.dumps({"t": round(time.monotonic() - t0, 3), **event}) + "\n")
        log.flush()

    phone = enroll_phone(spec["enroll_url"], Path(spec["vault"]))
    fill_outbox(phone.store, spec["records"])
    phone.client.base_url = spec["url"]  # from now on, through the link
    push = phone.client.push
    acked = {ReceiptStatus.STORED, ReceiptStatus.DUPLICATE, ReceiptStatus.STALE}

    def logged_push(batch):
        note(event="send", batch=str(batch.batch_id), ids=[str(r.id) for r in batch.records])
        try:
            resp = push(batch)
        except Exception as exc:
            note(event="fail", batch=str(batch.batch_id), error=type(exc).__name__, detail=str(exc)[:200])
            raise
        note(
            event="ack",
            batch=str(batch.batch_id),
            ids=[str(r.id) for r in resp.receipts if r.status in acked],
            duplicate=sum(r.status == ReceiptStatus.DUPLICATE for r in resp.receipts),
        )
        return resp

    phone.client.push = logged_push
    t0 = time.monotonic()
    runs = 0
    while time.monotonic() - t0 < spec["deadline"]:
        runs += 1
        report = SyncEngine(phone.store, phone.client, **spec.get("engine", {})).run()
        note(
            event="run",
            ok=report.ok,
            error=type(report.error).__name__ if report.error else None,
            remaining=report.remaining,
        )
        if report.ok and report.remaining == 0:
            break
        time.sleep(2.0)  # the app syncs again on the next reconnection / probe
    counts = phone.store.counts()
    note(
        event="done",
        seconds=time.monotonic() - t0,
        runs=runs,
        sent=counts[LocalState.SENT],
        pending=counts[LocalState.PENDING],
        up=phone.adapter.count.up,
        down=phone.adapter.count.down,
        requests=phone.adapter.count.requests,
    )
    phone.close()


# ---- the driver --------------------------------------------------------------------------------------


def run_case(label: str, n: int, args, root: Path, *, cuts: bool, engine: dict | None = None) -> dict:
    workdir = root / label.replace(" ", "-")
    server = start_live_server(workdir)
    port = int(server.url.rsplit(":", 1)[1])
    link = Link(
        port,
        rate_bps=args.rate_kbit * 1000,
        delay=args.delay_ms / 1000,
        loss=args.loss,
        cut_every=args.cut_every,
        cut_for=args.cut_for,
        first_cut=args.first_cut,
    )
    spec = workdir / "phone.json"
    logfile = workdir / "phone.log"
    spec.write_text(
        json.dumps(
            {
                "url": f"http://127.0.0.1:{link.port}",
                "enroll_url": server.url,
                "vault": str(workdir / "vault"),
                "records": n,
                "log": str(logfile),
                "deadline": args.deadline,
                "engine": engine or {},
            }
        )
    )
    try:
        link.start(cuts=cuts)
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        proc = subprocess.run(
            [sys.executable, __file__, "--phone", str(spec)],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        check(proc.returncode == 0, f"{label}: the phone process failed:\n{proc.stderr[-3000:]}")
        link.stop()
        events = [json.loads(line) for line in logfile.read_text().splitlines()]
        done = events[-1]
        check(done["event"] == "done", f"{label}: the phone did not finish")
        check(
            done["pending"] == 0,
            f"{label}: {done['pending']} records still in the outbox after {args.deadline} s",
        )
        check(done["sent"] == n, f"{label}: {done['sent']} records SENT on the phone, expected {n}")
        acked: set[str] = set()
        resent_acked = sent_again = duplicates = 0
        seen: set[str] = set()
        for e in events:
            if e["event"] == "send":
                ids = set(e["ids"])
                resent_acked += len(ids & acked)
                sent_again += len(ids & seen)
                seen |= ids
            elif e["event"] == "ack":
                acked |= set(e["ids"])
                duplicates += e["duplicate"]
        check(resent_acked == 0, f"{label}: {resent_acked} acknowledged records were sent again")
        totals = server_totals(server.database_url)
        check(totals["records"] == n, f"{label}: the server holds {totals['records']} records, expected {n}")
        check(
            totals["surveys"] == n,
            f"{label}: the server's surveys tally is {totals['surveys']}, expected {n}",
        )
        fails = [e for e in events if e["event"] == "fail"]
        return {
            "label": label,
            "n": n,
            "seconds": done["seconds"],
            "runs": done["runs"],
            "requests": done["requests"],
            "failed": len(fails),
            "cuts": link.cuts,
            "lost": link.lost_segments,
            "resent": sent_again,
            "duplicates": duplicates,
            "resent_acked": resent_acked,
            "up": done["up"],
            "down": done["down"],
        }
    finally:
        if link._thread.is_alive():  # noqa: SLF001
            link.stop()
        server.stop()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=500)
    ap.add_argument("--baseline-records", type=int, default=20)
    ap.add_argument("--rate-kbit", type=float, default=50)
    ap.add_argument("--delay-ms", type=float, default=200, help="one way (default 200: 400 ms round trip)")
    ap.add_argument("--loss", type=float, default=0.02)
    ap.add_argument("--first-cut", type=float, default=3.0, help="seconds after the start (default 3)")
    ap.add_argument("--cut-every", type=float, default=30.0)
    ap.add_argument("--cut-for", type=float, default=12.0)
    ap.add_argument("--deadline", type=float, default=600.0, help="give up after this many seconds")
    ap.add_argument("--phone", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.phone:
        phone_main(args.phone)
        return
    with tempfile.TemporaryDirectory(prefix="ft-bench-2g-") as tmp:
        root = Path(tmp)
        results = [
            run_case(
                "one request per record, no cuts",
                args.baseline_records,
                args,
                root,
                cuts=False,
                engine={"max_records": 1},
            ),
            run_case("batched, with cuts", args.records, args, root, cuts=True),
        ]
    rows = [
        [
            r["label"],
            f"{r['n']:,}",
            f"{r['seconds']:.1f}",
            f"{r['n'] / r['seconds']:.1f}",
            f"{r['runs']}",
            f"{r['requests']} ({r['failed']} failed)",
            f"{r['cuts']}",
            f"{r['lost']}",
            f"{(r['up'] + r['down']) / r['n']:.0f}",
            f"{r['resent']} ({r['duplicates']} duplicate receipts)",
            f"{r['resent_acked']}",
        ]
        for r in results
    ]
    print(
        f"2G link (emulated relay): {args.rate_kbit:g} kbit/s each way, "
        f"{2 * args.delay_ms:.0f} ms round trip, "
        f"{args.loss:.0%} segments lost; cuts of {args.cut_for:g} s every {args.cut_every:g} s from "
        f"t={args.first_cut:g} s; {machine()}"
    )
    print()
    print(
        table(
            [
                "variant",
                "records",
                "seconds",
                "records/s",
                "sync runs",
                "HTTP requests",
                "cuts",
                "segments lost",
                "bytes / record",
                "records sent again (unacknowledged)",
                "acknowledged records sent again",
            ],
            rows,
        )
    )
    print()
    print(
        "Checked: the server holds each record once and its tally counts each once; no record was sent after "
        "its receipt reached the phone."
    )


if __name__ == "__main__":
    main()
