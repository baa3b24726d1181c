"""An enterprise's API key (pure: no I/O).

    new_key() → str            32 random bytes, URL-safe (secrets.token_urlsafe): shown once, never stored
    key_hash(key) → str        what is stored: hex SHA-256 of the key
    bearer(header) → str|None  the key of an `Authorization: Bearer <key>` header
    same_hash(a, b) → bool     constant-time comparison (hmac.compare_digest)

Why a plain SHA-256 and not a password hash (bcrypt, scrypt): the key is 256 random bits, not a person's
password, so no dictionary or brute force can find it from its hash and key stretching would buy nothing but
CPU per request. The stored hash is looked up by equality; timing of that lookup can at most reveal a
prefix of the hash of what the caller sent, which tells nothing about any real key (SHA-256 is preimage
resistant), and the match is then confirmed in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

KEY_BYTES = 32
HINT = 6  # the first characters of a key, kept to tell keys apart in a listing


def new_key() -> str:
    return secrets.token_urlsafe(KEY_BYTES)


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def key_hint(key: str) -> str:
    return key[:HINT]


def bearer(header: str | None) -> str | None:
    scheme, _, value = (header or "").strip().partition(" ")
    value = value.strip()
    if scheme.lower() != "bearer" or not value or " " in value or len(value) > 200:
        return None
    return value


def same_hash(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("ascii"), b.encode("ascii"))
