"""README.md documents every setting: its table is the one scripts/settings_table.py makes from Settings."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from claims.config import Settings

ROOT = Path(__file__).resolve().parents[1]


def test_every_setting_has_a_row_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    prefix = str(Settings.model_config.get("env_prefix", ""))
    rows = {f"| `{(prefix + name).upper()}` |": name for name in Settings.model_fields}
    missing = [name for row, name in rows.items() if row not in readme]
    assert missing == [], "run `.venv/bin/python scripts/settings_table.py --write` and commit README.md"


def test_the_readme_settings_table_is_the_generated_one() -> None:
    checked = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "settings_table.py"), "--check"], capture_output=True, text=True
    )
    assert checked.returncode == 0, (
        f"README.md's settings table is stale {checked.stderr}: "
        "run `.venv/bin/python scripts/settings_table.py --write` and commit README.md"
    )
