"""`make soak`: bounded reliability runs (fuzz, concurrency) against a real server over loopback."""
