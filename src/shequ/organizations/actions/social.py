"""Every write to social organisations (V3): organisations with their brand designation, status and
activities; social-work stations and rooms with their staff; service projects (政府购买服务, 公益创投)
with their declared workflow, milestones and evaluation.

Each action checks the actor's jurisdiction over the place it writes to (``require_place``), checks
every field before writing with a message in Chinese naming what is wrong, writes in one transaction
and audits inside it. Workflow transitions move the row with one conditional UPDATE
(``core.workflow``), so two clicks at once cannot both succeed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shequ.core import audit
from shequ.core.fielderrors import FieldErrors, clean_text, optional_date, required_date
from shequ.core.scoping import require_place
from shequ.core.validators import validate_phone, validate_uscc
from shequ.core.workflow import Transition, Workflow
from shequ.organizations.models import (
    OrgActivity,
    OrgKind,
    OrgStatus,
    ProjectGrade,
    ProjectKind,
    ProjectMilestone,
    ProjectStatus,
    RegistrationStatus,
    ServiceProject,
    SiteKind,
    SiteStaff,
    SocialOrganization,
    SocialWorkSite,
)
from shequ.organizations.permissions import OrganizationsPerm
from shequ.territory.models import Level, Region
from shequ.workforce.models import CommunityWorker, QualificationLevel, SocialWorkQualification
from shequ.workforce.models.people import SERVING_STATUSES

EDIT = OrganizationsPerm.EDIT
PROJECTS = OrganizationsPerm.MANAGE_PROJECTS
MAX_MEMBERS = 100_000
MAX_PARTICIPANTS = 1_000_000
MAX_BUDGET = Decimal("9999999999.99")
ORG_FIELDS = (
    "name",
    "kind",
    "registration",
    "uscc",
    "filing_number",
    "founded_on",
    "leader_name",
    "contact_phone",
    "members",
    "services",
)
# Grades follow the score (民政部门项目评估通行分档): 90+ excellent, 80+ good, 60+ pass.
GRADE_FLOORS = (
    (Decimal(90), ProjectGrade.EXCELLENT),
    (Decimal(80), ProjectGrade.GOOD),
    (Decimal(60), ProjectGrade.PASS),
)


def _refusal() -> str:
    return _("该社会组织或服务项目不在您的管辖范围内，或您没有此项权限。")


# --- Declared workflows -----------------------------------------------------------------------------

ORG_STATUS = Workflow(
    transitions=[
        Transition(
            "suspend",
            (OrgStatus.ACTIVE,),
            OrgStatus.DORMANT,
            EDIT,
            gettext_lazy("标记为停止活动"),
            "secondary",
        ),
        Transition(
            "resume", (OrgStatus.DORMANT,), OrgStatus.ACTIVE, EDIT, gettext_lazy("恢复活动")
        ),
        Transition(
            "dissolve",
            (OrgStatus.ACTIVE, OrgStatus.DORMANT),
            OrgStatus.DISSOLVED,
            EDIT,
            gettext_lazy("注销"),
            "danger",
        ),
    ]
)

PROJECT_WORKFLOW = Workflow(
    transitions=[
        Transition(
            "start",
            (ProjectStatus.PLANNED,),
            ProjectStatus.RUNNING,
            PROJECTS,
            gettext_lazy("开始实施"),
        ),
        Transition(
            "finish",
            (ProjectStatus.RUNNING,),
            ProjectStatus.FINISHED,
            PROJECTS,
            gettext_lazy("结项"),
        ),
        Transition(
            "terminate",
            (ProjectStatus.PLANNED, ProjectStatus.RUNNING),
            ProjectStatus.TERMINATED,
            PROJECTS,
            gettext_lazy("终止项目"),
            "danger",
        ),
    ]
)


# --- Checking ---------------------------------------------------------------------------------------


def _not_future(day: date | None, label: str) -> date | None:
    if day is not None and day > timezone.localdate():
        raise ValidationError(_("%(label)s不能晚于今天。") % {"label": label})
    return day


def _count(value: Any, label: str, limit: int) -> int:
    if value in (None, ""):
        return 0
    try:
        number = int(value)
    except (TypeError, ValueError) as exc:
        raise ValidationError(_("%(label)s应为整数。") % {"label": label}) from exc
    if number < 0 or number > limit:
        raise ValidationError(
            _("%(label)s应在 0～%(max)s 之间。") % {"label": label, "max": f"{limit:,}"}
        )
    return number


def _choice(value: Any, choices: Any, message: str) -> str:
    if value not in choices.values:
        raise ValidationError(message)
    return str(value)


def _covers(by: Any, perm: str, path: str) -> bool:
    return by is None or (by.has_permission(perm) and by.jurisdiction(perm).covers_path(path))


def _township_of(region: Region) -> Region:
    return region if region.level == Level.TOWNSHIP else region.parent  # type: ignore[return-value]


# --- Social organisations -----------------------------------------------------------------------------


def _clean_org(values: Mapping[str, Any], *, current: SocialOrganization | None) -> dict[str, Any]:
    errors = FieldErrors()
    cleaned: dict[str, Any] = {
        "name": clean_text(values, "name", 120),
        "leader_name": clean_text(values, "leader_name", 60),
        "services": str(values.get("services") or "").strip()[:4000],
        "filing_number": clean_text(values, "filing_number", 40),
    }
    if not cleaned["name"]:
        errors.add("name", _("请填写组织名称。"))
    cleaned["kind"] = errors.check(
        "kind", _choice, values.get("kind"), OrgKind, _("请选择组织类型。")
    )
    registration = errors.check(
        "registration",
        _choice,
        values.get("registration"),
        RegistrationStatus,
        _("请选择登记备案方式：民政登记或街道(乡镇)备案。"),
    )
    cleaned["registration"] = registration
    raw_uscc = str(values.get("uscc") or "").strip()
    cleaned["uscc"] = ""
    if registration == RegistrationStatus.REGISTERED:
        if not raw_uscc:
            errors.add("uscc", _("在民政部门登记的社会组织应填写统一社会信用代码。"))
        else:
            uscc = errors.check("uscc", validate_uscc, raw_uscc)
            if uscc:
                clash = SocialOrganization.objects.filter(uscc=uscc)
                if current is not None:
                    clash = clash.exclude(pk=current.pk)
                if clash.exists():
                    errors.add(
                        "uscc",
                        _("统一社会信用代码 %(code)s 已被另一个社会组织登记，请核对。")
                        % {"code": uscc},
                    )
                cleaned["uscc"] = uscc or ""
    elif registration == RegistrationStatus.FILED:
        if not cleaned["filing_number"]:
            errors.add("filing_number", _("在街道(乡镇)备案的社会组织应填写备案编号。"))
        if raw_uscc:
            uscc = errors.check("uscc", validate_uscc, raw_uscc)
            cleaned["uscc"] = ""
            if uscc:
                errors.add(
                    "uscc", _("备案的社会组织没有统一社会信用代码；已登记的请选择“民政登记”。")
                )
    founded = errors.check("founded_on", optional_date, values.get("founded_on"), _("成立日期"))
    cleaned["founded_on"] = errors.check("founded_on", _not_future, founded, _("成立日期"))
    phone = str(values.get("contact_phone") or "").strip()
    cleaned["contact_phone"] = errors.check("contact_phone", validate_phone, phone) if phone else ""
    cleaned["members"] = errors.check(
        "members", _count, values.get("members"), _("成员数"), MAX_MEMBERS
    )
    errors.raise_if_any()
    return cleaned


def _org_place(region: Region) -> None:
    if region.level not in (Level.TOWNSHIP, Level.COMMUNITY):
        raise ValidationError({"region": _("社区社会组织应登记到镇(街道)或村(社区)。")})


def _name_free(region: Region, name: str, current: SocialOrganization | None) -> None:
    clash = SocialOrganization.objects.filter(region=region, name=name)
    if current is not None:
        clash = clash.exclude(pk=current.pk)
    if clash.exists():
        raise ValidationError(
            {
                "name": _("“%(place)s”已有名为“%(name)s”的社会组织。")
                % {"place": region.name, "name": name}
            }
        )


@transaction.atomic
def register_organization(
    *, region: Region, by: Any, is_synthetic: bool = False, **values: Any
) -> SocialOrganization:
    """A community social organisation at a township or community ``by`` may edit."""
    _org_place(region)
    require_place(by, EDIT, region.path, _refusal())
    cleaned = _clean_org(values, current=None)
    _name_free(region, cleaned["name"], None)
    try:
        with transaction.atomic():
            org = SocialOrganization.objects.create(
                region=region, is_synthetic=is_synthetic, **cleaned
            )
    except IntegrityError as exc:
        # Two registrations of one code or name at once: the second one loses here.
        raise ValidationError({"uscc": _("统一社会信用代码或名称刚刚已被登记，请核对。")}) from exc
    audit.record("organizations.org_register", obj=org, actor=by, fields=sorted(cleaned))
    return org


def reveal_contact(*, organization: SocialOrganization, reason: str, by: Any) -> str:
    """The organisation's contact phone in full, for staff who may edit it and say why. Audited."""
    return audit.reveal(
        organization,
        "contact_phone",
        reason=reason,
        allowed=("contact_phone",),
        action="organizations.reveal",
        actor=by,
        require=lambda: require_place(by, EDIT, organization.region.path, _refusal()),
        object_repr=organization.name,
        region=organization.region,
    )


