"""PreAuthorizationService: proto → command → application → proto, nothing else."""

from __future__ import annotations

import grpc

from claims.adapters.grpc import preauth_requests as requests
from claims.adapters.grpc.calls import call_context, expected_version
from claims.adapters.grpc.identity import current_principal
from claims.adapters.grpc.mapping import mutation_result
from claims.adapters.grpc.preauth_view import preauth_to_proto
from claims.api.v1 import preauthorizations_pb2 as pb
from claims.api.v1 import preauthorizations_pb2_grpc as pb_grpc
from claims.application.app import ClaimsApplication


class PreAuthorizationServicer(pb_grpc.PreAuthorizationServiceServicer):
    """Dealer- and desk-facing pre-authorization RPCs."""

    def __init__(self, app: ClaimsApplication) -> None:
        self._app = app

    def RequestPreAuthorization(
        self, request: pb.RequestPreAuthorizationRequest, context: grpc.ServicerContext
    ) -> pb.RequestPreAuthorizationResponse:
        call = call_context(context, request.request_id)
        result = self._app.handle_preauth(call, requests.request_preauthorization(request))
        return pb.RequestPreAuthorizationResponse(result=mutation_result(result))

    def DecidePreAuthorization(
        self, request: pb.DecidePreAuthorizationRequest, context: grpc.ServicerContext
    ) -> pb.DecidePreAuthorizationResponse:
        call = call_context(context, request.request_id, expected_version(request))
        result = self._app.handle_preauth(call, requests.decide_preauthorization(request))
        return pb.DecidePreAuthorizationResponse(result=mutation_result(result))

    def ExpirePreAuthorization(
        self, request: pb.ExpirePreAuthorizationRequest, context: grpc.ServicerContext
    ) -> pb.ExpirePreAuthorizationResponse:
        call = call_context(context, request.request_id, expected_version(request))
        result = self._app.handle_preauth(call, requests.expire_preauthorization(request))
        return pb.ExpirePreAuthorizationResponse(result=mutation_result(result))

    def GetPreAuthorization(
        self, request: pb.GetPreAuthorizationRequest, context: grpc.ServicerContext
    ) -> pb.GetPreAuthorizationResponse:
        preauth, version = self._app.get_preauth(request.dealer_id, request.preauth_number, current_principal())
        return pb.GetPreAuthorizationResponse(pre_authorization=preauth_to_proto(preauth, version))
