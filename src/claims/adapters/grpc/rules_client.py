"""`claims rules`: a StatutoryService client that lists the rule packs and runs what-if, as readable lines."""

from __future__ import annotations

import json
from collections.abc import Iterator

import grpc

from claims.api.v1 import statutory_pb2 as pb
from claims.api.v1 import statutory_pb2_grpc as pb_grpc

CONNECT_SECONDS = 5
CALL_SECONDS = 10


def _stub(channel: grpc.Channel) -> pb_grpc.StatutoryServiceStub:
    """A stub once the server answers; raises ``grpc.FutureTimeoutError`` when none does."""
    grpc.channel_ready_future(channel).result(timeout=CONNECT_SECONDS)
    return pb_grpc.StatutoryServiceStub(channel)


def _outcome(label: str, outcome: pb.RuleOutcome | None) -> str:
    return f"{label}: " + ("the pack has no such rule" if outcome is None else outcome.explanation)


def what_if_lines(target: str, vin: str, pack_id: str, version: str) -> Iterator[str]:
    """The vehicle's stored history under ``pack_id`` v``version`` against the pack that decided it."""
    with grpc.insecure_channel(target) as channel:
        request = pb.WhatIfRequest(vin=vin, pack_id=pack_id, pack_version=version)
        answer = _stub(channel).WhatIf(request, timeout=CALL_SECONDS)
    current = f"{answer.current_pack_id} v{answer.current_pack_version}"
    other = f"{answer.other_pack_id} v{answer.other_pack_version}"
    yield f"{vin}: its history under {current} (current) and under {other}"
    if not answer.differences:
        yield "no rule decides differently"
        return
    count = len(answer.differences)
    yield f"{count} rule{'s' if count > 1 else ''} decide{'' if count > 1 else 's'} differently:"
    for difference in answer.differences:
        yield f"  {difference.summary}"
        yield "    " + _outcome(current, difference.under_current if difference.HasField("under_current") else None)
        yield "    " + _outcome(other, difference.under_other if difference.HasField("under_other") else None)


def pack_lines(target: str, *, parameters: bool = False) -> Iterator[str]:
    """Every shipped pack: id, version, jurisdiction, kind, period in force, title and rules."""
    with grpc.insecure_channel(target) as channel:
        answer = _stub(channel).ListRulePacks(pb.ListRulePacksRequest(), timeout=CALL_SECONDS)
    for pack in answer.packs:
        kind = pb.PackKind.Name(pack.kind).removeprefix("PACK_KIND_")
        period = f"{pack.effective_from} → {pack.effective_to or 'in force'}"
        yield f"{pack.pack_id} v{pack.version}  {pack.jurisdiction}  {kind}  {period}  {pack.title}"
        yield f"  rules: {', '.join(pack.rules)}"
        if parameters:
            yield f"  parameters: {json.dumps(json.loads(pack.parameters), ensure_ascii=False, sort_keys=True)}"
