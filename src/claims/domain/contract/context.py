"""What a contract decision may know beyond its own stream: the clock and the cancellation pack."""

from __future__ import annotations

from claims.domain.context import DecisionContext
from claims.domain.contract.policy import CancellationPolicy


class ContractContext(DecisionContext):
    """The clock and the cancellation pack.

    For a sale, the application passes ``select_cancellation_policy(jurisdiction, sold_on)``; for every
    later command, the pack the sale recorded: ``cancellation_policy(contract.pack_id, contract.pack_version)``.
    """

    policy: CancellationPolicy
