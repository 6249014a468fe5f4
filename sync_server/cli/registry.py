"""The command registry of ``fieldtally-server``: each command declares itself; one runner runs them all.

A command is a ``Command``: its name, help, a function adding its arguments
and a handler. Each lives in a small module of this package and is listed
once in ``__init__.py``; nothing registers itself at import. The runner owns
what every command shares, so no command repeats it:

- ``--database-url`` (overrides FIELDTALLY_DATABASE_URL), the settings, logging
  and a ``Database`` that is disposed of afterwards, for commands with a
  ``handler``;
- a ``ServerError`` becomes its English sentence on stderr and exit code 2,
  never a traceback.

A command with a ``plain`` handler instead (``import-xlsform``) gets no
context and handles its own errors and exit codes.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ..config import Settings, get_settings
from ..db import Database
from ..errors import ServerError


@dataclass(frozen=True)
class Context:
    """What a database command works with: the settings (after ``--database-url``) and the database."""

    settings: Settings
    db: Database


@dataclass(frozen=True)
class Command:
    """One sub-command; exactly one of ``handler`` (with the database) and ``plain`` (without) is set."""

    name: str
    help: str
    arguments: Callable[[argparse.ArgumentParser], None]
    handler: Callable[[argparse.Namespace, Context], int | None] | None = None  # None as exit code: 0
    plain: Callable[[argparse.Namespace], int] | None = None
    description: str | None = None

    def __post_init__(self) -> None:
        if (self.handler is None) == (self.plain is None):
            raise ValueError(f"command {self.name!r} needs exactly one of handler and plain")

    @property
    def database(self) -> bool:
        return self.handler is not None


def no_arguments(parser: argparse.ArgumentParser) -> None:
    """For commands that take only the shared options."""


class Registry:
    def __init__(self, prog: str, description: str, commands: Iterable[Command]) -> None:
        self.prog, self.description = prog, description
        self.commands: dict[str, Command] = {}
        for command in commands:
            if command.name in self.commands:
                raise ValueError(f"two commands are named {command.name!r}")
            self.commands[command.name] = command

    def parser(self) -> argparse.ArgumentParser:
        parser = argparse.ArgumentParser(prog=self.prog, description=self.description)
        sub = parser.add_subparsers(dest="command", required=True)
        for command in self.commands.values():
            p = sub.add_parser(
                command.name, help=command.help, description=command.description or command.help
            )
            add_arguments(command, p)
        return parser

    def run(self, argv: list[str] | None = None) -> int:
        """Parse ``argv`` (default: the process's arguments) and run the command it names."""
        args = self.parser().parse_args(sys.argv[1:] if argv is None else argv)
        return execute(self.commands[args.command], args, prog=self.prog)


def add_arguments(command: Command, parser: argparse.ArgumentParser) -> None:
    if command.database:
        parser.add_argument("--database-url", help="overrides FIELDTALLY_DATABASE_URL")
    command.arguments(parser)


def execute(command: Command, args: argparse.Namespace, *, prog: str) -> int:
    """Run ``command`` on parsed ``args``: with its database context, or alone when it has none."""
    if command.plain is not None:
        return command.plain(args)
    assert command.handler is not None
    try:
        settings = get_settings()
        if args.database_url:
            settings = settings.with_changes(database_url=args.database_url)
        logging.basicConfig(
            level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
        db = Database.from_settings(settings)
        try:
            code = command.handler(args, Context(settings, db))
        finally:
            db.dispose()
    except ServerError as exc:
        print(f"{prog}: {exc.message.en}", file=sys.stderr)
        return 2
    return code or 0


def run_alone(command: Command, argv: list[str] | None, *, prog: str) -> int:
    """Run one command as if it were its own program (``prog``), e.g. from a test or a script."""
    parser = argparse.ArgumentParser(prog=prog, description=command.description or command.help)
    add_arguments(command, parser)
    return execute(command, parser.parse_args(sys.argv[1:] if argv is None else argv), prog=prog)
