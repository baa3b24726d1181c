"""`parklink users`: the board's accounts (issue 15 item 1; models/user.py) — every change logged as a UserAction.

    users add NAME --role operator|commander|reviewer [--password-stdin]
    users list [--json]
    users disable NAME            the user cannot log in; every session of theirs ends at its next request
    users enable NAME
    users passwd NAME [--password-stdin]   a new password; every session opened before ends
    users log [--user NAME] [--limit N] [--json]   the audit trail, newest first

The password comes from a hidden prompt (typed twice) or, with --password-stdin, from one line of standard
input; it is hashed with Argon2id (models/passwords.py) and never printed, stored or logged. The CLI's actions
are logged via `cli` under the system account that ran them (`system:<login>`). A refusal — a taken or badly
formed name, an unknown role or user, a short password — is one line, exit 2, and nothing is written but the
refused action's audit row.
"""

from __future__ import annotations

import getpass
import sys
from collections.abc import Callable
from typing import Annotated

import typer

from models.db import session_scope
from models.errors import InputError, NotFound, ParkLinkError
from models.i18n import tr, trc
from models.passwords import MAX_PASSWORD, MIN_PASSWORD, check_password
from models.types import local_time
from models.user import ROLE_LABELS, Role, User, UserActionKind, Via
from models.user_store import (
    add_user,
    check_name,
    disable_user,
    enable_user,
    get_user,
    list_actions,
    list_users,
    record_action,
)
from models.user_store import set_password as store_password
from parklink.app import console, print_json, print_table, state

app = typer.Typer(help="看板用户 (the board's users): add, list, disable, enable, passwd, log.", no_args_is_help=True)
NameArg = Annotated[str, typer.Argument(help="the user's login name (lowercase letters, digits, . _ -)")]
StdinOpt = Annotated[bool, typer.Option("--password-stdin", help="read the password from one line of standard input")]
JsonOpt = Annotated[bool, typer.Option("--json", help="print JSON")]


def actor() -> str:
    try:
        return f"system:{getpass.getuser()}"
    except (KeyError, OSError):
        return "system:unknown"


def parse_role(value: str) -> Role:
    try:
        return Role(value.strip().lower())
    except ValueError:
        raise InputError(f"--role `{value}`: unknown role; choose operator, commander or reviewer",
                         exit_code=2) from None


def read_password(*, from_stdin: bool) -> str:
    """One line of standard input, or a hidden prompt typed twice; checked against the rules."""
    lang = state.lang
    if from_stdin:
        line = sys.stdin.readline(MAX_PASSWORD * 4 + 2)
        rest = "" if sys.stdin.isatty() else sys.stdin.read(4096)
        if rest.strip():
            raise InputError("--password-stdin: give the password as ONE line of standard input", exit_code=2)
        return check_password(line.removesuffix("\n").removesuffix("\r"))
    if not sys.stdin.isatty():
        raise InputError("no terminal to ask the password on: pipe it in with --password-stdin", exit_code=2)
    text = typer.prompt(tr(lang, "Password (at least {n} characters)", n=MIN_PASSWORD), hide_input=True,
                        confirmation_prompt=tr(lang, "The same password again"))
    return check_password(text)


def _logged(action: UserActionKind, target: str, change: Callable[..., User], detail: str = "") -> User:
    """Make the change and its audit row in one transaction; a refusal logs a failed row and is raised."""
    try:
        with session_scope(state.engine) as session:
            row = change(session)
            record_action(session=session, user=actor(), role=None, action=action, target=target, detail=detail,
                          via=Via.cli)
        return row
    except ParkLinkError as exc:
        with session_scope(state.engine) as session:
            record_action(session=session, user=actor(), role=None, action=action, target=target[:200],
                          detail=f"refused: {exc}", ok=False, via=Via.cli)
        if isinstance(exc, NotFound):
            raise InputError(str(exc), exit_code=2) from None
        raise


def _done(text: str) -> None:
    console.print(text, markup=False, highlight=False)


