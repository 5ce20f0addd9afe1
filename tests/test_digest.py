"""Digest authentication against the RFCs' own examples."""

from __future__ import annotations

from unittest.mock import patch

import pytest

from custom_components.sms_gateway.gateways.digest import DigestAuth, parse_challenge


def fields(header: str) -> dict[str, str]:
    scheme, params = parse_challenge(header)
    assert scheme == "digest"
    return params


def test_rfc_2617_md5_example() -> None:
    auth = DigestAuth("Mufasa", "Circle Of Life")
    assert auth.header("GET", "/dir/index.html") is None
    assert auth.learn(
        'Digest realm="testrealm@host.com", qop="auth,auth-int", '
        'nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"'
    )
    with patch.object(DigestAuth, "_cnonce", return_value="0a4f113b"):
        header = auth.header("GET", "/dir/index.html")
    assert header is not None
    sent = fields(header)
    assert sent["response"] == "6629fae49393a05397450978507c4ef1"
    assert (sent["nc"], sent["qop"], sent["opaque"]) == (
        "00000001",
        "auth",
        "5ccc069c403ebaf9f0171e9517f40e41",
    )


def test_rfc_7616_sha256_example() -> None:
    auth = DigestAuth("Mufasa", "Circle of Life")
    assert auth.learn(
        'Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=SHA-256, '
        'nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", '
        'opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"'
    )
    cnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"
    with patch.object(DigestAuth, "_cnonce", return_value=cnonce):
        header = auth.header("GET", "/dir/index.html")
    assert header is not None
    assert fields(header)["response"] == (
        "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"
    )


def test_the_nonce_count_grows_with_each_request() -> None:
    auth = DigestAuth("u", "p")
    assert auth.learn('Digest realm="r", nonce="n", qop="auth"')
    counts = [fields(auth.header("GET", "/") or "")["nc"] for _ in range(3)]
    assert counts == ["00000001", "00000002", "00000003"]
    assert auth.learn('Digest realm="r", nonce="fresh", qop="auth", stale=true')
    assert fields(auth.header("GET", "/") or "")["nc"] == "00000001"


def test_without_qop_and_with_a_session_algorithm() -> None:
    """RFC 2069 style (no qop) and MD5-sess, which hashes the nonces into HA1."""
    plain = DigestAuth("Mufasa", "Circle Of Life")
    assert plain.learn(
        'Digest realm="testrealm@host.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093"'
    )
    sent = fields(plain.header("GET", "/dir/index.html") or "")
    assert "nc" not in sent
    assert sent["response"] == "670fd8c2df070c60b045671b8b24ff02"
    session = DigestAuth("u", "p")
    assert session.learn('Digest realm="r", nonce="n", qop="auth", algorithm=MD5-sess')
    with patch.object(DigestAuth, "_cnonce", return_value="c"):
        first = fields(session.header("GET", "/") or "")
    assert first["algorithm"] == "MD5-sess"
    assert first["response"] != fields(plain.header("GET", "/") or "")["response"]


def test_a_basic_challenge_is_never_answered() -> None:
    """Basic would send the password readable by anyone on the way."""
    auth = DigestAuth("admin", "admin")
    assert not auth.learn('Basic realm="gateway"')
    assert not auth.ready
    assert auth.header("GET", "/") is None


@pytest.mark.parametrize(
    "challenge",
    [
        None,
        "",
        'Bearer realm="x"',
        'Digest realm="r", nonce="n", qop="auth-int"',
        'Digest realm="r", nonce="n", algorithm=SHA-512-256',
        'Digest realm="r"',
    ],
)
def test_challenges_it_cannot_answer(challenge: str | None) -> None:
    auth = DigestAuth("u", "p")
    assert not auth.learn(challenge)
    assert not auth.ready
