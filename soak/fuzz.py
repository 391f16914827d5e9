"""A descriptor-driven fuzzer for every RPC of the public API, over a real channel.

Requests are generated from the protobuf descriptors the server registers (so a new RPC is fuzzed the day it
is added), in five families:

- ``valid``: fields filled from pools of realistic values, biased to the identifiers of a seeded world (a
  registered vehicle, a closed repair order, a filed claim...) so that many calls reach the domain;
- ``boundary``: dates in year 1 and 9999 (and just outside), NaN/infinite/negative/huge decimals, mismatched
  currencies, integer extremes, unknown enum numbers, out-of-range timestamps, empty and 64 KiB strings;
- ``malformed``: the serialized bytes damaged (truncated, flipped, random), a known field sent with the wrong
  wire type, invalid UTF-8 in a string field, groups nested past the parser's depth limit;
- ``huge``: a 1 MiB string or a repeated field with thousands of elements;
- ``oversized``: a body over the server's receive limit (RESOURCE_EXHAUSTED expected).

Every case is sent as raw bytes (identity serializers) with a unique ``x-correlation-id``. The oracle:

- the status is never INTERNAL, UNKNOWN, UNAVAILABLE, UNIMPLEMENTED or DATA_LOSS (RESOURCE_EXHAUSTED only for
  an oversized body);
- a rejected mutation wrote nothing: its correlation id never appears in the log (checked by ``audit_log``),
  and, where the caller can read the log head between calls (one client), the head did not move;
- the server keeps answering: health and a known read are checked by the caller as it sees fit.
"""

from __future__ import annotations

import random
import string
import uuid
import weakref
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import grpc
from google.protobuf import timestamp_pb2
from google.protobuf.descriptor import Descriptor, FieldDescriptor, MethodDescriptor
from google.protobuf.message import Message
from google.protobuf.message_factory import GetMessageClass

from claims.api.v1 import (
    audit_pb2,
    claims_pb2,
    contracts_pb2,
    preauthorizations_pb2,
    repair_orders_pb2,
    statutory_pb2,
    vehicles_pb2,
)

PROTO_MODULES = (
    vehicles_pb2,
    repair_orders_pb2,
    claims_pb2,
    preauthorizations_pb2,
    statutory_pb2,
    contracts_pb2,
    audit_pb2,
)
# Answers that mean the server failed, not the client: a fuzz case answered with one of these is a finding.
BAD_CODES = frozenset(
    {
        grpc.StatusCode.INTERNAL,
        grpc.StatusCode.UNKNOWN,
        grpc.StatusCode.UNAVAILABLE,
        grpc.StatusCode.UNIMPLEMENTED,
        grpc.StatusCode.DATA_LOSS,
    }
)
FAMILIES = ("valid", "near_valid", "boundary", "malformed", "huge", "oversized")
FAMILY_WEIGHTS = (25, 20, 25, 22, 7, 1)
CORRELATION_PREFIX = "fuzz-"

# Timestamp seconds: year 1, year 9999, and just outside what a Timestamp may hold.
YEAR_1 = -62_135_596_800
YEAR_9999_END = 253_402_300_799


def all_methods() -> list[MethodDescriptor]:
    """Every RPC of every service in the public API, in a stable order."""
    methods: list[MethodDescriptor] = []
    for module in PROTO_MODULES:
        for service in module.DESCRIPTOR.services_by_name.values():
            methods.extend(service.methods)
    return methods


def method_path(method: MethodDescriptor) -> str:
    return f"/{method.containing_service.full_name}/{method.name}"


def is_mutation(method: MethodDescriptor) -> bool:
    """Mutations carry a request id (and so write events when accepted)."""
    return "request_id" in method.input_type.fields_by_name


def is_stream(method: MethodDescriptor) -> bool:
    return bool(method.server_streaming)


@dataclass(frozen=True)
class World:
    """Identifiers the seeded store knows: generated requests name them often, so they reach the domain."""

    vins: tuple[str, ...] = ("1M8GDM9AXKP042788", "LSVNV2187E2100001")
    dealers: tuple[str, ...] = ("D042", "D-CN-1")
    repair_orders: tuple[str, ...] = ("RO-1001",)
    claims: tuple[str, ...] = ("C-1001",)
    preauths: tuple[str, ...] = ("PA-1001",)
    contracts: tuple[str, ...] = ("SC-1001",)
    insurers: tuple[str, ...] = ("INS-1",)
    parts: tuple[str, ...] = ("12638824",)


