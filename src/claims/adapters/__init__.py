"""I/O at the edges: persistence, gRPC."""
