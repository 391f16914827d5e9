"""The serving process's projections in a child process of their own (issue 18).

``claims serve`` used to run its seven projections on a thread of its own interpreter, so they and the
RPC threads took turns at one GIL: at peak writes a projection batch held it for tens of milliseconds, and
the read models fell seconds behind. With ``CLAIMS_PROJECTION_PROCESS`` on (the default), the server
starts this module as a child process, which runs the same ``ProjectionRunner`` over the same registered
projections (shared scans, one transaction per batch, the tracking row claimed in it), so the two
interpreters run on two cores.

The two talk over the child's standard streams:

- the parent writes a byte to the child's stdin after each append (a wake-up that saves a poll interval),
  and closes it to stop the child; when the parent dies, whatever killed it, the pipe closes and the child
  finishes the batch in hand and exits, so a child never outlives its server;
- the child writes ``<projection> <position>`` to stdout after each committed batch; the parent hands it to
  its own runner (``ProjectionRunner.progressed``), so read-your-writes waits wake at once and the metrics
  count the batches.

Woken, the child waits ``CLAIMS_PROJECTION_LINGER_SECONDS`` (20 ms) before its next batch, so the appends of
those milliseconds join it: run at every wake-up, a batch held one FileClaim's events and its fixed cost (the
tracking read, the scan, the transaction, seven projections) made the child cost about 3 ms of CPU per claim at
120 claims/s, ten times its catch-up cost per event; on two cores that CPU was the server's and PostgreSQL's
(issue 18: the PostgreSQL FileClaim tail at half the peak). A whole batch (catching up) goes on at once.

Correctness does not rest on the pipes: the tracking rows are the truth, and a lost line only costs a
waiter one poll of them.
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
import subprocess
import sys
import threading
import time
from collections.abc import Callable

from claims.adapters.persistence.factory import open_store, parse_store_url
from claims.config import Settings
from claims.logs import configure_logging
from claims.projections import registry
from claims.projections.runner import ProjectionRunner

log = logging.getLogger("claims.projections.child")

ProgressObserver = Callable[[str, int], None]


class ProjectionProcess:
    """Starts, wakes and stops the child; reports its progress to ``on_progress`` on a reader thread."""

    def __init__(self, settings: Settings, on_progress: ProgressObserver) -> None:
        self._settings = settings
        self._on_progress = on_progress
        self._process: subprocess.Popen[bytes] | None = None
        self._wake_fd: int | None = None
        self._reader: threading.Thread | None = None

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    def start(self) -> None:
        s = self._settings  # what the child reads from the environment: this server's own settings
        env = dict(
            os.environ,
            CLAIMS_STORE_URL=s.store_url,
            CLAIMS_PROJECTION_BATCH_SIZE=str(s.projection_batch_size),
            CLAIMS_PROJECTION_POLL_SECONDS=str(s.projection_poll_seconds),
            CLAIMS_PROJECTION_LINGER_SECONDS=str(s.projection_linger_seconds),
            CLAIMS_SNAPSHOT_INTERVAL=str(s.snapshot_interval),
            CLAIMS_LOG_LEVEL=s.log_level,
            CLAIMS_LOG_FORMAT=s.log_format,
        )
        self._process = subprocess.Popen(
            [sys.executable, "-m", "claims.projections.child"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
        )
        assert self._process.stdin is not None
        self._wake_fd = self._process.stdin.fileno()
        os.set_blocking(self._wake_fd, False)
        self._reader = threading.Thread(target=self._read_progress, name="projection-child", daemon=True)
        self._reader.start()

    def wake(self) -> None:
        """New events may be there: one byte down the pipe (dropped when the pipe is full: it is awake then)."""
        if self._wake_fd is None:
            return
        with contextlib.suppress(BlockingIOError, BrokenPipeError, OSError):
            os.write(self._wake_fd, b"w")

    def stop(self, timeout: float = 10.0) -> None:
        """Close the pipe (the child ends after the batch in hand) and wait; kill it if it does not end."""
        process, self._process = self._process, None
        if process is None:
            return
        self._wake_fd = None
        with contextlib.suppress(OSError):
            assert process.stdin is not None
            process.stdin.close()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            log.warning("projection child %d did not stop in %.0f s; killing it", process.pid, timeout)
            process.kill()
            process.wait()
        if self._reader is not None:
            self._reader.join(timeout)

    def _read_progress(self) -> None:
        process = self._process
        assert process is not None
        assert process.stdout is not None
        for line in process.stdout:
            name, _, position = line.decode().partition(" ")
            try:
                self._on_progress(name, int(position))
            except Exception:
                log.exception("projection child: progress line %r not taken", line)
        code = process.wait()
        if self._process is process:  # not stopped by us
            log.error("projection child %d exited with %d; read models stop until a restart", process.pid, code)


def _woken(timeout: float) -> bool | None:
    """Wait up to ``timeout`` for a wake-up: True woken, False not, None when the parent closed the pipe (or died)."""
    readable, _, _ = select.select([sys.stdin.buffer], [], [], timeout)
    if not readable:
        return False
    return None if os.read(sys.stdin.fileno(), 4096) == b"" else True


def main() -> None:
    settings = Settings()
    configure_logging(settings.log_level, settings.log_format, sys.stderr)
    persistence = open_store(parse_store_url(settings.store_url))
    assert persistence.database is not None, "projections need a SQL store"
    runner = ProjectionRunner(
        persistence.events,
        persistence.database,
        registry.create_all(snapshot_interval=settings.snapshot_interval),
        batch_size=settings.projection_batch_size,
    )
    out = sys.stdout.buffer

    def report(name: str, position: int) -> None:
        out.write(f"{name} {position}\n".encode())
        out.flush()

    runner.on_progress(report)
    linger = settings.projection_linger_seconds
    try:
        while True:
            wait = settings.projection_poll_seconds
            try:
                runner.run_once()
                if runner.behind:  # a whole batch: more is waiting, go on at once (catch-up)
                    wait = 0.0
            except Exception:
                log.exception("projection batch failed (rolled back); it will be retried")
                wait = 1.0
            woken = _woken(wait)
            if woken and linger:  # let the appends of the next few ms join this batch
                time.sleep(linger)
                woken = _woken(0.0)
            if woken is None:
                break
    except BrokenPipeError:
        pass  # the parent is gone
    finally:
        persistence.close()


if __name__ == "__main__":
    main()
