"""Password hashing with argon2id (argon2-cffi defaults: memory-hard, salted, self-describing)."""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()

MIN_LENGTH = 10


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def generate_password() -> str:
    """A random password for the first admin: 20 URL-safe characters (~120 bits)."""
    return secrets.token_urlsafe(15)


def weak_reason(password: str) -> str | None:
    """Prompt key explaining why a password is refused, or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return "web.users.password_too_short"
    return None
