"""ListCommitments and ListCompensation over a real channel: a US-CA claim's decision clock read right after the
filing, a CN repair's courtesy car in the ledger, a CN remedy answered late breached by the timer, paging and due
filters, and the refusals. The server runs on the tests' clock (2026-11-23T09:30Z); the timer is ticked in-process.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import grpc
import pytest
from google.protobuf import json_format

from claims.api.v1 import statutory_pb2 as pb
from claims.application.timers import CommitmentTimer, Fired
from claims.domain.ids import claim_id_for, statutory_case_id_for, vehicle_id_for
from claims.projections.commitments import CommitmentDirectory
from tests.builders import CN_VIN, VIN
from tests.conftest import FixedClock
from tests.e2e.conftest import Api, refused, rich_error
from tests.e2e.requests import CN_DEALER, file_claim_request, remedy_request, statutory_request
from tests.e2e.test_statutory_api import lemon_history, registered, repair

CA_DECISION = "US-CA-CLAIM-DECISION"
ANSWER = "CN-REPLACE-REFUND-ANSWER"
COURTESY, SELLER_48H = "CN-COURTESY-CAR", "SELLER-REPAIR-48H"
COURTESY_REPAIR_OPENED = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def moment(stamp: Any) -> datetime:
    return stamp.ToDatetime(tzinfo=UTC)  # type: ignore[no-any-return]


def clocks_request(**fields: Any) -> pb.ListCommitmentsRequest:
    return json_format.ParseDict(fields, pb.ListCommitmentsRequest())


def list_clocks(api: Api, **fields: Any) -> pb.ListCommitmentsResponse:
    fields.setdefault("min_position", api.head())
    return api.statutory.ListCommitments(clocks_request(**fields), timeout=5)  # type: ignore[no-any-return]


def ledger(api: Api, **fields: Any) -> pb.ListCompensationResponse:
    request = pb.ListCompensationRequest(min_position=api.head(), **fields)
    return api.statutory.ListCompensation(request, timeout=5)  # type: ignore[no-any-return]


def tick(api: Api) -> list[Fired]:
    """One tick of a timer on the server's store, at the server's clock (as the server's own timer ticks)."""
    database = api.engine.persistence.database
    assert database is not None
    return CommitmentTimer(api.engine.app, CommitmentDirectory(database)).tick()


def balances(balance_list: Any) -> list[tuple[str, str, str, str, int]]:
    return [(b.vin or b.dealer_id or b.commitment_code, b.owed.amount, b.paid.amount, b.outstanding.amount,
             b.entry_count) for b in balance_list]  # fmt: skip


@pytest.fixture
def courtesy_api(api: Api) -> Api:
    """The CN vehicle repaired once for 130 h (6 statutory days) three weeks before the clock: day 6 owes ¥300."""
    registered(api)
    repair(api, 1, COURTESY_REPAIR_OPENED, hours=130)
    return api


# --- a US-CA dealer claim ------------------------------------------------------------------------


def test_a_filed_california_claim_lists_its_open_decision_clock_due_on_the_30th_day(claims_api: Api) -> None:
    before = claims_api.head()
    filed = claims_api.claims.FileClaim(file_claim_request(), timeout=5).result
    named = {"subject_kind": "COMMITMENT_SUBJECT_KIND_CLAIM", "dealer_id": "D042", "claim_number": "C-1001"}
    answer = list_clocks(claims_api, min_position=filed.position, **named)  # read right after the write
    assert answer.position >= filed.position
    assert answer.next_page_token == ""
    (clock,) = answer.clocks
    assert (clock.commitment_code, clock.status, clock.consequence, clock.jurisdiction) == (
        CA_DECISION, pb.CLOCK_STATUS_OPEN, pb.BREACH_CONSEQUENCE_APPROVED, "US-CA",
    )  # fmt: skip
    assert (moment(clock.started_at), moment(clock.due_at)) == (
        at("2026-11-23T09:30:00Z"), datetime(2026, 12, 23, 23, 59, 59, 999999, tzinfo=UTC),  # the 30th day's end
    )  # fmt: skip
    assert (clock.description, clock.source) == (
        "decide a dealer warranty claim within 30 days or it is deemed approved", "Cal. Veh. Code 3065",
    )  # fmt: skip
    assert [clock.HasField(f) for f in ("stopped_at", "breached_at", "paused_since", "compensation")] == [False] * 4
    assert clock.paused.seconds == 0
    assert before < clock.position <= filed.position  # the filing's ClaimFiled started it
    subject = clock.subject
    assert (subject.kind, subject.subject_id, subject.reference, subject.dealer_id, subject.vin) == (
        pb.COMMITMENT_SUBJECT_KIND_CLAIM, filed.stream_id, "C-1001", "D042", VIN,
    )  # fmt: skip
    assert subject.vehicle_id == str(vehicle_id_for(VIN))
    # The same clock by the claim's id, by its key with the kind left out, and on its vehicle.
    for other in (
        {"subject_kind": "COMMITMENT_SUBJECT_KIND_CLAIM", "subject_id": filed.stream_id},
        {"dealer_id": "D042", "claim_number": "C-1001"},
        {"vin": VIN},
        {"subject_kind": "COMMITMENT_SUBJECT_KIND_VEHICLE", "subject_id": str(vehicle_id_for(VIN))},
        {"commitment_code": CA_DECISION, "status": "CLOCK_STATUS_OPEN", "due_after": "2026-12-23T00:00:00Z",
         "due_before": "2026-12-24T00:00:00Z"},
    ):  # fmt: skip
        assert list(list_clocks(claims_api, **other).clocks) == [clock], other
    payment = {"commitment_code": "US-CA-CLAIM-PAYMENT"}  # starts only on an approval
    nothing = ({"status": "CLOCK_STATUS_MET"}, {"due_before": "2026-12-23T23:59:59Z"}, payment)
    for none in nothing:
        assert list(list_clocks(claims_api, **(named | none)).clocks) == [], none


# --- the CN courtesy car and the compensation ledger ---------------------------------------------


def test_a_130_hour_cn_repair_owes_300_yuan_for_the_vehicle_and_the_dealer(courtesy_api: Api) -> None:
    answer = ledger(courtesy_api, vin=CN_VIN)
    assert balances(answer.by_vehicle) == [(CN_VIN, "300.00", "0.00", "300.00", 1)]
    assert balances(answer.by_dealer) == [(CN_DEALER, "300.00", "0.00", "300.00", 1)]
    assert balances(answer.by_commitment) == [(COURTESY, "300.00", "0.00", "300.00", 1)]
    assert [(t.owed.amount, t.owed.currency) for t in answer.totals] == [("300.00", "CNY")]
    assert answer.by_vehicle[0].vehicle_id == str(vehicle_id_for(CN_VIN))
    (entry,) = answer.entries
    assert (entry.commitment_code, entry.source, entry.dealer_id, entry.vin, entry.owed.amount) == (
        COURTESY, pb.COMPENSATION_SOURCE_COURTESY_CAR, CN_DEALER, CN_VIN, "300.00",
    )  # fmt: skip
    assert (entry.subject.kind, entry.subject.reference, entry.subject.subject_id) == (
        pb.COMMITMENT_SUBJECT_KIND_STATUTORY_CASE, CN_VIN, str(statutory_case_id_for(vehicle_id_for(CN_VIN))),
    )  # fmt: skip
    assert (moment(entry.owed_at), entry.explanation != "", answer.next_page_token) == (
        at("2026-11-23T09:30:00Z"), True, "",
    )  # fmt: skip
    assert ledger(courtesy_api, dealer_id=CN_DEALER).by_vehicle == answer.by_vehicle
    assert ledger(courtesy_api) == answer  # nothing else is owed anywhere
    nothing = ledger(courtesy_api, vin=CN_VIN, commitment_code=SELLER_48H)
    assert (list(nothing.totals), list(nothing.by_vehicle), list(nothing.entries)) == ([], [], [])


def test_the_repair_clocks_ran_late_and_the_timer_books_the_sellers_48_hour_promise(courtesy_api: Api) -> None:
    repair_order = {"subject_kind": "COMMITMENT_SUBJECT_KIND_REPAIR_ORDER", "dealer_id": CN_DEALER,
                    "ro_number": "RO-CN-1"}  # fmt: skip
    clocks = list_clocks(courtesy_api, **repair_order).clocks
    assert [(c.commitment_code, c.status, c.HasField("breached_at")) for c in clocks] == [
        (COURTESY, pb.CLOCK_STATUS_BREACHED, False), (SELLER_48H, pb.CLOCK_STATUS_BREACHED, False),
    ]  # stopped late, their consequences not recorded yet  # fmt: skip
    assert [moment(c.stopped_at) for c in clocks] == [at("2026-11-07T18:00:00Z")] * 2  # opened + 130 h
    assert [moment(c.due_at) for c in clocks] == [at("2026-11-07T08:00:00Z"), at("2026-11-04T08:00:00Z")]
    assert (clocks[1].consequence, clocks[1].compensation.amount, clocks[1].compensation.currency) == (
        pb.BREACH_CONSEQUENCE_COMPENSATION, "200.00", "CNY",
    )  # fmt: skip
    assert clocks[0].consequence == pb.BREACH_CONSEQUENCE_COURTESY_CAR_OWED

    assert sorted(f.clock.commitment_code for f in tick(courtesy_api)) == [COURTESY, SELLER_48H]
    assert tick(courtesy_api) == []
    breached = list_clocks(courtesy_api, **repair_order).clocks
    assert [moment(c.breached_at) for c in breached] == [at("2026-11-23T09:30:00Z")] * 2
    answer = ledger(courtesy_api, vin=CN_VIN)
    assert balances(answer.by_vehicle) == [(CN_VIN, "500.00", "0.00", "500.00", 2)]
    assert balances(answer.by_commitment) == [
        (COURTESY, "300.00", "0.00", "300.00", 1), (SELLER_48H, "200.00", "0.00", "200.00", 1),
    ]  # fmt: skip
    breach = next(e for e in answer.entries if e.commitment_code == SELLER_48H)
    assert (breach.source, breach.subject.kind, breach.subject.reference, breach.dealer_id) == (
        pb.COMPENSATION_SOURCE_BREACH, pb.COMMITMENT_SUBJECT_KIND_REPAIR_ORDER, "RO-CN-1", CN_DEALER,
    )  # fmt: skip


# --- a CN remedy answered late -------------------------------------------------------------------


def test_a_cn_remedy_answered_after_its_10_working_days_is_a_breached_clock(api: Api, clock: FixedClock) -> None:
    lemon_history(registered(api))
    requested = api.statutory.RequestRemedy(remedy_request("REFUND"), timeout=5).result  # Monday 08:00
    case = {"subject_kind": "COMMITMENT_SUBJECT_KIND_STATUTORY_CASE", "vin": CN_VIN}
    (open_clock,) = list_clocks(api, min_position=requested.position, commitment_code=ANSWER, **case).clocks
    assert (open_clock.status, moment(open_clock.due_at), open_clock.consequence) == (
        pb.CLOCK_STATUS_OPEN, datetime(2026, 12, 7, 23, 59, 59, 999999, tzinfo=UTC), pb.BREACH_CONSEQUENCE_OVERDUE,
    )  # fmt: skip
    assert (open_clock.subject.reference, open_clock.subject.dealer_id) == (CN_VIN, CN_DEALER)

    clock.now = at("2026-12-08T10:00:00Z")  # the answer is a day late
    assert ANSWER in {f.clock.commitment_code for f in tick(api)}
    answer = statutory_request(pb.AnswerRemedyRequest, accepted=True, reason="refund agreed",
                               answered_at="2026-12-08T10:00:00Z")  # fmt: skip
    answered = api.statutory.AnswerRemedy(answer, timeout=5).result
    late = list_clocks(api, min_position=answered.position, status="CLOCK_STATUS_BREACHED", **case).clocks
    assert [(c.commitment_code, c.status) for c in late] == [(ANSWER, pb.CLOCK_STATUS_BREACHED)]
    (late_clock,) = late
    assert (moment(late_clock.breached_at), moment(late_clock.stopped_at)) == (clock(), clock())
    assert requested.position < late_clock.position <= answered.position  # the answer stopped it
    still_open = list_clocks(api, status="CLOCK_STATUS_OPEN", **case).clocks
    assert [c.commitment_code for c in still_open] == ["CN-REPLACE-REFUND-COMPLETION"]


# --- paging and due filters ----------------------------------------------------------------------


def test_a_vehicles_clocks_page_in_start_order_and_filter_by_due_time(api: Api) -> None:
    lemon_history(registered(api))  # five repairs: a courtesy-car and a 48-hour clock each
    everything = list_clocks(api, vin=CN_VIN, page_size=100).clocks
    assert [c.commitment_code for c in everything] == [COURTESY, SELLER_48H] * 5
    assert [c.subject.reference for c in everything[::2]] == [f"RO-CN-{n}" for n in range(1, 6)]
    pages, token, seen = [], "", []
    while True:
        page = list_clocks(api, vin=CN_VIN, page_size=4, page_token=token)
        pages.append(len(page.clocks))
        seen += page.clocks
        token = page.next_page_token
        if not token:
            break
    assert (pages, seen) == ([4, 4, 2], list(everything))
    second = list_clocks(api, vin=CN_VIN, page_size=4).next_page_token
    assert list(list_clocks(api, vin=CN_VIN, page_size=4, page_token=second).clocks) == list(everything[4:8])
    # Due in July 2026: the second repair's two clocks (opened 2026-07-01 08:00).
    july = list_clocks(api, vin=CN_VIN, due_after="2026-07-01T00:00:00Z", due_before="2026-08-01T00:00:00Z").clocks
    assert [(c.commitment_code, c.subject.reference, moment(c.due_at)) for c in july] == [
        (COURTESY, "RO-CN-2", at("2026-07-06T08:00:00Z")), (SELLER_48H, "RO-CN-2", at("2026-07-03T08:00:00Z")),
    ]  # fmt: skip
    exactly = list_clocks(api, vin=CN_VIN, due_after="2026-07-03T08:00:00Z", due_before="2026-07-03T08:00:01Z")
    assert [c.commitment_code for c in exactly.clocks] == [SELLER_48H]  # due_after inclusive, due_before exclusive
    courtesy = list_clocks(api, commitment_code=COURTESY, dealer_id=CN_DEALER).clocks
    assert [c.subject.reference for c in courtesy] == [f"RO-CN-{n}" for n in range(1, 6)]


def test_a_page_token_belongs_to_the_filters_it_was_issued_for(api: Api) -> None:
    lemon_history(registered(api))
    token = list_clocks(api, vin=CN_VIN, page_size=2).next_page_token
    other = clocks_request(vin=CN_VIN, commitment_code=COURTESY, page_size=2, page_token=token)
    assert refused(api, api.statutory.ListCommitments, other).fields.keys() == {"page_token"}


# --- refusals ------------------------------------------------------------------------------------

CLAIM = "COMMITMENT_SUBJECT_KIND_CLAIM"
REPAIR_ORDER = "COMMITMENT_SUBJECT_KIND_REPAIR_ORDER"
SOME_ID = str(claim_id_for("D042", "C-1001"))


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"subject_kind": CLAIM, "claim_number": "C-1001"}, {"dealer_id"}),
        ({"subject_kind": CLAIM, "dealer_id": "D042"}, {"subject_id"}),
        ({"subject_kind": CLAIM, "subject_id": SOME_ID, "dealer_id": "D042", "claim_number": "C-1001"},
         {"claim_number"}),
        ({"subject_kind": REPAIR_ORDER, "dealer_id": "D042", "ro_number": "RO-1", "claim_number": "C-1"},
         {"claim_number"}),
        ({"subject_id": SOME_ID}, {"subject_kind"}),
        ({"subject_kind": CLAIM, "subject_id": "C-1001"}, {"subject_id"}),
        ({"subject_kind": 9, "vin": CN_VIN}, {"subject_kind"}),
        ({"dealer_id": "D042", "claim_number": "C-1001", "vin": CN_VIN}, {"vin"}),
        ({"dealer_id": "D 042"}, {"dealer_id"}),
        ({"commitment_code": "US-CA-CLAIM-DECISON"}, {"commitment_code"}),
        ({"status": 9}, {"status"}),
        ({"due_after": "2026-12-24T00:00:00Z", "due_before": "2026-12-23T00:00:00Z"}, {"due_before"}),
        ({"page_size": -1}, {"page_size"}),
        ({"page_token": "not-a-token"}, {"page_token"}),
    ],
    ids=[
        "claim number without dealer", "no claim named", "id and key", "claim key for a repair order",
        "id without kind", "id not a uuid", "unknown kind", "two subjects", "bad dealer", "unknown commitment",
        "unknown status", "due window inverted", "negative page size", "forged token",
    ],
)  # fmt: skip
def test_bad_commitment_filters_are_named(claims_api: Api, fields: dict[str, Any], named: set[str]) -> None:
    error = refused(claims_api, claims_api.statutory.ListCommitments, clocks_request(**fields))
    assert (error.code, set(error.fields)) == (grpc.StatusCode.INVALID_ARGUMENT, named)


