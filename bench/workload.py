"""The claim-filing workload: closed repair orders written straight to the store, claims filed over gRPC.

Each unit ``i`` is a product sold 100 days ago with a two-year warranty and a repair order closed two days
ago, made once through ``ClaimsApplication`` on the in-memory store and cloned with fresh identifiers
(stream ids derived from them exactly as the engine derives them, so the server finds them). Writing the
setup this way takes seconds where the same commands over gRPC would take minutes; the measured command
is then ``FileClaim`` with three lines (labour, the causal part, travel), all six checks run.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from google.protobuf import json_format

from claims.adapters.persistence.factory import open_store, parse_store_url
from claims.api.v1 import claims_pb2
from claims.application.app import ClaimsApplication
from claims.application.messages import CallContext, NewEvent, RecordedEvent
from claims.application.ports import EventStore
from claims.domain.claim.commands import FileClaim
from claims.domain.ids import repair_order_id_for, vehicle_id_for
from claims.domain.repair_order.commands import CloseRepairOrder, OpenRepairOrder, RecordRepairWork
from claims.domain.vehicle.commands import AttachCoverage, RegisterVehicle

SERIAL, DEALER, RO = "SYNTHSERIAL000000", "SYNTHDEALER0", "SYNTHRO000000"
DEALERS = 50
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def serial(run: str, i: int) -> str:
    return f"S{run}{i:08d}"


def dealer(run: str, i: int) -> str:
    return f"D{run}{i % DEALERS:03d}"


def ro_number(run: str, i: int) -> str:
    return f"RO{run}{i:08d}"


def _hours(value: int) -> dict[str, str]:
    return {"value": str(value), "unit": "HOURS"}


def _setup_commands(now: datetime) -> list[tuple[str, Any]]:
    sold = (now - timedelta(days=100)).date()
    opened = (now - timedelta(days=2)).replace(microsecond=0)
    ref = {"dealer_id": DEALER, "ro_number": RO}
    return [
        ("vehicle", RegisterVehicle.model_validate({
            "identifier": SERIAL, "identifier_kind": "SERIAL", "model": "Bench", "jurisdiction": "EU-DE",
            "dealer_id": DEALER, "owner_ref": "C1", "invoice_date": sold, "delivery_date": sold,
            "price": {"amount": "999.00", "currency": "EUR"}, "odometer_at_delivery": _hours(0),
        })),
        ("vehicle", AttachCoverage.model_validate({
            "identifier": SERIAL, "code": "BASIC", "kind": "MANUFACTURER_WARRANTY", "period": {"months": 24},
            "start_rule": "DELIVERY_DATE", "component_groups": ["WHOLE_PRODUCT"],
        })),
        ("repair_order", OpenRepairOrder.model_validate(ref | {
            "vin": SERIAL, "opened_at": opened, "odometer_in": _hours(10), "complaint": "does not start",
        })),
        ("repair_order", RecordRepairWork.model_validate(ref | {
            "cause": "worn relay", "correction": "replaced relay",
            "defect": {"causal_part_number": "RELAY-1", "failure_code": "E042"},
            "parts_replaced": [{"part_number": "RELAY-1", "quantity": 1}],
        })),
        ("repair_order", CloseRepairOrder.model_validate(ref | {
            "closed_at": opened + timedelta(minutes=90), "odometer_out": _hours(10),
        })),
    ]  # fmt: skip


def _claim_dict(run: str, i: int) -> dict[str, Any]:
    def eur(amount: str) -> dict[str, str]:
        return {"amount": amount, "currency": "EUR"}

    return {
        "dealer_id": dealer(run, i), "claim_number": f"C{run}{i:08d}", "claim_type": "NORMAL_REPAIR",
        "ro_number": ro_number(run, i), "vin": serial(run, i), "currency": "EUR",
        "header": {"odometer": _hours(10), "defect": {"causal_part_number": "RELAY-1", "failure_code": "E042"},
                   "component_group": "WHOLE_PRODUCT", "complaint": "does not start", "cause": "worn relay",
                   "correction": "replaced relay"},
        "lines": [
            {"kind": "LABOUR", "line_no": 1, "operation_code": "ELE001", "hours": "0.5", "rate": eur("90.00")},
            {"kind": "PART", "line_no": 2, "part_number": "RELAY-1", "quantity": 1, "unit_price": eur("12.50"),
             "causal": True},
            {"kind": "OTHER", "line_no": 3, "other_kind": "TRAVEL", "amount": eur("20.00")},
        ],
    }  # fmt: skip


_REQUEST_TEMPLATE = json_format.ParseDict({
    "claim_type": "CLAIM_TYPE_NORMAL_REPAIR", "currency": "EUR",
    "header": {"odometer": {"value": "10", "unit": "DISTANCE_UNIT_HOURS"},
               "defect": {"causal_part_number": "RELAY-1", "failure_code": "E042"},
               "component_group": "COMPONENT_GROUP_WHOLE_PRODUCT", "complaint": "does not start",
               "cause": "worn relay", "correction": "replaced relay"},
    "lines": [
        {"line_no": 1, "labour": {"operation_code": "ELE001", "hours": "0.5",
                                  "rate": {"amount": "90.00", "currency": "EUR"}}},
        {"line_no": 2, "part": {"part_number": "RELAY-1", "quantity": 1, "causal": True,
                                "unit_price": {"amount": "12.50", "currency": "EUR"}}},
        {"line_no": 3, "other": {"kind": "OTHER_KIND_TRAVEL", "amount": {"amount": "20.00", "currency": "EUR"}}},
    ],
}, claims_pb2.FileClaimRequest())  # fmt: skip


def file_claim_request(run: str, i: int) -> claims_pb2.FileClaimRequest:
    """The gRPC request filing unit ``i``'s three-line claim (a fresh request id each call)."""
    request = claims_pb2.FileClaimRequest()
    request.CopyFrom(_REQUEST_TEMPLATE)
    request.request_id = str(uuid.uuid4())
    request.dealer_id, request.claim_number = dealer(run, i), f"C{run}{i:08d}"
    request.ro_number, request.vin = ro_number(run, i), serial(run, i)
    return request


