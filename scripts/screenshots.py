"""Screenshots of every console page for the README and docs/console.md, taken the way a person sees them.

Starts a real engine with the console on free ports in a scratch directory, plays `claims demo` against it, signs
in as the demo's desk, its dealer and an auditor in headless Debian chromium, and writes one PNG a page to
docs/screenshots/. Run it after a change to a page:  .venv/bin/python scripts/screenshots.py
"""

from __future__ import annotations

import re
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright

from claims.adapters.grpc.auth.keys import new_key
from claims.adapters.persistence.factory import parse_store_url
from claims.adapters.persistence.migrations import apply_migrations
from claims.bootstrap import Engine, start_engine, utc_now
from claims.config import Settings
from claims.demo import run
from claims.demo.dealership import make_vin
from claims.demo.sanbao import CN_MAKER

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
WIDTH, HEIGHT = 1280, 860


@dataclass(frozen=True)
class Shot:
    """A page to photograph: its file name, who looks at it, its path, and what to do on it first."""

    name: str
    principal: str
    path: str
    before: Callable[[Any], None] | None = None
    lang: str = "en"


def mint(engine: Engine, principal: str) -> str:
    assert engine.keys is not None
    key, token = new_key(principal, "screenshots", datetime.now(UTC))
    engine.keys.add(key)
    return token


def shots(dealer: str) -> list[Shot]:
    desk, dealer_principal, run = "oem_desk:GM", f"dealer:{dealer}", dealer.removeprefix("DEMO-")
    cn_dealer, cn_vin = f"dealer:DEMO-CN-{run}", make_vin(run, 11, CN_MAKER)  # the 三包 case entitled to a remedy
    return [
        Shot("signin", "", "/signin"),
        Shot("queue", desk, "/claims"),
        Shot("queue-zh", desk, "/claims", lang="zh"),
        Shot("claim", desk, f"/claims/{dealer}/C-2"),
        Shot("claim-paid", desk, f"/claims/{dealer}/C-1"),
        Shot("refusal", desk, f"/claims/{dealer}/C-2", before=_reject_without_reason),
        Shot("timeline", desk, f"/claims/{dealer}/C-1/timeline"),
        Shot("dealer", dealer_principal, "/claims"),
        Shot("dealer-returned", dealer_principal, f"/claims/{dealer}/C-3"),
        Shot("vehicle", dealer_principal, f"/vehicles/{make_vin(run, 1)}"),
        Shot("vehicle-sanbao-zh", cn_dealer, f"/vehicles/{cn_vin}", lang="zh"),
        Shot("audit-log", "auditor", "/audit"),
        Shot("audit-chain", "auditor", "/audit/chain", before=_verify),
        Shot("audit-state-at", "auditor", f"/audit/claims/{dealer}/C-1?version=4"),
    ]


def _verify(page: Any) -> None:
    page.click("[data-testid=verify] button")


def _reject_without_reason(page: Any) -> None:
    page.select_option("[data-testid=decide-1] select[name=decision]", "REJECT")
    page.click("[data-testid=decide-1] button")


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite:///{Path(scratch) / 'claims.db'}"
        migrations = ROOT / "migrations"
        apply_migrations(parse_store_url(url), migrations)
        settings = Settings(
            store_url=url, listen="127.0.0.1:0", web_listen="127.0.0.1:0", migrations_dir=migrations, auth="on",
            key_cache_seconds=0, metrics_listen="",
        )  # fmt: skip
        engine = start_engine(settings, utc_now)
        try:
            lines = list(run(f"127.0.0.1:{engine.port}", lambda principal: mint(engine, principal)))
            found = re.search(r"dealer (DEMO-\S+):", "\n".join(lines))
            assert found, "the demo names its dealer"
            assert engine.runner is not None
            assert engine.runner.wait_for("claims", engine.persistence.events.head_position(), 30)
            console = f"http://127.0.0.1:{engine.web_port}"
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox"])
                for shot in shots(found.group(1)):
                    context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT})
                    page = context.new_page()
                    if shot.lang != "en":
                        page.goto(f"{console}/lang/{shot.lang}?next=/signin")
                    if shot.principal:
                        page.goto(f"{console}/signin")
                        page.fill("input[name=key]", mint(engine, shot.principal))
                        page.click("[data-testid=signin]")
                        page.wait_for_selector("[data-testid=who]")
                    page.goto(console + shot.path)
                    if shot.before is not None:
                        shot.before(page)
                    page.screenshot(path=str(OUT / f"{shot.name}.png"), full_page=True)
                    print(f"docs/screenshots/{shot.name}.png  {shot.principal or 'nobody'}  {shot.path}")
                    context.close()
                browser.close()
        finally:
            engine.stop(grace=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
