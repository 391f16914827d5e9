"""A `claims` command kept ready to start: ``python -m soak.warm serve`` imports everything `claims serve` (or
`claims project`) imports, once, then forks a fresh process running the command for each line ``go`` on its
standard input, and writes that process's pid on its standard output. An empty line or a closed input ends it.

The crash rounds restart the process they kill this way, so that a restart costs what a restart after a crash
really does (opening the store, recovering, catching the read models up, binding the port) and not Python
importing the code base again: about 1.4 CPU-seconds a restart, which the fuzzer running beside the crash
rounds would otherwise lose. The fork happens before anything has started a thread or a gRPC channel or server
(the import starts none), so the child begins as `claims` itself would. Children are reaped by the kernel (the
parent ignores SIGCHLD); the caller watches each one through a pidfd. A child reads its settings from the
environment when it runs, as `claims` does, and writes its output to this process's standard error.
"""

from __future__ import annotations

import os
import signal
import sys

# Imported now (with what claims.cli imports at its top), so that running is all that is left: `serve` and
# `project` import these inside their functions.
import claims.bootstrap
import claims.projections.worker  # noqa: F401
from claims.cli import main


def run_child(args: list[str]) -> int:
    """In the forked child: the command, as `claims` would run it; its exit status."""
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(2, 1)  # the pid pipe is the parent's alone
    sys.argv = ["claims", *args]
    try:
        main()
    except SystemExit as done:
        return done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    except BaseException:  # noqa: BLE001 - reported like an uncaught error, then the child ends
        import traceback

        traceback.print_exc()
        return 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
    return 0


def serve(args: list[str]) -> None:
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps the children: no zombies to wait for
    while sys.stdin.readline().strip() == "go":
        pid = os.fork()
        if pid == 0:
            os._exit(run_child(args))  # no cleanup of the parent's runs in the child
        sys.stdout.write(f"{pid}\n")
        sys.stdout.flush()


if __name__ == "__main__":
    serve(sys.argv[1:])
