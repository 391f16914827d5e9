"""The console's two languages: labels from a Babel catalog (locale/zh/LC_MESSAGES/console.po), dates and money
formatted in the page's locale by Babel, and the language each request is answered in.

Templates call ``_("label")``, ``money(amount, currency)``, ``day(date)`` and ``instant(datetime)``; each reads the
page's ``lang`` from the template context, so one environment serves both languages.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path

from babel.dates import format_date, format_datetime
from babel.messages.pofile import read_po
from babel.numbers import format_currency
from jinja2 import Environment, pass_context
from jinja2.runtime import Context
from starlette.requests import Request

LANGUAGES = {"en": "English", "zh": "中文"}
DEFAULT = "en"
LOCALES = {"en": "en_US", "zh": "zh_Hans_CN"}
CATALOGS = Path(__file__).parent / "locale"


@cache
def catalog(lang: str) -> dict[str, str]:
    """The label translations of ``lang``: Chinese for every label, English words for the codes shown as labels."""
    path = CATALOGS / lang / "LC_MESSAGES" / "console.po"
    if not path.exists():
        return {}
    with path.open("rb") as f:
        messages = read_po(f, locale=lang)
    return {str(m.id): str(m.string) for m in messages if m.id and m.string and not m.fuzzy}


def language(request: Request) -> str:
    """The session's chosen language, else the first of the browser's Accept-Language we have, else English."""
    chosen = request.session.get("lang")
    if isinstance(chosen, str) and chosen in LANGUAGES:
        return chosen
    for part in request.headers.get("accept-language", "").split(","):  # browsers send them in preference order
        primary = part.split(";")[0].strip().split("-")[0].lower()
        if primary in LANGUAGES:
            return primary
    return DEFAULT


def _lang(context: Context) -> str:
    lang = context.get("lang", DEFAULT)
    return lang if isinstance(lang, str) and lang in LANGUAGES else DEFAULT


@pass_context
def translate(context: Context, label: str) -> str:
    return catalog(_lang(context)).get(label, label)


@pass_context
def money(context: Context, amount: Decimal | str | None, currency: str) -> str:
    if amount is None or amount == "":
        return ""
    return format_currency(Decimal(str(amount)), currency, locale=LOCALES[_lang(context)])


@pass_context
def day(context: Context, value: date | str | None) -> str:
    if value is None or value == "":
        return ""
    when = date.fromisoformat(value) if isinstance(value, str) else value
    return format_date(when, "medium", locale=LOCALES[_lang(context)])


@pass_context
def instant(context: Context, value: datetime | str | None) -> str:
    """An instant in UTC, in the locale's medium form, with its zone said."""
    if value is None or value == "":
        return ""
    at = datetime.fromisoformat(value) if isinstance(value, str) else value
    text = format_datetime(at.astimezone(UTC), "medium", tzinfo=UTC, locale=LOCALES[_lang(context)])
    return f"{text} UTC"


def install(env: Environment) -> None:
    env.globals.update({"_": translate, "money": money, "day": day, "instant": instant, "languages": LANGUAGES})
