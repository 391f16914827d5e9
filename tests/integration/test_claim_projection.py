"""The claim read model on SQLite and PostgreSQL: status and totals per claim, filtered keyset pages, exactly once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from claims.adapters.persistence.database import Transaction
from claims.adapters.persistence.factory import Persistence
from claims.application.messages import EventMetadata, NewEvent, RecordedEvent
from claims.domain.claim.commands import (
    AppealClaim,
    ApplyDeduction,
    ChargeBack,
    ClaimCommand,
    DecideLine,
    PostPayment,
    RecordPartReceived,
    RequestPartReturn,
    ResubmitClaim,
    ReturnClaim,
    WithdrawClaim,
)
from claims.domain.claim.decide import decide
from claims.domain.claim.events import ClaimEvent
from claims.domain.claim.state import Claim, evolve
from claims.domain.errors import InvalidCommandError
from claims.domain.ids import claim_id_for, repair_order_id_for, vehicle_id_for
from claims.projections.claims import ClaimDirectory, ClaimProjection, ClaimSummary
from claims.projections.runner import ProjectionRunner
from tests.builders import CN_VIN
from tests.unit.domain.claim_builders import (
    CLOSED_AT,
    DEALER,
    DESK,
    NOW,
    OPENED_AT,
    VIN,
    at,
    claim_context,
    file_claim,
    given,
    header,
    labour,
    mi,
    reading,
    ro_closed,
    ro_opened,
    usd,
    vehicle,
    work_recorded,
)

OTHER_DEALER = "D777"
META = EventMetadata("tester", "req", "corr", "req", NOW)
EVERYTHING: dict[str, Any] = {"dealer_id": "", "vin": "", "status": "", "filed_from": None, "filed_to": None}


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest) -> Persistence:
    return request.getfixturevalue(f"{request.param}_store")  # type: ignore[no-any-return]


class History:
    """One claim, decided command by command through the pure domain; the store gets its events on ``record``."""

    def __init__(self, claim_number: str, *, dealer_id: str = DEALER, vin: str = VIN, now: datetime = NOW) -> None:
        self.key = {"dealer_id": dealer_id, "claim_number": claim_number}
        self.claim: Claim | None = None
        self.events: list[ClaimEvent] = []
        self.recorded = 0
        filing = file_claim(**self.key, vin=vin)
        self.when(filing, now=now, vehicle=_vehicle(vin), repair_order=_repair_order(dealer_id, vin))

    def when(self, command: ClaimCommand, **context: Any) -> History:
        for event in decide(self.claim, command, claim_context(**context)):
            self.claim = evolve(self.claim, event)
            self.events.append(event)
        return self

    def do(self, command: type[Any], now: datetime, **fields: Any) -> History:
        """Any claim command but filing, with the claim's key filled in."""
        return self.when(command.model_validate(self.key | fields), now=now)

    @property
    def claim_id(self) -> str:
        return str(claim_id_for(self.key["dealer_id"], self.key["claim_number"]))


def _vehicle(vin: str) -> Any:
    return vehicle(
        reading(mi(15100), OPENED_AT), reading(mi(15104), CLOSED_AT), identifier=vin, vehicle_id=vehicle_id_for(vin)
    )


def _repair_order(dealer_id: str, vin: str) -> Any:
    opened = ro_opened(
        dealer_id=dealer_id,
        vin=vin,
        vehicle_id=vehicle_id_for(vin),
        repair_order_id=repair_order_id_for(dealer_id, "RO-1001"),
    )
    return given(opened, work_recorded(), ro_closed())


def record(store: Persistence, *histories: History) -> int:
    """Append what each history has not appended yet, one claim per append; the position of the last event."""
    position = store.events.head_position()
    for history in histories:
        stream = claim_id_for(history.key["dealer_id"], history.key["claim_number"])
        new = [
            NewEvent(stream, version, event, META)
            for version, event in enumerate(history.events, start=1)
            if version > history.recorded
        ]
        if new:
            position = store.events.append(new)
        history.recorded = len(history.events)
    return position


def catch_up(store: Persistence, batch_size: int = 4) -> ProjectionRunner:
    assert store.database is not None
    runner = ProjectionRunner(store.events, store.database, [ClaimProjection()], batch_size=batch_size)
    while runner.run_once():
        pass
    return runner


def directory(store: Persistence) -> ClaimDirectory:
    assert store.database is not None
    return ClaimDirectory(store.database)


def listed(store: Persistence, limit: int = 50, after: str = "", **filters: Any) -> list[ClaimSummary]:
    return directory(store).list(**(EVERYTHING | filters), after=after, limit=limit)


def status_of(store: Persistence, history: History) -> str:
    row = directory(store).get(history.claim_id)
    assert row is not None
    return row.status


def numbers(rows: list[ClaimSummary]) -> list[str]:
    return [r.claim_number for r in rows]


