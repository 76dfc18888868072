"""Writes: deliberation topics (议题, P1).

The workflow is data (``TopicWorkflow``: states and steps). A topic moves only along a step that
leaves its current state, taken by the step's actor (the author, staff with ``participation.topics``
over the community, or the system), with one conditional UPDATE on ``version``: of two clicks on the
same button the second is refused with "议题状态已变化，请刷新后重试" and changes nothing. Every move
writes a ``TopicTransition``. Managers (``participation.configure``) may move a topic to any state of
its workflow with a note, logged as overridden.

Co-signing: the author is the first supporter and does not co-sign; ``cosign_count`` counts the other
residents' co-signs, one per resident (a unique constraint), and reaching the threshold moves the topic
to review in the same transaction.

Moderators (``participation.moderate`` over the topic's community) hide a resident's opinion from
residents, or show it again, with a reason kept on the opinion while it is hidden and in the audit
trail.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from shequ.cases.models import Case
from shequ.core import audit, calendar
from shequ.core.scoping import require_place
from shequ.participation.content import check_text
from shequ.participation.eligibility import verified_resident
from shequ.participation.models import (
    CoSign,
    DeliberationMode,
    ProgressUpdate,
    StepActor,
    Topic,
    TopicOpinion,
    TopicOrigin,
    TopicReview,
    TopicStage,
    TopicState,
    TopicStep,
    TopicTransition,
    TopicWorkflow,
)
from shequ.participation.permissions import ParticipationPerm
from shequ.registry.models import LifeStatus, Resident
from shequ.territory.models import Grid, Level, Region

Perm = ParticipationPerm
G = TopicStage
DEFAULT_NAME = gettext_noop("全市默认议题流程")
DEFAULT_THRESHOLD = 5
DEFAULT_DAYS = 30
MAX_THRESHOLD = 1000
MAX_DAYS = 365
# The stages the code moves topics into or acts on: a workflow must have a state for each.
REQUIRED_STAGES = (
    G.COLLECTING,
    G.REVIEWING_ADMISSION,
    G.ADMITTED,
    G.REFUSED,
    G.DELIBERATING,
    G.DECIDED,
    G.IMPLEMENTING,
    G.REVIEWING,
    G.ARCHIVED,
    G.WITHDRAWN,
    G.EXPIRED,
)
# The entry paths: with co-signing (threshold > 0) and straight to admission review.
ENTRY_STAGES = (G.COLLECTING, G.REVIEWING_ADMISSION)
LATER_STAGES = (G.ADMITTED, G.DELIBERATING, G.DECIDED, G.IMPLEMENTING, G.REVIEWING, G.ARCHIVED)
AGENDA_STAGES = (G.ADMITTED, G.DELIBERATING)

# (code, name, stage, initial, requires_note)
DEFAULT_STATES: tuple[tuple[str, str, str, bool, bool], ...] = (
    ("collecting", gettext_noop("征集联署"), G.COLLECTING, True, False),
    ("under_review", gettext_noop("待立案审查"), G.REVIEWING_ADMISSION, True, False),
    ("admitted", gettext_noop("已立案"), G.ADMITTED, False, False),
    ("refused", gettext_noop("不予立案"), G.REFUSED, False, False),
    ("deliberating", gettext_noop("协商中"), G.DELIBERATING, False, False),
    ("decided", gettext_noop("已形成决定"), G.DECIDED, False, False),
    ("implementing", gettext_noop("落实中"), G.IMPLEMENTING, False, False),
    ("reviewing", gettext_noop("居民评议中"), G.REVIEWING, False, False),
    ("archived", gettext_noop("已归档"), G.ARCHIVED, False, False),
    ("withdrawn", gettext_noop("已撤回"), G.WITHDRAWN, False, False),
    ("expired", gettext_noop("联署未达到"), G.EXPIRED, False, False),
)
# (source, target, label, actor)
DEFAULT_STEPS: tuple[tuple[str, str, str, str], ...] = (
    ("collecting", "under_review", gettext_noop("联署达到门槛"), StepActor.SYSTEM),
    ("collecting", "expired", gettext_noop("联署期满未达到"), StepActor.SYSTEM),
    ("collecting", "withdrawn", gettext_noop("撤回议题"), StepActor.AUTHOR),
    ("under_review", "withdrawn", gettext_noop("撤回议题"), StepActor.AUTHOR),
    ("under_review", "admitted", gettext_noop("立案"), StepActor.STAFF),
    ("under_review", "refused", gettext_noop("不予立案"), StepActor.STAFF),
    ("admitted", "deliberating", gettext_noop("开始协商"), StepActor.STAFF),
    ("deliberating", "decided", gettext_noop("形成决定"), StepActor.STAFF),
    ("decided", "implementing", gettext_noop("交付落实"), StepActor.STAFF),
    ("implementing", "reviewing", gettext_noop("落实完成，请居民评议"), StepActor.STAFF),
    ("reviewing", "archived", gettext_noop("归档"), StepActor.STAFF),
    ("reviewing", "archived", gettext_noop("评议期满自动归档"), StepActor.SYSTEM),
    ("reviewing", "implementing", gettext_noop("居民不满意，重新落实"), StepActor.STAFF),
)


def _stale() -> str:
    return _("议题状态已变化，请刷新后重试")


def _refusal() -> str:
    return _("不在您的管辖范围内，或您没有办理议题的权限。")


def topic_path(topic: Topic) -> str:
    return topic.grid.path if topic.grid_id and topic.grid else topic.community.path


def require_topics(by: Any, community: Region) -> None:
    require_place(by, Perm.TOPICS, community.path, _refusal())


def require_configure(by: Any, community: Region) -> None:
    require_place(
        by, Perm.CONFIGURE, community.path, _("不在您的管辖范围内，或您没有设置议题流程的权限。")
    )


# --- Workflows -------------------------------------------------------------------------------------


def _build_default() -> TopicWorkflow:
    workflow = TopicWorkflow.objects.create(
        community=None,
        name=DEFAULT_NAME,
        cosign_threshold=DEFAULT_THRESHOLD,
        cosign_days=DEFAULT_DAYS,
    )
    states = {}
    for position, (code, name, stage, initial, note) in enumerate(DEFAULT_STATES):
        states[code] = TopicState.objects.create(
            workflow=workflow,
            code=code,
            name=name,
            stage=stage,
            position=position,
            is_initial=initial,
            requires_note=note,
        )
    TopicStep.objects.bulk_create(
        TopicStep(workflow=workflow, source=states[s], target=states[t], label=label, actor=actor)
        for s, t, label, actor in DEFAULT_STEPS
    )
    return workflow


def default_workflow() -> TopicWorkflow:
    """The city default workflow (community empty), created on first use; safe when two requests
    race (the unique constraint on the default's name decides, the loser reads the winner's)."""
    found = TopicWorkflow.objects.filter(community__isnull=True, name=DEFAULT_NAME).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return _build_default()
    except IntegrityError:
        return TopicWorkflow.objects.get(community__isnull=True, name=DEFAULT_NAME)


def community_workflow(community: Region) -> TopicWorkflow:
    """The community's own workflow, else the city default."""
    own = TopicWorkflow.objects.filter(community=community).first()
    return own if own is not None else default_workflow()


