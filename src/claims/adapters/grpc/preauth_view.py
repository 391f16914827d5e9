"""Pre-authorizations as the domain holds them → proto messages."""

from __future__ import annotations

from claims.adapters.grpc.mapping import (
    enum_number,
    money_to_proto,
    optional_day,
    optional_text,
    optional_timestamp,
    plain_decimal,
    timestamp_to_proto,
)
from claims.api.v1 import preauthorizations_pb2 as pb
from claims.domain.preauth.state import PreAuthorization


def preauth_to_proto(preauth: PreAuthorization, version: int) -> pb.PreAuthorization:
    p = preauth
    return pb.PreAuthorization(
        preauth_id=str(p.preauth_id),
        dealer_id=p.dealer_id,
        preauth_number=p.preauth_number,
        vin=p.vin,
        vehicle_id=str(p.vehicle_id),
        ro_number=p.ro_number,
        estimated_amount=money_to_proto(p.estimated_amount),
        labour_hours=plain_decimal(p.labour_hours),
        main_part_count=p.main_part_count,
        reason=p.reason,
        requested_at=timestamp_to_proto(p.requested_at),
        status=enum_number(p.status, pb.PreAuthorizationStatus, "PRE_AUTHORIZATION_STATUS_"),
        decision=pb.PRE_AUTHORIZATION_DECISION_UNSPECIFIED
        if p.decision is None
        else enum_number(p.decision, pb.PreAuthorizationDecision, "PRE_AUTHORIZATION_DECISION_"),
        approved_amount=None if p.approved_amount is None else money_to_proto(p.approved_amount),
        expires_on=optional_day(p.expires_on),
        decided_by=optional_text(p.decided_by),
        decided_at=optional_timestamp(p.decided_at),
        note=optional_text(p.note),
        consumed_by="" if p.consumed_by is None else str(p.consumed_by),
        consumed_at=optional_timestamp(p.consumed_at),
        version=version,
    )
