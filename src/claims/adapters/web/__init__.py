"""The web console (issue 19): server-rendered pages over the application layer, with gRPC's roles and checks."""
