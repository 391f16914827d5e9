"""The JSON door: every RPC of our services in the Connect protocol (``POST /claims.api.v1.ClaimService/GetClaim``
with a JSON body), served by connect-python and forwarded to the engine's own gRPC server over a loopback channel.

Nothing here knows an RPC by name: the endpoints are made from the services' descriptors, and each call is passed
on as it came (the caller's bearer token and ids as metadata), so authentication, the role table, idempotent
request ids and the status mapping are the gRPC path's own. connect-python writes the Connect protocol: the error
body with its details, the HTTP status for each code, GET for side-effect-free RPCs, compression.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import grpc
from connectrpc.code import Code
from connectrpc.errors import ConnectError
from connectrpc.method import IdempotencyLevel, MethodInfo
from connectrpc.request import RequestContext
from connectrpc.server import ConnectASGIApplication, Endpoint
from google.protobuf import descriptor_pool, message_factory
from google.protobuf.descriptor import MethodDescriptor, ServiceDescriptor
from google.protobuf.descriptor_pb2 import MethodOptions
from google.protobuf.json_format import ParseError
from google.protobuf.message import DecodeError, Message
from google.rpc import status_pb2
from starlette.routing import BaseRoute, Mount

from claims.adapters.grpc.status import bad_request, rich_status
from claims.domain.errors import FieldViolation

log = logging.getLogger("claims.http")

# The request headers passed on as call metadata: who calls, which request it is, the trace it belongs to.
FORWARDED_HEADERS = ("authorization", "x-request-id", "x-correlation-id", "x-claims-actor", "traceparent", "tracestate")
STATUS_DETAILS_KEY = "grpc-status-details-bin"
_IDEMPOTENCY = {
    MethodOptions.NO_SIDE_EFFECTS: IdempotencyLevel.NO_SIDE_EFFECTS,
    MethodOptions.IDEMPOTENT: IdempotencyLevel.IDEMPOTENT,
}


def connect_error(error: grpc.RpcError) -> ConnectError:
    """The gRPC call's status as a Connect error: the same code, message and google.rpc details."""
    code = error.code() if isinstance(error, grpc.Call) else grpc.StatusCode.UNKNOWN
    message = (error.details() if isinstance(error, grpc.Call) else None) or ""
    details: Sequence[Any] = ()
    trailers: Sequence[tuple[str, str | bytes]] = (
        (error.trailing_metadata() or ()) if isinstance(error, grpc.Call) else ()
    )
    for key, value in trailers:
        if key == STATUS_DETAILS_KEY and isinstance(value, bytes):
            status = status_pb2.Status.FromString(value)
            message, details = status.message or message, list(status.details)
    return ConnectError(Code[code.name] if code.name in Code.__members__ else Code.UNKNOWN, message, details)


def _metadata(headers: Mapping[str, str]) -> tuple[tuple[str, str | bytes], ...]:
    return tuple((name, headers[name]) for name in FORWARDED_HEADERS if name in headers)


async def _settled(future: grpc.Future[Any]) -> Any:
    """Await a grpc future without holding a thread; cancelling the await cancels the call."""
    loop = asyncio.get_running_loop()
    done: asyncio.Future[None] = loop.create_future()

    def settle() -> None:
        if not done.done():
            done.set_result(None)

    def wake(_: grpc.Future[Any]) -> None:  # on grpc's thread
        loop.call_soon_threadsafe(settle)

    future.add_done_callback(wake)
    try:
        await done
    except asyncio.CancelledError:
        future.cancel()
        raise
    return future.result()


def _timeout(ctx: RequestContext[Any, Any]) -> float | None:
    remaining = ctx.timeout_ms()
    return None if remaining is None else max(remaining, 0.0) / 1000


