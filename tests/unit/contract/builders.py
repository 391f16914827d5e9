"""Service contract commands with sensible defaults, and given / when helpers that pick packs as the application does.

The default contract is DOMAIN.md §5's sample: $2,000, 5 years / 100,000 mi, $100 deductible per visit,
sold in Texas on 2025-01-15 at 12,000 mi. Its term runs through 2030-01-14: 1,826 days (2028 is a leap year).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid5

from claims.domain.contract.commands import (
    CancelContract,
    ContractCommand,
    ExpireContract,
    RecordContractClaimPaid,
    SellContract,
    TransferContract,
)
from claims.domain.contract.context import ContractContext
from claims.domain.contract.decide import decide
from claims.domain.contract.events import ContractCancelled, ContractEvent
from claims.domain.contract.packs import cancellation_policy, select_cancellation_policy
from claims.domain.contract.policy import CancellationPolicy
from claims.domain.contract.state import ServiceContract, evolve
from claims.domain.contract.values import Requester
from claims.domain.values import Distance, DistanceUnit, Money

VIN = "1M8GDM9AXKP042788"  # ISO 3779 worked example; its check digit X is valid
INSURER = "INS-1"
CONTRACT_NUMBER = "SC-1001"
SOLD_ON = date(2025, 1, 15)
TERM_DAYS = 1826
NOW = datetime(2031, 3, 1, 9, 0, tzinfo=UTC)


def usd(amount: str) -> Money:
    return Money(amount=Decimal(amount), currency="USD")


def mi(value: int | str) -> Distance:
    return Distance(value=Decimal(value), unit=DistanceUnit.MI)


def day(n: int) -> date:
    """The ``n``-th day after the sale (day 0 is the sale date)."""
    return SOLD_ON + timedelta(days=n)


def claim_id(n: int) -> UUID:
    return uuid5(UUID(int=0), f"claim-{n}")


def ref() -> dict[str, str]:
    return {"insurer_id": INSURER, "contract_number": CONTRACT_NUMBER}


def sell_contract(**overrides: Any) -> SellContract:
    fields: dict[str, Any] = ref() | {
        "vin": VIN,
        "holder_ref": "CUST-1",
        "sold_on": SOLD_ON,
        "price": usd("2000.00"),
        "term_months": 60,
        "term_distance": mi(100_000),
        "odometer_at_sale": mi(12_000),
        "deductible_per_visit": usd("100.00"),
        "component_groups": ("ENGINE", "TRANSMISSION", "DRIVETRAIN"),
        "jurisdiction": "US-TX",
    }
    return SellContract.model_validate(fields | overrides)


def cancel(on: date, odometer: Distance | None = None, **overrides: Any) -> CancelContract:
    fields: dict[str, Any] = ref() | {
        "cancelled_on": on,
        "odometer": odometer or mi(12_900),
        "requested_by": Requester.HOLDER,
        "reason": "vehicle sold",
    }
    return CancelContract.model_validate(fields | overrides)


def transfer(**overrides: Any) -> TransferContract:
    fields: dict[str, Any] = ref() | {"new_holder_ref": "CUST-2", "transferred_on": day(200), "odometer": mi(20_000)}
    return TransferContract.model_validate(fields | overrides)


def claim_paid(n: int, amount: str, paid_on: date) -> RecordContractClaimPaid:
    return RecordContractClaimPaid.model_validate(
        ref() | {"claim_id": claim_id(n), "amount": usd(amount), "paid_on": paid_on}
    )


def expire(on: date, odometer: Distance | None = None) -> ExpireContract:
    return ExpireContract.model_validate(ref() | {"on": on, "odometer": odometer})


def policy_for(state: ServiceContract | None, command: ContractCommand) -> CancellationPolicy:
    """The pack the application passes: selected for a sale, the recorded one afterwards."""
    if isinstance(command, SellContract):
        return select_cancellation_policy(command.jurisdiction, command.sold_on)
    if state is None:
        return select_cancellation_policy("US-TX", SOLD_ON)
    return cancellation_policy(state.pack_id, state.pack_version)


def when(state: ServiceContract | None, command: ContractCommand, now: datetime = NOW) -> Sequence[ContractEvent]:
    return decide(state, command, ContractContext(now=now, policy=policy_for(state, command)))


def given(*commands: ContractCommand, now: datetime = NOW) -> ServiceContract | None:
    """The state after deciding and applying each command in turn."""
    state: ServiceContract | None = None
    for command in commands:
        for event in when(state, command, now):
            state = evolve(state, event)
    return state


def cancelled(state: ServiceContract | None, command: CancelContract) -> ContractCancelled:
    """The one event a cancellation produces."""
    (event,) = when(state, command)
    assert isinstance(event, ContractCancelled)
    return event


def amounts(event: ContractCancelled) -> dict[str, Decimal]:
    """The statement's amounts by label."""
    return {line.label: line.amount for line in event.lines}
