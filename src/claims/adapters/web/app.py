"""The console as an ASGI app: sign-in with an API key, then the pages of each module, on one session cookie."""

from __future__ import annotations

from collections.abc import Sequence

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from claims.adapters.grpc.auth.authenticator import AuthenticationError
from claims.adapters.web import audit_pages, claim_pages, i18n, vehicle_pages
from claims.adapters.web.pages import HERE, Console, form_handler, nav_links, principal_of, render

__all__ = ["Console", "build_web_app"]


def build_web_app(
    console: Console, *, secret_key: str, extra_routes: Sequence[BaseRoute] = (), secure_cookie: bool = False
) -> Starlette:
    """The console as an ASGI app; ``extra_routes`` (a JSON door, say) are served on the same port;
    ``secure_cookie`` sends the session cookie over HTTPS only."""

    async def healthz(request: Request) -> Response:
        return PlainTextResponse("ok")

    def signin_page(request: Request) -> Response:
        return render(request, "signin.html")

    def signin(request: Request, form: dict[str, str]) -> Response:
        try:
            principal = console.authenticator.authenticate([("authorization", f"Bearer {form.get('key', '')}")], {})
        except AuthenticationError as e:
            return render(request, "signin.html", 401, error=e.message)
        lang = request.session.get("lang")
        request.session.clear()  # a new session for the new principal: nothing of the one before but its language
        request.session.update({"principal": principal.name, "identity": principal.identity})
        request.state.principal = principal
        if lang:
            request.session["lang"] = lang
        return RedirectResponse("/", status_code=303)

    def signout(request: Request, form: dict[str, str]) -> Response:
        request.session.clear()
        return RedirectResponse("/signin", status_code=303)

    def switch_language(request: Request) -> Response:
        """Remember the chosen language in the session and go back to the page it was chosen on."""
        lang = request.path_params["lang"]
        if lang in i18n.LANGUAGES:
            request.session["lang"] = lang
        back = request.query_params.get("next", "/")
        local = back.startswith("/") and not back.startswith("//") and "\\" not in back  # never off this site
        return RedirectResponse(back if local else "/", status_code=303)

    def home(request: Request) -> Response:
        """Sign in, else the first page of the header the principal may open (an admin has no claims to list)."""
        principal = principal_of(request)
        if principal is None:
            return RedirectResponse("/signin", status_code=303)
        links = nav_links(principal)
        return RedirectResponse(links[0][0] if links else "/claims", status_code=303)

    routes: list[BaseRoute] = [
        Route("/healthz", healthz),
        Route("/signin", signin_page, methods=["GET"]),
        Route("/signin", form_handler(signin), methods=["POST"]),
        Route("/signout", form_handler(signout), methods=["POST"]),
        Route("/", home),
        Route("/lang/{lang}", switch_language),
        *claim_pages.routes(console),
        *vehicle_pages.routes(console),
        *audit_pages.routes(console),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
        *extra_routes,
    ]
    middleware = [
        Middleware(SessionMiddleware, secret_key=secret_key, session_cookie="claims_session", same_site="strict",
                   https_only=secure_cookie, max_age=8 * 3600),
    ]  # fmt: skip
    app = Starlette(routes=routes, middleware=middleware)
    app.state.authenticator = console.authenticator  # each request's session is rechecked against its key
    return app