def validate_workflow(workflow: TopicWorkflow) -> None:
    """Refuse a workflow the code cannot run: a missing stage, or not exactly one initial state per
    entry path (co-signing first, or straight to admission review)."""
    states = list(TopicState.objects.filter(workflow=workflow))
    stages = {s.stage for s in states}
    missing = [str(G(stage).label) for stage in REQUIRED_STAGES if stage not in stages]
    if missing:
        raise ValidationError(
            _("流程缺少以下阶段的状态：%(stages)s。") % {"stages": "、".join(missing)}
        )
    for stage in ENTRY_STAGES:
        initial = [s for s in states if s.is_initial and s.stage == stage]
        if len(initial) != 1:
            raise ValidationError(
                _("阶段“%(stage)s”须有且只有一个初始状态，现在有%(count)d个。")
                % {"stage": G(stage).label, "count": len(initial)}
            )
    extra = [s for s in states if s.is_initial and s.stage not in ENTRY_STAGES]
    if extra:
        raise ValidationError(
            _("只有“征集联署”和“待立案审查”阶段的状态可以作为初始状态：%(state)s。")
            % {"state": extra[0].name}
        )


@transaction.atomic
def copy_workflow(*, community: Region, by: Any) -> TopicWorkflow:
    """Give ``community`` its own workflow, a copy of the default (once: a second copy returns the
    existing one)."""
    require_configure(by, community)
    if community.level != Level.COMMUNITY:
        raise ValidationError(_("只能为村(社区)设置议题流程。"))
    own = TopicWorkflow.objects.filter(community=community).first()
    if own is not None:
        return own
    source = default_workflow()
    try:
        with transaction.atomic():
            workflow = TopicWorkflow.objects.create(
                community=community,
                name=_("%(community)s议题流程") % {"community": community.name},
                cosign_threshold=source.cosign_threshold,
                cosign_days=source.cosign_days,
            )
    except IntegrityError:
        return TopicWorkflow.objects.get(community=community)
    mapping: dict[int, TopicState] = {}
    for state in TopicState.objects.filter(workflow=source):
        old = state.pk
        state.pk = None
        state.workflow = workflow
        state.save()
        mapping[old] = state
    TopicStep.objects.bulk_create(
        TopicStep(
            workflow=workflow,
            source=mapping[step.source_id],
            target=mapping[step.target_id],
            label=step.label,
            actor=step.actor,
        )
        for step in TopicStep.objects.filter(workflow=source)
    )
    audit.record("participation.workflow_copy", obj=workflow, actor=by, region=community)
    return workflow


