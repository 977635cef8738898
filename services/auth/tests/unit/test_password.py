from __future__ import annotations

import pytest

from auth.password import (
    DUMMY_HASH,
    hash_password,
    password_problem,
    verify_password,
)


def test_a_hashed_password_verifies() -> None:
    encoded = hash_password("correct-horse-battery")

    assert verify_password("correct-horse-battery", encoded)


def test_a_wrong_password_does_not_verify() -> None:
    encoded = hash_password("correct-horse-battery")

    assert not verify_password("correct-horse-batterz", encoded)


def test_hash_uses_the_legacy_scrypt_encoding_with_a_random_salt() -> None:
    first = hash_password("same-password-twice")
    second = hash_password("same-password-twice")

    assert first.startswith("scrypt$16384$8$1$")
    assert len(first.split("$")) == 6
    assert first != second


def test_hashes_with_padded_base64_from_the_original_system_still_verify() -> None:
    scheme, n, r, p, salt, key = hash_password("legacy-password").split("$")
    padded = "$".join([scheme, n, r, p, salt + "=" * (-len(salt) % 4), key + "=" * (-len(key) % 4)])

    assert verify_password("legacy-password", padded)


@pytest.mark.parametrize(
    "encoded",
    [
        "",
        "plain-text-password",
        "bcrypt$12$abc$def",
        "scrypt$16384$8$1$not-base64!$abc",
        "scrypt$3$8$1$E5O26wc-ShdZksUzodERNw$YIUedTn2zIVh-XELbY6bRWkVI0sUZiHOF0V9Mv2htTU",
        "scrypt$1073741824$8$1$E5O26wc-ShdZksUzodERNw$YIUedTn2zIVh-XELbY6bRWkVI0sUZiHOF0V9Mv2htTU",
        "scrypt$16384$8$1$E5O26wc-ShdZksUzodERNw",
    ],
)
def test_a_malformed_hash_never_verifies(encoded: str) -> None:
    assert not verify_password("anything-at-all", encoded)


def test_the_dummy_hash_is_well_formed_and_matches_no_usual_password() -> None:
    assert DUMMY_HASH.startswith("scrypt$16384$8$1$")
    assert not verify_password("", DUMMY_HASH)
    assert not verify_password("admin", DUMMY_HASH)


def test_passwords_with_lone_surrogates_hash_instead_of_crashing() -> None:
    encoded = hash_password("\ud800-odd-but-valid-json")

    assert verify_password("\ud800-odd-but-valid-json", encoded)


def test_password_policy_refuses_short_passwords() -> None:
    assert password_problem("short", username="alice") is not None


def test_password_policy_refuses_the_username_as_password() -> None:
    assert password_problem("Administrator", username="administrator") is not None


def test_password_policy_accepts_a_long_distinct_password() -> None:
    assert password_problem("correct-horse-battery", username="alice") is None
