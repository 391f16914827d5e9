"""Layers point inward: the domain imports only the stdlib, pydantic and itself."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

DOMAIN = Path(__file__).resolve().parents[1] / "src" / "claims" / "domain"
ALLOWED_THIRD_PARTY = {"pydantic"}
FORBIDDEN_STDLIB = {"os", "time", "random", "socket", "sqlite3", "subprocess", "threading"}


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            roots |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module)
    return roots


def test_the_domain_imports_nothing_outward() -> None:
    offenders = {}
    for path in DOMAIN.rglob("*.py"):
        for module in imported_roots(path):
            top = module.split(".")[0]
            inward = module == "claims.domain" or module.startswith("claims.domain.")
            stdlib = top in sys.stdlib_module_names and top not in FORBIDDEN_STDLIB
            if not (inward or stdlib or top in ALLOWED_THIRD_PARTY or top == "__future__"):
                offenders.setdefault(str(path.relative_to(DOMAIN)), []).append(module)
    assert offenders == {}


def test_the_domain_never_reads_the_clock() -> None:
    readers = [p.name for p in DOMAIN.rglob("*.py") if ".now(" in p.read_text() or ".today(" in p.read_text()]
    assert readers == []
