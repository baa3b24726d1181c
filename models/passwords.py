"""Passwords of the board's users: hashed with Argon2id (argon2-cffi's `PasswordHasher`), never kept or logged.

    check_password(text)        the rules (MIN_PASSWORD..MAX_PASSWORD characters, not blank): InputError
    hash_password(text)         an Argon2id hash in the PHC string format (salt and parameters inside it)
    verify_password(hash, text) True when they match; a wrong password, a malformed hash: False
    needs_rehash(hash)          the hash was made with weaker parameters than today's (rehash at login)
    verify_nobody(text)         the same work as a verify, for a user who does not exist (no timing oracle)
"""

from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from models.errors import InputError

MIN_PASSWORD = 10
MAX_PASSWORD = 256  # characters; a longer one is refused before it is hashed


@lru_cache(maxsize=1)
def _hasher() -> PasswordHasher:
    return PasswordHasher()  # RFC 9106's second recommended parameters (argon2-cffi's default)


def check_password(text: str) -> str:
    if not text or not text.strip():
        raise InputError(f"the password is empty: give one of at least {MIN_PASSWORD} characters", exit_code=2)
    if len(text) < MIN_PASSWORD:
        raise InputError(f"the password is too short ({len(text)} characters): give at least {MIN_PASSWORD}",
                         exit_code=2)
    if len(text) > MAX_PASSWORD:
        raise InputError(f"the password is too long: give at most {MAX_PASSWORD} characters", exit_code=2)
    return text


def hash_password(text: str) -> str:
    return _hasher().hash(check_password(text))


def verify_password(password_hash: str, text: str) -> bool:
    if not text or len(text) > MAX_PASSWORD:
        return False
    try:
        return _hasher().verify(password_hash, text)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    try:
        return _hasher().check_needs_rehash(password_hash)
    except InvalidHashError:
        return False


@lru_cache(maxsize=1)
def _nobody() -> str:
    return _hasher().hash("no such user: a hash to verify against")


def verify_nobody(text: str) -> bool:
    """As long as verifying a real user's password; always False."""
    verify_password(_nobody(), text or "-")
    return False