def internals(store: Persistence, claim_id: str) -> dict[str, Any]:
    """The columns ClaimSummary does not carry, as plain values whatever the dialect."""
    assert store.database is not None
    with store.database.read() as tx:
        (row,) = tx.rows(
            "SELECT deducted_total, charged_back_total, version_count, last_received_at, decided_at, paid_at,"
            " last_position FROM rm_claims WHERE claim_id = :id",
            {"id": claim_id},
        )
    return {
        "deducted": Decimal(str(row["deducted_total"])),
        "charged_back": Decimal(str(row["charged_back_total"])),
        "version_count": int(row["version_count"]),
        "last_received_at": _moment(row["last_received_at"]),
        "decided_at": _moment(row["decided_at"]),
        "paid_at": _moment(row["paid_at"]),
        "last_position": int(row["last_position"]),
    }


def _moment(value: datetime | str | None) -> datetime | None:
    return value if value is None or isinstance(value, datetime) else datetime.fromisoformat(value)


# --- a claim's row ------------------------------------------------------------------------------


def paid_with_a_deduction() -> History:
    """582.75 claimed; the part adjusted to 100.00 (562.50 approved); 25.00 deducted; 537.50 paid; then
    5.00 more deducted and 50.00 charged back."""
    return (
        History("C-1001")
        .do(DecideLine, at(2026, 3, 12), line_no=1, decision="APPROVE", decided_by=DESK)
        .do(DecideLine, at(2026, 3, 12, 13), line_no=2, decision="ADJUST", decided_by=DESK,
            approved_amount=usd("100.00"), reason_code="PRICE")
        .do(RequestPartReturn, at(2026, 3, 13), line_no=2)
        .do(RecordPartReceived, at(2026, 3, 20), line_no=2)
        .do(ApplyDeduction, at(2026, 3, 21), line_no=2, amount=usd("25.00"), reason_code="NON_GENUINE_PART")
        .do(PostPayment, at(2026, 4, 1), credit_reference="CR-555")
        .do(ApplyDeduction, at(2026, 4, 2), line_no=2, amount=usd("5.00"), reason_code="NO_PART_TAG")
        .do(ChargeBack, at(2026, 5, 4), line_no=1, amount=usd("50.00"), reason="audit: labour time overstated")
    )  # fmt: skip


def test_a_paid_claim_shows_what_was_claimed_approved_paid_deducted_and_charged_back(store: Persistence) -> None:
    history = paid_with_a_deduction()
    head = record(store, history)
    assert catch_up(store).position("claims") == head

    row = directory(store).get(history.claim_id)
    assert row is not None
    assert (row.dealer_id, row.claim_number, row.claim_type, row.vin, row.ro_number) == (
        DEALER, "C-1001", "NORMAL_REPAIR", VIN, "RO-1001"
    )  # fmt: skip
    assert (row.status, row.currency, row.claimed_total, row.approved_total, row.paid_total) == (
        "PAID", "USD", "582.75", "562.50", "537.50"
    )  # fmt: skip
    assert (row.filed_at, row.decision_due_on, row.version) == ("2026-03-10T10:00:00.000000+00:00", "2026-04-09", 10)
    assert row.cursor == f"{row.filed_at}|{history.claim_id}"
    assert internals(store, history.claim_id) == {
        "deducted": Decimal("30.00"),
        "charged_back": Decimal("50.00"),
        "version_count": 1,
        "last_received_at": NOW,
        "decided_at": at(2026, 3, 12, 13),
        "paid_at": at(2026, 4, 1),
        "last_position": head,
    }


def test_return_resubmission_rejection_appeal_and_withdrawal_move_the_row_along(store: Persistence) -> None:
    history = History("C-1001").do(ReturnClaim, at(2026, 3, 11), reasons=("odometer photo missing",), returned_by=DESK)
    record(store, history)
    catch_up(store)
    assert status_of(store, history) == "RETURNED"

    history.when(
        ResubmitClaim.model_validate(history.key | {"header": header(), "currency": "USD", "lines": (labour(),)}),
        now=at(2026, 3, 14), vehicle=_vehicle(VIN), repair_order=_repair_order(DEALER, VIN),
    )  # fmt: skip
    history.do(DecideLine, at(2026, 3, 16), line_no=1, decision="REJECT", decided_by=DESK, reason_code="NFF")
    record(store, history)
    catch_up(store)
    rejected = directory(store).get(history.claim_id)
    assert rejected is not None
    assert (rejected.status, rejected.claimed_total, rejected.approved_total) == ("REJECTED", "462.50", "0.00")
    assert rejected.filed_at == "2026-03-10T10:00:00.000000+00:00"  # the first version's, not the latest
    assert internals(store, history.claim_id)["version_count"] == 2
    assert internals(store, history.claim_id)["last_received_at"] == at(2026, 3, 14)

    history.do(AppealClaim, at(2026, 3, 20), grounds="the coil was genuinely faulty")
    record(store, history)
    catch_up(store)
    assert status_of(store, history) == "UNDER_REVIEW"
    assert internals(store, history.claim_id)["decided_at"] is None

    history.do(WithdrawClaim, at(2026, 3, 21), reason="settled with the customer")
    record(store, history)
    catch_up(store)
    withdrawn = directory(store).get(history.claim_id)
    assert withdrawn is not None
    # filed, returned, resubmitted, line decided, claim decided, appealed, withdrawn
    assert (withdrawn.status, withdrawn.version) == ("WITHDRAWN", 7)


