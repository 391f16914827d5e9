"""``python -m claims`` is the ``claims`` command."""

from claims.cli import main

main()