@dataclass(frozen=True)
class Case:
    """One request to send: which RPC, the raw body, and how it was made."""

    number: int
    method: MethodDescriptor
    family: str
    body: bytes
    # Over the server's receive limit: the one case where RESOURCE_EXHAUSTED is the right answer.
    oversized: bool = False
    # Tells apart the cases of factories that number theirs alike.
    tag: str = ""

    @property
    def path(self) -> str:
        return method_path(self.method)

    @property
    def correlation_id(self) -> str:
        return f"{CORRELATION_PREFIX}{self.tag}{self.number}"


@dataclass(frozen=True)
class Outcome:
    case: Case
    code: grpc.StatusCode
    detail: str

    @property
    def accepted(self) -> bool:
        return self.code == grpc.StatusCode.OK


# --- value pools -------------------------------------------------------------------------------------------------

VALID_DATES = ("2025-01-10", "2025-01-12", "2026-03-02", "2026-10-23", "2026-11-18", "2026-11-23", "2026-12-31")
BOUNDARY_DATES = (
    "0001-01-01", "9999-12-31", "0000-01-01", "10000-01-01", "-0001-01-01", "2026-02-30", "2026-13-01",
    "2026-00-10", "20260101", "2026-1-1", "2026-11-23T00:00:00Z", "yesterday", "", " 2026-11-23",
)  # fmt: skip
VALID_DECIMALS = ("0", "1", "2.5", "12", "185.00", "462.50", "5000", "15104", "36000", "40000.00", "120.25")
BOUNDARY_DECIMALS = (
    "NaN", "nan", "-NaN", "sNaN", "Infinity", "-Infinity", "inf", "-inf", "1e309", "-1e309", "1E+999999999",
    "1e-999999999", "-1", "-0.01", "-0", "0.000000000000000000001", "99999999999999999999999999999999999.99",
    "1,5", " 1 ", "1_000", "0x10", "", "-", ".", "1e", "١٢٣",
)  # fmt: skip
VALID_CURRENCIES = ("USD", "CNY", "EUR")
BOUNDARY_CURRENCIES = ("usd", "XXX", "", "US", "USDD", "€", "GBP", "JPY")
JURISDICTIONS = ("US-CA", "US-TX", "US-NY", "CN", "EU-DE", "DE", "ZZ", "", "us-ca")
INT_BOUNDS = {
    FieldDescriptor.TYPE_INT32: (-(2**31), 2**31 - 1),
    FieldDescriptor.TYPE_SINT32: (-(2**31), 2**31 - 1),
    FieldDescriptor.TYPE_SFIXED32: (-(2**31), 2**31 - 1),
    FieldDescriptor.TYPE_INT64: (-(2**63), 2**63 - 1),
    FieldDescriptor.TYPE_SINT64: (-(2**63), 2**63 - 1),
    FieldDescriptor.TYPE_SFIXED64: (-(2**63), 2**63 - 1),
    FieldDescriptor.TYPE_UINT32: (0, 2**32 - 1),
    FieldDescriptor.TYPE_FIXED32: (0, 2**32 - 1),
    FieldDescriptor.TYPE_UINT64: (0, 2**64 - 1),
    FieldDescriptor.TYPE_FIXED64: (0, 2**64 - 1),
}
WIRE_VARINT, WIRE_I64, WIRE_LEN, WIRE_SGROUP, WIRE_EGROUP, WIRE_I32 = 0, 1, 2, 3, 4, 5


def _varint(value: int) -> bytes:
    value &= (1 << 64) - 1
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _tag(number: int, wire: int) -> bytes:
    return _varint((number << 3) | wire)


def _len_field(number: int, payload: bytes) -> bytes:
    return _tag(number, WIRE_LEN) + _varint(len(payload)) + payload


