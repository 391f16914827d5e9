"""`claims audit recheck`: recorded decisions re-derived from what their own events recorded, nothing from today.

What is re-derived, honestly:

- A statutory ``EligibilityDetermined``: the pack it names (``find_pack(pack_id, pack_version)``, never the pack in
  force today) is evaluated again over facts rebuilt from the history — the case as its earlier events made it
  (visits and notices recorded before the determination, in its stream), the vehicle as it was stored before the
  determination's transaction (the decision read it then), the determination's own ``as_of`` date and the vehicle's
  reading on its recorded day. The usage coefficient is reference data, not an event: today's configured value
  is used (packs only read it for a refund's deduction). The same rules must fire.
- A claim's ``ClaimFiled`` / ``ClaimResubmitted``: the checks' inputs (coverage, part usage, duplicates at the
  time) are not all in the event, so the checks are not re-run. What is re-derived is the routing: the recorded
  trace's outcomes through ``route()`` must give the recorded ``routed_to``, the non-passing results the recorded
  reasons, and the recorded pack id and version must name a known claims policy.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal

from claims.application.messages import RecordedEvent
from claims.application.ports import EventStore
from claims.application.streams import STATUTORY_CASES, VEHICLES
from claims.domain.claim.events import ClaimFiled, ClaimResubmitted
from claims.domain.claim.packs import policy
from claims.domain.claim.trace import route
from claims.domain.statutory.errors import PackNotFoundError
from claims.domain.statutory.pack import evaluate
from claims.domain.statutory.registry import find_pack
from claims.domain.statutory_case.events import EligibilityDetermined
from claims.domain.statutory_case.facts import case_facts

TOPICS = (ClaimFiled.TOPIC, ClaimResubmitted.TOPIC, EligibilityDetermined.TOPIC)
PAGE = 500


@dataclass(frozen=True)
class Recheck:
    """One recorded decision checked again: where it is, what was re-derived, and any difference."""

    position: int
    stream_id: str
    version: int
    topic: str
    pack: str
    rederived: str
    difference: str | None = None

    def describe(self) -> str:
        head = f"position {self.position} {self.topic} (stream {self.stream_id} v{self.version}, pack {self.pack})"
        return f"{head}: {self.rederived}" + (f" — DIFFERENT: {self.difference}" if self.difference else " — same")


@dataclass(frozen=True)
class RecheckReport:
    checks: tuple[Recheck, ...]

    @property
    def differences(self) -> tuple[Recheck, ...]:
        return tuple(c for c in self.checks if c.difference is not None)

    def summary(self) -> str:
        return f"checked {len(self.checks)} decisions, {len(self.differences)} differences"


def recheck(store: EventStore, usage_coefficient: Mapping[str, Decimal] | None = None) -> RecheckReport:
    """Every recorded claim routing and statutory determination up to the head, re-derived (nothing written)."""
    return RecheckReport(tuple(recheck_each(store, usage_coefficient or {})))


def recheck_each(store: EventStore, usage_coefficient: Mapping[str, Decimal]) -> Iterator[Recheck]:
    head, after = store.head_position(), 0
    while after < head:
        scan = store.scan(after, PAGE, TOPICS)
        for recorded in scan.events:
            if recorded.position is not None and recorded.position <= head:
                yield _recheck(store, recorded, usage_coefficient)
        if scan.end <= after:
            break
        after = scan.end


def _recheck(store: EventStore, recorded: RecordedEvent, usage_coefficient: Mapping[str, Decimal]) -> Recheck:
    event = recorded.event
    if isinstance(event, EligibilityDetermined):
        return _determination(store, recorded, event, usage_coefficient)
    assert isinstance(event, ClaimFiled | ClaimResubmitted)
    return _routing(recorded, event)


def _where(recorded: RecordedEvent, pack: str, rederived: str, difference: str | None) -> Recheck:
    assert recorded.position is not None
    return Recheck(
        recorded.position, str(recorded.stream_id), recorded.version, recorded.topic, pack, rederived, difference
    )


def _routing(recorded: RecordedEvent, event: ClaimFiled | ClaimResubmitted) -> Recheck:
    version = event.version
    trace = version.trace
    pack = f"{trace.pack_id} v{trace.version}"
    rederived = "routing re-derived from the recorded check outcomes (checks not re-run: inputs not all recorded)"
    problems = []
    try:
        policy(trace.pack_id, trace.version)
    except LookupError as error:
        problems.append(f"pack not known: {error}")
    routed = route(r.outcome for r in trace.results)
    if routed != version.routed_to:
        problems.append(f"recorded routed_to {version.routed_to.value}, outcomes route to {routed.value}")
    if tuple(trace.reasons) != tuple(version.reasons):
        problems.append(f"recorded reasons {list(version.reasons)}, trace gives {list(trace.reasons)}")
    return _where(recorded, pack, rederived, "; ".join(problems) or None)


def _determination(
    store: EventStore, recorded: RecordedEvent, event: EligibilityDetermined, usage_coefficient: Mapping[str, Decimal]
) -> Recheck:
    assert recorded.position is not None
    pack_name = f"{event.pack_id} v{event.pack_version}"
    rederived = "pack re-evaluated over facts rebuilt from the visits and notices recorded before it"
    earlier = [r for r in store.load(recorded.stream_id) if r.version < recorded.version]
    case = STATUTORY_CASES.fold(None, [r.event for r in earlier])
    if case is None:
        return _where(recorded, pack_name, rederived, "the case has no events before its determination")
    vehicle_events = [
        r.event
        for r in store.load(case.vehicle_id)
        if r.metadata != recorded.metadata and (store.position_of(r.stream_id, r.version) or 0) < recorded.position
    ]
    vehicle = VEHICLES.fold(None, vehicle_events)
    if vehicle is None:
        return _where(recorded, pack_name, rederived, "the vehicle has no events before the determination")
    try:
        pack = find_pack(event.pack_id, event.pack_version)
    except PackNotFoundError as error:
        return _where(recorded, pack_name, rederived, f"pack not known: {error}")
    facts = case_facts(
        vehicle,
        case,
        event.as_of,
        vehicle.odometer_on(recorded.metadata.recorded_at.date()),
        usage_coefficient.get(vehicle.jurisdiction),
    )
    trace = evaluate(pack, facts)
    fired = tuple(o.rule for o in trace.fired)
    if frozenset(fired) != frozenset(event.rules_fired):
        return _where(
            recorded, pack_name, rederived, f"recorded rules fired {list(event.rules_fired)}, now {list(fired)}"
        )
    return _where(recorded, pack_name, rederived, None)
