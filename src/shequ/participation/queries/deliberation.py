"""Reads: deliberation topics (议题). Staff lists and details go through ``scoped``; residents see
their community's public topics; the anonymous public page sees admitted-and-later topics only, with
published answers and no resident names."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Avg, Count, Q, QuerySet
from django.http import Http404

from shequ.cases.models import Case
from shequ.core import calendar
from shequ.core.masking import mask_name
from shequ.core.scoping import get_scoped_or_404, scoped
from shequ.participation.actions.deliberation import (
    AGENDA_STAGES,
    LATER_STAGES,
    community_workflow,
)
from shequ.participation.eligibility import own_resident
from shequ.participation.models import (
    CoSign,
    ProgressUpdate,
    StepActor,
    Topic,
    TopicOpinion,
    TopicReview,
    TopicStage,
    TopicState,
    TopicStep,
    TopicTransition,
    TopicWorkflow,
)
from shequ.participation.permissions import ParticipationPerm
from shequ.registry.models import LifeStatus, Resident
from shequ.registry.queries import query_condition
from shequ.territory.models import Level, Region

Perm = ParticipationPerm
G = TopicStage


def _topics() -> QuerySet[Topic]:
    return Topic.objects.select_related("community", "grid", "state", "workflow")


def topics_for_agenda(community: Region) -> QuerySet[Topic]:
    """Topics a meeting of ``community`` may put on its agenda: admitted or being deliberated."""
    return (
        _topics()
        .filter(community=community, state__stage__in=AGENDA_STAGES)
        .order_by("created_at", "pk")
    )


# --- Staff -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TopicFilters:
    stage: str = ""
    region_path: str = ""
    origin: str = ""
    q: str = ""


def topics(user: Any, filters: TopicFilters | None = None) -> QuerySet[Topic]:
    filters = filters or TopicFilters()
    found = scoped(_topics(), user, Perm.VIEW)
    if filters.stage:
        found = found.filter(state__stage=filters.stage)
    if filters.region_path:
        found = found.filter(community__path__under=filters.region_path)
    if filters.origin:
        found = found.filter(origin=filters.origin)
    if filters.q:
        found = found.filter(
            Q(title__icontains=filters.q) | Q(body__icontains=filters.q) | Q(number=filters.q)
        )
    return found.order_by("-created_at", "-pk")


def topic_detail(user: Any, topic_id: int, perm: str = Perm.VIEW) -> Topic:
    return get_scoped_or_404(
        _topics().select_related("proposer", "author", "case"), user, perm, pk=topic_id
    )


def scoped_communities(user: Any) -> QuerySet[Region]:
    return scoped(Region.objects.filter(level=Level.COMMUNITY), user, Perm.VIEW).order_by("path")


def consultation_closed(topic: Topic) -> bool:
    deadline = topic.consultation_deadline
    return deadline is not None and calendar.localdate() > deadline


def may(user: Any, perm: str, region: Region) -> bool:
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and user.has_permission(perm)
        and user.jurisdiction(perm).covers_path(region.path)
    )


def staff_steps(user: Any, topic: Topic) -> list[TopicStep]:
    """The staff steps leaving the topic's state, when the user manages topics there."""
    if not may(user, Perm.TOPICS, topic.community):
        return []
    return list(
        TopicStep.objects.select_related("source", "target").filter(
            workflow_id=topic.workflow_id, source_id=topic.state_id, actor=StepActor.STAFF
        )
    )


def step_of(topic: Topic, step_id: int) -> TopicStep:
    step = (
        TopicStep.objects.select_related("source", "target")
        .filter(pk=step_id, workflow_id=topic.workflow_id)
        .first()
    )
    if step is None:
        raise Http404
    return step


def states_of(topic: Topic) -> QuerySet[TopicState]:
    return TopicState.objects.filter(workflow_id=topic.workflow_id).order_by("position", "pk")


def history(topic: Topic, *, public_only: bool = False) -> QuerySet[TopicTransition]:
    found = TopicTransition.objects.filter(topic=topic).select_related("source", "target", "by")
    if public_only:
        found = found.filter(target__is_public=True)
    return found.order_by("at", "pk")


def progress(topic: Topic) -> QuerySet[ProgressUpdate]:
    return ProgressUpdate.objects.filter(topic=topic).order_by("at", "pk")


def opinions(topic: Topic) -> QuerySet[TopicOpinion]:
    """The opinions residents (and the public) may see: hidden ones left out."""
    return (
        TopicOpinion.objects.filter(topic=topic, is_hidden=False)
        .select_related("resident")
        .order_by("created_at", "pk")
    )


def staff_opinions(topic: Topic) -> QuerySet[TopicOpinion]:
    """Every opinion of a topic the staff member already reached through ``topic_detail``, hidden
    ones included (they are marked ``is_hidden``)."""
    return (
        TopicOpinion.objects.filter(topic=topic)
        .select_related("resident")
        .order_by("created_at", "pk")
    )


def opinion_of(topic: Topic, opinion_id: int) -> TopicOpinion:
    """One opinion of a topic reached through a scoped query, or a 404."""
    found = TopicOpinion.objects.filter(topic=topic, pk=opinion_id).first()
    if found is None:
        raise Http404
    return found


def reviews(topic: Topic) -> QuerySet[TopicReview]:
    return (
        TopicReview.objects.filter(topic=topic)
        .select_related("resident")
        .order_by("created_at", "pk")
    )


