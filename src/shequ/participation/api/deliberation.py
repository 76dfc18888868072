"""The deliberation API, under ``/api/v1/participation``:

- ``GET /topics`` (``?stage=&region=&origin=&q=``), ``GET /topics/{topic_id}`` — staff, scoped;
- ``POST /topics`` — staff (PROPOSE) propose on a resident's behalf, from a case or as the committee;
- ``GET /topics/{topic_id}/steps`` — the staff steps the caller may take now, with the fields each
  requires; ``POST /topics/{topic_id}/steps`` — staff take a step (what it requires in the body);
- ``POST /topics/{topic_id}/answer``, ``POST /topics/{topic_id}/answer/publish`` — save, publish the
  official answer (TOPICS);
- ``GET /topics/{topic_id}/progress`` — staff, or a resident of the community;
  ``POST /topics/{topic_id}/progress`` — a progress update (TOPICS);
- ``POST /topics/{topic_id}/override`` — a manager (CONFIGURE) moves the topic to any state;
- ``GET /topics/{topic_id}/opinions`` — staff see every opinion (hidden ones marked), a resident of
  the community the visible ones; ``POST /topics/{topic_id}/opinions/{opinion_id}/hide``,
  ``/restore`` — MODERATE, with a reason;
- ``GET /topic-workflows``, ``POST /topic-workflows`` (copy the default for a community),
  ``GET /topic-workflows/{workflow_id}``, ``PUT /topic-workflows/{workflow_id}``,
  ``POST /topic-workflows/{workflow_id}/steps``,
  ``DELETE /topic-workflows/{workflow_id}/steps/{step_id}`` — managers (CONFIGURE);
- ``GET /me/topics``, ``POST /me/topics`` — a resident's topics, proposing one (``request_key``
  makes a retry land once: 200 with the first topic);
  ``GET /me/topics/{topic_id}`` — a resident's own topic or one of their community's public ones;
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

from shequ.core.api import (
    ApiError,
    ErrorOut,
    PagePagination,
    acting,
    choice,
    invalid,
    not_found,
    user_with,
)
from shequ.participation.actions import deliberation as actions
from shequ.participation.models import (
    ProgressUpdate,
    Topic,
    TopicOpinion,
    TopicOrigin,
    TopicStage,
    TopicWorkflow,
)
from shequ.participation.permissions import ParticipationPerm
from shequ.participation.queries import deliberation as queries
from shequ.participation.schemas_deliberation import (
    AnswerIn,
    ModerationIn,
    OkOut,
    OpinionIn,
    OpinionOut,
    OverrideIn,
    ProgressIn,
    ProgressOut,
    ReviewIn,
    StaffTopicIn,
    StaffTopicOut,
    StepIn,
    TopicIn,
    TopicOut,
    TopicStepOut,
    WorkflowCopyIn,
    WorkflowDetailOut,
    WorkflowIn,
    WorkflowOut,
    WorkflowStepIn,
)
from shequ.territory.api import region_path

router = Router(tags=["participation"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
Perm = ParticipationPerm
# The actions' field names → the API's.
FIELDS = {
    "community": "community_code",
    "resident": "resident_id",
    "case": "case_number",
    "state": "state_id",
    "source": "source_id",
    "target": "target_id",
}


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


@router.get(
    "/topics/{topic_id}/steps",
    response={200: list[TopicStepOut], **ERRORS},
    summary="当前可办理的步骤及各步须填写的字段",
)
def topic_steps(request: HttpRequest, topic_id: int) -> list[dict[str, Any]]:
    user = user_with(request, Perm.VIEW)
    topic = _staff_topic(user, topic_id)
    return [
        {
            "id": step.pk,
            "source_id": step.source_id,
            "target_id": step.target_id,
            "label": step.label,
            "actor": step.actor,
            "target_name": step.target.name,
            "target_stage": step.target.stage,
            "required_fields": actions.required_fields(step),
        }
        for step in queries.staff_steps(user, topic)
    ]


@router.post(
    "/topics",
    response={200: StaffTopicOut, 201: StaffTopicOut, **ERRORS},
    summary="工作人员提出议题：代居民提出、由诉求转入或以村(居)委会名义提出",
)
def propose_staff(request: HttpRequest, payload: StaffTopicIn) -> Status[Topic]:
    user = user_with(request, Perm.PROPOSE)
    resident = None
    if payload.resident_id is not None:
        try:
            resident = queries.resident_for_proposal(user, payload.resident_id)
        except Http404:
            raise not_found("resident_id") from None
    case = None
    if payload.case_number.strip():
        case = queries.case_for_topic(user, payload.case_number)
        if case is None:
            raise not_found("case_number")
    community = None
    code = payload.community_code.strip()
    if code:
        community = queries.proposal_communities(user).filter(code=code).first()
        if community is None:
            raise not_found("community_code")
    key = payload.request_key.strip()
    before = bool(key) and Topic.objects.filter(request_key=key, author=user).exists()
    with acting(FIELDS):
        made = actions.propose_staff(
            by=user,
            title=payload.title,
            body=payload.body,
            community=community,
            resident=resident,
            case=case,
            request_key=key or None,
        )
    return Status(200 if before else 201, _reload(made))


@router.post(
    "/topics/{topic_id}/answer",
    response={200: StaffTopicOut, **ERRORS},
    summary="保存正式答复（再次保存会撤回已公开的答复，须重新公开）",
)
def save_answer(request: HttpRequest, topic_id: int, payload: AnswerIn) -> Topic:
    user = user_with(request, Perm.TOPICS)
    topic = _staff_topic(user, topic_id, Perm.TOPICS)
    with acting():
        actions.save_answer(topic, by=user, text=payload.answer)
    return _reload(topic)


@router.post(
    "/topics/{topic_id}/answer/publish",
    response={200: StaffTopicOut, **ERRORS},
    summary="公开已保存的答复",
)
def publish_answer(request: HttpRequest, topic_id: int) -> Topic:
    user = user_with(request, Perm.TOPICS)
    topic = _staff_topic(user, topic_id, Perm.TOPICS)
    with acting():
        actions.publish_answer(topic, by=user)
    return _reload(topic)


def _viewer_topic(request: HttpRequest, topic_id: int) -> tuple[Any, Topic]:
    """A resident reaches the topic as on their pages, staff through the scoped query."""
    user: Any = request.user
    if getattr(user, "is_resident", False):
        return user, _resident_topic(user, topic_id)
    user = user_with(request, Perm.VIEW)
    return user, _staff_topic(user, topic_id)


@router.get(
    "/topics/{topic_id}/progress",
    response={200: list[ProgressOut], **ERRORS},
    summary="落实进展",
)
@paginate(PagePagination)
def list_progress(request: HttpRequest, topic_id: int) -> QuerySet[ProgressUpdate]:
    _user, topic = _viewer_topic(request, topic_id)
    return queries.progress(topic)


@router.post(
    "/topics/{topic_id}/progress",
    response={201: ProgressOut, **ERRORS},
    summary="发布落实进展（落实中的议题）",
)
def add_progress(request: HttpRequest, topic_id: int, payload: ProgressIn) -> Status[Any]:
    user = user_with(request, Perm.TOPICS)
    topic = _staff_topic(user, topic_id, Perm.TOPICS)
    with acting():
        made = actions.add_progress(topic, by=user, body=payload.body, percent=payload.percent)
    return Status(201, made)


@router.post(
    "/topics/{topic_id}/override",
    response={200: StaffTopicOut, **ERRORS},
    summary="越过流程调整议题状态（须填写说明，记为越过流程）",
)
def override_state(request: HttpRequest, topic_id: int, payload: OverrideIn) -> Topic:
    user = user_with(request, Perm.CONFIGURE)
    topic = _staff_topic(user, topic_id, Perm.CONFIGURE)
    with acting(FIELDS):
        actions.override_state(topic, payload.state_id, by=user, note=payload.note)
    return _reload(topic)


@router.get(
    "/topics/{topic_id}/opinions",
    response={200: list[OpinionOut], **ERRORS},
    summary="网上征求的居民意见：工作人员可见全部（已隐藏的标出），居民只见未隐藏的",
)
@paginate(PagePagination)
def list_opinions(request: HttpRequest, topic_id: int) -> QuerySet[TopicOpinion]:
    user, topic = _viewer_topic(request, topic_id)
    if getattr(user, "is_resident", False):
        return queries.opinions(topic)
    return queries.staff_opinions(topic)


def _moderated_opinion(
    request: HttpRequest, topic_id: int, opinion_id: int
) -> tuple[Any, TopicOpinion]:
    user = user_with(request, Perm.MODERATE)
    topic = _staff_topic(user, topic_id, Perm.MODERATE)
    try:
        return user, queries.opinion_of(topic, opinion_id)
    except Http404:
        raise not_found("opinion_id") from None


@router.post(
    "/topics/{topic_id}/opinions/{opinion_id}/hide",
    response={200: OpinionOut, **ERRORS},
    summary="隐藏居民意见（须填写理由；居民将看不到，工作人员仍可见）",
)
def hide_opinion(
    request: HttpRequest, topic_id: int, opinion_id: int, payload: ModerationIn
) -> TopicOpinion:
    user, opinion = _moderated_opinion(request, topic_id, opinion_id)
    with acting():
        return actions.hide_opinion(opinion, by=user, reason=payload.reason)


@router.post(
    "/topics/{topic_id}/opinions/{opinion_id}/restore",
    response={200: OpinionOut, **ERRORS},
    summary="恢复显示已隐藏的居民意见（须填写理由）",
)
def restore_opinion(
    request: HttpRequest, topic_id: int, opinion_id: int, payload: ModerationIn
) -> TopicOpinion:
    user, opinion = _moderated_opinion(request, topic_id, opinion_id)
    with acting():
        return actions.restore_opinion(opinion, by=user, reason=payload.reason)


# --- Workflows (managers) --------------------------------------------------------------------------


def _workflow(user: Any, workflow_id: int) -> TopicWorkflow:
    try:
        return queries.workflow_detail(user, workflow_id)
    except Http404:
        raise not_found("workflow_id") from None


@router.get(
    "/topic-workflows",
    response={200: list[WorkflowOut], **ERRORS},
    summary="本辖区各社区的议题流程",
)
@paginate(PagePagination)
def list_workflows(request: HttpRequest) -> QuerySet[TopicWorkflow]:
    return queries.workflows(user_with(request, Perm.CONFIGURE))


@router.post(
    "/topic-workflows",
    response={200: WorkflowDetailOut, 201: WorkflowDetailOut, **ERRORS},
    summary="为社区复制全市默认流程（已有本社区流程时返回它）",
)
def copy_workflow(request: HttpRequest, payload: WorkflowCopyIn) -> Status[TopicWorkflow]:
    user = user_with(request, Perm.CONFIGURE)
    code = payload.community_code.strip()
    community = queries.configurable_communities(user).filter(code=code).first()
    if community is None:
        raise not_found("community_code")
    before = TopicWorkflow.objects.filter(community=community).exists()
    with acting(FIELDS):
        made = actions.copy_workflow(community=community, by=user)
    return Status(200 if before else 201, _workflow(user, made.pk))


@router.get("/topic-workflows/{workflow_id}", response={200: WorkflowDetailOut, **ERRORS})
def get_workflow(request: HttpRequest, workflow_id: int) -> TopicWorkflow:
    return _workflow(user_with(request, Perm.CONFIGURE), workflow_id)


@router.put(
    "/topic-workflows/{workflow_id}",
    response={200: WorkflowDetailOut, **ERRORS},
    summary="修改流程名称、联署门槛和期限，以及各状态的名称、顺序和标记",
)
def update_workflow(request: HttpRequest, workflow_id: int, payload: WorkflowIn) -> TopicWorkflow:
    user = user_with(request, Perm.CONFIGURE)
    workflow = _workflow(user, workflow_id)
    known = set(queries.workflow_states(workflow).values_list("pk", flat=True))
    for row in payload.states:
        if row.id not in known:
            raise invalid("states", _("状态不属于本流程：%(id)s。") % {"id": row.id})
    states = {row.id: row.dict(exclude={"id"}) for row in payload.states}
    with acting(FIELDS):
        actions.update_workflow(
            workflow=workflow,
            by=user,
            name=payload.name,
            cosign_threshold=payload.cosign_threshold,
            cosign_days=payload.cosign_days,
            states=states,
        )
    return _workflow(user, workflow.pk)


@router.post(
    "/topic-workflows/{workflow_id}/steps",
    response={201: WorkflowDetailOut, **ERRORS},
    summary="添加流转（两个状态之间的按钮）",
)
def add_workflow_step(
    request: HttpRequest, workflow_id: int, payload: WorkflowStepIn
) -> Status[TopicWorkflow]:
    user = user_with(request, Perm.CONFIGURE)
    workflow = _workflow(user, workflow_id)
    with acting(FIELDS):
        actions.add_step(
            workflow=workflow,
            by=user,
            source=payload.source_id,
            target=payload.target_id,
            label=payload.label,
            actor=payload.actor,
        )
    return Status(201, _workflow(user, workflow.pk))


@router.delete(
    "/topic-workflows/{workflow_id}/steps/{step_id}",
    response={200: WorkflowDetailOut, **ERRORS},
    summary="删除流转",
)
def remove_workflow_step(request: HttpRequest, workflow_id: int, step_id: int) -> TopicWorkflow:
    user = user_with(request, Perm.CONFIGURE)
    workflow = _workflow(user, workflow_id)
    if not queries.workflow_steps(workflow).filter(pk=step_id).exists():
        raise not_found("step_id")
    with acting(FIELDS):
        actions.remove_step(workflow=workflow, by=user, step_id=step_id)
    return _workflow(user, workflow.pk)


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


@router.get("/me/topics", response={200: list[TopicOut], **ERRORS}, summary="我提出的议题")
@paginate(PagePagination)
def my_topics(request: HttpRequest) -> QuerySet[Topic]:
    return queries.my_topics(_resident(request))


@router.post(
    "/me/topics",
    response={200: TopicOut, 201: TopicOut, **ERRORS},
    summary="居民提出议题；带同一 request_key 重试时返回第一次提出的议题",
)
def propose(request: HttpRequest, payload: TopicIn) -> Status[Topic]:
    user = _resident(request)
    key = payload.request_key.strip()
    before = bool(key) and Topic.objects.filter(request_key=key, author=user).exists()
    with acting():
        made = actions.propose(
            by=user, title=payload.title, body=payload.body, request_key=key or None
        )
    return Status(200 if before else 201, _reload(made))


@router.get(
    "/me/topics/{topic_id}",
    response={200: TopicOut, **ERRORS},
    summary="居民查看议题：本人提出的或本社区公开的",
)
def my_topic(request: HttpRequest, topic_id: int) -> Topic:
    return _resident_topic(_resident(request), topic_id)


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
