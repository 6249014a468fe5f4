"""``fieldtally-server``: serve, init-db, seed-demo, create-user, and the admin commands of ``admin_cli``.

Settings come from FIELDTALLY_* variables; ``--database-url`` overrides
FIELDTALLY_DATABASE_URL.
"""

from __future__ import annotations

import argparse
import logging
import sys

from schemas.common import utcnow
from schemas.sync import Role

from . import admin_cli
from .bootstrap import prepare_database
from .config import Settings, get_settings
from .db import Database
from .errors import ServerError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fieldtally-server", description="The fieldtally sync server.")
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name: str, help_: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_)
        p.add_argument("--database-url", help="overrides FIELDTALLY_DATABASE_URL")
        return p

    serve = add("serve", "prepare the database and run the server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--demo", action="store_true", help="also seed the demo units and users")
    serve.add_argument(
        "--demo-records", action="store_true", help="with --demo: also two years of demo field records"
    )
    add("init-db", "create the tables and seed the shipped forms and plans")
    seed = add("seed-demo", "add the demo units and users (not in production)")
    seed.add_argument("--records", action="store_true", help="also two years of demo field records")
    user = add("create-user", "add a user")
    user.add_argument("--username", required=True)
    user.add_argument("--password", required=True)
    user.add_argument("--role", required=True, choices=[r.value for r in Role])
    user.add_argument("--unit", required=True, help="unit code, e.g. HN-SS-MT")
    user.add_argument("--full-name", required=True)
    admin_cli.add_commands(add)
    sub.add_parser("import-xlsform", help="convert an XLSForm workbook into a form definition (--help)", add_help=False)
    rec = add("recover-vault", "open a phone's exported vault with the recovery key (forgotten PIN)")
    rec.add_argument("vault", help="the exported vault: a folder with vault.key/.snap/.journal, or a .zip")
    rec.add_argument("--out", required=True, help="write every record found to this JSON file")
    rec.add_argument("--ingest", action="store_true", help="also store its finished records, as their authors")
    rec.add_argument("--recovery-key-file", help="overrides FIELDTALLY_RECOVERY_KEY_FILE")
    return parser


def _serve(settings: Settings, db: Database, args: argparse.Namespace) -> None:
    import uvicorn

    from .app import create_app
    from .web_app import mount_web_app

    prepare_database(db, settings, demo=args.demo, demo_records=args.demo and args.demo_records)
    app = create_app(settings.with_changes(init_db_on_startup=False), database=db)
    mount_web_app(app, settings)  # the app's web build at /app/, when the "web" extra is installed
    uvicorn.run(app, host=args.host, port=args.port, log_level=settings.log_level, access_log=False)


def _create_user(settings: Settings, db: Database, args: argparse.Namespace) -> None:
    from .services.accounts import create_user
    from .services.audit import cli_actor

    prepare_database(db, settings)
    with db.session(write=True) as s:
        create_user(
            s,
            username=args.username,
            password=args.password,
            role=Role(args.role),
            unit_code=args.unit,
            full_name=args.full_name,
            settings=settings,
            now=utcnow(),
            actor=cli_actor(),
        )
    print(f"user {args.username} created at {args.unit}")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["import-xlsform"]:  # its own arguments and help: sync_server/xlsform.py
        from .xlsform import main as import_xlsform

        return import_xlsform(argv[1:])
    args = _parser().parse_args(argv)
    try:
        settings = get_settings()
        if args.database_url:
            settings = settings.with_changes(database_url=args.database_url)
        logging.basicConfig(
            level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
        db = Database.from_settings(settings)
        try:
            if args.command == "serve":
                _serve(settings, db, args)
            elif args.command == "init-db":
                prepare_database(db, settings)
                print("database ready")
            elif args.command == "seed-demo":
                prepare_database(db, settings, demo=True, demo_records=args.records)
                print("demo data ready")
            elif args.command == "create-user":
                _create_user(settings, db, args)
            elif args.command in admin_cli.COMMANDS:
                admin_cli.run(settings, db, args)
            elif args.command == "recover-vault":
                from .recovery import recover_vault_command

                recover_vault_command(settings, db, args)
        finally:
            db.dispose()
    except ServerError as exc:
        print(f"fieldtally-server: {exc.message.en}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
