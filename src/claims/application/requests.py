"""Idempotency: every mutation leaves a request record in the same atomic append as its events."""

from __future__ import annotations

import hashlib
import json
from uuid import UUID, uuid5

from pydantic import BaseModel

from claims.domain.base import DomainEvent, register_events

REQUEST_NAMESPACE = UUID("3c8e4d6a-1f2b-4c7d-8e9f-0a1b2c3d4e05")


class RequestAccepted(DomainEvent):
    """A mutating request was carried out; a retry with the same id gets this answer back."""

    TOPIC = "claims.request.RequestAccepted"

    request_id: str
    actor: str
    command: str
    digest: str
    stream_id: UUID
    version: int


register_events(RequestAccepted)


def request_stream_id(actor: str, request_id: str) -> UUID:
    """Request ids are unique per caller: two dealers may both use 'ro-1'."""
    return uuid5(REQUEST_NAMESPACE, f"/actors/{actor}/requests/{request_id}")


def request_digest(command: BaseModel, target: UUID, expected_version: int | None) -> str:
    """A fingerprint of what was asked, to tell a retry from a reused id."""
    body = {
        "command": type(command).__name__,
        "target": str(target),
        "expected_version": expected_version,
        "payload": command.model_dump(mode="json"),
    }
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()