def _editable(workflow: TopicWorkflow, by: Any) -> Region:
    if workflow.community_id is None or workflow.community is None:
        raise ValidationError(_("全市默认流程不能直接修改，请先复制为本社区的流程。"))
    require_configure(by, workflow.community)
    return workflow.community


def _int(value: Any, field: str, *, low: int, high: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationError({field: _("请填写整数。")}) from None
    if not low <= number <= high:
        raise ValidationError(
            {field: _("须在%(low)d到%(high)d之间。") % {"low": low, "high": high}}
        )
    return number


@transaction.atomic
def update_workflow(
    *,
    workflow: TopicWorkflow,
    by: Any,
    name: str,
    cosign_threshold: Any,
    cosign_days: Any,
    states: Mapping[int, Mapping[str, Any]] | None = None,
) -> TopicWorkflow:
    """Rename the workflow, set its co-sign threshold and window, and rename / reorder / flag its
    states (``states``: state id → {name, position, is_initial, is_public, requires_note})."""
    _editable(workflow, by)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("请填写流程名称。")})
    threshold = _int(cosign_threshold, "cosign_threshold", low=0, high=MAX_THRESHOLD)
    days = _int(cosign_days, "cosign_days", low=1, high=MAX_DAYS)
    TopicWorkflow.objects.filter(pk=workflow.pk).update(
        name=name[:60], cosign_threshold=threshold, cosign_days=days
    )
    for state in TopicState.objects.select_for_update().filter(workflow=workflow):
        values = (states or {}).get(state.pk)
        if values is None:
            continue
        state_name = str(values.get("name") or "").strip()
        if not state_name:
            raise ValidationError({"states": _("状态名称不能为空。")})
        state.name = state_name[:40]
        state.position = _int(values.get("position", state.position), "states", low=0, high=999)
        state.is_initial = bool(values.get("is_initial"))
        state.is_public = bool(values.get("is_public"))
        state.requires_note = bool(values.get("requires_note"))
        state.save()
    validate_workflow(workflow)
    workflow.refresh_from_db()
    audit.record(
        "participation.workflow_update",
        obj=workflow,
        actor=by,
        region=workflow.community,
        fields=["name", "cosign_threshold", "cosign_days", "states"],
    )
    return workflow


@transaction.atomic
def add_step(
    *, workflow: TopicWorkflow, by: Any, source: Any, target: Any, label: str, actor: str
) -> TopicStep:
    """Allow a move between two states of the workflow."""
    _editable(workflow, by)
    states = {s.pk: s for s in TopicState.objects.filter(workflow=workflow)}
    errors: dict[str, str] = {}
    src = states.get(_id(source))
    dst = states.get(_id(target))
    if src is None:
        errors["source"] = _("请选择本流程的起始状态。")
    if dst is None:
        errors["target"] = _("请选择本流程的目标状态。")
    elif src is not None and src.pk == dst.pk:
        errors["target"] = _("目标状态不能与起始状态相同。")
    label = (label or "").strip()
    if not label:
        errors["label"] = _("请填写按钮名称。")
    if actor not in StepActor.values:
        errors["actor"] = _("请选择操作人。")
    if errors:
        raise ValidationError(errors)
    assert src is not None and dst is not None
    try:
        with transaction.atomic():
            step = TopicStep.objects.create(
                workflow=workflow, source=src, target=dst, label=label[:40], actor=actor
            )
    except IntegrityError:
        raise ValidationError({"target": _("这两个状态之间已有同一操作人的流转。")}) from None
    audit.record(
        "participation.workflow_step_add", obj=workflow, actor=by, region=workflow.community
    )
    return step


@transaction.atomic
def remove_step(*, workflow: TopicWorkflow, by: Any, step_id: Any) -> None:
    _editable(workflow, by)
    deleted, _rows = TopicStep.objects.filter(workflow=workflow, pk=_id(step_id)).delete()
    if not deleted:
        raise ValidationError(_("该流转不存在或已删除。"))
    audit.record(
        "participation.workflow_step_remove", obj=workflow, actor=by, region=workflow.community
    )


def _id(value: Any) -> int:
    """A primary key from a form value or an object; -1 (matches nothing) when it is not one."""
    if isinstance(value, TopicState | TopicStep):
        return int(value.pk)
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


# --- Proposing ------------------------------------------------------------------------------------


def _clean_topic(title: str, body: str, community: Region) -> tuple[str, str]:
    title = (title or "").strip()
    body = (body or "").strip()
    errors: dict[str, str] = {}
    if not title:
        errors["title"] = _("请填写议题名称。")
    elif len(title) > 100:
        errors["title"] = _("议题名称最多100个字。")
    if not body:
        errors["body"] = _("请填写议题内容。")
    elif len(body) > 4000:
        errors["body"] = _("议题内容最多4000个字。")
    if errors:
        raise ValidationError(errors)
    check_text(title, community=community, field="title")
    check_text(body, community=community, field="body")
    return title, body


