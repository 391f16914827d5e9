"""`python -m soak` (what `make soak` runs): see soak.runner."""

from soak.runner import main

raise SystemExit(main())
