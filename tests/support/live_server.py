"""A real sync server (uvicorn in a subprocess) for client, system and browser tests.

Usage::

    server = start_live_server(tmp_path)          # SQLite file in tmp_path, demo data seeded
    requests.get(server.url + "/health")
    server.kill(); server.start()                 # crash and come back on the same port and database
    server.stop()

The server is ``python -m sync_server.cli serve --port P --database-url URL [--demo]``
run with the interpreter running the tests, or with ``$FIELDTALLY_SERVER_PYTHON``
when set: the phone's tests run in an environment holding the phone's oldest
versions (scripts/test_phone_oldest.sh), where the server cannot run, so the
server comes from its own environment. Its stdout and stderr go to
``server.log_path`` and are quoted in the error when it fails to come up.
Only the standard library is used here, so any suite can import it.
"""

from __future__ import annotations

import json
import os
import pathlib
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

REPO_ROOT = pathlib.Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT = 20.0
SERVER_PYTHON_VAR = "FIELDTALLY_SERVER_PYTHON"


def server_python() -> str:
    """The interpreter that runs the sync server: ``$FIELDTALLY_SERVER_PYTHON``, else this one."""
    return os.environ.get(SERVER_PYTHON_VAR) or sys.executable


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """A real uvicorn subprocess on 127.0.0.1 with a fixed port and database."""

    def __init__(
        self,
        workdir: pathlib.Path,
        database_url: str,
        *,
        demo: bool = True,
        demo_records: bool = False,
        port: int | None = None,
        serve_app: bool = False,
        workers: int = 1,
        startup_timeout: float = STARTUP_TIMEOUT,
    ) -> None:
        self.workdir = pathlib.Path(workdir)
        self.database_url = database_url
        self.demo = demo
        self.demo_records = demo_records
        # The app's web build at /app/ costs seconds of imports at every start: only where it is used.
        self.serve_app = serve_app
        self.workers = workers  # > 1: ``serve --workers N``, in a process group of its own (see _signal)
        self.startup_timeout = startup_timeout
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = self.workdir / f"sync-server-{self.port}.log"
        self._proc: subprocess.Popen[bytes] | None = None

    # -- lifecycle -----------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self) -> None:
        """(Re)start on the same port and database; returns once /health answers."""
        if self.running:
            return
        cmd = [server_python(), "-m", "sync_server.cli", "serve", "--host", "127.0.0.1"]
        cmd += ["--port", str(self.port), "--database-url", self.database_url]
        if self.workers > 1:
            cmd += ["--workers", str(self.workers)]
        if self.demo:
            cmd.append("--demo")
            if self.demo_records:
                cmd.append("--demo-records")
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p)
        env.setdefault("FIELDTALLY_ENVIRONMENT", "development")
        env["FIELDTALLY_SERVE_APP"] = "true" if self.serve_app else "false"
        env["PYTHONUNBUFFERED"] = "1"
        self.workdir.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            self._proc = subprocess.Popen(
                cmd,
                cwd=self.workdir,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=self.workers > 1,
            )
        self._wait_healthy()

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM (a graceful uvicorn shutdown), wait; SIGKILL if it hangs."""
        proc = self._proc
        if proc is None:
            return
        if proc.poll() is None:
            self._signal(signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self._signal(signal.SIGKILL)
                proc.wait()
        self._proc = None

    def _signal(self, sig: int) -> None:
        """To the server; with several workers to its whole group, so no worker outlives a SIGKILL."""
        assert self._proc is not None
        if self.workers > 1:
            try:
                os.killpg(self._proc.pid, sig)
            except ProcessLookupError:
                pass
        else:
            self._proc.send_signal(sig)

    def kill(self) -> None:
        """SIGKILL: the server dies mid-whatever, like a power cut."""
        proc = self._proc
        if proc is None:
            return
        if proc.poll() is None:
            self._signal(signal.SIGKILL)
        proc.wait()
        self._proc = None

    def __enter__(self) -> LiveServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- helpers -------------------------------------------------------------------
    def health(self, timeout: float = 2.0) -> dict:
        with urllib.request.urlopen(self.url + "/health", timeout=timeout) as resp:
            return json.loads(resp.read())

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + self.startup_timeout * (3 if self.serve_app else 1)
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            assert self._proc is not None
            if self._proc.poll() is not None:
                code = self._proc.returncode
                self._proc = None
                raise RuntimeError(
                    f"sync server exited with code {code} while starting:\n{self.log_text()[-4000:]}"
                )
            try:
                if self.health(timeout=1.0).get("status") == "ok":
                    return
            except (OSError, urllib.error.URLError, ValueError) as exc:
                last_error = exc
            time.sleep(0.1)
        self.kill()
        raise RuntimeError(
            f"sync server did not answer {self.url}/health within {self.startup_timeout:.0f} s "
            f"(last error: {last_error!r}):\n{self.log_text()[-4000:]}"
        )


def start_live_server(
    workdir: pathlib.Path,
    database_url: str | None = None,
    demo: bool = True,
    demo_records: bool = False,
    serve_app: bool = False,
) -> LiveServer:
    """Start a sync server for a test; by default on a fresh SQLite file in ``workdir``, with demo data.

    Demo users: ``canbo``/``canbo123`` (officer at HN-SS-MT), ``chihuy``/``chihuy123``
    (supervisor at HN), ``admin``/``admin123``. Call ``stop()`` when done.
    """
    workdir = pathlib.Path(workdir)
    if database_url is None:
        database_url = f"sqlite:///{(workdir / 'live-server.sqlite3').resolve()}"
    server = LiveServer(workdir, database_url, demo=demo, demo_records=demo_records, serve_app=serve_app)
    server.start()
    return server
