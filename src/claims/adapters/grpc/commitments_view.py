"""Commitment clocks and the compensation ledger as the read models hold them → proto messages."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from decimal import Decimal
from typing import Any, Protocol
from uuid import UUID

from google.protobuf.duration_pb2 import Duration

from claims.adapters.grpc.mapping import money_to_proto, optional_text, optional_timestamp, timestamp_to_proto
from claims.adapters.grpc.paging import PageRequest
from claims.api.v1 import common_pb2
from claims.api.v1 import statutory_pb2 as pb
from claims.domain.statutory.commitments import COMMITMENTS
from claims.domain.values import CURRENCIES, Money
from claims.projections.commitment_queries import ClockView, LedgerBalance, LedgerBalances, LedgerEntry

_SUBJECT_KINDS = {
    "claim": pb.COMMITMENT_SUBJECT_KIND_CLAIM,
    "repair_order": pb.COMMITMENT_SUBJECT_KIND_REPAIR_ORDER,
    "statutory_case": pb.COMMITMENT_SUBJECT_KIND_STATUTORY_CASE,
    "vehicle": pb.COMMITMENT_SUBJECT_KIND_VEHICLE,
}
_SOURCES = {"COURTESY_CAR": pb.COMPENSATION_SOURCE_COURTESY_CAR, "BREACH": pb.COMPENSATION_SOURCE_BREACH}
_BY_CODE = {c.code: c for c in COMMITMENTS}


class _Paged(Protocol):
    @property
    def cursor(self) -> str: ...


def _next_token(rows: Sequence[_Paged], page: PageRequest) -> str:
    """A token for the page after this one, when a row beyond it was read (the queries read one more than a page)."""
    return page.next_token(rows[page.size - 1].cursor) if len(rows) > page.size else ""


def _enum(proto_enum: Any, prefix: str, value: str) -> Any:
    """The proto enum value named ``prefix + value``; unspecified (0) for a value the API does not know."""
    try:
        return proto_enum.Value(prefix + value)
    except ValueError:
        return 0


def _text(value: UUID | str | None) -> str:
    return "" if value is None else str(value)


def _amount(amount: Decimal, currency: str) -> common_pb2.Money:
    """A sum shown with the currency's minor-unit places (``0`` paid is ``0.00``)."""
    places = Decimal(1).scaleb(-CURRENCIES.get(currency, 2))
    return common_pb2.Money(amount=f"{amount.quantize(places):f}", currency=currency)


def subject_to_proto(
    kind: str, subject_id: UUID, reference: str, dealer_id: str | None, vehicle_id: UUID | None, vin: str | None
) -> pb.CommitmentSubject:
    return pb.CommitmentSubject(
        kind=_SUBJECT_KINDS.get(kind, pb.COMMITMENT_SUBJECT_KIND_UNSPECIFIED),
        subject_id=str(subject_id),
        reference=reference,
        dealer_id=optional_text(dealer_id),
        vehicle_id=_text(vehicle_id),
        vin=optional_text(vin),
    )


def clock_to_proto(view: ClockView) -> pb.CommitmentClock:
    """One run of a clock: the commitment's description and source, the subject, the times and the consequence."""
    clock = view.clock
    commitment = _BY_CODE.get(clock.commitment_code)
    paused = Duration()
    paused.FromTimedelta(timedelta(seconds=clock.paused_seconds))
    return pb.CommitmentClock(
        commitment_code=clock.commitment_code,
        description="" if commitment is None else commitment.description,
        source="" if commitment is None else commitment.source,
        subject=subject_to_proto(
            clock.subject_kind, clock.subject_id, clock.subject_ref, clock.dealer_id, clock.vehicle_id, view.vin
        ),
        jurisdiction=clock.jurisdiction,
        started_at=timestamp_to_proto(clock.started_at),
        due_at=timestamp_to_proto(clock.due_at),
        paused=paused,
        paused_since=optional_timestamp(view.paused_since),
        stopped_at=optional_timestamp(clock.stopped_at),
        breached_at=optional_timestamp(clock.breached_at),
        status=_enum(pb.ClockStatus, "CLOCK_STATUS_", clock.status.value),
        consequence=_enum(pb.BreachConsequence, "BREACH_CONSEQUENCE_", clock.consequence),
        compensation=None if view.compensation is None else money_to_proto(view.compensation),
        position=clock.last_position,
    )


def clocks_page(views: list[ClockView], page: PageRequest, position: int) -> pb.ListCommitmentsResponse:
    """One page of clocks (``views`` may hold one more, which only says a next page exists)."""
    return pb.ListCommitmentsResponse(
        clocks=[clock_to_proto(v) for v in views[: page.size]],
        next_page_token=_next_token(views, page),
        position=position,
    )


def _money(money: Money) -> common_pb2.Money:
    return _amount(money.amount, money.currency)


def entry_to_proto(entry: LedgerEntry) -> pb.CompensationEntry:
    s = entry.subject
    vin = entry.vin if s is not None and s.vehicle_id == entry.vehicle_id else None
    return pb.CompensationEntry(
        entry_id=entry.entry_id,
        commitment_code=entry.commitment_code,
        source=_SOURCES.get(entry.source, pb.COMPENSATION_SOURCE_UNSPECIFIED),
        subject=None if s is None else subject_to_proto(s.kind, s.subject_id, s.ref, s.dealer_id, s.vehicle_id, vin),
        vehicle_id=_text(entry.vehicle_id),
        vin=optional_text(entry.vin),
        dealer_id=optional_text(entry.dealer_id),
        owed=_money(entry.owed),
        paid=_money(entry.paid),
        owed_at=timestamp_to_proto(entry.owed_at),
        explanation=entry.explanation,
        position=entry.last_position,
    )


def balance_to_proto(balance: LedgerBalance) -> pb.CompensationBalance:
    return pb.CompensationBalance(
        vehicle_id=_text(balance.vehicle_id),
        vin=optional_text(balance.vin),
        dealer_id=optional_text(balance.dealer_id),
        commitment_code=optional_text(balance.commitment_code),
        owed=_amount(balance.owed, balance.currency),
        paid=_amount(balance.paid, balance.currency),
        outstanding=_amount(balance.outstanding, balance.currency),
        entry_count=balance.entries,
    )


def compensation_page(
    balances: LedgerBalances, entries: list[LedgerEntry], page: PageRequest, position: int
) -> pb.ListCompensationResponse:
    """The balances over every matching entry, and one page of the entries (``entries`` may hold one more)."""
    return pb.ListCompensationResponse(
        totals=[balance_to_proto(b) for b in balances.totals],
        by_vehicle=[balance_to_proto(b) for b in balances.by_vehicle],
        by_dealer=[balance_to_proto(b) for b in balances.by_dealer],
        by_commitment=[balance_to_proto(b) for b in balances.by_commitment],
        entries=[entry_to_proto(e) for e in entries[: page.size]],
        next_page_token=_next_token(entries, page),
        position=position,
    )
