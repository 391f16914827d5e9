"""The repair order aggregate: a dealer's repair visit, its findings, pauses and derived repair time."""

from __future__ import annotations
