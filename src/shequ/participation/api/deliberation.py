"""The deliberation API, under ``/api/v1/participation``:

- ``GET /topics`` (``?stage=&region=&origin=&q=``), ``GET /topics/{topic_id}`` — staff, scoped;
- ``POST /topics/{topic_id}/steps`` — staff take a step (what it requires in the body);
- ``GET /my/topics``, ``POST /my/topics`` — a resident's topics, proposing one;
- ``POST /topics/{topic_id}/cosign``, ``/opinions``, ``/reviews``, ``/withdraw`` — verified residents
  of the topic's community.

Errors as ``core.api``: no permission → 403; outside the jurisdiction or unknown → 404; the action's
``ValidationError`` → 422 with the field named."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.pagination import paginate

from shequ.core.api import ApiError, ErrorOut, PagePagination, acting, choice, not_found, user_with
from shequ.participation.actions import deliberation as actions
from shequ.participation.models import Topic, TopicOrigin, TopicStage
from shequ.participation.permissions import ParticipationPerm
from shequ.participation.queries import deliberation as queries
from shequ.participation.schemas_deliberation import (
    OkOut,
    OpinionIn,
    ReviewIn,
    StaffTopicOut,
    StepIn,
    TopicIn,
    TopicOut,
)
from shequ.territory.api import region_path

router = Router(tags=["participation"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
Perm = ParticipationPerm


def _reload(topic: Topic) -> Topic:
    return Topic.objects.select_related("community", "state").get(pk=topic.pk)


@router.get(
    "/topics",
    response={200: list[StaffTopicOut], **ERRORS},
    summary="议题（本辖区）：按阶段、区域、来源、关键词筛选",
)
@paginate(PagePagination)
def list_topics(
    request: HttpRequest,
    stage: str = Query(""),
    region: str = Query("", max_length=12),
    origin: str = Query(""),
    q: str = Query("", max_length=100),
) -> QuerySet[Topic]:
    user = user_with(request, Perm.VIEW)
    filters = queries.TopicFilters(
        stage=choice(stage, TopicStage, "stage"),
        region_path=region_path(user, region, Perm.VIEW),
        origin=choice(origin, TopicOrigin, "origin"),
        q=q.strip(),
    )
    return queries.topics(user, filters)


def _staff_topic(user: Any, topic_id: int, perm: str = Perm.VIEW) -> Topic:
    try:
        return queries.topic_detail(user, topic_id, perm)
    except Http404:
        raise not_found("topic_id") from None


@router.get("/topics/{topic_id}", response={200: StaffTopicOut, **ERRORS})
def get_topic(request: HttpRequest, topic_id: int) -> Topic:
    return _staff_topic(user_with(request, Perm.VIEW), topic_id)


@router.post(
    "/topics/{topic_id}/steps",
    response={200: StaffTopicOut, **ERRORS},
    summary="办理议题的一步（立案、不予立案、开始协商、形成决定、交付落实、评议、归档）",
)
def take_step(request: HttpRequest, topic_id: int, payload: StepIn) -> Topic:
    user = user_with(request, Perm.TOPICS)
    topic = _staff_topic(user, topic_id, Perm.TOPICS)
    data = payload.dict()
    step_id = data.pop("step_id")
    note = data.pop("note")
    fields = {k: v for k, v in data.items() if v not in (None, "")}
    with acting():
        actions.fire_step(topic, step_id, by=user, note=note, **fields)
    return _reload(topic)


def _resident(request: HttpRequest) -> Any:
    user: Any = request.user
    if not getattr(user, "is_resident", False):
        raise ApiError(403, "forbidden", _("此项操作只能由居民本人进行。"))
    return user


def _resident_topic(user: Any, topic_id: int) -> Topic:
    try:
        return queries.resident_topic(user, topic_id)
    except Http404:
        raise not_found("topic_id") from None


@router.get("/my/topics", response={200: list[TopicOut], **ERRORS}, summary="我提出的议题")
@paginate(PagePagination)
def my_topics(request: HttpRequest) -> QuerySet[Topic]:
    return queries.my_topics(_resident(request))


@router.post("/my/topics", response={201: TopicOut, **ERRORS}, summary="居民提出议题")
def propose(request: HttpRequest, payload: TopicIn) -> Status[Topic]:
    user = _resident(request)
    with acting():
        made = actions.propose(by=user, title=payload.title, body=payload.body)
    return Status(201, _reload(made))


@router.post("/topics/{topic_id}/cosign", response={200: TopicOut, **ERRORS}, summary="联署")
def cosign(request: HttpRequest, topic_id: int) -> Topic:
    user = _resident(request)
    topic = _resident_topic(user, topic_id)
    with acting():
        actions.cosign(topic, by=user)
    return _reload(topic)


@router.post("/topics/{topic_id}/withdraw", response={200: TopicOut, **ERRORS}, summary="撤回")
def withdraw(request: HttpRequest, topic_id: int) -> Topic:
    user = _resident(request)
    topic = _resident_topic(user, topic_id)
    with acting():
        actions.withdraw(topic, by=user)
    return _reload(topic)


@router.post("/topics/{topic_id}/opinions", response={201: OkOut, **ERRORS}, summary="网上征求意见")
def opinion(request: HttpRequest, topic_id: int, payload: OpinionIn) -> Status[dict[str, int]]:
    user = _resident(request)
    topic = _resident_topic(user, topic_id)
    with acting():
        made = actions.give_opinion(topic, by=user, body=payload.body)
    return Status(201, {"id": made.pk})


@router.post("/topics/{topic_id}/reviews", response={201: OkOut, **ERRORS}, summary="居民评议")
def review(request: HttpRequest, topic_id: int, payload: ReviewIn) -> Status[dict[str, int]]:
    user = _resident(request)
    topic = _resident_topic(user, topic_id)
    with acting():
        made = actions.review(topic, by=user, score=payload.score, comment=payload.comment)
    return Status(201, {"id": made.pk})
