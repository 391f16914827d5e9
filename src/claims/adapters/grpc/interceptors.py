"""One interceptor for every RPC: undecodable requests, deadlines and errors become precise statuses."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeAlias

import grpc
from google.protobuf.message import DecodeError
from grpc_status import rpc_status

from claims.adapters.grpc.status import bad_request, rich_status, status_code_for, status_for
from claims.domain.errors import FieldViolation

log = logging.getLogger("claims.grpc")


class _Undecodable:
    """Stands in for a request body that is not valid protobuf."""

    def __init__(self, error: Exception) -> None:
        self.error = error


def _safe(deserializer: Callable[[bytes], Any] | None) -> Callable[[bytes], Any]:
    def deserialize(data: bytes) -> Any:
        if deserializer is None:
            return data
        try:
            return deserializer(data)
        except (DecodeError, ValueError, TypeError) as e:
            return _Undecodable(e)

    return deserialize


def _abort(context: grpc.ServicerContext, status: Any) -> None:
    context.abort_with_status(rpc_status.to_status(status))


Behavior = Callable[[Any, grpc.ServicerContext], Any]


def wrap_behavior(
    handler: grpc.RpcMethodHandler[Any, Any],
    unary: Callable[[Behavior], Behavior],
    stream: Callable[[Behavior], Behavior],
    request_deserializer: Callable[[bytes], Any] | None = None,
) -> grpc.RpcMethodHandler[Any, Any]:
    """``handler`` with its behaviour wrapped by ``unary`` (unary-unary) or ``stream`` (unary-stream), and its request
    deserializer replaced when one is given; any other kind as it is (we serve no client-streaming RPCs)."""
    deserializer = request_deserializer or handler.request_deserializer
    if handler.unary_unary is not None:
        return grpc.unary_unary_rpc_method_handler(
            unary(handler.unary_unary), request_deserializer=deserializer,
            response_serializer=handler.response_serializer,
        )  # fmt: skip
    if handler.unary_stream is not None:
        return grpc.unary_stream_rpc_method_handler(
            stream(handler.unary_stream), request_deserializer=deserializer,
            response_serializer=handler.response_serializer,
        )  # fmt: skip
    return handler


Handler: TypeAlias = "grpc.RpcMethodHandler[Any, Any]"  # the stubs make it generic; grpc does not


class WrappedHandlers:
    """Each method's wrapped handler, made once and reused while the handler beneath it stays the same.

    grpc asks every interceptor for the method's handler on every call, and an interceptor's wrapping depends on
    nothing but the method and that handler. Making it afresh each time (new closures and handler objects, per
    interceptor) showed as 2-5% of a fuzzed server's time in its profiles.
    Only registered methods are remembered (an unknown method has no handler), so the memory is bounded.
    """

    def __init__(self, wrap: Callable[[str, Handler], Handler]) -> None:
        self._wrap = wrap
        self._made: dict[str, tuple[Handler, Handler]] = {}

    def get(self, method: str, handler: Handler) -> Handler:
        made = self._made.get(method)
        if made is not None and made[0] is handler:
            return made[1]
        wrapped = self._wrap(method, handler)
        self._made[method] = (handler, wrapped)  # two threads may both wrap it: either result will do
        return wrapped


class ErrorInterceptor(grpc.ServerInterceptor):
    """Maps known errors to statuses with details; anything unknown is logged and answered INTERNAL."""

    def __init__(self) -> None:
        self._handlers = WrappedHandlers(self._wrap)

    def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], grpc.RpcMethodHandler[Any, Any] | None],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler[Any, Any] | None:
        handler = continuation(handler_call_details)
        return None if handler is None else self._handlers.get(handler_call_details.method, handler)

    def _wrap(self, method: str, handler: Handler) -> Handler:
        return wrap_behavior(
            handler,
            lambda behavior: self._guard(method, behavior),
            lambda behavior: self._guard_stream(method, behavior),
            request_deserializer=_safe(handler.request_deserializer),
        )

    def _guard(
        self, method: str, behavior: Callable[[Any, grpc.ServicerContext], Any]
    ) -> Callable[[Any, grpc.ServicerContext], Any]:
        def guarded(request: Any, context: grpc.ServicerContext) -> Any:
            _check_request(method, request, context)
            try:
                return behavior(request, context)
            except Exception as error:  # noqa: BLE001 - every error leaves as a status
                _fail(method, error, context)

        return guarded

    def _guard_stream(
        self, method: str, behavior: Callable[[Any, grpc.ServicerContext], Any]
    ) -> Callable[[Any, grpc.ServicerContext], Any]:
        def guarded(request: Any, context: grpc.ServicerContext) -> Any:
            _check_request(method, request, context)
            try:
                yield from behavior(request, context)
            except Exception as error:  # noqa: BLE001 - every error leaves as a status
                _fail(method, error, context)

        return guarded


def _check_request(method: str, request: Any, context: grpc.ServicerContext) -> None:
    if isinstance(request, _Undecodable):
        violation = FieldViolation("(body)", f"not a valid protobuf message for {method}: {request.error}")
        _abort(context, rich_status(grpc.StatusCode.INVALID_ARGUMENT, "the request body could not be decoded",
                                    "MALFORMED_REQUEST", {"method": method}, [bad_request([violation])]))  # fmt: skip
    remaining = context.time_remaining()
    if remaining is not None and remaining <= 0:
        _abort(context, rich_status(grpc.StatusCode.DEADLINE_EXCEEDED, "the deadline passed before the call started",
                                    "DEADLINE_EXCEEDED", {"method": method}, []))  # fmt: skip


def _fail(method: str, error: Exception, context: grpc.ServicerContext) -> None:
    if _is_abort(error):
        raise error
    code = status_code_for(error)
    if code is None:
        log.exception("unexpected error in %s", method)
        _abort(context, rich_status(grpc.StatusCode.INTERNAL, "internal error", "INTERNAL", {"method": method}, []))
        return
    _abort(context, status_for(error, code))


def _is_abort(error: Exception) -> bool:
    # grpc raises a bare Exception from context.abort*(); it must pass through untouched.
    return type(error) is Exception and not error.args
