"""Whose data a resource is (issue 7): the second half of authorization, after the per-RPC role table.

- a dealer reads and changes only its own repair orders, claims and pre-authorizations, lists only the
  vehicles it sold, and may read any registered vehicle by its identifier (a car of the make can come to
  any dealer's workshop; the VIN is what the dealer has in hand). It changes only vehicles it sold;
- the desk of manufacturer M sees and decides only what concerns M's vehicles (claims, repair orders,
  pre-authorizations, statutory cases of vehicles whose ``manufacturer`` is M);
- an insurer sees the vehicles it has sold a contract on and the claims on them, and only its own contracts;
- an auditor sees everything and changes nothing; an admin sees no tenant's data;
- SYSTEM (the engine itself, and servers run with authentication off) sees and changes everything.

The functions answer yes or no; callers turn a "no" into the very NOT_FOUND a missing resource gives (no
existence leak), or into PERMISSION_DENIED when the caller names another organisation as itself when
creating something.
"""

from __future__ import annotations

from claims.application.principal import Principal, Role
from claims.domain.base import DomainEvent
from claims.domain.errors import PermissionDeniedError
from claims.domain.vehicle.events import ServiceContractLinked
from claims.domain.vehicle.state import Vehicle

_SEES_ALL = (Role.SYSTEM, Role.AUDITOR)


def sees_everything(principal: Principal) -> bool:
    """SYSTEM and auditors read every tenant's data."""
    return principal.role in _SEES_ALL


def sees_vehicle(principal: Principal, vehicle: Vehicle) -> bool:
    """Whether ``principal`` may read ``vehicle``."""
    match principal.role:
        case Role.SYSTEM | Role.AUDITOR | Role.DEALER:
            return True
        case Role.OEM_DESK:
            return vehicle.manufacturer == principal.organisation
        case Role.INSURER:
            return any(link.insurer_id == principal.organisation for link in vehicle.contracts)
        case _:
            return False


def changes_vehicle(principal: Principal, vehicle: Vehicle) -> bool:
    """Whether ``principal`` may attach coverages to, record readings on or transfer ``vehicle``."""
    match principal.role:
        case Role.SYSTEM:
            return True
        case Role.DEALER:
            return vehicle.dealer_id == principal.organisation
        case Role.OEM_DESK:
            return vehicle.manufacturer == principal.organisation
        case _:
            return False


def sees_dealer_resource(principal: Principal, dealer_id: str, vehicle: Vehicle | None) -> bool:
    """Whether ``principal`` may read a claim, repair order or pre-authorization of ``dealer_id`` on ``vehicle``."""
    match principal.role:
        case Role.SYSTEM | Role.AUDITOR:
            return True
        case Role.DEALER:
            return dealer_id == principal.organisation
        case Role.OEM_DESK:  # the make alone (fixed at registration: callers may pass the vehicle as first read)
            return vehicle is not None and vehicle.manufacturer == principal.organisation
        case Role.INSURER:
            return vehicle is not None and any(link.insurer_id == principal.organisation for link in vehicle.contracts)
        case _:
            return False


def changes_dealer_resource(principal: Principal, dealer_id: str, vehicle: Vehicle | None) -> bool:
    """Whether ``principal`` may act on a claim, repair order or pre-authorization of ``dealer_id`` on ``vehicle``:
    the dealer on its own, the desk on its make's (the role table says which commands each may send)."""
    match principal.role:
        case Role.SYSTEM:
            return True
        case Role.DEALER:
            return dealer_id == principal.organisation
        case Role.OEM_DESK:  # the make alone, as above
            return vehicle is not None and vehicle.manufacturer == principal.organisation
        case _:
            return False


def sees_insurer_resource(principal: Principal, insurer_id: str) -> bool:
    """Whether ``principal`` may read ``insurer_id``'s contracts and the claims under them."""
    return sees_everything(principal) or (principal.role is Role.INSURER and principal.organisation == insurer_id)


def changes_insurer_resource(principal: Principal, insurer_id: str) -> bool:
    """Whether ``principal`` may cancel or transfer ``insurer_id``'s contracts."""
    return principal.role is Role.SYSTEM or (principal.role is Role.INSURER and principal.organisation == insurer_id)


def sees_event(principal: Principal, event: DomainEvent) -> bool:
    """Within a subject the caller may see, whether it may see this event: that an insurer sold a contract on a
    vehicle is that insurer's business (auditors see every event)."""
    if sees_everything(principal) or not isinstance(event, ServiceContractLinked):
        return True
    return principal.role is Role.INSURER and event.insurer_id == principal.organisation


def redacted_vehicle(principal: Principal, vehicle: Vehicle) -> Vehicle:
    """``vehicle`` as ``principal`` may see it: with only its own contracts on it (an auditor: all of them)."""
    if sees_everything(principal):
        return vehicle
    own = tuple(
        link
        for link in vehicle.contracts
        if principal.role is Role.INSURER and link.insurer_id == principal.organisation
    )
    return vehicle if own == vehicle.contracts else vehicle.model_copy(update={"contracts": own})


def require_acting_as(principal: Principal, role: Role, organisation: str, field: str) -> None:
    """Creating something in an organisation's name: only that organisation (or SYSTEM) may.

    PERMISSION_DENIED, not NOT_FOUND: the caller named the organisation itself, nothing about it is revealed.
    """
    if principal.role is Role.SYSTEM or (principal.role is role and principal.organisation == organisation):
        return
    raise PermissionDeniedError(
        f"{principal.name} may not act as {role.value}:{organisation} ({field})",
        metadata={"field": field, "principal": principal.name},
    )


def narrowed(principal: Principal, role: Role, requested: str, field: str) -> str:
    """The value a list's ``field`` filter (a dealer or insurer id) takes for ``principal``: its own organisation
    when it has ``role`` (naming another one is PERMISSION_DENIED), else what was asked (empty: any)."""
    if principal.role is not role:
        return requested
    own = principal.organisation or ""
    if requested and requested != own:
        raise PermissionDeniedError(
            f"{principal.name} may list only its own ({field} {own})",
            metadata={"field": field, "principal": principal.name},
        )
    return own


def manufacturer_scope(principal: Principal) -> str | None:
    """The manufacturer a desk's lists are narrowed to; None for every other role."""
    return principal.organisation or "" if principal.role is Role.OEM_DESK else None


def insurer_scope(principal: Principal) -> str | None:
    """The insurer an insurer's lists are narrowed to; None for every other role."""
    return principal.organisation or "" if principal.role is Role.INSURER else None
