"""Demo volunteers for the demo county: registry residents of a handful of communities (the home
community first) registered and mostly approved, a party-member volunteer team (党员志愿服务队) in
each of those communities plus a general team at home, memberships with one leader per team, and a few
recognitions with points. The registry record of the demo "volunteer" account, when given, becomes an
approved volunteer in the home party team; no other demo account is made a volunteer (the demo
"resident" registers during the journey).

Everything goes through ``volunteering.actions.volunteers`` as the system (``by=None``),
deterministic for a seed, and marked ``is_synthetic``. Loading twice adds nothing new: residents
already registered and teams already founded are reused.
"""

from __future__ import annotations

import random
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from shequ.registry.models import LifeStatus, Resident
from shequ.territory.models import Level, Region
from shequ.volunteering.actions import volunteers as actions
from shequ.volunteering.models import (
    Availability,
    PointsEntry,
    Recognition,
    Skill,
    TeamCategory,
    TeamMembership,
    Volunteer,
    VolunteerStatus,
    VolunteerTeam,
)

COMMUNITIES = 5  # the home community and four more of the county
PER_COMMUNITY = 12
PENDING_AT_HOME = 2  # left for the staff journey to approve
HONOURS = ["优秀志愿者", "最美志愿者", "五星级志愿者"]


def _communities(county: Region, home: Region | None, rng: random.Random) -> list[Region]:
    """The home community, then others of the county that have residents in the registry."""
    with_people = Resident.objects.filter(status=LifeStatus.ACTIVE).values("community_id")
    others = list(
        Region.objects.filter(
            path__startswith=county.path, level=Level.COMMUNITY, id__in=with_people
        )
        .exclude(pk=home.pk if home else None)
        .defer("geometry")
        .order_by("code")[:40]
    )
    rng.shuffle(others)
    chosen = [home] if home is not None else []
    return chosen + others[: COMMUNITIES - len(chosen)]


def _adults(community: Region, today: date) -> list[Resident]:
    """Active residents aged 18–70 without a sign-in account (demo accounts are never taken)."""
    oldest = today.replace(year=today.year - 70)
    youngest = today.replace(year=today.year - 18)
    return list(
        Resident.objects.filter(
            community=community,
            status=LifeStatus.ACTIVE,
            account__isnull=True,
            birth_date__gte=oldest,
            birth_date__lte=youngest,
        )
        .select_related("community")
        .order_by("pk")[: PER_COMMUNITY * 3]
    )


def _register(resident: Resident, rng: random.Random, approve: bool) -> Volunteer | None:
    existing = Volunteer.objects.filter(resident=resident).first()
    if existing is not None:
        return existing
    skills = rng.sample(Skill.values[:-1], rng.choice((1, 2, 3)))
    times = rng.sample(Availability.values, rng.choice((1, 2)))
    try:
        volunteer = actions.register_volunteer(
            resident=resident, by=None, skills=skills, availability=times
        )
        if approve:
            volunteer = actions.decide_volunteer(volunteer=volunteer, approve=True, by=None)
    except ValidationError:
        return None
    Volunteer.objects.filter(pk=volunteer.pk).update(is_synthetic=True)
    return volunteer


def _team(region: Region, name: str, category: str, description: str) -> VolunteerTeam:
    found = VolunteerTeam.objects.filter(region=region, name=name).first()
    if found is not None:
        return found
    team = actions.create_team(
        region=region, by=None, name=name, category=category, description=description
    )
    VolunteerTeam.objects.filter(pk=team.pk).update(is_synthetic=True)
    return team


def _join(team: VolunteerTeam, volunteer: Volunteer) -> TeamMembership | None:
    if volunteer.status != VolunteerStatus.ACTIVE:
        return None
    open_one = TeamMembership.objects.filter(team=team, volunteer=volunteer, left_on__isnull=True)
    if open_one.exists():
        return open_one.first()
    return actions.add_member(team=team, volunteer=volunteer, by=None)


@transaction.atomic
def load_demo_volunteers(
    county: Region, seed: int, journey_volunteer: Resident | None = None
) -> dict[str, int]:
    """Volunteers, teams, memberships and recognitions in a few communities of ``county``."""
    rng = random.Random(f"{seed}-volunteers")  # noqa: S311 (demo data)
    today = timezone.localdate()
    home = journey_volunteer.community if journey_volunteer is not None else None
    counts = {"volunteers": 0, "teams": 0, "memberships": 0, "recognitions": 0}
    for community in _communities(county, home, rng):
        people = _adults(community, today)[:PER_COMMUNITY]
        pending = PENDING_AT_HOME if community == home else 0
        volunteers = []
        for n, resident in enumerate(people):
            volunteer = _register(resident, rng, approve=n >= pending)
            if volunteer is not None:
                volunteers.append(volunteer)
        if community == home and journey_volunteer is not None:
            mine = _register(journey_volunteer, rng, approve=True)
            if mine is not None:
                volunteers.insert(0, mine)
        counts["volunteers"] += len(volunteers)
        party = _team(
            community,
            f"{community.name}党员志愿服务队",
            TeamCategory.PARTY,
            "党员带头，开展助老助残、环境整治、政策宣传等志愿服务。",
        )
        teams = [party]
        if community == home:
            teams.append(
                _team(
                    community,
                    f"{community.name}邻里互助志愿服务队",
                    TeamCategory.GENERAL,
                    "邻里守望、便民维修、关爱独居老人。",
                )
            )
        counts["teams"] += len(teams)
        active = [v for v in volunteers if v.status == VolunteerStatus.ACTIVE]
        for n, volunteer in enumerate(active):
            # The first (the journey volunteer, when given) is in the party team; the others
            # alternate between the community's teams.
            team = party if n == 0 else teams[n % len(teams)]
            if _join(team, volunteer) is not None:
                counts["memberships"] += 1
        for team in teams:
            first = TeamMembership.objects.filter(team=team, left_on__isnull=True).first()
            if first is not None and first.role != "leader":
                actions.set_leader(membership=first, by=None)
        for volunteer in active[1:2]:
            if not Recognition.objects.filter(volunteer=volunteer).exists():
                actions.add_recognition(
                    volunteer=volunteer,
                    title=rng.choice(HONOURS),
                    year=today.year - 1,
                    awarded_by_name=f"{community.parent.name if community.parent else ''}志愿服务联合会",
                    by=None,
                    points=rng.choice((50, 100)),
                )
                counts["recognitions"] += 1
    return counts


def delete_demo_points() -> int:
    """The points of demo volunteers: first, before the demo activities' sign-ups go (a service
    entry points at its sign-up)."""
    return PointsEntry.objects.filter(
        Q(volunteer__is_synthetic=True) | Q(signup__volunteer__is_synthetic=True)
    ).delete()[0]


def delete_demo_volunteers() -> dict[str, int]:
    """Remove the demo volunteers, teams, memberships, points and recognitions. The demo activities
    (their sign-ups point at volunteers) must be removed first."""
    points = delete_demo_points()
    recognitions = Recognition.objects.filter(volunteer__is_synthetic=True).delete()[0]
    memberships = TeamMembership.objects.filter(
        Q(team__is_synthetic=True) | Q(volunteer__is_synthetic=True)
    ).delete()[0]
    teams = VolunteerTeam.objects.filter(is_synthetic=True).delete()[0]
    volunteers = Volunteer.objects.filter(is_synthetic=True).delete()[0]
    return {
        "points": points,
        "recognitions": recognitions,
        "memberships": memberships,
        "teams": teams,
        "volunteers": volunteers,
    }
