"""The console's two languages: every label of every template has its Chinese translation, and the pages switch."""

from __future__ import annotations

from pathlib import Path

import httpx
from babel.messages.extract import extract_from_dir

from claims.adapters.web import i18n
from claims.domain.claim.values import CheckOutcome, ClaimStatus, LineDecision
from tests.web.conftest import Console
from tests.web.test_session import signed_in

TEMPLATES = Path(i18n.__file__).parent / "templates"
SHOWN_AS_LABELS = [
    *ClaimStatus,
    *LineDecision,
    *CheckOutcome,
    "LABOUR",
    "PART",
    "SUBLET",
    "OTHER",
    "claim",
    "repair order",
    "vehicle",
]


def template_labels() -> set[str]:
    """Every ``_("...")`` of the templates, found by Babel's Jinja2 extractor."""
    found = extract_from_dir(str(TEMPLATES), method_map=[("**.html", "jinja2")])
    return {message for _, _, message, _, _ in found if isinstance(message, str)}


def test_every_label_of_the_templates_has_a_chinese_translation() -> None:
    # Given the labels of every template and the enum values pages show through _()
    labels = template_labels() | {str(v) for v in SHOWN_AS_LABELS}
    # When they are looked up in the Chinese catalog
    missing = sorted(label for label in labels if label not in i18n.catalog("zh"))
    # Then none is missing
    assert len(labels) > 60
    assert missing == []


def test_every_code_shown_as_a_label_has_english_words() -> None:
    missing = sorted(
        str(code) for code in SHOWN_AS_LABELS if str(code).isupper() and str(code) not in i18n.catalog("en")
    )
    assert missing == []
    assert i18n.catalog("en")["PARTIALLY_APPROVED"] == "Partly approved"


def test_a_page_follows_the_browsers_language_until_one_is_chosen(console: Console) -> None:
    # Given a browser that prefers Chinese
    client = httpx.Client(base_url=console.url, timeout=10, headers={"accept-language": "zh-CN,zh;q=0.9,en;q=0.8"})
    # When it opens the sign-in page, then it reads Chinese
    page = client.get("/signin").text
    assert "<title>登录</title>" in page
    assert 'lang="zh-Hans"' in page
    # When it switches to English, then the same page reads English, whatever the browser prefers
    assert client.get("/lang/en?next=/signin").headers["location"] == "/signin"
    assert "<title>Sign in</title>" in client.get("/signin").text


def test_money_and_dates_are_written_in_the_pages_locale(console: Console) -> None:
    # Given the desk signed in, in English and then in Chinese
    client = signed_in(console, "oem_desk:ACME")
    english = client.get("/claims/D042/C-1001").text
    client.get("/lang/zh?next=/")
    chinese = client.get("/claims/D042/C-1001").text
    # Then the claim's dollars and its dates are written as each locale writes them, and the labels change
    assert "$" in english
    assert "US$" not in english
    assert "Nov 23, 2026" in english
    assert "US$" in chinese
    assert "2026年11月23日" in chinese
    assert "状态" in chinese
    assert "Status" not in chinese


def test_the_switch_never_sends_off_the_site(console: Console) -> None:
    client = httpx.Client(base_url=console.url, timeout=10)
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        assert client.get("/lang/zh", params={"next": target}).headers["location"] == "/"


def test_the_catalog_translates_each_label_once() -> None:
    path = Path(i18n.__file__).parent / "locale" / "zh" / "LC_MESSAGES" / "console.po"
    ids = [line for line in path.read_text(encoding="utf-8").splitlines() if line.startswith('msgid "')]
    assert sorted({i for i in ids if ids.count(i) > 1}) == []
