"""The claim's timeline as an inline SVG drawn on the server: the repair order and its days out of service, each
event, the decision due day, and the claim's commitment clocks (open, met, breached) as bars under the axis.

Readable without JavaScript: every mark and bar carries a <title>; marks closer than a label's width share one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from html import escape

from claims.application.messages import RecordedEvent
from claims.domain.claim.state import Claim
from claims.projections.commitments import Clock

WIDTH, MARGIN, AXIS_Y, ROW = 1000, 160, 60, 22
CLUSTER_PX = 70  # marks closer than this on the axis share one label
COLOUR = {"event": "#1f3a5f", "repair": "#2e7d32", "due": "#c62828"}
CLOCK_COLOUR = {"OPEN": "#1565c0", "PAUSED": "#8e8e8e", "MET": "#2e7d32", "BREACHED": "#c62828"}


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


def _clusters(xs: Sequence[tuple[float, Mark]]) -> list[list[tuple[float, Mark]]]:
    groups: list[list[tuple[float, Mark]]] = []
    for item in xs:
        if groups and item[0] - groups[-1][0][0] < CLUSTER_PX:
            groups[-1].append(item)
        else:
            groups.append([item])
    return groups


class _Scale:
    """Instants to x: from the first instant drawn to the last, between the margins."""

    def __init__(self, start: datetime, end: datetime) -> None:
        self.start, self.end = start, end
        self._span = max((end - start).total_seconds(), 1.0)

    def __call__(self, at: datetime) -> float:
        return MARGIN + (WIDTH - 2 * MARGIN) * (at - self.start).total_seconds() / self._span


def svg(items: Sequence[Mark], clocks: Sequence[Clock] = ()) -> str:
    """An SVG time axis with a dot per mark and a bar per clock, from the first instant to the last."""
    if not items:
        return ""
    instants = [m.at for m in items] + [t for c in clocks for t in (c.started_at, c.due_at)]
    x = _Scale(min(instants), max(instants))
    height = AXIS_Y + 60 + ROW * len(clocks)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" role="img" '
        f'aria-label="claim timeline" data-testid="axis" font-family="sans-serif">',
        f'<line x1="{MARGIN}" y1="{AXIS_Y}" x2="{WIDTH - MARGIN}" y2="{AXIS_Y}" stroke="#555"/>',
        *_out_of_service(x, [m for m in items if m.kind == "repair"]),
        *_marks(x, items),
        *(_clock(x, clock, AXIS_Y + 40 + ROW * row) for row, clock in enumerate(clocks)),
        f'<text x="{MARGIN}" y="{height - 6}" font-size="10">{x.start:%Y-%m-%d}</text>',
        f'<text x="{WIDTH - MARGIN}" y="{height - 6}" font-size="10" text-anchor="end">{x.end:%Y-%m-%d}</text></svg>',
    ]
    return "".join(parts)


def _out_of_service(x: _Scale, repair: Sequence[Mark]) -> list[str]:
    if len(repair) != 2:
        return []
    opened, closed = repair[0].at, repair[1].at
    days = (closed.date() - opened.date()).days + 1  # the day it came in and the day it went out both count
    return [
        f'<rect x="{x(opened):.1f}" y="{AXIS_Y - 8}" width="{max(x(closed) - x(opened), 2):.1f}" height="16" '
        f'fill="#a5d6a7"><title>out of service {opened:%Y-%m-%d} to {closed:%Y-%m-%d}: {days} day(s)</title></rect>',
        f'<text x="{x(opened):.1f}" y="{AXIS_Y + 24}" font-size="10" data-testid="out-of-service">'
        f"{days} day(s) out of service</text>",
    ]


def _marks(x: _Scale, items: Sequence[Mark]) -> list[str]:
    parts = []
    for i, group in enumerate(_clusters([(x(m.at), m) for m in items])):
        for cx, m in group:
            label = escape(f"{m.label} {m.at:%Y-%m-%d %H:%M}")
            parts.append(
                f'<circle cx="{cx:.1f}" cy="{AXIS_Y}" r="5" fill="{COLOUR[m.kind]}"><title>{label}</title></circle>'
            )
        text = group[0][1].label if len(group) == 1 else f"{group[0][1].label} +{len(group) - 1}"
        parts.append(
            f'<text x="{group[0][0]:.1f}" y="{AXIS_Y - 14 - 12 * (i % 2)}" font-size="10" text-anchor="middle">'
            f"{escape(text)}</text>"
        )
    return parts


def _clock(x: _Scale, clock: Clock, y: int) -> str:
    """A clock's bar: its frame from start to due, filled up to where it stopped; its code and status beside it."""
    stop = clock.stopped_at or clock.breached_at
    colour = CLOCK_COLOUR.get(clock.status.value, "#555")
    title = escape(
        f"{clock.commitment_code} {clock.status.value}: started {clock.started_at:%Y-%m-%d %H:%M}, due "
        f"{clock.due_at:%Y-%m-%d %H:%M}" + (f", stopped {stop:%Y-%m-%d %H:%M}" if stop else "")
    )
    left = x(clock.started_at)
    filled = (
        f'<rect x="{left:.1f}" y="{y}" width="{max(x(min(stop, x.end)) - left, 2):.1f}" height="8" fill="{colour}"/>'
        if stop is not None
        else ""
    )
    return (
        f'<g data-testid="clock"><title>{title}</title>'
        f'<rect x="{left:.1f}" y="{y}" width="{max(x(clock.due_at) - left, 2):.1f}" height="8" fill="none" '
        f'stroke="{colour}"/>{filled}'
        f'<text x="{MARGIN - 6}" y="{y + 8}" font-size="10" text-anchor="end">{escape(clock.commitment_code)}</text>'
        f'<text x="{WIDTH - MARGIN + 6}" y="{y + 8}" font-size="10" fill="{colour}">{clock.status.value}</text></g>'
    )