def test_bad_compensation_filters_are_named(api: Api) -> None:
    for fields, named in (
        ({"commitment_code": "COURTESY"}, {"commitment_code"}),
        ({"dealer_id": "D/ 1", "vin": "x" * 65}, {"dealer_id", "vin"}),
        ({"page_token": "x.y"}, {"page_token"}),
    ):
        error = refused(api, api.statutory.ListCompensation, pb.ListCompensationRequest(**fields))
        assert (error.code, set(error.fields)) == (grpc.StatusCode.INVALID_ARGUMENT, named)


def test_an_unknown_claim_repair_order_case_or_vehicle_is_not_found(claims_api: Api) -> None:
    api = claims_api
    unknown = clocks_request(subject_kind=CLAIM, dealer_id="D042", claim_number="C-404")
    error = refused(api, api.statutory.ListCommitments, unknown)
    assert (error.code, error.reason, error.metadata) == (
        grpc.StatusCode.NOT_FOUND, "NOT_FOUND", {"dealer_id": "D042", "claim_number": "C-404"},
    )  # fmt: skip
    assert error.message == "dealer D042 has no claim C-404"
    filed = api.claims.FileClaim(file_claim_request(), timeout=5).result
    as_order = clocks_request(subject_kind=REPAIR_ORDER, subject_id=filed.stream_id)  # a claim's id, not an RO's
    assert refused(api, api.statutory.ListCommitments, as_order).code == grpc.StatusCode.NOT_FOUND
    no_case = clocks_request(subject_kind="COMMITMENT_SUBJECT_KIND_STATUTORY_CASE", vin=VIN)  # registered, no case
    error = refused(api, api.statutory.ListCommitments, no_case)
    assert (error.code, error.message) == (
        grpc.StatusCode.NOT_FOUND, f"{VIN} has no statutory case (no repair with statutory facts yet)",
    )  # fmt: skip
    for call, request in (
        (api.statutory.ListCommitments, clocks_request(vin=CN_VIN)),
        (api.statutory.ListCompensation, pb.ListCompensationRequest(vin=CN_VIN)),
    ):
        error = refused(api, call, request)
        assert (error.code, error.metadata) == (grpc.StatusCode.NOT_FOUND, {"vin": CN_VIN})
    # Without min_position, a subject just written is looked for again once the read model has caught up.
    api.claims.FileClaim(file_claim_request(claim_number="C-1002"), timeout=5)
    fresh = clocks_request(subject_kind=CLAIM, dealer_id="D042", claim_number="C-1002")
    assert [c.subject.reference for c in api.statutory.ListCommitments(fresh, timeout=5).clocks] == ["C-1002"]


