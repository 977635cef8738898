import time
from uuid import uuid4

import pytest

from mpflow_platform.http.identity import Identity, IdentityError, sign_identity, verify_identity
from mpflow_platform.ids import uuid7

KEY = "k" * 32


def test_uuid7_is_version_7_and_time_ordered() -> None:
    first = uuid7()
    time.sleep(0.002)
    second = uuid7()

    assert first.version == 7 and second.version == 7
    assert first < second


def test_signed_identity_round_trips() -> None:
    who = Identity(
        user_id=uuid4(), username="ann", role="owner", scopes=("*",), credential="session"
    )

    header = sign_identity(who, key=KEY, method="GET", path="/v1/admin/master-cards")

    assert verify_identity(header, key=KEY, method="GET", path="/v1/admin/master-cards") == who


@pytest.mark.parametrize(
    ("method", "path", "key"),
    [("POST", "/v1/admin/x", KEY), ("GET", "/v1/admin/y", KEY), ("GET", "/v1/admin/x", "z" * 32)],
)
def test_identity_is_refused_for_another_method_path_or_key(
    method: str, path: str, key: str
) -> None:
    header = sign_identity(Identity(user_id=uuid4()), key=KEY, method="GET", path="/v1/admin/x")

    with pytest.raises(IdentityError):
        verify_identity(header, key=key, method=method, path=path)


def test_expired_identity_is_refused() -> None:
    header = sign_identity(
        Identity(user_id=uuid4()), key=KEY, method="GET", path="/p", now=time.time() - 3600
    )

    with pytest.raises(IdentityError, match="expired"):
        verify_identity(header, key=KEY, method="GET", path="/p")


@pytest.mark.parametrize("garbage", [None, "", "abc", "a.b", "....", "e30.00"])
def test_garbage_identity_headers_are_refused(garbage: str | None) -> None:
    with pytest.raises(IdentityError):
        verify_identity(garbage, key=KEY, method="GET", path="/p")


def test_uuid7_made_in_one_burst_sort_in_creation_order() -> None:
    ids = [uuid7() for _ in range(10_000)]

    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)


def test_identity_signed_for_one_query_is_refused_for_another() -> None:
    header = sign_identity(
        Identity(user_id=uuid4()), key=KEY, method="GET", path="/p", query="limit=5"
    )

    assert verify_identity(header, key=KEY, method="GET", path="/p", query="limit=5").user_id
    with pytest.raises(IdentityError):
        verify_identity(header, key=KEY, method="GET", path="/p", query="limit=500")
