"""Per-RPC observability: the call's ids bound for every log record, counts and latency by method and status.

It sits outside the error interceptor (and outside authentication), so it sees the status every call really
ends with, client mistakes included. The request id is the request's ``request_id`` when it has one (every
mutation), else the ``x-request-id`` header, else a fresh UUID; the correlation id is the
``x-correlation-id`` header or a fresh UUID, and it is the one the call's events are stored with.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import grpc
from opentelemetry import trace

from claims.adapters.grpc.calls import CORRELATION_HEADER, REQUEST_ID_HEADER
from claims.adapters.grpc.interceptors import Handler, WrappedHandlers, wrap_behavior
from claims.logs import CallIds, bound_call
from claims.metrics import Metrics

log = logging.getLogger("claims.rpc")

# The statuses OpenTelemetry's conventions count as a server span's error (the rest are the caller's doing).
SERVER_ERRORS = frozenset({"UNKNOWN", "DEADLINE_EXCEEDED", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS"})


def _code_name(context: grpc.ServicerContext, default: str) -> str:
    code = getattr(context, "code", lambda: None)()  # grpcio has it; its stubs do not
    return code.name if isinstance(code, grpc.StatusCode) else default


def _ids(method: str, request: Any, context: grpc.ServicerContext) -> CallIds:
    headers = {k: v for k, v in (context.invocation_metadata() or ()) if isinstance(v, str)}
    request_id = getattr(request, "request_id", "")
    if not isinstance(request_id, str) or not request_id:
        request_id = headers.get(REQUEST_ID_HEADER, "")[:128] or str(uuid.uuid4())
    correlation = headers.get(CORRELATION_HEADER, "")[:128] or str(uuid.uuid4())
    return CallIds(request_id=request_id[:128], correlation_id=correlation, method=method)


class ObservabilityInterceptor(grpc.ServerInterceptor):
    """Binds each call's ids around its handler, logs its outcome (DEBUG when OK) and records its metrics."""

    def __init__(self, metrics: Metrics | None) -> None:
        self._metrics = metrics
        self._handlers = WrappedHandlers(self._wrap)

    def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], grpc.RpcMethodHandler[Any, Any] | None],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler[Any, Any] | None:
        handler = continuation(handler_call_details)
        return None if handler is None else self._handlers.get(handler_call_details.method, handler)

    def _wrap(self, method: str, handler: Handler) -> Handler:
        return wrap_behavior(handler, lambda b: self._unary(method, b), lambda b: self._stream(method, b))

    def _done(self, ids: CallIds, kind: str, code: str, started: float) -> None:
        seconds = time.perf_counter() - started
        if self._metrics is not None:
            self._metrics.record_rpc(ids.method, kind, code, seconds)
        span = trace.get_current_span()  # the instrumentation's server span, when tracing is on
        if span.is_recording():
            # Aborts with a rich status bypass the instrumentation's own status bookkeeping: record it here.
            span.set_attribute("rpc.grpc.status_code", grpc.StatusCode[code].value[0])
            if code in SERVER_ERRORS:
                span.set_status(trace.Status(trace.StatusCode.ERROR, code))
        level = logging.DEBUG if code == "OK" else logging.INFO
        if log.isEnabledFor(level):
            with bound_call(ids):
                log.log(level, "%s %s in %.1f ms", ids.method, code, seconds * 1000)

    def _unary(
        self, method: str, behavior: Callable[[Any, grpc.ServicerContext], Any]
    ) -> Callable[[Any, grpc.ServicerContext], Any]:
        def observed(request: Any, context: grpc.ServicerContext) -> Any:
            started = time.perf_counter()
            ids = _ids(method, request, context)
            if self._metrics is not None:
                self._metrics.record_rpc_started(method, "unary")
            code = "UNKNOWN"
            try:
                with bound_call(ids):
                    response = behavior(request, context)
                code = _code_name(context, "OK")
                return response
            except BaseException:
                code = _code_name(context, "UNKNOWN")
                raise
            finally:
                self._done(ids, "unary", code, started)

        return observed

    def _stream(
        self, method: str, behavior: Callable[[Any, grpc.ServicerContext], Iterator[Any]]
    ) -> Callable[[Any, grpc.ServicerContext], Iterator[Any]]:
        def observed(request: Any, context: grpc.ServicerContext) -> Iterator[Any]:
            started = time.perf_counter()
            ids = _ids(method, request, context)
            if self._metrics is not None:
                self._metrics.record_rpc_started(method, "server_stream")
            code = "UNKNOWN"
            try:
                with bound_call(ids):
                    responses = iter(behavior(request, context))
                while True:
                    with bound_call(ids):  # bound per message: each next() may run apart from the last
                        try:
                            response = next(responses)
                        except StopIteration:
                            break
                    yield response
                code = _code_name(context, "OK")
            except GeneratorExit:
                code = "CANCELLED"  # the client went away mid-stream
                raise
            except BaseException:
                code = _code_name(context, "UNKNOWN")
                raise
            finally:
                self._done(ids, "server_stream", code, started)

        return observed
