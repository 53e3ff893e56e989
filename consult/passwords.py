"""Password hashing with argon2id (the only module that imports argon2)."""
from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# A hash to verify against when the account does not exist, so that a login for an unknown
# email takes as long as one for a known email (no account enumeration by timing).
# Computed on first use rather than at import, so that starting a worker stays quick.
@cache
def _dummy_hash() -> str:
    return _hasher.hash("consult-dummy-password")


def hash_password(password: str) -> str:
    """Hash a password with argon2id."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password against a stored hash; always does the same work."""
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the stored hash uses weaker parameters than the current ones."""
    return _hasher.check_needs_rehash(password_hash)
