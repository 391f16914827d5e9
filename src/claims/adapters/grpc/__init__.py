"""The gRPC adapter: server, servicers, proto ↔ domain mapping, the error interceptor."""
