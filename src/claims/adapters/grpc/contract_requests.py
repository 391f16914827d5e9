"""Insurer requests → contract commands and query filters, every invalid field named by its proto path."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from claims.adapters.grpc.mapping import (
    build,
    distance_fields,
    enum_name,
    has,
    money_fields,
    parse_date,
    present,
    refuse_too_many,
)
from claims.api.v1 import claims_pb2, vehicles_pb2
from claims.api.v1 import contracts_pb2 as pb
from claims.domain.contract.commands import CancelContract, ContractRef, SellContract, TransferContract
from claims.domain.errors import FieldViolation, InvalidCommandError
from claims.domain.values import Distance


def _ref(request: Any) -> dict[str, Any]:
    return {"insurer_id": request.insurer_id, "contract_number": request.contract_number}


def sell_contract(request: pb.SellContractRequest) -> SellContract:
    refuse_too_many(request, SellContract, "component_groups")
    fields = _ref(request) | {
        "vin": request.vin,
        "holder_ref": request.holder_ref,
        "sold_on": request.sold_on,
        "price": money_fields(request.price, has(request, "price")),
        "term_months": request.term_months or None,
        "term_distance": distance_fields(request.term_distance, has(request, "term_distance")),
        "odometer_at_sale": distance_fields(request.odometer_at_sale, has(request, "odometer_at_sale")),
        "deductible_per_visit": money_fields(request.deductible_per_visit, has(request, "deductible_per_visit")),
        "component_groups": [
            enum_name(g, vehicles_pb2.ComponentGroup, "COMPONENT_GROUP_") or "UNSPECIFIED"
            for g in request.component_groups
        ],
        "jurisdiction": request.jurisdiction,
        "free_look_days": request.free_look_days if has(request, "free_look_days") else None,
        "used_without_manufacturer_warranty": request.used_without_manufacturer_warranty,
        "cancellation_fee": money_fields(request.cancellation_fee, has(request, "cancellation_fee")),
        "lienholder_ref": request.lienholder_ref,
        "transferable": request.transferable,
        "transfer_fee": money_fields(request.transfer_fee, has(request, "transfer_fee")),
    }
    return build(SellContract, present(fields))


def cancel_contract(request: pb.CancelContractRequest) -> CancelContract:
    fields = _ref(request) | {
        "cancelled_on": request.cancelled_on,
        "odometer": distance_fields(request.odometer, has(request, "odometer")),
        "requested_by": enum_name(request.requested_by, pb.ContractRequester, "CONTRACT_REQUESTER_"),
        "reason": request.reason,
    }
    return build(CancelContract, present(fields))


def transfer_contract(request: pb.TransferContractRequest) -> TransferContract:
    fields = _ref(request) | {
        "new_holder_ref": request.new_holder_ref,
        "transferred_on": request.transferred_on,
        "odometer": distance_fields(request.odometer, has(request, "odometer")),
    }
    return build(TransferContract, present(fields))


def contract_ref(request: pb.GetContractRequest) -> ContractRef:
    return build(ContractRef, present(_ref(request)))


def coverage_inputs(request: pb.GetContractRequest) -> tuple[date | None, Distance | None]:
    """The day and reading to evaluate the contract at (None: today, the latest known reading)."""
    on = parse_date(request.as_of_date, "as_of_date")
    fields = distance_fields(request.odometer, has(request, "odometer"))
    return on, (build(Distance, fields, prefix="odometer.") if fields is not None else None)


def insurer(value: str) -> str:
    """The insurer a query is for: required."""
    if not 1 <= len(value) <= 64:
        raise InvalidCommandError([FieldViolation("insurer_id", "required: the insurer (at most 64 characters)")])
    return value


def claim_id(value: str) -> UUID:
    try:
        return UUID(value)
    except ValueError:
        raise InvalidCommandError([FieldViolation("claim_id", f"{value!r} is not a claim id (a UUID)")]) from None


@dataclass(frozen=True)
class ContractClaimQuery:
    """ListContractClaims' filters, validated; ``token_filters`` binds a page token to them."""

    insurer_id: str
    contract_number: str
    vin: str
    status: str
    filed_from: date | None
    filed_to: date | None

    @property
    def token_filters(self) -> dict[str, str]:
        return {"i": self.insurer_id, "c": self.contract_number, "v": self.vin, "s": self.status,
                "f": str(self.filed_from or ""), "t": str(self.filed_to or "")}  # fmt: skip


def contract_claim_query(request: pb.ListContractClaimsRequest) -> ContractClaimQuery:
    status = enum_name(request.status, claims_pb2.ClaimStatus, "CLAIM_STATUS_") or ""
    violations = []
    if status.startswith("UNKNOWN_"):
        violations.append(FieldViolation("status", f"{request.status} is not a ClaimStatus"))
    if not 1 <= len(request.insurer_id) <= 64:
        violations.append(FieldViolation("insurer_id", "required: the insurer (at most 64 characters)"))
    if violations:
        raise InvalidCommandError(violations)
    query = ContractClaimQuery(
        insurer_id=request.insurer_id,
        contract_number=request.contract_number,
        vin=request.vin,
        status=status,
        filed_from=parse_date(request.filed_from, "filed_from"),
        filed_to=parse_date(request.filed_to, "filed_to"),
    )
    if query.filed_from and query.filed_to and query.filed_to < query.filed_from:
        raise InvalidCommandError([FieldViolation("filed_to", "on or after filed_from")])
    return query
