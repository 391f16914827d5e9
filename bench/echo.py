"""The echo baseline: `python -m bench.echo` serves /bench.v1.EchoService/Echo on the server `claims serve` builds.

The server comes from ``create_server`` itself (same thread pool size from the settings, same options,
same interceptor, same concurrency limit, every claims service registered but unimplemented), with one
more handler that answers a ``google.protobuf.StringValue`` with itself. So echo/s is what this gRPC
server reaches with no work behind the call, and FileClaim/s over echo/s is the share left to the engine.
Prints ``listening on HOST:PORT`` to stderr like ``claims serve``; stops on SIGTERM.
"""

from __future__ import annotations

import signal
import sys
import threading
from typing import Any

import grpc
from google.protobuf import wrappers_pb2

from claims.adapters.grpc.server import create_server
from claims.api.v1 import (
    audit_pb2_grpc,
    claims_pb2_grpc,
    contracts_pb2_grpc,
    preauthorizations_pb2_grpc,
    repair_orders_pb2_grpc,
    statutory_pb2_grpc,
    vehicles_pb2_grpc,
)
from claims.config import Settings

METHOD = "/bench.v1.EchoService/Echo"
PAYLOAD = wrappers_pb2.StringValue(value="0123456789abcdef")


def _echo(request: wrappers_pb2.StringValue, _context: grpc.ServicerContext) -> wrappers_pb2.StringValue:
    return request


def echo_handler() -> grpc.GenericRpcHandler:
    handler = grpc.unary_unary_rpc_method_handler(
        _echo,
        request_deserializer=wrappers_pb2.StringValue.FromString,
        response_serializer=wrappers_pb2.StringValue.SerializeToString,
    )
    return grpc.method_handlers_generic_handler("bench.v1.EchoService", {"Echo": handler})


def echo_call(channel: grpc.Channel) -> Any:
    """A callable sending one echo (the same Python client the claims load uses)."""
    return channel.unary_unary(
        METHOD,
        request_serializer=wrappers_pb2.StringValue.SerializeToString,
        response_deserializer=wrappers_pb2.StringValue.FromString,
    )


def main() -> None:
    settings = Settings()
    server, port, _health = create_server(
        vehicles_pb2_grpc.VehicleServiceServicer(),  # type: ignore[arg-type]
        repair_orders_pb2_grpc.RepairOrderServiceServicer(),  # type: ignore[arg-type]
        claims_pb2_grpc.ClaimServiceServicer(),  # type: ignore[arg-type]
        preauthorizations_pb2_grpc.PreAuthorizationServiceServicer(),  # type: ignore[arg-type]
        statutory_pb2_grpc.StatutoryServiceServicer(),  # type: ignore[arg-type]
        contracts_pb2_grpc.InsurerServiceServicer(),  # type: ignore[arg-type]
        audit_pb2_grpc.AuditServiceServicer(),  # type: ignore[arg-type]
        "127.0.0.1:0",
        max_workers=settings.max_workers,
    )
    server.add_generic_rpc_handlers((echo_handler(),))
    server.start()
    print(f"listening on 127.0.0.1:{port}", file=sys.stderr, flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    server.stop(grace=1).wait()


if __name__ == "__main__":
    main()
