"""`claims audit recheck` on a SQLite store holding statutory determinations and a claim: nothing differs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from typer.testing import CliRunner

from claims.adapters.persistence.factory import open_store
from claims.adapters.persistence.migrations import apply_migrations
from claims.application.app import ClaimsApplication
from claims.application.statutory import StatutoryInputs
from claims.cli import cli
from tests.builders import CN_VIN, attach_coverage, call, cn_vehicle, km
from tests.conftest import MIGRATIONS, FixedClock, sqlite_location
from tests.unit.application.test_statutory_use_cases import repair


def test_recheck_finds_no_difference_in_a_sqlite_store_with_a_statutory_determination(tmp_path: Path) -> None:
    location = sqlite_location(tmp_path)
    apply_migrations(location, MIGRATIONS)
    persistence = open_store(location)
    try:
        inputs = StatutoryInputs(usage_coefficient={"CN": Decimal("0.005")})
        clock = FixedClock(datetime(2026, 6, 1, 9, 0, tzinfo=UTC))
        app = ClaimsApplication(persistence.events, clock, statutory=inputs)
        sold = datetime(2026, 1, 5).date()
        app.handle_vehicle(call(), cn_vehicle(invoice_date=sold, delivery_date=sold, odometer_at_delivery=km(0)))
        sanbao = {"months": 24, "distance_limit": Decimal(50000), "distance_unit": "KM"}
        app.handle_vehicle(call(), attach_coverage(identifier=CN_VIN, code="CN-SANBAO", kind="STATUTORY",
                                                   period=sanbao, component_groups=["ENGINE"]))  # fmt: skip
        start = datetime(2026, 2, 2, 8, 0, tzinfo=UTC)
        for n in range(1, 6):
            repair(app, n, start + timedelta(days=10 * n), hours=30)
        case, _ = app.get_statutory_case(CN_VIN)
        assert case.determination is not None
    finally:
        persistence.close()

    url = f"sqlite:///{tmp_path / 'claims.db'}"
    result = CliRunner().invoke(cli, ["audit", "recheck", "--store", url, "--usage-coefficient", "CN=0.005", "-v"])

    assert result.exit_code == 0, result.output
    assert "EligibilityDetermined" in result.output
    assert ", 0 differences" in result.output
    assert "DIFFERENT" not in result.output
