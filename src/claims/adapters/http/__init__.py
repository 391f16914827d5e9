"""The HTTP/JSON door (issue 19): our gRPC services as Connect-protocol JSON over HTTP, on the console's port."""
