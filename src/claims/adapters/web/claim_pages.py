"""The claim queue (the desk's, a dealer's own), a claim page with the desk's actions, and the claim's timeline."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, cast
from uuid import UUID

from markupsafe import Markup
from pydantic import BaseModel
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
    form_handler,
    may_call,
    refusal_text,
    render,
    signed_in,
)
from claims.application import access
from claims.application.principal import Principal, Role
from claims.domain.claim.commands import ClaimCommand, DecideLine, PostPayment, RequestPartReturn, ReturnClaim
from claims.domain.claim.events import ClaimFiled, ClaimResubmitted, ClaimReturned
from claims.domain.claim.values import ClaimStatus
from claims.domain.errors import ClaimsError, FieldViolation, InvalidCommandError
from claims.domain.statutory.commitments import DeemedOutcome
from claims.projections.claims import ClaimSummary
from claims.projections.commitments import ClockStatus

Fields = Callable[[dict[str, str], Principal], dict[str, Any]]


@dataclass(frozen=True)
class Action:
    """A desk action: the RPC whose role check it shares, the command it sends, and how a form becomes it."""

    rpc: str
    command: type[BaseModel]
    fields: Fields


def _decision(form: dict[str, str], principal: Principal) -> dict[str, Any]:
    amount = form.get("approved_amount", "")
    return {
        "line_no": form.get("line_no"), "decision": form.get("decision"), "decided_by": principal.name,
        "approved_amount": {"amount": amount, "currency": form.get("currency", "")} if amount else None,
        "reason_code": form.get("reason_code"),
    }  # fmt: skip


def _return(form: dict[str, str], principal: Principal) -> dict[str, Any]:
    reasons = [r.strip() for r in form.get("reasons", "").splitlines() if r.strip()]
    return {"reasons": reasons or None, "returned_by": principal.name}


ACTIONS: dict[str, Action] = {
    "decide": Action("DecideClaimLine", DecideLine, _decision),
    "return": Action("ReturnClaim", ReturnClaim, _return),
    "pay": Action("PostClaimPayment", PostPayment, lambda form, _: {"credit_reference": form.get("credit_reference")}),
    "part-return": Action("RequestPartReturn", RequestPartReturn, lambda form, _: {"line_no": form.get("line_no")}),
}


@dataclass(frozen=True)
class QueueRow:
    """A claim of the queue with its decision clock: due day, days left (negative: overdue), deemed approval."""

    claim: ClaimSummary
    days_left: int | None
    deemed_on: date | None


def _filters(request: Request, principal: Principal, today: date) -> tuple[dict[str, str], date | None, Decimal | None]:
    """The queue's filters as asked (echoed back into the form), the last filing day the age asks, the amount."""
    asked = {
        "status": request.query_params.get("status", "UNDER_REVIEW" if principal.role is Role.OEM_DESK else ""),
        **{name: request.query_params.get(name, "").strip() for name in ("dealer", "age", "amount")},
    }
    violations = []
    filed_to = None
    if asked["age"]:
        if not asked["age"].isdigit():
            violations.append(FieldViolation("age", "a whole number of days"))
        else:
            filed_to = today - timedelta(days=int(asked["age"]))
    at_least = None
    if asked["amount"]:
        try:
            at_least = Decimal(asked["amount"])
        except InvalidOperation:
            violations.append(FieldViolation("amount", "an amount such as 1500.00"))
    if at_least is not None and not at_least.is_finite():
        violations.append(FieldViolation("amount", "an amount such as 1500.00"))
    if asked["status"] and asked["status"] not in ClaimStatus.__members__:
        violations.append(FieldViolation("status", f"one of {', '.join(ClaimStatus)}"))
    if violations:
        raise InvalidCommandError(violations)
    return asked, filed_to, at_least


