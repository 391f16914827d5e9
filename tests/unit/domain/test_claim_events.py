"""Events of the new aggregates: pinned topics, and payloads that survive a JSON round trip unchanged."""

from __future__ import annotations

from datetime import date

import pytest

from claims.domain.base import DomainEvent, resolve_event_type
from claims.domain.claim.events import ClaimAppealed, ClaimReturned, ClaimWithdrawn, PartInspected, PartReceived
from claims.domain.claim.values import ClaimStatus
from claims.domain.ids import claim_id_for
from claims.domain.preauth.events import PreAuthorizationConsumed, PreAuthorizationExpired, PreAuthorizationRejected
from claims.domain.repair_order.events import RepairPauseRecorded
from claims.domain.repair_order.values import PauseKind
from tests.unit.domain.claim_builders import (
    CLAIM_NUMBER,
    DEALER,
    at,
    claim_decided,
    claim_filed,
    claim_paid,
    file_claim,
    labour,
    line_decided,
    other,
    part,
    preauth_approved,
    preauth_requested,
    ro_closed,
    ro_opened,
    sublet,
    work_recorded,
)

EVENTS: list[DomainEvent] = [
    ro_opened(),
    work_recorded(),
    RepairPauseRecorded(
        kind=PauseKind.ROADSIDE_RESCUE_TRAVEL, started_at=at(2026, 3, 2, 10), ended_at=at(2026, 3, 2, 12)
    ),
    ro_closed(),
    preauth_requested(),
    preauth_approved(),
    PreAuthorizationRejected(decided_by="desk", decided_at=at(2026, 3, 2), note="no"),
    PreAuthorizationConsumed(
        claim_id=claim_id_for(DEALER, CLAIM_NUMBER), repair_date=date(2026, 3, 2), consumed_at=at(2026, 3, 5)
    ),
    PreAuthorizationExpired(expires_on=date(2026, 3, 31), expired_at=at(2026, 4, 1)),
    claim_filed(file_claim(lines=(labour(), part(), sublet(), other()))),
    line_decided(1, "462.50"),
    claim_decided(),
    ClaimReturned(reasons=("fix the odometer",), returned_by="desk", returned_at=at(2026, 3, 12)),
    ClaimAppealed(grounds="report attached", appealed_at=at(2026, 3, 20)),
    ClaimWithdrawn(reason=None, previous_status=ClaimStatus.UNDER_REVIEW, withdrawn_at=at(2026, 3, 20)),
    claim_paid(),
    PartReceived(line_no=2, received_at=at(2026, 3, 25)),
    PartInspected(line_no=2, finding="ok", inspected_by="lab", inspected_at=at(2026, 3, 26)),
]


@pytest.mark.parametrize("event", EVENTS, ids=lambda e: type(e).__name__)
def test_an_event_is_found_by_its_pinned_topic_and_round_trips_through_json(event: DomainEvent) -> None:
    cls = resolve_event_type(event.TOPIC)
    assert cls is type(event)
    assert event.TOPIC.startswith(("claims.repair_order.", "claims.preauth.", "claims.claim."))
    assert cls.model_validate_json(event.model_dump_json()) == event
