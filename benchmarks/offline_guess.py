"""What one offline PIN guess costs a thief holding a copy of the vault's files, before and after binding.

    .venv/bin/python benchmarks/offline_guess.py                 # 5 guesses per row, target 500 ms
    .venv/bin/python benchmarks/offline_guess.py --guesses 20 --target-ms 1000

Rows, each timed on this machine with wrong PINs through ``vault_format`` (what
an attacker would script; the app's waits and lock do not apply to a copy):

- ``unbound, N=2^15`` : a vault made before this change (format 2, the constant
  KDF): one guess is one scrypt, so all 10^6 six-digit PINs fall in the time shown.
- ``bound, files alone`` : the same guess on a bound vault (format 3) without the
  device secret. No PIN can be tested: each guess also needs the 256-bit secret,
  so the expected work is 2^255 times the KDF per PIN tried.
- ``bound, with the device secret`` : the cost if the Keystore itself were
  broken: the calibrated KDF (``target_ms``), per guess.

Correctness: the right PIN opens each vault, and without the secret it does not.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from vault_format import kdf  # noqa: E402
from vault_format import keyfile as key_format  # noqa: E402
from vault_format.errors import NotThisDevice  # noqa: E402

PIN = "246810"
SPACE = 10**6  # six-digit PINs


def _per_guess(kf: key_format.KeyFile, n: int) -> float:
    times = []
    for i in range(n):
        start = time.perf_counter()
        try:
            kf.unwrap(f"{i:06d}")
        except key_format.BadKey:
            pass
        times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2]


def _human(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 2 * 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 3 * 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--guesses", type=int, default=5)
    ap.add_argument("--target-ms", type=int, default=kdf.DEFAULT_TARGET_MS)
    args = ap.parse_args()
    data_key, secret = os.urandom(32), os.urandom(32)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        legacy = key_format.new_keyfile(PIN, data_key, kdf.DEFAULT_SCRYPT)
        params = kdf.calibrate(args.target_ms)
        bound = key_format.new_keyfile(PIN, data_key, params, device_secret=secret)
        key_format.write_keyfile(folder / "legacy.key", legacy)
        key_format.write_keyfile(folder / "bound.key", bound)
        copied_legacy = key_format.read_keyfile(folder / "legacy.key")
        copied_bound = key_format.read_keyfile(folder / "bound.key")  # what the thief has: no secret
        if copied_legacy.unwrap(PIN) != data_key or bound.unwrap(PIN) != data_key:
            print("error: the right PIN does not open a vault", file=sys.stderr)
            return 1
        try:
            copied_bound.unwrap(PIN)
            print("error: a bound vault opened from its files alone", file=sys.stderr)
            return 1
        except NotThisDevice:
            pass
        t_legacy = _per_guess(copied_legacy, args.guesses)
        t_bound = _per_guess(bound, args.guesses)
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, median of {args.guesses} guesses\n")
    print("| vault | KDF | one guess | all 10^6 six-digit PINs, one core |")
    print("| --- | --- | --- | --- |")
    print(
        "| unbound, N=2^15 (before) | scrypt n=2^15 r=8 p=1 "
        f"| {t_legacy * 1000:.0f} ms | {_human(t_legacy * SPACE)} |"
    )
    print(
        "| bound, files alone | + 256-bit device secret | not testable: each PIN needs the secret too "
        f"(2^255 × {t_bound * 1000:.0f} ms expected) | never |"
    )
    print(
        f"| bound, with the device secret | scrypt n=2^15 r=8 p={params['p']} "
        f"(target {params['target_ms']} ms) "
        f"| {t_bound * 1000:.0f} ms | {_human(t_bound * SPACE)} |"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
