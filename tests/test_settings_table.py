"""docs/operating.md documents every setting: its table is the one scripts/settings_table.py makes from Settings."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from claims.config import Settings

ROOT = Path(__file__).resolve().parents[1]
TABLE_FILE = ROOT / "docs" / "operating.md"
FIX = "run `.venv/bin/python scripts/settings_table.py --write` and commit docs/operating.md"


def test_every_setting_has_a_row_in_the_operating_guide() -> None:
    guide = TABLE_FILE.read_text(encoding="utf-8")
    prefix = str(Settings.model_config.get("env_prefix", ""))
    rows = {f"| `{(prefix + name).upper()}` |": name for name in Settings.model_fields}
    missing = [name for row, name in rows.items() if row not in guide]
    assert missing == [], FIX


def test_the_operating_guide_settings_table_is_the_generated_one() -> None:
    checked = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "settings_table.py"), "--check"], capture_output=True, text=True
    )
    assert checked.returncode == 0, f"docs/operating.md's settings table is stale {checked.stderr}: {FIX}"


def test_the_readme_stays_a_five_minute_read_and_links_every_guide() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.encode("utf-8")) < 12 * 1024
    for guide in ("features", "api", "security", "auditing", "operating", "reliability", "benchmarks"):
        assert f"(docs/{guide}.md)" in readme, guide
        assert (ROOT / "docs" / f"{guide}.md").is_file(), guide
