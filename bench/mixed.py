"""The mixed workload (issue 18): a dealer's whole claim journey over gRPC, half writes and half reads.

One journey is 18 RPCs, as the demo's dealership makes them (claims.demo.dealership, authentication off):

- writes (9): RegisterVehicle, AttachCoverage, OpenRepairOrder, RecordRepairWork, CloseRepairOrder, FileClaim,
  DecideClaimLine twice (the desk approves both lines), PostClaimPayment;
- reads (9): GetVehicle twice, GetRepairOrder twice, GetClaim three times, ListClaims twice (the dealer's
  latest page of ten).

Every journey is on a product of its own (a VIN made from the run, the client and the journey's number), so
clients never contend for one stream: this measures the engine's work per RPC, not conflicts.
"""

from __future__ import annotations

import uuid

import grpc

from claims.api.v1 import claims_pb2, repair_orders_pb2, vehicles_pb2
from claims.demo import dealership as demo
from claims.domain.vin import vin_check_digit

RPCS_PER_JOURNEY = 18
WRITES_PER_JOURNEY = 9
PART, CODE = "12638824", "P0300"


def journey_vin(run: str, client: int, journey: int) -> str:
    """A valid VIN of its own: WMI and descriptor, check digit, model year R, then run (1), client (2), journey (4)."""
    vin = f"1G1ZD5ST0R{run[:1]}{client:02d}{journey % 10_000:04d}"
    return vin[:8] + vin_check_digit(vin) + vin[9:]


class Dealer:
    """One client's dealership: its day (stubs, clock, dealer id) and how many journeys it has made."""

    def __init__(self, channel: grpc.Channel, run: str, client: int) -> None:
        self.day = demo.Day(channel, run=f"{run}{client:02d}")
        self.run, self.client = run, client

    def journey(self, n: int) -> int:
        """One whole journey (``n`` its number for this client); the position of its last write."""
        day, vin, ro, number = self.day, journey_vin(self.run, self.client, n), f"RO-{n}", f"C-{n}"
        demo.register(day, vin, "Equinox LT")
        get_vehicle = vehicles_pb2.GetVehicleRequest(identifier=vin)
        day.call(day.vehicles.GetVehicle, get_vehicle)
        demo.repair(day, ro, vin, 5000, PART, CODE)
        get_order = repair_orders_pb2.GetRepairOrderRequest(dealer_id=day.dealer, ro_number=ro)
        day.call(day.repair_orders.GetRepairOrder, get_order)
        day.call(day.repair_orders.GetRepairOrder, get_order)
        day.call(day.vehicles.GetVehicle, get_vehicle)
        demo.file(day, demo.claim_body(day, number, ro, vin, 5000, PART, CODE))  # FileClaim, then GetClaim
        latest = claims_pb2.ListClaimsRequest(dealer_id=day.dealer, page_size=10)
        day.call(day.claims.ListClaims, latest)
        for line in (1, 2):
            demo.decide(day, number, line, "APPROVE")
            demo.claim(day, number)
        payment = claims_pb2.PostClaimPaymentRequest(
            request_id=str(uuid.uuid4()), dealer_id=day.dealer, claim_number=number,
            credit_reference=f"CR-{self.run}-{self.client}-{n}",
        )  # fmt: skip
        paid = day.call(day.claims.PostClaimPayment, payment, day.desk)
        day.call(day.claims.ListClaims, latest)
        return int(paid.result.position)
