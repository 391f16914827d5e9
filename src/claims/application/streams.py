"""The kinds of streams the application reads and writes."""

from __future__ import annotations

from claims.application.commands import StreamType
from claims.domain.claim.state import Claim
from claims.domain.claim.state import evolve as evolve_claim
from claims.domain.contract.state import ServiceContract
from claims.domain.contract.state import evolve as evolve_contract
from claims.domain.preauth.state import PreAuthorization
from claims.domain.preauth.state import evolve as evolve_preauth
from claims.domain.repair_order.state import RepairOrder
from claims.domain.repair_order.state import evolve as evolve_repair_order
from claims.domain.statutory_case.state import StatutoryCase
from claims.domain.statutory_case.state import evolve as evolve_case
from claims.domain.vehicle.state import Vehicle
from claims.domain.vehicle.state import evolve as evolve_vehicle

VEHICLES: StreamType[Vehicle] = StreamType("vehicle", evolve_vehicle)

REPAIR_ORDERS: StreamType[RepairOrder] = StreamType("repair_order", evolve_repair_order)
CLAIMS: StreamType[Claim] = StreamType("claim", evolve_claim)
PREAUTHS: StreamType[PreAuthorization] = StreamType("preauth", evolve_preauth)
STATUTORY_CASES: StreamType[StatutoryCase] = StreamType("statutory_case", evolve_case)
CONTRACTS: StreamType[ServiceContract] = StreamType("contract", evolve_contract)