@transaction.atomic
def update_organization(
    *, organization: SocialOrganization, by: Any, version: int | None = None, **values: Any
) -> SocialOrganization:
    """Change an organisation's facts; ``version`` is the one the editor read (a stale one is refused)."""
    require_place(by, EDIT, organization.region.path, _refusal())
    merged = {name: getattr(organization, name) for name in ORG_FIELDS}
    merged.update({k: v for k, v in values.items() if k in ORG_FIELDS})
    cleaned = _clean_org(merged, current=organization)
    _name_free(organization.region, cleaned["name"], organization)
    before = {name: getattr(organization, name) for name in ORG_FIELDS}
    seen = organization.version if version is None else version
    try:
        with transaction.atomic():
            updated = SocialOrganization.objects.filter(pk=organization.pk, version=seen).update(
                **cleaned, version=F("version") + 1, updated_at=timezone.now()
            )
    except IntegrityError as exc:
        raise ValidationError({"uscc": _("统一社会信用代码或名称与其他社会组织重复。")}) from exc
    if updated != 1:
        raise ValidationError(_("该社会组织刚刚已被他人修改，请重新打开后再修改。"))
    organization.refresh_from_db()
    audit.record(
        "organizations.org_update",
        obj=organization,
        actor=by,
        fields=audit.changed_fields(before, cleaned),
    )
    return organization


