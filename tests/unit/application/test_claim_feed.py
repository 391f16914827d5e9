"""An insurer's claim feed reads only claim events, in windows of positions, and misses none across them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any

from claims.application.app import ClaimsApplication
from claims.application.claim_feed import CLAIM_TOPICS, FIRST_POLL_POSITIONS, POLL_POSITIONS
from claims.application.messages import LogScan
from claims.domain.claim.commands import DecideLine
from claims.domain.ids import vehicle_id_for
from tests.builders import at, call, record_reading
from tests.unit.application.test_contract_use_cases import INSURER, NUMBER, app, pay_claim, sell  # noqa: F401
from tests.unit.domain import claim_builders as cb


def busy_log(app: ClaimsApplication) -> None:  # noqa: F811 - the fixture of the same name is imported above
    """A sold contract, a claim filed and paid under it, and forty odometer readings between each of its changes."""
    app.handle_contract(call(), sell())
    reading = 16_000

    def readings() -> None:
        nonlocal reading
        for _ in range(40):
            reading += 1
            app.handle_vehicle(call(), record_reading(cb.mi(reading), at(2026, 3, 9) + timedelta(seconds=reading)))

    app.handle_claim(call(), cb.file_claim())
    readings()
    for line_no in (1, 2):
        decision = DecideLine(dealer_id=cb.DEALER, claim_number=cb.CLAIM_NUMBER, line_no=line_no, decision="APPROVE",
                              decided_by=cb.DESK)  # fmt: skip
        app.handle_claim(call(), decision)
        readings()


def test_a_feed_polled_in_windows_smaller_than_the_gaps_reports_every_change_once_and_reaches_the_head(
    app: ClaimsApplication,  # noqa: F811
) -> None:
    # given a log where the claim's changes lie forty readings apart
    busy_log(app)
    head = app.store.head_position()
    # when the insurer's feed is polled from zero, seven positions at a time, until it stops moving
    feed = app.claim_feed(INSURER, 0)
    seen, polls = [], 0
    while feed.position < head:
        seen += feed.poll(limit=7)
        polls += 1
    # then it reported the filing and both decisions, in log order, each once, and stands at the head
    assert [(c.change, c.version) for c in seen] == [
        ("ClaimFiled", 1), ("ClaimLineDecided", 2), ("ClaimLineDecided", 3), ("ClaimDecided", 4),
    ]  # fmt: skip
    assert [c.contract_numbers for c in seen] == [(NUMBER,)] * 4
    assert polls >= head // 7
    assert feed.position == head
    assert feed.poll() == []


def test_the_feed_asks_the_store_for_claim_events_only_in_windows_that_widen_to_the_poll_bound(
    app: ClaimsApplication,  # noqa: F811
) -> None:
    # given a busy log, and a store that notes what each scan asked for
    busy_log(app)
    head = app.store.head_position()
    asked: list[tuple[int, tuple[str, ...]]] = []
    scan = app.store.scan

    def noting(after: int, limit: int, topics: tuple[str, ...] = ()) -> LogScan:
        asked.append((limit, tuple(topics)))
        return scan(after, limit, topics)

    app.store.scan = noting  # type: ignore[method-assign]
    # when the feed reads the whole log with its own windows
    feed = app.claim_feed(INSURER, 0)
    changes = []
    while feed.position < head:
        changes += feed.poll()
    # then every scan asked only for claim topics, the first for FIRST_POLL_POSITIONS and each next one for twice
    # as many, and all four changes came through
    assert {topics for _, topics in asked} == {CLAIM_TOPICS}
    windows = [limit for limit, _ in asked]
    assert windows[0] == FIRST_POLL_POSITIONS < head
    assert windows == [min(FIRST_POLL_POSITIONS * 2**n, POLL_POSITIONS) for n in range(len(windows))]
    assert len(changes) == 4
    assert all(topic.startswith("claims.claim.") for topic in CLAIM_TOPICS)
    assert "claims.vehicle.OdometerRecorded" not in CLAIM_TOPICS


def vehicle_events_handed_out(app: ClaimsApplication, read: Callable[[], Any]) -> tuple[Any, int]:  # noqa: F811
    """What ``read()`` answers, and how many of the vehicle's events the store handed out meanwhile."""
    handed: list[int] = []
    vehicle = vehicle_id_for(cb.VIN)
    reads = ("load", "load_after", "load_with_positions")
    originals = {name: getattr(app.store, name) for name in reads}

    def counting(original: Callable[..., Any]) -> Callable[..., Any]:
        def counted(stream_id: Any, *args: Any, **kwargs: Any) -> Any:
            events = original(stream_id, *args, **kwargs)
            handed.append(len(events) if stream_id == vehicle else 0)
            return events

        return counted

    for name, original in originals.items():
        setattr(app.store, name, counting(original))
    try:
        return read(), sum(handed)
    finally:
        for name, original in originals.items():
            setattr(app.store, name, original)


