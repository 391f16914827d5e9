"""CN 三包 parameters and the rules that run from the start of the period: 7 days, 60 days, courtesy car."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from claims.domain.base import Frozen
from claims.domain.statutory.facts import RepairVisit, SafetyFailure, VehicleFacts, statutory_days
from claims.domain.statutory.pack import Outcome, Remedy, fired, not_fired
from claims.domain.statutory.windows import Threshold, Window, day_number
from claims.domain.vehicle.coverage_terms import ComponentGroup, StartRule


class CnParameters(Frozen):
    """The numbers of one version of the CN household-vehicle 三包 rules."""

    regulation: str
    starts_from: StartRule
    sanbao_period: Window  # 三包有效期: the replace/refund grounds apply inside it
    repair_period: Window  # 包修期: free repair and the courtesy car apply inside it
    seven_day_rule: bool
    seven_day_window: Window
    early_window: Window  # 60 days or 3,000 km: assembly swap and the listed safety failures
    assemblies: tuple[ComponentGroup, ...]
    safety_failures: tuple[SafetyFailure, ...]
    serious_safety_repairs: int
    assembly_replacements: int
    main_part_replacements: int
    main_part_systems: tuple[ComponentGroup, ...]
    cumulative_repair_days: Threshold
    same_defect_repairs: Threshold
    courtesy_car_after_days: int
    usage_coefficient_min: Decimal
    usage_coefficient_max: Decimal
    answer_working_days: int | None
    completion_working_days: int | None


def in_window(window: Window, facts: VehicleFacts, p: CnParameters, visit: RepairVisit) -> bool:
    """Whether a visit opened inside ``window``, counted from the 三包 start date and the delivery reading."""
    start = facts.start_date(p.starts_from)
    return window.contains(start, facts.odometer_at_delivery, visit.opened_on, visit.odometer)


def sanbao_visits(facts: VehicleFacts, p: CnParameters) -> tuple[RepairVisit, ...]:
    return tuple(v for v in facts.visits if in_window(p.sanbao_period, facts, p, v))


def main_part_problem(visit: RepairVisit, assemblies: tuple[ComponentGroup, ...]) -> bool:
    """A quality problem in one of ``assemblies`` or its main parts, so that it or a main part needs replacing."""
    if visit.replaced_assembly in assemblies:
        return True
    return visit.component_group in assemblies and (visit.main_part or visit.replaced_main_part) is not None


def _first(
    facts: VehicleFacts, p: CnParameters, window: Window, matches: Callable[[RepairVisit], bool]
) -> RepairVisit | None:
    return next((v for v in facts.visits if in_window(window, facts, p, v) and matches(v)), None)


def _where(facts: VehicleFacts, p: CnParameters, visit: RepairVisit) -> dict[str, str]:
    start = facts.start_date(p.starts_from)
    driven = facts.driven(visit.odometer)
    return {"visit": visit.visit_id, "day": str(day_number(start, visit.opened_on)), "driven": str(driven)}


def seven_day_replace_or_refund(facts: VehicleFacts, p: CnParameters) -> Outcome:
    """Order 43 Art. 22: within 7 days, an assembly or its main part needs replacing → replace or refund."""
    name = "seven_day_replace_or_refund"
    if not p.seven_day_rule:
        return not_fired(name, f"{p.regulation} has no 7-day rule in this pack")
    hit = _first(facts, p, p.seven_day_window, lambda v: main_part_problem(v, p.assemblies))
    if hit is None:
        return not_fired(name, f"no assembly or main-part quality problem within {p.seven_day_window} of the start")
    return fired(
        name,
        Remedy.REPLACE_OR_REFUND,
        f"{p.regulation}: {hit.component_group.value.lower()} problem within {p.seven_day_window} of the start"
        " → free vehicle replacement or refund",
        component=hit.component_group.value,
        **_where(facts, p, hit),
    )


def assembly_swap_within_60_days(facts: VehicleFacts, p: CnParameters) -> Outcome:
    """Order 43 Art. 20: within 60 days or 3,000 km, a main-part problem → free replacement of the assembly."""
    name = "assembly_swap_within_60_days"
    hit = _first(facts, p, p.early_window, lambda v: main_part_problem(v, p.assemblies))
    if hit is None:
        return not_fired(name, f"no main-part problem of {_names(p.assemblies)} within {p.early_window}")
    return fired(
        name,
        Remedy.REPLACE,
        f"{p.regulation}: main-part problem of the {hit.component_group} within {p.early_window} → the consumer may"
        " choose a free replacement of the assembly",
        component=hit.component_group.value,
        **_where(facts, p, hit),
    )


def safety_failure_within_60_days(facts: VehicleFacts, p: CnParameters) -> Outcome:
    """Order 43 Art. 23: within 60 days or 3,000 km, a listed safety failure → replace or refund."""
    name = "safety_failure_within_60_days"
    hit = _first(facts, p, p.early_window, lambda v: v.safety_failure in p.safety_failures)
    if hit is None:
        return not_fired(name, f"none of {_names(p.safety_failures)} within {p.early_window}")
    return fired(
        name,
        Remedy.REPLACE_OR_REFUND,
        f"{p.regulation}: {hit.safety_failure} within {p.early_window} → free vehicle replacement or refund",
        failure=str(hit.safety_failure),
        **_where(facts, p, hit),
    )


def courtesy_car(facts: VehicleFacts, p: CnParameters) -> Outcome:
    """Order 43 Art. 21: a single repair inside the 包修期 of more than 5 days → courtesy car from day 6.

    Waiting for parts counts (Art. 21), and Art. 24's exclusions apply only to Art. 24(4), so the single
    repair time here is the whole span from repair agreed to repair completed, without pauses.
    """
    name = "courtesy_car"
    n = p.courtesy_car_after_days
    spans = [(v, statutory_days(v.opened_at, v.closed_at)) for v in facts.visits]
    long = [(v, days) for v, days in spans if days > n and in_window(p.repair_period, facts, p, v)]
    if not long:
        longest = max((days for _, days in spans), default=0)
        return not_fired(name, f"no single repair inside the 包修期 took more than {n} days", longest_days=str(longest))
    return fired(
        name,
        Remedy.COURTESY_CAR,
        f"{p.regulation}: a single repair took more than {n} days → courtesy car or transport compensation from"
        f" day {n + 1}",
        visits=", ".join(f"{v.visit_id} ({days} days)" for v, days in long),
        owed_from_day=str(n + 1),
        days_owed=str(sum(days - n for _, days in long)),
    )


def _names(items: tuple[ComponentGroup, ...] | tuple[SafetyFailure, ...]) -> str:
    return ", ".join(i.value.lower().replace("_", " ") for i in items)
