"""Users on the command line: ``create-user``, ``disable-user``, ``enable-user``, ``set-password``.

The command line acts as the system (any user, audited as ``cli:<OS user>``).
``set-password`` reads the new password from standard input (one line) or
asks for it, so it never sits in the shell's history or the process list.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from schemas.common import text, utcnow
from schemas.sync import Role

from ..bootstrap import prepare_database
from ..errors import InvalidInput
from ..services import users as svc
from ..services.accounts import create_user
from ..services.audit import cli_actor
from .registry import Command, Context


def _arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--username", required=True)
    p.add_argument("--password", required=True)
    p.add_argument("--role", required=True, choices=[r.value for r in Role])
    p.add_argument("--unit", required=True, help="unit code, e.g. HN-SS-MT")
    p.add_argument("--full-name", required=True)


def _create_user(args: argparse.Namespace, ctx: Context) -> None:
    prepare_database(ctx.db, ctx.settings)
    with ctx.db.session(write=True) as s:
        create_user(
            s,
            username=args.username,
            password=args.password,
            role=Role(args.role),
            unit_code=args.unit,
            full_name=args.full_name,
            settings=ctx.settings,
            now=utcnow(),
            actor=cli_actor(),
        )
    print(f"user {args.username} created at {args.unit}")


def _username(p: argparse.ArgumentParser) -> None:
    p.add_argument("username")


def _set_disabled(disabled: bool):
    def handler(args: argparse.Namespace, ctx: Context) -> None:
        prepare_database(ctx.db, ctx.settings)
        with ctx.db.session(write=True) as s:
            state = svc.set_disabled(
                s, caller=None, actor=cli_actor(), username=args.username, disabled=disabled, now=utcnow()
            )
        print(f"user {state.username}: {'disabled' if state.disabled_at else 'enabled'}")

    return handler


def _password_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("username")
    p.add_argument("--password-stdin", action="store_true", help="read the new password from standard input")


def _set_password(args: argparse.Namespace, ctx: Context) -> None:
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass("New password: ")
        if getpass.getpass("Again: ") != password:
            raise InvalidInput(text("Hai mật khẩu không khớp.", "The two passwords do not match."))
    prepare_database(ctx.db, ctx.settings)
    with ctx.db.session(write=True) as s:
        state = svc.reset_password(
            s,
            caller=None,
            actor=cli_actor(),
            username=args.username,
            new_password=password,
            settings=ctx.settings,
            now=utcnow(),
        )
    print(f"user {state.username}: password set; {state.devices_signed_out} device(s) signed out")


COMMANDS = (
    Command("create-user", "add a user", _arguments, handler=_create_user),
    Command(
        "disable-user",
        "stop a user signing in; their tokens stop working",
        _username,
        handler=_set_disabled(True),
    ),
    Command("enable-user", "let a disabled user sign in again", _username, handler=_set_disabled(False)),
    Command(
        "set-password",
        "set a user's password; their phones are signed out",
        _password_arguments,
        handler=_set_password,
    ),
)
