"""The indicators' records, one module per area."""

from shequ.indicators.models.standards import (
    AssessmentStatus,
    LineDecision,
    Standard,
    StandardsAssessment,
    StandardsEvidence,
    StandardsLine,
)
from shequ.indicators.models.values import IndicatorTarget, IndicatorValue, RebuildRun, Status

__all__ = [
    "AssessmentStatus",
    "IndicatorTarget",
    "IndicatorValue",
    "LineDecision",
    "RebuildRun",
    "Standard",
    "StandardsAssessment",
    "StandardsEvidence",
    "StandardsLine",
    "Status",
]