class RequestFactory:
    """Makes fuzz cases for RPCs from their descriptors; deterministic for a seed."""

    def __init__(
        self,
        seed: int,
        world: World | None = None,
        *,
        max_message_bytes: int = 4 * 1024 * 1024,
        weights: tuple[float, ...] = FAMILY_WEIGHTS,
        tag: str = "",
        templates: Mapping[str, Callable[[], Message]] | None = None,
    ) -> None:
        self.rng = random.Random(seed)
        self.tag = tag
        self.templates = templates or {}
        self.world = world or World()
        self.max_message_bytes = max_message_bytes
        self.weights = weights
        self._numbers = 0

    # -- cases --

    def case(self, method: MethodDescriptor, family: str | None = None) -> Case:
        family = family or self.rng.choices(FAMILIES, self.weights)[0]
        self._numbers += 1
        body = getattr(self, f"_{family}")(method.input_type)
        oversized = len(body) > self.max_message_bytes
        return Case(self._numbers, method, family, body, oversized=oversized, tag=self.tag)

    def cases(self, method: MethodDescriptor, count: int) -> Iterator[Case]:
        for _ in range(count):
            yield self.case(method)

    def _valid(self, descriptor: Descriptor) -> bytes:
        return self.message(descriptor, boundary=False).SerializeToString()

    def _near_valid(self, descriptor: Descriptor) -> bytes:
        """A valid request (from the world's templates) with one to three fields damaged or cleared."""
        template = self.templates.get(descriptor.full_name)
        if template is None:
            return self._boundary(descriptor)
        message = template()
        for _ in range(self.rng.randint(1, 3)):
            self._damage(message, depth=0)
        return message.SerializeToString()

    def _damage(self, message: Message, depth: int) -> None:
        present = [f for f, _ in message.ListFields()]
        if not present:
            return
        target = self.rng.choice(present)
        if _is_map(target):
            return
        if target.type == FieldDescriptor.TYPE_MESSAGE and depth < 4 and self.rng.random() < 0.7:
            if target.is_repeated:
                values = getattr(message, target.name)
                if self.rng.random() < 0.2:
                    values.add().CopyFrom(values[0])  # a repeated element twice
                    return
                self._damage(self.rng.choice(values), depth + 1)
                return
            if target.message_type.full_name != "google.protobuf.Timestamp":
                self._damage(getattr(message, target.name), depth + 1)
                return
        if self.rng.random() < 0.15:
            message.ClearField(target.name)
            return
        if target.is_repeated:
            message.ClearField(target.name)
        self._set(message, target, boundary=True, depth=depth + 1)

    def _boundary(self, descriptor: Descriptor) -> bytes:
        return self.message(descriptor, boundary=True).SerializeToString()

    def _huge(self, descriptor: Descriptor) -> bytes:
        message = self.message(descriptor, boundary=self.rng.random() < 0.5)
        strings = [f for f in descriptor.fields if f.type == FieldDescriptor.TYPE_STRING and not f.is_repeated]
        repeated = [f for f in descriptor.fields if f.is_repeated and not _is_map(f)]
        if repeated and (not strings or self.rng.random() < 0.5):
            target = self.rng.choice(repeated)
            element = self._value(target, boundary=False, depth=1)
            count = self.rng.choice((1_000, 5_000, 20_000))
            # One element's encoding, repeated: on the wire, a repeated field's elements may follow the rest of the
            # message, one record each (packed ones in several runs), so this parses as the message with ``count``
            # more elements, at a fraction of the client's time that adding them one by one took.
            one = GetMessageClass(descriptor)()
            if target.type == FieldDescriptor.TYPE_MESSAGE:
                getattr(one, target.name).add().CopyFrom(element)
            else:
                getattr(one, target.name).append(element)
            return message.SerializeToString() + one.SerializeToString() * count
        elif strings:
            target = self.rng.choice(strings)
            text = self.rng.choice(("x", "三", "\u0000")) * self.rng.choice((65_536, 1 << 20))
            # The field once more, last: a parser keeps the last value of a singular field, as if it had been set.
            return message.SerializeToString() + _len_field(target.number, text.encode())
        return message.SerializeToString()

    def _oversized(self, descriptor: Descriptor) -> bytes:
        # An unknown length-delimited field past the receive limit: the server must refuse it unread.
        return self._valid(descriptor) + _len_field(9_999, b"\0" * (self.max_message_bytes + 1024))

    def _malformed(self, descriptor: Descriptor) -> bytes:
        base = bytearray(self._valid(descriptor))
        how = self.rng.randrange(8)
        if how == 0 and base:  # truncated
            return bytes(base[: self.rng.randrange(len(base))])
        if how == 1 and base:  # bytes flipped
            for _ in range(self.rng.randint(1, 8)):
                base[self.rng.randrange(len(base))] = self.rng.randrange(256)
            return bytes(base)
        if how == 2:  # noise
            return self.rng.randbytes(self.rng.randint(1, 256))
        if how == 3 and descriptor.fields:  # a known field with the wrong wire type
            target = self.rng.choice(descriptor.fields)
            wire = self.rng.choice((WIRE_VARINT, WIRE_I64, WIRE_LEN, WIRE_I32))
            payload = {
                WIRE_VARINT: _varint(self.rng.getrandbits(64)),
                WIRE_I64: self.rng.randbytes(8),
                WIRE_LEN: _varint(5) + b"\x08\x96\x01\xff\xff",
                WIRE_I32: self.rng.randbytes(4),
            }[wire]
            return bytes(base) + _tag(target.number, wire) + payload
        if how == 4:  # invalid UTF-8 in a string field (top level or one level down)
            return self._bad_utf8(descriptor, bytes(base))
        if how == 5:  # groups nested past any parser's depth limit
            depth = self.rng.choice((101, 200, 5_000))
            return bytes(base) + _tag(9_998, WIRE_SGROUP) * depth + _tag(9_998, WIRE_EGROUP) * depth
        if how == 6:  # a length prefix longer than the body
            return bytes(base) + _tag(1, WIRE_LEN) + _varint(1 << 30) + b"abc"
        # a varint that never ends
        return bytes(base) + _tag(1, WIRE_VARINT) + b"\xff" * self.rng.randint(10, 40)

    def _bad_utf8(self, descriptor: Descriptor, base: bytes) -> bytes:
        invalid = self.rng.choice((b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"ok\x80"))
        strings = [f for f in descriptor.fields if f.type == FieldDescriptor.TYPE_STRING]
        if strings:
            return base + _len_field(self.rng.choice(strings).number, invalid)
        nested = [f for f in descriptor.fields if f.type == FieldDescriptor.TYPE_MESSAGE]
        for outer in self.rng.sample(nested, len(nested)):
            inner = [f for f in outer.message_type.fields if f.type == FieldDescriptor.TYPE_STRING]
            if inner:
                return base + _len_field(outer.number, _len_field(self.rng.choice(inner).number, invalid))
        return base + invalid

    # -- messages --

    def message(self, descriptor: Descriptor, *, boundary: bool, depth: int = 0) -> Message:
        """A message of ``descriptor`` with fields set from the pools (deterministic for the factory's seed)."""
        message = GetMessageClass(descriptor)()
        fill = 0.9 if depth == 0 else 0.8
        for f in descriptor.fields:
            if f.containing_oneof is not None and self.rng.random() < 0.5:
                continue
            if self.rng.random() > fill:
                continue
            self._set(message, f, boundary=boundary, depth=depth)
        return message

    def _set(self, message: Message, f: FieldDescriptor, *, boundary: bool, depth: int) -> None:
        if _is_map(f):
            target = getattr(message, f.name)
            key_field, value_field = f.message_type.fields_by_name["key"], f.message_type.fields_by_name["value"]
            for _ in range(self.rng.randint(0, 3)):
                key = self._value(key_field, boundary=boundary, depth=depth + 1)
                value = self._value(value_field, boundary=boundary, depth=depth + 1)
                if value_field.type == FieldDescriptor.TYPE_MESSAGE:
                    target[key].CopyFrom(value)
                else:
                    target[key] = value
            return
        if f.is_repeated:
            values = getattr(message, f.name)
            for _ in range(self.rng.choice((0, 1, 1, 2, 3))):
                value = self._value(f, boundary=boundary, depth=depth + 1)
                if f.type == FieldDescriptor.TYPE_MESSAGE:
                    values.add().CopyFrom(value)
                else:
                    values.append(value)
            return
        value = self._value(f, boundary=boundary, depth=depth + 1)
        if f.type == FieldDescriptor.TYPE_MESSAGE:
            getattr(message, f.name).CopyFrom(value)
        else:
            setattr(message, f.name, value)

    def _value(self, f: FieldDescriptor, *, boundary: bool, depth: int) -> Any:
        rng = self.rng
        edge = boundary and rng.random() < 0.6
        if f.type == FieldDescriptor.TYPE_MESSAGE:
            if f.message_type.full_name == "google.protobuf.Timestamp":
                return self._timestamp(edge)
            if depth > 6:
                return GetMessageClass(f.message_type)()
            return self.message(f.message_type, boundary=boundary, depth=depth)
        if f.type == FieldDescriptor.TYPE_STRING:
            return self._string(f.name, edge)
        if f.type == FieldDescriptor.TYPE_BYTES:
            return rng.randbytes(rng.choice((0, 1, 16, 64)))
        if f.type == FieldDescriptor.TYPE_BOOL:
            return rng.random() < 0.5
        if f.type == FieldDescriptor.TYPE_ENUM:
            numbers = [v.number for v in f.enum_type.values]
            if edge and rng.random() < 0.5:
                return rng.choice((-1, 999, 2**31 - 1, -(2**31)))
            return rng.choice(numbers)
        if f.type in (FieldDescriptor.TYPE_DOUBLE, FieldDescriptor.TYPE_FLOAT):
            pool = (float("nan"), float("inf"), float("-inf"), -0.0, 1e308, -1.0) if edge else (0.0, 1.0, 2.5)
            return rng.choice(pool)
        low, high = INT_BOUNDS[f.type]
        if edge:
            return rng.choice([v for v in (low, high, -1, 0, 1, high - 1, low + 1, 2**31, 10**9) if low <= v <= high])
        return self._small_int(f.name, low)

    def _small_int(self, name: str, low: int) -> int:
        rng = self.rng
        if "version" in name:
            return rng.choice((0, 1, 2, 3, 4, 5, 8))
        if "position" in name:
            return rng.choice((0, 0, 1, 5, 20))
        if "page_size" in name:
            return rng.choice((0, 1, 10, 100))
        if "year" in name:
            return rng.choice((2024, 2025, 2026))
        if "months" in name:
            return rng.choice((12, 24, 36))
        return rng.choice((0, 1, 1, 2, 3)) if low < 0 or rng.random() < 0.9 else 0

    def _timestamp(self, edge: bool) -> timestamp_pb2.Timestamp:
        rng = self.rng
        if edge:
            seconds = rng.choice(
                (YEAR_1, YEAR_9999_END, YEAR_1 - 1, YEAR_9999_END + 1, 0, -1, 2**62, -(2**62), 2**63 - 1, -(2**63))
            )
            nanos = rng.choice((0, 999_999_999, -1, 1_000_000_000, 2**31 - 1, -(2**31)))
            return timestamp_pb2.Timestamp(seconds=seconds, nanos=nanos)
        base = 1_795_000_000  # 2026-11-18
        return timestamp_pb2.Timestamp(seconds=base + rng.randint(-400, 10) * 86_400 + rng.randint(0, 86_399))

    def _string(self, name: str, edge: bool) -> str:
        rng, world = self.rng, self.world
        if name == "request_id":
            if edge:
                return rng.choice(("", " ", "x" * 129, "a b", "\u0000", "三包", "fuzz-replay"))
            return "fuzz-replay" if rng.random() < 0.05 else str(uuid.UUID(int=rng.getrandbits(128)))
        if edge and rng.random() < 0.35:
            return rng.choice(("", " ", "\u0000", "x" * 65_536, "三包" * 40, "\U0001f697", "'; DROP TABLE x; --"))
        lowered = name.lower()
        pool: tuple[str, ...]
        if "currency" in lowered:
            pool = BOUNDARY_CURRENCIES if edge else VALID_CURRENCIES
        elif lowered.endswith(("date", "_on", "_until", "_from", "_to")) or "date" in lowered:
            pool = BOUNDARY_DATES if edge else VALID_DATES
        elif any(w in lowered for w in ("amount", "value", "hours", "rate", "price", "limit", "distance", "fee")):
            pool = BOUNDARY_DECIMALS if edge else VALID_DECIMALS
        elif lowered in ("vin", "identifier") or lowered.endswith("_vin"):
            pool = world.vins + (("1M8GDM9AXKP04278", "1m8gdm9axkp042788", "IIIIIIIIIIIIIIIII") if edge else ())
        elif "dealer" in lowered:
            pool = world.dealers
        elif "ro_number" in lowered or "repair_order" in lowered:
            pool = world.repair_orders
        elif "claim_number" in lowered:
            pool = world.claims
        elif "preauth" in lowered:
            pool = world.preauths
        elif "contract" in lowered:
            pool = world.contracts
        elif "insurer" in lowered:
            pool = world.insurers
        elif "part_number" in lowered:
            pool = world.parts
        elif "jurisdiction" in lowered:
            pool = JURISDICTIONS
        elif "pack" in lowered:
            pool = ("CN-2022", "CN-2013", "US-CA", "EU-2019/771", "NOPE")
        elif "page_token" in lowered:
            pool = ("", "abc", "MTA=", "-1", "99999999999999999999")
        elif "stream_id" in lowered or lowered.endswith("_id"):
            pool = (str(uuid.UUID(int=rng.getrandbits(128))), "not-a-uuid", "D042", "desk-7", "INS-1")
        elif "event_type" in lowered or "topic" in lowered:
            pool = ("claims.claim.ClaimDecided", "claims.vehicle.VehicleRegistered", "nope")
        else:
            pool = ("", "desk-7", "CUST-1", "engine misfires", "P0300", "ENG001", "三包")
        value = rng.choice(pool)
        if edge and rng.random() < 0.2:
            value = value + rng.choice(string.printable)
        return value


