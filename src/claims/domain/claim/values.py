"""Claim vocabulary: types, statuses, decisions, deduction reasons and the claim header."""

from __future__ import annotations

from enum import StrEnum

from claims.domain.base import Frozen
from claims.domain.repair_order.values import DefectKey
from claims.domain.values import Distance, Text
from claims.domain.vehicle.coverage_terms import ComponentGroup


class ClaimType(StrEnum):
    """What kind of claim (DOMAIN.md §2e, §2d)."""

    NORMAL_REPAIR = "NORMAL_REPAIR"
    PARTS = "PARTS"
    GOODWILL = "GOODWILL"
    PRE_DELIVERY = "PRE_DELIVERY"
    CAMPAIGN = "CAMPAIGN"


class ClaimStatus(StrEnum):
    UNDER_REVIEW = "UNDER_REVIEW"
    RETURNED = "RETURNED"
    REJECTED = "REJECTED"
    APPROVED = "APPROVED"
    PARTIALLY_APPROVED = "PARTIALLY_APPROVED"
    PAID = "PAID"
    WITHDRAWN = "WITHDRAWN"


class CheckOutcome(StrEnum):
    """What an automatic check says (the CQZTDMS auto-audit rule classes)."""

    PASS = "PASS"  # noqa: S105 - an outcome, not a password
    REJECT = "REJECT"
    RETURN = "RETURN"
    MANUAL_REVIEW = "MANUAL_REVIEW"


class LineDecision(StrEnum):
    """The desk's decision on one claim line."""

    APPROVE = "APPROVE"
    ADJUST = "ADJUST"
    REJECT = "REJECT"


class DeductionReason(StrEnum):
    """Why an amount is deducted after a returned part is inspected (DOMAIN.md §2e)."""

    PART_CODE_MISMATCH = "PART_CODE_MISMATCH"
    NO_FAULT_FOUND = "NO_FAULT_FOUND"
    PART_NOT_RETURNED = "PART_NOT_RETURNED"
    NON_GENUINE_PART = "NON_GENUINE_PART"
    WRONG_SUPPLIER_CODE = "WRONG_SUPPLIER_CODE"
    NOT_A_QUALITY_PROBLEM = "NOT_A_QUALITY_PROBLEM"
    NOT_PRIMARY_FAILURE = "NOT_PRIMARY_FAILURE"
    DAMAGED_IN_TRANSIT = "DAMAGED_IN_TRANSIT"
    NO_PART_TAG = "NO_PART_TAG"
    MISSING_FAILURE_ANALYSIS = "MISSING_FAILURE_ANALYSIS"
    FAILURE_INCONSISTENT = "FAILURE_INCONSISTENT"
    ASSOCIATED_DEDUCTION = "ASSOCIATED_DEDUCTION"
    OTHER = "OTHER"


class ClaimHeader(Frozen):
    """What the dealer states about the repair: odometer, defect, component group and the 3C narrative."""

    odometer: Distance
    defect: DefectKey
    component_group: ComponentGroup
    complaint: Text
    cause: Text
    correction: Text
