"""Helpers of the vault tests: a fake clock, filling a vault, its state, flipping a byte."""

from __future__ import annotations

from pathlib import Path

from mobile.vault import Vault


class FakeClock:
    def __init__(self, t: float = 1_800_000_000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def fill(vault: Vault, n: int, table: str = "t", start: int = 0) -> None:
    t = vault.db.table(table)
    for i in range(start, start + n):
        t.insert({"n": i, "text": f"Buổi tuyên truyền số {i} tại xã Đồng Tâm"})


def state(vault: Vault) -> dict:
    return {
        name: {d.doc_id: dict(d) for d in vault.db.table(name).all()} for name in sorted(vault.db.tables())
    }


def flip(path: Path, pos: int) -> bytes:
    data = bytearray(path.read_bytes())
    original = bytes(data)
    data[pos] ^= 0x01
    path.write_bytes(bytes(data))
    return original
