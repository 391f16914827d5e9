"""The insurer's side of the demo: a service contract sold on one vehicle, and a live stream of its claims."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta

import grpc
from google.protobuf import json_format

from claims.api.v1 import claims_pb2, contracts_pb2, contracts_pb2_grpc
from claims.demo.credentials import Credentials
from claims.demo.dealership import Day


def sell_contract(day: Day, insurer_id: str, vin: str) -> str:
    """A 36-month / 36,000-mile service contract with a $100 deductible, sold 100 days ago."""
    sold_on = (day.now - timedelta(days=100)).date().isoformat()
    request = json_format.ParseDict({
        "request_id": str(uuid.uuid4()), "insurer_id": insurer_id, "contract_number": "SC-1", "vin": vin,
        "holder_ref": f"CUST-{vin[-4:]}", "sold_on": sold_on, "price": {"amount": "1800.00", "currency": "USD"},
        "term_months": 36, "term_distance": {"value": "36000", "unit": "DISTANCE_UNIT_MI"},
        "odometer_at_sale": {"value": "900", "unit": "DISTANCE_UNIT_MI"},
        "deductible_per_visit": {"amount": "100.00", "currency": "USD"},
        "component_groups": ["COMPONENT_GROUP_ENGINE", "COMPONENT_GROUP_ELECTRICAL"], "jurisdiction": "US-CA",
    }, contracts_pb2.SellContractRequest())  # fmt: skip
    metadata = day.credentials.metadata(f"insurer:{insurer_id}")
    sold = contracts_pb2_grpc.InsurerServiceStub(day.channel).SellContract(request, timeout=10, metadata=metadata)
    return f"insurer {insurer_id} sold contract SC-1 on {vin} (in force to {sold.expires_on}, pack {sold.pack_id})"


class InsurerWatch:
    """Follows WatchClaims for one insurer in the background, from the start of the log."""

    def __init__(self, channel: grpc.Channel, insurer_id: str, credentials: Credentials) -> None:
        self.insurer_id = insurer_id
        self.changes: list[contracts_pb2.ClaimChange] = []
        stub = contracts_pb2_grpc.InsurerServiceStub(channel)
        request = contracts_pb2.WatchClaimsRequest(insurer_id=insurer_id, after_position=0)
        metadata = credentials.metadata(f"insurer:{insurer_id}")
        self._call = stub.WatchClaims(request, timeout=120, metadata=metadata)
        self._thread = threading.Thread(target=self._follow, daemon=True)
        self._thread.start()

    def _follow(self) -> None:
        try:
            for response in self._call:
                self.changes.append(response.change)
        except grpc.RpcError:
            pass  # cancelled by report(), or the deadline passed

    def report(self) -> Iterator[str]:
        """Wait briefly for the paid claim to show up in the stream, stop watching, and summarise what arrived."""
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not any(c.change == "ClaimPaid" for c in self.changes):
            time.sleep(0.1)
        self._call.cancel()
        self._thread.join(timeout=5)
        claims = {c.claim_number for c in self.changes}
        yield ""
        yield f"insurer {self.insurer_id} watched {len(self.changes)} changes on claims {', '.join(sorted(claims))}:"
        for c in self.changes:
            status = str(claims_pb2.ClaimStatus.Name(c.status)).removeprefix("CLAIM_STATUS_")
            paid = c.paid_total.amount or "0"
            yield f"  @{c.position:<6} {c.claim_number:<5} {c.change:<20} {status:<20} paid {paid}"