@dataclass(frozen=True)
class ReviewSummary:
    count: int
    average: float | None
    satisfied: int


def review_summary(topic: Topic) -> ReviewSummary:
    row = TopicReview.objects.filter(topic=topic).aggregate(
        n=Count("pk"), avg=Avg("score"), ok=Count("pk", filter=Q(score__gte=4))
    )
    average = row["avg"]
    return ReviewSummary(
        count=row["n"] or 0,
        average=round(float(average), 1) if average is not None else None,
        satisfied=row["ok"] or 0,
    )


def masked(name: str) -> str:
    return mask_name(name)


def proposable_residents(user: Any, q: str, limit: int = 10) -> list[Resident]:
    text = (q or "").strip()
    if not text:
        return []
    found = scoped(Resident.objects.filter(status=LifeStatus.ACTIVE), user, Perm.PROPOSE)
    return list(
        found.filter(query_condition(text))
        .select_related("community", "grid")
        .order_by("name", "pk")[:limit]
    )


def resident_for_proposal(user: Any, resident_id: int) -> Resident:
    return get_scoped_or_404(
        Resident.objects.select_related("community", "grid").filter(status=LifeStatus.ACTIVE),
        user,
        Perm.PROPOSE,
        pk=resident_id,
    )


def proposal_communities(user: Any) -> QuerySet[Region]:
    if user is None or not getattr(user, "is_authenticated", False):
        return Region.objects.none()
    where = user.jurisdiction(Perm.PROPOSE)
    found = scoped(Region.objects.filter(level=Level.COMMUNITY), user, Perm.PROPOSE)
    if where.grid_community_paths:
        found = found | Region.objects.filter(path__in=where.grid_community_paths)
    return found.order_by("path")


def case_for_topic(user: Any, number: str) -> Case | None:
    """A case in the user's jurisdiction by its number (or primary key), or ``None``."""
    from shequ.cases.numbers import parse

    text = (number or "").strip()
    if not text:
        return None
    parsed = parse(text)
    cases = scoped(Case.objects.select_related("region"), user)
    if parsed is not None:
        found = cases.filter(pk=parsed[0]).first()
        if found is not None and found.number.replace("-", "") == "".join(
            c for c in text if c.isdigit()
        ):
            return found
        return None
    if text.isdigit():
        return cases.filter(pk=int(text)).first()
    return None


def workflows(user: Any) -> QuerySet[TopicWorkflow]:
    """Community workflows in the user's jurisdiction (for CONFIGURE)."""
    return (
        scoped(TopicWorkflow.objects.filter(community__isnull=False), user, Perm.CONFIGURE)
        .select_related("community")
        .order_by("community__path")
    )


def workflow_detail(user: Any, workflow_id: int) -> TopicWorkflow:
    return get_scoped_or_404(
        TopicWorkflow.objects.select_related("community"), user, Perm.CONFIGURE, pk=workflow_id
    )


def configurable_communities(user: Any) -> QuerySet[Region]:
    return scoped(Region.objects.filter(level=Level.COMMUNITY), user, Perm.CONFIGURE).order_by(
        "path"
    )


def workflow_states(workflow: TopicWorkflow) -> QuerySet[TopicState]:
    return TopicState.objects.filter(workflow=workflow).order_by("position", "pk")


def workflow_steps(workflow: TopicWorkflow) -> QuerySet[TopicStep]:
    return TopicStep.objects.filter(workflow=workflow).select_related("source", "target")


# --- Residents -------------------------------------------------------------------------------------


def community_topics(community: Region) -> QuerySet[Topic]:
    return (
        _topics().filter(community=community, state__is_public=True).order_by("-created_at", "-pk")
    )


def resident_topic(user: Any, topic_id: int) -> Topic:
    """A topic of the resident's community that residents may see (public state), or their own."""
    resident = own_resident(user)
    if resident is None:
        raise Http404
    found = (
        _topics()
        .filter(pk=topic_id, community_id=resident.community_id)
        .filter(Q(state__is_public=True) | Q(author=user))
        .first()
    )
    if found is None:
        raise Http404
    return found


def my_topics(user: Any) -> QuerySet[Topic]:
    return _topics().filter(author=user).order_by("-created_at", "-pk")


def has_cosigned(user: Any, topic: Topic) -> bool:
    return CoSign.objects.filter(topic=topic, user=user).exists()


def has_reviewed(user: Any, topic: Topic) -> bool:
    return TopicReview.objects.filter(topic=topic, user=user).exists()


def author_steps(user: Any, topic: Topic) -> list[TopicStep]:
    if user is None or topic.author_id != getattr(user, "pk", None):
        return []
    return list(
        TopicStep.objects.select_related("target").filter(
            workflow_id=topic.workflow_id, source_id=topic.state_id, actor=StepActor.AUTHOR
        )
    )


def cosign_threshold_of(community: Region) -> int:
    return community_workflow(community).cosign_threshold


# --- Public ----------------------------------------------------------------------------------------


def public_topics(community: Region) -> QuerySet[Topic]:
    return (
        _topics()
        .filter(community=community, state__stage__in=LATER_STAGES, state__is_public=True)
        .prefetch_related("progress_updates")
        .order_by("-created_at", "-pk")
    )
