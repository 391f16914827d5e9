"""InsurerService: proto → command or query → application / read model → proto, nothing else."""

from __future__ import annotations

import time
from collections.abc import Iterator

import grpc

from claims.adapters.grpc import contract_requests as requests
from claims.adapters.grpc.calls import call_context, expected_version
from claims.adapters.grpc.contract_view import (
    change_to_proto,
    contract_claim_to_proto,
    contract_to_proto,
    coverage_to_proto,
    refund_to_proto,
    sale_to_proto,
)
from claims.adapters.grpc.identity import current_principal
from claims.adapters.grpc.mapping import money_to_proto, mutation_result
from claims.adapters.grpc.paging import PageRequest, wait_for_position
from claims.api.v1 import contracts_pb2 as pb
from claims.api.v1 import contracts_pb2_grpc as pb_grpc
from claims.application import access
from claims.application.app import ClaimsApplication
from claims.application.principal import Role
from claims.domain.errors import NotFoundError
from claims.projections.contracts import ContractDirectory
from claims.projections.runner import ProjectionRunner

# The insurer's claim views join the claims read model with the contracts one: both must have caught up.
READ_MODELS = ("claims", "contracts")
POLL_SECONDS = 0.1


class InsurerServicer(pb_grpc.InsurerServiceServicer):
    """Insurer-facing contract and claim-status RPCs."""

    def __init__(
        self,
        app: ClaimsApplication,
        directory: ContractDirectory | None,
        runner: ProjectionRunner | None,
        poll_seconds: float = POLL_SECONDS,
    ) -> None:
        self._app, self._directory, self._runner, self._poll = app, directory, runner, poll_seconds

    def SellContract(self, request: pb.SellContractRequest, context: grpc.ServicerContext) -> pb.SellContractResponse:
        call, command = call_context(context, request.request_id), requests.sell_contract(request)
        result = self._app.handle_contract(call, command)
        return sale_to_proto(result, self._app.get_contract(command.insurer_id, command.contract_number)[0])

    def CancelContract(
        self, request: pb.CancelContractRequest, context: grpc.ServicerContext
    ) -> pb.CancelContractResponse:
        call = call_context(context, request.request_id, expected_version(request))
        command = requests.cancel_contract(request)
        result = self._app.handle_contract(call, command)
        contract, _ = self._app.get_contract(command.insurer_id, command.contract_number)
        assert contract.cancellation is not None, "a cancelled contract records its cancellation"
        return pb.CancelContractResponse(
            result=mutation_result(result), refund=refund_to_proto(contract, contract.cancellation)
        )

    def TransferContract(
        self, request: pb.TransferContractRequest, context: grpc.ServicerContext
    ) -> pb.TransferContractResponse:
        call = call_context(context, request.request_id, expected_version(request))
        command = requests.transfer_contract(request)
        result = self._app.handle_contract(call, command)
        contract, _ = self._app.get_contract(command.insurer_id, command.contract_number)
        transfer = next(t for t in reversed(contract.transfers) if t.new_holder_ref == command.new_holder_ref)
        return pb.TransferContractResponse(result=mutation_result(result), fee=money_to_proto(transfer.fee))

    def GetContract(self, request: pb.GetContractRequest, context: grpc.ServicerContext) -> pb.GetContractResponse:
        ref, (on, odometer) = requests.contract_ref(request), requests.coverage_inputs(request)
        contract, version = self._app.get_contract(ref.insurer_id, ref.contract_number, current_principal())
        left = self._app.contract_coverage(contract, on, odometer)
        return pb.GetContractResponse(
            contract=contract_to_proto(contract, version), remaining_coverage=coverage_to_proto(left)
        )

    def GetClaimStatus(
        self, request: pb.GetClaimStatusRequest, context: grpc.ServicerContext
    ) -> pb.GetClaimStatusResponse:
        insurer, claim_id = requests.insurer(request.insurer_id), requests.claim_id(request.claim_id)
        directory, position = self._caught_up(request.min_position, context)
        visible = access.sees_insurer_resource(current_principal(), insurer)
        found = directory.claim(insurer, claim_id) if visible else None
        if found is None:
            raise NotFoundError(
                f"insurer {insurer} has no claim {claim_id} under its contracts",
                metadata={"insurer_id": insurer, "claim_id": str(claim_id)},
            )
        return pb.GetClaimStatusResponse(claim=contract_claim_to_proto(found), position=position)

    def ListContractClaims(
        self, request: pb.ListContractClaimsRequest, context: grpc.ServicerContext
    ) -> pb.ListContractClaimsResponse:
        query = requests.contract_claim_query(request)
        access.narrowed(current_principal(), Role.INSURER, query.insurer_id, "insurer_id")
        page = PageRequest.parse(request.page_size, request.page_token, query.token_filters)
        directory, position = self._caught_up(request.min_position, context)
        rows = directory.claims(
            insurer_id=query.insurer_id, contract_number=query.contract_number, vin=query.vin, status=query.status,
            filed_from=query.filed_from, filed_to=query.filed_to, after=page.after, limit=page.size + 1,
        )  # fmt: skip
        return pb.ListContractClaimsResponse(
            claims=[contract_claim_to_proto(r) for r in rows[: page.size]],
            next_page_token=page.next_token(rows[page.size - 1].cursor) if len(rows) > page.size else "",
            position=position,
        )

    def WatchClaims(
        self, request: pb.WatchClaimsRequest, context: grpc.ServicerContext
    ) -> Iterator[pb.WatchClaimsResponse]:
        feed = self._app.claim_feed(request.insurer_id, request.after_position, current_principal())
        # Each message is sent before the next is read from the log: a slow client slows the feed, nothing piles up.
        while context.is_active():
            before = feed.position
            for change in feed.poll():
                yield change_to_proto(change)
            if feed.position == before:
                time.sleep(self._poll)

    def _caught_up(self, min_position: int, context: grpc.ServicerContext) -> tuple[ContractDirectory, int]:
        """Read-your-writes on both read models; the position both had reached."""
        assert self._directory is not None, "no read model on this store"
        assert self._runner is not None, "no projection runner on this store"
        for name in READ_MODELS:
            wait_for_position(self._runner, name, min_position, context)
        return self._directory, min(self._runner.position(name) for name in READ_MODELS)
