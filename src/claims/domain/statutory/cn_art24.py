"""CN 三包 replace/refund grounds inside the 三包有效期 (Order 43 Art. 24; Order 150's equivalents)."""

from __future__ import annotations

from collections import Counter, defaultdict

from claims.domain.statutory.cn_rules import CnParameters, sanbao_visits
from claims.domain.statutory.facts import RepairVisit, VehicleFacts
from claims.domain.statutory.pack import Outcome, Remedy, fired, not_fired
from claims.domain.vehicle.coverage_terms import ComponentGroup


def _later(visits: tuple[RepairVisit, ...], trigger: RepairVisit, group: ComponentGroup) -> bool:
    return any(v.component_group == group and v.opened_at > trigger.opened_at for v in visits)


def serious_safety_repairs(facts: VehicleFacts, p: CnParameters) -> Outcome:
    """Art. 24(1): serious safety faults repaired 2 times, and the fault remains or a new one appears."""
    name = "serious_safety_repairs"
    visits = sanbao_visits(facts, p)
    safety = [v for v in visits if v.serious_safety]
    n = p.serious_safety_repairs
    if len(safety) < n:
        return not_fired(
            name, f"{len(safety)} serious-safety repairs in the 三包有效期, {n} needed", repairs=str(len(safety))
        )
    nth = safety[n - 1]
    if not (nth.fault_remained or len(safety) > n):
        return not_fired(name, f"the fault was cured at repair {n} and no new serious safety fault appeared")
    return fired(
        name,
        Remedy.REPLACE_OR_REFUND,
        f"{p.regulation}: serious safety faults repaired {n} times and not cured (or a new one appeared)"
        " → replacement or refund",
        repairs=str(len(safety)),
        visits=", ".join(v.visit_id for v in safety),
    )


def assembly_replaced_twice(facts: VehicleFacts, p: CnParameters) -> Outcome:
    """Art. 24(2): an assembly replaced 2 times and still not usable (main-part replacements counted apart)."""
    name = "assembly_replaced_twice"
    visits = sanbao_visits(facts, p)
    n = p.assembly_replacements
    for group in p.assemblies:
        swaps = [v for v in visits if v.replaced_assembly == group]
        if len(swaps) >= n and (swaps[n - 1].fault_remained or _later(visits, swaps[n - 1], group)):
            return fired(
                name,
                Remedy.REPLACE_OR_REFUND,
                f"{p.regulation}: the {group.value.lower()} was replaced {len(swaps)} times and is still not usable"
                " → replacement or refund",
                assembly=group.value,
                replacements=str(len(swaps)),
            )
    counts = Counter(str(v.replaced_assembly) for v in visits if v.replaced_assembly is not None)
    return not_fired(name, f"no assembly replaced {n} times and still not usable", replacements=_counts(counts))


def _main_part_swaps(
    visits: tuple[RepairVisit, ...], p: CnParameters
) -> dict[tuple[ComponentGroup, str], list[RepairVisit]]:
    """Main-part replacements by (system, part); those made together with their assembly are not counted."""
    swaps: dict[tuple[ComponentGroup, str], list[RepairVisit]] = defaultdict(list)
    for v in visits:
        if (
            v.replaced_main_part
            and v.component_group in p.main_part_systems
            and v.replaced_assembly != v.component_group
        ):
            swaps[(v.component_group, v.replaced_main_part)].append(v)
    return swaps


def same_main_part_replaced_twice(facts: VehicleFacts, p: CnParameters) -> Outcome:
    """Art. 24(3): the same main part replaced 2 times and still not usable.

    A main part replaced together with its assembly is not counted again (Art. 24, second paragraph).
    """
    name = "same_main_part_replaced_twice"
    visits = sanbao_visits(facts, p)
    n = p.main_part_replacements
    swaps = _main_part_swaps(visits, p)
    for (group, part), done in swaps.items():
        if len(done) >= n and (done[n - 1].fault_remained or _later(visits, done[n - 1], group)):
            return fired(
                name,
                Remedy.REPLACE_OR_REFUND,
                f"{p.regulation}: main part {part} of the {group.value.lower()} replaced {len(done)} times and still"
                " not usable → replacement or refund",
                part=f"{group.value}/{part}",
                replacements=str(len(done)),
            )
    counts = Counter({f"{g.value}/{part}": len(done) for (g, part), done in swaps.items()})
    return not_fired(name, f"no main part replaced {n} times and still not usable", replacements=_counts(counts))


def cumulative_days_out_of_service(facts: VehicleFacts, p: CnParameters) -> Outcome:
    """Art. 24(4): cumulative repair time (Art. 40 days, excluded pauses left out) more than 30 days."""
    name = "cumulative_days_out_of_service"
    visits = sanbao_visits(facts, p)
    total = sum(v.days_out_of_service for v in visits)
    facts_used = {"days": str(total), "threshold": str(p.cumulative_repair_days), "visits": str(len(visits))}
    if not p.cumulative_repair_days.met(total):
        return not_fired(
            name, f"{total} cumulative repair days in the 三包有效期, not {p.cumulative_repair_days}", **facts_used
        )
    return fired(
        name,
        Remedy.REPLACE_OR_REFUND,
        f"{p.regulation}: {total} cumulative repair days in the 三包有效期 ({p.cumulative_repair_days})"
        " → replacement or refund",
        **facts_used,
    )


def same_defect_repairs(facts: VehicleFacts, p: CnParameters) -> Outcome:
    """Art. 24(4): the same quality problem repaired more than 4 times (the 5th repair fires)."""
    name = "same_defect_repairs"
    counts = Counter(v.defect_key for v in sanbao_visits(facts, p))
    key, most = counts.most_common(1)[0] if counts else ("-", 0)
    facts_used = {"defect_key": key, "repairs": str(most), "threshold": str(p.same_defect_repairs)}
    if not p.same_defect_repairs.met(most):
        return not_fired(name, f"at most {most} repairs of one defect in the 三包有效期", **facts_used)
    return fired(
        name,
        Remedy.REPLACE_OR_REFUND,
        f"{p.regulation}: defect {key} repaired {most} times in the 三包有效期 ({p.same_defect_repairs})"
        " → replacement or refund",
        **facts_used,
    )


def _counts(counts: Counter[str]) -> str:
    return ", ".join(f"{k}: {c}" for k, c in sorted(counts.items())) or "none"
