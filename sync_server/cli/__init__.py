"""``fieldtally-server``: the sync server's one command line, a registry of small commands.

::

    fieldtally-server serve [--host H] [--port P] [--demo [--demo-records]]
    fieldtally-server init-db | seed-demo [--records] | migrate [--to REVISION]
    fieldtally-server create-user --username U --password P --role R --unit CODE --full-name NAME
    fieldtally-server import-units FILE.csv|.xlsx      units and baselines; all rows or none
    fieldtally-server export-units FILE.csv|.xlsx [--root CODE]
    fieldtally-server check-plan FILE.json | load-plan FILE.json
    fieldtally-server audit [--entity E] [--id ID] [--limit N]
    fieldtally-server import-xlsform WORKBOOK.xlsx [--out F] [--publish] ...
    fieldtally-server recover-vault VAULT --out FILE [--ingest]
    fieldtally-demo [serve options]                    serve --demo --demo-records

Settings come from FIELDTALLY_* variables; ``--database-url`` overrides
FIELDTALLY_DATABASE_URL. Each command is a ``Command`` in its own module
(``registry.py`` says what they share); to add one, write the module and list
it in ``COMMANDS`` below. Every problem is printed as a sentence (in Vietnamese
and English where there are several) and the command exits 2 with nothing written.
"""

from __future__ import annotations

import sys

from . import audit, database, import_xlsform, plans, recover_vault, serve, units, users
from .registry import Registry

PROG = "fieldtally-server"
COMMANDS = (
    *serve.COMMANDS,
    database.INIT_DB,
    database.SEED_DEMO,
    *users.COMMANDS,
    database.MIGRATE,
    *units.COMMANDS,
    *plans.COMMANDS,
    *audit.COMMANDS,
    *import_xlsform.COMMANDS,
    *recover_vault.COMMANDS,
)


def registry() -> Registry:
    return Registry(PROG, "The fieldtally sync server.", COMMANDS)


def main(argv: list[str] | None = None) -> int:
    """``fieldtally-server ...``; returns the exit code."""
    return registry().run(argv)


def demo_main(argv: list[str] | None = None) -> int:
    """``fieldtally-demo [serve options]``: a server with the demo data and two years of records."""
    return main(["serve", "--demo", "--demo-records", *(sys.argv[1:] if argv is None else argv)])


__all__ = ["COMMANDS", "demo_main", "main", "registry"]
