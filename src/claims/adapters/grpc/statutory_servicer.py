"""StatutoryService: proto → command → application → proto, nothing else."""

from __future__ import annotations

from dataclasses import replace

import grpc

from claims.adapters.grpc import statutory_requests as requests
from claims.adapters.grpc.calls import call_context, expected_version
from claims.adapters.grpc.commitments_view import clocks_page, compensation_page
from claims.adapters.grpc.identity import current_principal
from claims.adapters.grpc.mapping import mutation_result
from claims.adapters.grpc.paging import PageRequest, wait_for_position
from claims.adapters.grpc.statutory_view import (
    delivered_to_proto,
    pack_to_proto,
    statutory_case_to_proto,
    what_if_to_proto,
)
from claims.api.v1 import statutory_pb2 as pb
from claims.api.v1 import statutory_pb2_grpc as pb_grpc
from claims.application import access
from claims.application.app import ClaimsApplication
from claims.application.principal import Role
from claims.domain.errors import NotFoundError
from claims.domain.statutory.registry import list_packs
from claims.projections.commitment_queries import CommitmentQueries
from claims.projections.runner import ProjectionRunner

# The clocks name their subjects from the commitments read model; the ledger's entries join it for VINs and subjects.
CLOCK_READ_MODELS = ("commitments",)
LEDGER_READ_MODELS = ("compensation", "commitments")


class StatutoryServicer(pb_grpc.StatutoryServiceServicer):
    """Statutory cases, remedies, rule packs, what-if, commitment clocks and the compensation ledger."""

    def __init__(
        self,
        app: ClaimsApplication,
        commitments: CommitmentQueries | None = None,
        runner: ProjectionRunner | None = None,
    ) -> None:
        self._app, self._commitments, self._runner = app, commitments, runner

    def GetStatutoryCase(
        self, request: pb.GetStatutoryCaseRequest, context: grpc.ServicerContext
    ) -> pb.GetStatutoryCaseResponse:
        case, version = self._app.get_statutory_case(requests.vin(request.vin), current_principal())
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
        return what_if_to_proto(self._app.what_if(query.vin, query.pack_id, query.pack_version, current_principal()))

    def ListCommitments(
        self, request: pb.ListCommitmentsRequest, context: grpc.ServicerContext
    ) -> pb.ListCommitmentsResponse:
        query = requests.commitment_query(request)
        page = PageRequest.parse(request.page_size, request.page_token, query.token_filters)
        principal = current_principal()
        scoped = replace(
            query.filter,
            dealer_id=access.narrowed(principal, Role.DEALER, query.filter.dealer_id, "dealer_id"),
            manufacturer=access.manufacturer_scope(principal),
        )
        names = CLOCK_READ_MODELS if scoped.manufacturer is None else (*CLOCK_READ_MODELS, "vehicles")
        reads, position = self._caught_up(names, request.min_position, query.subject, context)
        rows = reads.clocks(scoped, after=page.after, limit=page.size + 1)
        return clocks_page(rows, page, position)

    def ListCompensation(
        self, request: pb.ListCompensationRequest, context: grpc.ServicerContext
    ) -> pb.ListCompensationResponse:
        query = requests.compensation_query(request)
        page = PageRequest.parse(request.page_size, request.page_token, query.token_filters)
        principal = current_principal()
        scoped = replace(
            query.filter,
            dealer_id=access.narrowed(principal, Role.DEALER, query.filter.dealer_id, "dealer_id"),
            manufacturer=access.manufacturer_scope(principal),
        )
        names = LEDGER_READ_MODELS if scoped.manufacturer is None else (*LEDGER_READ_MODELS, "vehicles")
        reads, position = self._caught_up(names, request.min_position, query.vehicle, context)
        entries = reads.compensation_entries(scoped, after=page.after, limit=page.size + 1)
        return compensation_page(reads.compensation_balances(scoped), entries, page, position)

    def _caught_up(
        self,
        names: tuple[str, ...],
        min_position: int,
        subject: requests.SubjectRef | None,
        context: grpc.ServicerContext,
    ) -> tuple[CommitmentQueries, int]:
        """Read-your-writes on the read models ``names``, and the named subject known to them; the position reached.

        A subject the read model does not know may only not be projected yet: it is looked for again once the read
        model has caught up with the log as it is now, and only then is it NOT_FOUND.
        """
        assert self._commitments is not None, "no read model on this store"
        assert self._runner is not None, "no projection runner on this store"
        for name in names:
            wait_for_position(self._runner, name, min_position, context)
        if subject is not None and self._commitments.subject(subject.subject_id, subject.kind) is None:
            wait_for_position(self._runner, "commitments", self._app.store.head_position(), context)
            if self._commitments.subject(subject.subject_id, subject.kind) is None:
                raise NotFoundError(subject.missing, metadata=subject.metadata)
        return self._commitments, min(self._runner.position(name) for name in names)
