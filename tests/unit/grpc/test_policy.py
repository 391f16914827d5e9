"""The per-RPC role table: complete, and what each role may call."""

from __future__ import annotations

import pytest
from google.protobuf.descriptor import FileDescriptor

from claims.adapters.grpc.policy import POLICY, check_rpc, roles_for
from claims.api.v1 import (
    audit_pb2,
    claims_pb2,
    contracts_pb2,
    preauthorizations_pb2,
    repair_orders_pb2,
    statutory_pb2,
    vehicles_pb2,
)
from claims.application.principal import SYSTEM, Principal, Role
from claims.domain.errors import PermissionDeniedError

FILES: list[FileDescriptor] = [
    m.DESCRIPTOR
    for m in (
        vehicles_pb2, repair_orders_pb2, claims_pb2, preauthorizations_pb2, statutory_pb2, contracts_pb2, audit_pb2,
    )
]  # fmt: skip
METHODS = sorted(
    (f"/{service.full_name}/{method.name}", method)
    for file in FILES
    for service in file.services_by_name.values()
    for method in service.methods
)
MUTATIONS = [name for name, method in METHODS if "request_id" in method.input_type.fields_by_name]
PRINCIPALS = {
    Role.DEALER: Principal.parse("dealer:D-100"),
    Role.OEM_DESK: Principal.parse("oem_desk:ACME"),
    Role.INSURER: Principal.parse("insurer:I-1"),
    Role.AUDITOR: Principal.parse("auditor"),
    Role.ADMIN: Principal.parse("admin"),
}


def test_every_rpc_of_every_service_is_in_the_table_and_nothing_else() -> None:
    assert len(METHODS) == 51
    assert sorted(POLICY) == [name for name, _ in METHODS]


@pytest.mark.parametrize("method", [name for name, _ in METHODS])
def test_someone_may_call_every_rpc(method: str) -> None:
    assert roles_for(method)
    assert Role.SYSTEM not in roles_for(method), "SYSTEM passes without being listed"


@pytest.mark.parametrize("method", MUTATIONS)
def test_an_auditor_and_an_admin_change_nothing(method: str) -> None:
    for role in (Role.AUDITOR, Role.ADMIN):
        with pytest.raises(PermissionDeniedError):
            check_rpc(method, PRINCIPALS[role])


def test_the_mutations_are_found_by_their_request_id() -> None:
    assert len(MUTATIONS) == 31  # 4 vehicle, 4 repair order, 12 claim, 3 pre-auth, 5 statutory, 3 contract
    assert "/claims.api.v1.ClaimService/FileClaim" in MUTATIONS
    assert "/claims.api.v1.ClaimService/GetClaim" not in MUTATIONS


def test_dealers_file_and_the_desk_decides() -> None:
    file, decide = "/claims.api.v1.ClaimService/FileClaim", "/claims.api.v1.ClaimService/DecideClaimLine"
    check_rpc(file, PRINCIPALS[Role.DEALER])
    check_rpc(decide, PRINCIPALS[Role.OEM_DESK])
    with pytest.raises(PermissionDeniedError) as refused:
        check_rpc(decide, PRINCIPALS[Role.DEALER])
    assert refused.value.message == f"dealer may not call {decide}"
    assert refused.value.metadata == {"method": decide, "role": "dealer"}
    with pytest.raises(PermissionDeniedError):
        check_rpc(file, PRINCIPALS[Role.OEM_DESK])


def test_the_log_is_read_by_auditors_and_tenants_but_not_admins() -> None:
    stream = "/claims.api.v1.AuditService/StreamEvents"
    for role in (Role.AUDITOR, Role.DEALER, Role.OEM_DESK, Role.INSURER):
        check_rpc(stream, PRINCIPALS[role])  # tenants: one claim or vehicle of theirs (the servicer checks)
    with pytest.raises(PermissionDeniedError):
        check_rpc(stream, PRINCIPALS[Role.ADMIN])


def test_an_admin_reads_only_the_packs_and_the_chain() -> None:
    allowed = sorted(name for name, roles in POLICY.items() if Role.ADMIN in roles)
    assert allowed == [
        "/claims.api.v1.AuditService/GetCheckpoint",
        "/claims.api.v1.AuditService/VerifyHistory",
        "/claims.api.v1.StatutoryService/ListRulePacks",
    ]


def test_system_may_call_anything_and_an_unknown_rpc_nobody_else() -> None:
    for name, _ in METHODS:
        check_rpc(name, SYSTEM)
    check_rpc("/claims.api.v1.Nothing/Here", SYSTEM)
    with pytest.raises(PermissionDeniedError):
        check_rpc("/claims.api.v1.Nothing/Here", PRINCIPALS[Role.AUDITOR])


def test_health_and_reflection_are_open_to_any_authenticated_caller() -> None:
    check_rpc("/grpc.health.v1.Health/Check", PRINCIPALS[Role.DEALER])
    check_rpc("/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", PRINCIPALS[Role.INSURER])
