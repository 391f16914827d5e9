"""What every console page shares: the signed-in principal, the CSRF token, posted forms, rendering and refusals.

A page checks the caller's role with gRPC's own table (``check_rpc``, naming the equivalent RPC) and passes the
principal to the application, whose resource checks decide whose data it is; nothing is checked twice here.
"""

from __future__ import annotations

import logging
import secrets
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.templating import Jinja2Templates

from claims.adapters.grpc.auth.authenticator import AuthenticationError, Authenticator
from claims.adapters.grpc.calls import check_request_id
from claims.adapters.grpc.policy import check_rpc
from claims.adapters.web import i18n
from claims.adapters.web.hash_chain import HashChain
from claims.application import access
from claims.application.app import ClaimsApplication
from claims.application.messages import CallContext
from claims.application.principal import Principal
from claims.domain.errors import ClaimsError, InvalidCommandError
from claims.projections.claims import ClaimDirectory
from claims.projections.commitment_queries import CommitmentQueries
from claims.projections.runner import ProjectionRunner
from claims.projections.vehicles import VehicleDirectory

HERE = Path(__file__).parent
CLAIMS = "/claims.api.v1.ClaimService/"
VEHICLES = "/claims.api.v1.VehicleService/"
REPAIR_ORDERS = "/claims.api.v1.RepairOrderService/"
STATUTORY = "/claims.api.v1.StatutoryService/"
AUDIT = "/claims.api.v1.AuditService/"
PAGE_SIZE = 50
FRESH_WITHIN = 2.0  # seconds a page waits for its read models to show what was written before it was asked for

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Console:
    """What the pages need: the application, its read models (``None`` on a store without them) and how to
    authenticate a key."""

    app: ClaimsApplication
    directory: ClaimDirectory | None
    authenticator: Authenticator
    commitments: CommitmentQueries | None = None
    vehicles: VehicleDirectory | None = None
    chain: HashChain | None = None  # None on a store without the hash chain (the in-memory one)
    runner: ProjectionRunner | None = None  # how far the read models are (None: no read models to wait for)

    def caught_up(self, *projections: str) -> None:
        """Wait, at most ``FRESH_WITHIN`` seconds, until the read models ``projections`` show every change the log
        held when the page was asked for: a person who just returned a claim, or who signs in right after a
        restart while the projections catch up, sees it on the next list. Past the wait the page shows what
        the read models hold (a list a moment behind is better than no page)."""
        if self.runner is None:
            return
        head = self.app.store.head_position()
        reached = self.runner.positions()  # one query; a caught-up page waits for nothing and wakes no one
        deadline = time.monotonic() + FRESH_WITHIN
        for name in (p for p in projections if reached.get(p, head) < head):
            if not self.runner.wait_for(name, head, max(0.0, deadline - time.monotonic())):
                log.warning("page shown with read model %s behind position %d", name, head)
                return


templates = Jinja2Templates(directory=str(HERE / "templates"))
i18n.install(templates.env)


def principal_of(request: Request) -> Principal | None:
    """The session's principal, while the key it signed in with is valid: a revoked key ends the session at once."""
    if hasattr(request.state, "principal"):
        checked: Principal | None = request.state.principal
        return checked
    text = request.session.get("principal")
    principal = Principal.parse(text, str(request.session.get("identity", ""))) if isinstance(text, str) else None
    if principal is not None:
        try:
            request.app.state.authenticator.recheck(principal)
        except AuthenticationError:
            request.session.clear()
            principal = None
    request.state.principal = principal
    return principal


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


async def posted_form(request: Request) -> dict[str, str] | Response:
    """The posted form, or a 403 when its CSRF token is missing or wrong."""
    form = await request.form()
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    expected = request.session.get("csrf")
    if not isinstance(expected, str) or not secrets.compare_digest(fields.get("csrf", ""), expected):
        return PlainTextResponse("CSRF token missing or wrong", status_code=403)
    return fields


def form_handler(handle: Callable[[Request, dict[str, str]], Response]) -> Callable[[Request], Awaitable[Response]]:
    """A POST endpoint: the form read and its CSRF token checked on the event loop, then ``handle`` in a worker
    thread, as Starlette runs every GET page, since it calls the application and the store (which block)."""

    async def endpoint(request: Request) -> Response:
        form = await posted_form(request)
        if isinstance(form, Response):
            return form
        return await run_in_threadpool(handle, request, form)

    return endpoint


def render(request: Request, name: str, code: int = 200, **context: Any) -> Response:
    principal = principal_of(request)
    context |= {"principal": principal, "csrf": csrf_token(request), "lang": i18n.language(request)}
    context.setdefault("nav", nav_links(principal))
    context.setdefault("page_id", uuid.uuid4().hex)  # each form names its request `<page_id>-<form>`: answered once
    return templates.TemplateResponse(request, name, context, status_code=code)


def refusal_text(error: ClaimsError) -> str:
    if isinstance(error, InvalidCommandError):
        return "; ".join(f"{v.field}: {v.description}" for v in error.violations)
    return str(error)


def may_call(principal: Principal, rpc: str) -> bool:
    """Whether the role table lets ``principal`` call ``rpc`` (a full method name), to show or hide an action."""
    try:
        check_rpc(rpc, principal)
    except ClaimsError:
        return False
    return True


# The header's links: (path, English label, the RPC whose role table decides who sees the link).
NAV = (
    ("/claims", "Claims", CLAIMS + "ListClaims"),
    ("/vehicles", "Vehicles", VEHICLES + "ListVehicles"),
    ("/audit", "Audit log", AUDIT + "StreamEvents"),
    ("/audit/chain", "Hash chain", AUDIT + "VerifyHistory"),
)


def nav_links(principal: Principal | None) -> list[tuple[str, str]]:
    """The header's links ``principal`` may follow, as (path, English label)."""
    if principal is None:
        return []
    links = [(path, label) for path, label, rpc in NAV if may_call(principal, rpc)]
    # The whole log is for auditors (audit_feed.require_visible_subject); other readers see one subject's events.
    return [(path, label) for path, label in links if path != "/audit" or access.sees_everything(principal)]


def signed_in(request: Request, rpc: str) -> Principal | Response:
    """The session's principal when it may call ``rpc``; else the sign-in page (no session) or a 403 page."""
    principal = principal_of(request)
    if principal is None:
        return RedirectResponse("/signin", status_code=303)
    try:
        check_rpc(rpc, principal)
    except ClaimsError as e:
        return render(request, "refused.html", 403, reason=str(e))
    return principal


def call_context(principal: Principal, request_id: str, expected_version: int | None) -> CallContext:
    """The call's identity as gRPC's ``call_context`` builds it for an authenticated principal (the request id
    checked as gRPC checks it)."""
    check_request_id(request_id)
    return CallContext(
        actor=f"{principal.name} via {principal.identity}"[:256],
        request_id=request_id,
        correlation_id=str(uuid.uuid4()),
        expected_version=expected_version,
        principal=principal,
    )
