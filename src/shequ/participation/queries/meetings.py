"""Reads about deliberation bodies, meetings and polls: the scoped staff lists and details, a
community's meetings and polls for its residents, the public page of published minutes, poll results
(only once the poll is closed) and indicator 5 (deliberation body coverage)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404

from shequ.core import calendar
from shequ.core.scoping import get_scoped_or_404, scoped
from shequ.participation.actions.meetings import agenda_topics, is_closed
from shequ.participation.models.deliberation import Topic
from shequ.participation.models.meetings import (
    Attendance,
    Ballot,
    BodyMember,
    DeliberationBody,
    Meeting,
    MeetingStatus,
    Poll,
    PollOption,
    PollStatus,
)
from shequ.participation.permissions import ParticipationPerm
from shequ.registry.models import Resident
from shequ.territory.models import Level, Region

Perm = ParticipationPerm
MS = MeetingStatus


def may(user: Any, perm: str, region: Region) -> bool:
    return bool(user.has_permission(perm) and user.jurisdiction(perm).covers_path(region.path))


def manageable_communities(user: Any) -> QuerySet[Region]:
    return scoped(Region.objects.filter(level=Level.COMMUNITY), user, Perm.MEETINGS).order_by(
        "path"
    )


# --- Bodies ---------------------------------------------------------------------------------------


def _current_members() -> Coalesce:
    today = calendar.localdate()
    counted = (
        BodyMember.objects.filter(body=OuterRef("pk"), start_on__lte=today)
        .filter(Q(end_on__isnull=True) | Q(end_on__gte=today))
        .order_by()
        .values("body")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def bodies(user: Any, community_path: str = "") -> QuerySet[DeliberationBody]:
    found = scoped(DeliberationBody.objects.all(), user, Perm.VIEW)
    if community_path:
        found = found.filter(community__path__under=community_path)
    return (
        found.select_related("community")
        .annotate(member_count=_current_members())
        .order_by("community__path", "name", "pk")
    )


def body_detail(user: Any, body_id: int, perm: str = Perm.VIEW) -> DeliberationBody:
    return get_scoped_or_404(
        DeliberationBody.objects.select_related("community"), user, perm, pk=body_id
    )


def body_members(body: DeliberationBody) -> QuerySet[BodyMember]:
    return body.members.select_related("resident").order_by("end_on", "role", "start_on", "pk")


def member_detail(user: Any, member_id: int, perm: str = Perm.VIEW) -> BodyMember:
    visible = scoped(DeliberationBody.objects.all(), user, perm).values("pk")
    found = (
        BodyMember.objects.filter(pk=member_id, body__in=visible)
        .select_related("body__community")
        .first()
    )
    if found is None:
        raise Http404
    return found


def community_bodies(community: Region) -> QuerySet[DeliberationBody]:
    return DeliberationBody.objects.filter(community=community, dissolved_on__isnull=True)


# --- Meetings -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MeetingFilters:
    status: str = ""
    kind: str = ""
    community_path: str = ""


def meetings(user: Any, filters: MeetingFilters | None = None) -> QuerySet[Meeting]:
    filters = filters or MeetingFilters()
    found = scoped(Meeting.objects.all(), user, Perm.VIEW)
    if filters.status:
        found = found.filter(status=filters.status)
    if filters.kind:
        found = found.filter(kind=filters.kind)
    if filters.community_path:
        found = found.filter(community__path__under=filters.community_path)
    signed = (
        Attendance.objects.filter(meeting=OuterRef("pk"))
        .order_by()
        .values("meeting")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return found.select_related("community", "body").annotate(
        signed=Coalesce(Subquery(signed, output_field=IntegerField()), Value(0))
    )


def meeting_detail(user: Any, meeting_id: int, perm: str = Perm.VIEW) -> Meeting:
    return get_scoped_or_404(
        Meeting.objects.select_related("community", "body"), user, perm, pk=meeting_id
    )


def meeting_parts(meeting: Meeting) -> dict[str, Any]:
    """The agenda, invitations, attendance, decisions and polls of a meeting read in scope."""
    return {
        "agenda": list(meeting.agenda.select_related("topic").order_by("position", "pk")),
        "invitations": list(meeting.invitations.order_by("name", "pk")),
        "attendance": list(meeting.attendance.select_related("signed_by").order_by("at", "pk")),
        "decisions": list(meeting.decisions.select_related("topic").order_by("position", "pk")),
        "polls": list(meeting.polls.order_by("pk")),
    }


def manageable_topic(user: Any, topic_id: int) -> Topic:
    """A topic of a community where the user manages meetings; 404 otherwise."""
    found = (
        Topic.objects.filter(pk=topic_id, community__in=manageable_communities(user))
        .select_related("community")
        .first()
    )
    if found is None:
        raise Http404
    return found


def agenda_topic_choices(meeting: Meeting) -> list[Topic]:
    on_agenda = meeting.agenda.filter(topic__isnull=False).values("topic_id")
    return list(agenda_topics(meeting.community).exclude(pk__in=on_agenda).order_by("pk")[:100])


def decidable_topics(meeting: Meeting) -> list[Topic]:
    """Agenda topics the meeting has not decided yet."""
    decided = meeting.decisions.filter(topic__isnull=False).values("topic_id")
    return list(
        Topic.objects.filter(agenda_items__meeting=meeting)
        .exclude(pk__in=decided)
        .distinct()
        .order_by("pk")
    )


# --- Polls ----------------------------------------------------------------------------------------


def polls(user: Any) -> QuerySet[Poll]:
    return scoped(Poll.objects.all(), user, Perm.VIEW).select_related("community", "meeting")


def poll_detail(user: Any, poll_id: int, perm: str = Perm.VIEW) -> Poll:
    return get_scoped_or_404(
        Poll.objects.select_related("community", "meeting", "topic"), user, perm, pk=poll_id
    )


@dataclass(frozen=True)
class OptionResult:
    option: PollOption
    votes: int

    def share_of(self, total: int) -> float | None:
        return self.votes / total if total else None


@dataclass(frozen=True)
class PollResults:
    closed: bool
    ballots: int
    options: list[OptionResult]  # empty until the poll is closed
    online: int = 0
    in_person: int = 0

    @property
    def rows(self) -> list[dict[str, Any]]:
        return [
            {
                "label": r.option.label,
                "votes": r.votes,
                "percent": round(100 * r.votes / self.ballots) if self.ballots else 0,
            }
            for r in self.options
        ]


def poll_results(poll: Poll) -> PollResults:
    """The ballot count always; counts per option (and per channel) only once the poll is closed.
    Two queries."""
    closed = is_closed(poll)
    options = list(poll.options.order_by("position", "pk"))
    rows = Ballot.objects.filter(poll=poll).values("option_id", "channel").annotate(n=Count("pk"))
    per_option: dict[int, int] = {}
    per_channel: dict[str, int] = {}
    for row in rows.order_by():
        per_option[row["option_id"]] = per_option.get(row["option_id"], 0) + row["n"]
        per_channel[row["channel"]] = per_channel.get(row["channel"], 0) + row["n"]
    total = sum(per_option.values())
    if not closed:
        return PollResults(closed=False, ballots=total, options=[])
    return PollResults(
        closed=True,
        ballots=total,
        options=[OptionResult(option=o, votes=per_option.get(o.pk, 0)) for o in options],
        online=per_channel.get("online", 0),
        in_person=per_channel.get("in_person", 0),
    )


def has_voted(poll: Poll, resident: Resident | None) -> bool:
    return bool(resident and Ballot.objects.filter(poll=poll, resident=resident).exists())


# --- Residents ------------------------------------------------------------------------------------


def resident_meetings(resident: Resident) -> tuple[list[Meeting], QuerySet[Meeting]]:
    """The community's upcoming meetings (scheduled or in session) and its past ones (closed)."""
    mine = Meeting.objects.filter(community_id=resident.community_id).select_related("body")
    upcoming = list(
        mine.filter(status__in=[MS.SCHEDULED, MS.IN_SESSION]).order_by("starts_at", "pk")[:50]
    )
    past = mine.filter(status=MS.CLOSED).order_by("-starts_at", "-pk")
    return upcoming, past