@app.command("add")
def add(name: NameArg, role: Annotated[str, typer.Option("--role", help="operator, commander or reviewer")],
        password_stdin: StdinOpt = False) -> None:
    """A new user of the board, in a role (reviewers read; operators act; commanders also approve)."""
    try:
        check_name(name)
        chosen = parse_role(role)
        password = read_password(from_stdin=password_stdin)
    except ParkLinkError as exc:
        with session_scope(state.engine) as session:
            record_action(session=session, user=actor(), role=None, action=UserActionKind.add_user,
                          target=name[:200], detail=f"refused: {exc}", ok=False, via=Via.cli)
        raise
    row = _logged(UserActionKind.add_user, name, lambda s: add_user(session=s, name=name, role=chosen,
                                                                     password=password), detail=f"role {chosen}")
    _done(tr(state.lang, "user {name} added ({role})", name=row.name, role=trc(state.lang, "role", ROLE_LABELS[row.role])))


def user_json(row: User) -> dict:
    return {"name": row.name, "role": row.role.value, "disabled": row.disabled, "created_at": row.created_at,
            "password_changed_at": row.password_changed_at, "last_login_at": row.last_login_at,
            "disabled_at": row.disabled_at}


@app.command("list")
def list_cmd(json_out: JsonOpt = False) -> None:
    """Every user: role, state, when created, when the password changed, the last login."""
    with session_scope(state.engine) as session:
        rows = list_users(session=session)
    if json_out:
        return print_json([user_json(r) for r in rows])
    lang = state.lang
    if not rows:
        _done(tr(lang, "no user yet (parklink users add NAME --role operator)"))
        return
    print_table(tr(lang, "users ({n})", n=len(rows)), ["name", "role", "state", "created", "password changed",
                                                       "last login"],
                [[r.name, trc(lang, "role", ROLE_LABELS[r.role]),
                  tr(lang, "disabled") if r.disabled else tr(lang, "active"), local_time(r.created_at),
                  local_time(r.password_changed_at), local_time(r.last_login_at)] for r in rows])


@app.command("disable")
def disable(name: NameArg) -> None:
    """The user can no longer log in; their open sessions end."""
    _logged(UserActionKind.disable_user, name, lambda s: disable_user(session=s, name=name))
    _done(tr(state.lang, "user {name} disabled; their sessions have ended", name=name))


@app.command("enable")
def enable(name: NameArg) -> None:
    """A disabled user may log in again."""
    _logged(UserActionKind.enable_user, name, lambda s: enable_user(session=s, name=name))
    _done(tr(state.lang, "user {name} enabled", name=name))


@app.command("passwd")
def passwd(name: NameArg, password_stdin: StdinOpt = False) -> None:
    """A new password for the user; every session opened with the old one ends."""
    with session_scope(state.engine) as session:  # an unknown user is refused before a password is asked
        try:
            get_user(session=session, name=name)
        except NotFound as exc:
            raise InputError(str(exc), exit_code=2) from None
    password = read_password(from_stdin=password_stdin)
    _logged(UserActionKind.set_password, name, lambda s: store_password(session=s, name=name, password=password))
    _done(tr(state.lang, "password of {name} changed; their sessions have ended", name=name))


@app.command("log")
def log(user: Annotated[str | None, typer.Option("--user", help="only this user's actions")] = None,
        limit: Annotated[int, typer.Option("--limit", min=1, max=10000, help="at most this many rows")] = 50,
        json_out: JsonOpt = False) -> None:
    """What the users did (logins, failed logins, the board's and the CLI's actions), newest first."""
    with session_scope(state.engine) as session:
        rows = list_actions(session=session, user=user, limit=limit)
    if json_out:
        return print_json([r.model_dump(mode="json") for r in rows])
    lang = state.lang
    print_table(tr(lang, "user actions ({n})", n=len(rows)), ["at", "name", "role", "kind", "item", "outcome", "via",
                                                              "note"],
                [[local_time(r.at), r.user or "—", trc(lang, "role", ROLE_LABELS[r.role]) if r.role else "—", r.action,
                  r.target, tr(lang, "ok") if r.ok else tr(lang, "refused"), r.via.value, r.detail] for r in rows])