def _initial(workflow: TopicWorkflow, stage: str) -> TopicState:
    state = TopicState.objects.filter(workflow=workflow, stage=stage, is_initial=True).first()
    if state is None:
        raise ValidationError(_("本社区的议题流程设置不完整，请联系社区工作人员。"))
    return state


def _earlier(request_key: str, author: Any) -> Topic | None:
    """The topic an earlier request with this key made (a retry returns it); a key used by someone
    else is refused."""
    earlier = Topic.objects.filter(request_key=request_key).first()
    if earlier is None:
        return None
    if author is None or earlier.author_id != author.pk:
        raise ValidationError({"request_key": _("该请求标识已被使用，请刷新页面后重试。")})
    return earlier


def _create_topic(
    *,
    community: Region,
    grid: Grid | None,
    title: str,
    body: str,
    origin: str,
    author: Any,
    proposer: Resident | None,
    case: Case | None = None,
    collect: bool,
    request_key: str | None = None,
    is_synthetic: bool = False,
) -> Topic:
    if request_key:
        if len(request_key) > 64:
            raise ValidationError({"request_key": _("请求标识过长（最多64个字符）。")})
        existing = _earlier(request_key, author)
        if existing is not None:
            return existing
    if grid is not None and grid.community_id != community.pk:
        raise ValidationError({"grid": _("所选网格不属于本社区。")})
    title, body = _clean_topic(title, body, community)
    workflow = community_workflow(community)
    threshold = workflow.cosign_threshold if collect else 0
    if threshold > 0:
        state = _initial(workflow, G.COLLECTING)
        deadline: date | None = calendar.localdate() + timedelta(days=workflow.cosign_days)
    else:
        state = _initial(workflow, G.REVIEWING_ADMISSION)
        deadline = None
    try:
        with transaction.atomic():
            topic = Topic.objects.create(
                community=community,
                grid=grid,
                title=title,
                body=body,
                origin=origin,
                case=case,
                author=author,
                proposer=proposer,
                workflow=workflow,
                state=state,
                cosign_threshold=threshold,
                cosign_deadline=deadline,
                request_key=request_key or None,
                is_synthetic=is_synthetic,
            )
    except IntegrityError:
        # A concurrent retry with the same key won the race: answer with its topic.
        found = _earlier(request_key, author) if request_key else None
        if found is None:
            raise
        return found
    TopicTransition.objects.create(topic=topic, source=None, target=state, by=author)
    audit.record("participation.topic_propose", obj=topic, actor=author, fields=["title", "body"])
    return topic


@transaction.atomic
def propose(
    *,
    by: Any,
    title: str,
    body: str,
    grid: Grid | None = None,
    request_key: str | None = None,
    is_synthetic: bool = False,
) -> Topic:
    """A verified resident proposes a topic for their own community; it collects co-signs when the
    community's threshold is above zero."""
    resident = verified_resident(by)
    community = resident.community
    return _create_topic(
        community=community,
        grid=grid if grid is not None else (resident.grid if resident.grid_id else None),
        title=title,
        body=body,
        origin=TopicOrigin.RESIDENT,
        author=by,
        proposer=resident,
        collect=True,
        request_key=request_key,
        is_synthetic=is_synthetic,
    )


@transaction.atomic
def propose_staff(
    *,
    by: Any,
    title: str,
    body: str,
    community: Region | None = None,
    resident: Resident | None = None,
    grid: Grid | None = None,
    case: Case | None = None,
    request_key: str | None = None,
    is_synthetic: bool = False,
) -> Topic:
    """A PROPOSE holder proposes on behalf of a resident (代提: collects co-signs like the resident's
    own), as the committee, or from a case (both straight to admission review). A retry with the
    same ``request_key`` returns the first topic."""
    if resident is not None:
        if resident.status != LifeStatus.ACTIVE:
            raise ValidationError({"resident": _("该居民已不在册，不能代其提出议题。")})
        community = resident.community
        grid = grid or (resident.grid if resident.grid_id else None)
        origin = TopicOrigin.GRID_WORKER
    elif case is not None:
        community = case.region
        grid = grid or (case.grid if getattr(case, "grid_id", None) else None)
        origin = TopicOrigin.CASE
    else:
        origin = TopicOrigin.COMMITTEE
    if community is None:
        raise ValidationError({"community": _("请选择议题所在的村(社区)。")})
    if community.level != Level.COMMUNITY:
        raise ValidationError({"community": _("议题须属于一个村(社区)。")})
    path = grid.path if grid is not None else community.path
    if resident is not None and resident.grid_id and resident.grid is not None:
        path = resident.grid.path
    require_place(by, Perm.PROPOSE, path, _("不在您的管辖范围内，或您没有代提议题的权限。"))
    if case is not None and Topic.objects.filter(case=case).exists():
        raise ValidationError({"case": _("该诉求已经转为议题了。")})
    return _create_topic(
        community=community,
        grid=grid,
        title=title,
        body=body,
        origin=origin,
        author=by,
        proposer=resident,
        case=case,
        collect=resident is not None,
        request_key=request_key,
        is_synthetic=is_synthetic,
    )


