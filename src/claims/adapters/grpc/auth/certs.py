"""Throwaway certificates for local mutual TLS (`claims certs dev`): a CA, a server certificate for this
machine's loopback names, and client certificates whose subject CN names a principal. Not for production."""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

DEFAULT_HOSTS = ("localhost", "127.0.0.1", "::1")
VALID_DAYS = 30
CA_CERT, CA_KEY = "ca.pem", "ca.key"
SERVER_CERT, SERVER_KEY = "server.pem", "server.key"


@dataclass(frozen=True)
class ClientCert:
    name: str
    cert: Path
    key: Path


@dataclass
class DevCerts:
    """Where `certs dev` wrote everything."""

    folder: Path
    ca_cert: Path
    server_cert: Path
    server_key: Path
    clients: dict[str, ClientCert] = field(default_factory=dict)


_CA_KEY_USAGE = x509.KeyUsage(
    digital_signature=True,
    content_commitment=False,
    key_encipherment=False,
    data_encipherment=False,
    key_agreement=False,
    key_cert_sign=True,
    crl_sign=True,
    encipher_only=False,
    decipher_only=False,
)


def _file_stem(name: str) -> str:
    return "client-" + re.sub(r"[^A-Za-z0-9._-]", "_", name)


def _new_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _write_key(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    path.write_bytes(pem)
    os.chmod(path, 0o600)


def _write_cert(path: Path, cert: x509.Certificate) -> None:
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "claims dev"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _builder(
    subject: x509.Name, issuer: x509.Name, public_key: ec.EllipticCurvePublicKey, now: datetime
) -> x509.CertificateBuilder:
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=VALID_DAYS))
    )


def _san(names: Sequence[str]) -> x509.SubjectAlternativeName:
    general: list[x509.GeneralName] = []
    for name in names:
        try:
            general.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            general.append(x509.UniformResourceIdentifier(name) if ":" in name else x509.DNSName(name))
    return x509.SubjectAlternativeName(general)


def write_dev_certs(
    folder: Path, clients: Sequence[str] = (), hosts: Sequence[str] = DEFAULT_HOSTS, now: datetime | None = None
) -> DevCerts:
    """A fresh CA, a server certificate for ``hosts`` and one client certificate per name (its subject CN)."""
    now = now or datetime.now(UTC)
    folder.mkdir(parents=True, exist_ok=True)
    ca_key = _new_key()
    ca_name = _name("claims dev CA")
    ca = (
        _builder(ca_name, ca_name, ca_key.public_key(), now)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_CA_KEY_USAGE, critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    _write_key(folder / CA_KEY, ca_key)
    _write_cert(folder / CA_CERT, ca)
    server_key = _new_key()
    server = (
        _builder(_name(hosts[0] if hosts else "localhost"), ca_name, server_key.public_key(), now)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_san(hosts), critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    _write_key(folder / SERVER_KEY, server_key)
    _write_cert(folder / SERVER_CERT, server)
    certs = DevCerts(folder, folder / CA_CERT, folder / SERVER_CERT, folder / SERVER_KEY)
    for name in clients:
        issue_client(certs, name, now=now)
    return certs


def issue_client(
    certs: DevCerts, name: str, *, alt_names: Sequence[str] = (), now: datetime | None = None
) -> ClientCert:
    """A client certificate with subject CN ``name`` (and ``alt_names`` as SANs), signed by the dev CA."""
    now = now or datetime.now(UTC)
    ca_key = serialization.load_pem_private_key((certs.folder / CA_KEY).read_bytes(), password=None)
    assert isinstance(ca_key, ec.EllipticCurvePrivateKey)
    ca = x509.load_pem_x509_certificate(certs.ca_cert.read_bytes())
    key = _new_key()
    builder = (
        _builder(_name(name), ca.subject, key.public_key(), now)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
    )
    if alt_names:
        builder = builder.add_extension(_san(alt_names), critical=False)
    stem = _file_stem(name)
    client = ClientCert(name, certs.folder / f"{stem}.pem", certs.folder / f"{stem}.key")
    _write_key(client.key, key)
    _write_cert(client.cert, builder.sign(ca_key, hashes.SHA256()))
    certs.clients[name] = client
    return client


def principals_toml(clients: Sequence[str]) -> str:
    """A principals file mapping each client certificate CN that names a principal to that principal."""
    lines = ["# certificate subject CN or SAN = principal (re-read by the server when it changes)", "[certificates]"]
    lines += [f'"{name}" = "{name}"' for name in clients]
    return "\n".join(lines) + "\n"
