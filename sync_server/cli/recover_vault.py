"""``fieldtally-server recover-vault VAULT --out FILE [--ingest] [--recovery-key-file F]``: a forgotten PIN.

Opens a phone's exported vault (a folder or a .zip) with the server's recovery
key (``recovery_key.py``; never created here), writes every record found to
``--out`` (plaintext field data: mode 0600), and with ``--ingest`` stores the
finished ones of the vault's enrolled owner (``services/vault_recovery.py``).
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from ..bootstrap import prepare_database
from ..recovery_key import load_existing, recovery_key_path
from ..services.audit import cli_actor
from ..services.vault_recovery import audit_export_only, ingest_recovered, open_vault
from .registry import Command, Context


def _arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("vault", help="the exported vault: a folder with vault.key/.snap/.journal, or a .zip")
    p.add_argument("--out", required=True, help="write every record found to this JSON file")
    p.add_argument(
        "--ingest",
        action="store_true",
        help="also store its finished records, as the vault's enrolled owner (others are refused)",
    )
    p.add_argument("--recovery-key-file", help="overrides FIELDTALLY_RECOVERY_KEY_FILE")


def _recover_vault(args: argparse.Namespace, ctx: Context) -> None:
    settings = ctx.settings
    path = Path(args.recovery_key_file) if args.recovery_key_file else recovery_key_path(settings)
    key = load_existing(path)
    recovered = open_vault(Path(args.vault), key)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # plaintext field data: owner only
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(
            {"vault_id": recovered.vault_id, "key_id": recovered.key_id, "records": recovered.records},
            f,
            ensure_ascii=False,
            indent=1,
        )
    prepare_database(ctx.db, settings)
    if args.ingest:
        counts = ingest_recovered(ctx.db, recovered, key=key, settings=settings, actor=cli_actor())
        print(f"ingested: {json.dumps(counts, sort_keys=True)}")
    else:
        audit_export_only(ctx.db, recovered, actor=cli_actor())
    unsynced = len(recovered.unsynced())
    print(f"vault {recovered.vault_id}: {len(recovered.records)} records ({unsynced} not yet sent) -> {out}")


COMMANDS = (
    Command(
        "recover-vault",
        "open a phone's exported vault with the recovery key (forgotten PIN)",
        _arguments,
        handler=_recover_vault,
    ),
)
