"""Checkpoints kept as files: signed periodically (when the sealed head moved) and on demand.

Each checkpoint is written as JSON to ``<dir>/checkpoint-<position, 20 digits>.json`` atomically (a
temporary file in the same directory, then a rename), so an auditor fetching the directory never sees
a half-written file. Re-signing an unmoved head replaces that position's file (both are valid).
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from claims.adapters.persistence.checkpoint import CheckpointError, CheckpointSigner, SignedCheckpoint, sealed_head
from claims.adapters.persistence.database import Database

log = logging.getLogger("claims.checkpoints")

_NAME = re.compile(r"^checkpoint-(\d{20})\.json$")


def checkpoint_path(directory: Path, position: int) -> Path:
    return directory / f"checkpoint-{position:020d}.json"


def write_checkpoint(directory: Path, signed: SignedCheckpoint) -> Path:
    """Write ``signed`` as JSON into ``directory`` atomically (temp file + rename); its path."""
    directory.mkdir(parents=True, exist_ok=True)
    target = checkpoint_path(directory, signed.position)
    fd, temp = tempfile.mkstemp(prefix=".checkpoint-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(signed.to_json() + "\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return target


def checkpoint_files(directory: Path) -> list[Path]:
    """The checkpoint files in ``directory``, by position (temporary files left out)."""
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.iterdir() if _NAME.match(p.name))


def read_checkpoint(path: Path) -> SignedCheckpoint:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise CheckpointError(f"cannot read {path}: {e}") from None
    return SignedCheckpoint.from_json(text)


def latest_position(directory: Path) -> int | None:
    files = checkpoint_files(directory)
    if not files:
        return None
    match = _NAME.match(files[-1].name)
    assert match is not None
    return int(match.group(1))


class CheckpointKeeper:
    """Signs the sealed head and keeps it in ``directory``; remembers the last position it kept."""

    def __init__(
        self, signer: CheckpointSigner, database: Database, directory: Path, clock: Callable[[], datetime]
    ) -> None:
        self._signer, self._database, self._directory, self._clock = signer, database, directory, clock
        self._lock = threading.Lock()
        self._last = latest_position(directory)

    @property
    def directory(self) -> Path:
        return self._directory

    def keep(self, signed: SignedCheckpoint) -> Path:
        """Write an already signed checkpoint (an on-demand one) to the directory."""
        with self._lock:
            path = write_checkpoint(self._directory, signed)
            self._last = signed.position if self._last is None else max(self._last, signed.position)
            return path

    def keep_if_moved(self) -> SignedCheckpoint | None:
        """Sign and write the sealed head unless nothing is sealed yet or it is where the last kept checkpoint is;
        the checkpoint or None."""
        with self._lock:
            position, _ = sealed_head(self._database)
            if position == 0 or (self._last is not None and position <= self._last):
                return None  # nothing sealed yet, or nothing new since the last one kept
            signed = self._signer.sign_head(self._database, self._clock())
            write_checkpoint(self._directory, signed)
            self._last = signed.position
            return signed


class CheckpointThread:
    """Keeps a checkpoint every ``interval`` seconds (when the head moved) in a daemon thread until stopped."""

    def __init__(self, keeper: CheckpointKeeper, interval: float) -> None:
        if interval <= 0:
            raise ValueError("checkpoints are signed at a positive interval")
        self._keeper, self._interval = keeper, interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="checkpoints", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _loop(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self._keeper.keep_if_moved()
            except Exception:
                # The store or disk may be briefly unavailable; the next interval tries again.
                log.exception("signing a checkpoint failed; it will be retried")
