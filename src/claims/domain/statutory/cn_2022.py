"""CN-2022: SAMR Order 43, 家用汽车产品修理更换退货责任规定, in force from 2022-01-01 (DOMAIN.md §1a)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from claims.domain.statutory.cn_art24 import (
    assembly_replaced_twice,
    cumulative_days_out_of_service,
    same_defect_repairs,
    same_main_part_replaced_twice,
    serious_safety_repairs,
)
from claims.domain.statutory.cn_rules import (
    CnParameters,
    assembly_swap_within_60_days,
    courtesy_car,
    safety_failure_within_60_days,
    seven_day_replace_or_refund,
)
from claims.domain.statutory.facts import SafetyFailure
from claims.domain.statutory.pack import RulePack
from claims.domain.statutory.windows import Window, more_than
from claims.domain.values import DistanceUnit
from claims.domain.vehicle.coverage_terms import ComponentGroup as G
from claims.domain.vehicle.coverage_terms import StartRule

ASSEMBLIES = (G.ENGINE, G.TRANSMISSION, G.POWER_BATTERY, G.DRIVE_MOTOR)

CN_2022_PARAMETERS = CnParameters(
    regulation="SAMR Order 43 (2021)",
    # Art. 18: from the invoice date, or from delivery where the two differ: in both cases the delivery date.
    starts_from=StartRule.DELIVERY_DATE,
    sanbao_period=Window(months=24, distance=Decimal(50_000), unit=DistanceUnit.KM),
    repair_period=Window(months=36, distance=Decimal(60_000), unit=DistanceUnit.KM),
    seven_day_rule=True,  # Art. 22
    seven_day_window=Window(days=7),
    early_window=Window(days=60, distance=Decimal(3_000), unit=DistanceUnit.KM),  # Art. 20, 23
    assemblies=ASSEMBLIES,
    safety_failures=tuple(SafetyFailure),  # Art. 23, power-battery fire included
    serious_safety_repairs=2,  # Art. 24(1)
    assembly_replacements=2,  # Art. 24(2)
    main_part_replacements=2,  # Art. 24(3)
    main_part_systems=(
        *ASSEMBLIES,
        G.STEERING,
        G.BRAKES,
        G.SUSPENSION,
        G.DRIVETRAIN,
        G.POLLUTION_CONTROL,
        G.BODY,
    ),
    cumulative_repair_days=more_than(30),  # Art. 24(4)
    same_defect_repairs=more_than(4),  # Art. 24(4)
    courtesy_car_after_days=5,  # Art. 21
    usage_coefficient_min=Decimal(0),
    usage_coefficient_max=Decimal("0.005"),  # Art. 27: n ≤ 0.5%
    answer_working_days=10,  # Art. 28
    completion_working_days=20,  # Art. 28
)

CN_2022 = RulePack[CnParameters](
    pack_id="CN-2022",
    version="1",
    title="家用汽车产品修理更换退货责任规定 (SAMR Order 43)",
    jurisdiction="CN",
    effective_from=date(2022, 1, 1),
    parameters=CN_2022_PARAMETERS,
    rules=(
        seven_day_replace_or_refund,
        assembly_swap_within_60_days,
        safety_failure_within_60_days,
        serious_safety_repairs,
        assembly_replaced_twice,
        same_main_part_replaced_twice,
        cumulative_days_out_of_service,
        same_defect_repairs,
        courtesy_car,
    ),
)
