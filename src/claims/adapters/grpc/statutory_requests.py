"""Statutory-case requests → domain commands (and the queries' fields, validated)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, cast
from uuid import UUID

from google.protobuf.timestamp_pb2 import Timestamp
from pydantic import AfterValidator

from claims.adapters.grpc.mapping import build, distance_fields, enum_name, has, money_fields, present, timestamp_value
from claims.api.v1 import statutory_pb2 as pb
from claims.domain.base import Frozen
from claims.domain.errors import FieldViolation, InvalidCommandError
from claims.domain.ids import claim_id_for, repair_order_id_for, statutory_case_id_for, vehicle_id_for
from claims.domain.statutory.commitments import COMMITMENTS
from claims.domain.statutory_case.commands import (
    AnswerRemedy,
    CaseRef,
    DeliverRemedy,
    RecordDirectNotice,
    ReevaluateCase,
    RequestRemedy,
)
from claims.domain.values import Reference
from claims.domain.vehicle.commands import Identifier
from claims.projections.commitment_queries import ClockFilter, LedgerFilter
from claims.projections.commitments import ClockStatus


class WhatIfQuery(CaseRef):
    """A vehicle and the pack version to evaluate its history under."""

    pack_id: Reference
    pack_version: Reference


def vin(value: str) -> str:
    """The VIN (or serial number) a query names."""
    return build(CaseRef, present({"vin": value})).vin


def what_if_query(request: pb.WhatIfRequest) -> WhatIfQuery:
    fields = {"vin": request.vin, "pack_id": request.pack_id, "pack_version": request.pack_version}
    return build(WhatIfQuery, present(fields))


def _ref(request: Any) -> dict[str, Any]:
    return {"vin": request.vin}


def record_direct_notice(request: pb.RecordDirectNoticeRequest) -> RecordDirectNotice:
    return build(RecordDirectNotice, present(_ref(request) | {"notified_on": request.notified_on}))


def reevaluate_case(request: pb.ReevaluateCaseRequest) -> ReevaluateCase:
    return build(ReevaluateCase, present(_ref(request)))


def request_remedy(request: pb.RequestRemedyRequest) -> RequestRemedy:
    fields = _ref(request) | {
        "remedy": enum_name(request.remedy, pb.CaseRemedy, "CASE_REMEDY_"),
        "requested_at": timestamp_value(request.requested_at, has(request, "requested_at")),
    }
    return build(RequestRemedy, present(fields))


def answer_remedy(request: pb.AnswerRemedyRequest) -> AnswerRemedy:
    fields = _ref(request) | {
        "accepted": request.accepted,
        "reason": request.reason,
        "answered_at": timestamp_value(request.answered_at, has(request, "answered_at")),
    }
    return build(AnswerRemedy, present(fields))


def deliver_remedy(request: pb.DeliverRemedyRequest) -> DeliverRemedy:
    fields = _ref(request) | {
        "delivered_on": request.delivered_on,
        "odometer": distance_fields(request.odometer, has(request, "odometer")),
        "replacement_vin": request.replacement_vin,
        "agreed_reduction": money_fields(request.agreed_reduction, has(request, "agreed_reduction")),
    }
    return build(DeliverRemedy, present(fields))


# --- commitments and compensation: list filters, validated ---------------------------------------

# The proto's subject kinds → the read model's.
SUBJECT_KINDS = {
    "CLAIM": "claim",
    "REPAIR_ORDER": "repair_order",
    "STATUTORY_CASE": "statutory_case",
    "VEHICLE": "vehicle",
}
# The natural key that names a subject of each kind (with dealer_id for a claim or a repair order).
_KEY_OF_KIND = {"CLAIM": "claim_number", "REPAIR_ORDER": "ro_number", "STATUTORY_CASE": "vin", "VEHICLE": "vin"}
_KIND_OF_KEY = {"claim_number": "CLAIM", "ro_number": "REPAIR_ORDER", "vin": "VEHICLE"}
_KIND_NAMES = {kind: name.replace("_", " ") for kind, name in SUBJECT_KINDS.items()}


def _known_commitment(code: str) -> str:
    known = sorted(c.code for c in COMMITMENTS)
    if code not in known:
        raise ValueError(f"no commitment {code!r}; one of {', '.join(known)}")
    return code


class _ListKeys(Frozen):
    """The identifying fields of the list requests, each checked as the commands check it."""

    subject_id: UUID | None = None
    dealer_id: Reference | None = None
    claim_number: Reference | None = None
    ro_number: Reference | None = None
    vin: Identifier | None = None
    commitment_code: Annotated[str, AfterValidator(_known_commitment)] | None = None


@dataclass(frozen=True)
class SubjectRef:
    """The one subject a query names: its read-model kind and id, and how to say it is not there."""

    kind: str
    subject_id: UUID
    missing: str
    metadata: dict[str, str]


@dataclass(frozen=True)
class CommitmentQuery:
    """ListCommitments' filters, validated, the named subject resolved; ``token_filters`` binds a page token."""

    subject: SubjectRef | None
    filter: ClockFilter

    @property
    def token_filters(self) -> dict[str, str]:
        f, s = self.filter, self.subject
        return {
            "k": "" if s is None else s.kind, "s": "" if s is None else str(s.subject_id), "d": f.dealer_id,
            "c": f.commitment_code, "t": "" if f.status is None else f.status.value,
            "a": "" if f.due_after is None else f.due_after.isoformat(),
            "b": "" if f.due_before is None else f.due_before.isoformat(),
        }  # fmt: skip