def test_a_read_model_behind_min_position_is_deadline_exceeded(claims_api: Api) -> None:
    for call, request in (
        (claims_api.statutory.ListCommitments, pb.ListCommitmentsRequest(min_position=claims_api.head() + 100)),
        (claims_api.statutory.ListCompensation, pb.ListCompensationRequest(min_position=claims_api.head() + 100)),
    ):
        with pytest.raises(grpc.RpcError) as waited:
            call(request, timeout=0.5)
        assert (waited.value.code(), rich_error(waited.value).reason) == (
            grpc.StatusCode.DEADLINE_EXCEEDED, "READ_MODEL_BEHIND",
        )  # fmt: skip


@pytest.mark.postgres
def test_clocks_and_the_ledger_read_the_same_on_postgresql(pg_api: Api) -> None:
    registered(pg_api)
    closed = repair(pg_api, 1, COURTESY_REPAIR_OPENED, hours=130).result
    repair_order = {"subject_kind": REPAIR_ORDER, "dealer_id": CN_DEALER, "ro_number": "RO-CN-1"}
    first = list_clocks(pg_api, min_position=closed.position, page_size=1, **repair_order)
    rest = list_clocks(pg_api, page_size=1, page_token=first.next_page_token, **repair_order)
    assert [c.commitment_code for c in [*first.clocks, *rest.clocks]] == [COURTESY, SELLER_48H]
    assert rest.next_page_token == ""
    due = list_clocks(pg_api, vin=CN_VIN, due_after="2026-11-04T08:00:00Z", due_before="2026-11-04T08:00:01Z")
    assert [c.commitment_code for c in due.clocks] == [SELLER_48H]
    assert len(tick(pg_api)) == 2
    answer = ledger(pg_api, vin=CN_VIN, page_size=1)
    assert balances(answer.by_vehicle) == [(CN_VIN, "500.00", "0.00", "500.00", 2)]
    more = ledger(pg_api, vin=CN_VIN, page_size=1, page_token=answer.next_page_token)
    assert sorted(e.owed.amount for e in [*answer.entries, *more.entries]) == ["200.00", "300.00"]
    assert more.next_page_token == ""
    unknown = clocks_request(subject_kind=CLAIM, dealer_id=CN_DEALER, claim_number="C-404")
    assert refused(pg_api, pg_api.statutory.ListCommitments, unknown).code == grpc.StatusCode.NOT_FOUND