class _Forwarder:
    """Makes the Connect endpoint of each RPC: the call passed on to the gRPC server over ``channel``."""

    def __init__(self, channel: grpc.Channel) -> None:
        self._channel = channel

    def endpoint(self, method: MethodDescriptor) -> Endpoint[Any, Any]:
        request_type = message_factory.GetMessageClass(method.input_type)
        response_type = message_factory.GetMessageClass(method.output_type)
        info = MethodInfo(
            name=method.name,
            service_name=method.containing_service.full_name,
            input=request_type,
            output=response_type,
            idempotency_level=_IDEMPOTENCY.get(method.GetOptions().idempotency_level, IdempotencyLevel.UNKNOWN),
        )
        path = f"/{method.containing_service.full_name}/{method.name}"
        encode, decode = request_type.SerializeToString, response_type.FromString
        if method.client_streaming:  # we serve none; refused rather than half-served
            return Endpoint.client_stream(info, _unimplemented(path))
        if method.server_streaming:
            stream: grpc.UnaryStreamMultiCallable[Message, Message] = self._channel.unary_stream(
                path, request_serializer=encode, response_deserializer=decode
            )
            return Endpoint.server_stream(info, _streamed(stream))
        call: grpc.UnaryUnaryMultiCallable[Message, Message] = self._channel.unary_unary(
            path, request_serializer=encode, response_deserializer=decode
        )

        async def forward(request: Message, ctx: RequestContext[Any, Any]) -> Message:
            future = call.future(request, timeout=_timeout(ctx), metadata=_metadata(ctx.request_headers()))
            try:
                response: Message = await _settled(future)
            except grpc.RpcError as e:
                raise connect_error(e) from None
            return response

        return Endpoint.unary(info, forward)


def _streamed(
    call: grpc.UnaryStreamMultiCallable[Any, Any],
) -> Callable[[Message, RequestContext[Any, Any]], AsyncIterator[Message]]:
    """A server-streaming RPC passed on: each message read from the gRPC stream in a worker thread, so a slow HTTP
    reader slows the gRPC stream (as a slow gRPC reader does) and nothing piles up; closing the HTTP stream cancels
    the call."""

    async def forward(request: Message, ctx: RequestContext[Any, Any]) -> AsyncIterator[Message]:
        responses = call(request, timeout=_timeout(ctx), metadata=_metadata(ctx.request_headers()))
        loop = asyncio.get_running_loop()
        try:
            while (response := await loop.run_in_executor(None, next, responses, None)) is not None:
                yield response
        except grpc.RpcError as e:
            raise connect_error(e) from None
        finally:
            responses.cancel()

    return forward


def _unimplemented(path: str) -> Callable[[AsyncIterator[Any], RequestContext[Any, Any]], Awaitable[Any]]:
    async def refuse(requests: AsyncIterator[Any], ctx: RequestContext[Any, Any]) -> Any:
        raise ConnectError(Code.UNIMPLEMENTED, f"{path} streams its requests: the JSON door does not serve it")

    return refuse


def _undecodable(method: MethodInfo[Any, Any], error: Exception) -> ConnectError:
    """What the gRPC server answers a body it cannot decode: INVALID_ARGUMENT with a BadRequest naming the body."""
    path = f"/{method.service_name}/{method.name}"
    violation = FieldViolation("(body)", f"not a valid {method.input.__name__} for {path}: {error}")
    status = rich_status(grpc.StatusCode.INVALID_ARGUMENT, "the request body could not be decoded",
                         "MALFORMED_REQUEST", {"method": path}, [bad_request([violation])])  # fmt: skip
    return ConnectError(Code.INVALID_ARGUMENT, status.message, status.details)


