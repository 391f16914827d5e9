"""The console's routes: sign-in with an API key, the desk's queue, a claim page with the desk's line decisions.

Every page checks the caller's role with gRPC's own table (``check_rpc``, naming the equivalent RPC) and passes the
principal to the application, whose resource checks decide whose data it is; nothing is checked twice here.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from markupsafe import Markup
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from claims.adapters.grpc.auth.authenticator import AuthenticationError, Authenticator
from claims.adapters.grpc.mapping import build, present
from claims.adapters.grpc.policy import check_rpc
from claims.adapters.web import timeline as draw
from claims.application import access
from claims.application.app import ClaimsApplication
from claims.application.messages import CallContext
from claims.application.principal import Principal, Role
from claims.domain.claim.commands import DecideLine
from claims.domain.errors import ClaimsError, InvalidCommandError
from claims.projections.claims import ClaimDirectory

HERE = Path(__file__).parent
CLAIMS = "/claims.api.v1.ClaimService/"
PAGE_SIZE = 50


@dataclass(frozen=True)
class Console:
    """What the pages need: the application, the claim read model and how to authenticate a key."""

    app: ClaimsApplication
    directory: ClaimDirectory | None
    authenticator: Authenticator


templates = Jinja2Templates(directory=str(HERE / "templates"))


def _principal(request: Request) -> Principal | None:
    text = request.session.get("principal")
    if not isinstance(text, str):
        return None
    return Principal.parse(text, str(request.session.get("identity", "")))


def _csrf(request: Request) -> str:
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


async def _form(request: Request) -> dict[str, str] | Response:
    """The posted form, or a 403 when its CSRF token is missing or wrong."""
    form = await request.form()
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    expected = request.session.get("csrf")
    if not isinstance(expected, str) or not secrets.compare_digest(fields.get("csrf", ""), expected):
        return PlainTextResponse("CSRF token missing or wrong", status_code=403)
    return fields


def _page(request: Request, name: str, code: int = 200, **context: Any) -> Response:
    context |= {"principal": _principal(request), "csrf": _csrf(request)}
    return templates.TemplateResponse(request, name, context, status_code=code)


def _refusal(error: ClaimsError) -> str:
    if isinstance(error, InvalidCommandError):
        return "; ".join(f"{v.field}: {v.description}" for v in error.violations)
    return str(error)


def _call(principal: Principal, request_id: str, expected_version: int | None) -> CallContext:
    """The call's identity as gRPC's ``call_context`` builds it for an authenticated principal."""
    return CallContext(
        actor=f"{principal.name} via {principal.identity}"[:256],
        request_id=request_id,
        correlation_id=str(uuid.uuid4()),
        expected_version=expected_version,
        principal=principal,
    )


def build_web_app(console: Console, *, secret_key: str, extra_routes: Sequence[BaseRoute] = ()) -> Starlette:
    """The console as an ASGI app; ``extra_routes`` (a JSON door, say) are served on the same port."""

    def signed_in(request: Request, method: str) -> Principal | Response:
        principal = _principal(request)
        if principal is None:
            return RedirectResponse("/signin", status_code=303)
        try:
            check_rpc(CLAIMS + method, principal)
        except ClaimsError as e:
            return _page(request, "refused.html", 403, reason=str(e))
        return principal

    async def healthz(request: Request) -> Response:
        return PlainTextResponse("ok")

    async def signin(request: Request) -> Response:
        if request.method == "GET":
            return _page(request, "signin.html")
        form = await _form(request)
        if isinstance(form, Response):
            return form
        try:
            principal = console.authenticator.authenticate([("authorization", f"Bearer {form.get('key', '')}")], {})
        except AuthenticationError as e:
            return _page(request, "signin.html", 401, error=e.message)
        request.session.clear()
        request.session.update({"principal": principal.name, "identity": principal.identity})
        return RedirectResponse("/", status_code=303)

    async def signout(request: Request) -> Response:
        form = await _form(request)
        if isinstance(form, Response):
            return form
        request.session.clear()
        return RedirectResponse("/signin", status_code=303)

    async def home(request: Request) -> Response:
        principal = _principal(request)
        return RedirectResponse("/signin" if principal is None else "/claims", status_code=303)

    async def queue(request: Request) -> Response:
        principal = signed_in(request, "ListClaims")
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
            return _page(request, "refused.html", 403, reason=_refusal(e))
        more = rows[PAGE_SIZE - 1].cursor if len(rows) > PAGE_SIZE else ""
        return _page(request, "queue.html", claims=rows[:PAGE_SIZE], status=status, dealer=dealer, more=more)

    async def claim(request: Request) -> Response:
        principal = signed_in(request, "GetClaim")
        if isinstance(principal, Response):
            return principal
        return _claim_page(request, principal)

    def _claim_page(request: Request, principal: Principal, code: int = 200, **extra: Any) -> Response:
        dealer, number = request.path_params["dealer"], request.path_params["number"]
        try:
            found, version = console.app.get_claim(dealer, number, principal)
        except ClaimsError as e:
            return _page(request, "refused.html", 404, reason=str(e))
        try:
            check_rpc(CLAIMS + "DecideClaimLine", principal)
            desk = True
        except ClaimsError:
            desk = False
        return _page(request, "claim.html", code, claim=found, version=version, desk=desk, **extra)

    async def timeline(request: Request) -> Response:
        principal = signed_in(request, "GetClaim")
        if isinstance(principal, Response):
            return principal
        try:  # get_claim decides whether the principal may see the claim; StreamEvents' event check filters the rest
            check_rpc("/claims.api.v1.AuditService/StreamEvents", principal)
            found, _ = console.app.get_claim(request.path_params["dealer"], request.path_params["number"], principal)
        except ClaimsError as e:
            return _page(request, "refused.html", 404, reason=str(e))
        events = [
            e for e in console.app.store.load_with_positions(found.claim_id) if access.sees_event(principal, e.event)
        ]
        axis = Markup(draw.svg(draw.marks(found, events)))  # noqa: S704  (built from escaped parts in timeline.py)
        return _page(request, "timeline.html", claim=found, events=events, axis=axis)

    async def decide(request: Request) -> Response:
        form = await _form(request)
        if isinstance(form, Response):
            return form
        principal = signed_in(request, "DecideClaimLine")
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
            console.app.handle_claim(_call(principal, form.get("request_id") or str(uuid.uuid4()), version), command)
        except ClaimsError as e:
            return _claim_page(request, principal, 409, refusal=_refusal(e), refused_line=form.get("line_no"))
        return RedirectResponse(f"/claims/{dealer}/{number}", status_code=303)

    routes: list[BaseRoute] = [
        Route("/healthz", healthz),
        Route("/signin", signin, methods=["GET", "POST"]),
        Route("/signout", signout, methods=["POST"]),
        Route("/", home),
        Route("/claims", queue),
        Route("/claims/{dealer}/{number}", claim),
        Route("/claims/{dealer}/{number}/timeline", timeline),
        Route("/claims/{dealer}/{number}/decide", decide, methods=["POST"]),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
        *extra_routes,
    ]
    middleware = [
        Middleware(SessionMiddleware, secret_key=secret_key, session_cookie="claims_session", same_site="strict",
                   https_only=False, max_age=8 * 3600),
    ]  # fmt: skip
    return Starlette(routes=routes, middleware=middleware)