@transaction.atomic
def designate_brand(
    *, organization: SocialOrganization, by: Any, since: Any = None
) -> SocialOrganization:
    """Designate a 品牌社会组织 from ``since`` (today when not given)."""
    require_place(by, EDIT, organization.region.path, _refusal())
    day = (
        _not_future(optional_date(since, _("认定日期")), _("认定日期"))
        if since
        else timezone.localdate()
    )
    if organization.status != OrgStatus.ACTIVE:
        raise ValidationError(_("只有正常活动的社会组织可以认定为品牌社会组织。"))
    if organization.founded_on and day and day < organization.founded_on:
        raise ValidationError({"brand_since": _("认定日期不能早于成立日期。")})
    updated = SocialOrganization.objects.filter(pk=organization.pk, is_brand=False).update(
        is_brand=True, brand_since=day, version=F("version") + 1, updated_at=timezone.now()
    )
    if updated != 1:
        raise ValidationError(_("该组织已经是品牌社会组织。"))
    organization.refresh_from_db()
    audit.record("organizations.org_brand", obj=organization, actor=by, fields=["is_brand"])
    return organization


@transaction.atomic
def revoke_brand(*, organization: SocialOrganization, by: Any, reason: str) -> SocialOrganization:
    require_place(by, EDIT, organization.region.path, _refusal())
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写撤销品牌认定的原因。")})
    updated = SocialOrganization.objects.filter(pk=organization.pk, is_brand=True).update(
        is_brand=False, brand_since=None, version=F("version") + 1, updated_at=timezone.now()
    )
    if updated != 1:
        raise ValidationError(_("该组织不是品牌社会组织。"))
    organization.refresh_from_db()
    audit.record(
        "organizations.org_brand_revoke",
        obj=organization,
        actor=by,
        fields=["is_brand"],
        reason=reason,
    )
    return organization


