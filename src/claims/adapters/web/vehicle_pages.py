"""The vehicles a principal may see, and a vehicle's page: coverages evaluated today and on any date at any
reading, odometer history, repair orders, statutory case, commitment clocks and compensation owed."""

from __future__ import annotations

from datetime import date
from urllib.parse import quote

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from claims.adapters.grpc.mapping import build, parse_date, present
from claims.adapters.web import repair_chart, vehicle_sections
from claims.adapters.web.pages import PAGE_SIZE, VEHICLES, Console, refusal_text, render, signed_in
from claims.application import access
from claims.application.principal import Role
from claims.domain.errors import ClaimsError
from claims.domain.values import Distance
from claims.domain.vehicle.status import VehicleStatus


def asked_moment(request: Request, today: VehicleStatus) -> tuple[date | None, Distance | None] | None:
    """The date and reading the GET form asks coverages on (the reading in the vehicle's unit); None: not asked."""
    on_text, reading = request.query_params.get("on", ""), request.query_params.get("reading", "").strip()
    if not on_text and not reading:
        return None
    unit = today.vehicle.odometer_at_delivery.unit
    odometer = build(Distance, present({"value": reading, "unit": unit}), prefix="reading.") if reading else None
    return parse_date(on_text, "on"), odometer


def routes(console: Console) -> list[BaseRoute]:
    def vehicles(request: Request) -> Response:
        principal = signed_in(request, VEHICLES + "ListVehicles")
        if isinstance(principal, Response):
            return principal
        vin = request.query_params.get("vin", "").strip()
        if vin:
            return RedirectResponse(f"/vehicles/{quote(vin, safe='')}", status_code=303)
        assert console.vehicles is not None, "no read model on this store"
        console.caught_up("vehicles")
        after = request.query_params.get("after", "")
        rows = console.vehicles.list(
            dealer_id=access.narrowed(principal, Role.DEALER, "", "dealer_id"), jurisdiction="", after=after,
            limit=PAGE_SIZE + 1, manufacturer=access.manufacturer_scope(principal),
            insurer_id=access.insurer_scope(principal),
        )  # fmt: skip
        more = rows[PAGE_SIZE - 1].identifier if len(rows) > PAGE_SIZE else ""
        return render(request, "vehicles.html", vehicles=rows[:PAGE_SIZE], more=more)

    def vehicle(request: Request) -> Response:
        principal = signed_in(request, VEHICLES + "GetVehicle")
        if isinstance(principal, Response):
            return principal
        vin = request.path_params["vin"]
        try:
            today, version = console.app.get_vehicle(vin, None, None, principal)
        except ClaimsError as e:
            return render(request, "refused.html", 404, reason=str(e))
        code, evaluated, refusal = 200, None, ""
        try:
            asked = asked_moment(request, today)
            if asked is not None:
                evaluated, _ = console.app.get_vehicle(vin, *asked, principal)
        except ClaimsError as e:
            code, refusal = 400, refusal_text(e)
        console.caught_up("commitments", "compensation")  # the sections' read models
        parts = vehicle_sections.sections(console, principal, today.vehicle)
        drawn = repair_chart.svg(today.vehicle.delivery_date, console.app.clock(), parts.repair_orders or [])
        chart = Markup(drawn)  # noqa: S704  (built from escaped parts in repair_chart.py)
        return render(
            request, "vehicle.html", code, today=today, version=version, evaluated=evaluated, refusal=refusal,
            asked_on=request.query_params.get("on", ""), asked_reading=request.query_params.get("reading", ""),
            chart=chart, repair_orders=parts.repair_orders, case=parts.case, clocks=parts.clocks, ledger=parts.ledger,
        )  # fmt: skip

    return [Route("/vehicles", vehicles), Route("/vehicles/{vin}", vehicle)]
