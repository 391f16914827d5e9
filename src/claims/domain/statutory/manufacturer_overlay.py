"""A manufacturer's policy overlay: components covered longer than the statute, and wear parts' own periods.

Modelled on the Changhe 三包凭证 (DOMAIN.md §1a-ii): engine internals and transmission housing 3 years /
80,000 km against the statutory 包修期 of 3 years / 60,000 km; wear parts 3 months / 5,000 km; 12 V battery
and relays 12 months / 30,000 km. Like the other rules, these assess the latest visit.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from claims.domain.base import Frozen
from claims.domain.statutory.facts import RepairVisit, VehicleFacts
from claims.domain.statutory.pack import Outcome, PackKind, Remedy, RulePack, fired, not_fired
from claims.domain.statutory.windows import Window
from claims.domain.vehicle.coverage_terms import ComponentGroup, StartRule, WearPart


class ExtendedCover(Frozen):
    """A longer period for a component group, or only for the named main parts of it."""

    component_group: ComponentGroup
    parts: tuple[str, ...] = ()  # empty: the whole group
    window: Window

    def matches(self, visit: RepairVisit) -> bool:
        part = visit.replaced_main_part or visit.main_part
        return visit.component_group == self.component_group and (not self.parts or part in self.parts)


class WearPartCover(Frozen):
    """The manufacturer-declared period of some wear parts (易损耗零部件, Order 43 Art. 19)."""

    parts: tuple[WearPart, ...]
    window: Window


class OverlayParameters(Frozen):
    """The statutory baseline the overlay is measured against, and the manufacturer's own periods."""

    policy: str
    starts_from: StartRule
    statutory_window: Window
    extended: tuple[ExtendedCover, ...]
    wear_parts: tuple[WearPartCover, ...]


def _inside(window: Window, facts: VehicleFacts, p: OverlayParameters, visit: RepairVisit) -> bool:
    return window.contains(facts.start_date(p.starts_from), facts.odometer_at_delivery, visit.opened_on, visit.odometer)


def extended_component_cover(facts: VehicleFacts, p: OverlayParameters) -> Outcome:
    """Whether the latest visit's component is covered by the manufacturer after the statute's cover ended."""
    name = "extended_component_cover"
    visit = facts.subject
    if visit is None or visit.wear_part is not None:
        return not_fired(name, "no component repair to assess")
    used = {
        "visit": visit.visit_id,
        "component": visit.component_group.value,
        "driven": str(facts.driven(visit.odometer)),
    }
    if _inside(p.statutory_window, facts, p, visit):
        return not_fired(name, f"the statute still covers it ({p.statutory_window})", **used)
    cover = next((c for c in p.extended if c.matches(visit) and _inside(c.window, facts, p, visit)), None)
    if cover is None:
        return not_fired(name, f"outside the statute's {p.statutory_window} and no longer promise applies", **used)
    return fired(
        name,
        Remedy.REPAIR,
        f"{p.policy}: {visit.component_group.value.lower()} covered for {cover.window}, beyond the statute's"
        f" {p.statutory_window} → free repair",
        cover=str(cover.window),
        **used,
    )


def wear_part_cover(facts: VehicleFacts, p: OverlayParameters) -> Outcome:
    """Whether the latest visit's wear part is inside its own, shorter period."""
    name = "wear_part_cover"
    visit = facts.subject
    if visit is None or visit.wear_part is None:
        return not_fired(name, "no wear part to assess")
    used = {"visit": visit.visit_id, "wear_part": visit.wear_part.value, "driven": str(facts.driven(visit.odometer))}
    cover = next((c for c in p.wear_parts if visit.wear_part in c.parts), None)
    if cover is None:
        return not_fired(name, f"{visit.wear_part.value.lower()} has no declared period", **used)
    if not _inside(cover.window, facts, p, visit):
        return not_fired(name, f"outside its own period of {cover.window}", period=str(cover.window), **used)
    return fired(
        name,
        Remedy.REPAIR,
        f"{p.policy}: {visit.wear_part.value.lower()} inside its period of {cover.window} → free replacement",
        period=str(cover.window),
        **used,
    )


def _km(months: int, km: int) -> Window:
    return Window(months=months, distance=Decimal(km))


ENGINE_INTERNALS = (
    "cylinder_head", "camshaft", "valves", "cylinder_block", "pistons", "connecting_rods", "crankshaft", "oil_pan",
)  # fmt: skip
W = WearPart

OEM_CN_SAMPLE = RulePack[OverlayParameters](
    pack_id="OEM-CN-SAMPLE",
    version="1",
    title="Manufacturer 三包凭证 overlay (modelled on the Changhe 凭证, DOMAIN.md §1a-ii)",
    jurisdiction="CN",
    kind=PackKind.MANUFACTURER_POLICY,
    effective_from=date(2013, 10, 1),  # illustrative: the 凭证 is 2013-era
    parameters=OverlayParameters(
        policy="manufacturer 三包凭证",
        starts_from=StartRule.DELIVERY_DATE,
        statutory_window=_km(36, 60_000),
        extended=(
            ExtendedCover(component_group=ComponentGroup.ENGINE, parts=ENGINE_INTERNALS, window=_km(36, 80_000)),
            ExtendedCover(
                component_group=ComponentGroup.TRANSMISSION, parts=("transmission_housing",), window=_km(36, 80_000)
            ),
        ),
        wear_parts=(
            WearPartCover(
                parts=(
                    W.FILTERS,
                    W.SPARK_PLUGS,
                    W.BRAKE_LININGS,
                    W.CLUTCH_DISC,
                    W.TYRES,
                    W.REMOTE_BATTERY,
                    W.BULBS,
                    W.WIPER_BLADES,
                    W.FUSES,
                ),
                window=_km(3, 5_000),
            ),
            WearPartCover(parts=(W.BATTERY_12V, W.RELAYS), window=_km(12, 30_000)),
        ),
    ),
    rules=(extended_component_cover, wear_part_cover),
)