def to_head(app: ClaimsApplication, insurer: str) -> Callable[[], list[Any]]:  # noqa: F811
    """A read of the insurer's whole feed, from zero up to the log's head, poll after poll."""

    def read() -> list[Any]:
        feed, head, changes = app.claim_feed(insurer, 0), app.store.head_position(), []
        while feed.position < head:
            changes += feed.poll()
        return changes

    return read


def test_feeds_share_what_they_read_of_a_vehicle_and_read_only_its_new_events_after(
    app: ClaimsApplication,  # noqa: F811
) -> None:
    # given a busy log, read through once by the first insurer's feed
    busy_log(app)
    _, first_read = vehicle_events_handed_out(app, to_head(app, INSURER))
    # when another insurer's feed reads the same claim
    nothing, second_read = vehicle_events_handed_out(app, to_head(app, "INS-2"))
    # then it is none of theirs, and the vehicle's events were not read again
    assert nothing == []
    assert first_read > 120
    assert second_read == 0
    # when the second insurer sells a contract on the vehicle, a claim is filed under it, and its feed reads again
    app.handle_contract(call(), sell(insurer_id="INS-2", contract_number="SC-2002"))
    app.handle_claim(call(), cb.file_claim(claim_number="C-2002"))
    later, third_read = vehicle_events_handed_out(app, to_head(app, "INS-2"))
    # then only the link written since was read, and the feed sees its own claim (filed after its contract) alone
    assert third_read == 1
    assert [(c.claim_number, c.contract_numbers) for c in later] == [("C-2002", ("SC-2002",))]


def without_positions(app: ClaimsApplication, position_of_misses: int = 0) -> list[tuple[Any, int]]:  # noqa: F811
    """Make the store hand out stream events without their log positions (as a store may), and answer
    ``position_of`` with None for the vehicle's first ``position_of_misses`` questions; returns the questions."""
    load_with_positions, position_of = app.store.load_with_positions, app.store.position_of
    vehicle, asked = vehicle_id_for(cb.VIN), []

    def stripped(stream_id: Any, *args: Any, **kwargs: Any) -> list[Any]:
        return [replace(e, position=None) for e in load_with_positions(stream_id, *args, **kwargs)]

    def placing(stream_id: Any, version: int) -> int | None:
        asked.append((stream_id, version))
        misses = sum(1 for asked_id, _ in asked if asked_id == vehicle)
        if stream_id == vehicle and misses <= position_of_misses:
            return None
        return position_of(stream_id, version)

    app.store.load_with_positions = stripped  # type: ignore[method-assign]
    app.store.position_of = placing  # type: ignore[method-assign]
    return asked


def test_a_contract_link_read_without_its_position_is_placed_with_position_of_and_its_claims_are_reported(
    app: ClaimsApplication,  # noqa: F811
) -> None:
    # given a busy log, and a store that hands out the vehicle's events without their positions
    busy_log(app)
    asked = without_positions(app)
    # when the insurer's feed reads the whole log
    changes = to_head(app, INSURER)()
    # then the link was placed by asking the store for its position, and every change of the claim is reported
    assert [stream for stream, _ in asked].count(vehicle_id_for(cb.VIN)) == 1
    assert [(c.change, c.contract_numbers) for c in changes] == [
        ("ClaimFiled", (NUMBER,)), ("ClaimLineDecided", (NUMBER,)), ("ClaimLineDecided", (NUMBER,)),
        ("ClaimDecided", (NUMBER,)),
    ]  # fmt: skip


def test_a_link_that_cannot_be_placed_once_is_asked_again_and_its_claims_are_not_hidden_for_good(
    app: ClaimsApplication,  # noqa: F811
) -> None:
    # given a busy log, and a store that cannot place the vehicle's contract link the first time it is asked
    busy_log(app)
    asked = without_positions(app, position_of_misses=1)
    # when the insurer's feed reads the whole log once
    first = to_head(app, INSURER)()
    # then only the filing, read while the link could not be placed, was missed: the next change asked again
    assert [c.change for c in first] == ["ClaimLineDecided", "ClaimLineDecided", "ClaimDecided"]
    assert [stream for stream, _ in asked].count(vehicle_id_for(cb.VIN)) == 2
    # when another feed reads the log from zero
    second = to_head(app, INSURER)()
    # then it reports every change of the claim under the insurer's contract, asking the store nothing more
    assert [stream for stream, _ in asked].count(vehicle_id_for(cb.VIN)) == 2
    assert [(c.change, c.contract_numbers) for c in second] == [
        ("ClaimFiled", (NUMBER,)), ("ClaimLineDecided", (NUMBER,)), ("ClaimLineDecided", (NUMBER,)),
        ("ClaimDecided", (NUMBER,)),
    ]  # fmt: skip
