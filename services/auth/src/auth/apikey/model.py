"""The API key format, pure: `mpk_<public id>_<secret><checksum>`.

- public id: 10 characters `[a-z0-9]`, stored in clear, names the key in lists and logs;
- secret: 32 characters base62 (about 190 bits from `secrets`), only its SHA-256 is stored;
- checksum: 6 characters base62 of the CRC-32 of everything before it, so a secret scanner
  (or we, before any database work) can tell a real key from random text.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import string
import zlib
from dataclasses import dataclass

PREFIX = "mpk_"
PUBLIC_ID_LENGTH = 10
SECRET_LENGTH = 32
CHECKSUM_LENGTH = 6
_BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
_PUBLIC_ALPHABET = string.digits + string.ascii_lowercase
_KEY_RE = re.compile(
    rf"{PREFIX}([a-z0-9]{{{PUBLIC_ID_LENGTH}}})_"
    rf"([0-9A-Za-z]{{{SECRET_LENGTH}}})([0-9A-Za-z]{{{CHECKSUM_LENGTH}}})"
)


@dataclass(frozen=True)
class ParsedKey:
    public_id: str
    secret: str


def _base62(number: int, width: int) -> str:
    digits = []
    for _ in range(width):
        number, rest = divmod(number, 62)
        digits.append(_BASE62[rest])
    return "".join(reversed(digits))


def checksum(body: str) -> str:
    """The 6-character checksum of `mpk_<public id>_<secret>`."""
    return _base62(zlib.crc32(body.encode()), CHECKSUM_LENGTH)


def new_public_id() -> str:
    return "".join(secrets.choice(_PUBLIC_ALPHABET) for _ in range(PUBLIC_ID_LENGTH))


def new_secret() -> str:
    return "".join(secrets.choice(_BASE62) for _ in range(SECRET_LENGTH))


def format_key(public_id: str, secret: str) -> str:
    body = f"{PREFIX}{public_id}_{secret}"
    return body + checksum(body)


def looks_like_key(token: str) -> bool:
    """Whether `token` claims to be an API key (it may still be malformed)."""
    return token.startswith(PREFIX)


def parse_key(token: str) -> ParsedKey | None:
    """The parts of a well-formed key with a valid checksum; None otherwise."""
    match = _KEY_RE.fullmatch(token)
    if match is None:
        return None
    public_id, secret, check = match.groups()
    if not secrets.compare_digest(checksum(f"{PREFIX}{public_id}_{secret}"), check):
        return None
    return ParsedKey(public_id=public_id, secret=secret)


def hash_secret(secret: str) -> bytes:
    """What is stored: SHA-256 of the secret (32 bytes)."""
    return hashlib.sha256(secret.encode()).digest()