@transaction.atomic
def change_organization_status(
    *, organization: SocialOrganization, transition: str, by: Any, reason: str = ""
) -> SocialOrganization:
    """Fire ``transition`` of ``ORG_STATUS`` (停止活动, 恢复, 注销); dissolving also ends a brand."""
    require_place(by, EDIT, organization.region.path, _refusal())
    changes: dict[str, Any] = {"updated_at": timezone.now()}
    if transition == "dissolve":
        if not (reason or "").strip():
            raise ValidationError({"reason": _("请填写注销原因。")})
        changes.update(is_brand=False, brand_since=None)
    ORG_STATUS.fire(organization, transition, by=by, **changes)
    audit.record(
        f"organizations.org_{transition}",
        obj=organization,
        actor=by,
        fields=["status"],
        reason=(reason or "").strip(),
    )
    return organization


def activity_area_path(organization: SocialOrganization) -> str:
    """The path under which an organisation's activities may be held: its township's communities."""
    return _township_of(organization.region).path


@transaction.atomic
def record_activity(
    *, organization: SocialOrganization, community: Region, by: Any, **values: Any
) -> OrgActivity:
    """An activity the organisation held in a community of its township (or its own community)."""
    require_place(by, EDIT, organization.region.path, _refusal())
    errors = FieldErrors()
    if organization.status == OrgStatus.DISSOLVED:
        raise ValidationError(_("该社会组织已注销，不能再登记活动。"))
    title = clean_text(values, "title", 120)
    if not title:
        errors.add("title", _("请填写活动名称。"))
    held = errors.check("held_on", required_date, values.get("held_on"), _("活动日期"))
    held = errors.check("held_on", _not_future, held, _("活动日期"))
    if held and organization.founded_on and held < organization.founded_on:
        errors.add("held_on", _("活动日期不能早于组织成立日期。"))
    participants = errors.check(
        "participants", _count, values.get("participants"), _("参与人次"), MAX_PARTICIPANTS
    )
    area = activity_area_path(organization)
    if community.level != Level.COMMUNITY or not community.path.startswith(area):
        errors.add(
            "community",
            _("活动应在本组织所在镇(街道)的村(社区)开展，“%(name)s”不在其中。")
            % {"name": community.name},
        )
    errors.raise_if_any()
    activity = OrgActivity.objects.create(
        organization=organization,
        community=community,
        title=title,
        held_on=held,
        participants=participants,
        description=str(values.get("description") or "").strip()[:4000],
        recorded_by=by,
    )
    audit.record("organizations.activity_record", obj=activity, actor=by, region=community)
    return activity


# --- Social-work stations and rooms -------------------------------------------------------------------


def _operator_ok(operator: SocialOrganization | None, by: Any, region: Region) -> None:
    if operator is None:
        return
    county_path = "/".join(region.path.split("/")[:2]) + "/"
    if not operator.region.path.startswith(county_path) or not _covers(
        by, OrganizationsPerm.VIEW, operator.region.path
    ):
        raise ValidationError({"operator": _("运营机构应是本辖区内的社会组织。")})
    if operator.status == OrgStatus.DISSOLVED:
        raise ValidationError(
            {"operator": _("运营机构“%(name)s”已注销。") % {"name": operator.name}}
        )


@transaction.atomic
def register_site(
    *,
    region: Region,
    kind: str,
    by: Any,
    name: str,
    operator: SocialOrganization | None = None,
    opened_on: Any = None,
    services: str = "",
    is_synthetic: bool = False,
) -> SocialWorkSite:
    """A township's social-work station (社工站) or a community's room (社工室)."""
    if kind == SiteKind.STATION and region.level != Level.TOWNSHIP:
        raise ValidationError({"region": _("社工站应建在镇(街道)，请选择镇(街道)。")})
    if kind == SiteKind.ROOM and region.level != Level.COMMUNITY:
        raise ValidationError({"region": _("社工室应建在村(社区)，请选择村(社区)。")})
    if kind not in SiteKind.values:
        raise ValidationError({"kind": _("请选择类型：社工站或社工室。")})
    require_place(by, EDIT, region.path, _refusal())
    errors = FieldErrors()
    name = (name or "").strip()[:120]
    if not name:
        errors.add("name", _("请填写名称。"))
    opened = errors.check("opened_on", optional_date, opened_on, _("建成日期"))
    errors.check("opened_on", _not_future, opened, _("建成日期"))
    errors.check("operator", _operator_ok, operator, by, region)
    if SocialWorkSite.objects.filter(region=region, kind=kind, is_active=True).exists():
        errors.add(
            "region",
            _("“%(place)s”已有运行中的%(kind)s。")
            % {"place": region.name, "kind": SiteKind(kind).label},
        )
    errors.raise_if_any()
    site = SocialWorkSite.objects.create(
        region=region,
        kind=kind,
        name=name,
        operator=operator,
        opened_on=opened,
        services=(services or "").strip()[:4000],
        is_synthetic=is_synthetic,
    )
    audit.record("organizations.site_register", obj=site, actor=by)
    return site


