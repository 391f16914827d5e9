"""Synthetic histories: one realistic unit of work through the application, cloned fast with fresh ids.

A unit is a vehicle sold and covered, two odometer readings, a repair order opened, worked and closed, a
two-line claim filed, decided line by line and paid — every command through ``ClaimsApplication`` on the
in-memory store, so the log has the real mix (request records included). Clones swap every identifier
(serial, dealer, RO and claim numbers, every UUID) and are appended with ``store.append`` in batches,
which is far faster than running the commands again. Used by the projection benchmark and its tests.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from claims.adapters.persistence.factory import open_store, parse_store_url
from claims.application.app import ClaimsApplication
from claims.application.messages import CallContext, NewEvent, RecordedEvent
from claims.application.ports import EventStore
from claims.domain.claim.commands import DecideLine, FileClaim, PostPayment
from claims.domain.repair_order.commands import CloseRepairOrder, OpenRepairOrder, RecordRepairWork
from claims.domain.values import Distance, DistanceUnit, Money
from claims.domain.vehicle.commands import AttachCoverage, RecordOdometerReading, RegisterVehicle

SERIAL, DEALER, RO, CLAIM = "SYNTHSERIAL000000", "SYNTHDEALER0", "SYNTHRO000000", "SYNTHCLAIM000000"
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_NOW = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)


def _at(day: int, hour: int = 12) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=UTC)


def _usd(amount: str) -> Money:
    return Money(amount=Decimal(amount), currency="USD")


def _hours(value: int) -> Distance:
    return Distance(value=Decimal(value), unit=DistanceUnit.HOURS)


def _unit_commands() -> Iterator[tuple[str, Any]]:
    """The commands of one unit, each with the handler that runs it."""
    yield "vehicle", RegisterVehicle.model_validate({
        "identifier": SERIAL, "identifier_kind": "SERIAL", "model": "Synthetic", "jurisdiction": "EU-DE",
        "dealer_id": DEALER, "owner_ref": "CUST-1", "invoice_date": date(2025, 11, 20),
        "delivery_date": date(2025, 11, 22), "price": _usd("999.00"), "odometer_at_delivery": _hours(0),
    })  # fmt: skip
    yield "vehicle", AttachCoverage.model_validate({
        "identifier": SERIAL, "code": "BASIC", "kind": "MANUFACTURER_WARRANTY", "period": {"months": 24},
        "start_rule": "DELIVERY_DATE", "component_groups": ["WHOLE_PRODUCT"],
    })  # fmt: skip
    yield "vehicle", RecordOdometerReading(identifier=SERIAL, reading=_hours(40), read_at=_at(1))
    ref = {"dealer_id": DEALER, "ro_number": RO}
    yield (
        "repair_order",
        OpenRepairOrder(**ref, vin=SERIAL, opened_at=_at(2, 9), odometer_in=_hours(41), complaint="does not start"),
    )
    yield "repair_order", RecordRepairWork.model_validate(ref | {
        "cause": "worn relay", "correction": "replaced relay",
        "defect": {"causal_part_number": "RELAY-1", "failure_code": "E042"},
        "parts_replaced": [{"part_number": "RELAY-1", "quantity": 1}],
    })  # fmt: skip
    yield "repair_order", CloseRepairOrder(**ref, closed_at=_at(2, 15), odometer_out=_hours(42))
    claim = {"dealer_id": DEALER, "claim_number": CLAIM}
    yield "claim", FileClaim.model_validate(claim | {
        "claim_type": "NORMAL_REPAIR", "ro_number": RO, "vin": SERIAL, "currency": "USD",
        "header": {"odometer": _hours(41), "defect": {"causal_part_number": "RELAY-1", "failure_code": "E042"},
                   "component_group": "WHOLE_PRODUCT", "complaint": "does not start", "cause": "worn relay",
                   "correction": "replaced relay"},
        "lines": [
            {"kind": "LABOUR", "line_no": 1, "operation_code": "ELE001", "hours": "0.5", "rate": _usd("90.00")},
            {"kind": "PART", "line_no": 2, "part_number": "RELAY-1", "quantity": 1, "unit_price": _usd("12.50"),
             "causal": True},
        ],
    })  # fmt: skip
    yield "claim", DecideLine.model_validate(claim | {"line_no": 1, "decision": "APPROVE", "decided_by": "desk"})
    yield "claim", DecideLine.model_validate(claim | {"line_no": 2, "decision": "APPROVE", "decided_by": "desk"})
    yield "claim", PostPayment.model_validate(claim | {"credit_reference": "CR-1"})
    yield "vehicle", RecordOdometerReading(identifier=SERIAL, reading=_hours(60), read_at=_at(9))


@dataclass(frozen=True)
class Template:
    """One unit's appends as the application made them (one list of events per command)."""

    appends: tuple[tuple[RecordedEvent, ...], ...]

    @property
    def events_per_unit(self) -> int:
        return sum(len(a) for a in self.appends)


