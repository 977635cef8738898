from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest

from auth.token import TokenClaims, TokenError, issue_token, read_token

SECRET = "unit-test-secret-0123456789"
NOW = 1_800_000_000
CLAIMS = TokenClaims(
    user_id="0190a1b2-0000-7000-8000-000000000001",
    username="alice",
    is_platform_admin=False,
    expires_at=NOW + 3600,
    session_id="0190a1b2-0000-7000-8000-0000000000aa",
    account_id="0190a1b2-0000-7000-8000-000000000002",
)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _legacy_sign(payload: dict[str, object], secret: str = SECRET) -> str:
    """A token made exactly as the original system made them."""
    payload_b64 = _b64(json.dumps(payload, separators=(",", ":"), sort_keys=True).encode())
    signature = hmac.new(secret.encode(), f"admin:{payload_b64}".encode(), hashlib.sha256)
    return f"{payload_b64}.{signature.hexdigest()}"


def test_an_issued_token_reads_back_its_claims() -> None:
    token = issue_token(CLAIMS, secret=SECRET)

    assert read_token(token, secret=SECRET, now=NOW) == CLAIMS


def test_an_issued_token_has_the_legacy_shape() -> None:
    token = issue_token(CLAIMS, secret=SECRET)

    payload_b64, signature = token.split(".")
    payload = json.loads(base64.urlsafe_b64decode(payload_b64 + "=" * (-len(payload_b64) % 4)))
    assert payload == {
        "uid": CLAIMS.user_id,
        "usr": "alice",
        "adm": False,
        "exp": NOW + 3600,
        "sid": CLAIMS.session_id,
        "aid": CLAIMS.account_id,
    }
    assert token == _legacy_sign(payload)
    assert len(signature) == 64 and "=" not in payload_b64


def test_a_token_in_the_original_format_is_read() -> None:
    token = _legacy_sign({"adm": True, "exp": NOW + 60, "uid": 7, "usr": "admin"})

    claims = read_token(token, secret=SECRET, now=NOW)

    assert (claims.user_id, claims.username, claims.is_platform_admin) == ("7", "admin", True)
    assert claims.session_id is None and claims.account_id is None


def test_an_expired_token_is_refused() -> None:
    token = issue_token(CLAIMS, secret=SECRET)

    with pytest.raises(TokenError, match="expired"):
        read_token(token, secret=SECRET, now=CLAIMS.expires_at)


def test_a_token_signed_with_another_secret_is_refused() -> None:
    token = issue_token(CLAIMS, secret="another-secret-0123456789")

    with pytest.raises(TokenError, match="signature"):
        read_token(token, secret=SECRET, now=NOW)


def test_a_token_with_a_tampered_payload_is_refused() -> None:
    payload_b64, signature = issue_token(CLAIMS, secret=SECRET).split(".")
    forged = dict(json.loads(base64.urlsafe_b64decode(payload_b64 + "==")), adm=True)
    forged_b64 = _b64(json.dumps(forged, separators=(",", ":"), sort_keys=True).encode())

    with pytest.raises(TokenError):
        read_token(f"{forged_b64}.{signature}", secret=SECRET, now=NOW)


def test_a_token_with_a_tampered_signature_is_refused() -> None:
    token = issue_token(CLAIMS, secret=SECRET)
    flipped = token[:-1] + ("0" if token[-1] != "0" else "1")

    with pytest.raises(TokenError):
        read_token(flipped, secret=SECRET, now=NOW)


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        ".",
        "no-dot-at-all",
        "abc.def",
        "abc." + "g" * 64,
        "abc." + "A" * 64,
        "é." + "0" * 64,
        "abc." + "0" * 64 + "\n",
        "a" * 5000 + "." + "0" * 64,
        "\x00.\x00",
        "\ud800.\udfff",
    ],
)
def test_garbage_is_refused_as_malformed(garbage: str) -> None:
    with pytest.raises(TokenError):
        read_token(garbage, secret=SECRET, now=NOW)


@pytest.mark.parametrize(
    "payload",
    [
        [1, 2, 3],
        "just a string",
        {"uid": "u", "usr": "alice", "adm": False},
        {"uid": "u", "usr": "alice", "adm": "yes", "exp": NOW + 60},
        {"uid": "u", "usr": "alice", "adm": False, "exp": True},
        {"uid": "u", "usr": "alice", "adm": False, "exp": "later"},
        {"uid": "", "usr": "alice", "adm": False, "exp": NOW + 60},
        {"uid": None, "usr": "alice", "adm": False, "exp": NOW + 60},
        {"uid": "u", "usr": "alice", "adm": False, "exp": NOW + 60, "sid": 5},
    ],
)
def test_correctly_signed_payloads_of_the_wrong_shape_are_refused(payload: object) -> None:
    payload_b64 = _b64(json.dumps(payload).encode())
    signature = hmac.new(SECRET.encode(), f"admin:{payload_b64}".encode(), hashlib.sha256)

    with pytest.raises(TokenError, match="malformed"):
        read_token(f"{payload_b64}.{signature.hexdigest()}", secret=SECRET, now=NOW)


def test_a_correctly_signed_non_json_payload_is_refused() -> None:
    payload_b64 = _b64(b"\xff\xfe not json")
    signature = hmac.new(SECRET.encode(), f"admin:{payload_b64}".encode(), hashlib.sha256)

    with pytest.raises(TokenError, match="malformed"):
        read_token(f"{payload_b64}.{signature.hexdigest()}", secret=SECRET, now=NOW)
