"""Interceptors wrap each method's handler once and reuse it while the handler beneath stays the same."""

from __future__ import annotations

from typing import Any

import grpc

from claims.adapters.grpc.interceptors import WrappedHandlers


def echo(request: Any, context: Any) -> Any:
    return request


def test_a_method_is_wrapped_once_while_its_handler_is_the_same() -> None:
    # given a wrapper that counts what it wraps, and one registered handler
    wrapped: list[str] = []

    def wrap(method: str, handler: Any) -> Any:
        wrapped.append(method)
        return grpc.unary_unary_rpc_method_handler(handler.unary_unary)

    handlers, handler = WrappedHandlers(wrap), grpc.unary_unary_rpc_method_handler(echo)
    # when the same method is asked for three times, and another method once
    first = handlers.get("/a.S/M", handler)
    again = [handlers.get("/a.S/M", handler) for _ in range(2)]
    other = handlers.get("/a.S/N", handler)
    # then each method was wrapped once, and the same wrapped handler is handed out each time
    assert wrapped == ["/a.S/M", "/a.S/N"]
    assert all(h is first for h in again)
    assert other is not first


def test_a_different_handler_beneath_is_wrapped_afresh() -> None:
    # given a method wrapped over one handler
    wrapped: list[Any] = []

    def wrap(method: str, handler: Any) -> Any:
        wrapped.append(handler)
        return grpc.unary_unary_rpc_method_handler(handler.unary_unary)

    handlers = WrappedHandlers(wrap)
    one, two = grpc.unary_unary_rpc_method_handler(echo), grpc.unary_unary_rpc_method_handler(echo)
    first = handlers.get("/a.S/M", one)
    # when an inner interceptor hands over a different handler for the same method
    second = handlers.get("/a.S/M", two)
    # then that one is wrapped, not the first one's wrapping reused
    assert wrapped == [one, two]
    assert second is not first
