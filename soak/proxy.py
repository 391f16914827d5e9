"""A TCP proxy in front of PostgreSQL that can be cut and restored: the database going away, as clients see it.

``cut()`` resets every open connection and refuses new ones (what a PostgreSQL restart or a network
partition looks like from the server); ``restore()`` accepts again. Loopback only.
"""

from __future__ import annotations

import contextlib
import socket
import threading


class CuttableProxy:
    """127.0.0.1:<port> → ``target``; start with ``with CuttableProxy(("127.0.0.1", 5432)) as proxy``."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._listener.getsockname()[1])
        self._open = threading.Event()
        self._open.set()
        self._closed = threading.Event()
        self._pairs: set[socket.socket] = set()
        self._lock = threading.Lock()
        self.connections = 0
        threading.Thread(target=self._accept, name="pg-proxy", daemon=True).start()

    def __enter__(self) -> CuttableProxy:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def cut(self) -> None:
        """Reset every connection through the proxy and refuse new ones until ``restore()``."""
        self._open.clear()
        with self._lock:
            pairs = list(self._pairs)
        for s in pairs:
            # Shut down, never close here: a pipe thread may be blocked reading this socket, and closing it
            # under that thread would let the descriptor be reused by a new connection whose data it then steals.
            # The pipe threads close both sockets once both directions have ended.
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)

    def restore(self) -> None:
        self._open.set()

    def close(self) -> None:
        self._closed.set()
        self.cut()
        with contextlib.suppress(OSError):
            self._listener.close()

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                if self._closed.is_set():
                    return
                continue  # a client that reset before it was accepted (ECONNABORTED): serve the next one
            if not self._open.is_set():
                client.close()  # refused: the database is "down"
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._pairs.update((client, upstream))
                self.connections += 1
            ended = [0]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b, ended), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket, ended: list[int]) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):  # wake the other direction's thread
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
            with self._lock:
                ended[0] += 1
                last = ended[0] == 2
                if last:
                    self._pairs.discard(source)
                    self._pairs.discard(sink)
            if last:  # both directions are done: no thread reads these descriptors any more
                for s in (source, sink):
                    with contextlib.suppress(OSError):
                        s.close()