@transaction.atomic
def update_site(
    *,
    site: SocialWorkSite,
    by: Any,
    version: int | None = None,
    name: str,
    operator: SocialOrganization | None = None,
    opened_on: Any = None,
    services: str = "",
) -> SocialWorkSite:
    """Correct a site's name, operator, opening date and services (its place and kind stay)."""
    require_place(by, EDIT, site.region.path, _refusal())
    errors = FieldErrors()
    name = (name or "").strip()[:120]
    if not name:
        errors.add("name", _("请填写名称。"))
    opened = errors.check("opened_on", optional_date, opened_on, _("建成日期"))
    errors.check("opened_on", _not_future, opened, _("建成日期"))
    if operator is not None and operator.pk != site.operator_id:
        errors.check("operator", _operator_ok, operator, by, site.region)
    errors.raise_if_any()
    seen = site.version if version is None else version
    updated = SocialWorkSite.objects.filter(pk=site.pk, version=seen).update(
        name=name,
        operator=operator,
        opened_on=opened,
        services=(services or "").strip()[:4000],
        version=F("version") + 1,
    )
    if updated != 1:
        raise ValidationError(_("该站(室)刚刚已被他人修改，请重新打开后再修改。"))
    site.refresh_from_db()
    audit.record("organizations.site_update", obj=site, actor=by)
    return site


@transaction.atomic
def set_site_active(*, site: SocialWorkSite, active: bool, by: Any) -> SocialWorkSite:
    """Close a site (stops counting) or reopen it."""
    require_place(by, EDIT, site.region.path, _refusal())
    if active and (
        SocialWorkSite.objects.filter(region=site.region, kind=site.kind, is_active=True)
        .exclude(pk=site.pk)
        .exists()
    ):
        raise ValidationError(_("该地已有另一个运行中的站(室)。"))
    updated = SocialWorkSite.objects.filter(pk=site.pk, is_active=not active).update(
        is_active=active, version=F("version") + 1
    )
    if updated != 1:
        raise ValidationError(_("该站(室)的状态刚刚已被改变，请刷新页面。"))
    site.refresh_from_db()
    audit.record(
        "organizations.site_reopen" if active else "organizations.site_close",
        obj=site,
        actor=by,
    )
    return site


def _best_qualification(worker: CommunityWorker, on: date) -> str:
    levels = set(
        SocialWorkQualification.objects.filter(worker=worker, obtained_on__lte=on).values_list(
            "level", flat=True
        )
    )
    for level in (
        QualificationLevel.SENIOR,
        QualificationLevel.INTERMEDIATE,
        QualificationLevel.ASSISTANT,
    ):
        if level in levels:
            return str(level)
    return ""


@transaction.atomic
def add_site_staff(
    *,
    site: SocialWorkSite,
    by: Any,
    started_on: Any,
    worker: CommunityWorker | None = None,
    name: str = "",
    role: str = "",
    qualification: str = "",
    ended_on: Any = None,
) -> SiteStaff:
    """A person on post at a site: a community worker of the site's township, or a named person of
    the operator with a qualification level."""
    require_place(by, EDIT, site.region.path, _refusal())
    errors = FieldErrors()
    if not site.is_active:
        raise ValidationError(_("该站(室)已停止运行，不能再添加人员。"))
    started = errors.check("started_on", required_date, started_on, _("到岗日期"))
    ended = errors.check("ended_on", optional_date, ended_on, _("离岗日期"))
    if started and ended and ended < started:
        errors.add("ended_on", _("离岗日期不能早于到岗日期。"))
    if qualification and qualification not in QualificationLevel.values:
        errors.add("qualification", _("社工资格等级不正确。"))
    name = (name or "").strip()[:60]
    if worker is not None:
        township = _township_of(site.region)
        if not worker.region.path.startswith(township.path) or not _covers(
            by, EDIT, worker.region.path
        ):
            errors.add("worker", _("只能选择本镇(街道)辖区内的社区工作者。"))
        elif worker.status not in SERVING_STATUSES:
            errors.add(
                "worker",
                _("社区工作者%(name)s已不在岗（%(status)s）。")
                % {"name": worker.name, "status": worker.get_status_display()},
            )
        elif SiteStaff.objects.filter(site=site, worker=worker, ended_on__isnull=True).exists():
            errors.add("worker", _("%(name)s已在该站(室)在岗。") % {"name": worker.name})
        name = worker.name
        if not qualification and started:
            qualification = _best_qualification(worker, started)
    elif not name:
        errors.add("name", _("请选择社区工作者，或填写人员姓名。"))
    errors.raise_if_any()
    staff = SiteStaff.objects.create(
        site=site,
        worker=worker,
        name=name,
        role=(role or "").strip()[:60],
        qualification=qualification or "",
        started_on=started,
        ended_on=ended,
    )
    audit.record("organizations.site_staff_add", obj=staff, actor=by, region=site.region)
    return staff


