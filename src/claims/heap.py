"""Keeps Python's full garbage collections short in a long-running server (issue 18).

CPython's cyclic collector walks every tracked object of a generation; a full (generation 2) collection walks
them all. ``claims serve`` keeps many long-lived objects (the state cache's folded streams, up to 20,000 of
them, the read models' caches, the compiled protobuf and pydantic machinery), and under load a full collection
ran every 2–3 s, holding the GIL for 60–220 ms and growing with the cache (434 ms at the end of a one-minute
run): every RPC in flight waited, which was the periodic stall behind a FileClaim p99 of 180–360 ms at half the
peak while its p50 was 2–3 ms (docs/benchmarks.md has the timeline).

``HeapFreezer`` calls ``gc.freeze()`` every ``interval`` seconds: whatever survived until then moves to the
permanent generation, which the collector never walks, so each collection walks only what was made since.
Garbage without cycles is still freed at once by reference counting (an evicted cache entry, a finished
request). The price: a reference cycle that was alive at a freeze and dies later is not reclaimed until
``stop()`` unfreezes (the engine's shutdown); the server makes few cycles that live longer than a call.
"""

from __future__ import annotations

import gc
import threading


class HeapFreezer:
    """A daemon thread that freezes the surviving heap every ``interval`` seconds."""

    def __init__(self, interval: float) -> None:
        if interval <= 0:
            raise ValueError("the interval is a positive number of seconds")
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="heap-freezer", daemon=True)

    def start(self) -> HeapFreezer:
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop freezing and hand the frozen objects back to the collector."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)
        gc.unfreeze()

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            gc.freeze()
