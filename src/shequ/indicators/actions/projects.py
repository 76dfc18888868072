"""Every write to work projects (项目化推进): projects with their declared workflow, milestones, progress
reports, and the daily escalation of overdue milestones.

Managing a project needs ``IndicatorPerm.PROJECTS`` over its region. A progress report may also come
from the staff of the milestone's responsible unit or its named person, who need no indicators
permission. Each action checks every field before writing, with a message naming what is wrong,
writes in one transaction and audits inside it; edits carry the ``version`` the editor read and a
stale one is refused; workflow transitions are one conditional UPDATE (``core.workflow``).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Max
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shequ.accounts.models import HandlingUnit, RoleAssignment, User
from shequ.accounts.queries import holders
from shequ.core import audit, calendar, notifications
from shequ.core.fielderrors import FieldErrors, clean_text, required_date
from shequ.core.scoping import require_place
from shequ.core.workflow import Transition, Workflow
from shequ.indicators.definitions import BY_CODE
from shequ.indicators.models import (
    Escalation,
    Milestone,
    MilestoneReport,
    ProjectStatus,
    WorkProject,
)
from shequ.indicators.permissions import IndicatorPerm
from shequ.indicators.queries.projects import (
    OWNER_LEVELS,
    eligible_units,
    may_report,
    overdue_milestones,
    person_candidates,
)
from shequ.participation.actions.disclosures import prepare_file
from shequ.territory.models import Region

PROJECTS = IndicatorPerm.PROJECTS
PROJECT_FIELDS = ("title", "plan_task", "indicator", "description", "starts_on", "ends_on")
MILESTONE_FIELDS = ("title", "due_on", "position")
OPEN_STATUSES = (ProjectStatus.DRAFT, ProjectStatus.RUNNING)
NOTIFY_TOPIC = "indicators.milestone_overdue"


def escalation_working_days() -> int:
    """Working days overdue before a milestone goes up a level (the project's own level after N,
    the level above after 2N)."""
    return int(getattr(settings, "SHEQU_MILESTONE_ESCALATION_WORKING_DAYS", 3))


def _refusal() -> str:
    return _("该工作项目不在您的管辖范围内，或您没有管理工作项目的权限。")


def _require_manager(by: Any, project: WorkProject) -> None:
    require_place(by, PROJECTS, project.region.path, _refusal())


PROJECT_WORKFLOW = Workflow(
    transitions=[
        Transition(
            "start",
            (ProjectStatus.DRAFT,),
            ProjectStatus.RUNNING,
            PROJECTS,
            gettext_lazy("开始实施"),
        ),
        Transition(
            "complete",
            (ProjectStatus.RUNNING,),
            ProjectStatus.COMPLETED,
            PROJECTS,
            gettext_lazy("完成项目"),
            "success",
        ),
        Transition(
            "cancel",
            (ProjectStatus.DRAFT, ProjectStatus.RUNNING),
            ProjectStatus.CANCELLED,
            PROJECTS,
            gettext_lazy("撤销项目"),
            "danger",
        ),
    ]
)


# --- Checking input --------------------------------------------------------------------------------


def _unit(value: Any, region: Region, label: str) -> HandlingUnit:
    if value is None or value == "":
        raise ValidationError(_("请选择%(label)s。") % {"label": label})
    unit_id = value.pk if isinstance(value, HandlingUnit) else value
    found = eligible_units(region).filter(pk=unit_id).first()
    if found is None:
        raise ValidationError(
            _("%(label)s应是%(place)s或其下级的单位。") % {"label": label, "place": region.name}
        )
    return found


def _clean_project(values: Mapping[str, Any], *, region: Region) -> dict[str, Any]:
    errors = FieldErrors()
    cleaned: dict[str, Any] = {
        "title": clean_text(values, "title", 150),
        "plan_task": clean_text(values, "plan_task", 300),
        "indicator": clean_text(values, "indicator", 48),
        "description": str(values.get("description") or "").strip()[:8000],
    }
    if not cleaned["title"]:
        errors.add("title", _("请填写项目名称。"))
    if not cleaned["plan_task"]:
        errors.add("plan_task", _("请填写项目落实的规划任务（章节或条目）。"))
    if cleaned["indicator"] and cleaned["indicator"] not in BY_CODE:
        errors.add("indicator", _("关联指标不正确。"))
    starts = errors.check("starts_on", required_date, values.get("starts_on"), _("开始日期"))
    ends = errors.check("ends_on", required_date, values.get("ends_on"), _("完成期限"))
    if starts and ends and ends < starts:
        errors.add("ends_on", _("完成期限不能早于开始日期。"))
    cleaned["starts_on"], cleaned["ends_on"] = starts, ends
    cleaned["lead_unit"] = errors.check(
        "lead_unit", _unit, values.get("lead_unit"), region, _("牵头单位")
    )
    errors.raise_if_any()
    return cleaned


# --- Projects --------------------------------------------------------------------------------------


@transaction.atomic
def create_project(*, region: Region, by: Any, **values: Any) -> WorkProject:
    """A project of a city, county or township, as a draft to which milestones are added."""
    if region is None or region.level not in OWNER_LEVELS:
        raise ValidationError({"region": _("工作项目应由市、县(市、区)或镇(街道)承担。")})
    require_place(by, PROJECTS, region.path, _refusal())
    cleaned = _clean_project(values, region=region)
    project = WorkProject.objects.create(region=region, created_by=by, **cleaned)
    audit.record("indicators.project_create", obj=project, actor=by, fields=sorted(cleaned))
    return project


@transaction.atomic
def update_project(
    *, project: WorkProject, by: Any, version: int | None = None, **values: Any
) -> WorkProject:
    """Correct a draft or running project; its milestones must stay within its period."""
    _require_manager(by, project)
    if project.status not in OPEN_STATUSES:
        raise ValidationError(_("已完成或已撤销的项目不能再修改。"))
    merged: dict[str, Any] = {name: getattr(project, name) for name in PROJECT_FIELDS}
    merged["lead_unit"] = project.lead_unit_id
    merged.update({k: v for k, v in values.items() if k in (*PROJECT_FIELDS, "lead_unit")})
    cleaned = _clean_project(merged, region=project.region)
    outside = list(
        project.milestones.exclude(
            due_on__range=(cleaned["starts_on"], cleaned["ends_on"])
        ).values_list("title", flat=True)
    )
    if outside:
        raise ValidationError(
            {
                "ends_on": _("节点“%(names)s”的完成期限不在新的项目周期内，请先调整节点。")
                % {"names": "、".join(outside)}
            }
        )
    before = {name: getattr(project, name) for name in (*PROJECT_FIELDS, "lead_unit")}
    seen = project.version if version is None else version
    updated = WorkProject.objects.filter(
        pk=project.pk, version=seen, status__in=OPEN_STATUSES
    ).update(**cleaned, version=F("version") + 1)
    if updated != 1:
        raise ValidationError(_("该项目刚刚已被他人修改，请重新打开后再修改。"))
    project.refresh_from_db()
    audit.record(
        "indicators.project_update",
        obj=project,
        actor=by,
        fields=audit.changed_fields(before, cleaned),
    )
    return project


@transaction.atomic
def transition_project(
    *, project: WorkProject, transition: str, by: Any, reason: str = "", version: int | None = None
) -> WorkProject:
    """Fire ``transition`` of ``PROJECT_WORKFLOW``: starting needs at least one milestone, completing
    needs every milestone done, cancelling needs the reason."""
    _require_manager(by, project)
    if version is not None and version != project.version:
        raise ValidationError(_("该项目刚刚已被他人修改，请刷新页面查看最新状态。"))
    reason = (reason or "").strip()
    changes: dict[str, Any] = {}
    if transition == "start" and not project.milestones.exists():
        raise ValidationError(_("请先为项目列出至少一个节点，再开始实施。"))
    if transition == "complete":
        open_titles = list(
            project.milestones.filter(done_on__isnull=True).values_list("title", flat=True)
        )
        if open_titles:
            raise ValidationError(
                _("还有节点未完成：%(names)s。每个节点都须有完成报告，项目才能完成。")
                % {"names": "、".join(open_titles)}
            )
        changes["completed_on"] = calendar.localdate()
    if transition == "cancel":
        if not reason:
            raise ValidationError({"reason": _("请填写撤销项目的原因。")})
        changes["cancel_reason"] = reason[:2000]
    PROJECT_WORKFLOW.fire(project, transition, by=by, **changes)
    audit.record(
        f"indicators.project_{transition}",
        obj=project,
        actor=by,
        fields=["status", *changes],
        reason=reason,
    )
    return project


# --- Milestones ------------------------------------------------------------------------------------


def _person(value: Any, region: Region) -> User | None:
    if value in (None, ""):
        return None
    person_id = value.pk if isinstance(value, User) else value
    found = person_candidates(region).filter(pk=person_id).first()
    if found is None:
        raise ValidationError(
            _("责任人应是责任单位或%(place)s在岗的工作人员。") % {"place": region.name}
        )
    return found


def _clean_milestone(values: Mapping[str, Any], *, project: WorkProject) -> dict[str, Any]:
    errors = FieldErrors()
    cleaned: dict[str, Any] = {"title": clean_text(values, "title", 150)}
    if not cleaned["title"]:
        errors.add("title", _("请填写节点名称。"))
    due = errors.check("due_on", required_date, values.get("due_on"), _("完成期限"))
    if due and not (project.starts_on <= due <= project.ends_on):
        errors.add(
            "due_on",
            _("完成期限应在项目周期 %(start)s 至 %(end)s 之内。")
            % {"start": project.starts_on, "end": project.ends_on},
        )
    cleaned["due_on"] = due
    cleaned["responsible_unit"] = errors.check(
        "responsible_unit", _unit, values.get("responsible_unit"), project.region, _("责任单位")
    )
    cleaned["responsible_person"] = errors.check(
        "responsible_person", _person, values.get("responsible_person"), project.region
    )
    position = values.get("position")
    if position not in (None, ""):
        try:
            number = int(str(position))
        except (TypeError, ValueError):
            number = 0
        if not 1 <= number <= 999:
            errors.add("position", _("序号应是 1～999 的整数。"))
        cleaned["position"] = number
    errors.raise_if_any()
    return cleaned


def _lock(project: WorkProject) -> WorkProject:
    """The project row locked, so that milestones and the workflow do not cross."""
    return WorkProject.objects.select_for_update().select_related("region").get(pk=project.pk)


@transaction.atomic
def add_milestone(*, project: WorkProject, by: Any, **values: Any) -> Milestone:
    """A milestone added to a draft or running project (at the end of the list unless numbered)."""
    _require_manager(by, project)
    locked = _lock(project)
    if locked.status not in OPEN_STATUSES:
        raise ValidationError(_("已完成或已撤销的项目不能再添加节点。"))
    cleaned = _clean_milestone(values, project=locked)
    if "position" not in cleaned:
        last = locked.milestones.aggregate(last=Max("position"))["last"] or 0
        cleaned["position"] = last + 1
    milestone = Milestone.objects.create(project=locked, **cleaned)
    audit.record("indicators.milestone_add", obj=milestone, actor=by, fields=sorted(cleaned))
    return milestone


@transaction.atomic
def update_milestone(
    *, milestone: Milestone, by: Any, version: int | None = None, **values: Any
) -> Milestone:
    """Correct an open milestone of a draft or running project. A deadline moved to today or later
    starts its escalation afresh."""
    project = milestone.project
    _require_manager(by, project)
    locked = _lock(project)
    if locked.status not in OPEN_STATUSES:
        raise ValidationError(_("已完成或已撤销的项目不能再修改节点。"))
    if milestone.done_on is not None:
        raise ValidationError(_("已完成的节点不能再修改。"))
    names = (*MILESTONE_FIELDS, "responsible_unit", "responsible_person")
    merged: dict[str, Any] = {
        "title": milestone.title,
        "due_on": milestone.due_on,
        "position": milestone.position,
        "responsible_unit": milestone.responsible_unit_id,
        "responsible_person": milestone.responsible_person_id,
    }
    merged.update({k: v for k, v in values.items() if k in names})
    cleaned = _clean_milestone(merged, project=locked)
    before = {
        "title": milestone.title,
        "due_on": milestone.due_on,
        "position": milestone.position,
        "responsible_unit": milestone.responsible_unit,
        "responsible_person": milestone.responsible_person,
    }
    changes = dict(cleaned)
    if cleaned["due_on"] != milestone.due_on and cleaned["due_on"] >= calendar.localdate():
        changes.update(escalation_level=Escalation.NONE, escalated_at=None)
    seen = milestone.version if version is None else version
    updated = Milestone.objects.filter(pk=milestone.pk, version=seen, done_on__isnull=True).update(
        **changes, version=F("version") + 1
    )
    if updated != 1:
        raise ValidationError(_("该节点刚刚已被他人修改或报告完成，请重新打开后再修改。"))
    milestone.refresh_from_db()
    audit.record(
        "indicators.milestone_update",
        obj=milestone,
        actor=by,
        fields=audit.changed_fields(before, cleaned),
    )
    return milestone


# --- Progress reports ------------------------------------------------------------------------------


def _percent(value: Any) -> int:
    if value in (None, ""):
        raise ValidationError(_("请填写完成进度（0～100）。"))
    try:
        number = int(str(value).strip())
    except ValueError as exc:
        raise ValidationError(_("完成进度应是 0～100 的整数。")) from exc
    if not 0 <= number <= 100:
        raise ValidationError(_("完成进度应在 0～100 之间。"))
    return number


@transaction.atomic
def report_progress(
    *,
    milestone: Milestone,
    by: Any,
    reported_on: Any,
    percent: Any,
    text: str,
    is_final: bool = False,
    upload: Any = None,
) -> MilestoneReport:
    """A dated progress report on a milestone of a running project. A final report (100%) completes
    the milestone on its date: a milestone is completed only this way."""
    if by is None or not may_report(by, milestone):
        raise PermissionDenied(_("只有责任单位的工作人员、责任人和项目管理人员可以报告进展。"))
    errors = FieldErrors()
    day = errors.check("reported_on", required_date, reported_on, _("报告日期"))
    project = milestone.project
    if day and day > calendar.localdate():
        errors.add("reported_on", _("报告日期不能晚于今天。"))
    elif day and day < project.starts_on:
        errors.add(
            "reported_on",
            _("报告日期不能早于项目开始日期 %(start)s。") % {"start": project.starts_on},
        )
    share = errors.check("percent", _percent, percent)
    body = (text or "").strip()[:8000]
    if not body:
        errors.add("text", _("请填写进展情况。"))
    if is_final and share is not None and share != 100:
        errors.add("percent", _("完成报告的完成进度应为 100。"))
    prepared = errors.check("upload", prepare_file, upload) if upload else None
    errors.raise_if_any()
    locked = _lock(project)
    if locked.status != ProjectStatus.RUNNING:
        raise ValidationError(_("只有实施中的项目可以报告进展。"))
    current = Milestone.objects.select_for_update().get(pk=milestone.pk)
    if current.done_on is not None:
        raise ValidationError(_("该节点已完成，不能再报告进展。"))
    report = MilestoneReport(
        milestone=current,
        reported_on=day,
        percent=share,
        text=body,
        is_final=bool(is_final),
        reported_by=by,
    )
    if prepared is not None:
        report.file_name = prepared.name
        report.file_type = prepared.content_type
        report.file_size = len(prepared.content)
        report.file.save(
            f"{secrets.token_hex(16)}.{prepared.extension}",
            ContentFile(prepared.content),
            save=False,
        )
        name, storage = report.file.name, report.file.storage
        try:
            report.save()
        except Exception:
            storage.delete(name)
            raise
    else:
        report.save()
    changes: dict[str, Any] = {"progress": share, "latest_report": report}
    if is_final:
        changes["done_on"] = day
    Milestone.objects.filter(pk=current.pk).update(**changes, version=F("version") + 1)
    milestone.refresh_from_db()
    audit.record(
        "indicators.milestone_final_report" if is_final else "indicators.milestone_report",
        obj=milestone,
        actor=by,
        fields=["progress", "latest_report", *(["done_on"] if is_final else [])],
    )
    return report


# --- Escalation ------------------------------------------------------------------------------------


def _unit_staff(unit_id: int) -> list[User]:
    """Active users holding any role at the unit today."""
    found = (
        RoleAssignment.objects.valid_on(calendar.localdate())
        .filter(handling_unit_id=unit_id, user__is_active=True)
        .select_related("user")
        .order_by()
    )
    return sorted({a.user_id: a.user for a in found}.values(), key=lambda u: u.username)


def _recipients(milestone: Milestone, step: int) -> list[User]:
    project = milestone.project
    if step == Escalation.UNIT:
        people = _unit_staff(milestone.responsible_unit_id)
        person = milestone.responsible_person
        if person is not None and person.is_active and person not in people:
            people.append(person)
        return people
    if step == Escalation.OWNER:
        return holders(PROJECTS, regions=[project.region])
    parent = project.region.parent
    return holders(PROJECTS, regions=[parent]) if parent is not None else []


def target_level(milestone: Milestone, today: date) -> int:
    """The step an overdue milestone should have reached by ``today``."""
    if milestone.done_on is not None or milestone.due_on >= today:
        return Escalation.NONE
    days = calendar.working_days_between(milestone.due_on, today)
    n = escalation_working_days()
    if days >= 2 * n and milestone.project.region.parent_id is not None:
        return Escalation.ABOVE
    if days >= n:
        return Escalation.OWNER
    return Escalation.UNIT


SUBJECTS = {
    Escalation.UNIT: gettext_lazy("项目节点逾期：请责任单位抓紧办理"),
    Escalation.OWNER: gettext_lazy("项目节点逾期未完成，已上报项目所属层级"),
    Escalation.ABOVE: gettext_lazy("项目节点逾期未完成，已上报上一级督办"),
}


@dataclass
class EscalationRun:
    checked: int = 0
    escalated: int = 0
    notified: list[tuple[int, int]] = field(default_factory=list)  # (milestone id, step)


def escalate_overdue(today: date | None = None) -> EscalationRun:
    """The daily sweep: every overdue milestone goes up to the step its working days overdue call
    for, each step's people told once. The step is moved with a conditional UPDATE from the level
    read, so a second run (or two at once) sends nothing new."""
    today = today or calendar.localdate()
    run = EscalationRun()
    candidates = (
        overdue_milestones(today)
        .filter(escalation_level__lt=Escalation.ABOVE)
        .select_related(
            "project",
            "project__region",
            "project__region__parent",
            "responsible_unit",
            "responsible_person",
        )
        .order_by("pk")
    )
    for milestone in candidates.iterator(chunk_size=500):
        run.checked += 1
        target = target_level(milestone, today)
        if target <= milestone.escalation_level:
            continue
        with transaction.atomic():
            now = calendar.now()
            moved = Milestone.objects.filter(
                pk=milestone.pk, escalation_level=milestone.escalation_level, done_on__isnull=True
            ).update(escalation_level=target, escalated_at=now)
            if moved != 1:
                continue
            for step in range(milestone.escalation_level + 1, target + 1):
                _tell(milestone, step, today)
                run.notified.append((milestone.pk, step))
            audit.record(
                "indicators.milestone_escalate",
                obj=milestone,
                fields=["escalation_level", "escalated_at"],
                reason=str(Escalation(target).label),
            )
        run.escalated += 1
    return run


def _tell(milestone: Milestone, step: int, today: date) -> None:
    people = _recipients(milestone, step)
    if not people:
        return
    project = milestone.project
    body = gettext_lazy(
        "%(project)s · %(milestone)s（%(unit)s）：完成期限 %(due)s，已逾期 %(days)s 天。"
    ) % {
        "project": project.title,
        "milestone": milestone.title,
        "unit": milestone.responsible_unit.name,
        "due": milestone.due_on.isoformat(),
        "days": (today - milestone.due_on).days,
    }
    notifications.notify(
        recipients=people,
        topic=NOTIFY_TOPIC,
        subject=SUBJECTS[Escalation(step)],
        body=body,
        url=reverse(
            "indicators:milestone_report",
            kwargs={"project_id": project.pk, "milestone_id": milestone.pk},
        ),
    )
