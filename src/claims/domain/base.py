"""Base classes shared by every aggregate: frozen models and events with pinned topics."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict


class Frozen(BaseModel):
    """An immutable value: commands, events, state and value objects all derive from it."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class DomainEvent(Frozen):
    """A fact that happened, carrying results, never inputs to be recomputed.

    ``TOPIC`` is the stable name stored with the event: renaming or moving the class never
    changes stored data. ``class_version`` with ``upcast_vN_vM`` static methods evolves the
    schema of stored payloads.
    """

    TOPIC: ClassVar[str] = ""
    class_version: ClassVar[int] = 1

    @classmethod
    def upcast(cls, payload: dict[str, Any], from_version: int) -> dict[str, Any]:
        """Bring a stored payload of an older class version up to the current one."""
        version = from_version
        while version < cls.class_version:
            step = getattr(cls, f"upcast_v{version}_v{version + 1}")
            payload = step(payload)
            version += 1
        return payload


EVENT_TYPES: dict[str, type[DomainEvent]] = {}


def register_events(*classes: type[DomainEvent]) -> None:
    """Make event classes resolvable by their pinned topic (and any former topics)."""
    for cls in classes:
        if not cls.TOPIC:
            raise TypeError(f"{cls.__name__} has no TOPIC")
        existing = EVENT_TYPES.get(cls.TOPIC)
        if existing is not None and existing is not cls:
            raise TypeError(f"topic {cls.TOPIC} is already taken by {existing.__name__}")
        EVENT_TYPES[cls.TOPIC] = cls


def resolve_event_type(topic: str) -> type[DomainEvent]:
    """Return the event class stored under ``topic``."""
    try:
        return EVENT_TYPES[topic]
    except KeyError:
        raise LookupError(f"no event class is registered for topic {topic!r}") from None
