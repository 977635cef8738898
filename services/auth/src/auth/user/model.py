"""Pure rules about accounts: roles and what makes a username acceptable."""

from __future__ import annotations

import unicodedata
from typing import Literal

Role = Literal["owner", "member"]
ROLES: tuple[Role, ...] = ("owner", "member")
MAX_USERNAME_LENGTH = 150


def normalize_username(username: str) -> str:
    """The username as stored and looked up: surrounding whitespace removed."""
    return username.strip()


def username_problem(username: str) -> str | None:
    """Why `username` (already normalized) cannot be used, or None when it can."""
    if not username:
        return "the username must not be empty"
    if len(username) > MAX_USERNAME_LENGTH:
        return f"the username must be at most {MAX_USERNAME_LENGTH} characters long"
    # Control characters (NUL cannot even be stored) and lone surrogates are refused.
    if any(unicodedata.category(ch) in ("Cc", "Cs") for ch in username):
        return "the username must not contain control characters"
    return None
