"""The indicators' records, one module per area."""

from shequ.indicators.models.values import IndicatorTarget, IndicatorValue, RebuildRun, Status

__all__ = ["IndicatorTarget", "IndicatorValue", "RebuildRun", "Status"]
