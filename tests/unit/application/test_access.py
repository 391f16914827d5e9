"""Whose data a resource is, through the application: another tenant's resource is the missing one."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from eventsourcing.persistence import StoredEvent

from claims.adapters.persistence.factory import open_store, parse_store_url
from claims.adapters.persistence.mapper import canonical_json, to_recorded
from claims.application import access
from claims.application.app import ClaimsApplication
from claims.application.messages import CallContext
from claims.application.principal import Principal, Role
from claims.domain.claim.commands import DecideLine, WithdrawClaim
from claims.domain.errors import ClaimsError, NotFoundError, PermissionDeniedError
from claims.domain.vehicle.commands import IdentifierKind
from claims.domain.vehicle.events import VehicleRegistered
from tests.builders import attach_coverage, call, register_vehicle
from tests.conftest import FixedClock
from tests.unit.application.test_claim_use_cases import repair
from tests.unit.application.test_contract_use_cases import sell
from tests.unit.domain import claim_builders as cb

DEALER = Principal.parse(f"dealer:{cb.DEALER}")
OTHER_DEALER = Principal.parse("dealer:D-999")
DESK = Principal.parse("oem_desk:1M8")  # the WMI of cb.VIN stands for its manufacturer
OTHER_DESK = Principal.parse("oem_desk:ACME")
INSURER = Principal.parse("insurer:I-1")
AUDITOR = Principal.parse("auditor")


def as_(principal: Principal) -> CallContext:
    return replace(call(), actor=principal.name, principal=principal)


@pytest.fixture
def app() -> ClaimsApplication:
    clock = FixedClock(datetime(2026, 3, 10, 10, 0, tzinfo=UTC))
    app = ClaimsApplication(open_store(parse_store_url("memory://")).events, clock, part_usage={cb.CAUSAL_PART: 4})
    app.handle_vehicle(call(), register_vehicle())
    app.handle_vehicle(call(), attach_coverage())
    repair(app, cb.RO_NUMBER)
    app.handle_claim(as_(DEALER), cb.file_claim())
    return app


def refusal(error: ClaimsError) -> tuple[type, str, str, dict[str, str]]:
    return type(error), error.reason, error.message, error.metadata


def test_a_registration_without_a_manufacturer_takes_the_vins_wmi_and_a_serial_none() -> None:
    assert register_vehicle().manufacturer == "1M8"
    assert register_vehicle(manufacturer="ACME").manufacturer == "ACME"
    serial = register_vehicle(identifier="SN-0001-XYZ", identifier_kind=IdentifierKind.SERIAL)
    assert serial.manufacturer == ""


def test_a_vehicle_registered_before_manufacturers_were_recorded_loads_with_its_wmi(app: ClaimsApplication) -> None:
    first = app.store.load_with_positions(app.get_vehicle(cb.VIN)[0].vehicle.vehicle_id)[0]
    payload = {k: v for k, v in first.event.model_dump(mode="json").items() if k != "manufacturer"}
    metadata = {
        "actor": "a",
        "request_id": "r",
        "correlation_id": "c",
        "causation_id": "",
        "recorded_at": "2025-01-12T00:00:00+00:00",
    }
    state = canonical_json({"v": 1, "payload": payload, "metadata": metadata})
    old = to_recorded(StoredEvent(first.stream_id, 1, VehicleRegistered.TOPIC, state)).event
    assert isinstance(old, VehicleRegistered)
    assert old.manufacturer == "1M8"
    assert old.model_dump(exclude={"manufacturer"}) == first.event.model_dump(exclude={"manufacturer"})


def test_the_owner_the_desk_of_its_make_and_an_auditor_read_a_claim(app: ClaimsApplication) -> None:
    for principal in (DEALER, DESK, AUDITOR):
        claim, _ = app.get_claim(cb.DEALER, cb.CLAIM_NUMBER, principal)
        assert claim.claim_number == cb.CLAIM_NUMBER


@pytest.mark.parametrize("principal", [OTHER_DEALER, OTHER_DESK, INSURER], ids=lambda p: p.name)
def test_another_tenants_claim_is_answered_as_a_missing_one(app: ClaimsApplication, principal: Principal) -> None:
    with pytest.raises(NotFoundError) as hidden:
        app.get_claim(cb.DEALER, cb.CLAIM_NUMBER, principal)
    with pytest.raises(NotFoundError) as missing:
        app.get_claim(cb.DEALER, "C-9")
    assert hidden.value.message == f"dealer {cb.DEALER} has no claim {cb.CLAIM_NUMBER}"
    assert missing.value.message == f"dealer {cb.DEALER} has no claim C-9"
    assert hidden.value.metadata.keys() == missing.value.metadata.keys()


def test_only_the_desk_of_the_vehicles_make_decides_its_claims(app: ClaimsApplication) -> None:
    decide = DecideLine(dealer_id=cb.DEALER, claim_number=cb.CLAIM_NUMBER, line_no=1, decision="APPROVE",
                        decided_by=cb.DESK)  # fmt: skip
    head = app.store.head_position()
    with pytest.raises(NotFoundError) as hidden:
        app.handle_claim(as_(OTHER_DESK), decide)
    assert app.store.head_position() == head, "nothing was written"
    with pytest.raises(NotFoundError) as missing:
        app.handle_claim(as_(DESK), decide.model_copy(update={"claim_number": "C-9"}))
    assert refusal(hidden.value)[:2] == refusal(missing.value)[:2]
    assert hidden.value.message == missing.value.message.replace("C-9", cb.CLAIM_NUMBER)
    assert app.handle_claim(as_(DESK), decide).version == 2


def test_a_dealer_acts_only_on_its_own_claims(app: ClaimsApplication) -> None:
    withdraw = WithdrawClaim(dealer_id=cb.DEALER, claim_number=cb.CLAIM_NUMBER, reason="filed twice")
    with pytest.raises(NotFoundError):
        app.handle_claim(as_(OTHER_DEALER), withdraw)
    with pytest.raises(PermissionDeniedError) as refused:
        app.handle_claim(as_(OTHER_DEALER), cb.file_claim(claim_number="C-2"))
    assert refused.value.metadata == {"field": "dealer_id", "principal": "dealer:D-999"}
    assert app.handle_claim(as_(DEALER), withdraw).version == 2


def test_a_desk_registers_vehicles_of_its_own_make_only(app: ClaimsApplication) -> None:
    acme = Principal.parse("oem_desk:ACME")
    with pytest.raises(PermissionDeniedError):
        app.handle_vehicle(as_(acme), register_vehicle(identifier="5YJ3E1EA8KF000001", manufacturer="TESLA"))
    app.handle_vehicle(as_(acme), register_vehicle(identifier="5YJ3E1EA8KF000001", manufacturer="ACME"))
    assert app.get_vehicle("5YJ3E1EA8KF000001", principal=acme)[0].vehicle.manufacturer == "ACME"
    with pytest.raises(NotFoundError) as hidden:
        app.get_vehicle("5YJ3E1EA8KF000001", principal=DESK)
    assert hidden.value.message == "no vehicle or product 5YJ3E1EA8KF000001 is registered"


def test_dealers_read_any_vehicle_but_change_only_those_they_sold(app: ClaimsApplication) -> None:
    assert app.get_vehicle(cb.VIN, principal=OTHER_DEALER)[0].vehicle.dealer_id == cb.DEALER
    with pytest.raises(NotFoundError):
        app.handle_vehicle(as_(OTHER_DEALER), attach_coverage(code="EXTRA"))
    assert app.handle_vehicle(as_(DEALER), attach_coverage(code="EXTRA")).version > 1


def test_state_at_of_another_tenants_claim_is_that_of_a_subject_without_events(app: ClaimsApplication) -> None:
    with pytest.raises(NotFoundError) as hidden:
        app.state_at("claim", (cb.DEALER, cb.CLAIM_NUMBER), principal=OTHER_DESK)
    with pytest.raises(NotFoundError) as missing:
        app.state_at("claim", (cb.DEALER, "C-9"))
    assert hidden.value.message == missing.value.message.replace("C-9", cb.CLAIM_NUMBER)
    assert app.state_at("claim", (cb.DEALER, cb.CLAIM_NUMBER), principal=DESK).version == 1


def test_list_filters_are_narrowed_to_the_callers_own() -> None:
    assert access.narrowed(DEALER, Role.DEALER, "", "dealer_id") == cb.DEALER
    assert access.narrowed(DESK, Role.DEALER, "D-1", "dealer_id") == "D-1"
    with pytest.raises(PermissionDeniedError):
        access.narrowed(DEALER, Role.DEALER, "D-1", "dealer_id")
    assert access.manufacturer_scope(DESK) == "1M8"
    assert access.manufacturer_scope(AUDITOR) is None
    assert access.insurer_scope(INSURER) == "I-1"


def test_an_insurer_sees_in_the_past_only_what_it_may_read_today(app: ClaimsApplication) -> None:
    app.handle_contract(call(), sell(insurer_id=INSURER.organisation))
    assert app.state_at("claim", (cb.DEALER, cb.CLAIM_NUMBER), principal=INSURER).version == 1
    assert app.state_at("vehicle", (cb.VIN,), principal=INSURER).version >= 1
    with pytest.raises(NotFoundError):
        app.state_at("repair_order", (cb.DEALER, cb.RO_NUMBER), principal=INSURER)
    assert app.state_at("repair_order", (cb.DEALER, cb.RO_NUMBER), principal=DESK).version >= 1


def test_a_past_vehicle_or_case_of_another_make_is_answered_as_one_without_events(app: ClaimsApplication) -> None:
    for kind in ("vehicle", "statutory_case"):
        with pytest.raises(NotFoundError) as hidden:
            app.state_at(kind, (cb.VIN,), version=1, principal=OTHER_DESK)
        assert hidden.value.message == f"{kind} {cb.VIN} has no version 1 (it has 0)"
    assert app.state_at("vehicle", (cb.VIN,), version=1, principal=DESK).version == 1