def _is_map(f: FieldDescriptor) -> bool:
    return (
        f.type == FieldDescriptor.TYPE_MESSAGE and f.is_repeated and f.message_type.GetOptions().map_entry  # type: ignore[attr-defined]
    )


# --- sending and judging --------------------------------------------------------------------------------------------


@dataclass
class Tally:
    """What the fuzzer tried and what it found."""

    cases: Counter[str] = field(default_factory=Counter)
    codes: Counter[tuple[str, str]] = field(default_factory=Counter)
    families: Counter[str] = field(default_factory=Counter)
    accepted_mutations: int = 0
    rejected_mutations: set[str] = field(default_factory=set)
    findings: list[str] = field(default_factory=list)

    def merge(self, other: Tally) -> None:
        self.cases.update(other.cases)
        self.codes.update(other.codes)
        self.families.update(other.families)
        self.accepted_mutations += other.accepted_mutations
        self.rejected_mutations |= other.rejected_mutations
        self.findings.extend(other.findings)

    @property
    def total(self) -> int:
        return sum(self.cases.values())


_CALLABLES: weakref.WeakKeyDictionary[grpc.Channel, dict[str, Any]] = weakref.WeakKeyDictionary()


def _callable(channel: grpc.Channel, path: str, make: Callable[[str], Any]) -> Any:
    """The channel's multi-callable for ``path``, made once: grpc builds one at some cost (a fuzzing client spent
    3% of its time making a fresh one per case)."""
    made = _CALLABLES.setdefault(channel, {})
    found = made.get(path)
    if found is None:
        found = made[path] = make(path)
    return found