# --- Steps -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Need:
    """What a step into a stage asks for, for forms and the API."""

    answer: bool = False
    reason: bool = False
    mode: bool = False
    decision: bool = False
    responsible: bool = False
    completion: bool = False
    reopen: bool = False


def need_for(step: TopicStep) -> Need:
    target = step.target.stage
    source = step.source.stage
    if target == G.ADMITTED:
        return Need(answer=True)
    if target == G.REFUSED:
        return Need(reason=True)
    if target == G.DELIBERATING:
        return Need(mode=True)
    if target == G.DECIDED:
        return Need(decision=True)
    if target == G.IMPLEMENTING:
        return Need(responsible=source != G.REVIEWING, reopen=source == G.REVIEWING)
    if target == G.REVIEWING:
        return Need(completion=True)
    return Need()


def required_fields(step: TopicStep) -> list[str]:
    """The names of the fields ``fire_step`` requires for ``step`` (for the API's clients;
    ``consultation_deadline`` only when ``mode`` is online)."""
    need = need_for(step)
    names: list[str] = []
    if need.answer or need.reason:
        names.append("answer")
    if need.mode:
        names += ["mode", "consultation_deadline"]
    if need.decision:
        names.append("decision")
    if need.responsible:
        names += ["responsible_party", "implementation_deadline"]
    if need.completion:
        names += ["note", "review_deadline"]
    if (need.reopen or step.target.requires_note) and "note" not in names:
        names.append("note")
    return names


def _date(value: Any, field: str) -> date:
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value.strip():
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
        raise ValidationError({field: _("请按“年-月-日”填写日期。")})
    raise ValidationError({field: _("请填写日期。")})


def _future(value: Any, field: str) -> date:
    day = _date(value, field)
    if day < calendar.localdate():
        raise ValidationError({field: _("日期不能早于今天。")})
    return day


def _text(fields: Mapping[str, Any], name: str, message: str, limit: int = 4000) -> str:
    text = str(fields.get(name) or "").strip()
    if not text:
        raise ValidationError({name: message})
    if len(text) > limit:
        raise ValidationError({name: _("最多%(n)d个字。") % {"n": limit}})
    return text


def _changes(topic: Topic, step: TopicStep, note: str, fields: Mapping[str, Any]) -> dict[str, Any]:
    """The fields the step writes, checked."""
    need = need_for(step)
    now = calendar.now()
    changes: dict[str, Any] = {}
    if need.answer:
        changes["answer"] = _text(fields, "answer", _("立案须填写答复意见。"))
        changes["answered_at"] = now
        if topic.number is None:
            changes["number"] = f"YT{calendar.localdate():%Y%m%d}{topic.pk:06d}"
    if need.reason:
        changes["answer"] = _text(fields, "answer", _("不予立案须填写向居民公开的理由。"))
        changes["answered_at"] = now
        changes["answer_published_at"] = now
    if need.mode:
        mode = str(fields.get("mode") or "")
        if mode not in DeliberationMode.values:
            raise ValidationError({"mode": _("请选择协商方式。")})
        changes["mode"] = mode
        if mode == DeliberationMode.ONLINE:
            changes["consultation_deadline"] = _future(
                fields.get("consultation_deadline"), "consultation_deadline"
            )
        else:
            changes["consultation_deadline"] = None
    if need.decision:
        changes["decision"] = _text(fields, "decision", _("请填写协商形成的决定。"))
        changes["decided_at"] = now
    if need.responsible:
        changes["responsible_party"] = _text(
            fields, "responsible_party", _("请填写落实责任方。"), limit=100
        )
        changes["implementation_deadline"] = _future(
            fields.get("implementation_deadline"), "implementation_deadline"
        )
    if need.completion:
        if not note.strip():
            raise ValidationError({"note": _("请填写落实完成情况。")})
        changes["review_deadline"] = _future(fields.get("review_deadline"), "review_deadline")
    if need.reopen and not note.strip():
        raise ValidationError({"note": _("请说明重新落实的原因。")})
    if step.target.requires_note and not note.strip():
        raise ValidationError({"note": _("进入该状态须填写说明。")})
    return changes


def _check_actor(topic: Topic, step: TopicStep, by: Any) -> None:
    if step.actor == StepActor.SYSTEM:
        if by is not None:
            raise PermissionDenied(_("这一步由系统自动完成，不能手动操作。"))
    elif step.actor == StepActor.AUTHOR:
        if by is None or by.pk != topic.author_id:
            raise PermissionDenied(_("只有议题的提出人可以进行此操作。"))
        if step.target.stage == G.WITHDRAWN and topic.cosign_count > 0:
            raise ValidationError(_("已有居民联署的议题不能撤回。"))
    else:
        if by is None:
            return
        require_topics(by, topic.community)


