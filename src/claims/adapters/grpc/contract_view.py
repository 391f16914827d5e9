"""Service contracts, their refunds and coverage left, and insurers' claim views → proto messages."""

from __future__ import annotations

from datetime import datetime

from claims.adapters.grpc.mapping import (
    distance_to_proto,
    enum_number,
    money_to_proto,
    mutation_result,
    optional_text,
    optional_timestamp,
    plain_decimal,
    timestamp_to_proto,
)
from claims.api.v1 import claims_pb2, vehicles_pb2
from claims.api.v1 import common_pb2 as common
from claims.api.v1 import contracts_pb2 as pb
from claims.application.claim_feed import ClaimChange
from claims.application.messages import CommandResult
from claims.domain.contract.state import Cancellation, ServiceContract
from claims.domain.contract.views import RemainingCoverage
from claims.projections.contracts import ContractClaim

_GROUP = "COMPONENT_GROUP_"


def sale_to_proto(result: CommandResult, contract: ServiceContract) -> pb.SellContractResponse:
    """The sale's result with what it fixed: the end of the term, the free look and the pack."""
    return pb.SellContractResponse(
        result=mutation_result(result),
        expires_on=contract.expires_on.isoformat(),
        expiry_odometer=distance_to_proto(contract.expiry_odometer),
        free_look_ends_on=contract.free_look_ends_on.isoformat(),
        pack_id=contract.pack_id,
        pack_version=contract.pack_version,
    )


def refund_to_proto(contract: ServiceContract, cancellation: Cancellation) -> pb.ContractRefund:
    """The refund statement exactly as recorded, line by line."""
    penalty = cancellation.late_penalty_per_month
    return pb.ContractRefund(
        rule=enum_number(cancellation.rule, pb.ContractRefundRule, "CONTRACT_REFUND_RULE_"),
        unused_share=plain_decimal(cancellation.unused_share),
        lines=[
            pb.ContractRefundLine(label=line.label, amount=plain_decimal(line.amount), explanation=line.explanation)
            for line in cancellation.lines
        ],
        refund=money_to_proto(cancellation.refund),
        payee_kind=enum_number(cancellation.payee.kind, pb.ContractPayeeKind, "CONTRACT_PAYEE_KIND_"),
        payee_ref=cancellation.payee.ref,
        refund_due_on=cancellation.refund_due_on.isoformat(),
        late_penalty_per_month="" if penalty is None else plain_decimal(penalty),
        pack_id=contract.pack_id,
        pack_version=contract.pack_version,
    )


def contract_to_proto(contract: ServiceContract, version: int) -> pb.ServiceContract:
    """The whole contract: terms, status, paid claims, transfers, and its cancellation or expiry."""
    c, cancellation, expiry = contract, contract.cancellation, contract.expiry
    return pb.ServiceContract(
        contract_id=str(c.contract_id), insurer_id=c.insurer_id, contract_number=c.contract_number, vin=c.vin,
        holder_ref=c.holder_ref, jurisdiction=c.jurisdiction, sold_on=c.sold_on.isoformat(),
        price=money_to_proto(c.price), term_months=c.term_months, term_distance=distance_to_proto(c.term_distance),
        odometer_at_sale=distance_to_proto(c.odometer_at_sale), expires_on=c.expires_on.isoformat(),
        expiry_odometer=distance_to_proto(c.expiry_odometer),
        deductible_per_visit=money_to_proto(c.deductible_per_visit),
        component_groups=[enum_number(g, vehicles_pb2.ComponentGroup, _GROUP) for g in c.component_groups],
        free_look_days=c.free_look_days, free_look_ends_on=c.free_look_ends_on.isoformat(),
        used_without_manufacturer_warranty=c.used_without_manufacturer_warranty,
        cancellation_fee=None if c.cancellation_fee is None else money_to_proto(c.cancellation_fee),
        lienholder_ref=optional_text(c.lienholder_ref), transferable=c.transferable,
        transfer_fee=None if c.transfer_fee is None else money_to_proto(c.transfer_fee),
        pack_id=c.pack_id, pack_version=c.pack_version,
        status=enum_number(c.status, pb.ContractStatus, "CONTRACT_STATUS_"),
        claims_paid=money_to_proto(c.claims_paid),
        claims=[
            pb.ContractPaidClaim(
                claim_id=str(p.claim_id), amount=money_to_proto(p.amount), paid_on=p.paid_on.isoformat()
            )
            for p in c.claims
        ],
        transfers=[
            pb.ContractTransfer(
                previous_holder_ref=t.previous_holder_ref, new_holder_ref=t.new_holder_ref,
                transferred_on=t.transferred_on.isoformat(), odometer=distance_to_proto(t.odometer),
                fee=money_to_proto(t.fee),
            )
            for t in c.transfers
        ],
        cancellation=None if cancellation is None else pb.ContractCancellation(
            cancelled_on=cancellation.cancelled_on.isoformat(), odometer=distance_to_proto(cancellation.odometer),
            requested_by=enum_number(cancellation.requested_by, pb.ContractRequester, "CONTRACT_REQUESTER_"),
            reason=cancellation.reason, refund=refund_to_proto(c, cancellation),
        ),
        expiry=None if expiry is None else pb.ContractExpiry(
            reason=enum_number(expiry.reason, pb.ContractExpiryReason, "CONTRACT_EXPIRY_REASON_"),
            expired_on=expiry.expired_on.isoformat(),
            odometer=None if expiry.odometer is None else distance_to_proto(expiry.odometer),
        ),
        version=version,
    )  # fmt: skip


