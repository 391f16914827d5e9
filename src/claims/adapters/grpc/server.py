"""The gRPC server: services, health, reflection, interceptor, limits."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent import futures

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from claims.adapters.grpc.audit_servicer import AuditServicer
from claims.adapters.grpc.claims_servicer import ClaimServicer
from claims.adapters.grpc.insurer_servicer import InsurerServicer
from claims.adapters.grpc.interceptors import ErrorInterceptor
from claims.adapters.grpc.preauth_servicer import PreAuthorizationServicer
from claims.adapters.grpc.repair_orders_servicer import RepairOrderServicer
from claims.adapters.grpc.statutory_servicer import StatutoryServicer
from claims.adapters.grpc.vehicles_servicer import VehicleServicer
from claims.api.v1 import (
    audit_pb2,
    audit_pb2_grpc,
    claims_pb2,
    claims_pb2_grpc,
    contracts_pb2,
    contracts_pb2_grpc,
    preauthorizations_pb2,
    preauthorizations_pb2_grpc,
    repair_orders_pb2,
    repair_orders_pb2_grpc,
    statutory_pb2,
    statutory_pb2_grpc,
)
from claims.api.v1 import vehicles_pb2 as pb
from claims.api.v1 import vehicles_pb2_grpc as pb_grpc

MAX_MESSAGE_BYTES = 4 * 1024 * 1024
SERVICE_NAMES = (
    pb.DESCRIPTOR.services_by_name["VehicleService"].full_name,
    repair_orders_pb2.DESCRIPTOR.services_by_name["RepairOrderService"].full_name,
    claims_pb2.DESCRIPTOR.services_by_name["ClaimService"].full_name,
    preauthorizations_pb2.DESCRIPTOR.services_by_name["PreAuthorizationService"].full_name,
    statutory_pb2.DESCRIPTOR.services_by_name["StatutoryService"].full_name,
    contracts_pb2.DESCRIPTOR.services_by_name["InsurerService"].full_name,
    audit_pb2.DESCRIPTOR.services_by_name["AuditService"].full_name,
)


def create_server(
    vehicles: VehicleServicer,
    repair_orders: RepairOrderServicer,
    claims: ClaimServicer,
    preauths: PreAuthorizationServicer,
    statutory: StatutoryServicer,
    insurer: InsurerServicer,
    audit: AuditServicer,
    address: str,
    *,
    max_workers: int = 16,
    credentials: grpc.ServerCredentials | None = None,
    interceptors: Sequence[grpc.ServerInterceptor] = (),
    observers: Sequence[grpc.ServerInterceptor] = (),
    max_message_bytes: int = MAX_MESSAGE_BYTES,
    max_concurrent_rpcs: int | None = None,
    local_socket: str = "",
) -> tuple[grpc.Server, int, health.HealthServicer]:
    """Build (not start) the server bound to ``address``; port 0 picks a free port. ``credentials``: TLS
    (else plaintext); ``interceptors`` run inside the error interceptor, in order (authentication);
    ``observers`` (tracing, metrics and log ids) run outermost, so they see every call's final status.
    ``local_socket``: also a Unix socket path, plaintext, for the process's own JSON door (the same servicers and
    interceptors: bearer tokens are checked there as on TCP).
    """
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="rpc"),
        interceptors=[*observers, ErrorInterceptor(), *interceptors],
        options=[
            ("grpc.max_receive_message_length", max_message_bytes),
            ("grpc.max_send_message_length", max_message_bytes),
            ("grpc.keepalive_time_ms", 60_000),
            ("grpc.http2.min_ping_interval_without_data_ms", 10_000),
            ("grpc.so_reuseport", 0),
        ],
        maximum_concurrent_rpcs=max_workers * 8 if max_concurrent_rpcs is None else max_concurrent_rpcs,
    )
    pb_grpc.add_VehicleServiceServicer_to_server(vehicles, server)
    repair_orders_pb2_grpc.add_RepairOrderServiceServicer_to_server(repair_orders, server)
    claims_pb2_grpc.add_ClaimServiceServicer_to_server(claims, server)
    preauthorizations_pb2_grpc.add_PreAuthorizationServiceServicer_to_server(preauths, server)
    statutory_pb2_grpc.add_StatutoryServiceServicer_to_server(statutory, server)
    contracts_pb2_grpc.add_InsurerServiceServicer_to_server(insurer, server)
    audit_pb2_grpc.add_AuditServiceServicer_to_server(audit, server)
    health_servicer = health.HealthServicer(experimental_non_blocking=True)
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    reflection.enable_server_reflection((*SERVICE_NAMES, health.SERVICE_NAME, reflection.SERVICE_NAME), server)
    port = server.add_secure_port(address, credentials) if credentials else server.add_insecure_port(address)
    if port == 0:
        raise OSError(f"cannot listen on {address}")
    if local_socket and server.add_insecure_port(f"unix:{local_socket}") == 0:
        raise OSError(f"cannot listen on unix:{local_socket}")
    for name in ("", *SERVICE_NAMES):
        health_servicer.set(name, health_pb2.HealthCheckResponse.NOT_SERVING)
    return server, port, health_servicer