def _move(
    topic: Topic,
    target: TopicState,
    *,
    by: Any,
    note: str,
    changes: dict[str, Any],
    overridden: bool = False,
) -> Topic:
    source_id = topic.state_id
    version = topic.version
    moved = Topic.objects.filter(pk=topic.pk, version=version, state_id=source_id).update(
        state=target, version=F("version") + 1, **changes
    )
    if moved != 1:
        raise ValidationError(_stale())
    TopicTransition.objects.create(
        topic=topic,
        source_id=source_id,
        target=target,
        by=by,
        note=note.strip()[:2000],
        overridden=overridden,
    )
    topic.state = target
    topic.version = version + 1
    for key, value in changes.items():
        setattr(topic, key, value)
    audit.record(
        "participation.topic_override" if overridden else "participation.topic_step",
        obj=topic,
        actor=by,
        fields=["state", *changes],
        reason=target.code,
    )
    return topic


@transaction.atomic
def fire_step(topic: Topic, step_id: Any, *, by: Any, note: str = "", **fields: Any) -> Topic:
    """Take step ``step_id`` of the topic's workflow from its current state."""
    step = (
        TopicStep.objects.select_related("source", "target")
        .filter(pk=_id(step_id), workflow_id=topic.workflow_id)
        .first()
    )
    if step is None:
        raise ValidationError(_("该操作不存在，请刷新后重试。"))
    if step.source_id != topic.state_id:
        raise ValidationError(_stale())
    _check_actor(topic, step, by)
    changes = _changes(topic, step, note or "", fields)
    return _move(topic, step.target, by=by, note=note or "", changes=changes)


@transaction.atomic
def override_state(topic: Topic, state_id: Any, *, by: Any, note: str) -> Topic:
    """A manager moves the topic to any state of its workflow, with a note (logged as overridden)."""
    require_configure(by, topic.community)
    target = TopicState.objects.filter(pk=_id(state_id), workflow_id=topic.workflow_id).first()
    if target is None:
        raise ValidationError({"state": _("请选择本议题流程中的状态。")})
    if target.pk == topic.state_id:
        raise ValidationError({"state": _("议题已经处于该状态。")})
    if not (note or "").strip():
        raise ValidationError({"note": _("越过流程调整状态须填写说明。")})
    return _move(topic, target, by=by, note=note, changes={}, overridden=True)


def _step_into(topic: Topic, stage: str, actor: str | None = None) -> TopicStep | None:
    steps = TopicStep.objects.select_related("source", "target").filter(
        workflow_id=topic.workflow_id, source_id=topic.state_id, target__stage=stage
    )
    if actor is not None:
        steps = steps.filter(actor=actor)
    return steps.order_by("pk").first()


@transaction.atomic
def record_decision(topic: Topic, *, by: Any, text: str) -> Topic:
    """The meeting (or online consultation) decided: move a topic in a ``deliberating`` state to
    its workflow's ``decided`` state, storing the decision text and time."""
    topic = Topic.objects.select_related("state", "community", "grid").get(pk=topic.pk)
    if topic.state.stage != G.DELIBERATING:
        raise ValidationError(
            _("议题“%(title)s”当前为“%(state)s”，不在协商中，不能记录决定。")
            % {"title": topic.title, "state": topic.state.name}
        )
    step = _step_into(topic, G.DECIDED, StepActor.STAFF) or _step_into(topic, G.DECIDED)
    if step is None:
        raise ValidationError(_("本议题流程中没有从协商到形成决定的流转。"))
    if not (text or "").strip():
        raise ValidationError({"decision": _("请填写协商形成的决定。")})
    if by is not None:
        require_topics(by, topic.community)
    return fire_step(
        topic, step.pk, by=None if step.actor == StepActor.SYSTEM else by, decision=text
    )


# --- Residents: co-sign, opinion, review, withdraw ------------------------------------------------


@transaction.atomic
def cosign(topic: Topic, *, by: Any) -> Topic:
    """A verified resident of the topic's community supports it, once. Reaching the threshold moves
    the topic to admission review in the same transaction."""
    topic = Topic.objects.select_related("state", "community").get(pk=topic.pk)
    resident = verified_resident(by, topic.community)
    if topic.state.stage != G.COLLECTING:
        raise ValidationError(_("该议题已不在征集联署阶段，不能联署。"))
    if topic.cosign_deadline is not None and calendar.localdate() > topic.cosign_deadline:
        raise ValidationError(
            _("联署已于%(day)s截止。") % {"day": topic.cosign_deadline.isoformat()}
        )
    if topic.author_id == by.pk or (topic.proposer_id and topic.proposer_id == resident.pk):
        raise ValidationError(_("您是该议题的提出人，已计为第一位支持者，无须联署。"))
    try:
        with transaction.atomic():
            CoSign.objects.create(topic=topic, resident=resident, user=by)
    except IntegrityError:
        raise ValidationError(_("您已经联署过该议题了。")) from None
    Topic.objects.filter(pk=topic.pk).update(
        cosign_count=F("cosign_count") + 1, version=F("version") + 1
    )
    topic.refresh_from_db(fields=["cosign_count", "version", "state"])
    audit.record("participation.topic_cosign", obj=topic, actor=by)
    if topic.cosign_threshold and topic.cosign_count >= topic.cosign_threshold:
        step = _step_into(topic, G.REVIEWING_ADMISSION, StepActor.SYSTEM)
        if step is not None:
            locked = Topic.objects.select_for_update().get(pk=topic.pk)
            if locked.state_id == step.source_id:
                _move(locked, step.target, by=None, note="", changes={})
                topic.refresh_from_db()
    return topic


