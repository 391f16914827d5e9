"""CN-2013: AQSIQ Order 150, in force 2013-10-01 to 2021-12-31 (DOMAIN.md §1a, right-hand column).

No text of Order 150 is stored; its numbers come from secondary pages DOMAIN.md cites. Items marked
UNCONFIRMED are assumptions kept as parameters so a confirmed text changes data, not code.
"""

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

CN_2013_PARAMETERS = CnParameters(
    regulation="AQSIQ Order 150 (2012)",
    # Secondary pages: periods run from the invoice date; a delivery-date fallback is not confirmed.
    starts_from=StartRule.INVOICE_DATE,
    sanbao_period=Window(months=24, distance=Decimal(50_000), unit=DistanceUnit.KM),
    repair_period=Window(months=36, distance=Decimal(60_000), unit=DistanceUnit.KM),
    seven_day_rule=False,  # UNCONFIRMED whether Order 150 had a 7-day rule: treated as 2021-only
    seven_day_window=Window(days=7),
    early_window=Window(days=60, distance=Decimal(3_000), unit=DistanceUnit.KM),
    assemblies=(G.ENGINE, G.TRANSMISSION),  # battery and drive motor were added in 2021
    safety_failures=(
        SafetyFailure.STEERING_FAILURE,
        SafetyFailure.BRAKE_FAILURE,
        SafetyFailure.BODY_CRACKING,
        SafetyFailure.FUEL_LEAK,
    ),
    serious_safety_repairs=2,
    assembly_replacements=2,
    main_part_replacements=2,
    # Secondary pages list engine/transmission main parts plus steering, brakes, suspension, front/rear axle
    # and body. UNCONFIRMED mapping: the front/rear axle (前/后桥) has no group of its own; DRIVETRAIN stands in.
    main_part_systems=(G.ENGINE, G.TRANSMISSION, G.STEERING, G.BRAKES, G.SUSPENSION, G.DRIVETRAIN, G.BODY),
    cumulative_repair_days=more_than(35),
    same_defect_repairs=more_than(5),
    courtesy_car_after_days=5,  # UNCONFIRMED: believed the same as 2021, no stored 2013 text
    usage_coefficient_min=Decimal("0.005"),  # n between 0.5% and 0.8%
    usage_coefficient_max=Decimal("0.008"),
    answer_working_days=None,  # UNCONFIRMED: no stored 2013 text for answer/completion deadlines
    completion_working_days=None,
)

CN_2013 = RulePack[CnParameters](
    pack_id="CN-2013",
    version="1",
    title="家用汽车产品修理、更换、退货责任规定 (AQSIQ Order 150)",
    jurisdiction="CN",
    effective_from=date(2013, 10, 1),
    effective_to=date(2021, 12, 31),
    parameters=CN_2013_PARAMETERS,
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