def send(
    channel: grpc.Channel, case: Case, *, timeout: float = 5.0, stream_timeout: float = 0.05, wait_timeout: float = 0.3
) -> Outcome:
    """Send ``case`` as raw bytes; a stream is read for a few messages, then cancelled.

    Streams (which follow the log) and reads that wait for a position get short deadlines, so that a case that
    waits costs little; an oversized body gets the full ``timeout`` (sending it takes a moment).
    """
    metadata = (("x-correlation-id", case.correlation_id), ("x-claims-actor", "fuzzer"))
    if case.oversized:
        stream_timeout = wait_timeout = timeout
    if is_stream(case.method):
        stream = _callable(channel, case.path, channel.unary_stream)
        call = stream(case.body, timeout=stream_timeout, metadata=metadata)
        try:
            for received, _ in enumerate(call):
                if received >= 3:
                    call.cancel()
                    return Outcome(case, grpc.StatusCode.OK, "stream answered")
        except grpc.RpcError as error:
            return Outcome(case, error.code(), error.details() or "")  # type: ignore[attr-defined]
        return Outcome(case, grpc.StatusCode.OK, "stream ended")
    unary = _callable(channel, case.path, channel.unary_unary)
    if "min_position" in case.method.input_type.fields_by_name:
        timeout = min(timeout, wait_timeout)  # a read waiting for a position never written ends at the deadline
    try:
        unary(case.body, timeout=timeout, metadata=metadata)
    except grpc.RpcError as error:
        return Outcome(case, error.code(), error.details() or "")  # type: ignore[attr-defined]
    return Outcome(case, grpc.StatusCode.OK, "")