def _opinion_open(topic: Topic) -> None:
    if topic.state.stage != G.DELIBERATING or topic.mode != DeliberationMode.ONLINE:
        raise ValidationError(_("该议题现在没有在网上征求意见。"))
    if topic.consultation_deadline and calendar.localdate() > topic.consultation_deadline:
        raise ValidationError(
            _("征求意见已于%(day)s截止。") % {"day": topic.consultation_deadline.isoformat()}
        )


@transaction.atomic
def give_opinion(topic: Topic, *, by: Any, body: str) -> TopicOpinion:
    topic = Topic.objects.select_related("state", "community").get(pk=topic.pk)
    resident = verified_resident(by, topic.community)
    _opinion_open(topic)
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("请填写您的意见。")})
    if len(body) > 2000:
        raise ValidationError({"body": _("意见最多2000个字。")})
    check_text(body, community=topic.community, field="body")
    opinion = TopicOpinion.objects.create(topic=topic, resident=resident, user=by, body=body)
    audit.record("participation.topic_opinion", obj=topic, actor=by)
    return opinion


@transaction.atomic
def review(topic: Topic, *, by: Any, score: Any, comment: str = "") -> TopicReview:
    """A resident's review (评议) of the outcome while the topic is being reviewed: once each."""
    topic = Topic.objects.select_related("state", "community").get(pk=topic.pk)
    resident = verified_resident(by, topic.community)
    if topic.state.stage != G.REVIEWING:
        raise ValidationError(_("该议题现在不在居民评议阶段。"))
    try:
        value = int(score)
    except (TypeError, ValueError):
        raise ValidationError({"score": _("请选择1到5分的评分。")}) from None
    if not 1 <= value <= 5:
        raise ValidationError({"score": _("请选择1到5分的评分。")})
    comment = (comment or "").strip()
    if len(comment) > 1000:
        raise ValidationError({"comment": _("评议意见最多1000个字。")})
    check_text(comment, community=topic.community, field="comment")
    try:
        with transaction.atomic():
            made = TopicReview.objects.create(
                topic=topic, resident=resident, user=by, score=value, comment=comment
            )
    except IntegrityError:
        raise ValidationError(_("您已经评议过该议题了。")) from None
    audit.record("participation.topic_review", obj=topic, actor=by)
    return made


@transaction.atomic
def withdraw(topic: Topic, *, by: Any, note: str = "") -> Topic:
    """The author withdraws their topic while nobody has co-signed it."""
    topic = Topic.objects.select_related("state", "community", "grid").get(pk=topic.pk)
    if by is None or by.pk != topic.author_id:
        raise PermissionDenied(_("只有议题的提出人可以撤回。"))
    if topic.cosign_count > 0:
        raise ValidationError(_("已有居民联署的议题不能撤回。"))
    step = _step_into(topic, G.WITHDRAWN, StepActor.AUTHOR)
    if step is None:
        raise ValidationError(_("议题当前状态下不能撤回。"))
    # The co-sign count is checked again in the conditional UPDATE below through the version.
    return fire_step(topic, step.pk, by=by, note=note)


# --- Staff: hiding residents' opinions -----------------------------------------------------------

MAX_HIDE_REASON = 300


def require_moderate(by: Any, community: Region) -> None:
    require_place(
        by, Perm.MODERATE, community.path, _("不在您的管辖范围内，或您没有审核居民意见的权限。")
    )


