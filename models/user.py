"""The board's users and what they did (issue 15 item 1): who may log in, in which role, and the audit trail.

    User         one person's account: a unique name, a role (models/roles.py), the Argon2 hash of the password
                 (models/passwords.py; never the password), whether it is disabled, and when the password last
                 changed — a session cookie carries that stamp, so `users passwd` or `users disable` ends every
                 session opened before
    UserSession  one login: its random id (the session cookie carries it), whose, when opened and ended; logout,
                 `users disable` and `users passwd` end it, so a copied cookie dies with the session too
    UserAction   every action, logged with the user: when, who (the ParkLink user; for the CLI the system account
                 that ran it), the role then, what (UserActionKind, or a Permission's value for the board's
                 actions), on what, a detail line, whether it succeeded, and through which face (web or cli)

`Role`, `Permission` and `allowed` are models/roles.py's, importable from here too.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import StrEnum

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from models.roles import GRANTS, ROLE_LABELS, Permission, Role, allowed
from models.types import UTCDateTime, enum_type, utcnow

__all__ = ["GRANTS", "ROLE_LABELS", "Permission", "Role", "User", "UserAction", "UserActionKind", "UserSession", "Via",
           "allowed", "stamp"]

NAME_PATTERN = r"^[a-z][a-z0-9._-]{1,39}$"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class Via(StrEnum):
    web = "web"
    cli = "cli"


class UserActionKind(StrEnum):
    """What the accounts themselves go through; the board logs its actions under the Permission's value."""
    login = "login"
    logout = "logout"
    add_user = "add_user"
    disable_user = "disable_user"
    enable_user = "enable_user"
    set_password = "set_password"


def stamp(value: datetime) -> int:
    """A time as whole microseconds since 1970 (what a session cookie carries of `password_changed_at`)."""
    return (value.astimezone(UTC) - _EPOCH) // timedelta(microseconds=1)


class User(SQLModel, table=True):
    __tablename__ = "board_user"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=40, unique=True, index=True)
    role: Role = Field(sa_type=enum_type(Role))
    password_hash: str = Field(max_length=255)
    disabled: bool = Field(default=False)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    password_changed_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    disabled_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    last_login_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))


class UserSession(SQLModel, table=True):
    __tablename__ = "user_session"
    sid: str = Field(primary_key=True, max_length=64)
    user: str = Field(max_length=40, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    ended_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    client: str | None = Field(default=None, max_length=64)


class UserAction(SQLModel, table=True):
    __tablename__ = "user_action"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False, index=True))
    user: str | None = Field(default=None, max_length=80, index=True,
                             description="the user (for a failed login: the name typed; for the CLI: the system account)")
    role: Role | None = Field(default=None, sa_type=enum_type(Role))
    action: str = Field(max_length=40, index=True)
    target: str = Field(default="", max_length=200)
    detail: str = Field(default="", sa_column=Column(Text, nullable=False))
    ok: bool = True
    via: Via = Field(sa_type=enum_type(Via))
    client: str | None = Field(default=None, max_length=64, description="the web client's address")
