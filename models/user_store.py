"""Persistence of the board's users and their actions (models/user.py): keyword-only functions, session first.

    check_name(name)                       the name rules (NAME_RULE); InputError naming them
    add_user                               a new account; its password hashed (models/passwords.py); a taken
                                           name refused (InputError), nothing written
    get_user / find_user / list_users      read (get: NotFound; find: None)
    disable_user / enable_user             a disabled user cannot log in, and every session of it ends
    set_password                           a new hash and `password_changed_at`: every session opened before ends
    record_login                           `last_login_at`, and a hash made with weaker parameters made anew
    open_session / session_live / end_session / end_sessions   the logins (UserSession): a session ended by
                                           logout, `disable_user` or `set_password` is no session any more
    record_action / list_actions           the audit trail (newest first; filters: user, action, via)

A password reaches these functions only to be checked and hashed; no function returns or logs it.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlmodel import Session, col, select

from models.errors import InputError, NotFound
from models.passwords import hash_password, needs_rehash
from models.types import utcnow
from models.user import NAME_PATTERN, Role, User, UserAction, UserSession, Via

NAME_RULE = "2–40 characters: lowercase letters, digits, `.`, `_` or `-`, starting with a letter"


def check_name(name: str) -> str:
    if not re.fullmatch(NAME_PATTERN, name or ""):
        raise InputError(f"user name `{name}`: give {NAME_RULE}, e.g. zhang.wei", exit_code=2)
    return name


def find_user(*, session: Session, name: str) -> User | None:
    return session.exec(select(User).where(User.name == name)).first()


def get_user(*, session: Session, name: str) -> User:
    row = find_user(session=session, name=name)
    if row is None:
        raise NotFound(f"user `{name}` not found; see `parklink users list`")
    return row


def add_user(*, session: Session, name: str, role: Role, password: str, now: datetime | None = None) -> User:
    check_name(name)
    if find_user(session=session, name=name) is not None:
        raise InputError(f"user `{name}` already exists; choose another name (or `parklink users passwd {name}`)",
                         exit_code=2)
    now = now or utcnow()
    row = User(name=name, role=Role(role), password_hash=hash_password(password), created_at=now,
               password_changed_at=now)
    session.add(row)
    session.flush()
    return row


def list_users(*, session: Session, include_disabled: bool = True) -> list[User]:
    query = select(User)
    if not include_disabled:
        query = query.where(col(User.disabled).is_(False))
    return list(session.exec(query.order_by(User.name)).all())


def disable_user(*, session: Session, name: str, now: datetime | None = None) -> User:
    row = get_user(session=session, name=name)
    if row.disabled:
        raise InputError(f"user `{name}` is already disabled; nothing changed", exit_code=2)
    row.disabled, row.disabled_at = True, now or utcnow()
    session.add(row)
    end_sessions(session=session, user=name, now=row.disabled_at)
    return row


def enable_user(*, session: Session, name: str) -> User:
    row = get_user(session=session, name=name)
    if not row.disabled:
        raise InputError(f"user `{name}` is not disabled; nothing changed", exit_code=2)
    row.disabled, row.disabled_at = False, None
    session.add(row)
    return row


def set_password(*, session: Session, name: str, password: str, now: datetime | None = None) -> User:
    row = get_user(session=session, name=name)
    row.password_hash, row.password_changed_at = hash_password(password), now or utcnow()
    session.add(row)
    end_sessions(session=session, user=name, now=row.password_changed_at)
    return row


def record_login(*, session: Session, name: str, password: str, now: datetime | None = None) -> User:
    """After a verified login: when, and the hash made anew when today's parameters are stronger (the stamp
    that ends sessions is left as it is)."""
    row = get_user(session=session, name=name)
    row.last_login_at = now or utcnow()
    if needs_rehash(row.password_hash):
        row.password_hash = hash_password(password)
    session.add(row)
    return row


def open_session(*, session: Session, sid: str, user: str, client: str | None = None,
                 now: datetime | None = None) -> UserSession:
    row = UserSession(sid=sid, user=user, client=client and client[:64], created_at=now or utcnow())
    session.add(row)
    return row


def session_live(*, session: Session, sid: str, user: str) -> bool:
    row = session.get(UserSession, sid)
    return row is not None and row.user == user and row.ended_at is None


def end_session(*, session: Session, sid: str, now: datetime | None = None) -> bool:
    """Whether a live session was ended."""
    row = session.get(UserSession, sid)
    if row is None or row.ended_at is not None:
        return False
    row.ended_at = now or utcnow()
    session.add(row)
    return True


def end_sessions(*, session: Session, user: str, now: datetime | None = None) -> int:
    """Every live session of the user ended; how many."""
    rows = list(session.exec(select(UserSession).where(UserSession.user == user,
                                                       col(UserSession.ended_at).is_(None))).all())
    for row in rows:
        row.ended_at = now or utcnow()
        session.add(row)
    return len(rows)


def record_action(*, session: Session, user: str | None, role: Role | None, action: str, target: str = "",
                  detail: str = "", ok: bool = True, via: Via, client: str | None = None,
                  at: datetime | None = None) -> UserAction:
    row = UserAction(at=at or utcnow(), user=None if user is None else user[:80], role=role, action=str(action)[:40],
                     target=target[:200], detail=detail, ok=ok, via=Via(via), client=client and client[:64])
    session.add(row)
    return row


def list_actions(*, session: Session, user: str | None = None, action: str | None = None, via: Via | None = None,
                 limit: int | None = None) -> list[UserAction]:
    """The audit trail, newest first."""
    query = select(UserAction)
    if user is not None:
        query = query.where(UserAction.user == user)
    if action is not None:
        query = query.where(UserAction.action == str(action))
    if via is not None:
        query = query.where(UserAction.via == via)
    query = query.order_by(col(UserAction.at).desc(), col(UserAction.id).desc())
    return list(session.exec(query.limit(limit) if limit else query).all())
