"""`claims keys create|revoke|list` (API keys in the store) and `claims certs dev` (throwaway mTLS certificates)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import typer

from claims.adapters.grpc.auth.certs import principals_toml, write_dev_certs
from claims.adapters.grpc.auth.keys import KeyStore, SqlKeyStore, new_key
from claims.adapters.persistence.factory import open_store, parse_store_url
from claims.adapters.persistence.migrations import NotMigratedError, require_migrated
from claims.config import Settings

keys_app = typer.Typer(
    help="API keys (bearer tokens): create one for a principal, revoke it, list them. A running server sees "
    "changes without a restart.",
    no_args_is_help=True,
)
certs_app = typer.Typer(help="Certificates for mutual TLS.", no_args_is_help=True)

_STORE_HELP = "Store URL (default: CLAIMS_STORE_URL)."


@contextmanager
def _keys(store: str | None) -> Iterator[KeyStore]:
    settings = Settings(**({"store_url": store} if store else {}))  # type: ignore[arg-type]
    location = parse_store_url(settings.store_url)
    if location.backend == "memory":
        typer.echo("claims keys: an in-memory store keeps no keys; name a SQLite or PostgreSQL store", err=True)
        raise typer.Exit(code=2)
    try:
        require_migrated(location, settings.migrations_dir)
    except NotMigratedError as e:
        typer.echo(f"claims keys: {e}", err=True)
        raise typer.Exit(code=2) from None
    persistence = open_store(location)
    try:
        assert persistence.database is not None
        yield SqlKeyStore(persistence.database)
    finally:
        persistence.close()


@keys_app.command("create")
def keys_create(
    principal: str = typer.Argument(..., help="dealer:<id>, oem_desk:<manufacturer>, insurer:<id>, auditor or admin."),
    label: str = typer.Option("", "--label", help="What the key is for (shown by `claims keys list`)."),
    store: str = typer.Option(None, help=_STORE_HELP),
) -> None:
    """Create a key and print its token once (stdout); only the SHA-256 of its secret is stored."""
    try:
        key, token = new_key(principal, label, datetime.now(UTC))
    except ValueError as e:
        typer.echo(f"claims keys create: {e}", err=True)
        raise typer.Exit(code=2) from None
    with _keys(store) as keys:
        keys.add(key)
    typer.echo(token)
    typer.echo(
        f"key {key.key_id} for {key.principal} created; send `authorization: Bearer <token>`. "
        "The token is shown only this once.",
        err=True,
    )


@keys_app.command("revoke")
def keys_revoke(
    key_id: str = typer.Argument(..., help="The key id (the 16 hex digits after claims_ in the token)."),
    store: str = typer.Option(None, help=_STORE_HELP),
) -> None:
    """Revoke a key: calls with its token are UNAUTHENTICATED from now on (a server caching keys stops taking it
    within CLAIMS_KEY_CACHE_SECONDS)."""
    with _keys(store) as keys:
        if not keys.revoke(key_id, datetime.now(UTC)):
            known = keys.get(key_id)
            typer.echo(
                f"claims keys revoke: key {key_id} " + ("was already revoked" if known else "does not exist"), err=True
            )
            raise typer.Exit(code=1)
    typer.echo(f"key {key_id} revoked")


@keys_app.command("list")
def keys_list(store: str = typer.Option(None, help=_STORE_HELP)) -> None:
    """Every key: id, principal, label, when it was created and revoked (never a secret)."""
    with _keys(store) as keys:
        listed = keys.all()
    typer.echo(f"{'key id':<17} {'principal':<28} {'created':<20} {'revoked':<20} label")
    for key in listed:
        revoked = key.revoked_at.strftime("%Y-%m-%d %H:%M:%S") if key.revoked_at else "-"
        created = key.created_at.strftime("%Y-%m-%d %H:%M:%S")
        typer.echo(f"{key.key_id:<17} {key.principal:<28} {created:<20} {revoked:<20} {key.label}")


@certs_app.command("dev")
def certs_dev(
    out: str = typer.Option("var/certs", "--out", help="Folder to write into (replaced files)."),
    client: list[str] = typer.Option(  # noqa: B008 - typer's way of declaring a repeatable option
        [], "--client", help="A client certificate whose subject CN is this principal (repeatable), e.g. dealer:D-100."
    ),
    host: list[str] = typer.Option(  # noqa: B008
        ["localhost", "127.0.0.1", "::1"], "--host", help="A name or address the server certificate covers."
    ),
) -> None:
    """A throwaway CA, a server certificate and client certificates for local mutual TLS, plus a principals file
    mapping each client certificate to its principal. Not for production."""
    from claims.application.principal import Principal

    for name in client:
        try:
            Principal.parse(name)
        except ValueError as e:
            typer.echo(f"claims certs dev: --client {e}", err=True)
            raise typer.Exit(code=2) from None
    certs = write_dev_certs(Path(out), clients=client, hosts=host)
    principals = Path(out) / "principals.toml"
    principals.write_text(principals_toml(client), encoding="utf-8")
    typer.echo(f"wrote {certs.ca_cert}, {certs.server_cert} (+ .key) and {principals}")
    for name, issued in certs.clients.items():
        typer.echo(f"client {name}: {issued.cert} {issued.key}")
    typer.echo("serve with mutual TLS:")
    typer.echo(f"  CLAIMS_TLS_CERT_FILE={certs.server_cert} CLAIMS_TLS_KEY_FILE={certs.server_key} \\")
    typer.echo(f"  CLAIMS_TLS_CLIENT_CA_FILE={certs.ca_cert} CLAIMS_PRINCIPALS_FILE={principals} claims serve")


@contextmanager
def demo_keys(store: str | None) -> Iterator[Callable[[str], str] | None]:
    """For `claims demo`: a minter of API keys in the local store (revoked when the demo ends), or None when
    there is no migrated local store to mint in (the demo then sends no credentials)."""
    settings = Settings(**({"store_url": store} if store else {}))  # type: ignore[arg-type]
    location = parse_store_url(settings.store_url)
    try:
        if location.backend == "memory":
            raise NotMigratedError("an in-memory store keeps no keys")
        require_migrated(location, settings.migrations_dir)
    except NotMigratedError as e:
        typer.echo(f"claims demo: no API keys minted ({e}); calling without credentials", err=True)
        yield None
        return
    persistence = open_store(location)
    assert persistence.database is not None
    keys = SqlKeyStore(persistence.database)
    minted: list[str] = []

    def mint(principal: str) -> str:
        key, token = new_key(principal, "claims demo", datetime.now(UTC))
        keys.add(key)
        minted.append(key.key_id)
        return token

    try:
        yield mint
    finally:
        for key_id in minted:
            keys.revoke(key_id, datetime.now(UTC))
        persistence.close()
