"""`claims audit recheck`: re-derive every recorded decision from its own events, straight from the store.

Nothing from today decides anything: each decision is checked under the pack id and version it recorded (see
``claims.application.recheck`` for exactly what is re-derived). Prints one line per difference and a summary;
exits 0 when every decision re-derives the same, 1 on any difference, 2 when it cannot run.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import typer

from claims.adapters.persistence.factory import open_store, parse_store_url
from claims.adapters.persistence.migrations import NotMigratedError, require_migrated
from claims.application.recheck import recheck
from claims.config import Settings


def audit_recheck(
    store: str = typer.Option(None, "--store", help="Store URL (default: CLAIMS_STORE_URL)."),
    usage_coefficient: list[str] = typer.Option(  # noqa: B008 - typer's way of declaring options
        [], "--usage-coefficient", help="JURISDICTION=N, e.g. CN=0.005: reference data the events do not hold."
    ),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Print every decision checked, not only differences."),
) -> None:
    """Re-evaluate every recorded claim routing and statutory determination under its recorded pack version."""
    settings = Settings(**({"store_url": store} if store else {}))  # type: ignore[arg-type]
    location = parse_store_url(settings.store_url)
    coefficients: dict[str, Decimal] = {}
    for item in usage_coefficient:
        jurisdiction, _, value = item.partition("=")
        try:
            coefficients[jurisdiction.strip()] = Decimal(value)
        except InvalidOperation:
            typer.echo(f"claims: --usage-coefficient {item!r} is JURISDICTION=N", err=True)
            raise typer.Exit(code=2) from None
    if location.backend != "memory":
        try:
            require_migrated(location, settings.migrations_dir)
        except NotMigratedError as e:
            typer.echo(f"claims: {e}", err=True)
            raise typer.Exit(code=2) from None
    persistence = open_store(location)
    try:
        report = recheck(persistence.events, coefficients)
    finally:
        persistence.close()
    for check in report.checks:
        if verbose or check.difference is not None:
            typer.echo(check.describe())
    typer.echo(
        f"{location.describe()}: {report.summary()} "
        "(statutory determinations: pack re-run on the recorded facts; claims: routing re-derived from the "
        "recorded check outcomes, the checks themselves not re-run)"
    )
    raise typer.Exit(code=1 if report.differences else 0)
