"""ClaimService: proto → command → application → proto, nothing else."""

from __future__ import annotations

import grpc

from claims.adapters.grpc import claim_requests as requests
from claims.adapters.grpc.calls import call_context, expected_version
from claims.adapters.grpc.claims_view import claim_to_proto, summary_to_proto
from claims.adapters.grpc.identity import current_principal
from claims.adapters.grpc.mapping import mutation_result
from claims.adapters.grpc.paging import PageRequest, wait_for_position
from claims.api.v1 import claims_pb2 as pb
from claims.api.v1 import claims_pb2_grpc as pb_grpc
from claims.application import access
from claims.application.app import ClaimsApplication
from claims.application.principal import Role
from claims.projections.claims import ClaimDirectory
from claims.projections.runner import ProjectionRunner


class ClaimServicer(pb_grpc.ClaimServiceServicer):
    """Dealer- and desk-facing claim RPCs."""

    def __init__(
        self, app: ClaimsApplication, directory: ClaimDirectory | None, runner: ProjectionRunner | None
    ) -> None:
        self._app, self._directory, self._runner = app, directory, runner

    def FileClaim(self, request: pb.FileClaimRequest, context: grpc.ServicerContext) -> pb.FileClaimResponse:
        result = self._app.handle_claim(call_context(context, request.request_id), requests.file_claim(request))
        return pb.FileClaimResponse(result=mutation_result(result))

    def ResubmitClaim(
        self, request: pb.ResubmitClaimRequest, context: grpc.ServicerContext
    ) -> pb.ResubmitClaimResponse:
        call = call_context(context, request.request_id, expected_version(request))
        result = self._app.handle_claim(call, requests.resubmit_claim(request))
        return pb.ResubmitClaimResponse(result=mutation_result(result))

    def DecideClaimLine(
        self, request: pb.DecideClaimLineRequest, context: grpc.ServicerContext
    ) -> pb.DecideClaimLineResponse:
        call = call_context(context, request.request_id, expected_version(request))
        result = self._app.handle_claim(call, requests.decide_line(request))
        return pb.DecideClaimLineResponse(result=mutation_result(result))

    def ReturnClaim(self, request: pb.ReturnClaimRequest, context: grpc.ServicerContext) -> pb.ReturnClaimResponse:
        call = call_context(context, request.request_id, expected_version(request))
        result = self._app.handle_claim(call, requests.return_claim(request))
        return pb.ReturnClaimResponse(result=mutation_result(result))

    def AppealClaim(self, request: pb.AppealClaimRequest, context: grpc.ServicerContext) -> pb.AppealClaimResponse:
        call = call_context(context, request.request_id, expected_version(request))
        result = self._app.handle_claim(call, requests.appeal_claim(request))
        return pb.AppealClaimResponse(result=mutation_result(result))

    def WithdrawClaim(
        self, request: pb.WithdrawClaimRequest, context: grpc.ServicerContext
    ) -> pb.WithdrawClaimResponse:
        call = call_context(context, request.request_id, expected_version(request))
        result = self._app.handle_claim(call, requests.withdraw_claim(request))
        return pb.WithdrawClaimResponse(result=mutation_result(result))

    def PostClaimPayment(
        self, request: pb.PostClaimPaymentRequest, context: grpc.ServicerContext
    ) -> pb.PostClaimPaymentResponse:
        call = call_context(context, request.request_id, expected_version(request))
        result = self._app.handle_claim(call, requests.post_payment(request))
        return pb.PostClaimPaymentResponse(result=mutation_result(result))

    def RequestPartReturn(
        self, request: pb.RequestPartReturnRequest, context: grpc.ServicerContext
    ) -> pb.RequestPartReturnResponse:
        call = call_context(context, request.request_id, expected_version(request))
        result = self._app.handle_claim(call, requests.request_part_return(request))
        return pb.RequestPartReturnResponse(result=mutation_result(result))

    def RecordPartReceived(
        self, request: pb.RecordPartReceivedRequest, context: grpc.ServicerContext
    ) -> pb.RecordPartReceivedResponse:
        call = call_context(context, request.request_id, expected_version(request))
        result = self._app.handle_claim(call, requests.record_part_received(request))
        return pb.RecordPartReceivedResponse(result=mutation_result(result))

    def RecordPartInspection(
        self, request: pb.RecordPartInspectionRequest, context: grpc.ServicerContext
    ) -> pb.RecordPartInspectionResponse:
        call = call_context(context, request.request_id, expected_version(request))
        result = self._app.handle_claim(call, requests.record_part_inspection(request))
        return pb.RecordPartInspectionResponse(result=mutation_result(result))

    def ApplyDeduction(
        self, request: pb.ApplyDeductionRequest, context: grpc.ServicerContext
    ) -> pb.ApplyDeductionResponse:
        call = call_context(context, request.request_id, expected_version(request))
        result = self._app.handle_claim(call, requests.apply_deduction(request))
        return pb.ApplyDeductionResponse(result=mutation_result(result))

    def ChargeBackClaim(
        self, request: pb.ChargeBackClaimRequest, context: grpc.ServicerContext
    ) -> pb.ChargeBackClaimResponse:
        call = call_context(context, request.request_id, expected_version(request))
        result = self._app.handle_claim(call, requests.charge_back(request))
        return pb.ChargeBackClaimResponse(result=mutation_result(result))

    def GetClaim(self, request: pb.GetClaimRequest, context: grpc.ServicerContext) -> pb.GetClaimResponse:
        claim, version = self._app.get_claim(request.dealer_id, request.claim_number, current_principal())
        return pb.GetClaimResponse(claim=claim_to_proto(claim, version))

    def ListClaims(self, request: pb.ListClaimsRequest, context: grpc.ServicerContext) -> pb.ListClaimsResponse:
        assert self._directory is not None, "no read model on this store"
        assert self._runner is not None, "no projection runner on this store"
        query = requests.claim_query(request)
        page = PageRequest.parse(request.page_size, request.page_token, query.token_filters)
        principal = current_principal()
        dealer_id = access.narrowed(principal, Role.DEALER, query.dealer_id, "dealer_id")
        manufacturer = access.manufacturer_scope(principal)
        wait_for_position(self._runner, "claims", request.min_position, context)
        if manufacturer is not None:  # a desk's claims are those on its make's vehicles: that read model too
            wait_for_position(self._runner, "vehicles", request.min_position, context)
        rows = self._directory.list(
            dealer_id=dealer_id, vin=query.vin, status=query.status, filed_from=query.filed_from,
            filed_to=query.filed_to, after=page.after, limit=page.size + 1, manufacturer=manufacturer,
        )  # fmt: skip
        return pb.ListClaimsResponse(
            claims=[summary_to_proto(r) for r in rows[: page.size]],
            next_page_token=page.next_token(rows[page.size - 1].cursor) if len(rows) > page.size else "",
            position=self._runner.position("claims"),
        )