@transaction.atomic
def end_site_staff(*, staff: SiteStaff, by: Any, ended_on: Any) -> SiteStaff:
    require_place(by, EDIT, staff.site.region.path, _refusal())
    day = required_date(ended_on, _("离岗日期"))
    if day < staff.started_on:
        raise ValidationError({"ended_on": _("离岗日期不能早于到岗日期。")})
    if day > timezone.localdate():
        raise ValidationError({"ended_on": _("离岗日期不能晚于今天。")})
    updated = SiteStaff.objects.filter(pk=staff.pk, ended_on__isnull=True).update(ended_on=day)
    if updated != 1:
        raise ValidationError(_("该人员已离岗。"))
    staff.ended_on = day
    audit.record("organizations.site_staff_end", obj=staff, actor=by, region=staff.site.region)
    return staff


# --- Service projects ---------------------------------------------------------------------------------


def _budget(value: Any) -> Decimal:
    if value in (None, ""):
        raise ValidationError(_("请填写项目金额。"))
    try:
        amount = Decimal(str(value).replace(",", "").strip())
    except InvalidOperation as exc:
        raise ValidationError(_("项目金额应为数字（元）。")) from exc
    if not amount.is_finite() or amount < 0:
        raise ValidationError(_("项目金额不能为负数。"))
    if amount > MAX_BUDGET:
        raise ValidationError(_("项目金额过大，请检查单位（元）。"))
    return amount.quantize(Decimal("0.01"))


def _clean_project(
    values: Mapping[str, Any],
    *,
    region: Region,
    provider: SocialOrganization | None,
    communities: Iterable[Region],
    by: Any,
) -> dict[str, Any]:
    errors = FieldErrors()
    cleaned: dict[str, Any] = {
        "title": clean_text(values, "title", 150),
        "buyer": clean_text(values, "buyer", 120),
        "deliverables": str(values.get("deliverables") or "").strip()[:8000],
    }
    if not cleaned["title"]:
        errors.add("title", _("请填写项目名称。"))
    if not cleaned["buyer"]:
        errors.add("buyer", _("请填写购买主体（如某某街道办事处）。"))
    cleaned["kind"] = errors.check(
        "kind", _choice, values.get("kind"), ProjectKind, _("请选择项目类型。")
    )
    cleaned["budget"] = errors.check("budget", _budget, values.get("budget"))
    starts = errors.check("starts_on", required_date, values.get("starts_on"), _("开始日期"))
    ends = errors.check("ends_on", required_date, values.get("ends_on"), _("结束日期"))
    if starts and ends and ends < starts:
        errors.add("ends_on", _("结束日期不能早于开始日期。"))
    cleaned["starts_on"], cleaned["ends_on"] = starts, ends
    if provider is None:
        errors.add("provider", _("请选择承接机构。"))
    else:
        county_path = "/".join(region.path.split("/")[:2]) + "/"
        if not provider.region.path.startswith(county_path) or not _covers(
            by, OrganizationsPerm.VIEW, provider.region.path
        ):
            errors.add("provider", _("承接机构应是本辖区内的社会组织。"))
        elif provider.status == OrgStatus.DISSOLVED:
            errors.add("provider", _("承接机构“%(name)s”已注销。") % {"name": provider.name})
    served = list(communities)
    outside = [
        c.name for c in served if c.level != Level.COMMUNITY or not c.path.startswith(region.path)
    ]
    if outside:
        errors.add(
            "communities",
            _("服务村(社区)应在购买方“%(buyer)s”辖区内：%(names)s 不在其中。")
            % {"buyer": region.name, "names": "、".join(outside)},
        )
    errors.raise_if_any()
    cleaned["communities"] = served
    return cleaned


