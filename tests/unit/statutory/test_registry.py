"""Choosing the pack in force, and what every shipped pack promises."""

from __future__ import annotations

from datetime import date
from itertools import combinations
from typing import Any

import pytest

from claims.domain.statutory.cn_2022 import CN_2022
from claims.domain.statutory.cn_rules import CnParameters
from claims.domain.statutory.errors import NoPackInForceError, PackNotFoundError
from claims.domain.statutory.facts import VehicleFacts
from claims.domain.statutory.pack import Outcome, PackKind, RulePack, evaluate, not_fired
from claims.domain.statutory.registry import find_pack, list_packs, select_pack
from tests.unit.statutory.builders import vehicle


@pytest.mark.parametrize(
    ("jurisdiction", "sold", "label"),
    [
        ("CN", date(2021, 12, 31), "CN-2013 v1"),
        ("CN", date(2022, 1, 1), "CN-2022 v1"),
        ("CN", date(2013, 10, 1), "CN-2013 v1"),
        ("US-CA", date(2025, 1, 12), "US-CA v1"),
        ("US-TX", date(2025, 1, 12), "US-TX v1"),
        ("US-NY", date(2025, 1, 12), "US-NY v1"),
        ("EU-DE", date(2026, 7, 30), "EU-2019/771 v1"),
        ("EU-DE", date(2026, 7, 31), "EU-2019/771 v2"),
    ],
)
def test_the_pack_in_force_on_the_sale_date_is_selected(jurisdiction: str, sold: date, label: str) -> None:
    assert select_pack(jurisdiction, sold).label == label


@pytest.mark.parametrize(
    ("jurisdiction", "sold"), [("XX", date(2025, 1, 1)), ("US-FL", date(2025, 1, 1)), ("CN", date(2013, 9, 30))]
)
def test_no_pack_in_force_is_a_clear_error(jurisdiction: str, sold: date) -> None:
    with pytest.raises(NoPackInForceError) as refused:
        select_pack(jurisdiction, sold)
    assert refused.value.metadata == {
        "jurisdiction": jurisdiction,
        "relevant_date": sold.isoformat(),
        "kind": "STATUTE",
    }


def test_a_manufacturer_overlay_is_selected_only_when_asked_for() -> None:
    assert select_pack("CN", date(2025, 1, 1), PackKind.MANUFACTURER_POLICY).pack_id == "OEM-CN-SAMPLE"
    assert select_pack("CN", date(2025, 1, 1)).kind == PackKind.STATUTE


def test_a_recorded_pack_is_found_by_id_and_version_for_replay() -> None:
    assert find_pack("EU-2019/771", "2").effective_from == date(2026, 7, 31)
    with pytest.raises(PackNotFoundError):
        find_pack("CN-2022", "9")


def overlap(a: RulePack[Any], b: RulePack[Any]) -> bool:
    return a.effective_from <= (b.effective_to or date.max) and b.effective_from <= (a.effective_to or date.max)


def test_statute_packs_of_one_jurisdiction_never_overlap_in_time() -> None:
    statutes = [p for p in list_packs() if p.kind == PackKind.STATUTE]
    clashes = [
        (a.label, b.label) for a, b in combinations(statutes, 2) if a.jurisdiction == b.jurisdiction and overlap(a, b)
    ]
    assert clashes == []


def test_every_shipped_pack_evaluates_every_rule_under_its_own_name() -> None:
    for pack in list_packs():
        trace = evaluate(pack, vehicle())
        assert (trace.pack_id, trace.version) == (pack.pack_id, pack.version)
        assert [o.rule for o in trace.outcomes] == [r.__name__ for r in pack.rules]
        assert trace.fired == ()


def test_a_rule_that_reports_another_name_is_a_programming_error() -> None:
    def misnamed(facts: VehicleFacts, p: CnParameters) -> Outcome:
        return not_fired("something_else", "never")

    with pytest.raises(TypeError, match="misnamed"):
        evaluate(CN_2022.model_copy(update={"rules": (misnamed,)}), vehicle())
