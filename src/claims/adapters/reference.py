"""Reference data read from files: the parts master's per-vehicle usage, statutory inputs per jurisdiction."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

from claims.application.statutory import StatutoryInputs
from claims.domain.values import Money


def load_part_usage(path: Path) -> dict[str, int]:
    """Part number → the most one vehicle carries; keys starting with ``_`` are comments. A missing file is empty."""
    if not path.exists():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{path} must hold a JSON object of part number → quantity")
    return {str(part): int(quantity) for part, quantity in data.items() if not str(part).startswith("_")}


def load_statutory_inputs(path: Path) -> StatutoryInputs:
    """Usage coefficients, courtesy-car rates and working-day calendars per jurisdiction. A missing file is empty."""
    if not path.exists():
        return StatutoryInputs()
    data = json.loads(path.read_text(encoding="utf-8"))
    return StatutoryInputs(
        usage_coefficient={k: Decimal(v) for k, v in data.get("usage_coefficient", {}).items()},
        courtesy_car_daily_rate={
            k: Money.model_validate(v) for k, v in data.get("courtesy_car_daily_rate", {}).items()
        },
        holidays={k: tuple(date.fromisoformat(d) for d in v) for k, v in data.get("holidays", {}).items()},
        make_up_days={k: tuple(date.fromisoformat(d) for d in v) for k, v in data.get("make_up_days", {}).items()},
    )
