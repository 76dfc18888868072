"""The indicators' records, one module per area."""

from shequ.indicators.models.projects import (
    Escalation,
    Milestone,
    MilestoneReport,
    ProjectStatus,
    WorkProject,
)
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
    "Escalation",
    "IndicatorTarget",
    "IndicatorValue",
    "LineDecision",
    "Milestone",
    "MilestoneReport",
    "ProjectStatus",
    "RebuildRun",
    "Standard",
    "StandardsAssessment",
    "StandardsEvidence",
    "StandardsLine",
    "Status",
    "WorkProject",
]