def judge(outcome: Outcome, tally: Tally, head_before: int | None = None, head_after: int | None = None) -> None:
    """Count the outcome; note it as a finding when the server failed or a rejected mutation wrote."""
    case = outcome.case
    name = case.method.name
    tally.cases[name] += 1
    tally.families[case.family] += 1
    tally.codes[(name, outcome.code.name)] += 1
    code = outcome.code
    if case.oversized:
        bad = code != grpc.StatusCode.RESOURCE_EXHAUSTED
    elif code == grpc.StatusCode.DEADLINE_EXCEEDED:  # only a stream or a read waiting for a position may run out
        bad = not is_stream(case.method) and "min_position" not in case.method.input_type.fields_by_name
    else:
        bad = code in BAD_CODES or code == grpc.StatusCode.RESOURCE_EXHAUSTED
    if bad:
        tally.findings.append(f"{name} [{case.family} #{case.number}] answered {code.name}: {outcome.detail[:200]}")
    if is_mutation(case.method):
        if outcome.accepted:
            tally.accepted_mutations += 1
        else:
            tally.rejected_mutations.add(case.correlation_id)
            if head_before is not None and head_after is not None and head_after != head_before:
                tally.findings.append(
                    f"{name} [{case.family} #{case.number}] was refused ({code.name}) but the log head moved "
                    f"from {head_before} to {head_after}"
                )