def resident_meeting(resident: Resident, meeting_id: int) -> Meeting:
    found = (
        Meeting.objects.filter(community_id=resident.community_id, pk=meeting_id)
        .select_related("community", "body")
        .first()
    )
    if found is None:
        raise Http404
    return found


def resident_polls(resident: Resident) -> list[Poll]:
    return list(
        Poll.objects.filter(community_id=resident.community_id)
        .exclude(status=PollStatus.DRAFT)
        .order_by("-pk")[:50]
    )


def resident_poll(resident: Resident, poll_id: int) -> Poll:
    found = (
        Poll.objects.filter(community_id=resident.community_id, pk=poll_id)
        .exclude(status=PollStatus.DRAFT)
        .select_related("community", "meeting", "topic")
        .first()
    )
    if found is None:
        raise Http404
    return found


def signed_in(meeting: Meeting, resident: Resident | None) -> bool:
    return bool(resident and Attendance.objects.filter(meeting=meeting, resident=resident).exists())


# --- Public ---------------------------------------------------------------------------------------


def public_meetings(community: Region) -> QuerySet[Meeting]:
    """Closed meetings of the community whose minutes are published, with their decisions."""
    return (
        Meeting.objects.filter(
            community=community, status=MS.CLOSED, minutes_published_at__isnull=False
        )
        .prefetch_related("decisions")
        .order_by("-starts_at", "-pk")
    )


