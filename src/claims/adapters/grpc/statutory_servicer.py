"""StatutoryService: proto → command → application → proto, nothing else."""

from __future__ import annotations

import grpc

from claims.adapters.grpc import statutory_requests as requests
from claims.adapters.grpc.calls import call_context, expected_version
from claims.adapters.grpc.mapping import mutation_result
from claims.adapters.grpc.statutory_view import (
    delivered_to_proto,
    pack_to_proto,
    statutory_case_to_proto,
    what_if_to_proto,
)
from claims.api.v1 import statutory_pb2 as pb
from claims.api.v1 import statutory_pb2_grpc as pb_grpc
from claims.application.app import ClaimsApplication
from claims.domain.statutory.registry import list_packs


class StatutoryServicer(pb_grpc.StatutoryServiceServicer):
    """Statutory cases, remedies, rule packs and what-if."""

    def __init__(self, app: ClaimsApplication) -> None:
        self._app = app

    def GetStatutoryCase(
        self, request: pb.GetStatutoryCaseRequest, context: grpc.ServicerContext
    ) -> pb.GetStatutoryCaseResponse:
        case, version = self._app.get_statutory_case(requests.vin(request.vin))
        return pb.GetStatutoryCaseResponse(statutory_case=statutory_case_to_proto(case, version))

    def RecordDirectNotice(
        self, request: pb.RecordDirectNoticeRequest, context: grpc.ServicerContext
    ) -> pb.RecordDirectNoticeResponse:
        call = call_context(context, request.request_id, expected_version(request))
        result = self._app.handle_statutory_case(call, requests.record_direct_notice(request))
        return pb.RecordDirectNoticeResponse(result=mutation_result(result))

    def ReevaluateCase(
        self, request: pb.ReevaluateCaseRequest, context: grpc.ServicerContext
    ) -> pb.ReevaluateCaseResponse:
        call = call_context(context, request.request_id, expected_version(request))
        result = self._app.handle_statutory_case(call, requests.reevaluate_case(request))
        return pb.ReevaluateCaseResponse(result=mutation_result(result))

    def RequestRemedy(
        self, request: pb.RequestRemedyRequest, context: grpc.ServicerContext
    ) -> pb.RequestRemedyResponse:
        call = call_context(context, request.request_id, expected_version(request))
        result = self._app.handle_statutory_case(call, requests.request_remedy(request))
        return pb.RequestRemedyResponse(result=mutation_result(result))

    def AnswerRemedy(self, request: pb.AnswerRemedyRequest, context: grpc.ServicerContext) -> pb.AnswerRemedyResponse:
        call = call_context(context, request.request_id, expected_version(request))
        result = self._app.handle_statutory_case(call, requests.answer_remedy(request))
        return pb.AnswerRemedyResponse(result=mutation_result(result))

    def DeliverRemedy(
        self, request: pb.DeliverRemedyRequest, context: grpc.ServicerContext
    ) -> pb.DeliverRemedyResponse:
        call = call_context(context, request.request_id, expected_version(request))
        command = requests.deliver_remedy(request)
        result = self._app.handle_statutory_case(call, command)
        case, _ = self._app.get_statutory_case(command.vin)
        return delivered_to_proto(result, case)

    def ListRulePacks(
        self, request: pb.ListRulePacksRequest, context: grpc.ServicerContext
    ) -> pb.ListRulePacksResponse:
        return pb.ListRulePacksResponse(packs=[pack_to_proto(pack) for pack in list_packs()])

    def WhatIf(self, request: pb.WhatIfRequest, context: grpc.ServicerContext) -> pb.WhatIfResponse:
        query = requests.what_if_query(request)
        return what_if_to_proto(self._app.what_if(query.vin, query.pack_id, query.pack_version))
