"""Which streams are snapshotted and indexed, and the fingerprint that tags their snapshots."""

from __future__ import annotations

from typing import get_args

from claims.application.snapshots import BY_NAME, BY_TOPIC, KINDS, domain_source_digest
from claims.application.state_at import SubjectKind, subject_stream
from claims.domain.base import EVENT_TYPES


def test_every_subject_of_get_state_at_has_a_snapshot_kind_covering_all_its_events() -> None:
    for subject in SubjectKind:
        _, stream = subject_stream(subject, ("K",) * (2 if subject.value not in ("vehicle", "statutory_case") else 1))
        kind = BY_NAME[stream.name]
        members = get_args(kind.events) or (kind.events,)
        assert set(kind.topics) == {m.TOPIC for m in members}
        assert all(BY_TOPIC[t] is kind for t in kind.topics)
    assert len(BY_TOPIC) == sum(len(k.topics) for k in KINDS)  # no topic belongs to two kinds
    assert set(BY_TOPIC) <= set(EVENT_TYPES)


def test_fingerprints_are_stable_per_kind_and_differ_between_kinds() -> None:
    fingerprints = [k.fingerprint for k in KINDS]
    assert fingerprints == [k.fingerprint for k in KINDS]
    assert len(set(fingerprints)) == len(KINDS)
    assert all(len(f) == 64 for f in fingerprints)
    assert len(domain_source_digest()) == 64