def _reason(reason: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise ValidationError({"reason": _("请填写理由。")})
    if len(text) > MAX_HIDE_REASON:
        raise ValidationError({"reason": _("最多%(n)d个字。") % {"n": MAX_HIDE_REASON}})
    return text


def _opinion_topic(opinion: TopicOpinion) -> Topic:
    return Topic.objects.select_related("community", "grid").get(pk=opinion.topic_id)


def _set_hidden(opinion: TopicOpinion, *, by: Any, reason: str, hidden: bool) -> TopicOpinion:
    topic = _opinion_topic(opinion)
    require_moderate(by, topic.community)
    text = _reason(reason)
    moved = TopicOpinion.objects.filter(pk=opinion.pk, is_hidden=not hidden).update(
        is_hidden=hidden, hidden_reason=text if hidden else ""
    )
    if moved != 1:
        raise ValidationError(_("该意见已经隐藏了。") if hidden else _("该意见没有被隐藏。"))
    opinion.refresh_from_db()
    audit.record(
        "participation.topic_opinion_hide" if hidden else "participation.topic_opinion_restore",
        obj=opinion,
        actor=by,
        region=topic.community,
        object_repr=topic.title,
        fields=["is_hidden"],
        reason=text,
    )
    return opinion


@transaction.atomic
def hide_opinion(opinion: TopicOpinion, *, by: Any, reason: str) -> TopicOpinion:
    """Hide a resident's opinion from residents (staff still see it, marked hidden), with a reason.
    A moderator (``participation.moderate`` over the topic's community) does it; an opinion already
    hidden is refused (one conditional UPDATE: two moderators clicking at once do not both act)."""
    return _set_hidden(opinion, by=by, reason=reason, hidden=True)


@transaction.atomic
def restore_opinion(opinion: TopicOpinion, *, by: Any, reason: str) -> TopicOpinion:
    """Show a hidden opinion to residents again, with a reason (kept in the audit trail)."""
    return _set_hidden(opinion, by=by, reason=reason, hidden=False)


# --- Staff: answer and progress -------------------------------------------------------------------


@transaction.atomic
def save_answer(topic: Topic, *, by: Any, text: str) -> Topic:
    """Save the official answer; saving again withdraws a published one until it is published."""
    require_topics(by, topic.community)
    text = (text or "").strip()
    if not text:
        raise ValidationError({"answer": _("请填写答复内容。")})
    if len(text) > 4000:
        raise ValidationError({"answer": _("答复最多4000个字。")})
    now = calendar.now()
    Topic.objects.filter(pk=topic.pk).update(
        answer=text, answered_at=now, answer_published_at=None, version=F("version") + 1
    )
    topic.refresh_from_db()
    audit.record("participation.topic_answer", obj=topic, actor=by, fields=["answer"])
    return topic


@transaction.atomic
def publish_answer(topic: Topic, *, by: Any) -> Topic:
    require_topics(by, topic.community)
    moved = (
        Topic.objects.filter(pk=topic.pk, answer_published_at__isnull=True)
        .exclude(answer="")
        .update(answer_published_at=calendar.now(), version=F("version") + 1)
    )
    if not moved:
        topic.refresh_from_db()
        if not topic.answer:
            raise ValidationError(_("请先填写并保存答复，再公开。"))
        raise ValidationError(_("答复已经公开了。"))
    topic.refresh_from_db()
    audit.record("participation.topic_answer_publish", obj=topic, actor=by)
    return topic


@transaction.atomic
def add_progress(topic: Topic, *, by: Any, body: str, percent: Any) -> ProgressUpdate:
    """A progress update (落实进展) while the topic is being implemented."""
    require_topics(by, topic.community)
    topic = Topic.objects.select_related("state").get(pk=topic.pk)
    if topic.state.stage != G.IMPLEMENTING:
        raise ValidationError(_("只有落实中的议题才能发布落实进展。"))
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("请填写进展情况。")})
    if len(body) > 2000:
        raise ValidationError({"body": _("进展情况最多2000个字。")})
    value = _int(percent, "percent", low=0, high=100)
    update = ProgressUpdate.objects.create(topic=topic, by=by, body=body, percent=value)
    audit.record("participation.topic_progress", obj=topic, actor=by)
    return update


# --- Nightly ---------------------------------------------------------------------------------------


def _system_sweep(stage_from: str, stage_to: str, date_field: str, today: date) -> int:
    moved = 0
    steps = TopicStep.objects.select_related("source", "target").filter(
        actor=StepActor.SYSTEM, source__stage=stage_from, target__stage=stage_to
    )
    for step in steps:
        with transaction.atomic():
            ids = list(
                Topic.objects.select_for_update(skip_locked=True)
                .filter(state_id=step.source_id, **{f"{date_field}__lt": today})
                .values_list("pk", flat=True)
            )
            if not ids:
                continue
            count = Topic.objects.filter(pk__in=ids, state_id=step.source_id).update(
                state_id=step.target_id, version=F("version") + 1
            )
            now = calendar.now()
            TopicTransition.objects.bulk_create(
                TopicTransition(
                    topic_id=pk, source_id=step.source_id, target_id=step.target_id, at=now
                )
                for pk in ids
            )
            moved += count
    return moved


def nightly_sweep(today: date | None = None) -> dict[str, int]:
    """Expire collecting topics past their co-sign deadline and archive reviewed topics past their
    review deadline (system steps). Idempotent: a second run finds nothing to move."""
    day = today or calendar.localdate()
    return {
        "expired": _system_sweep(G.COLLECTING, G.EXPIRED, "cosign_deadline", day),
        "archived": _system_sweep(G.REVIEWING, G.ARCHIVED, "review_deadline", day),
    }
