"""API keys in the store (SQLite and PostgreSQL), and `claims keys` / `claims certs dev` from the shell."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from typer.testing import CliRunner

from claims.adapters.grpc.auth.keys import SqlKeyStore, new_key, parse_token
from claims.adapters.grpc.auth.principals import PrincipalsFile
from claims.adapters.persistence.factory import Persistence
from claims.cli import cli

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgres"])
def sql_store(request: pytest.FixtureRequest) -> Persistence:
    return request.getfixturevalue("sqlite_store" if request.param == "sqlite" else "postgres_store")  # type: ignore[no-any-return]


def test_the_store_keeps_a_key_without_its_secret_and_revokes_it_once(sql_store: Persistence) -> None:
    assert sql_store.database is not None
    keys = SqlKeyStore(sql_store.database)
    key, token = new_key("oem_desk:ACME", "desk", NOW)
    keys.add(key)
    stored = keys.get(key.key_id)
    assert stored == key
    assert stored.matches(parse_token(token)[1])
    assert keys.get("0" * 16) is None
    assert keys.revoke(key.key_id, NOW + timedelta(hours=1))
    assert not keys.revoke(key.key_id, NOW + timedelta(hours=2))  # already revoked: the first time stays
    revoked = keys.get(key.key_id)
    assert revoked is not None
    assert revoked.revoked_at == NOW + timedelta(hours=1)
    other, _ = new_key("auditor", "", NOW + timedelta(minutes=1))
    keys.add(other)
    assert [k.key_id for k in keys.all()] == [key.key_id, other.key_id]
    with sql_store.database.read() as tx:
        row = tx.rows("SELECT * FROM api_keys WHERE key_id = :k", {"k": key.key_id})[0]
    assert parse_token(token)[1] not in str(row)


def test_keys_create_list_and_revoke_from_the_shell(sqlite_store: Persistence) -> None:
    store = ["--store", f"sqlite:///{sqlite_store.location.sqlite_path}"]
    runner = CliRunner()
    created = runner.invoke(cli, ["keys", "create", "insurer:I-7", "--label", "claims feed", *store])
    assert created.exit_code == 0, created.output
    token = created.stdout.strip()
    key_id, _ = parse_token(token)
    assert "shown only this once" in created.stderr
    listed = runner.invoke(cli, ["keys", "list", *store])
    assert listed.exit_code == 0, listed.output
    row = next(line for line in listed.stdout.splitlines() if line.startswith(key_id))
    assert "insurer:I-7" in row
    assert "claims feed" in row
    assert token.split("_", 2)[2] not in listed.stdout
    revoked = runner.invoke(cli, ["keys", "revoke", key_id, *store])
    assert revoked.exit_code == 0, revoked.output
    again = runner.invoke(cli, ["keys", "revoke", key_id, *store])
    assert again.exit_code == 1
    assert "already revoked" in again.stderr
    assert runner.invoke(cli, ["keys", "revoke", "f" * 16, *store]).exit_code == 1


def test_keys_create_refuses_an_unknown_principal_and_an_unmigrated_store(tmp_path: Path) -> None:
    runner = CliRunner()
    bad = runner.invoke(cli, ["keys", "create", "emperor:Z", "--store", f"sqlite:///{tmp_path / 'x.db'}"])
    assert bad.exit_code == 2
    assert "unknown role" in bad.stderr
    unmigrated = runner.invoke(cli, ["keys", "list", "--store", f"sqlite:///{tmp_path / 'x.db'}"])
    assert unmigrated.exit_code == 2
    assert "claims migrate" in unmigrated.stderr


def test_certs_dev_writes_a_ca_a_server_and_client_certificates_and_their_principals(tmp_path: Path) -> None:
    out = tmp_path / "certs"
    made = CliRunner().invoke(
        cli, ["certs", "dev", "--out", str(out), "--client", "dealer:D-100", "--client", "auditor"]
    )
    assert made.exit_code == 0, made.output
    ca = x509.load_pem_x509_certificate((out / "ca.pem").read_bytes())
    server = x509.load_pem_x509_certificate((out / "server.pem").read_bytes())
    client = x509.load_pem_x509_certificate((out / "client-dealer_D-100.pem").read_bytes())
    assert server.issuer == ca.subject
    assert client.issuer == ca.subject
    server.verify_directly_issued_by(ca)
    client.verify_directly_issued_by(ca)
    sans = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "localhost" in sans.get_values_for_type(x509.DNSName)
    cn = client.subject.get_attributes_for_oid(x509.oid.NameOID.COMMON_NAME)[0].value
    assert cn == "dealer:D-100"
    assert (out / "client-dealer_D-100.key").stat().st_mode & 0o077 == 0  # private keys are the owner's only
    found = PrincipalsFile(out / "principals.toml").lookup(["dealer:D-100"])
    assert found is not None
    assert found[1].name == "dealer:D-100"
    assert "CLAIMS_TLS_CLIENT_CA_FILE=" in made.stdout