@dataclass(frozen=True)
class CompensationQuery:
    """ListCompensation's filters, validated; the vehicle a VIN names is the subject that must exist."""

    vehicle: SubjectRef | None
    filter: LedgerFilter

    @property
    def token_filters(self) -> dict[str, str]:
        f = self.filter
        return {"v": str(f.vehicle_id or ""), "d": f.dealer_id, "c": f.commitment_code}


def _vehicle(vin: str) -> SubjectRef:
    return SubjectRef("vehicle", vehicle_id_for(vin), f"no vehicle or product {vin} is registered", {"vin": vin})


def _subject_ref(kind: str, keys: _ListKeys) -> SubjectRef:
    """The subject named by a resolved kind and either its id or its natural key (already checked present)."""
    if keys.subject_id is not None:
        missing = f"no {_KIND_NAMES[kind]} {keys.subject_id}"
        return SubjectRef(SUBJECT_KINDS[kind], keys.subject_id, missing, {"subject_id": str(keys.subject_id)})
    dealer, vin = keys.dealer_id or "", keys.vin or ""
    if kind == "CLAIM":
        number = keys.claim_number or ""
        ref = {"dealer_id": dealer, "claim_number": number}
        return SubjectRef("claim", claim_id_for(dealer, number), f"dealer {dealer} has no claim {number}", ref)
    if kind == "REPAIR_ORDER":
        number = keys.ro_number or ""
        ref = {"dealer_id": dealer, "ro_number": number}
        missing = f"dealer {dealer} has no repair order {number}"
        return SubjectRef("repair_order", repair_order_id_for(dealer, number), missing, ref)
    if kind == "STATUTORY_CASE":
        missing = f"{vin} has no statutory case (no repair with statutory facts yet)"
        return SubjectRef("statutory_case", statutory_case_id_for(vehicle_id_for(vin)), missing, {"vin": vin})
    return _vehicle(vin)


