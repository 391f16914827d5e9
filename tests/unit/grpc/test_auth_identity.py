"""Tokens, the key cache, the principals file and when the server may listen without TLS or without auth."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from claims.adapters.grpc.auth.authenticator import AuthenticationError, Authenticator, certificate_names
from claims.adapters.grpc.auth.certs import write_dev_certs
from claims.adapters.grpc.auth.keys import (
    KeyLookup,
    MalformedTokenError,
    MemoryKeyStore,
    format_token,
    new_key,
    parse_token,
)
from claims.adapters.grpc.auth.principals import PrincipalsFile, PrincipalsFileError, parse_principals
from claims.adapters.grpc.auth.transport import InsecureListenError, is_loopback, plan_transport
from claims.application.principal import Principal, Role

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)


def test_a_new_key_keeps_only_the_hash_of_its_secret_and_its_token_parses_back() -> None:
    key, token = new_key("dealer:D-100", "dms", NOW)
    key_id, secret = parse_token(token)
    assert key_id == key.key_id
    assert secret not in repr(key)
    assert key.matches(secret)
    assert not key.matches(secret[:-1] + ("A" if secret[-1] != "A" else "B"))
    assert format_token(key_id, secret) == token


@pytest.mark.parametrize("principal", ["system", "dealer", "emperor:Z", "auditor:X"])
def test_keys_are_only_for_real_principals(principal: str) -> None:
    with pytest.raises(ValueError, match=r"role|organisation|system"):
        new_key(principal, "", NOW)


@pytest.mark.parametrize(
    "token", ["", "claims", "claims_XYZ_secret", "claims_0123456789abcdef_", "other_0123456789abcdef_" + "a" * 43]
)
def test_a_token_not_of_our_shape_is_malformed(token: str) -> None:
    with pytest.raises(MalformedTokenError):
        parse_token(token)


class Ticker:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_the_key_cache_serves_a_key_for_at_most_its_ttl_and_never_caches_an_unknown_id() -> None:
    store, ticker = MemoryKeyStore(), Ticker()
    lookup = KeyLookup(store, ttl=2.0, monotonic=ticker)
    key, _ = new_key("insurer:I-9", "", NOW)
    assert lookup.get(key.key_id) is None
    store.add(key)
    assert lookup.get(key.key_id) == key  # a key created later is found at once
    store.revoke(key.key_id, NOW)
    ticker.now = 1.9
    cached = lookup.get(key.key_id)
    assert cached is not None
    assert cached.active  # within the ttl the cached copy answers
    ticker.now = 2.0
    fresh = lookup.get(key.key_id)
    assert fresh is not None
    assert not fresh.active


def test_without_a_ttl_every_lookup_asks_the_store() -> None:
    store = MemoryKeyStore()
    lookup = KeyLookup(store, ttl=0)
    key, _ = new_key("auditor", "", NOW)
    store.add(key)
    store.revoke(key.key_id, NOW)
    found = lookup.get(key.key_id)
    assert found is not None
    assert found.revoked_at == NOW


def test_the_principals_file_maps_certificate_names_and_rejects_unknown_roles() -> None:
    mapping = parse_principals('[certificates]\n"dms.d100.example" = "dealer:D-100"\n"audit" = "auditor"\n')
    assert mapping == {
        "dms.d100.example": Principal(Role.DEALER, "D-100", "dealer:D-100"),
        "audit": Principal(Role.AUDITOR, None, "auditor"),
    }
    for bad in (
        '[certificates]\n"x" = "emperor:Z"\n',
        '[certificates]\n"x" = "system"\n',
        "[certificates",
        "certificates = 3",
    ):
        with pytest.raises(PrincipalsFileError):
            parse_principals(bad)


def test_a_certificate_is_looked_up_by_its_sans_before_its_cn(tmp_path: Path) -> None:
    path = tmp_path / "principals.toml"
    path.write_text('[certificates]\n"spiffe://x/oem/ACME" = "oem_desk:ACME"\n"cn-name" = "dealer:D-1"\n')
    principals = PrincipalsFile(path)
    found = principals.lookup(["spiffe://x/oem/ACME", "cn-name"])
    assert found is not None
    assert found[1].name == "oem_desk:ACME"
    assert principals.lookup(["nobody"]) is None


def test_a_missing_principals_file_refuses_to_start(tmp_path: Path) -> None:
    with pytest.raises(PrincipalsFileError, match="cannot read"):
        PrincipalsFile(tmp_path / "absent.toml")


def test_only_a_verified_tls_peer_has_certificate_names() -> None:
    assert certificate_names({}) == []
    assert certificate_names({"transport_security_type": [b"insecure"], "x509_common_name": [b"x"]}) == []
    context = {
        "transport_security_type": [b"ssl"],
        "x509_subject_alternative_name": [b"spiffe://x/d/1"],
        "x509_common_name": [b"dealer:D-1"],
    }
    assert certificate_names(context) == ["spiffe://x/d/1", "dealer:D-1"]


def test_a_token_wins_over_a_certificate_and_no_credential_is_missing() -> None:
    store = MemoryKeyStore()
    key, token = new_key("insurer:I-9", "", NOW)
    store.add(key)
    authenticator = Authenticator(KeyLookup(store))
    tls = {"transport_security_type": [b"ssl"], "x509_common_name": [b"dealer:D-1"]}
    principal = authenticator.authenticate([("authorization", f"Bearer {token}")], tls)
    assert (principal.name, principal.identity) == ("insurer:I-9", f"key:{key.key_id}")
    with pytest.raises(AuthenticationError) as missing:
        authenticator.authenticate([], {})
    assert missing.value.reason == "CREDENTIALS_MISSING"
    with pytest.raises(AuthenticationError) as unknown:
        authenticator.authenticate([], tls)  # no principals file: no certificate names anyone
    assert unknown.value.reason == "CERTIFICATE_UNKNOWN"
    with pytest.raises(AuthenticationError) as twice:
        authenticator.authenticate([("authorization", f"Bearer {token}")] * 2, {})
    assert twice.value.reason == "TOKEN_MALFORMED"


@pytest.mark.parametrize(
    ("listen", "loopback"),
    [
        ("127.0.0.1:50051", True),
        ("127.0.0.2:0", True),
        ("localhost:50051", True),
        ("[::1]:50051", True),
        ("0.0.0.0:50051", False),
        ("[::]:50051", False),
        (":50051", False),
        ("10.1.2.3:50051", False),
        ("claims.example.com:443", False),
    ],
)
def test_loopback_addresses(listen: str, loopback: bool) -> None:
    assert is_loopback(listen) is loopback


def _plan(listen: str, **options: object) -> str:
    settings: dict[str, object] = {
        "auth": True, "cert_file": None, "key_file": None, "client_ca_file": None, "behind_tls_proxy": False,
    }  # fmt: skip
    return plan_transport(listen, **{**settings, **options}).description  # type: ignore[arg-type]


def test_plaintext_is_allowed_on_loopback_and_behind_a_tls_proxy_only() -> None:
    assert _plan("127.0.0.1:50051") == "no TLS (loopback)"
    assert _plan("0.0.0.0:50051", behind_tls_proxy=True) == "no TLS (behind a TLS-terminating proxy)"
    with pytest.raises(InsecureListenError, match="without TLS"):
        _plan("0.0.0.0:50051")


def test_auth_off_is_refused_anywhere_but_loopback_even_with_tls(tmp_path: Path) -> None:
    certs = write_dev_certs(tmp_path)
    assert _plan("127.0.0.1:0", auth=False) == "no TLS (loopback)"
    for options in ({}, {"behind_tls_proxy": True}, {"cert_file": certs.server_cert, "key_file": certs.server_key}):
        with pytest.raises(InsecureListenError, match="CLAIMS_AUTH=off"):
            _plan("0.0.0.0:50051", auth=False, **options)


def test_tls_needs_a_certificate_and_its_key_and_a_client_ca_makes_it_mutual(tmp_path: Path) -> None:
    certs = write_dev_certs(tmp_path)
    pair = {"cert_file": certs.server_cert, "key_file": certs.server_key}
    assert _plan("0.0.0.0:50051", **pair) == "TLS"
    assert _plan("0.0.0.0:50051", **pair, client_ca_file=certs.ca_cert).startswith("mutual TLS")
    with pytest.raises(InsecureListenError, match="both"):
        _plan("0.0.0.0:50051", cert_file=certs.server_cert)
    with pytest.raises(InsecureListenError, match="CLIENT_CA_FILE needs"):
        _plan("127.0.0.1:0", client_ca_file=certs.ca_cert)
    with pytest.raises(InsecureListenError, match="cannot read"):
        _plan("0.0.0.0:50051", cert_file=tmp_path / "nope.pem", key_file=certs.server_key)
