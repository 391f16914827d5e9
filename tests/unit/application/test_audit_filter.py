"""The audit filter's event types: unknown topics are named once each, and more types than exist are refused by
count before any is looked at."""

from __future__ import annotations

import pytest

from claims.application.audit_feed import parse_filter
from claims.domain.base import EVENT_TYPES
from claims.domain.errors import InvalidCommandError


def violations(**fields: object) -> list[tuple[str, str]]:
    with pytest.raises(InvalidCommandError) as refused:
        parse_filter(**fields)  # type: ignore[arg-type]
    return [(v.field, v.description) for v in refused.value.violations]


def test_an_unknown_topic_given_many_times_is_named_once() -> None:
    # given / when the same unknown topic three times, beside a known one
    known = next(iter(EVENT_TYPES))
    found = violations(event_types=["claims.vehicle.Nope", known, "claims.vehicle.Nope", "claims.vehicle.Nope"])
    # then one violation names it
    assert found == [("filter.event_types", "no event is stored under topic 'claims.vehicle.Nope'")]


def test_more_event_types_than_there_are_topics_is_refused_by_count() -> None:
    # given every topic there is, and one more (a repeat)
    every = list(EVENT_TYPES)
    # when the filter is parsed with one item too many, or twenty thousand
    for count in (len(every) + 1, 20_000):
        types = (every * (count // len(every) + 1))[:count]
        # then the field is refused with the bound and the count
        assert violations(event_types=types) == [
            ("filter.event_types", f"at most {len(every)} items (every topic stored), got {count}")
        ]


def test_every_topic_once_is_a_valid_filter() -> None:
    # given / when every stored topic, once each, then the filter passes them all
    assert parse_filter(event_types=list(EVENT_TYPES)).topics == frozenset(EVENT_TYPES)