def coverage_to_proto(left: RemainingCoverage) -> pb.RemainingCoverage:
    return pb.RemainingCoverage(
        as_of_date=left.on.isoformat(),
        odometer=distance_to_proto(left.odometer),
        standing=enum_number(left.standing, pb.ContractStanding, "CONTRACT_STANDING_"),
        in_force=left.in_force,
        term_days=left.term_days,
        days_remaining=left.days_remaining,
        distance_remaining=distance_to_proto(left.distance_remaining),
        unused_share=plain_decimal(left.unused_share),
        claims_paid=money_to_proto(left.claims_paid),
    )


def _amount(value: str, currency: str) -> common.Money:
    return common.Money(amount=value, currency=currency)


def contract_claim_to_proto(claim: ContractClaim) -> pb.ContractClaim:
    """A claim row with the contracts it was filed under: each one's deductible and what it paid."""
    s = claim.summary
    return pb.ContractClaim(
        claim_id=s.claim_id, dealer_id=s.dealer_id, claim_number=s.claim_number,
        claim_type=claims_pb2.ClaimType.Value("CLAIM_TYPE_" + s.claim_type), vin=s.vin, ro_number=s.ro_number,
        status=claims_pb2.ClaimStatus.Value("CLAIM_STATUS_" + s.status),
        claimed_total=_amount(s.claimed_total, s.currency), approved_total=_amount(s.approved_total, s.currency),
        paid_total=_amount(s.paid_total, s.currency), filed_at=timestamp_to_proto(datetime.fromisoformat(s.filed_at)),
        decided_at=optional_timestamp(claim.decided_at), paid_at=optional_timestamp(claim.paid_at),
        decision_due_on=optional_text(s.decision_due_on),
        contracts=[
            pb.ContractShare(
                contract_number=c.contract_number,
                deductible_per_visit=_amount(c.deductible_per_visit, c.currency),
                paid=None if c.paid_amount is None else _amount(c.paid_amount, c.currency),
                paid_on=optional_text(c.paid_on),
            )
            for c in claim.contracts
        ],
        version=s.version,
    )  # fmt: skip


def change_to_proto(change: ClaimChange) -> pb.WatchClaimsResponse:
    return pb.WatchClaimsResponse(
        change=pb.ClaimChange(
            position=change.position,
            change=change.change,
            claim_id=str(change.claim_id),
            dealer_id=change.dealer_id,
            claim_number=change.claim_number,
            vin=change.vin,
            status=enum_number(change.status, claims_pb2.ClaimStatus, "CLAIM_STATUS_"),
            claimed_total=money_to_proto(change.claimed_total),
            approved_total=money_to_proto(change.approved_total),
            paid_total=money_to_proto(change.paid_total),
            changed_at=timestamp_to_proto(change.changed_at),
            contract_numbers=list(change.contract_numbers),
            version=change.version,
        )
    )
