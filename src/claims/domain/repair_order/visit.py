"""A closed repair order as the statutory rule packs see it: one ``RepairVisit`` of the vehicle's statutory case."""

from __future__ import annotations

from claims.domain.ids import repair_order_id_for
from claims.domain.repair_order.state import RepairOrder
from claims.domain.statutory.facts import RepairVisit

MAX_VISIT_ID = 64  # RepairVisit.visit_id is a Reference


def visit_id_for(dealer_id: str, ro_number: str) -> str:
    """The visit id of a dealer's repair order: "<dealer>/<RO number>", or the RO's stream id when that is too long."""
    readable = f"{dealer_id}/{ro_number}"
    return readable if len(readable) <= MAX_VISIT_ID else str(repair_order_id_for(dealer_id, ro_number))


def repair_visit(order: RepairOrder) -> RepairVisit | None:
    """The repair visit of a closed repair order whose work carries statutory facts; None for any other order.

    Days out of service are the ones the close fixed (Art. 40, pauses left out); the pauses travel with the
    visit so rules that count the whole span (the courtesy car) can; the odometer is the reading at intake.
    """
    work = order.work
    if not order.is_closed or work is None or work.statutory is None:
        return None
    if order.closed_at is None or order.days_out_of_service is None:
        return None
    return RepairVisit(
        **dict(work.statutory),
        visit_id=visit_id_for(order.dealer_id, order.ro_number),
        defect_key=str(work.defect),
        opened_at=order.opened_at,
        closed_at=order.closed_at,
        odometer=order.odometer_in,
        pauses=tuple((p.started_at, p.ended_at) for p in order.pauses),
        days_out_of_service=order.days_out_of_service,
    )
