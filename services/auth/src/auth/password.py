"""Password hashing with scrypt (memory-hard, stdlib) and the password policy.

Encoding: ``scrypt$N$r$p$<salt b64url>$<key b64url>`` (no padding), the format of the
original system, so its hashes keep verifying. Pure and CPU-bound: the service layer runs
`hash_password` and `verify_password` through `asyncio.to_thread`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from functools import cache
from importlib import resources

SCHEME = "scrypt"
N, R, P = 2**14, 8, 1
SALT_BYTES = 16
KEY_BYTES = 32
#: 128 * N * r * p = 16 MiB are needed; leave headroom, refuse anything absurd.
MAXMEM = 64 * 1024 * 1024
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024

#: Verified against when the user does not exist, so an unknown user costs what a wrong
#: password costs (no user enumeration by timing). Its password is unknown to everyone.
DUMMY_HASH = "scrypt$16384$8$1$E5O26wc-ShdZksUzodERNw$YIUedTn2zIVh-XELbY6bRWkVI0sUZiHOF0V9Mv2htTU"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _secret_bytes(password: str) -> bytes:
    # JSON may carry lone surrogates ("\ud800"); they must hash, not crash.
    return password.encode("utf-8", "surrogatepass")


def _derive(password: str, salt: bytes, n: int, r: int, p: int, dklen: int) -> bytes:
    return hashlib.scrypt(
        _secret_bytes(password), salt=salt, n=n, r=r, p=p, dklen=dklen, maxmem=MAXMEM
    )


def hash_password(password: str) -> str:
    """A new salted scrypt hash of `password` in the `scrypt$N$r$p$salt$key` encoding."""
    salt = os.urandom(SALT_BYTES)
    key = _derive(password, salt, N, R, P, KEY_BYTES)
    return f"{SCHEME}${N}${R}${P}${_b64(salt)}${_b64(key)}"


def _parse(encoded: str) -> tuple[int, int, int, bytes, bytes] | None:
    parts = encoded.split("$")
    if len(parts) != 6 or parts[0] != SCHEME:
        return None
    try:
        n, r, p = int(parts[1]), int(parts[2]), int(parts[3])
        salt, key = _unb64(parts[4]), _unb64(parts[5])
    except (ValueError, binascii.Error):
        return None
    sane = (
        2 <= n <= 2**20
        and n & (n - 1) == 0
        and 1 <= r <= 32
        and 1 <= p <= 16
        and len(salt) >= 8
        and 16 <= len(key) <= 64
    )
    return (n, r, p, salt, key) if sane else None


def verify_password(password: str, encoded: str) -> bool:
    """True when `password` matches `encoded`; False for a mismatch or a malformed hash."""
    parsed = _parse(encoded)
    if parsed is None:
        return False
    n, r, p, salt, key = parsed
    try:
        candidate = _derive(password, salt, n, r, p, len(key))
    except (ValueError, MemoryError):
        return False
    return hmac.compare_digest(candidate, key)


#: A username shorter than this may appear inside a password by chance.
MIN_USERNAME_IN_PASSWORD = 4
MIN_DISTINCT_CHARACTERS = 4


@cache
def common_passwords() -> frozenset[str]:
    """The leaked passwords refused whatever their length (`common_passwords.txt`)."""
    text = resources.files("auth").joinpath("common_passwords.txt").read_text("utf-8")
    return frozenset(
        line.strip().casefold()
        for line in text.splitlines()
        if line.strip() and not line.startswith("#")
    )


def password_problem(password: str, *, username: str) -> str | None:
    """Why `password` is not acceptable for `username`, or None when it is."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"the password must be at least {MIN_PASSWORD_LENGTH} characters long"
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"the password must be at most {MAX_PASSWORD_LENGTH} characters long"
    folded, name = password.strip().casefold(), username.strip().casefold()
    if folded == name:
        return "the password must not equal the username"
    if len(name) >= MIN_USERNAME_IN_PASSWORD and name in folded:
        return "the password must not contain the username"
    if folded in common_passwords():
        return "the password is one of the most common leaked passwords"
    if len(set(folded)) < MIN_DISTINCT_CHARACTERS:
        return f"the password must use at least {MIN_DISTINCT_CHARACTERS} different characters"
    return None
