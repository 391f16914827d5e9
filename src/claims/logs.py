"""Log records in text or JSON, carrying the ids of the call being served.

An interceptor binds each RPC's request id, correlation id and method around its handler (``bound_call``);
every record logged in that call, by any module, carries them (and the OpenTelemetry trace id when a span
is recording). Nothing else changes for the code that logs: it keeps using ``logging.getLogger``.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Literal, TextIO

from opentelemetry import trace
from pythonjsonlogger.json import JsonFormatter


@dataclass(frozen=True)
class CallIds:
    """What identifies the call being served in its log records."""

    request_id: str
    correlation_id: str
    method: str


_CALL: ContextVar[CallIds | None] = ContextVar("claims_call_ids", default=None)

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s%(call)s"
JSON_FIELDS = "%(levelname)s %(name)s %(message)s"


def current_call() -> CallIds | None:
    """The ids of the call this thread is serving, if any."""
    return _CALL.get()


@contextmanager
def bound_call(ids: CallIds) -> Iterator[None]:
    """Serve (part of) a call with ``ids`` on every log record."""
    token = _CALL.set(ids)
    try:
        yield
    finally:
        _CALL.reset(token)


class CallFilter(logging.Filter):
    """Puts the bound call's ids (and the trace id) on each record: attributes for JSON, a suffix for text."""

    def filter(self, record: logging.LogRecord) -> bool:
        ids = _CALL.get()
        span = trace.get_current_span().get_span_context()
        suffix = []
        if ids is not None:
            record.request_id = ids.request_id
            record.correlation_id = ids.correlation_id
            record.method = ids.method
            suffix.append(f"request_id={ids.request_id} correlation_id={ids.correlation_id}")
        if span.is_valid:
            trace_id = format(span.trace_id, "032x")
            record.trace_id = trace_id
            record.span_id = format(span.span_id, "016x")
            suffix.append(f"trace_id={trace_id}")
        record.call = f" [{' '.join(suffix)}]" if suffix else ""
        return True


class _JsonFormatter(JsonFormatter):
    """JSON lines without the text suffix (its fields are there as keys)."""

    def add_fields(
        self, log_data: dict[str, object], record: logging.LogRecord, message_dict: dict[str, object]
    ) -> None:
        super().add_fields(log_data, record, message_dict)
        log_data.pop("call", None)


def formatter(log_format: Literal["text", "json"]) -> logging.Formatter:
    """The formatter for ``log_format``; both expect a ``CallFilter`` on the handler."""
    if log_format == "json":
        return _JsonFormatter(
            JSON_FIELDS,
            rename_fields={"levelname": "level", "name": "logger"},
            timestamp="time",  # ISO 8601, UTC
        )
    return logging.Formatter(TEXT_FORMAT)


def configure_logging(level: str, log_format: Literal["text", "json"], stream: TextIO | None = None) -> None:
    """Log records at ``level`` and above to ``stream`` (stderr) as ``log_format``; replaces earlier handlers."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(formatter(log_format))
    handler.addFilter(CallFilter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
