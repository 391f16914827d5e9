"""A vehicle's repair orders as an inline SVG drawn on the server, in the timeline's style: one bar per order from
its opening to its closing (to today while open), labelled with the days out of service the close fixed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from html import escape

from claims.adapters.web.timeline import MARGIN, WIDTH
from claims.domain.repair_order.state import RepairOrder

ROW, TOP = 22, 10


def svg(delivered: date, today: datetime, orders: Sequence[RepairOrder]) -> str:
    """Bars on an axis from delivery to today; readable without JavaScript (each bar has a <title>)."""
    if not orders:
        return ""
    start = datetime.combine(delivered, time(), UTC)
    end = max([today, *(o.closed_at or o.opened_at for o in orders)])
    span = max((end - start).total_seconds(), 1.0)

    def x(at: datetime) -> float:
        return MARGIN + (WIDTH - 2 * MARGIN) * max((at - start).total_seconds(), 0.0) / span

    height = TOP + ROW * len(orders) + 24
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" role="img" '
        f'aria-label="repair orders" data-testid="repair-chart">'
    ]
    for i, order in enumerate(orders):
        y, left = TOP + ROW * i, x(order.opened_at)
        right = x(order.closed_at or today)
        days = "open" if order.days_out_of_service is None else f"{order.days_out_of_service} days out of service"
        label = escape(f"{order.dealer_id}/{order.ro_number}: {days}")
        parts.append(
            f'<rect x="{left:.1f}" y="{y}" width="{max(right - left, 2):.1f}" height="14" fill="#a5d6a7" '
            f'stroke="#2e7d32"><title>{label}</title></rect>'
            f'<text x="{left:.1f}" y="{y + 11}" font-size="10" dx="4">{label}</text>'
        )
    axis = height - 14
    parts.append(
        f'<line x1="{MARGIN}" y1="{axis}" x2="{WIDTH - MARGIN}" y2="{axis}" stroke="#555"/>'
        f'<text x="{MARGIN}" y="{height - 2}" font-size="10">{start:%Y-%m-%d}</text>'
        f'<text x="{WIDTH - MARGIN}" y="{height - 2}" font-size="10" text-anchor="end">{end:%Y-%m-%d}</text></svg>'
    )
    return "".join(parts)
