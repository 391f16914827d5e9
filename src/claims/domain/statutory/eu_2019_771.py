"""EU-2019/771: sale-of-goods liability, burden of proof and remedy hierarchy (DOMAIN.md §1c).

Version 2 adds Directive (EU) 2024/1799 from 2026-07-31: a repair extends liability once by 12 months.
The rules assess the latest visit, the lack of conformity at hand; earlier visits are its history.
"""

from __future__ import annotations

from datetime import date

from claims.domain.base import Frozen
from claims.domain.calendar import add_months
from claims.domain.statutory.facts import RepairVisit, VehicleFacts
from claims.domain.statutory.pack import Outcome, Remedy, RulePack, fired, not_fired
from claims.domain.statutory.windows import Window, day_number


class EuParameters(Frozen):
    """The Directive's periods as a Member State applies them at the minimum."""

    directive: str
    liability: Window  # Art. 10(1)
    burden_of_proof: Window  # Art. 11(1)
    repair_extension_months: int | None  # Art. 10(2a) as inserted by 2024/1799; None before it applies
    termination_for_minor: bool  # Art. 13(5): no termination for a minor lack of conformity


def liability_ends(facts: VehicleFacts, p: EuParameters) -> tuple[date, RepairVisit | None]:
    """The last day of liability, extended once if an earlier visit repaired the goods inside the period."""
    subject = facts.subject
    ends = p.liability.last_day(facts.delivery_date)
    if p.repair_extension_months is None or subject is None:
        return ends, None
    repair = next((v for v in facts.visits if v.opened_at < subject.opened_at and v.opened_on <= ends), None)
    return (add_months(ends, p.repair_extension_months), repair) if repair else (ends, None)


def _liable(facts: VehicleFacts, p: EuParameters) -> tuple[RepairVisit | None, date]:
    subject = facts.subject
    ends, _ = liability_ends(facts, p)
    if subject is None or not facts.delivery_date <= subject.opened_on <= ends:
        return None, ends
    return subject, ends


def seller_liable(facts: VehicleFacts, p: EuParameters) -> Outcome:
    """Art. 10: the seller is liable for a lack of conformity that becomes apparent within 2 years of delivery."""
    name = "seller_liable"
    subject = facts.subject
    ends, repair = liability_ends(facts, p)
    if subject is None:
        return not_fired(name, "no lack of conformity reported")
    used = {"visit": subject.visit_id, "reported_on": subject.opened_on.isoformat(), "liability_ends": ends.isoformat()}
    if repair is not None:
        used["extended_by_repair"] = repair.visit_id
    if not facts.delivery_date <= subject.opened_on <= ends:
        return not_fired(name, f"reported after liability ended on {ends}", **used)
    extension = f", extended {p.repair_extension_months} months by repair {repair.visit_id}" if repair else ""
    return fired(
        name,
        Remedy.NONE,
        f"{p.directive}: apparent within {p.liability} of delivery{extension} → seller liable",
        **used,
    )


def burden_of_proof_on_seller(facts: VehicleFacts, p: EuParameters) -> Outcome:
    """Art. 11(1): a lack of conformity apparent within 1 year is presumed to have existed at delivery."""
    name = "burden_of_proof_on_seller"
    subject = facts.subject
    if subject is None:
        return not_fired(name, "no lack of conformity reported")
    day = day_number(facts.delivery_date, subject.opened_on)
    used = {"visit": subject.visit_id, "day": str(day)}
    if not p.burden_of_proof.contains(
        facts.delivery_date, facts.odometer_at_delivery, subject.opened_on, subject.odometer
    ):
        return not_fired(name, f"apparent on day {day}, after {p.burden_of_proof}: the consumer proves it", **used)
    return fired(
        name,
        Remedy.NONE,
        f"{p.directive}: apparent on day {day}, within {p.burden_of_proof} → presumed to have existed at delivery",
        **used,
    )


def _earlier_same_defect(facts: VehicleFacts, subject: RepairVisit) -> RepairVisit | None:
    return next(
        (v for v in facts.visits if v.defect_key == subject.defect_key and v.opened_at < subject.opened_at), None
    )


def repair_or_replacement(facts: VehicleFacts, p: EuParameters) -> Outcome:
    """Art. 13(2): first tier, the consumer chooses repair or replacement."""
    name = "repair_or_replacement"
    subject, ends = _liable(facts, p)
    if subject is None:
        return not_fired(name, f"no lack of conformity within liability (ends {ends})")
    earlier = _earlier_same_defect(facts, subject)
    if earlier is not None:
        return not_fired(name, f"defect {subject.defect_key} recurs after {earlier.visit_id}: second tier applies")
    return fired(
        name,
        Remedy.REPAIR,
        f"{p.directive}: first occurrence of {subject.defect_key} → repair or replacement, at the consumer's choice",
        visit=subject.visit_id,
        defect_key=subject.defect_key,
    )


def price_reduction_or_termination(facts: VehicleFacts, p: EuParameters) -> Outcome:
    """Art. 13(4): the defect recurs after a repair or replacement → price reduction or termination.

    A minor lack of conformity allows no termination (Art. 13(5)), so only a price reduction.
    """
    name = "price_reduction_or_termination"
    subject, ends = _liable(facts, p)
    if subject is None:
        return not_fired(name, f"no lack of conformity within liability (ends {ends})")
    earlier = _earlier_same_defect(facts, subject)
    if earlier is None:
        return not_fired(name, f"first occurrence of {subject.defect_key}: repair or replacement comes first")
    minor = subject.minor_nonconformity and not p.termination_for_minor
    return fired(
        name,
        Remedy.PRICE_REDUCTION if minor else Remedy.PRICE_REDUCTION_OR_TERMINATION,
        f"{p.directive}: {subject.defect_key} recurs after {earlier.visit_id} → "
        + ("price reduction only (minor lack of conformity)" if minor else "price reduction or termination"),
        visit=subject.visit_id,
        earlier_visit=earlier.visit_id,
        minor=str(subject.minor_nonconformity).lower(),
    )


RULES = (seller_liable, burden_of_proof_on_seller, repair_or_replacement, price_reduction_or_termination)


def _parameters(directive: str, repair_extension_months: int | None) -> EuParameters:
    return EuParameters(
        directive=directive,
        liability=Window(months=24),
        burden_of_proof=Window(months=12),
        repair_extension_months=repair_extension_months,
        termination_for_minor=False,
    )


EU_2019_771_V1 = RulePack[EuParameters](
    pack_id="EU-2019/771",
    version="1",
    title="Directive (EU) 2019/771 on the sale of goods",
    jurisdiction="EU",
    # UNCONFIRMED: the Directive applies to contracts from 2022-01-01 (Art. 24); not in DOMAIN.md.
    effective_from=date(2022, 1, 1),
    effective_to=date(2026, 7, 30),
    parameters=_parameters("Directive (EU) 2019/771", None),
    rules=RULES,
)

EU_2019_771_V2 = RulePack[EuParameters](
    pack_id="EU-2019/771",
    version="2",
    title="Directive (EU) 2019/771 as amended by Directive (EU) 2024/1799",
    jurisdiction="EU",
    effective_from=date(2026, 7, 31),
    parameters=_parameters("Directive (EU) 2019/771 as amended by 2024/1799", 12),
    rules=RULES,
)