def test_an_unknown_or_malformed_claim_id_is_simply_not_there(store: Persistence) -> None:
    catch_up(store)
    assert directory(store).get(str(claim_id_for(DEALER, "C-404"))) is None
    assert directory(store).get("not-a-uuid") is None


# --- lists --------------------------------------------------------------------------------------


def seed(store: Persistence) -> dict[str, History]:
    """Five claims around midnight UTC between 10 and 11 March 2026, by two dealers, on two VINs."""
    histories = {
        "C-1": History("C-1", now=at(2026, 3, 9, 10)),
        # 01:00 in UTC+02:00 is 23:00 UTC on the 10th: days are UTC days.
        "C-2": History("C-2", vin=CN_VIN, now=datetime(2026, 3, 11, 1, 0, tzinfo=timezone(timedelta(hours=2)))),
        "C-3": History("C-3", now=datetime(2026, 3, 10, 23, 59, 59, 999999, tzinfo=UTC)),
        "C-4": History("C-4", dealer_id=OTHER_DEALER, now=at(2026, 3, 11, 0, 0)),
        "C-5": History("C-5", dealer_id=OTHER_DEALER, vin=CN_VIN, now=at(2026, 3, 12, 8)),
    }
    histories["C-3"].do(DecideLine, at(2026, 3, 12), line_no=1, decision="APPROVE", decided_by=DESK).do(
        DecideLine, at(2026, 3, 12), line_no=2, decision="APPROVE", decided_by=DESK
    ).do(PostPayment, at(2026, 3, 20), credit_reference="CR-3")
    histories["C-4"].do(DecideLine, at(2026, 3, 12), line_no=1, decision="REJECT", decided_by=DESK, reason_code="NFF")
    histories["C-4"].do(DecideLine, at(2026, 3, 12), line_no=2, decision="REJECT", decided_by=DESK, reason_code="NFF")
    record(store, *histories.values())
    catch_up(store)
    return histories


def test_the_list_is_in_filing_order_and_filters_by_status(store: Persistence) -> None:
    seed(store)
    assert numbers(listed(store)) == ["C-1", "C-2", "C-3", "C-4", "C-5"]
    assert numbers(listed(store, status="UNDER_REVIEW")) == ["C-1", "C-2", "C-5"]
    assert numbers(listed(store, status="PAID")) == ["C-3"]
    assert numbers(listed(store, status="REJECTED")) == ["C-4"]
    assert listed(store, status="WITHDRAWN") == []


def test_the_list_filters_by_dealer_and_by_vin(store: Persistence) -> None:
    seed(store)
    assert numbers(listed(store, dealer_id=DEALER)) == ["C-1", "C-2", "C-3"]
    assert numbers(listed(store, dealer_id=OTHER_DEALER)) == ["C-4", "C-5"]
    assert numbers(listed(store, vin=CN_VIN)) == ["C-2", "C-5"]
    assert numbers(listed(store, dealer_id=OTHER_DEALER, vin=VIN)) == ["C-4"]
    assert numbers(listed(store, dealer_id=OTHER_DEALER, status="UNDER_REVIEW")) == ["C-5"]
    assert listed(store, dealer_id="D000") == []


def test_the_filing_date_range_includes_both_of_its_days_and_nothing_beyond(store: Persistence) -> None:
    seed(store)
    assert numbers(listed(store, filed_to=date(2026, 3, 10))) == ["C-1", "C-2", "C-3"]
    assert numbers(listed(store, filed_from=date(2026, 3, 11))) == ["C-4", "C-5"]
    assert numbers(listed(store, filed_from=date(2026, 3, 10), filed_to=date(2026, 3, 10))) == ["C-2", "C-3"]
    assert numbers(listed(store, filed_from=date(2026, 3, 11), filed_to=date(2026, 3, 11))) == ["C-4"]
    assert numbers(listed(store, filed_from=date(2026, 3, 10), filed_to=date(2026, 3, 11), vin=CN_VIN)) == ["C-2"]
    assert listed(store, vin=CN_VIN)[0].filed_at == "2026-03-10T23:00:00.000000+00:00"


