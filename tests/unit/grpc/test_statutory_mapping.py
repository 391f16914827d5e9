"""Statutory requests → commands and cases, packs, what-if → messages: pure conversions, no socket."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from google.protobuf import json_format

from claims.adapters.grpc import repair_order_requests, statutory_requests
from claims.adapters.grpc.statutory_view import outcome_to_proto, pack_to_proto, statutory_facts_to_proto
from claims.api.v1 import repair_orders_pb2, vehicles_pb2
from claims.api.v1 import statutory_pb2 as pb
from claims.domain.errors import InvalidCommandError
from claims.domain.repair_order.values import StatutoryFacts
from claims.domain.statutory.facts import SafetyFailure
from claims.domain.statutory.pack import Outcome, Remedy, RulePack
from claims.domain.statutory.registry import list_packs
from claims.domain.statutory_case.values import CaseRemedy, RemedyStatus
from claims.domain.vehicle.coverage_terms import ComponentGroup, WearPart
from tests.builders import CN_VIN


def test_statutory_facts_survive_the_round_trip_through_the_repair_order_messages() -> None:
    message = json_format.ParseDict(
        {"component_group": "COMPONENT_GROUP_POWER_BATTERY", "main_part": "CELL-1", "serious_safety": True,
         "safety_failure": "SAFETY_FAILURE_POWER_BATTERY_FIRE", "replaced_main_part": "CELL-1",
         "wear_part": "WEAR_PART_FUSES", "minor_nonconformity": True},
        repair_orders_pb2.StatutoryFacts(),
    )  # fmt: skip
    facts = StatutoryFacts.model_validate(repair_order_requests.statutory_fields(message))
    assert (facts.component_group, facts.safety_failure, facts.replaced_assembly) == (
        "POWER_BATTERY", "POWER_BATTERY_FIRE", None,
    )  # fmt: skip
    assert statutory_facts_to_proto(facts) == message


def test_a_remedy_request_becomes_the_command_and_its_missing_fields_are_named() -> None:
    request = pb.RequestRemedyRequest(request_id="r-1", vin=CN_VIN, remedy=pb.CASE_REMEDY_REPLACE)
    request.requested_at.FromDatetime(datetime(2026, 11, 23, 8, tzinfo=UTC))
    command = statutory_requests.request_remedy(request)
    assert (command.vin, command.remedy, command.requested_at.hour) == (CN_VIN, CaseRemedy.REPLACE, 8)
    with pytest.raises(InvalidCommandError) as caught:
        statutory_requests.request_remedy(pb.RequestRemedyRequest(request_id="r-2", remedy=7))
    assert {v.field for v in caught.value.violations} == {"vin", "remedy", "requested_at"}


def test_a_what_if_names_the_vin_and_the_pack_it_lacks() -> None:
    with pytest.raises(InvalidCommandError) as caught:
        statutory_requests.what_if_query(pb.WhatIfRequest(pack_id="CN 2013"))
    assert {v.field for v in caught.value.violations} == {"vin", "pack_id", "pack_version"}


def test_an_outcome_keeps_its_facts_and_none_stays_an_explicit_remedy() -> None:
    outcome = Outcome(rule="r", fired=False, remedy=Remedy.NONE, facts={"days": "31"}, explanation="why")
    assert outcome_to_proto(outcome) == pb.RuleOutcome(
        rule="r", fired=False, remedy=pb.REMEDY_NONE, explanation="why", facts={"days": "31"}
    )


@pytest.mark.parametrize("pack", list_packs(), ids=lambda p: p.label)
def test_every_pack_lists_its_parameters_as_json_and_its_rules_by_name(pack: RulePack[Any]) -> None:
    message = pack_to_proto(pack)
    assert json.loads(message.parameters)
    assert (bool(message.rules), bool(message.effective_from), message.kind != pb.PACK_KIND_UNSPECIFIED) == (
        True, True, True,
    )  # fmt: skip


def test_every_domain_enum_has_its_proto_value() -> None:
    pairs = [
        (ComponentGroup, vehicles_pb2.ComponentGroup, "COMPONENT_GROUP_"),
        (WearPart, vehicles_pb2.WearPart, "WEAR_PART_"),
        (SafetyFailure, repair_orders_pb2.SafetyFailure, "SAFETY_FAILURE_"),
        (Remedy, pb.Remedy, "REMEDY_"),
        (CaseRemedy, pb.CaseRemedy, "CASE_REMEDY_"),
        (RemedyStatus, pb.RemedyStatus, "REMEDY_STATUS_"),
    ]
    for domain, proto, prefix in pairs:
        assert {prefix + member.value for member in domain} <= set(proto.keys()), domain.__name__
