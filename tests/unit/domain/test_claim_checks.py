"""Automatic checks on filing: each named rule, with boundary cases on both sides, and the routing."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest

from claims.domain.claim.commands import FileClaim
from claims.domain.claim.context import ClaimedLine
from claims.domain.claim.decide import decide
from claims.domain.claim.events import ClaimEvent, ClaimFiled
from claims.domain.claim.packs import CLAIMS_POLICY_2026_1, policy
from claims.domain.claim.trace import route
from claims.domain.claim.values import CheckOutcome, ClaimStatus
from claims.domain.ids import claim_id_for
from claims.domain.preauth.events import PreAuthorizationConsumed, PreAuthorizationRejected
from claims.domain.preauth.state import PreAuthorization
from claims.domain.vehicle.state import Vehicle
from tests.unit.domain.claim_builders import (
    CAUSAL_PART,
    CLAIM_NUMBER,
    CLOSED_AT,
    DEALER,
    PREAUTH_NUMBER,
    RO_NUMBER,
    approved_preauth,
    at,
    claim_context,
    coverage_attached,
    file_claim,
    finding,
    given,
    header,
    labour,
    mi,
    part,
    preauth_approved,
    preauth_requested,
    reading,
    repair_order,
    ro_closed,
    ro_opened,
    usd,
    vehicle,
    work_recorded,
)

PASS, REJECT, RETURN, MANUAL = CheckOutcome.PASS, CheckOutcome.REJECT, CheckOutcome.RETURN, CheckOutcome.MANUAL_REVIEW


def filed(command: FileClaim | None = None, **context: Any) -> list[ClaimEvent]:
    return decide(None, command or file_claim(), claim_context(**context))


def routed(events: list[ClaimEvent]) -> ClaimStatus:
    event = events[0]
    assert isinstance(event, ClaimFiled)
    return event.version.routed_to


# --- the pack and the routing -------------------------------------------------------------------


def test_a_clean_claim_passes_every_rule_of_the_pack_in_order_and_awaits_the_desk() -> None:
    event = filed()[0]
    assert isinstance(event, ClaimFiled)
    trace = event.version.trace
    assert (trace.pack_id, trace.version) == ("claims-policy", "2026.1")
    assert [r.rule for r in trace.results] == [
        "coverage_in_force",
        "filed_within_deadline",
        "not_a_duplicate",
        "odometer_plausible",
        "part_quantity_within_usage",
        "preauthorized_when_required",
    ]
    assert {r.outcome for r in trace.results} == {PASS}
    assert event.version.routed_to == ClaimStatus.UNDER_REVIEW
    assert event.version.reasons == ()


def test_packs_are_looked_up_by_id_and_version() -> None:
    assert policy("claims-policy", "2026.1") is CLAIMS_POLICY_2026_1
    with pytest.raises(LookupError):
        policy("claims-policy", "1999.1")


@pytest.mark.parametrize(
    ("outcomes", "status"),
    [
        ([PASS, PASS], ClaimStatus.UNDER_REVIEW),
        ([PASS, MANUAL], ClaimStatus.UNDER_REVIEW),
        ([MANUAL, RETURN], ClaimStatus.RETURNED),
        ([RETURN, REJECT, MANUAL], ClaimStatus.REJECTED),
        ([REJECT], ClaimStatus.REJECTED),
    ],
)
def test_any_reject_rejects_else_any_return_returns_else_the_desk_reviews(
    outcomes: list[CheckOutcome], status: ClaimStatus
) -> None:
    assert route(outcomes) == status


# --- coverage -----------------------------------------------------------------------------------


def test_a_repair_on_the_last_day_of_the_coverage_is_covered() -> None:
    # 12 months from 2025-03-03 end on 2026-03-02, the repair date.
    covered = vehicle(coverages=(coverage_attached(months=12, starts_on=date(2025, 3, 3)),))
    result = finding(filed(vehicle=covered), "coverage_in_force")
    assert result.outcome == PASS
    assert result.facts["ends_on"] == "2026-03-02"


def test_a_repair_the_day_after_the_coverage_ended_is_rejected() -> None:
    lapsed = vehicle(coverages=(coverage_attached(months=12, starts_on=date(2025, 3, 2)),))
    events = filed(vehicle=lapsed)
    result = finding(events, "coverage_in_force")
    assert result.outcome == REJECT
    assert result.facts["coverages"] == "BASIC: EXPIRED_BY_TIME"
    assert routed(events) == ClaimStatus.REJECTED


def test_an_odometer_at_the_distance_limit_is_covered_and_one_mile_above_is_not() -> None:
    # 36,000 miles from the 12-mile delivery reading: covered up to 36,012.
    at_limit = filed(file_claim(header=header(odometer=mi(36012))), repair_order=repair_order(odometer_out=mi(36020)))
    assert finding(at_limit, "coverage_in_force").outcome == PASS
    above = filed(file_claim(header=header(odometer=mi(36013))), repair_order=repair_order(odometer_out=mi(36020)))
    assert finding(above, "coverage_in_force").facts["coverages"] == "BASIC: EXPIRED_BY_DISTANCE"


def test_a_component_group_no_coverage_names_is_rejected() -> None:
    result = finding(filed(file_claim(header=header(component_group="HVAC"))), "coverage_in_force")
    assert result.outcome == REJECT
    assert result.facts["coverages"] == "none names the group"


def test_a_whole_product_coverage_covers_every_group() -> None:
    whole = vehicle(coverages=(coverage_attached("ALL", groups=("WHOLE_PRODUCT",)),))
    assert (
        finding(filed(file_claim(header=header(component_group="HVAC")), vehicle=whole), "coverage_in_force").facts[
            "coverage"
        ]
        == "ALL"
    )


def test_an_uncovered_goodwill_claim_goes_to_the_desk_instead_of_being_rejected() -> None:
    lapsed = vehicle(coverages=(coverage_attached(months=12, starts_on=date(2025, 3, 2)),))
    command = file_claim(claim_type="GOODWILL", preauth_number=PREAUTH_NUMBER)
    events = filed(command, vehicle=lapsed, preauth=approved_preauth())
    assert finding(events, "coverage_in_force").outcome == MANUAL
    assert routed(events) == ClaimStatus.UNDER_REVIEW


def test_campaign_claims_do_not_depend_on_coverage() -> None:
    lapsed = vehicle(coverages=(coverage_attached(months=12, starts_on=date(2025, 3, 2)),))
    events = filed(file_claim(claim_type="CAMPAIGN", campaign_code="RC-26-01"), vehicle=lapsed)
    assert finding(events, "coverage_in_force").outcome == PASS


# --- filing deadline ----------------------------------------------------------------------------


def test_a_claim_filed_on_day_30_after_the_repair_order_closed_is_in_time() -> None:
    result = finding(filed(now=CLOSED_AT + timedelta(days=30)), "filed_within_deadline")
    assert result.outcome == PASS
    assert result.facts["days_after_close"] == "30"


def test_a_claim_filed_on_day_31_is_rejected() -> None:
    events = filed(now=CLOSED_AT + timedelta(days=31))
    result = finding(events, "filed_within_deadline")
    assert result.outcome == REJECT
    assert result.facts == {
        "ro_closed_on": "2026-03-04",
        "filed_on": "2026-04-04",
        "days_after_close": "31",
        "filing_deadline_days": "30",
    }
    assert routed(events) == ClaimStatus.REJECTED


def test_the_deadline_counts_in_the_dealers_own_calendar() -> None:
    beijing = timezone(timedelta(hours=8))
    ro = given(ro_opened(), work_recorded(), ro_closed(closed_at=datetime(2026, 3, 4, 17, 0, tzinfo=beijing)))
    # 2026-04-03 20:00 UTC is already 2026-04-04 (day 31) in Beijing.
    result = finding(filed(repair_order=ro, now=at(2026, 4, 3, 20)), "filed_within_deadline")
    assert (result.outcome, result.facts["filed_on"]) == (REJECT, "2026-04-04")


# --- duplicates ---------------------------------------------------------------------------------


def claimed(line_no: int, claim_id: UUID | None = None, ro_number: str = RO_NUMBER) -> ClaimedLine:
    return ClaimedLine(claim_id=claim_id or uuid4(), dealer_id=DEALER, ro_number=ro_number, line_no=line_no)


def test_a_line_already_claimed_for_the_same_dealer_and_ro_is_returned() -> None:
    events = filed(claimed_lines=(claimed(2),))
    result = finding(events, "not_a_duplicate")
    assert (result.outcome, result.facts["duplicate_lines"]) == (RETURN, "2")
    assert routed(events) == ClaimStatus.RETURNED


def test_another_line_another_ro_or_the_claims_own_earlier_version_is_no_duplicate() -> None:
    own = claim_id_for(DEALER, CLAIM_NUMBER)
    lines = (claimed(3), claimed(2, ro_number="RO-9999"), claimed(1, claim_id=own))
    assert finding(filed(claimed_lines=lines), "not_a_duplicate").outcome == PASS


# --- odometer plausibility ----------------------------------------------------------------------


def with_readings() -> Vehicle:
    return vehicle(reading(mi(15000), at(2026, 2, 1)), reading(mi(15500), at(2026, 3, 5)))


def test_an_odometer_equal_to_the_previous_reading_is_plausible() -> None:
    result = finding(
        filed(file_claim(header=header(odometer=mi(15000))), vehicle=with_readings()), "odometer_plausible"
    )
    assert result.outcome == PASS
    assert result.facts["previous_reading"] == "15000 MI at 2026-02-01T12:00:00+00:00"


def test_an_odometer_one_below_the_previous_reading_is_returned() -> None:
    events = filed(file_claim(header=header(odometer=mi(14999))), vehicle=with_readings())
    assert finding(events, "odometer_plausible").outcome == RETURN
    assert routed(events) == ClaimStatus.RETURNED


def test_an_odometer_equal_to_a_later_reading_is_plausible_and_one_above_is_returned() -> None:
    assert (
        finding(
            filed(file_claim(header=header(odometer=mi(15500))), vehicle=with_readings()), "odometer_plausible"
        ).outcome
        == PASS
    )
    result = finding(
        filed(file_claim(header=header(odometer=mi(15501))), vehicle=with_readings()), "odometer_plausible"
    )
    assert result.outcome == RETURN
    assert result.facts["next_reading"] == "15500 MI at 2026-03-05T12:00:00+00:00"


def test_an_odometer_below_the_delivery_reading_is_returned() -> None:
    result = finding(filed(file_claim(header=header(odometer=mi(11))), vehicle=vehicle()), "odometer_plausible")
    assert (result.outcome, result.facts["previous_reading"]) == (RETURN, "12 MI at delivery on 2025-01-12")


def test_the_repair_orders_own_intake_and_hand_back_readings_frame_the_claim_odometer() -> None:
    # By default the vehicle carries the readings taken when the RO opened (15,100) and closed (15,104).
    assert finding(filed(), "odometer_plausible").outcome == PASS
    assert finding(filed(file_claim(header=header(odometer=mi(15105)))), "odometer_plausible").outcome == RETURN


# --- part quantity ------------------------------------------------------------------------------


def test_a_quantity_equal_to_the_per_vehicle_usage_passes() -> None:
    result = finding(filed(part_usage={CAUSAL_PART: 1}), "part_quantity_within_usage")
    assert (result.outcome, result.facts[CAUSAL_PART]) == (PASS, "1 claimed, 1 per vehicle")


def test_a_quantity_one_above_the_per_vehicle_usage_is_returned() -> None:
    events = filed(file_claim(lines=(labour(), part(quantity=2))), part_usage={CAUSAL_PART: 1})
    assert finding(events, "part_quantity_within_usage").outcome == RETURN
    assert routed(events) == ClaimStatus.RETURNED


def test_quantities_of_the_same_part_on_several_lines_add_up() -> None:
    lines = (labour(), part(), part(3, causal=False))
    assert (
        finding(filed(file_claim(lines=lines), part_usage={CAUSAL_PART: 1}), "part_quantity_within_usage").outcome
        == RETURN
    )


def test_a_part_without_known_usage_goes_to_manual_review() -> None:
    events = filed(part_usage={})
    assert finding(events, "part_quantity_within_usage").outcome == MANUAL
    assert routed(events) == ClaimStatus.UNDER_REVIEW


# --- pre-authorization --------------------------------------------------------------------------


def priced_at(total_part_price: str) -> FileClaim:
    """Labour 462.50 plus one part at ``total_part_price``."""
    return file_claim(lines=(labour(), part(unit_price=usd(total_part_price))))


def test_a_claim_exactly_at_the_amount_threshold_needs_no_preauthorization() -> None:
    result = finding(filed(priced_at("1037.50")), "preauthorized_when_required")
    assert (result.outcome, result.facts["claimed_total"], result.facts["required"]) == (PASS, "1500.00 USD", "no")


def test_a_claim_one_cent_above_the_threshold_without_preauthorization_is_rejected() -> None:
    events = filed(priced_at("1037.51"))
    result = finding(events, "preauthorized_when_required")
    assert result.outcome == REJECT
    assert result.reason == "a pre-authorization is required (claimed 1500.01 USD is above 1500.00) but none was named"
    assert routed(events) == ClaimStatus.REJECTED


def above_threshold_with_preauth() -> FileClaim:
    return file_claim(lines=(labour(), part(unit_price=usd("1037.51"))), preauth_number=PREAUTH_NUMBER)


def test_an_approved_preauthorization_expiring_on_the_repair_day_authorizes_it() -> None:
    events = filed(above_threshold_with_preauth(), preauth=approved_preauth(expires_on=date(2026, 3, 2)))
    assert finding(events, "preauthorized_when_required").outcome == PASS


def test_a_preauthorization_that_expired_the_day_before_the_repair_does_not() -> None:
    events = filed(above_threshold_with_preauth(), preauth=approved_preauth(expires_on=date(2026, 3, 1)))
    result = finding(events, "preauthorized_when_required")
    assert result.outcome == REJECT
    assert "expired on 2026-03-01, before the repair on 2026-03-02" in (result.reason or "")


def test_a_rejected_or_missing_or_foreign_preauthorization_does_not_authorize() -> None:
    rejected = given(
        preauth_requested(), PreAuthorizationRejected(decided_by="desk", decided_at=at(2026, 3, 2), note="no")
    )
    other_vehicle = given(preauth_requested(vin="1FTFW1ET5DFC10312"), preauth_approved())
    for preauth in (rejected, None, other_vehicle):
        events = filed(above_threshold_with_preauth(), preauth=preauth)
        assert finding(events, "preauthorized_when_required").outcome == REJECT


def test_a_preauthorization_used_by_another_claim_does_not_authorize_but_its_own_does() -> None:
    def used_by(claim_id: UUID) -> PreAuthorization:
        consumed = PreAuthorizationConsumed(claim_id=claim_id, repair_date=date(2026, 3, 2), consumed_at=at(2026, 3, 5))
        return given(preauth_requested(), preauth_approved(), consumed)

    assert (
        finding(filed(above_threshold_with_preauth(), preauth=used_by(uuid4())), "preauthorized_when_required").outcome
        == REJECT
    )
    own = used_by(claim_id_for(DEALER, CLAIM_NUMBER))
    assert finding(filed(above_threshold_with_preauth(), preauth=own), "preauthorized_when_required").outcome == PASS


def test_labour_hours_at_the_threshold_pass_and_above_it_need_a_preauthorization() -> None:
    at_limit = file_claim(lines=(labour(hours=Decimal("8.0"), rate=usd("100.00")), part()))
    assert finding(filed(at_limit), "preauthorized_when_required").outcome == PASS
    above = file_claim(lines=(labour(hours=Decimal("8.01"), rate=usd("100.00")), part()))
    result = finding(filed(above), "preauthorized_when_required")
    assert (result.outcome, result.facts["required"]) == (REJECT, "8.01 labour hours are above 8.0")


def test_main_parts_at_the_threshold_pass_and_above_it_need_a_preauthorization() -> None:
    one = file_claim(lines=(labour(), part(main_part=True)))
    assert finding(filed(one), "preauthorized_when_required").outcome == PASS
    two = file_claim(
        lines=(labour(), part(main_part=True), part(3, part_number="99999-XYZ", causal=False, main_part=True))
    )
    assert (
        finding(filed(two, part_usage={CAUSAL_PART: 4, "99999-XYZ": 1}), "preauthorized_when_required").outcome
        == REJECT
    )


def test_goodwill_always_needs_a_preauthorization() -> None:
    result = finding(filed(file_claim(claim_type="GOODWILL")), "preauthorized_when_required")
    assert (result.outcome, result.facts["required"]) == (REJECT, "GOODWILL claims always need one")


def test_a_currency_without_an_amount_threshold_goes_to_manual_review() -> None:
    cad = file_claim(
        currency="CAD",
        lines=(
            labour(rate={"amount": "185.00", "currency": "CAD"}),
            part(unit_price={"amount": "120.25", "currency": "CAD"}),
        ),
    )
    assert finding(filed(cad), "preauthorized_when_required").outcome == MANUAL


def test_every_rule_runs_so_the_trace_shows_every_finding() -> None:
    events = filed(
        file_claim(header=header(odometer=mi(14000))),
        vehicle=with_readings(),
        now=CLOSED_AT + timedelta(days=31),
        claimed_lines=(claimed(1),),
    )
    event = events[0]
    assert isinstance(event, ClaimFiled)
    outcomes = {r.rule: r.outcome for r in event.version.trace.results}
    assert outcomes["filed_within_deadline"] == REJECT
    assert outcomes["not_a_duplicate"] == RETURN
    assert outcomes["odometer_plausible"] == RETURN
    assert event.version.routed_to == ClaimStatus.REJECTED
    assert len(event.version.reasons) == 3


def test_a_claim_up_to_the_preauthorized_amount_passes_and_one_cent_more_is_rejected() -> None:
    at_limit = filed(above_threshold_with_preauth(), preauth=approved_preauth(approved_amount=usd("1500.01")))
    assert finding(at_limit, "preauthorized_when_required").outcome == PASS
    above = filed(above_threshold_with_preauth(), preauth=approved_preauth(approved_amount=usd("1500.00")))
    result = finding(above, "preauthorized_when_required")
    assert result.outcome == REJECT
    assert "the claimed 1500.01 USD is above the 1500.00 USD PA-1001 authorized" in (result.reason or "")


def test_a_preauthorization_for_another_repair_order_does_not_authorize() -> None:
    other_ro = given(preauth_requested(ro_number="RO-9999"), preauth_approved())
    result = finding(filed(above_threshold_with_preauth(), preauth=other_ro), "preauthorized_when_required")
    assert result.outcome == REJECT
    assert "is for repair order RO-9999, not RO-1001" in (result.reason or "")
