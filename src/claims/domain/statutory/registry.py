"""The shipped rule packs, and the choice of the pack in force for a jurisdiction on a relevant date."""

from __future__ import annotations

from datetime import date
from typing import Any

from claims.domain.statutory.cn_2013 import CN_2013
from claims.domain.statutory.cn_2022 import CN_2022
from claims.domain.statutory.errors import NoPackInForceError, PackNotFoundError
from claims.domain.statutory.eu_2019_771 import EU_2019_771_V1, EU_2019_771_V2
from claims.domain.statutory.manufacturer_overlay import OEM_CN_SAMPLE
from claims.domain.statutory.pack import PackKind, RulePack
from claims.domain.statutory.us_ca import US_CA
from claims.domain.statutory.us_ny import US_NY
from claims.domain.statutory.us_tx import US_TX

PACKS: tuple[RulePack[Any], ...] = (
    CN_2013, CN_2022, US_CA, US_TX, US_NY, EU_2019_771_V1, EU_2019_771_V2, OEM_CN_SAMPLE,
)  # fmt: skip


def list_packs() -> tuple[RulePack[Any], ...]:
    """Every shipped pack, statutes and manufacturer overlays, in a stable order."""
    return PACKS


def select_pack(jurisdiction: str, relevant_date: date, kind: PackKind = PackKind.STATUTE) -> RulePack[Any]:
    """The pack of ``kind`` in force for ``jurisdiction`` on ``relevant_date`` (the sale date, or a repair's).

    The most specific jurisdiction wins ("EU-DE" over "EU"). Raises ``NoPackInForceError`` when none is.
    """
    candidates = [p for p in PACKS if p.kind == kind and p.covers(jurisdiction) and p.in_force_on(relevant_date)]
    if not candidates:
        raise NoPackInForceError(jurisdiction, relevant_date, kind.value)
    return max(candidates, key=lambda p: (len(p.jurisdiction), p.effective_from))


def find_pack(pack_id: str, version: str) -> RulePack[Any]:
    """The pack a recorded decision names, for replaying it."""
    try:
        return next(p for p in PACKS if p.pack_id == pack_id and p.version == version)
    except StopIteration:
        raise PackNotFoundError(pack_id, version) from None
