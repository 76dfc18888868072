"""Care for vulnerable residents (G2) and home services and bookings (S3).

- ``visits``: ``VisitRule``, ``VisitPlan`` and ``Visit``.
- ``homeservices``: ``HomeServiceOrder``.
- ``bookings``: ``BookableService``, ``ServiceSlot`` and ``Booking``.
"""

from shequ.care.models.bookings import (
    CHILDCARE_KINDS,
    LIVE_BOOKING_STATUSES,
    BookableKind,
    BookableService,
    Booking,
    BookingStatus,
    ServiceSlot,
)
from shequ.care.models.homeservices import (
    DELIVERED_STATUSES,
    HomeServiceKind,
    HomeServiceOrder,
    HomeServiceStatus,
)
from shequ.care.models.visits import (
    FINDING_FOLLOW_UP,
    Finding,
    FollowUp,
    Visit,
    VisitFrequency,
    VisitMode,
    VisitorKind,
    VisitPlan,
    VisitPlanStatus,
    VisitRule,
)

__all__ = [
    "CHILDCARE_KINDS",
    "DELIVERED_STATUSES",
    "FINDING_FOLLOW_UP",
    "LIVE_BOOKING_STATUSES",
    "BookableKind",
    "BookableService",
    "Booking",
    "BookingStatus",
    "Finding",
    "FollowUp",
    "HomeServiceKind",
    "HomeServiceOrder",
    "HomeServiceStatus",
    "ServiceSlot",
    "Visit",
    "VisitFrequency",
    "VisitMode",
    "VisitPlan",
    "VisitPlanStatus",
    "VisitRule",
    "VisitorKind",
]
