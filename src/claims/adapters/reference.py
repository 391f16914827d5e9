"""Reference data read from files: the parts master's per-vehicle usage."""

from __future__ import annotations

import json
from pathlib import Path


def load_part_usage(path: Path) -> dict[str, int]:
    """Part number → the most one vehicle carries; keys starting with ``_`` are comments. A missing file is empty."""
    if not path.exists():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{path} must hold a JSON object of part number → quantity")
    return {str(part): int(quantity) for part, quantity in data.items() if not str(part).startswith("_")}
