"""One fuzzing client process: its threads send the shared plan's chunks of cases to one server.

A Python process runs its Python one thread at a time, and a fuzzing client spends about a third of a case's
CPU making the request and judging the answer. With every client thread in one process, that process was the
bottleneck at about 0.6 of a core; one process per server lets the clients use the other core's time too.

The plan is the same for every process: chunk ``i`` is ``CHUNK`` cases of RPC ``i % len(methods)``, the
``i // len(methods)``-th chunk of that RPC, seeded from the RPC's name and that number. The processes take the
next chunk from one shared counter, so the RPCs are fuzzed round-robin whatever the deadline cuts off, and a
run's cases are the same whichever process sends them.
"""

from __future__ import annotations

import math
import threading
import time
import zlib
from dataclasses import dataclass
from multiprocessing.sharedctypes import Synchronized
from typing import Any

import grpc

from soak import fuzz

CHUNK = 100
# Valid, near-valid, boundary, malformed, huge, oversized: the expensive families are rarer than in CI, and the server's
# message limit is 1 MiB so that an oversized body costs little to send (the 4 MiB default is tested in CI).
SOAK_WEIGHTS = (24.0, 25.0, 28.0, 21.3, 1.5, 0.2)
SOAK_MESSAGE_LIMIT = 1024 * 1024


@dataclass(frozen=True)
class Plan:
    """What every client process is told: the shared plan, where to send, and until when."""

    target: str
    cases_per_rpc: int
    seed: int
    deadline: float  # time.monotonic(), which every process of the machine reads alike
    threads: int

    def chunks(self, methods: int) -> int:
        return methods * math.ceil(self.cases_per_rpc / CHUNK)


def take(counter: Synchronized[int], limit: int) -> int | None:
    """The next chunk's number, or None once the plan is used up."""
    with counter.get_lock():
        number = counter.value
        if number >= limit:
            return None
        counter.value = number + 1
        return int(number)


def run(plan: Plan, counter: Synchronized[int], stop: Any, results: Any, index: int) -> None:
    """Fuzz until the plan is used up, the deadline passes or ``stop`` is set; put ``(index, Tally)`` on
    ``results``."""
    from soak.world import templates

    methods = fuzz.all_methods()
    limit = plan.chunks(len(methods))
    valid = templates()
    tally, lock = fuzz.Tally(), threading.Lock()

    def work() -> None:
        with grpc.insecure_channel(plan.target) as channel:
            while time.monotonic() < plan.deadline and not stop.is_set():
                number = take(counter, limit)
                if number is None:
                    return
                method, round_no = methods[number % len(methods)], number // len(methods)
                count = min(CHUNK, plan.cases_per_rpc - round_no * CHUNK)
                factory = fuzz.RequestFactory(
                    plan.seed ^ zlib.crc32(f"{method.full_name}/{round_no}".encode()),
                    max_message_bytes=SOAK_MESSAGE_LIMIT,
                    weights=SOAK_WEIGHTS,
                    tag=f"{method.name}-{round_no}-",
                    templates=valid,
                )
                local = fuzz.Tally()
                for case in factory.cases(method, count):
                    fuzz.judge(fuzz.send(channel, case), local)
                with lock:
                    tally.merge(local)

    threads = [threading.Thread(target=work, name=f"fuzz-{n}") for n in range(plan.threads)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    results.put((index, tally))
