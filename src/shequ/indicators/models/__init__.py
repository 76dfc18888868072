"""The indicators' records, one module per area."""

from shequ.indicators.models.projects import (
    Escalation,
    Milestone,
    MilestoneReport,
    ProjectStatus,
    WorkProject,
)
from shequ.indicators.models.values import IndicatorTarget, IndicatorValue, RebuildRun, Status

__all__ = [
    "Escalation",
    "IndicatorTarget",
    "IndicatorValue",
    "Milestone",
    "MilestoneReport",
    "ProjectStatus",
    "RebuildRun",
    "Status",
    "WorkProject",
]