def make_template() -> Template:
    """Run one unit through the application on the in-memory store and keep its appends."""
    store = open_store(parse_store_url("memory://")).events
    app = ClaimsApplication(store, lambda: _NOW)
    handlers = {"vehicle": app.handle_vehicle, "repair_order": app.handle_repair_order, "claim": app.handle_claim}
    bounds = []
    for n, (kind, command) in enumerate(_unit_commands()):
        call = CallContext(actor=f"dealer:{DEALER}", request_id=f"synthetic-{n}", correlation_id="synthetic")
        before = store.head_position()
        after = handlers[kind](call, command).position
        bounds.append((before, after))
    events = store.read_all(0, 10_000)
    return Template(tuple(tuple(e for e in events if lo < (e.position or 0) <= hi) for lo, hi in bounds))


class Cloner:
    """Makes unit ``i`` of a history from the template: same events, fresh identifiers."""

    def __init__(self, template: Template, run: str) -> None:
        self._template = template
        self._run = run
        payloads = [[(e, json.dumps(e.event.model_dump(mode="json"))) for e in append] for append in template.appends]
        self._payloads = payloads
        found = {str(e.stream_id) for a in template.appends for e in a}
        found |= {m for a in payloads for _, text in a for m in _UUID.findall(text)}
        self._uuids = sorted(found)

    def unit(self, i: int) -> list[list[NewEvent]]:
        """The appends of unit ``i`` (one list per original command), ready for ``store.append``."""
        tag = f"{self._run}{i:08d}"
        swaps = {SERIAL: f"S{tag}", DEALER: f"D{self._run}{i % 50:03d}", RO: f"RO{tag}", CLAIM: f"C{tag}"}
        swaps |= {old: str(uuid.uuid4()) for old in self._uuids}
        pattern = re.compile("|".join(re.escape(k) for k in swaps))
        appends = []
        for append in self._payloads:
            out = []
            for recorded, text in append:
                payload = json.loads(pattern.sub(lambda m: swaps[m.group(0)], text))
                event = type(recorded.event).model_validate(payload)
                stream = uuid.UUID(swaps[str(recorded.stream_id)])
                out.append(NewEvent(stream, recorded.version, event, recorded.metadata))
            appends.append(out)
        return appends


def write_history(store: EventStore, events: int, *, run: str = "", batch: int = 500) -> int:
    """Append at least ``events`` events (whole units), ``batch`` or so per append; the head position."""
    template = make_template()
    cloner = Cloner(template, run or uuid.uuid4().hex[:6].upper())
    units = -(-events // template.events_per_unit)
    pending: list[NewEvent] = []
    head = store.head_position()
    for i in range(units):
        for append in cloner.unit(i):
            pending += append
        if len(pending) >= batch:
            head = store.append(pending)
            pending = []
    if pending:
        head = store.append(pending)
    return head


def unit_appends(run: str = "") -> Iterator[Sequence[NewEvent]]:
    """An endless stream of appends, one per original command, unit after unit (for a steady writer)."""
    cloner = Cloner(make_template(), run or uuid.uuid4().hex[:6].upper())
    i = 0
    while True:
        yield from cloner.unit(i)
        i += 1
