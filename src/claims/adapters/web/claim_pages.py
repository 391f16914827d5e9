"""The desk's queue, a claim page with the desk's line decisions, and the claim's timeline."""

from __future__ import annotations

import uuid

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from claims.adapters.grpc.mapping import build, present
from claims.adapters.grpc.policy import check_rpc
from claims.adapters.web import timeline as draw
from claims.adapters.web.pages import (
    CLAIMS,
    PAGE_SIZE,
    Console,
    call_context,
    may_call,
    posted_form,
    refusal_text,
    render,
    signed_in,
)
from claims.application import access
from claims.application.principal import Principal, Role
from claims.domain.claim.commands import DecideLine
from claims.domain.errors import ClaimsError


def routes(console: Console) -> list[BaseRoute]:
    async def queue(request: Request) -> Response:
        principal = signed_in(request, CLAIMS + "ListClaims")
        if isinstance(principal, Response):
            return principal
        assert console.directory is not None, "no read model on this store"
        status = request.query_params.get("status", "UNDER_REVIEW" if principal.role is Role.OEM_DESK else "")
        dealer = request.query_params.get("dealer", "")
        after = request.query_params.get("after", "")
        try:
            dealer_id = access.narrowed(principal, Role.DEALER, dealer, "dealer_id")
            rows = console.directory.list(
                dealer_id=dealer_id, vin="", status=status, filed_from=None, filed_to=None, after=after,
                limit=PAGE_SIZE + 1, manufacturer=access.manufacturer_scope(principal),
            )  # fmt: skip
        except ClaimsError as e:
            return render(request, "refused.html", 403, reason=refusal_text(e))
        more = rows[PAGE_SIZE - 1].cursor if len(rows) > PAGE_SIZE else ""
        return render(request, "queue.html", claims=rows[:PAGE_SIZE], status=status, dealer=dealer, more=more)

    async def claim(request: Request) -> Response:
        principal = signed_in(request, CLAIMS + "GetClaim")
        if isinstance(principal, Response):
            return principal
        return claim_page(request, principal)

    def claim_page(request: Request, principal: Principal, code: int = 200, **extra: object) -> Response:
        dealer, number = request.path_params["dealer"], request.path_params["number"]
        try:
            found, version = console.app.get_claim(dealer, number, principal)
        except ClaimsError as e:
            return render(request, "refused.html", 404, reason=str(e))
        desk = may_call(principal, CLAIMS + "DecideClaimLine")
        return render(request, "claim.html", code, claim=found, version=version, desk=desk, **extra)

    async def timeline(request: Request) -> Response:
        principal = signed_in(request, CLAIMS + "GetClaim")
        if isinstance(principal, Response):
            return principal
        try:  # get_claim decides whether the principal may see the claim; StreamEvents' event check filters the rest
            check_rpc("/claims.api.v1.AuditService/StreamEvents", principal)
            found, _ = console.app.get_claim(request.path_params["dealer"], request.path_params["number"], principal)
        except ClaimsError as e:
            return render(request, "refused.html", 404, reason=str(e))
        events = [
            e for e in console.app.store.load_with_positions(found.claim_id) if access.sees_event(principal, e.event)
        ]
        axis = Markup(draw.svg(draw.marks(found, events)))  # noqa: S704  (built from escaped parts in timeline.py)
        return render(request, "timeline.html", claim=found, events=events, axis=axis)

    async def decide(request: Request) -> Response:
        form = await posted_form(request)
        if isinstance(form, Response):
            return form
        principal = signed_in(request, CLAIMS + "DecideClaimLine")
        if isinstance(principal, Response):
            return principal
        dealer, number = request.path_params["dealer"], request.path_params["number"]
        try:
            amount = form.get("approved_amount", "")
            command = build(
                DecideLine,
                present({
                    "dealer_id": dealer, "claim_number": number, "line_no": form.get("line_no"),
                    "decision": form.get("decision"), "decided_by": principal.name,
                    "approved_amount": {"amount": amount, "currency": form.get("currency", "")} if amount else None,
                    "reason_code": form.get("reason_code"),
                }),
            )  # fmt: skip
            version = int(form["version"]) if form.get("version", "").isdigit() else None
            request_id = form.get("request_id") or str(uuid.uuid4())
            console.app.handle_claim(call_context(principal, request_id, version), command)
        except ClaimsError as e:
            return claim_page(request, principal, 409, refusal=refusal_text(e), refused_line=form.get("line_no"))
        return RedirectResponse(f"/claims/{dealer}/{number}", status_code=303)

    return [
        Route("/claims", queue),
        Route("/claims/{dealer}/{number}", claim),
        Route("/claims/{dealer}/{number}/timeline", timeline),
        Route("/claims/{dealer}/{number}/decide", decide, methods=["POST"]),
    ]
