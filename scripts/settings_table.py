"""The settings table of docs/operating.md, made from ``claims.config.Settings``: each field, its default, its meaning.

python scripts/settings_table.py           # print the table
python scripts/settings_table.py --write   # replace the table between the markers in docs/operating.md
python scripts/settings_table.py --check   # exit 1 when docs/operating.md's table is not the generated one
"""

from __future__ import annotations

import argparse
import sys
import typing
from pathlib import Path
from typing import Any

from pydantic.fields import FieldInfo

from claims.config import REPO_ROOT, Settings

TABLE_FILE = REPO_ROOT / "docs" / "operating.md"
BEGIN = "<!-- settings:begin -->"
END = "<!-- settings:end -->"


def env_name(field: str) -> str:
    prefix = str(Settings.model_config.get("env_prefix", ""))
    return f"{prefix}{field}".upper()


def _default(value: Any) -> str:
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return "`true`" if value else "`false`"
    if isinstance(value, float) and value.is_integer():
        return f"`{int(value)}`"
    if isinstance(value, Path):
        shown = value.relative_to(REPO_ROOT) if value.is_relative_to(REPO_ROOT) else value
        return f"`{shown if shown.is_absolute() else f'./{shown}'}`"
    if value == "":
        return "empty"
    return f"`{value}`"


def _meaning(info: FieldInfo) -> str:
    described = (info.description or "").replace("|", "\\|").replace("\n", " ")
    choices = [a for a in typing.get_args(info.annotation) if isinstance(a, str)]
    if typing.get_origin(info.annotation) is typing.Literal and choices:
        one_of = "one of " + ", ".join(f"`{c}`" for c in choices)
        described = f"{one_of}: {described}" if described else one_of
    if not described:
        raise SystemExit("a Settings field has no description: give it Field(description=...)")
    return described


def settings_table() -> str:
    """The markdown table, one row per ``Settings`` field in declaration order."""
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for name, info in Settings.model_fields.items():
        rows.append(f"| `{env_name(name)}` | {_default(info.default)} | {_meaning(info)} |")
    return "\n".join(rows)


def block() -> str:
    return f"{BEGIN}\n{settings_table()}\n{END}"


def table_block(text: str) -> str | None:
    """The settings block as it stands in ``text`` (None when the markers are missing)."""
    start, end = text.find(BEGIN), text.find(END)
    return text[start : end + len(END)] if 0 <= start < end else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="rewrite the table in docs/operating.md")
    parser.add_argument("--check", action="store_true", help="exit 1 when docs/operating.md's table is stale")
    args = parser.parse_args()
    if not (args.write or args.check):
        print(settings_table())
        return 0
    text = TABLE_FILE.read_text(encoding="utf-8")
    current = table_block(text)
    if current is None:
        print(f"docs/operating.md has no settings markers ({BEGIN!r} … {END!r})", file=sys.stderr)
        return 2
    if args.check:
        return 0 if current == block() else 1
    TABLE_FILE.write_text(text.replace(current, block()), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
