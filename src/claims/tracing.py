"""OpenTelemetry tracing of RPCs, switched on by CLAIMS_TRACING (off by default).

The spans come from the standard gRPC server instrumentation (``opentelemetry-instrumentation-grpc``'s
server interceptor), given a tracer provider of our own rather than the process-wide one, so switching it
on or off is this process's setting alone. Spans leave through a batch processor: to stdout (console) or to
an OTLP/gRPC collector (otlp).
"""

from __future__ import annotations

from typing import Literal

import grpc
from opentelemetry.instrumentation.grpc import server_interceptor
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter


def tracer_provider(
    tracing: Literal["off", "console", "otlp"],
    *,
    service_name: str,
    otlp_endpoint: str,
    exporter: SpanExporter | None = None,
) -> TracerProvider | None:
    """A provider exporting to the configured place (or to ``exporter``, e.g. in tests); None when off."""
    if tracing == "off":
        return None
    if exporter is None:
        if tracing == "console":
            exporter = ConsoleSpanExporter()
        else:
            from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

            exporter = OTLPSpanExporter(endpoint=otlp_endpoint, insecure=otlp_endpoint.startswith("http://"))
    provider = TracerProvider(resource=Resource.create({SERVICE_NAME: service_name}))
    provider.add_span_processor(BatchSpanProcessor(exporter))
    return provider


def tracing_interceptor(provider: TracerProvider) -> grpc.ServerInterceptor:
    """The standard OpenTelemetry gRPC server interceptor: a server span per RPC, the caller's trace continued."""
    interceptor: grpc.ServerInterceptor = server_interceptor(tracer_provider=provider)  # type: ignore[no-untyped-call]
    return interceptor