def test_keyset_pages_resume_after_the_cursor_even_between_claims_filed_at_the_same_instant(
    store: Persistence,
) -> None:
    instants = [at(2026, 3, 9), at(2026, 3, 9), at(2026, 3, 10), at(2026, 3, 10), at(2026, 3, 10)]
    instants += [at(2026, 3, 11), at(2026, 3, 11)]
    histories = [History(f"C-{i}", now=moment) for i, moment in enumerate(instants, start=1)]
    record(store, *histories)
    catch_up(store)
    everything = listed(store)
    assert len(everything) == 7
    assert [(r.filed_at, r.claim_id) for r in everything] == sorted((r.filed_at, r.claim_id) for r in everything)

    first = listed(store, limit=3)
    second = listed(store, limit=3, after=first[-1].cursor)
    third = listed(store, limit=3, after=second[-1].cursor)
    assert [len(first), len(second), len(third)] == [3, 3, 1]
    assert first + second + third == everything
    assert first[-1].filed_at == second[0].filed_at  # the page boundary splits a tie
    assert listed(store, limit=3, after=third[-1].cursor) == []


def test_a_cursor_this_list_did_not_issue_is_an_invalid_page_token(store: Persistence) -> None:
    seed(store)
    valid = listed(store, limit=1)[0].cursor
    for bad in ["garbage", valid.replace("+00:00", ""), valid.split("|")[0] + "|not-a-uuid", valid + "|x"]:
        with pytest.raises(InvalidCommandError) as caught:
            listed(store, after=bad)
        assert [v.field for v in caught.value.violations] == ["page_token"]


# --- exactly once -------------------------------------------------------------------------------


class FailsOnPayment(ClaimProjection):
    """A projection that crashes in the middle of a batch."""

    def handle_batch(self, tx: Transaction, events: Sequence[RecordedEvent]) -> None:
        super().handle_batch(tx, events)
        if any(event.topic == "claims.claim.ClaimPaid" for event in events):
            raise RuntimeError("crash mid-batch")


def test_a_batch_that_fails_leaves_neither_rows_nor_position(store: Persistence) -> None:
    assert store.database is not None
    history = paid_with_a_deduction()
    head = record(store, history, History("C-2"))
    crashing = ProjectionRunner(store.events, store.database, [FailsOnPayment()], batch_size=100)
    with pytest.raises(RuntimeError):
        crashing.run_once()
    assert crashing.position("claims") == 0
    assert listed(store) == []

    healthy = ProjectionRunner(store.events, store.database, [ClaimProjection()], batch_size=100)
    assert healthy.run_once() == 11
    assert healthy.run_once() == 0  # nothing is processed twice
    assert ProjectionRunner(store.events, store.database, [ClaimProjection()]).run_once() == 0
    assert healthy.position("claims") == head
    assert sorted(numbers(listed(store))) == ["C-1001", "C-2"]
    assert internals(store, history.claim_id)["deducted"] == Decimal("30.00")  # not added twice


def test_claims_filed_in_a_batch_and_folded_there_equal_those_written_event_by_event(store: Persistence) -> None:
    # Given claims paid with deductions and a charge-back, returned, resubmitted, rejected, appealed and withdrawn
    assert store.database is not None
    returned = History("C-2").do(ReturnClaim, at(2026, 3, 11), reasons=("odometer photo missing",), returned_by=DESK)
    returned.when(
        ResubmitClaim.model_validate(returned.key | {"header": header(), "currency": "USD", "lines": (labour(),)}),
        now=at(2026, 3, 14), vehicle=_vehicle(VIN), repair_order=_repair_order(DEALER, VIN),
    )  # fmt: skip
    returned.do(DecideLine, at(2026, 3, 16), line_no=1, decision="REJECT", decided_by=DESK, reason_code="NFF")
    returned.do(AppealClaim, at(2026, 3, 20), grounds="the coil was genuinely faulty")
    returned.do(WithdrawClaim, at(2026, 3, 21), reason="settled with the customer")
    record(store, paid_with_a_deduction(), returned, History("C-3"))

    def projected(batch: int) -> list[dict[str, str]]:
        with store.database.write() as tx:  # type: ignore[union-attr]
            tx.execute("DELETE FROM rm_claims")
            tx.execute("DELETE FROM projection_tracking")
        catch_up(store, batch)
        with store.database.read() as tx:  # type: ignore[union-attr]
            rows = tx.rows("SELECT * FROM rm_claims ORDER BY claim_id")
        return [{k: str(v) for k, v in r.items()} for r in rows]

    # When they are projected one event a batch (each event a statement on its row), then all in one batch
    # (each claim filed and folded within it)
    one_by_one, folded = projected(1), projected(500)
    # Then the rows are the same, value for value
    assert len(one_by_one) == 3
    assert folded == one_by_one
