"""What the per-RPC observability costs: the interceptor's wrapper around a handler that does nothing, per call.

    python -m bench.observability [--calls 50000]

Measures, in one thread, microseconds per call of the bare handler, of the handler inside the
ObservabilityInterceptor without metrics (log ids only), and with metrics (counter + histogram). A real
call costs hundreds of microseconds in gRPC itself, so these are the interceptor's share of it.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import grpc

from claims.adapters.grpc.observability import ObservabilityInterceptor
from claims.metrics import Metrics

METHOD = "/claims.api.v1.VehicleService/GetVehicle"


class _Context:
    """The two things the interceptor asks of a servicer context."""

    def invocation_metadata(self) -> tuple[tuple[str, str], ...]:
        return (("x-correlation-id", "bench"), ("user-agent", "grpc-python"))

    def code(self) -> None:
        return None


class _Details:
    method = METHOD
    invocation_metadata = ()


def _handler(_request: Any, _context: Any) -> str:
    return "ok"


def _wrapped(metrics: Metrics | None) -> Callable[[Any, Any], Any]:
    bare = grpc.unary_unary_rpc_method_handler(_handler)
    handler = ObservabilityInterceptor(metrics).intercept_service(lambda _details: bare, _Details())  # type: ignore[arg-type]
    assert handler is not None
    assert handler.unary_unary is not None
    return handler.unary_unary


def per_call_us(call: Callable[[Any, Any], Any], calls: int) -> float:
    context = _Context()
    started = time.perf_counter()
    for _ in range(calls):
        call(None, context)
    return (time.perf_counter() - started) / calls * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=50_000)
    args = parser.parse_args()
    for name, call in (
        ("bare handler", _handler),
        ("interceptor, log ids only", _wrapped(None)),
        ("interceptor, ids + metrics", _wrapped(Metrics())),
    ):
        print(f"{name:<28} {per_call_us(call, args.calls):7.2f} µs per call")


if __name__ == "__main__":
    main()
