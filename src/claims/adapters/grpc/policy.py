"""Which roles may call which RPC (issue 7): the first half of authorization, checked before any handler.

The second half, whose data a resource is, lives in ``claims.application.access`` and runs where the
resource is loaded; a caller who passes this table can still only touch its own organisation's data.
An RPC missing from the table is refused to everyone but SYSTEM (a test checks that none is missing).
"""

from __future__ import annotations

from collections.abc import Mapping

from claims.application.principal import Principal, Role
from claims.domain.errors import PermissionDeniedError

DLR, OEM, INS, AUD, ADM = Role.DEALER, Role.OEM_DESK, Role.INSURER, Role.AUDITOR, Role.ADMIN
_READERS = frozenset({DLR, OEM, INS, AUD})

_BY_SERVICE: dict[str, dict[str, frozenset[Role]]] = {
    "claims.api.v1.VehicleService": {
        # A dealer registers its own sales, a desk its own make; both attach coverages and record on them.
        "RegisterVehicle": frozenset({DLR, OEM}),
        "AttachCoverage": frozenset({DLR, OEM}),
        "RecordOdometerReading": frozenset({DLR, OEM}),
        "TransferOwnership": frozenset({DLR, OEM}),
        "GetVehicle": _READERS,
        "ListVehicles": _READERS,
    },
    "claims.api.v1.RepairOrderService": {
        "OpenRepairOrder": frozenset({DLR}),
        "RecordRepairWork": frozenset({DLR}),
        "RecordRepairPause": frozenset({DLR}),
        "CloseRepairOrder": frozenset({DLR}),
        "GetRepairOrder": frozenset({DLR, OEM, AUD}),
    },
    "claims.api.v1.ClaimService": {
        # The dealer's side of a claim ...
        "FileClaim": frozenset({DLR}),
        "ResubmitClaim": frozenset({DLR}),
        "AppealClaim": frozenset({DLR}),
        "WithdrawClaim": frozenset({DLR}),
        # ... and the manufacturer's desk's.
        "DecideClaimLine": frozenset({OEM}),
        "ReturnClaim": frozenset({OEM}),
        "PostClaimPayment": frozenset({OEM}),
        "RequestPartReturn": frozenset({OEM}),
        "RecordPartReceived": frozenset({OEM}),
        "RecordPartInspection": frozenset({OEM}),
        "ApplyDeduction": frozenset({OEM}),
        "ChargeBackClaim": frozenset({OEM}),
        "GetClaim": _READERS,
        # An insurer lists the claims under its contracts with InsurerService.ListContractClaims.
        "ListClaims": frozenset({DLR, OEM, AUD}),
    },
    "claims.api.v1.PreAuthorizationService": {
        "RequestPreAuthorization": frozenset({DLR}),
        "DecidePreAuthorization": frozenset({OEM}),
        "ExpirePreAuthorization": frozenset({OEM}),
        "GetPreAuthorization": frozenset({DLR, OEM, AUD}),
    },
    "claims.api.v1.StatutoryService": {
        "GetStatutoryCase": frozenset({DLR, OEM, AUD}),
        # Notices, remedies and re-evaluation are the manufacturer's answer to the consumer.
        "RecordDirectNotice": frozenset({OEM}),
        "ReevaluateCase": frozenset({OEM}),
        "RequestRemedy": frozenset({OEM}),
        "AnswerRemedy": frozenset({OEM}),
        "DeliverRemedy": frozenset({OEM}),
        "ListRulePacks": frozenset({DLR, OEM, INS, AUD, ADM}),  # published rules, nobody's data
        "WhatIf": frozenset({OEM, AUD}),
        "ListCommitments": frozenset({DLR, OEM, AUD}),
        "ListCompensation": frozenset({DLR, OEM, AUD}),
    },
    "claims.api.v1.InsurerService": {
        "SellContract": frozenset({INS}),
        "CancelContract": frozenset({INS}),
        "TransferContract": frozenset({INS}),
        "GetContract": frozenset({INS, AUD}),
        "GetClaimStatus": frozenset({INS, AUD}),
        "ListContractClaims": frozenset({INS, AUD}),
        "WatchClaims": frozenset({INS, AUD}),
    },
    "claims.api.v1.AuditService": {
        # The whole log: auditors; the others, the events of one claim or vehicle they may see (the servicer checks).
        "StreamEvents": _READERS,
        # Chain verification and checkpoints reveal no event content: the admin who runs the server may check them.
        "VerifyHistory": frozenset({AUD, ADM}),
        "GetCheckpoint": frozenset({AUD, ADM}),
        # One resource as of a time: each role sees the resources it may read today.
        "GetStateAt": _READERS,
        # Whole read models as they stood at a position, across every tenant: the auditor's alone.
        "GetReadModelAt": frozenset({AUD}),
    },
}

POLICY: Mapping[str, frozenset[Role]] = {
    f"/{service}/{method}": roles for service, methods in _BY_SERVICE.items() for method, roles in methods.items()
}
"""Full method name (``/claims.api.v1.ClaimService/FileClaim``) → the roles that may call it."""

OPEN_PREFIXES = ("/grpc.health.v1.Health/", "/grpc.reflection.")
"""Infrastructure every authenticated caller may use: health checks and the (public) schema."""


def check_rpc(full_method: str, principal: Principal) -> None:
    """Raise PermissionDeniedError unless ``principal``'s role may call ``full_method``. SYSTEM may call anything."""
    if principal.role is Role.SYSTEM or full_method.startswith(OPEN_PREFIXES):
        return
    roles = POLICY.get(full_method)
    if roles is None or principal.role not in roles:
        raise PermissionDeniedError(
            f"{principal.role.value} may not call {full_method}",
            metadata={"method": full_method, "role": principal.role.value},
        )


def roles_for(full_method: str) -> frozenset[Role]:
    """The roles that may call ``full_method`` (empty when it is not in the table)."""
    return POLICY.get(full_method, frozenset())
