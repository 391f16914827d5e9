"""`claims demo`: a dealership's day, an insurer watching its claims and two Chinese 三包 cases, played
against a running server through the public API only. Every run uses its own dealer, insurer and
vehicles, so it is safe to run again against the same server.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import grpc

from claims.demo.credentials import Credentials
from claims.demo.dealership import Day, play, summary
from claims.demo.insurer import InsurerWatch, sell_contract
from claims.demo.sanbao import sanbao_cases


def run(target: str, mint: Callable[[str], str] | None = None) -> Iterator[str]:
    """Play the demo against ``target`` and yield what a person should read. ``mint(principal)`` gives an API
    key's token for each party the demo acts as (None: a server with authentication off)."""
    credentials = Credentials(mint)
    with grpc.insecure_channel(target) as channel:
        grpc.channel_ready_future(channel).result(timeout=10)
        day = Day(channel, credentials)
        watch = InsurerWatch(channel, f"INS-{day.run}", credentials)
        lines = list(play(day, before_claims=lambda vins: sell_contract(day, watch.insurer_id, vins[0])))
        yield from lines
        yield from summary(day)
        yield from watch.report()
        yield from sanbao_cases(channel, day.run, credentials)
    yield ""
    yield "Look at it in the console: open http://127.0.0.1:8080 and sign in with a key that"
    yield f"  .venv/bin/claims keys create {day.desk}           prints (the desk: C-2 waits in its queue), or"
    yield f"  .venv/bin/claims keys create dealer:{day.dealer}  prints (the dealer: C-3 was returned to it)"
