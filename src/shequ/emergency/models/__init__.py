"""Emergencies (G3).

- ``alerts``: ``Alert``, ``AlertDispatch`` (the notification fan-out) and ``ReachItem`` (the checklist).
- ``preparedness``: ``ShelterOpening`` and ``OccupancyReport``, ``SupplyStock`` and ``SupplyMovement``,
  ``Drill`` and ``FireSafetyGrid``.
"""

from shequ.emergency.models.alerts import (
    REACHED_STATUSES,
    Alert,
    AlertDispatch,
    AlertKind,
    AlertStatus,
    DispatchStatus,
    ReachItem,
    ReachReason,
    ReachStatus,
    Severity,
)
from shequ.emergency.models.preparedness import (
    Drill,
    DrillKind,
    FireSafetyGrid,
    MovementKind,
    OccupancyReport,
    ShelterOpening,
    SupplyCategory,
    SupplyMovement,
    SupplyStock,
)

__all__ = [
    "REACHED_STATUSES",
    "Alert",
    "AlertDispatch",
    "AlertKind",
    "AlertStatus",
    "DispatchStatus",
    "Drill",
    "DrillKind",
    "FireSafetyGrid",
    "MovementKind",
    "OccupancyReport",
    "ReachItem",
    "ReachReason",
    "ReachStatus",
    "Severity",
    "ShelterOpening",
    "SupplyCategory",
    "SupplyMovement",
    "SupplyStock",
]
