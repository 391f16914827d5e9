"""The warranty claim aggregate: a dealer's claim to the manufacturer, its checks, review and settlement."""

from __future__ import annotations