@transaction.atomic
def create_project(
    *,
    region: Region,
    by: Any,
    provider: SocialOrganization | None,
    communities: Iterable[Region] = (),
    is_synthetic: bool = False,
    **values: Any,
) -> ServiceProject:
    """A project the buyer region (a county, township or community) funds, in status 未开始."""
    if region.level not in (Level.COUNTY, Level.TOWNSHIP, Level.COMMUNITY):
        raise ValidationError({"region": _("购买方应为县(区)、镇(街道)或村(社区)。")})
    require_place(by, PROJECTS, region.path, _refusal())
    cleaned = _clean_project(
        values, region=region, provider=provider, communities=communities, by=by
    )
    served = cleaned.pop("communities")
    assert provider is not None  # _clean_project refuses a missing provider
    project = ServiceProject.objects.create(
        region=region, provider=provider, is_synthetic=is_synthetic, **cleaned
    )
    project.communities.set(served)
    audit.record("organizations.project_create", obj=project, actor=by, fields=sorted(cleaned))
    return project


PROJECT_FIELDS = ("kind", "title", "buyer", "budget", "starts_on", "ends_on", "deliverables")


@transaction.atomic
def update_project(
    *,
    project: ServiceProject,
    by: Any,
    version: int | None = None,
    provider: SocialOrganization | None = None,
    communities: Iterable[Region] | None = None,
    **values: Any,
) -> ServiceProject:
    """Correct a project that is not closed (finished or terminated): its facts, provider, served
    communities and period; milestones must stay within the period. ``version`` is the one the editor
    read (a stale one is refused)."""
    require_place(by, PROJECTS, project.region.path, _refusal())
    if project.status in (ProjectStatus.FINISHED, ProjectStatus.TERMINATED):
        raise ValidationError(_("已结项或已终止的项目不能再修改。"))
    merged: dict[str, Any] = {name: getattr(project, name) for name in PROJECT_FIELDS}
    merged.update({k: v for k, v in values.items() if k in PROJECT_FIELDS})
    served = list(project.communities.all()) if communities is None else list(communities)
    cleaned = _clean_project(
        merged,
        region=project.region,
        provider=provider or project.provider,
        communities=served,
        by=by if provider is not None else None,
    )
    served = cleaned.pop("communities")
    outside = project.milestones.exclude(
        due_on__range=(cleaned["starts_on"], cleaned["ends_on"])
    ).values_list("title", flat=True)
    if outside:
        raise ValidationError(
            {
                "ends_on": _("节点“%(names)s”的计划完成日期不在新的项目周期内，请先调整节点。")
                % {"names": "、".join(outside)}
            }
        )
    before = {name: getattr(project, name) for name in PROJECT_FIELDS}
    seen = project.version if version is None else version
    updated = ServiceProject.objects.filter(
        pk=project.pk, version=seen, status=project.status
    ).update(**cleaned, provider=provider or project.provider, version=F("version") + 1)
    if updated != 1:
        raise ValidationError(_("该项目刚刚已被他人修改，请重新打开后再修改。"))
    project.communities.set(served)
    project.refresh_from_db()
    changed = audit.changed_fields(before, cleaned)
    if provider is not None:
        changed.append("provider")
    if communities is not None:
        changed.append("communities")
    audit.record("organizations.project_update", obj=project, actor=by, fields=changed)
    return project


@transaction.atomic
def transition_project(
    *, project: ServiceProject, transition: str, by: Any, reason: str = ""
) -> ServiceProject:
    """Fire ``transition`` of ``PROJECT_WORKFLOW``; terminating needs the reason."""
    require_place(by, PROJECTS, project.region.path, _refusal())
    reason = (reason or "").strip()
    changes: dict[str, Any] = {}
    if transition == "terminate":
        if not reason:
            raise ValidationError({"reason": _("请填写终止项目的原因。")})
        changes["termination_reason"] = reason[:2000]
    PROJECT_WORKFLOW.fire(project, transition, by=by, **changes)
    audit.record(
        f"organizations.project_{transition}",
        obj=project,
        actor=by,
        fields=["status"],
        reason=reason,
    )
    return project


