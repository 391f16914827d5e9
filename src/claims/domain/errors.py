"""The domain's "can't": errors raised when a request is impossible, each carrying its data."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class FieldViolation:
    """One invalid field of a request: its path (as the API names it) and why."""

    field: str
    description: str


class FieldValueError(ValueError):
    """Raised inside a model validator to blame one field of the model, not the whole model."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class ClaimsError(Exception):
    """Raised for every request the engine refuses; subclasses say why."""

    reason: str = "CLAIMS_ERROR"

    def __init__(self, message: str, *, metadata: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.metadata: dict[str, str] = dict(metadata or {})


class InvalidCommandError(ClaimsError):
    """Raised when a request's fields are malformed or contradict each other."""

    reason = "INVALID_ARGUMENT"

    def __init__(self, violations: Sequence[FieldViolation]) -> None:
        fields = ", ".join(v.field for v in violations)
        super().__init__(f"invalid request: {fields}")
        self.violations = tuple(violations)


class NotFoundError(ClaimsError):
    """Raised when the named resource does not exist."""

    reason = "NOT_FOUND"


class PermissionDeniedError(ClaimsError):
    """Raised when the caller's role may not call this RPC, or may not act for the organisation it names."""

    reason = "PERMISSION_DENIED"


class AlreadyExistsError(ClaimsError):
    """Raised when creating a resource that already exists."""

    reason = "ALREADY_EXISTS"


@dataclass(frozen=True)
class PreconditionViolation:
    """What state forbids a request: a type, the subject concerned and a description."""

    type: str
    subject: str
    description: str


class PreconditionFailedError(ClaimsError):
    """Raised when the current state forbids the request (e.g. an odometer rollback)."""

    reason = "FAILED_PRECONDITION"

    def __init__(
        self,
        message: str,
        *,
        reason: str,
        violations: Sequence[PreconditionViolation] = (),
        metadata: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message, metadata=metadata)
        self.reason = reason
        self.violations = tuple(violations)

    @classmethod
    def refusal(cls, reason: str, subject: str, message: str, **metadata: str) -> PreconditionFailedError:
        """A refusal because of ``subject``'s state: one violation of type ``reason``, naming the subject."""
        return cls(
            message, reason=reason, violations=[PreconditionViolation(reason, subject, message)], metadata=metadata
        )


@dataclass
class ConcurrencyDetail:
    """The versions that clashed in an optimistic-concurrency conflict."""

    stream_id: str
    expected_version: int | None
    actual_version: int | None = None
    extra: dict[str, str] = field(default_factory=dict)


class ConcurrentUpdateError(ClaimsError):
    """Raised when a stream changed since the version the request expected."""

    reason = "VERSION_CONFLICT"

    def __init__(self, detail: ConcurrencyDetail) -> None:
        super().__init__(
            f"stream {detail.stream_id} is at version {detail.actual_version}, "
            f"request expected {detail.expected_version}",
            metadata={
                "stream_id": detail.stream_id,
                "expected_version": str(detail.expected_version),
                "actual_version": str(detail.actual_version),
            },
        )
        self.detail = detail


class RequestIdReusedError(ClaimsError):
    """Raised when a request id is sent again with a different payload."""

    reason = "REQUEST_ID_REUSED"
