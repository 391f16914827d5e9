"""Page tokens (AIP-158) and read-your-writes waits shared by list RPCs."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass

import grpc

from claims.application.ports import ReadModelBehindError
from claims.domain.errors import FieldViolation, InvalidCommandError
from claims.projections.runner import ProjectionRunner

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
# Tokens are signed so a caller cannot forge a cursor; they grant nothing by themselves.
_TOKEN_KEY = b"claims-page-token-v1"


def _sign(body: bytes) -> str:
    return hmac.new(_TOKEN_KEY, body, hashlib.sha256).hexdigest()[:16]


@dataclass(frozen=True)
class PageRequest:
    """A validated page request: size, where to resume, and the filters it belongs to."""

    size: int
    after: str
    filters: dict[str, str]

    @classmethod
    def parse(cls, page_size: int, token: str, filters: dict[str, str]) -> PageRequest:
        if page_size < 0:
            raise InvalidCommandError([FieldViolation("page_size", "must not be negative")])
        size = min(page_size or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
        if not token:
            return cls(size, "", filters)
        try:
            body_b64, signature = token.rsplit(".", 1)
            body = base64.urlsafe_b64decode(body_b64.encode())
            if not hmac.compare_digest(signature, _sign(body)):
                raise ValueError("bad signature")
            decoded = json.loads(body)
        except (ValueError, UnicodeError):
            raise InvalidCommandError([FieldViolation("page_token", "not a token this server issued")]) from None
        if decoded.get("f") != filters:
            raise InvalidCommandError([FieldViolation("page_token", "the filters differ from the first page's")])
        return cls(size, str(decoded["a"]), filters)

    def next_token(self, last_key: str) -> str:
        body = json.dumps({"a": last_key, "f": self.filters}, sort_keys=True).encode()
        return f"{base64.urlsafe_b64encode(body).decode()}.{_sign(body)}"


def seal(fields: dict[str, object]) -> str:
    """An opaque, signed token carrying ``fields`` (JSON values), for cursors other than a list's."""
    body = json.dumps(fields, sort_keys=True).encode()
    return f"{base64.urlsafe_b64encode(body).decode()}.{_sign(body)}"


def unseal(token: str) -> dict[str, object]:
    """The fields of a token made by ``seal``; ValueError when it is malformed or was not signed here."""
    try:
        body_b64, signature = token.rsplit(".", 1)
        body = base64.urlsafe_b64decode(body_b64.encode())
        if not hmac.compare_digest(signature, _sign(body)):
            raise ValueError("bad signature")
        fields = json.loads(body)
    except (ValueError, UnicodeError) as e:
        raise ValueError(f"not a token this server issued ({e})") from None
    if not isinstance(fields, dict):
        raise ValueError("not a token this server issued")
    return fields


def wait_for_position(
    runner: ProjectionRunner, projection: str, min_position: int, context: grpc.ServicerContext
) -> None:
    """Read-your-writes: wait, within the call's deadline, for the read model to reach ``min_position``."""
    if min_position < 0:
        raise InvalidCommandError([FieldViolation("min_position", "must not be negative")])
    if min_position == 0:
        return
    remaining = context.time_remaining()
    timeout = 5.0 if remaining is None else max(0.0, remaining - 0.05)
    if not runner.wait_for(projection, min_position, timeout):
        raise ReadModelBehindError(projection, min_position, runner.position(projection))