def fuzz_serially(
    channel: grpc.Channel,
    methods: Iterable[MethodDescriptor],
    per_method: int,
    seed: int,
    *,
    head: Callable[[], int] | None = None,
    bystander: Callable[[], None] | None = None,
    bystander_every: int = 50,
    world: World | None = None,
    max_message_bytes: int = 4 * 1024 * 1024,
    templates: Mapping[str, Callable[[], Message]] | None = None,
) -> Tally:
    """One client: every case judged, the log head read around each mutation, a bystander call every so often."""
    factory = RequestFactory(seed, world, max_message_bytes=max_message_bytes, tag=f"{seed}-", templates=templates)
    tally = Tally()
    for method in methods:
        mutation = is_mutation(method)
        for case in factory.cases(method, per_method):
            before = head() if head is not None and mutation else None
            outcome = send(channel, case)
            after = head() if head is not None and mutation else None
            judge(outcome, tally, before, after)
            if bystander is not None and tally.total % bystander_every == 0:
                bystander()
    return tally


def written_by(events: Iterable[Any], correlation_ids: set[str]) -> list[str]:
    """The rejected calls' correlation ids that nevertheless appear on stored events (must be none)."""
    return sorted({e.metadata.correlation_id for e in events if e.metadata.correlation_id in correlation_ids})


def read_log(read_all: Callable[[int, int], list[Any]], batch: int = 1_000) -> Iterator[Any]:
    """Every stored event, in order, through a store's ``read_all(after, limit)``."""
    after = 0
    while True:
        events = read_all(after, batch)
        if not events:
            return
        yield from events
        after = events[-1].position


def summary_lines(tally: Tally) -> list[str]:
    """The per-RPC table the soak prints."""
    lines = [f"{'rpc':<28} {'cases':>7}  answers"]
    for name, count in sorted(tally.cases.items()):
        answers = ", ".join(
            f"{code}={n}" for (rpc, code), n in sorted(tally.codes.items(), key=lambda kv: -kv[1]) if rpc == name
        )
        lines.append(f"{name:<28} {count:>7}  {answers}")
    return lines
