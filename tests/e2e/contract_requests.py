"""Valid insurer requests with defaults: a Texas contract SC-1001 of INS-1 on the test vehicle, sold 2026-10-23.

Its 60-month term runs through 2031-10-22 (1,826 days), up to 114,000 mi; the 30-day free look ends on
2026-11-22, the day before the tests' clock (2026-11-23), which is therefore day 31.
"""

from __future__ import annotations

import uuid
from typing import Any

from google.protobuf import json_format

from claims.api.v1 import contracts_pb2 as pb
from tests.builders import VIN

INSURER = "INS-1"
CONTRACT = "SC-1001"
SOLD_ON = "2026-10-23"
DAY_30 = "2026-11-22"
DAY_31 = "2026-11-23"


def mi(value: int | str) -> dict[str, str]:
    return {"value": str(value), "unit": "DISTANCE_UNIT_MI"}


def _parse(message: Any, body: dict[str, Any]) -> Any:
    return json_format.ParseDict({k: v for k, v in body.items() if v is not None}, message)


def _ref(contract_number: str) -> dict[str, str]:
    return {"request_id": str(uuid.uuid4()), "insurer_id": INSURER, "contract_number": contract_number}


def sell_request(contract_number: str = CONTRACT, **overrides: Any) -> pb.SellContractRequest:
    body: dict[str, Any] = _ref(contract_number) | {
        "vin": VIN, "holder_ref": "CUST-1", "sold_on": SOLD_ON, "price": {"amount": "2000.00", "currency": "USD"},
        "term_months": 60, "term_distance": mi(100_000), "odometer_at_sale": mi(14_000),
        "deductible_per_visit": {"amount": "100.00", "currency": "USD"},
        "component_groups": ["COMPONENT_GROUP_ENGINE", "COMPONENT_GROUP_TRANSMISSION"], "jurisdiction": "US-TX",
    }  # fmt: skip
    return _parse(pb.SellContractRequest(), body | overrides)


def cancel_request(cancelled_on: str, contract_number: str = CONTRACT, **overrides: Any) -> pb.CancelContractRequest:
    body: dict[str, Any] = _ref(contract_number) | {
        "cancelled_on": cancelled_on, "odometer": mi(14_900), "requested_by": "CONTRACT_REQUESTER_HOLDER",
        "reason": "vehicle sold",
    }  # fmt: skip
    return _parse(pb.CancelContractRequest(), body | overrides)


def transfer_request(contract_number: str = CONTRACT, **overrides: Any) -> pb.TransferContractRequest:
    body: dict[str, Any] = _ref(contract_number) | {
        "new_holder_ref": "CUST-2", "transferred_on": DAY_31, "odometer": mi(15_000),
    }  # fmt: skip
    return _parse(pb.TransferContractRequest(), body | overrides)


def get_contract_request(contract_number: str = CONTRACT, **overrides: Any) -> pb.GetContractRequest:
    return _parse(pb.GetContractRequest(), {"insurer_id": INSURER, "contract_number": contract_number} | overrides)