class _Door(ConnectASGIApplication[Mapping[str, Any]]):
    """One Connect application for all our services; decoding errors answer invalid_argument, as on gRPC."""

    def __init__(self, endpoints: Mapping[str, Any], read_max_bytes: int) -> None:
        super().__init__(service=endpoints, endpoints=lambda table: table, read_max_bytes=read_max_bytes)

    @property
    def path(self) -> str:
        return "/"

    # connect-python 0.9.0 answers a body json_format or protobuf cannot decode with `unknown` (HTTP 500), where
    # connect-go and our gRPC server answer invalid_argument. No public hook decodes the body, so these two wrap the
    # library's readers; connect-python is pinned to the version they were written for, and
    # tests/web/test_json_door.py fails if a typo'd field stops answering 400.
    async def _read_post_request(self, endpoint: Any, *args: Any) -> Any:
        try:
            return await super()._read_post_request(endpoint, *args)
        except (ParseError, DecodeError) as e:
            raise _undecodable(endpoint.method, e) from None

    async def _read_get_request(self, endpoint: Any, *args: Any) -> Any:
        try:
            return await super()._read_get_request(endpoint, *args)
        except (ParseError, DecodeError) as e:
            raise _undecodable(endpoint.method, e) from None


class JsonDoor:
    """The door's routes for the console's Starlette app, and the loopback channel to close on shutdown."""

    def __init__(
        self, channel: grpc.Channel, services: Iterable[str], *, max_message_bytes: int, local_socket: str = ""
    ) -> None:
        self._channel = channel
        self._local_socket = local_socket
        forwarder = _Forwarder(channel)
        pool = descriptor_pool.Default()
        descriptors: list[ServiceDescriptor] = [pool.FindServiceByName(name) for name in services]
        endpoints = {
            f"/{service.full_name}/{method.name}": forwarder.endpoint(method)
            for service in descriptors
            for method in service.methods
        }
        app = _Door(endpoints, max_message_bytes)
        self.routes: list[BaseRoute] = [Mount(f"/{service.full_name}", app=app) for service in descriptors]

    def close(self) -> None:
        self._channel.close()
        if self._local_socket:  # its private directory, made by plan_door
            shutil.rmtree(os.path.dirname(self._local_socket), ignore_errors=True)


def loopback_target(listen: str, port: int) -> str:
    """Where the engine reaches its own gRPC server: its listen host (loopback for every interface) and bound port."""
    host = listen.rsplit(":", 1)[0] if ":" in listen else listen
    if host in ("", "0.0.0.0", "[::]", "::"):  # noqa: S104 - a listen address read, not a socket bound
        host = "127.0.0.1"
    return f"{host}:{port}"


@dataclass(frozen=True)
class DoorPlan:
    """How the door reaches the engine's gRPC server: over loopback TCP when it is plaintext, over a private Unix
    socket of the same server when it listens with TLS (``local_socket``), or not at all (``off``: why)."""

    local_socket: str = ""
    off: str = ""


def plan_door(*, tls: bool, mutual: bool) -> DoorPlan:
    """The door never weakens the transport: with mutual TLS every caller must present a certificate, which a JSON
    caller through the door would not, so it is off; with TLS the console is HTTPS too, and the door calls the server
    on a Unix socket in a directory only this user may enter (tokens are checked there as on TCP)."""
    if mutual:
        return DoorPlan(
            off="the gRPC server requires client certificates (mutual TLS); JSON callers would present none"
        )
    if tls:
        return DoorPlan(local_socket=os.path.join(tempfile.mkdtemp(prefix="claims-door-"), "grpc.sock"))
    return DoorPlan()


def open_door(
    listen: str, port: int, plan: DoorPlan, *, services: Iterable[str], max_message_bytes: int
) -> JsonDoor | None:
    """The door to the engine's gRPC server (bound to ``port``, and to ``plan.local_socket`` under TLS); None, with a
    warning, when the plan says it is off."""
    if plan.off:
        log.warning("the JSON door is off: %s", plan.off)
        return None
    options = [
        ("grpc.max_send_message_length", max_message_bytes),
        ("grpc.max_receive_message_length", max_message_bytes),
    ]
    target = f"unix:{plan.local_socket}" if plan.local_socket else loopback_target(listen, port)
    channel = grpc.insecure_channel(target, options=options)
    return JsonDoor(channel, services, max_message_bytes=max_message_bytes, local_socket=plan.local_socket)