class Setup:
    """Unit ``i``'s setup appends (vehicle sold and covered, repair order opened, worked and closed)."""

    def __init__(self, run: str, now: datetime | None = None) -> None:
        self.run = run
        self.now = now or datetime.now(UTC)
        store = open_store(parse_store_url("memory://")).events
        app = ClaimsApplication(store, lambda: self.now)
        handlers = {"vehicle": app.handle_vehicle, "repair_order": app.handle_repair_order}
        bounds = []
        for n, (kind, command) in enumerate(_setup_commands(self.now)):
            call = CallContext(actor=f"dealer:{DEALER}", request_id=f"bench-{n}", correlation_id="bench")
            before = store.head_position()
            bounds.append((before, handlers[kind](call, command).position))
        events = store.read_all(0, 10_000)
        appends = [[e for e in events if lo < (e.position or 0) <= hi] for lo, hi in bounds]
        self._appends: list[list[tuple[RecordedEvent, str]]] = [
            [(e, json.dumps(e.event.model_dump(mode="json"))) for e in append] for append in appends
        ]
        found = {str(e.stream_id) for append in appends for e in append}
        found |= {m for append in self._appends for _, text in append for m in _UUID.findall(text)}
        self._derived = {str(vehicle_id_for(SERIAL)): "vehicle", str(repair_order_id_for(DEALER, RO)): "ro"}
        self._uuids = sorted(found)
        self.events_per_unit = sum(len(a) for a in appends)
        call = CallContext(actor=f"dealer:{DEALER}", request_id="bench-claim", correlation_id="bench")
        before = store.head_position()
        after = app.handle_claim(call, file_claim_command("", 0, DEALER, RO, SERIAL)).position
        self.events_per_claim = after - before

    def unit(self, i: int) -> list[NewEvent]:
        new_serial, new_dealer, new_ro = serial(self.run, i), dealer(self.run, i), ro_number(self.run, i)
        derived = {"vehicle": str(vehicle_id_for(new_serial)), "ro": str(repair_order_id_for(new_dealer, new_ro))}
        swaps = {SERIAL: new_serial, DEALER: new_dealer, RO: new_ro}
        swaps |= {
            old: derived[self._derived[old]] if old in self._derived else str(uuid.uuid4()) for old in self._uuids
        }
        pattern = re.compile("|".join(re.escape(k) for k in swaps))
        out = []
        for append in self._appends:
            for recorded, text in append:
                payload = json.loads(pattern.sub(lambda m: swaps[m.group(0)], text))
                event = type(recorded.event).model_validate(payload)
                out.append(
                    NewEvent(uuid.UUID(swaps[str(recorded.stream_id)]), recorded.version, event, recorded.metadata)
                )
        return out


def write_units(store: EventStore, setup: Setup, first: int, count: int, batch: int = 1_000) -> int:
    """Append units ``first`` .. ``first + count - 1`` in batches of about ``batch`` events; the head position."""
    pending: list[NewEvent] = []
    head = store.head_position()
    for i in range(first, first + count):
        pending += setup.unit(i)
        if len(pending) >= batch:
            head = store.append(pending)
            pending = []
    if pending:
        head = store.append(pending)
    return head


def file_claim_command(run: str, i: int, dealer_id: str = "", ro: str = "", vin: str = "") -> FileClaim:
    """The same claim as a domain command (for counting what one filing appends)."""
    fields = _claim_dict(run, i)
    fields |= {k: v for k, v in {"dealer_id": dealer_id, "ro_number": ro, "vin": vin}.items() if v}
    return FileClaim.model_validate(fields)
