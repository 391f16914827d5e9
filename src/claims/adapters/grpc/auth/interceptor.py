"""The auth interceptor: authenticate the call, ask the policy whether the principal may call this RPC at
all, then serve it with the principal bound (servicers read ``current_principal()``).

It sits inside the error interceptor, so a policy refusal raised here becomes its precise status; an
authentication failure aborts with UNAUTHENTICATED and an ErrorInfo reason. Health checks and reflection
need no credentials (load balancers and schema browsers; the schema is public).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

import grpc
from grpc_status import rpc_status

from claims.adapters.grpc.auth.authenticator import AuthenticationError, Authenticator
from claims.adapters.grpc.identity import bound_principal
from claims.adapters.grpc.interceptors import Handler, WrappedHandlers, wrap_behavior
from claims.adapters.grpc.status import rich_status
from claims.application.principal import Principal

log = logging.getLogger("claims.auth")

OPEN_SERVICES = ("/grpc.health.v1.Health/", "/grpc.reflection.")

Authorize = Callable[[str, Principal], None]


class AuthInterceptor(grpc.ServerInterceptor):
    """Binds the authenticated principal around every RPC of our services."""

    def __init__(self, authenticator: Authenticator, authorize: Authorize) -> None:
        self._authenticator = authenticator
        self._authorize = authorize
        self._handlers = WrappedHandlers(self._wrap)

    def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], grpc.RpcMethodHandler[Any, Any] | None],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler[Any, Any] | None:
        handler = continuation(handler_call_details)
        method = handler_call_details.method
        if handler is None or method.startswith(OPEN_SERVICES):
            return handler
        return self._handlers.get(method, handler)

    def _wrap(self, method: str, handler: Handler) -> Handler:
        return wrap_behavior(handler, lambda b: self._unary(method, b), lambda b: self._stream(method, b))

    def _principal(self, method: str, context: grpc.ServicerContext) -> Principal:
        try:
            principal = self._authenticator.authenticate(
                tuple(context.invocation_metadata() or ()),
                context.auth_context(),  # type: ignore[arg-type]  # the stubs say bytes; grpc gives lists of bytes
            )
        except AuthenticationError as e:
            log.info("unauthenticated call to %s from %s: %s", method, context.peer(), e.reason)
            context.abort_with_status(
                rpc_status.to_status(rich_status(grpc.StatusCode.UNAUTHENTICATED, e.message, e.reason, e.metadata, []))
            )
            raise  # abort_with_status raises; this line is never reached
        self._authorize(method, principal)
        return principal

    def _unary(
        self, method: str, behavior: Callable[[Any, grpc.ServicerContext], Any]
    ) -> Callable[[Any, grpc.ServicerContext], Any]:
        def authenticated(request: Any, context: grpc.ServicerContext) -> Any:
            principal = self._principal(method, context)
            with bound_principal(principal):
                return behavior(request, context)

        return authenticated

    def _stream(
        self, method: str, behavior: Callable[[Any, grpc.ServicerContext], Iterator[Any]]
    ) -> Callable[[Any, grpc.ServicerContext], Iterator[Any]]:
        def authenticated(request: Any, context: grpc.ServicerContext) -> Iterator[Any]:
            principal = self._principal(method, context)
            # Bound only while the servicer's code runs: the generator may be closed from another thread.
            with bound_principal(principal):
                responses = iter(behavior(request, context))
            try:
                while True:
                    with bound_principal(principal):
                        try:
                            response = next(responses)
                        except StopIteration:
                            return
                    yield response
            finally:
                close = getattr(responses, "close", None)
                if close is not None:
                    with bound_principal(principal):
                        close()

        return authenticated
