"""The claim's timeline as an inline SVG drawn on the server: the repair order, each event, the decision clock."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from html import escape

from claims.application.messages import RecordedEvent
from claims.domain.claim.state import Claim

WIDTH, HEIGHT, MARGIN = 900, 120, 40


@dataclass(frozen=True)
class Mark:
    """One instant on the axis: where it is and what its label says."""

    at: datetime
    label: str
    kind: str  # "event", "repair", "due"


def marks(claim: Claim, events: Sequence[RecordedEvent]) -> list[Mark]:
    first = claim.versions[0]
    found = [
        Mark(first.repair_opened_at, "repair order opened", "repair"),
        Mark(first.repair_closed_at, "repair order closed", "repair"),
    ]
    found += [Mark(e.metadata.recorded_at, e.topic.rsplit(".", 1)[-1], "event") for e in events]
    due: date | None = claim.current.decision_due_on
    if due is not None:
        found.append(Mark(datetime.combine(due, time(), UTC), "decision due", "due"))
    return sorted(found, key=lambda m: m.at)


def svg(items: Sequence[Mark]) -> str:
    """An SVG time axis with a tick per mark; readable without JavaScript (each mark has a <title>)."""
    if not items:
        return ""
    start, end = items[0].at, items[-1].at
    span = max((end - start).total_seconds(), 1.0)

    def x(at: datetime) -> float:
        return MARGIN + (WIDTH - 2 * MARGIN) * (at - start).total_seconds() / span

    colour = {"event": "#1f3a5f", "repair": "#2e7d32", "due": "#c62828"}
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" role="img" '
        f'aria-label="claim timeline" data-testid="axis">',
        f'<line x1="{MARGIN}" y1="60" x2="{WIDTH - MARGIN}" y2="60" stroke="#555"/>',
    ]
    repair = [m for m in items if m.kind == "repair"]
    if len(repair) == 2:
        parts.append(
            f'<rect x="{x(repair[0].at):.1f}" y="52" width="{max(x(repair[1].at) - x(repair[0].at), 1):.1f}" '
            f'height="16" fill="#a5d6a7"><title>out of service</title></rect>'
        )
    for i, m in enumerate(items):
        cx, y = x(m.at), 30 if i % 2 else 95
        label = escape(f"{m.label} {m.at:%Y-%m-%d %H:%M}")
        parts.append(
            f'<circle cx="{cx:.1f}" cy="60" r="5" fill="{colour[m.kind]}"><title>{label}</title></circle>'
            f'<text x="{cx:.1f}" y="{y}" font-size="10" text-anchor="middle">{escape(m.label)}</text>'
        )
    parts.append(
        f'<text x="{MARGIN}" y="115" font-size="10">{start:%Y-%m-%d}</text>'
        f'<text x="{WIDTH - MARGIN}" y="115" font-size="10" text-anchor="end">{end:%Y-%m-%d}</text></svg>'
    )
    return "".join(parts)
