"""Issue 6 item 3: the vault reader on corrupted files: a clean VaultError, never a crash, nothing invented.

Hypothesis damages one of the vault's files (flipped bytes, cuts, inserted or
appended bytes, a random or empty file, a JSON key file with fields of the
wrong type) and opens it. Allowed outcomes: it opens with exactly the saved
state or the state before the last save (a cut at the journal's end is a
torn tail); or it refuses with a ``VaultError`` carrying a Vietnamese
sentence that tells the officer what to do. Any other exception is a crash.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mobile.app.service import AppService
from mobile.errors import VaultCorrupt, VaultError
from mobile.vault import Vault
from mobile.vault.storage import JOURNAL_NAME, SNAP_NAME
from mobile.vault.vault import ATTEMPTS_NAME, KEY_NAME
from tests.mobile.helpers import FAST_KDF, PIN
from tests.mobile.vault_helpers import fill, state

FILES = [KEY_NAME, SNAP_NAME, JOURNAL_NAME, ATTEMPTS_NAME]
RUNS = 300


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict]]:
    """A vault with a snapshot and three journal frames, and the states an opening may legally show."""
    folder = tmp_path_factory.mktemp("fuzz") / "vault"
    states = []
    with Vault.create(folder, PIN, kdf_params=FAST_KDF) as v:
        fill(v, 3)
        v.compact()
        for i in range(3):
            states.append(state(v))
            fill(v, 1, start=10 + i)
        states.append(state(v))
    (folder / ATTEMPTS_NAME).write_text('{"failures": 0}')
    return folder, states


def _damage(data: bytes, kind: str, pos: int, blob: bytes) -> bytes:
    pos = pos % (len(data) + 1)
    if kind == "flip" and data:
        p = pos % len(data)
        return data[:p] + bytes([data[p] ^ (blob[0] if blob and blob[0] else 1)]) + data[p + 1 :]
    if kind == "cut":
        return data[:pos]
    if kind == "insert":
        return data[:pos] + blob + data[pos:]
    if kind == "append":
        return data + blob
    if kind == "replace":
        return blob
    return data[:pos] + blob + data[pos + len(blob) :]  # overwrite


JSON_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True),
    st.text(max_size=20),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
)


@settings(
    max_examples=RUNS,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    name=st.sampled_from(FILES),
    kind=st.sampled_from(["flip", "cut", "insert", "append", "replace", "overwrite", "json_field"]),
    pos=st.integers(min_value=0, max_value=1 << 16),
    blob=st.binary(min_size=0, max_size=64),
    field=st.sampled_from(
        ["format", "vault_id", "kdf", "wrapped_key", "recovery", "unlock", "magic", "failures"]
    ),
    value=JSON_VALUES,
)
def test_vault_fuzz__damage_gives_a_clean_error_or_an_honest_state(
    pristine, tmp_path_factory, name, kind, pos, blob, field, value
):
    source, states = pristine
    folder = tmp_path_factory.mktemp("case") / "vault"
    shutil.copytree(source, folder)
    path = folder / name
    data = path.read_bytes()
    if kind == "json_field":
        try:
            body = json.loads(data)
            body[field] = value  # the checksum no longer fits, unless we are in the attempts file
        except ValueError:
            return
        damaged = json.dumps(body).encode()
    else:
        damaged = _damage(data, kind, pos, blob)
    path.write_bytes(damaged)
    try:
        with Vault.unlock(folder, PIN) as v:
            got = state(v)
    except VaultError as exc:
        assert exc.message.vi and exc.message.en
        if isinstance(exc, VaultCorrupt):
            assert "Đừng xóa" in exc.message.vi and "administrator" in exc.message.en
        return
    # Opened: it must be the last saved state, or (journal cut at its end) an earlier one; never a mix.
    assert got in states, (name, kind)
    if name != JOURNAL_NAME:
        assert got == states[-1]


def test_vault_fuzz__the_app_turns_a_corrupt_vault_into_a_sentence_not_a_crash(tmp_path: Path):
    import asyncio

    service = AppService(tmp_path, kdf_params=FAST_KDF)
    with Vault.create(service.vault_dir, PIN, kdf_params=FAST_KDF) as v:
        fill(v, 2)
    (service.vault_dir / SNAP_NAME).write_bytes(b"\0" * 100)
    with pytest.raises(VaultCorrupt) as err:
        asyncio.run(service.unlock(PIN))
    assert "liên hệ quản trị viên" in err.value.message.vi
    assert service.store is None  # still locked, nothing half-open
