"""The pre-authorization aggregate: a dealer asks leave before an expensive repair, the desk answers."""

from __future__ import annotations
