"""Volunteers, party members and the time bank (V1, V2).

- ``volunteers``: ``Volunteer`` (a registry resident), ``VolunteerTeam`` and ``TeamMembership``,
  ``PointsEntry`` and ``Recognition``.
- ``activities``: ``VolunteerActivity`` (recruitment post) and ``ActivitySignUp`` (roster, attendance, hours,
  evaluations).
- ``party``: ``PartyOrganization``, ``PartyMember`` and ``PartyMemberCheckin``.
- ``wishes``: ``Wish`` (微心愿) and ``WishEvent``.
- ``timebank``: ``TimeAccount``, ``TimeTransfer``, ``TimeMovement`` and ``TimeBankRule``.
"""

from shequ.volunteering.models.activities import (
    ActivitySignUp,
    ActivityStatus,
    AttendanceMethod,
    SignUpStatus,
    TargetGroup,
    VolunteerActivity,
)
from shequ.volunteering.models.party import (
    OPEN_CHECKIN_STATUSES,
    CheckInStatus,
    PartyMember,
    PartyMemberCheckin,
    PartyOrganization,
    PartyOrgKind,
)
from shequ.volunteering.models.timebank import (
    AccountKind,
    TimeAccount,
    TimeBankRule,
    TimeMovement,
    TimeTransfer,
    TransferKind,
)
from shequ.volunteering.models.volunteers import (
    STAR_HOURS,
    Availability,
    Channel,
    JoinRequestStatus,
    PointsEntry,
    PointsReason,
    Recognition,
    Skill,
    TeamCategory,
    TeamJoinRequest,
    TeamMembership,
    TeamRole,
    Volunteer,
    VolunteerStatus,
    VolunteerTeam,
)
from shequ.volunteering.models.wishes import Wish, WishCategory, WishEvent, WishStatus

__all__ = [
    "OPEN_CHECKIN_STATUSES",
    "STAR_HOURS",
    "AccountKind",
    "ActivitySignUp",
    "ActivityStatus",
    "AttendanceMethod",
    "Availability",
    "Channel",
    "CheckInStatus",
    "JoinRequestStatus",
    "PartyMember",
    "PartyMemberCheckin",
    "PartyOrgKind",
    "PartyOrganization",
    "PointsEntry",
    "PointsReason",
    "Recognition",
    "SignUpStatus",
    "Skill",
    "TargetGroup",
    "TeamCategory",
    "TeamJoinRequest",
    "TeamMembership",
    "TeamRole",
    "TimeAccount",
    "TimeBankRule",
    "TimeMovement",
    "TimeTransfer",
    "TransferKind",
    "Volunteer",
    "VolunteerActivity",
    "VolunteerStatus",
    "VolunteerTeam",
    "Wish",
    "WishCategory",
    "WishEvent",
    "WishStatus",
]
