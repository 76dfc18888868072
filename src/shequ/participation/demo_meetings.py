"""Demo meetings: in the home community a residents' council (居民议事会) with members (residents of
the community and a property-company representative), last month's monthly talk (民生月谈) held and
closed with attendance, decisions and published minutes, a closed poll with its results, and next
month's talk scheduled — so indicator 5 counts the home community as covered. Through the actions (as
the demo's community staff), deterministic for a seed, marked ``is_synthetic``; loading twice adds
nothing."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import transaction

from shequ.core import calendar
from shequ.participation.actions import meetings as actions
from shequ.participation.models.meetings import (
    AgendaItem,
    Attendance,
    Ballot,
    BodyKind,
    BodyMember,
    DeliberationBody,
    Invitation,
    Meeting,
    MeetingDecision,
    MeetingKind,
    MemberRole,
    Poll,
    PollOption,
)
from shequ.registry.models import LifeStatus, Resident
from shequ.territory.models import Level, Region

MEMBERS = 5
VOTERS = 12


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=calendar.localtime().tzinfo)


def _adult_born_by(today: date) -> date:
    return date(today.year - 18, today.month, min(today.day, 28))


def _community(county: Region | None, community: Region | None) -> Region | None:
    if community is not None:
        return community
    if county is None:
        return None
    return (
        Region.objects.filter(path__under=county.path, level=Level.COMMUNITY)
        .order_by("path")
        .first()
    )


@transaction.atomic
def load_demo_meetings(
    *,
    county: Region | None = None,
    seed: int = 0,
    community: Region | None = None,
    grid: Any = None,
    users: dict[str, Any] | None = None,
) -> dict[str, int]:
    home = _community(county, community)
    staff = (users or {}).get("community_staff")
    if home is None or staff is None:
        return {}
    if DeliberationBody.objects.filter(community=home, is_synthetic=True).exists():
        return {}
    rng = random.Random(f"{seed}-meetings")  # noqa: S311 (demo data)
    people = list(
        Resident.objects.filter(community=home, status=LifeStatus.ACTIVE, is_synthetic=True)
        .exclude(birth_date__gt=_adult_born_by(calendar.localdate()))
        .order_by("pk")[:200]
    )
    if len(people) < MEMBERS:
        return {}
    rng.shuffle(people)
    today = calendar.localdate()
    constituted = date(today.year - 2, 3, 1)
    body = actions.create_body(
        by=staff,
        community=home,
        kind=BodyKind.RESIDENTS_COUNCIL if home.is_urban else BodyKind.VILLAGERS_COUNCIL,
        name="居民议事会" if home.is_urban else "村民议事会",
        constituted_on=constituted,
        rules="每月召开一次民生月谈，议事成员过半数到会方可议事，决定事项经到会成员过半数同意。",
        is_synthetic=True,
    )
    members = people[:MEMBERS]
    for n, person in enumerate(members):
        actions.add_member(
            body=body,
            by=staff,
            resident=person,
            role=MemberRole.CHAIR if n == 0 else MemberRole.MEMBER,
            start_on=constituted,
        )
    actions.add_member(
        body=body, by=staff, name="物业公司代表", affiliation="物业服务企业", start_on=constituted
    )

    # Last month's monthly talk, held and closed, with minutes published.
    last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=15)
    held = actions.create_meeting(
        by=staff,
        community=home,
        body=body,
        kind=MeetingKind.MONTHLY_TALK,
        title=f"{last_month.month}月民生月谈",
        starts_at=_at(last_month, 15),
        place="社区党群服务中心会议室",
        is_synthetic=True,
    )
    for title in ("小区垃圾分类投放点调整", "楼道堆物清理"):
        actions.add_agenda_item(meeting=held, by=staff, title=title)
    actions.transition(meeting=held, name="open", by=staff)
    for person in members[: MEMBERS - 1]:
        actions.sign_for(meeting=held, by=staff, resident=person)
    actions.record_decision(
        meeting=held, by=staff, text="垃圾分类投放点移至3号楼东侧空地，下月起执行。"
    )
    actions.record_decision(
        meeting=held, by=staff, text="本月底前由网格员和志愿者开展楼道堆物清理。"
    )
    poll = actions.create_poll(
        by=staff,
        community=home,
        meeting=held,
        question="是否同意将垃圾分类投放点移至3号楼东侧空地",
        options=["同意", "不同意", "弃权"],
        is_synthetic=True,
    )
    actions.poll_transition(
        poll=poll, name="open", by=staff, closes_at=calendar.now() + timedelta(hours=1)
    )
    options = list(poll.options.order_by("position"))
    for person in people[: min(VOTERS, len(people))]:
        choice = options[0] if rng.random() < 0.75 else options[rng.randint(1, 2)]
        actions.record_ballot(poll=poll, by=staff, resident=person, option=choice)
    actions.poll_transition(poll=poll, name="close", by=staff)
    actions.transition(meeting=held, name="close", by=staff, organisations="物业服务企业")
    actions.save_minutes(
        meeting=held,
        by=staff,
        minutes=(
            "会议由议事会召集人主持。与会人员讨论了垃圾分类投放点位置和楼道堆物问题，"
            "经现场表决，同意将投放点移至3号楼东侧空地；楼道堆物由网格员和志愿者本月底前清理。"
        ),
        publish=True,
    )

    # Next month's talk, scheduled.
    next_month = (today.replace(day=28) + timedelta(days=10)).replace(day=15)
    upcoming = actions.create_meeting(
        by=staff,
        community=home,
        body=body,
        kind=MeetingKind.MONTHLY_TALK,
        title=f"{next_month.month}月民生月谈",
        starts_at=_at(next_month, 15),
        place="社区党群服务中心会议室",
        is_synthetic=True,
    )
    actions.add_agenda_item(meeting=upcoming, by=staff, title="小区停车秩序")
    return {"bodies": 1, "meetings": 2, "polls": 1, "ballots": min(VOTERS, len(people))}


def delete_demo_meetings() -> dict[str, int]:
    """Remove the demo's bodies, meetings and polls with what hangs off them (audit events stay)."""
    meetings = Meeting.objects.filter(is_synthetic=True)
    polls = Poll.objects.filter(is_synthetic=True) | Poll.objects.filter(meeting__in=meetings)
    # A demo body that staff have since used for a real meeting stays.
    bodies = DeliberationBody.objects.filter(is_synthetic=True).exclude(
        meetings__is_synthetic=False
    )
    ballots, _ = Ballot.objects.filter(poll__in=polls).delete()
    PollOption.objects.filter(poll__in=polls).delete()
    poll_count, _ = Poll.objects.filter(pk__in=list(polls.values_list("pk", flat=True))).delete()
    for model in (AgendaItem, Invitation, Attendance, MeetingDecision):
        model.objects.filter(meeting__in=meetings).delete()
    meeting_count, _ = meetings.delete()
    BodyMember.objects.filter(body__in=bodies).delete()
    body_count, _ = bodies.delete()
    return {
        "ballots": ballots,
        "polls": poll_count,
        "meetings": meeting_count,
        "deliberation_bodies": body_count,
    }
