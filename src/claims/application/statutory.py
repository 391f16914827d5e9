"""Statutory cases: what closing a repair order adds to a vehicle's case, and the remedy use cases.

When a repair order carrying statutory facts closes, its repair visit is recorded on the vehicle's
statutory case in the same append, and the pack in force (by jurisdiction and sale date) decides
whether that changes what the consumer is entitled to. Jurisdictions without a pack keep no case.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from claims.application.commands import UnitOfWork
from claims.application.streams import STATUTORY_CASES, VEHICLES
from claims.domain.errors import NotFoundError
from claims.domain.ids import statutory_case_id_for, vehicle_id_for
from claims.domain.repair_order.state import RepairOrder
from claims.domain.repair_order.visit import repair_visit
from claims.domain.statutory.pack import RulePack
from claims.domain.statutory.registry import select_pack
from claims.domain.statutory.what_if import Difference
from claims.domain.statutory_case import decide as case_rules
from claims.domain.statutory_case.commands import RecordRepairVisit, StatutoryCaseCommand
from claims.domain.statutory_case.context import CaseContext
from claims.domain.values import Money
from claims.domain.vehicle.state import Vehicle


@dataclass(frozen=True)
class WhatIf:
    """A stored history under the pack that decided it and under another: the rules that come out differently."""

    current: RulePack[Any]
    other: RulePack[Any]
    differences: tuple[Difference, ...]


@dataclass(frozen=True)
class StatutoryInputs:
    """Per-jurisdiction inputs the packs need beyond history (reference data, not events)."""

    usage_coefficient: Mapping[str, Decimal] = field(default_factory=dict)
    courtesy_car_daily_rate: Mapping[str, Money] = field(default_factory=dict)
    holidays: Mapping[str, tuple[date, ...]] = field(default_factory=dict)
    make_up_days: Mapping[str, tuple[date, ...]] = field(default_factory=dict)

    def context(self, unit: UnitOfWork, vehicle: Vehicle) -> CaseContext:
        """The decision context for ``vehicle``'s case: its pack in force, latest reading and the inputs."""
        jurisdiction = vehicle.jurisdiction
        return CaseContext(
            now=unit.now,
            vehicle=vehicle,
            pack=select_pack(jurisdiction, vehicle.invoice_date),
            as_of_odometer=vehicle.odometer_on(unit.now.date()),
            usage_coefficient=self.usage_coefficient.get(jurisdiction),
            courtesy_car_daily_rate=self.courtesy_car_daily_rate.get(jurisdiction),
            holidays=self.holidays.get(jurisdiction, ()),
            make_up_days=self.make_up_days.get(jurisdiction, ()),
        )


def record_closed_visit(unit: UnitOfWork, order: RepairOrder, inputs: StatutoryInputs) -> None:
    """Add a closed repair order's visit to its vehicle's case (nothing without statutory facts or a pack)."""
    visit = repair_visit(order)
    if visit is None:
        return
    vehicle = unit.load(order.vehicle_id, VEHICLES)
    if vehicle is None:
        return
    try:
        ctx = inputs.context(unit, vehicle)
    except NotFoundError:
        return  # no statutory pack in force for this jurisdiction and sale date: nothing to decide
    _record(unit, vehicle.vehicle_id, RecordRepairVisit(vin=vehicle.identifier, visit=visit), ctx)


def run_case_command(unit: UnitOfWork, command: StatutoryCaseCommand, inputs: StatutoryInputs) -> None:
    """A direct notice, a re-evaluation or a remedy step on a vehicle's case."""
    vehicle = unit.load(vehicle_id_for(command.vin), VEHICLES)
    if vehicle is None:
        raise NotFoundError(f"no vehicle or product {command.vin} is registered", metadata={"identifier": command.vin})
    _record(unit, vehicle.vehicle_id, command, inputs.context(unit, vehicle))


def _record(unit: UnitOfWork, vehicle_id: UUID, command: StatutoryCaseCommand, ctx: CaseContext) -> None:
    case_id = statutory_case_id_for(vehicle_id)
    case = unit.load(case_id, STATUTORY_CASES)
    unit.record(case_id, case_rules.decide(case, command, ctx))
