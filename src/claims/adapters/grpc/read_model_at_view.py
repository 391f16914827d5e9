"""GetReadModelAt: request → position → scratch copy of the read model there → the live List RPC's answer.

The nested request is read as its live RPC reads it (same validation, filters and paging); its violations are
named under the nested field (``claims.page_token``). Page tokens also bind the position, so a next page is
asked at the same position and a token from another position, or from the live list, is refused.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TypeVar

from claims.adapters.grpc import claim_requests, statutory_requests
from claims.adapters.grpc.claims_view import summary_to_proto
from claims.adapters.grpc.commitments_view import clocks_page, compensation_page
from claims.adapters.grpc.mapping import timestamp_value
from claims.adapters.grpc.paging import PageRequest
from claims.adapters.grpc.statutory_view import statutory_case_to_proto
from claims.api.v1 import audit_pb2 as pb
from claims.api.v1 import claims_pb2, statutory_pb2
from claims.application.ports import EventStore
from claims.application.read_at import RecordedMoments, resolve_position, statutory_case_at
from claims.domain.errors import FieldViolation, InvalidCommandError, NotFoundError
from claims.projections.as_of import Cancelled, ReadModelsAt
from claims.projections.claims import ClaimDirectory
from claims.projections.commitment_queries import CommitmentQueries

READ_MODEL_FIELDS = ("claims", "commitments", "compensation", "statutory_case")

T = TypeVar("T")


@contextmanager
def _nested(field: str) -> Iterator[None]:
    """Name a nested request's invalid fields under the field that holds it."""
    try:
        yield
    except InvalidCommandError as e:
        raise InvalidCommandError([FieldViolation(f"{field}.{v.field}", v.description) for v in e.violations]) from None


def _parse(field: str, parse: Callable[[], T]) -> T:
    with _nested(field):
        return parse()


def position_of(store: EventStore, request: pb.GetReadModelAtRequest, moments: RecordedMoments | None = None) -> int:
    """The position the request names (INVALID_ARGUMENT without one, OUT_OF_RANGE beyond the head)."""
    match request.WhichOneof("as_of"):
        case "position":
            return resolve_position(store, position=request.position, recorded_at=None)
        case "recorded_at":
            moment = timestamp_value(request.recorded_at, True)
            if not isinstance(moment, datetime):
                raise InvalidCommandError([FieldViolation("recorded_at", f"a valid timestamp, not {moment}")])
            return resolve_position(store, position=None, recorded_at=moment, moments=moments)
        case _:
            raise InvalidCommandError([FieldViolation("as_of", "a position or a recorded time: exactly one")])


def get_read_model_at(
    store: EventStore,
    read_models: ReadModelsAt,
    request: pb.GetReadModelAtRequest,
    cancelled: Cancelled | None = None,
) -> pb.GetReadModelAtResponse:
    chosen = request.WhichOneof("read_model")
    if chosen is None:
        why = f"name the read model: one of {', '.join(READ_MODEL_FIELDS)}"
        raise InvalidCommandError([FieldViolation("read_model", why)])
    position = position_of(store, request, read_models.moments)
    match chosen:
        case "claims":
            claims, replayed = _claims(read_models, cancelled, request.claims, position)
            return pb.GetReadModelAtResponse(position=position, claims=claims, events_replayed=replayed)
        case "commitments":
            clocks, replayed = _commitments(read_models, cancelled, request.commitments, position)
            return pb.GetReadModelAtResponse(position=position, commitments=clocks, events_replayed=replayed)
        case "compensation":
            ledger, replayed = _compensation(read_models, cancelled, request.compensation, position)
            return pb.GetReadModelAtResponse(position=position, compensation=ledger, events_replayed=replayed)
        case "statutory_case":
            vin = _parse("statutory_case", lambda: statutory_requests.vin(request.statutory_case.vin))
            case, version = statutory_case_at(store, vin, position)
            answer = statutory_pb2.GetStatutoryCaseResponse(statutory_case=statutory_case_to_proto(case, version))
            return pb.GetReadModelAtResponse(position=position, statutory_case=answer, events_replayed=0)
        case _:  # a field this server does not know of (a newer client)
            raise InvalidCommandError([FieldViolation("read_model", f"{chosen} is not a read model this server has")])


def _page(field: str, size: int, token: str, filters: dict[str, str], position: int) -> PageRequest:
    return _parse(field, lambda: PageRequest.parse(size, token, {**filters, "@": str(position)}))


def _claims(
    read_models: ReadModelsAt, cancelled: Cancelled | None, request: claims_pb2.ListClaimsRequest, position: int
) -> tuple[claims_pb2.ListClaimsResponse, int]:
    query = _parse("claims", lambda: claim_requests.claim_query(request))
    page = _page("claims", request.page_size, request.page_token, query.token_filters, position)
    copy = read_models.at("claims", position, cancelled)
    with _nested("claims"):
        rows = ClaimDirectory(copy.database).list(
            dealer_id=query.dealer_id, vin=query.vin, status=query.status, filed_from=query.filed_from,
            filed_to=query.filed_to, after=page.after, limit=page.size + 1,
        )  # fmt: skip
    answer = claims_pb2.ListClaimsResponse(
        claims=[summary_to_proto(r) for r in rows[: page.size]],
        next_page_token=page.next_token(rows[page.size - 1].cursor) if len(rows) > page.size else "",
        position=position,
    )
    return answer, copy.events_replayed


def _commitments(
    read_models: ReadModelsAt, cancelled: Cancelled | None, request: statutory_pb2.ListCommitmentsRequest, position: int
) -> tuple[statutory_pb2.ListCommitmentsResponse, int]:
    query = _parse("commitments", lambda: statutory_requests.commitment_query(request))
    page = _page("commitments", request.page_size, request.page_token, query.token_filters, position)
    copy = read_models.at("commitments", position, cancelled)
    reads = CommitmentQueries(copy.database)
    _known(reads, query.subject, position)
    with _nested("commitments"):
        rows = reads.clocks(query.filter, after=page.after, limit=page.size + 1)
    return clocks_page(rows, page, position), copy.events_replayed


def _compensation(
    read_models: ReadModelsAt,
    cancelled: Cancelled | None,
    request: statutory_pb2.ListCompensationRequest,
    position: int,
) -> tuple[statutory_pb2.ListCompensationResponse, int]:
    query = _parse("compensation", lambda: statutory_requests.compensation_query(request))
    page = _page("compensation", request.page_size, request.page_token, query.token_filters, position)
    copy = read_models.at("compensation", position, cancelled)
    reads = CommitmentQueries(copy.database)
    _known(reads, query.vehicle, position)
    with _nested("compensation"):
        entries = reads.compensation_entries(query.filter, after=page.after, limit=page.size + 1)
    return compensation_page(reads.compensation_balances(query.filter), entries, page, position), copy.events_replayed


def _known(reads: CommitmentQueries, subject: statutory_requests.SubjectRef | None, position: int) -> None:
    """NOT_FOUND, as the live list says it, for a subject the read model did not know at ``position``."""
    if subject is not None and reads.subject(subject.subject_id, subject.kind) is None:
        raise NotFoundError(
            f"{subject.missing} at position {position}", metadata={**subject.metadata, "position": str(position)}
        )