def routes(console: Console) -> list[BaseRoute]:
    def queue_rows(rows: Sequence[ClaimSummary], today: date) -> list[QueueRow]:
        deemed: dict[str, date] = {}
        if console.commitments is not None:  # the statutory clocks that approve a claim by law when they run out
            for view in console.commitments.clocks_of([UUID(r.claim_id) for r in rows]):
                clock = view.clock
                if clock.consequence == DeemedOutcome.APPROVED.value and clock.status is ClockStatus.OPEN:
                    deemed[str(clock.subject_id)] = clock.due_at.date()
        found = []
        for row in rows:
            due = date.fromisoformat(row.decision_due_on) if row.decision_due_on else None
            days_left = (due - today).days if due is not None and row.status == ClaimStatus.UNDER_REVIEW else None
            found.append(QueueRow(row, days_left, deemed.get(row.claim_id)))
        return found

    def returned_to(principal: Principal) -> list[tuple[ClaimSummary, tuple[str, ...]]]:
        """A dealer's claims sent back to it for correction, each with why (the desk's reasons or the checks')."""
        assert console.directory is not None
        rows = console.directory.list(
            dealer_id=access.narrowed(principal, Role.DEALER, "", "dealer_id"), vin="",
            status=ClaimStatus.RETURNED.value, filed_from=None, filed_to=None, after="", limit=PAGE_SIZE,
        )  # fmt: skip
        return [(row, _return_reasons(console, UUID(row.claim_id))) for row in rows]

    def queue(request: Request) -> Response:
        principal = signed_in(request, CLAIMS + "ListClaims")
        if isinstance(principal, Response):
            return principal
        assert console.directory is not None, "no read model on this store"
        console.caught_up("claims", "commitments")
        today = console.app.clock().date()
        try:
            asked, filed_to, at_least = _filters(request, principal, today)
            dealer_id = access.narrowed(principal, Role.DEALER, asked["dealer"], "dealer_id")
            rows = console.directory.list(
                dealer_id=dealer_id, vin="", status=asked["status"], filed_from=None, filed_to=filed_to,
                after=request.query_params.get("after", ""), limit=PAGE_SIZE + 1,
                manufacturer=access.manufacturer_scope(principal), claimed_at_least=at_least,
            )  # fmt: skip
        except InvalidCommandError as e:
            asked = dict(request.query_params)
            return render(request, "queue.html", 400, claims=[], asked=asked, refusal=refusal_text(e))
        except ClaimsError as e:
            return render(request, "refused.html", 403, reason=refusal_text(e))
        more = rows[PAGE_SIZE - 1].cursor if len(rows) > PAGE_SIZE else ""
        asked_for = returned_to(principal) if principal.role is Role.DEALER else []
        return render(
            request, "queue.html", claims=queue_rows(rows[:PAGE_SIZE], today), asked=asked, more=more,
            returned=asked_for, today=today,
        )  # fmt: skip

    def claim(request: Request) -> Response:
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
        allowed = {name for name, action in ACTIONS.items() if may_call(principal, CLAIMS + action.rpc)}
        reasons = _return_reasons(console, found.claim_id) if found.status is ClaimStatus.RETURNED else ()
        return render(
            request, "claim.html", code, claim=found, version=version, allowed=allowed, return_reasons=reasons,
            **extra,
        )  # fmt: skip

    def timeline(request: Request) -> Response:
        principal = signed_in(request, CLAIMS + "GetClaim")
        if isinstance(principal, Response):
            return principal
        try:  # get_claim decides whether the principal may see the claim; StreamEvents' event check filters the rest
            check_rpc("/claims.api.v1.AuditService/StreamEvents", principal)
            found, _ = console.app.get_claim(request.path_params["dealer"], request.path_params["number"], principal)
        except ClaimsError as e:
            return render(request, "refused.html", 404, reason=str(e))
        subjects = {found.claim_id: "claim", found.repair_order_id: "repair order", found.vehicle_id: "vehicle"}
        events = sorted(
            (
                e
                for stream in subjects
                for e in console.app.store.load_with_positions(stream)
                if access.sees_event(principal, e.event)
            ),
            key=lambda e: e.position or 0,  # loaded from the log: every one has its position
        )
        clocks = [v.clock for v in console.commitments.clocks_of([found.claim_id])] if console.commitments else []
        opened = found.versions[0].repair_opened_at  # the axis starts at the repair: the sale may be years back
        drawn = draw.svg(draw.marks(found, [e for e in events if e.metadata.recorded_at >= opened]), clocks)
        axis = Markup(drawn)  # noqa: S704  (built from escaped parts in timeline.py)
        return render(request, "timeline.html", claim=found, events=events, axis=axis, subjects=subjects)

    def act(request: Request, form: dict[str, str]) -> Response:
        """A desk action posted from the claim page: the same command the RPC sends, refused in place."""
        action = ACTIONS.get(request.path_params["action"])
        if action is None:
            return Response("no such action", status_code=404)
        principal = signed_in(request, CLAIMS + action.rpc)
        if isinstance(principal, Response):
            return principal
        dealer, number = request.path_params["dealer"], request.path_params["number"]
        try:
            ref = {"dealer_id": dealer, "claim_number": number}
            command = build(action.command, present({**ref, **action.fields(form, principal)}))
            version = int(form["version"]) if form.get("version", "").isdigit() else None
            request_id = form.get("request_id") or str(uuid.uuid4())
            console.app.handle_claim(call_context(principal, request_id, version), cast(ClaimCommand, command))
        except ClaimsError as e:  # a mistake in the form is 400; a command the claim refuses as it stands, 409
            code = 400 if isinstance(e, InvalidCommandError) else 409
            refused = {"refusal": refusal_text(e), "refused_action": request.path_params["action"]}
            return claim_page(request, principal, code, refused_line=form.get("line_no"), **refused)
        return RedirectResponse(f"/claims/{dealer}/{number}", status_code=303)

    return [
        Route("/claims", queue),
        Route("/claims/{dealer}/{number}", claim),
        Route("/claims/{dealer}/{number}/timeline", timeline),
        Route("/claims/{dealer}/{number}/{action}", form_handler(act), methods=["POST"]),
    ]


def _return_reasons(console: Console, claim_id: UUID) -> tuple[str, ...]:
    """Why the claim stands returned: the desk's reasons when it returned the claim, else the automatic checks'
    (a version the checks routed back on filing). The claim's state keeps only that it was returned."""
    reasons: tuple[str, ...] = ()
    for recorded in console.app.store.load_with_positions(claim_id):
        match recorded.event:
            case ClaimReturned(reasons=given):
                reasons = given
            case ClaimFiled(version=version) | ClaimResubmitted(version=version):
                reasons = version.reasons
            case _:
                pass
    return reasons