def _resolve_subject(kind: str | None, keys: _ListKeys) -> tuple[str | None, list[FieldViolation]]:
    """Which kind of subject the request names (None: none), and what is wrong with how it names it."""
    given = [k for k in ("claim_number", "ro_number", "vin") if getattr(keys, k) is not None]
    if kind is None:
        if keys.subject_id is not None:
            return None, [FieldViolation("subject_kind", "required with subject_id")]
        if len(given) > 1:
            return None, [FieldViolation(k, f"names another subject than {given[0]}") for k in given[1:]]
        kind = _KIND_OF_KEY[given[0]] if given else None
        if kind is None:
            return None, []
    key, name = _KEY_OF_KIND[kind], _KIND_NAMES[kind]
    violations = [FieldViolation(k, f"does not name a {name} (its key is {key})") for k in given if k != key]
    named = key in given
    if keys.subject_id is not None and named:
        violations.append(FieldViolation(key, "name the subject by subject_id or by its natural key, not both"))
    elif keys.subject_id is None and not named:
        violations.append(FieldViolation("subject_id", f"name the {name}: by subject_id, or by its {key}"))
    if named and key in ("claim_number", "ro_number") and keys.dealer_id is None:
        violations.append(FieldViolation("dealer_id", f"required with {key}"))
    return kind, violations


def commitment_query(request: pb.ListCommitmentsRequest) -> CommitmentQuery:
    keys = build(_ListKeys, present({
        "subject_id": request.subject_id, "dealer_id": request.dealer_id, "claim_number": request.claim_number,
        "ro_number": request.ro_number, "vin": request.vin, "commitment_code": request.commitment_code,
    }))  # fmt: skip
    violations: list[FieldViolation] = []
    kind = enum_name(request.subject_kind, pb.CommitmentSubjectKind, "COMMITMENT_SUBJECT_KIND_")
    if kind is not None and kind not in SUBJECT_KINDS:
        violations.append(FieldViolation("subject_kind", f"{request.subject_kind} is not a CommitmentSubjectKind"))
        kind = None
    else:
        kind, wrong = _resolve_subject(kind, keys)
        violations += wrong
    status = enum_name(request.status, pb.ClockStatus, "CLOCK_STATUS_")
    if status is not None and status not in ClockStatus.__members__:
        violations.append(FieldViolation("status", f"{request.status} is not a ClockStatus"))
        status = None
    due_after = _instant(request.due_after, has(request, "due_after"), "due_after", violations)
    due_before = _instant(request.due_before, has(request, "due_before"), "due_before", violations)
    if due_after is not None and due_before is not None and due_before <= due_after:
        violations.append(FieldViolation("due_before", "after due_after"))
    if violations:
        raise InvalidCommandError(violations)
    subject = None if kind is None else _subject_ref(kind, keys)
    by_vehicle = subject is not None and subject.kind == "vehicle"
    clocks = ClockFilter(
        subject_id=None if subject is None or by_vehicle else subject.subject_id,
        vehicle_id=subject.subject_id if subject is not None and by_vehicle else None,
        dealer_id=keys.dealer_id or "",
        commitment_code=keys.commitment_code or "",
        status=None if status is None else ClockStatus(status),
        due_after=due_after,
        due_before=due_before,
    )
    return CommitmentQuery(subject, clocks)


def _instant(message: Timestamp, is_set: bool, name: str, violations: list[FieldViolation]) -> datetime | None:
    value = timestamp_value(message, is_set)
    if isinstance(value, str):
        violations.append(FieldViolation(name, value))
        return None
    return cast("datetime | None", value)


def compensation_query(request: pb.ListCompensationRequest) -> CompensationQuery:
    fields = {"vin": request.vin, "dealer_id": request.dealer_id, "commitment_code": request.commitment_code}
    keys = build(_ListKeys, present(fields))
    vehicle = None if keys.vin is None else _vehicle(keys.vin)
    ledger = LedgerFilter(
        vehicle_id=None if vehicle is None else vehicle.subject_id,
        dealer_id=keys.dealer_id or "",
        commitment_code=keys.commitment_code or "",
    )
    return CompensationQuery(vehicle, ledger)
