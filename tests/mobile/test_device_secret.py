"""Where the device secret lives: the desktop file, the Flet (Keystore) bridge, and the secret itself."""

from __future__ import annotations

import asyncio
import base64
import threading
from pathlib import Path

import pytest

from mobile.vault import device_secret as ds


class _AsyncStorage:
    """What ``flet_secure_storage.SecureStorage`` offers: async get and set, answered on the event loop."""

    def __init__(self) -> None:
        self.values: dict[str, str] = {}
        self.threads: set[int] = set()

    async def get(self, key: str) -> str | None:
        self.threads.add(threading.get_ident())
        return self.values.get(key)

    async def set(self, key: str, value: str) -> None:
        self.threads.add(threading.get_ident())
        self.values[key] = value


def test_device_secret__made_once_kept_and_never_replaced_silently():
    store = ds.MemorySecretStore()
    assert ds.device_secret(store, create=False) is None
    secret = ds.device_secret(store, create=True)
    assert secret is not None and len(secret) == 32
    assert ds.device_secret(store, create=True) == secret == ds.device_secret(store, create=False)
    store.put(ds.SECRET_NAME, base64.b64encode(b"short").decode())
    assert ds.device_secret(store, create=False) is None  # malformed: not used, not overwritten
    assert store.get(ds.SECRET_NAME) == base64.b64encode(b"short").decode()


def test_device_secret__the_desktop_file_is_private_and_survives_garbage(tmp_path: Path):
    store = ds.FileSecretStore(tmp_path / "app" / ds.STORE_FILE)
    assert store.get("x") is None
    store.put("x", "1")
    ds.write_counter(store, "v1", (2, 5))
    assert store.get("x") == "1" and ds.read_counter(store, "v1") == (2, 5)
    assert oct((tmp_path / "app" / ds.STORE_FILE).stat().st_mode & 0o777) == "0o600"
    (tmp_path / "app" / ds.STORE_FILE).write_text("{not json")
    assert store.get("x") is None  # unreadable: treated as empty, no crash
    store.put(ds._counter_name("v2"), "garbage")
    assert ds.read_counter(store, "v2") == (0, 0)  # still says "bound here"


def test_device_secret__the_flet_store_runs_each_call_on_the_event_loop_from_a_worker_thread():
    async def main() -> None:
        storage = _AsyncStorage()
        store = ds.FletSecretStore(storage, asyncio.get_running_loop())

        def worker() -> bytes | None:  # the vault runs in asyncio.to_thread, as the app calls it
            return ds.device_secret(store, create=True)

        secret = await asyncio.to_thread(worker)
        assert secret is not None and await asyncio.to_thread(ds.device_secret, store, create=False) == secret
        assert storage.threads == {threading.get_ident()}  # the loop's thread, never the worker's
        with pytest.raises(RuntimeError):  # called on the loop itself: refused, not a hang
            store.get(ds.SECRET_NAME)

    asyncio.run(main())