@transaction.atomic
def add_milestone(
    *, project: ServiceProject, by: Any, title: str, due_on: Any, deliverable: str = ""
) -> ProjectMilestone:
    require_place(by, PROJECTS, project.region.path, _refusal())
    errors = FieldErrors()
    title = (title or "").strip()[:120]
    if not title:
        errors.add("title", _("请填写节点名称。"))
    due = errors.check("due_on", required_date, due_on, _("计划完成日期"))
    if due and not (project.starts_on <= due <= project.ends_on):
        errors.add(
            "due_on",
            _("计划完成日期应在项目周期 %(start)s 至 %(end)s 之内。")
            % {"start": project.starts_on, "end": project.ends_on},
        )
    if project.status == ProjectStatus.TERMINATED:
        errors.add("title", _("项目已终止，不能再添加节点。"))
    errors.raise_if_any()
    milestone = ProjectMilestone.objects.create(
        project=project, title=title, due_on=due, deliverable=(deliverable or "").strip()[:4000]
    )
    audit.record("organizations.milestone_add", obj=milestone, actor=by, region=project.region)
    return milestone


@transaction.atomic
def complete_milestone(
    *, milestone: ProjectMilestone, by: Any, done_on: Any, note: str = ""
) -> ProjectMilestone:
    project = milestone.project
    require_place(by, PROJECTS, project.region.path, _refusal())
    day = required_date(done_on, _("实际完成日期"))
    if day < project.starts_on:
        raise ValidationError(
            {
                "done_on": _("实际完成日期不能早于项目开始日期 %(start)s。")
                % {"start": project.starts_on}
            }
        )
    if day > timezone.localdate():
        raise ValidationError({"done_on": _("实际完成日期不能晚于今天。")})
    if project.status in (ProjectStatus.PLANNED, ProjectStatus.TERMINATED):
        raise ValidationError(_("只有实施中或已结项的项目可以标记节点完成。"))
    updated = ProjectMilestone.objects.filter(pk=milestone.pk, done_on__isnull=True).update(
        done_on=day, note=(note or "").strip()[:200]
    )
    if updated != 1:
        raise ValidationError(_("该节点已标记完成。"))
    milestone.refresh_from_db()
    audit.record("organizations.milestone_done", obj=milestone, actor=by, region=project.region)
    return milestone


def grade_for(score: Decimal) -> str:
    for floor, grade in GRADE_FLOORS:
        if score >= floor:
            return str(grade)
    return str(ProjectGrade.FAIL)


@transaction.atomic
def evaluate_project(
    *, project: ServiceProject, by: Any, score: Any, grade: str = "", note: str = ""
) -> ServiceProject:
    """The closing evaluation (结项评估) of a finished project, once. The grade follows the score
    unless the evaluator names it."""
    require_place(by, PROJECTS, project.region.path, _refusal())
    if project.status != ProjectStatus.FINISHED:
        raise ValidationError(_("只有已结项的项目可以评估。"))
    try:
        value = Decimal(str(score).strip())
    except (InvalidOperation, TypeError) as exc:
        raise ValidationError({"score": _("评估得分应为 0～100 的数字。")}) from exc
    if not value.is_finite() or not (0 <= value <= 100):
        raise ValidationError({"score": _("评估得分应在 0～100 之间。")})
    value = value.quantize(Decimal("0.1"))
    if grade and grade not in ProjectGrade.values:
        raise ValidationError({"grade": _("评估等次不正确。")})
    if grade and grade != grade_for(value):
        raise ValidationError(
            {
                "grade": _("得分 %(score)s 对应的等次是“%(grade)s”。")
                % {"score": value, "grade": ProjectGrade(grade_for(value)).label}
            }
        )
    now = timezone.now()
    updated = ServiceProject.objects.filter(
        pk=project.pk, status=ProjectStatus.FINISHED, evaluated_at__isnull=True
    ).update(
        evaluation_score=value,
        evaluation_grade=grade or grade_for(value),
        evaluation_note=(note or "").strip()[:4000],
        evaluated_by=by,
        evaluated_at=now,
        version=F("version") + 1,
    )
    if updated != 1:
        raise ValidationError(_("该项目已经评估过，评估只能进行一次。"))
    project.refresh_from_db()
    audit.record("organizations.project_evaluate", obj=project, actor=by, fields=["evaluation"])
    return project
