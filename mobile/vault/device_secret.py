"""Where the device secret and the vault's write counter live: outside the vault's files.

Two things must survive beside the vault but not *in* its folder, or a copy
of the folder would carry them along:

- the **device secret** (``vault_format/binding.py``): 32 random bytes that
  enter the PIN's key, MAC the key file and seal the unlock key;
- the **write counter** of each vault: the (snapshot generation, journal
  frame) the vault had reached at its last save. On opening, files that are
  *behind* it were cut at a frame boundary or replaced by an older copy, which
  the files alone cannot show (``vault_format/journal.py``).

``SecretStore`` is the small interface; what stands behind it depends on the build:

- **Android** (``FletSecretStore``): ``flet-secure-storage``, i.e. the
  Android Keystore (values encrypted under a hardware-backed key the app
  cannot export; ``reset_on_error`` off so a key error never silently wipes
  them; app backups are off in ``pyproject.toml`` so a restore cannot bring
  back an old counter or a foreign secret).
- **Desktop and the web build** (``FileSecretStore``): a mode-0600 file in
  the app's data folder, *beside* (never inside) the vault folder, so the
  sealed export and a copy of the vault folder do not include it. It does
  not stand against someone who copies the whole data folder of the
  machine; ``docs/security.md`` says so.
- **Tests** (``MemorySecretStore``): the Keystore cannot run here.

Values are text (what flutter_secure_storage stores). Every call is
blocking: the app calls the vault from worker threads (``asyncio.to_thread``),
and ``FletSecretStore`` hands each call to the Flet event loop and waits.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import os
from pathlib import Path
from typing import Any, Protocol

from vault_format import binding
from vault_format.atomic import atomic_write

log = logging.getLogger(__name__)

SECRET_NAME = "fieldtally.device_secret"
STORE_FILE = "device-secrets.json"


class SecretStore(Protocol):
    def get(self, name: str) -> str | None: ...

    def put(self, name: str, value: str) -> None: ...


class MemorySecretStore:
    """A store in memory (tests): what the Keystore keeps, without the Keystore."""

    def __init__(self) -> None:
        self.values: dict[str, str] = {}

    def get(self, name: str) -> str | None:
        return self.values.get(name)

    def put(self, name: str, value: str) -> None:
        self.values[name] = value


class FileSecretStore:
    """The desktop and web stand-in: one JSON file, mode 0600, outside the vault's folder."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def _all(self) -> dict[str, str]:
        try:
            raw = json.loads(self.path.read_bytes())
        except FileNotFoundError:
            return {}
        except ValueError:
            log.warning("unreadable %s: treated as empty", self.path.name)
            return {}
        return {k: v for k, v in raw.items() if isinstance(k, str) and isinstance(v, str)}

    def get(self, name: str) -> str | None:
        return self._all().get(name)

    def put(self, name: str, value: str) -> None:
        values = {**self._all(), name: value}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(self.path, json.dumps(values).encode("ascii"))
        os.chmod(self.path, 0o600)


class FletSecretStore:
    """Android: ``flet_secure_storage.SecureStorage`` (the Keystore), called from worker threads.

    ``storage`` is the page's ``SecureStorage`` service, ``loop`` the Flet event loop; each
    call is scheduled there and waited for, so it must never be made *on* that loop.
    """

    def __init__(self, storage: Any, loop: asyncio.AbstractEventLoop, timeout: float = 10.0) -> None:
        self.storage, self.loop, self.timeout = storage, loop, timeout

    @classmethod
    def for_session(cls) -> FletSecretStore:
        """The store of the running Flet session; call it on the event loop, inside the page's context.

        A Flet service registers itself with the page it is created under (as ``Geolocator`` does).
        ``reset_on_error=False``: a Keystore error must fail loudly, never erase the device secret.
        """
        import flet_secure_storage as fss  # the Android build's extension; imported only where used

        storage = fss.SecureStorage(android_options=fss.AndroidOptions(reset_on_error=False))
        return cls(storage, asyncio.get_running_loop())

    def _run(self, coro: Any) -> Any:
        try:
            on_loop = asyncio.get_running_loop() is self.loop
        except RuntimeError:
            on_loop = False
        if on_loop:  # waiting here would wait forever: the loop is the one that must answer
            coro.close()
            raise RuntimeError("the secure store was called on the event loop; call it from a worker thread")
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(self.timeout)

    def get(self, name: str) -> str | None:
        return self._run(self.storage.get(name))

    def put(self, name: str, value: str) -> None:
        self._run(self.storage.set(name, value))


def device_secret(store: SecretStore, *, create: bool) -> bytes | None:
    """The device secret; a new one is made (and kept) when ``create`` and there is none yet."""
    raw = store.get(SECRET_NAME)
    if raw:
        try:
            secret = base64.b64decode(raw, validate=True)
            if len(secret) == binding.SECRET_LEN:
                return secret
        except ValueError:
            pass
        log.warning("the stored device secret is malformed")
        if not create:
            return None
    elif not create:
        return None
    secret = binding.new_secret()
    store.put(SECRET_NAME, base64.b64encode(secret).decode("ascii"))
    return secret


def _counter_name(vault_id: str) -> str:
    return f"fieldtally.vault.{vault_id}"


def read_counter(store: SecretStore, vault_id: str) -> tuple[int, int] | None:
    """The (generation, frames) recorded at the vault's last save, or None if never recorded."""
    raw = store.get(_counter_name(vault_id))
    if not raw:
        return None
    try:
        gen, seq = json.loads(raw)
        if all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in (gen, seq)):
            return gen, seq
    except (ValueError, TypeError):
        pass
    log.warning("the stored vault counter is malformed")
    return (0, 0)  # still says "this vault was bound here": a downgraded key file is refused


def read_attempts(store: SecretStore, vault_id: str) -> dict[str, Any] | None:
    """The mirror of the vault's wrong-PIN counter (``throttle.Attempts`` fields), or None."""
    raw = store.get(f"fieldtally.attempts.{vault_id}")
    try:
        body = json.loads(raw) if raw else None
    except ValueError:
        body = None
    return body if isinstance(body, dict) else None


def write_attempts(store: SecretStore, vault_id: str, fields: dict[str, Any]) -> None:
    store.put(f"fieldtally.attempts.{vault_id}", json.dumps(fields))


def write_counter(store: SecretStore, vault_id: str, position: tuple[int, int]) -> None:
    store.put(_counter_name(vault_id), json.dumps(list(position)))
