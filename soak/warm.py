"""A `claims` command started ahead of need: ``python -m soak.warm serve`` imports everything `claims serve`
(or `claims project`) imports, then waits for a line on its standard input before it runs the command.

The crash rounds keep one such spare beside the process they are about to kill, so that a restart costs what
a restart after a crash really does (opening the store, recovering, catching the read models up, binding the
port) and not Python importing the code base again, about two seconds on a small machine. The spare reads its
settings from the environment when it runs, as `claims` does; an empty line or a closed input ends it unrun.
"""

from __future__ import annotations

import sys

# Imported now (with what claims.cli imports at its top), so that running is all that is left: `serve` and
# `project` import these inside their functions.
import claims.bootstrap
import claims.projections.worker  # noqa: F401
from claims.cli import main

if __name__ == "__main__":
    if not sys.stdin.readline().strip():
        raise SystemExit(0)
    sys.argv = ["claims", *sys.argv[1:]]
    main()
