"""Demo volunteer activities: in the communities that have demo volunteers (made by
``demo_volunteers``, which runs first), past activities that the volunteers attended, with their hours
confirmed and settled into the time bank; and a few upcoming activities recruiting in the home
community (the community of the demo ``community_staff`` account), so that the demo resident can sign
up during the journey.

Everything goes through ``volunteering.actions.activities``: the past is made by running the actions
with the platform clock set back (``core.calendar.frozen_time``), so sign-ups, attendance, hours and
the time-bank credits carry the times they would have had. The organiser is the demo
``community_staff`` account (without it nothing is made); the system acts (``by=None``) so that
communities outside that account's own can have activities too. Deterministic for a seed; marked
``is_synthetic``. Loading twice adds nothing.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from shequ.accounts.models import User
from shequ.core import calendar
from shequ.territory.models import Level, Region
from shequ.volunteering.actions import activities as actions
from shequ.volunteering.models import (
    ActivitySignUp,
    AttendanceMethod,
    PointsEntry,
    SignUpStatus,
    TargetGroup,
    Volunteer,
    VolunteerActivity,
    VolunteerStatus,
)
from shequ.volunteering.permissions import VolunteeringPerm

COMMUNITIES = 5
PAST_PER_COMMUNITY = 3
UPCOMING_AT_HOME = 3
PAST = [
    ("重阳节敬老院陪伴", TargetGroup.ELDERLY, "敬老院", "陪老人聊天、读报、做手工"),
    ("独居老人上门探访", TargetGroup.ELDERLY, "各小区", "两人一组探访独居老人，检查水电燃气"),
    ("四点半课堂作业辅导", TargetGroup.CHILDREN, "社区儿童之家", "辅导小学生作业，组织阅读"),
    ("困难家庭冬季慰问", TargetGroup.HARDSHIP, "社区党群服务中心", "分装和入户发放慰问物资"),
    ("助残康复陪护", TargetGroup.DISABLED, "社区康复站", "协助残疾人康复训练"),
    ("垃圾分类桶边督导", TargetGroup.RESIDENTS, "各小区投放点", "早晚高峰桶边指导居民分类投放"),
]
UPCOMING = [
    ("敬老助餐送餐", TargetGroup.ELDERLY, "社区长者食堂", "为高龄独居老人送餐上门", 6),
    ("社区环境清洁日", TargetGroup.RESIDENTS, "社区广场", "清理楼道堆物和绿化带垃圾", 10),
    ("关爱留守儿童周末课堂", TargetGroup.CHILDREN, "社区儿童之家", "手工、绘本阅读和安全教育", 5),
]


def _organiser() -> User | None:
    return User.objects.filter(username="community_staff").first()


def _home(organiser: User, county: Region) -> Region | None:
    paths = organiser.jurisdiction(VolunteeringPerm.ORGANISE).region_paths
    return (
        Region.objects.filter(path__in=paths, level=Level.COMMUNITY, path__startswith=county.path)
        .defer("geometry")
        .order_by("path")
        .first()
    )


def _at(day: datetime, hour: int) -> datetime:
    return day.replace(hour=hour, minute=0, second=0, microsecond=0)


def load_demo_activities(*, county: Region, seed: int) -> dict[str, int]:
    """Past settled activities with confirmed hours in the demo volunteers' communities, and upcoming
    ones recruiting in the home community."""
    counts = {"activities": 0, "signups": 0, "hours_credited": 0}
    organiser = _organiser()
    if organiser is None:
        return counts
    if VolunteerActivity.objects.filter(
        is_synthetic=True, region__path__startswith=county.path
    ).exists():
        return counts
    rng = random.Random(f"{seed}-activities")  # noqa: S311 (demo data)
    home = _home(organiser, county)
    volunteers: dict[int, list[Volunteer]] = {}
    for volunteer in (
        Volunteer.objects.filter(
            is_synthetic=True,
            status=VolunteerStatus.ACTIVE,
            community__path__startswith=county.path,
        )
        .select_related("community")
        .order_by("community__path", "pk")
    ):
        volunteers.setdefault(volunteer.community_id, []).append(volunteer)
    places = sorted(
        (v[0].community for v in volunteers.values()), key=lambda r: (r != home, r.path)
    )[:COMMUNITIES]
    today = calendar.localtime()
    with transaction.atomic():
        for community in places:
            for n, (title, group, place, text) in enumerate(rng.sample(PAST, PAST_PER_COMMUNITY)):
                day = today - timedelta(days=7 + 9 * n + rng.randint(0, 5))
                made = _past(
                    community,
                    organiser,
                    volunteers[community.pk],
                    rng,
                    day,
                    title,
                    group,
                    place,
                    text,
                )
                counts["activities"] += 1
                counts["signups"] += made
                counts["hours_credited"] += made
        if home is not None:
            at_home = volunteers.get(home.pk, [])
            for n, (title, group, place, text, needed) in enumerate(UPCOMING):
                day = today + timedelta(days=2 + 3 * n)
                activity = actions.create_activity(
                    by=None,
                    organiser=organiser,
                    region=home,
                    title=title,
                    description=text,
                    place=place,
                    starts_at=_at(day, 9),
                    ends_at=_at(day, 11 + n % 2),
                    needed=needed,
                    target_group=group,
                    is_synthetic=True,
                )
                actions.transition_activity(activity=activity, name="publish", by=None)
                for volunteer in at_home[: min(2, needed - 1)]:
                    _sign_up(activity, volunteer)
                    counts["signups"] += 1
                counts["activities"] += 1
    return counts


def _sign_up(activity: VolunteerActivity, volunteer: Volunteer) -> ActivitySignUp | None:
    try:
        with transaction.atomic():
            return actions.sign_up(activity=activity, by=None, volunteer=volunteer)
    except (ValidationError, PermissionDenied):  # an overlap: leave that volunteer out
        return None


def _past(
    community: Region,
    organiser: User,
    people: list[Volunteer],
    rng: random.Random,
    day: datetime,
    title: str,
    group: str,
    place: str,
    text: str,
) -> int:
    """One activity run from recruitment to settlement, on ``day``; the number of volunteers
    credited."""
    starts = _at(day, rng.choice((8, 9, 14)))
    ends = starts + timedelta(hours=rng.choice((2, 3)))
    with calendar.frozen_time(starts - timedelta(days=5)):
        activity = actions.create_activity(
            by=None,
            organiser=organiser,
            region=community,
            title=title,
            description=text,
            place=place,
            starts_at=starts,
            ends_at=ends,
            needed=min(6, max(2, len(people))),
            target_group=group,
            is_synthetic=True,
        )
        actions.transition_activity(activity=activity, name="publish", by=None)
        signups = [
            s for v in rng.sample(people, min(len(people), 5)) if (s := _sign_up(activity, v))
        ]
    came = [s for s in signups if s.status == SignUpStatus.ENROLLED]
    stayed_home = came.pop() if len(came) > 2 else None
    for signup in came:
        arrived = starts - timedelta(minutes=rng.randint(0, 20))
        left = ends + timedelta(minutes=rng.randint(-30, 15))
        with calendar.frozen_time(arrived):
            actions.record_attendance(
                signup=signup, direction="in", by=None, at=arrived, method=AttendanceMethod.STAFF
            )
        with calendar.frozen_time(left):
            actions.record_attendance(
                signup=signup, direction="out", by=None, at=left, method=AttendanceMethod.STAFF
            )
    with calendar.frozen_time(ends + timedelta(hours=1)):
        actions.transition_activity(
            activity=activity,
            name="finish",
            by=None,
            people_served=rng.randint(8, 60),
            summary=f"{title}顺利完成。",
        )
        if stayed_home is not None:
            actions.mark_absent(signup=stayed_home, by=None)
        credited = 0
        for signup in came:
            confirmed = actions.confirm_hours(signup=signup, by=None)
            if confirmed.hours_confirmed:
                credited += 1
            actions.rate_volunteer(signup=signup, by=None, rating=rng.choice((4, 5, 5)))
        actions.settle_activity(activity=activity, by=None)
    return credited


def delete_demo_activities() -> dict[str, int]:
    """Delete the demo activities with their rosters (the time bank's demo delete runs first and
    removes the credits that point at these sign-ups)."""
    signups = ActivitySignUp.objects.filter(activity__is_synthetic=True)
    points = PointsEntry.objects.filter(signup__in=signups).delete()[0]
    deleted_signups = signups.delete()[0]
    activities = VolunteerActivity.objects.filter(is_synthetic=True).delete()[0]
    return {"points": points, "signups": deleted_signups, "activities": activities}
