"""Every RPC x every role x own / other tenant, against a real server with authentication on (SQLite, then
PostgreSQL when CLAIMS_TEST_POSTGRES_DSN is set).

Two tenants of each kind share one engine: dealers D-1 and D-2, the desks of ACME and OTHERCO, insurers I-1
and I-2. Tenant 1 (D-1's repair order, claim and pre-authorization on an ACME vehicle sold by D-1 that I-1
holds a contract on) is the caller's own; tenant 2 (the same for D-2, OTHERCO and I-2) is the other. Each
case calls one RPC as the tenant-1 principal of one role, naming a resource of tenant 1 or tenant 2, and
expects:

- ``ok``  the call succeeds;
- ``do``  authorization let it through to the business rules (OK, or their refusal: FAILED_PRECONDITION,
          ALREADY_EXISTS, ABORTED, a business NOT_FOUND such as "has no statutory case"), never the answer a
          hidden resource gets;
- ``nf``  NOT_FOUND with exactly the message a missing resource of that name gets (no existence leak);
- ``pd``  PERMISSION_DENIED (a forbidden RPC, or acting as another organisation).

The expectations are written out by hand, one line per RPC, not derived from the policy table.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import grpc
import psycopg
import pytest

from claims.api.v1 import audit_pb2
from claims.api.v1 import claims_pb2 as cpb
from claims.api.v1 import contracts_pb2 as kpb
from claims.api.v1 import preauthorizations_pb2 as ppb
from claims.api.v1 import repair_orders_pb2 as rpb
from claims.api.v1 import statutory_pb2 as spb
from claims.api.v1 import vehicles_pb2 as vpb
from claims.domain.ids import claim_id_for
from claims.domain.vin import vin_check_digit
from tests.conftest import POSTGRES_DSN, FixedClock
from tests.e2e import contract_requests as kr
from tests.e2e import requests as rq
from tests.e2e.auth_fixtures import AuthServer, audit_stub, serve_with_auth
from tests.e2e.conftest import Api

ROLES = ("dealer", "oem_desk", "insurer", "auditor", "admin")
TIMEOUT = 10


def vin(serial: int) -> str:
    """A valid US VIN (WMI 1M8) with ``serial`` in its last digits."""
    body = f"1M8GDM9A0KP{serial:06d}"
    return body[:8] + vin_check_digit(body) + body[9:]


@dataclass(frozen=True)
class Tenant:
    dealer: str
    manufacturer: str
    insurer: str
    vin: str
    ro: str = "RO-1"
    claim: str = "C-1"
    preauth: str = "PA-1"
    contract: str = "SC-1"

    def principal(self, role: str) -> str:
        organisation = {"dealer": self.dealer, "oem_desk": self.manufacturer, "insurer": self.insurer}.get(role)
        return f"{role}:{organisation}" if organisation else role

    @property
    def claim_id(self) -> str:
        return str(claim_id_for(self.dealer, self.claim))


T1 = Tenant("D-1", "ACME", "I-1", vin(1))
T2 = Tenant("D-2", "OTHERCO", "I-2", vin(2))


def fresh(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


# --- the world both tenants live in ----------------------------------------------------------------


@dataclass
class World:
    server: AuthServer
    apis: dict[str, Api]
    head: int

    def api(self, role: str) -> Api:
        return self.apis[role]


def _build_tenant(server: AuthServer, t: Tenant) -> None:
    dealer, insurer = server.api_as(t.principal("dealer")), server.api_as(t.principal("insurer"))
    dealer.vehicles.RegisterVehicle(
        rq.register_request(identifier=t.vin, dealer_id=t.dealer, manufacturer=t.manufacturer), timeout=TIMEOUT
    )
    dealer.vehicles.AttachCoverage(rq.coverage_request(identifier=t.vin), timeout=TIMEOUT)
    insurer.insurer.SellContract(
        kr.sell_request(t.contract, insurer_id=t.insurer, vin=t.vin, jurisdiction="US-TX"), timeout=TIMEOUT
    )
    ro = {"dealer_id": t.dealer, "ro_number": t.ro}
    dealer.repair_orders.OpenRepairOrder(
        rq.open_ro_request(t.ro, rq.RO_OPENED_AT, dealer_id=t.dealer, vin=t.vin, odometer_in=rq.ODOMETER_IN),
        timeout=TIMEOUT,
    )
    dealer.repair_orders.RecordRepairWork(rq.work_request(**ro), timeout=TIMEOUT)
    dealer.repair_orders.CloseRepairOrder(rq.close_ro_request(**ro), timeout=TIMEOUT)
    dealer.claims.FileClaim(
        rq.file_claim_request(dealer_id=t.dealer, claim_number=t.claim, ro_number=t.ro, vin=t.vin), timeout=TIMEOUT
    )
    dealer.preauths.RequestPreAuthorization(
        rq.preauth_request(dealer_id=t.dealer, preauth_number=t.preauth, vin=t.vin, ro_number=t.ro), timeout=TIMEOUT
    )


@contextmanager
def postgres_url() -> Iterator[str]:
    """A store URL on a fresh schema of the test database, dropped afterwards (skips without PostgreSQL)."""
    if not POSTGRES_DSN:
        pytest.skip(
            "set CLAIMS_TEST_POSTGRES_DSN (e.g. postgresql://postgres@127.0.0.1:5432/test) to run on PostgreSQL"
        )
    schema = f"claims_test_{uuid.uuid4().hex[:12]}"
    try:
        yield f"{POSTGRES_DSN}{'&' if '?' in POSTGRES_DSN else '?'}schema={schema}"
    finally:
        with psycopg.connect(POSTGRES_DSN, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    clock = FixedClock(datetime(2026, 11, 23, 9, 30, tzinfo=UTC))
    with ExitStack() as stack:
        url = stack.enter_context(postgres_url()) if request.param == "postgres" else None
        servers = serve_with_auth(tmp_path_factory.mktemp("matrix"), clock, tls=False, store_url=url)
        server = next(servers)
        stack.callback(next, servers, None)
        for tenant in (T1, T2):
            _build_tenant(server, tenant)
        apis = {role: server.api_as(T1.principal(role)) for role in ROLES}
        yield World(server, apis, server.engine.persistence.events.head_position())


# --- one line per RPC: how to call it on a tenant's resource, the hidden answer, and the expectations ------

Call = Callable[[Api, Tenant, World], Any]


@dataclass(frozen=True)
class Rpc:
    name: str
    call: Call
    hidden: Callable[[Tenant], str] | None  # the message a missing resource of that name gets
    expected: str  # "dealer desk insurer auditor admin", each "own/other"

    def expectation(self, role: str, own: bool) -> str:
        pair = self.expected.split()[ROLES.index(role)]
        return pair.split("/")[0 if own else 1]


def claim_hidden(t: Tenant) -> str:
    return f"dealer {t.dealer} has no claim {t.claim}"


def ro_hidden(t: Tenant) -> str:
    return f"dealer {t.dealer} has no repair order {t.ro}"


def preauth_hidden(t: Tenant) -> str:
    return f"dealer {t.dealer} has no pre-authorization {t.preauth}"


def vehicle_hidden(t: Tenant) -> str:
    return f"no vehicle or product {t.vin} is registered"


def contract_hidden(t: Tenant) -> str:
    return f"insurer {t.insurer} has no contract {t.contract}"


def first(stream: Any) -> Any:
    """The first message of a server stream, then the stream is cancelled."""
    try:
        return next(iter(stream))
    finally:
        stream.cancel()


def claim_call(message: type[Any], **fields: Any) -> Call:
    def call(api: Api, t: Tenant, w: World) -> Any:
        request = rq.claim_request(message, t.claim, dealer_id=t.dealer, **fields)
        return getattr(api.claims, message.__name__.removesuffix("Request"))(request, timeout=TIMEOUT)

    return call


def ro_call(message: type[Any], **fields: Any) -> Call:
    def call(api: Api, t: Tenant, w: World) -> Any:
        request = rq._parse(message(), {"request_id": str(uuid.uuid4()), "dealer_id": t.dealer, "ro_number": t.ro}
                            | fields)  # fmt: skip
        return getattr(api.repair_orders, message.__name__.removesuffix("Request"))(request, timeout=TIMEOUT)

    return call


def statutory_call(message: type[Any], **fields: Any) -> Call:
    def call(api: Api, t: Tenant, w: World) -> Any:
        request = rq.statutory_request(message, vin=t.vin, **fields)
        return getattr(api.statutory, message.__name__.removesuffix("Request"))(request, timeout=TIMEOUT)

    return call


RPCS: list[Rpc] = [
    # VehicleService                                       dealer  desk   insurer auditor admin
    Rpc("RegisterVehicle", lambda a, t, w: a.vehicles.RegisterVehicle(rq.register_request(
        identifier=vin(int(uuid.uuid4().int % 900_000) + 100), dealer_id=t.dealer, manufacturer=t.manufacturer),
        timeout=TIMEOUT), None,                               "do/pd  do/pd  pd/pd  pd/pd  pd/pd"),
    Rpc("AttachCoverage", lambda a, t, w: a.vehicles.AttachCoverage(
        rq.coverage_request(identifier=t.vin, code=fresh("EXT")), timeout=TIMEOUT), vehicle_hidden,
                                                              "do/nf  do/nf  pd/pd  pd/pd  pd/pd"),
    Rpc("RecordOdometerReading", lambda a, t, w: a.vehicles.RecordOdometerReading(
        rq.reading_request("15200", "2026-11-20T10:00:00Z", identifier=t.vin), timeout=TIMEOUT), vehicle_hidden,
                                                              "do/nf  do/nf  pd/pd  pd/pd  pd/pd"),
    Rpc("TransferOwnership", lambda a, t, w: a.vehicles.TransferOwnership(vpb.TransferOwnershipRequest(
        request_id=str(uuid.uuid4()), identifier=t.vin, new_owner_ref=fresh("CUST"), transferred_on="2026-11-21"),
        timeout=TIMEOUT), vehicle_hidden,                     "do/nf  do/nf  pd/pd  pd/pd  pd/pd"),
    Rpc("GetVehicle", lambda a, t, w: a.vehicles.GetVehicle(vpb.GetVehicleRequest(identifier=t.vin),
        timeout=TIMEOUT), vehicle_hidden,                     "ok/ok  ok/nf  ok/nf  ok/ok  pd/pd"),
    Rpc("ListVehicles", lambda a, t, w: a.vehicles.ListVehicles(vpb.ListVehiclesRequest(
        dealer_id=t.dealer, min_position=w.head), timeout=TIMEOUT), None,
                                                              "ok/pd  ok/ok  ok/ok  ok/ok  pd/pd"),
    # RepairOrderService
    Rpc("OpenRepairOrder", lambda a, t, w: a.repair_orders.OpenRepairOrder(rq.open_ro_request(
        fresh("RO"), "2026-11-21T08:00:00Z", dealer_id=t.dealer, vin=t.vin, odometer_in=rq.ODOMETER_IN),
        timeout=TIMEOUT), None,                               "do/pd  pd/pd  pd/pd  pd/pd  pd/pd"),
    Rpc("RecordRepairWork", ro_call(rpb.RecordRepairWorkRequest, cause="c", correction="c",
        defect={"causal_part_number": rq.CAUSAL_PART, "failure_code": "P0300"}), ro_hidden,
                                                              "do/nf  pd/pd  pd/pd  pd/pd  pd/pd"),
    Rpc("RecordRepairPause", ro_call(rpb.RecordRepairPauseRequest, kind="PAUSE_KIND_POWER_BATTERY_TRANSPORT",
        started_at="2026-11-17T08:00:00Z", ended_at="2026-11-17T12:00:00Z"), ro_hidden,
                                                              "do/nf  pd/pd  pd/pd  pd/pd  pd/pd"),
    Rpc("CloseRepairOrder", ro_call(rpb.CloseRepairOrderRequest, closed_at=rq.RO_CLOSED_AT,
        odometer_out={"value": "15104", "unit": "DISTANCE_UNIT_MI"}), ro_hidden,
                                                              "do/nf  pd/pd  pd/pd  pd/pd  pd/pd"),
    Rpc("GetRepairOrder", lambda a, t, w: a.repair_orders.GetRepairOrder(rpb.GetRepairOrderRequest(
        dealer_id=t.dealer, ro_number=t.ro), timeout=TIMEOUT), ro_hidden,
                                                              "ok/nf  ok/nf  pd/pd  ok/ok  pd/pd"),
    # ClaimService
    Rpc("FileClaim", lambda a, t, w: a.claims.FileClaim(rq.file_claim_request(
        dealer_id=t.dealer, claim_number=fresh("C"), ro_number=t.ro, vin=t.vin), timeout=TIMEOUT), None,
                                                              "do/pd  pd/pd  pd/pd  pd/pd  pd/pd"),
    Rpc("ResubmitClaim", claim_call(cpb.ResubmitClaimRequest, header=rq.claim_header(), currency="USD",
        lines=[rq.labour_line(), rq.part_line()]), claim_hidden,
                                                              "do/nf  pd/pd  pd/pd  pd/pd  pd/pd"),
    Rpc("AppealClaim", claim_call(cpb.AppealClaimRequest, grounds="the part failed in use"), claim_hidden,
                                                              "do/nf  pd/pd  pd/pd  pd/pd  pd/pd"),
    Rpc("WithdrawClaim", claim_call(cpb.WithdrawClaimRequest, reason="filed twice"), claim_hidden,
                                                              "do/nf  pd/pd  pd/pd  pd/pd  pd/pd"),
    Rpc("DecideClaimLine", claim_call(cpb.DecideClaimLineRequest, line_no=1, decision="LINE_DECISION_APPROVE",
        decided_by="desk-7"), claim_hidden,                   "pd/pd  do/nf  pd/pd  pd/pd  pd/pd"),
    Rpc("ReturnClaim", claim_call(cpb.ReturnClaimRequest, reasons=["photo missing"], returned_by="desk-7"),
        claim_hidden,                                         "pd/pd  do/nf  pd/pd  pd/pd  pd/pd"),
    Rpc("PostClaimPayment", claim_call(cpb.PostClaimPaymentRequest, credit_reference="CR-1"), claim_hidden,
                                                              "pd/pd  do/nf  pd/pd  pd/pd  pd/pd"),
    Rpc("RequestPartReturn", claim_call(cpb.RequestPartReturnRequest, line_no=2), claim_hidden,
                                                              "pd/pd  do/nf  pd/pd  pd/pd  pd/pd"),
    Rpc("RecordPartReceived", claim_call(cpb.RecordPartReceivedRequest, line_no=2), claim_hidden,
                                                              "pd/pd  do/nf  pd/pd  pd/pd  pd/pd"),
    Rpc("RecordPartInspection", claim_call(cpb.RecordPartInspectionRequest, line_no=2, finding="cracked",
        inspected_by="lab-1"), claim_hidden,                  "pd/pd  do/nf  pd/pd  pd/pd  pd/pd"),
    Rpc("ApplyDeduction", claim_call(cpb.ApplyDeductionRequest, line_no=2, amount=rq.usd("10.00"),
        reason_code="DEDUCTION_REASON_NO_FAULT_FOUND"), claim_hidden,
                                                              "pd/pd  do/nf  pd/pd  pd/pd  pd/pd"),
    Rpc("ChargeBackClaim", claim_call(cpb.ChargeBackClaimRequest, line_no=2, amount=rq.usd("10.00"),
        reason="audit finding"), claim_hidden,                "pd/pd  do/nf  pd/pd  pd/pd  pd/pd"),
    Rpc("GetClaim", lambda a, t, w: a.claims.GetClaim(cpb.GetClaimRequest(dealer_id=t.dealer,
        claim_number=t.claim), timeout=TIMEOUT), claim_hidden, "ok/nf  ok/nf  ok/nf  ok/ok  pd/pd"),
    Rpc("ListClaims", lambda a, t, w: a.claims.ListClaims(cpb.ListClaimsRequest(dealer_id=t.dealer,
        min_position=w.head), timeout=TIMEOUT), None,         "ok/pd  ok/ok  pd/pd  ok/ok  pd/pd"),
    # PreAuthorizationService
    Rpc("RequestPreAuthorization", lambda a, t, w: a.preauths.RequestPreAuthorization(rq.preauth_request(
        dealer_id=t.dealer, preauth_number=fresh("PA"), vin=t.vin, ro_number=t.ro), timeout=TIMEOUT), None,
                                                              "do/pd  pd/pd  pd/pd  pd/pd  pd/pd"),
    Rpc("DecidePreAuthorization", lambda a, t, w: a.preauths.DecidePreAuthorization(rq.decide_preauth_request(
        dealer_id=t.dealer, preauth_number=t.preauth), timeout=TIMEOUT), preauth_hidden,
                                                              "pd/pd  do/nf  pd/pd  pd/pd  pd/pd"),
    Rpc("ExpirePreAuthorization", lambda a, t, w: a.preauths.ExpirePreAuthorization(
        ppb.ExpirePreAuthorizationRequest(request_id=str(uuid.uuid4()), dealer_id=t.dealer,
                                          preauth_number=t.preauth), timeout=TIMEOUT), preauth_hidden,
                                                              "pd/pd  do/nf  pd/pd  pd/pd  pd/pd"),
    Rpc("GetPreAuthorization", lambda a, t, w: a.preauths.GetPreAuthorization(ppb.GetPreAuthorizationRequest(
        dealer_id=t.dealer, preauth_number=t.preauth), timeout=TIMEOUT), preauth_hidden,
                                                              "ok/nf  ok/nf  pd/pd  ok/ok  pd/pd"),
    # StatutoryService (the tenants' US-CA vehicles have no statutory case: "do" reaches that NOT_FOUND)
    Rpc("GetStatutoryCase", lambda a, t, w: a.statutory.GetStatutoryCase(spb.GetStatutoryCaseRequest(vin=t.vin),
        timeout=TIMEOUT), vehicle_hidden,                     "do/do  do/nf  pd/pd  do/do  pd/pd"),
    Rpc("RecordDirectNotice", statutory_call(spb.RecordDirectNoticeRequest, notified_on="2026-11-20"),
        vehicle_hidden,                                       "pd/pd  do/nf  pd/pd  pd/pd  pd/pd"),
    Rpc("ReevaluateCase", statutory_call(spb.ReevaluateCaseRequest), vehicle_hidden,
                                                              "pd/pd  do/nf  pd/pd  pd/pd  pd/pd"),
    Rpc("RequestRemedy", statutory_call(spb.RequestRemedyRequest, remedy="CASE_REMEDY_REFUND",
        requested_at="2026-11-23T08:00:00Z"), vehicle_hidden, "pd/pd  do/nf  pd/pd  pd/pd  pd/pd"),
    Rpc("AnswerRemedy", statutory_call(spb.AnswerRemedyRequest, accepted=True, reason="agreed",
        answered_at="2026-11-23T09:00:00Z"), vehicle_hidden,  "pd/pd  do/nf  pd/pd  pd/pd  pd/pd"),
    Rpc("DeliverRemedy", statutory_call(spb.DeliverRemedyRequest, delivered_on="2026-11-23",
        odometer={"value": "15300", "unit": "DISTANCE_UNIT_MI"}), vehicle_hidden,
                                                              "pd/pd  do/nf  pd/pd  pd/pd  pd/pd"),
    Rpc("ListRulePacks", lambda a, t, w: a.statutory.ListRulePacks(spb.ListRulePacksRequest(), timeout=TIMEOUT),
        None,                                                 "ok/ok  ok/ok  ok/ok  ok/ok  ok/ok"),
    Rpc("WhatIf", lambda a, t, w: a.statutory.WhatIf(spb.WhatIfRequest(vin=t.vin, pack_id="US-CA",
        pack_version="1"), timeout=TIMEOUT), vehicle_hidden,  "pd/pd  ok/nf  pd/pd  ok/ok  pd/pd"),
    Rpc("ListCommitments", lambda a, t, w: a.statutory.ListCommitments(spb.ListCommitmentsRequest(
        dealer_id=t.dealer, min_position=w.head), timeout=TIMEOUT), None,
                                                              "ok/pd  ok/ok  pd/pd  ok/ok  pd/pd"),
    Rpc("ListCompensation", lambda a, t, w: a.statutory.ListCompensation(spb.ListCompensationRequest(
        dealer_id=t.dealer, min_position=w.head), timeout=TIMEOUT), None,
                                                              "ok/pd  ok/ok  pd/pd  ok/ok  pd/pd"),
    # InsurerService
    Rpc("SellContract", lambda a, t, w: a.insurer.SellContract(kr.sell_request(
        fresh("SC"), insurer_id=t.insurer, vin=t.vin), timeout=TIMEOUT), None,
                                                              "pd/pd  pd/pd  do/pd  pd/pd  pd/pd"),
    Rpc("CancelContract", lambda a, t, w: a.insurer.CancelContract(kr.cancel_request(
        kr.DAY_31, t.contract, insurer_id=t.insurer), timeout=TIMEOUT), contract_hidden,
                                                              "pd/pd  pd/pd  do/nf  pd/pd  pd/pd"),
    Rpc("TransferContract", lambda a, t, w: a.insurer.TransferContract(kr.transfer_request(
        t.contract, insurer_id=t.insurer), timeout=TIMEOUT), contract_hidden,
                                                              "pd/pd  pd/pd  do/nf  pd/pd  pd/pd"),
    Rpc("GetContract", lambda a, t, w: a.insurer.GetContract(kr.get_contract_request(
        t.contract, insurer_id=t.insurer), timeout=TIMEOUT), contract_hidden,
                                                              "pd/pd  pd/pd  ok/nf  ok/ok  pd/pd"),
    Rpc("GetClaimStatus", lambda a, t, w: a.insurer.GetClaimStatus(kpb.GetClaimStatusRequest(
        insurer_id=t.insurer, claim_id=t.claim_id, min_position=w.head), timeout=TIMEOUT),
        lambda t: f"insurer {t.insurer} has no claim {t.claim_id} under its contracts",
                                                              "pd/pd  pd/pd  ok/nf  ok/ok  pd/pd"),
    Rpc("ListContractClaims", lambda a, t, w: a.insurer.ListContractClaims(kpb.ListContractClaimsRequest(
        insurer_id=t.insurer, min_position=w.head), timeout=TIMEOUT), None,
                                                              "pd/pd  pd/pd  ok/pd  ok/ok  pd/pd"),
    Rpc("WatchClaims", lambda a, t, w: first(a.insurer.WatchClaims(kpb.WatchClaimsRequest(
        insurer_id=t.insurer), timeout=TIMEOUT)), None,       "pd/pd  pd/pd  ok/pd  ok/ok  pd/pd"),
    # AuditService
    Rpc("StreamEvents", lambda a, t, w: first(audit_stub(a).StreamEvents(audit_pb2.StreamEventsRequest(
        filter=audit_pb2.EventFilter(claim=audit_pb2.AuditClaimRef(dealer_id=t.dealer, claim_number=t.claim))),
        timeout=TIMEOUT)), claim_hidden,                      "ok/nf  ok/nf  ok/nf  ok/ok  pd/pd"),
    Rpc("VerifyHistory", lambda a, t, w: audit_stub(a).VerifyHistory(audit_pb2.VerifyHistoryRequest(),
        timeout=TIMEOUT), None,                               "pd/pd  pd/pd  pd/pd  ok/ok  ok/ok"),
    Rpc("GetCheckpoint", lambda a, t, w: audit_stub(a).GetCheckpoint(audit_pb2.GetCheckpointRequest(),
        timeout=TIMEOUT), None,                               "pd/pd  pd/pd  pd/pd  do/do  do/do"),
    Rpc("GetStateAt", lambda a, t, w: audit_stub(a).GetStateAt(audit_pb2.GetStateAtRequest(
        claim=audit_pb2.AuditClaimRef(dealer_id=t.dealer, claim_number=t.claim)), timeout=TIMEOUT),
        lambda t: f"claim {t.dealer} {t.claim} has no events recorded",
                                                              "ok/nf  ok/nf  ok/nf  ok/ok  pd/pd"),
    Rpc("GetReadModelAt", lambda a, t, w: audit_stub(a).GetReadModelAt(audit_pb2.GetReadModelAtRequest(
        position=w.head, claims=cpb.ListClaimsRequest(dealer_id=t.dealer)), timeout=TIMEOUT), None,
                                                              "pd/pd  pd/pd  pd/pd  ok/ok  pd/pd"),
]  # fmt: skip

BUSINESS_REFUSALS = {
    grpc.StatusCode.FAILED_PRECONDITION,
    grpc.StatusCode.ALREADY_EXISTS,
    grpc.StatusCode.ABORTED,
    grpc.StatusCode.NOT_FOUND,  # only when it is not the hidden resource's answer (checked below)
}
CASES = [
    pytest.param(rpc, role, own, id=f"{rpc.name}-{role}-{'own' if own else 'other'}")
    for rpc in RPCS
    for role in ROLES
    for own in (True, False)
]


def outcome(rpc: Rpc, api: Api, tenant: Tenant, world: World) -> tuple[grpc.StatusCode, str, Any]:
    try:
        return grpc.StatusCode.OK, "", rpc.call(api, tenant, world)
    except grpc.RpcError as error:
        return error.code(), error.details() or "", None


def check(rpc: Rpc, expected: str, tenant: Tenant, code: grpc.StatusCode, details: str) -> None:
    hidden = rpc.hidden(tenant) if rpc.hidden is not None else None
    match expected:
        case "ok":
            assert code == grpc.StatusCode.OK, details
        case "pd":
            assert code == grpc.StatusCode.PERMISSION_DENIED, (code, details)
        case "nf":
            assert (code, details) == (grpc.StatusCode.NOT_FOUND, hidden)
        case "do":
            assert code == grpc.StatusCode.OK or code in BUSINESS_REFUSALS, (code, details)
            assert details != hidden, "authorization hid a resource the caller may use"
        case _:
            raise AssertionError(f"unknown expectation {expected!r}")


def test_the_matrix_names_every_rpc_once() -> None:
    from claims.adapters.grpc.policy import POLICY

    assert sorted(rpc.name for rpc in RPCS) == sorted(name.rsplit("/", 1)[1] for name in POLICY)


@pytest.mark.parametrize(("rpc", "role", "own"), CASES)
def test_every_rpc_as_every_role_on_its_own_and_another_tenants_data(
    world: World, rpc: Rpc, role: str, own: bool
) -> None:
    tenant = T1 if own else T2
    code, details, _ = outcome(rpc, world.api(role), tenant, world)
    check(rpc, rpc.expectation(role, own), tenant, code, details)


# --- what lists and streams hold: only the caller's own ----------------------------------------------------


def test_lists_hold_only_the_callers_own(world: World) -> None:
    dealer, desk, insurer = world.api("dealer"), world.api("oem_desk"), world.api("insurer")
    auditor = world.api("auditor")
    claims = {r.dealer_id for r in dealer.claims.ListClaims(cpb.ListClaimsRequest(min_position=world.head)).claims}
    assert claims == {T1.dealer}
    on_desk = desk.claims.ListClaims(cpb.ListClaimsRequest(min_position=world.head)).claims
    assert {c.vin for c in on_desk} == {T1.vin}
    assert not desk.claims.ListClaims(cpb.ListClaimsRequest(dealer_id=T2.dealer, min_position=world.head)).claims
    everything = auditor.claims.ListClaims(cpb.ListClaimsRequest(min_position=world.head)).claims
    assert {c.dealer_id for c in everything} == {T1.dealer, T2.dealer}
    for api in (dealer, desk, insurer):
        vehicles = api.vehicles.ListVehicles(vpb.ListVehiclesRequest(min_position=world.head)).vehicles
        assert T2.vin not in {v.identifier for v in vehicles}
        assert T1.vin in {v.identifier for v in vehicles}
    under_contracts = insurer.insurer.ListContractClaims(
        kpb.ListContractClaimsRequest(insurer_id=T1.insurer, min_position=world.head)
    )
    assert {c.claim_id for c in under_contracts.claims} >= {T1.claim_id}
    assert T2.claim_id not in {c.claim_id for c in under_contracts.claims}


def test_an_insurer_watches_only_the_claims_under_its_contracts(world: World) -> None:
    change = first(
        world.api("insurer").insurer.WatchClaims(kpb.WatchClaimsRequest(insurer_id=T1.insurer), timeout=TIMEOUT)
    )
    assert change.change.claim_id == T1.claim_id


def test_a_hidden_resource_and_a_missing_one_answer_alike(world: World) -> None:
    desk = world.api("oem_desk")
    for number in (T2.claim, "C-NONE"):
        with pytest.raises(grpc.RpcError) as refused:
            desk.claims.GetClaim(cpb.GetClaimRequest(dealer_id=T2.dealer, claim_number=number), timeout=TIMEOUT)
        assert refused.value.code() == grpc.StatusCode.NOT_FOUND
        assert refused.value.details() == f"dealer {T2.dealer} has no claim {number}"
        assert T2.manufacturer not in (refused.value.details() or "")


def test_every_event_names_the_authenticated_actor(world: World) -> None:
    auditor = audit_stub(world.api("auditor"))
    request = audit_pb2.StreamEventsRequest(filter=audit_pb2.EventFilter(event_types=["claims.claim.ClaimFiled"]))
    filed = first_n(auditor.StreamEvents(request, timeout=TIMEOUT), 2)
    assert {e.event.actor.split(" via ")[0] for e in filed} == {"dealer:D-1", "dealer:D-2"}
    assert all(" via key:" in e.event.actor for e in filed), "the credential is named too"


def test_the_whole_log_is_for_auditors_and_another_insurers_contract_for_nobody_else(world: World) -> None:
    whole = audit_pb2.StreamEventsRequest()
    by_id = audit_pb2.StreamEventsRequest(filter=audit_pb2.EventFilter(stream_id=str(uuid.uuid4())))
    for role in ("dealer", "oem_desk", "insurer"):
        for request in (whole, by_id):
            with pytest.raises(grpc.RpcError) as refused:
                first(audit_stub(world.api(role)).StreamEvents(request, timeout=TIMEOUT))
            assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED
    # given a second insurer's contract on tenant 1's vehicle
    world.server.api_as(T2.principal("insurer")).insurer.SellContract(
        kr.sell_request("SC-ON-V1", insurer_id=T2.insurer, vin=T1.vin), timeout=TIMEOUT
    )
    on_vehicle = audit_pb2.StreamEventsRequest(filter=audit_pb2.EventFilter(vin=T1.vin))
    linked = "claims.vehicle.ServiceContractLinked"

    def links(role: str) -> set[str]:  # whose contracts on the vehicle the role's stream shows
        events = first_n(audit_stub(world.api(role)).StreamEvents(on_vehicle, timeout=TIMEOUT), 1_000)
        return {json.loads(e.event.payload_json)["insurer_id"] for e in events if e.event.topic == linked}

    assert links("auditor") == {T1.insurer, T2.insurer}
    assert links("insurer") == {T1.insurer}
    assert links("oem_desk") == links("dealer") == set()
    state = audit_stub(world.api("insurer")).GetStateAt(audit_pb2.GetStateAtRequest(vin=T1.vin), timeout=TIMEOUT)
    assert {c["insurer_id"] for c in json.loads(state.state_json)["contracts"]} == {T1.insurer}
    assert T2.insurer not in state.state_json
    assert [e for e in state.events if T2.insurer in e.payload_json] == []


def first_n(stream: Any, n: int) -> list[Any]:
    out: list[Any] = []
    try:
        for message in stream:
            out.append(message)
            if len(out) == n:
                break
    finally:
        stream.cancel()
    return out


# --- the same over mutual TLS: one path of each kind, by token and by client certificate --------------------


@pytest.fixture(scope="module")
def tls_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    clock = FixedClock(datetime(2026, 11, 23, 9, 30, tzinfo=UTC))
    servers = serve_with_auth(tmp_path_factory.mktemp("tls-matrix"), clock, tls=True)
    server = next(servers)
    for tenant in (T1, T2):
        _build_tenant(server, tenant)
    yield World(server, {}, server.engine.persistence.events.head_position())
    next(servers, None)


BY_NAME = {rpc.name: rpc for rpc in RPCS}
TLS_CASES = [
    pytest.param(BY_NAME[name], role, own, via, id=f"{name}-{role}-{'own' if own else 'other'}-{via}")
    for name, role in (
        ("FileClaim", "dealer"),  # unary mutation
        ("DecideClaimLine", "oem_desk"),  # unary mutation on another's resource: hidden
        ("GetClaim", "insurer"),  # unary read
        ("ListClaims", "dealer"),  # list
        ("WatchClaims", "insurer"),  # server stream
        ("StreamEvents", "auditor"),  # server stream
        ("StreamEvents", "admin"),  # a forbidden RPC
    )
    for own in (True, False)
    for via in ("token", "cert")
]


@pytest.mark.parametrize(("rpc", "role", "own", "via"), TLS_CASES)
def test_the_same_answers_over_mutual_tls(tls_world: World, rpc: Rpc, role: str, own: bool, via: str) -> None:
    api = tls_world.server.api_as(T1.principal(role), via="cert" if via == "cert" else "token")
    tenant = T1 if own else T2
    code, details, _ = outcome(rpc, api, tenant, tls_world)
    check(rpc, rpc.expectation(role, own), tenant, code, details)


def test_state_at_a_version_of_another_tenants_claim_tells_nothing_of_its_history(world: World) -> None:
    # given T2's claim, which has several versions, and T1's dealer asking for a version it never reached
    claim = audit_pb2.AuditClaimRef(dealer_id=T2.dealer, claim_number=T2.claim)
    ask = audit_pb2.GetStateAtRequest(claim=claim, version=999)
    # when T1's dealer asks, then the answer is that of a claim with no events (not "it has N")
    with pytest.raises(grpc.RpcError) as refused:
        audit_stub(world.api("dealer")).GetStateAt(ask, timeout=TIMEOUT)
    assert refused.value.code() == grpc.StatusCode.NOT_FOUND
    assert refused.value.details() == f"claim {T2.dealer} {T2.claim} has no version 999 (it has 0)"
    # while the auditor learns how far the claim really got
    with pytest.raises(grpc.RpcError) as told:
        audit_stub(world.api("auditor")).GetStateAt(ask, timeout=TIMEOUT)
    assert "(it has 0)" not in (told.value.details() or "")