# --- Indicator 5 ----------------------------------------------------------------------------------


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    tz = calendar.localtime().tzinfo
    return (
        datetime.combine(start, time.min, tzinfo=tz),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz),
    )


def _communities_with_coverage(region: Region, start: date, end: date) -> QuerySet[Region]:
    """Communities under ``region`` annotated with ``covered``: a body constituted by ``end``, not
    dissolved before ``start``, with a member whose tenure overlaps the period, and a meeting not
    cancelled that starts in the period. One statement."""
    begins, ends = _bounds(start, end)
    members = BodyMember.objects.filter(body=OuterRef("pk"), start_on__lte=end).filter(
        Q(end_on__isnull=True) | Q(end_on__gte=start)
    )
    body = (
        DeliberationBody.objects.filter(community=OuterRef("pk"), constituted_on__lte=end)
        .filter(Q(dissolved_on__isnull=True) | Q(dissolved_on__gte=start))
        .filter(Exists(members))
    )
    meeting = Meeting.objects.filter(
        community=OuterRef("pk"), starts_at__gte=begins, starts_at__lt=ends
    ).exclude(status=MS.CANCELLED)
    return Region.objects.filter(level=Level.COMMUNITY, path__under=region.path).annotate(
        has_body=Exists(body), has_meeting=Exists(meeting)
    )


def _figures(communities: int, covered: int) -> dict[str, Any]:
    return {
        "communities": communities,
        "covered": covered,
        "share": covered / communities if communities else None,
    }


def deliberation_coverage(region: Region, start: date, end: date) -> dict[str, Any]:
    """Indicator 5 for ``region``: ``communities`` under it, ``covered`` and ``share`` (None when
    there are none). One query."""
    found = _communities_with_coverage(region, start, end)
    rows = list(found.values_list("has_body", "has_meeting"))  # type: ignore[misc]
    return {
        "region": region,
        "start": start,
        "end": end,
        **_figures(len(rows), sum(1 for b, m in rows if b and m)),
    }


def deliberation_coverage_by_child(region: Region, start: date, end: date) -> list[dict[str, Any]]:
    """Indicator 5 for each child region of ``region`` (for a community: none). Two queries whatever
    the number of children and communities."""
    children = list(Region.objects.filter(parent=region).order_by("path"))
    if not children:
        return []
    rows = _communities_with_coverage(region, start, end).values_list(  # type: ignore[misc]
        "path", "has_body", "has_meeting"
    )
    totals = {c.path: [0, 0] for c in children}
    for path, has_body, has_meeting in rows:
        for child in children:
            if path.startswith(child.path):
                totals[child.path][0] += 1
                totals[child.path][1] += 1 if has_body and has_meeting else 0
                break
    return [
        {"region": c, "start": start, "end": end, **_figures(*totals[c.path])} for c in children
    ]


def covered_communities(region: Region, start: date, end: date) -> list[Region]:
    return [
        c
        for c in _communities_with_coverage(region, start, end).order_by("path")
        if c.has_body and c.has_meeting  # type: ignore[attr-defined]
    ]


def statistics_roots(user: Any) -> list[Region]:
    """The top places the user holds STATISTICS over."""
    if not user.has_permission(Perm.STATISTICS):
        return []
    paths = user.jurisdiction(Perm.STATISTICS).region_paths
    return list(Region.objects.filter(path__in=list(paths)).order_by("path"))


def statistics_region(user: Any, code: str) -> Region:
    """A region inside the user's STATISTICS jurisdiction; 404 otherwise."""
    return get_scoped_or_404(Region.objects.all(), user, Perm.STATISTICS, code=code)


def period_bounds(period: str, day: date) -> tuple[date, date]:
    """The month, quarter or year containing ``day``."""
    if period == "year":
        return date(day.year, 1, 1), date(day.year, 12, 31)
    if period == "quarter":
        first = 3 * ((day.month - 1) // 3) + 1
        start = date(day.year, first, 1)
    else:
        start = day.replace(day=1)
        first = day.month
    months = 3 if period == "quarter" else 1
    month = start.month + months
    year = start.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    return start, date(year, month, 1) - timedelta(days=1)
