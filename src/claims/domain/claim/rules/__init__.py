"""The claim rules: named one-screen functions, collected in versioned packs (see ``claim.packs``)."""

from __future__ import annotations
