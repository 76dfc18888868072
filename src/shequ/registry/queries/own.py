"""Reads of a resident's own data, for the resident: their record, household and consents.

A resident holds no role and so no jurisdiction; what they may see is decided by ownership instead —
every read here starts from ``Resident.account``, the link to the signed-in account, and returns only
that one record and what hangs off it. Other members of the household are given by name and relation
only: never their identifiers, phone numbers or anything else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shequ.core import calendar
from shequ.core.scoping import scoped
from shequ.registry.display import address_of
from shequ.registry.models import (
    CareGroupTag,
    ConsentPurpose,
    ConsentRecord,
    HouseholdMembership,
    LifeStatus,
    Relation,
    Resident,
    RightsRequest,
)
from shequ.registry.permissions import RegistryPerm
from shequ.registry.queries.rights import CORRECTABLE_ITEMS


def own_record(user: Any) -> Resident | None:
    """The registry record linked to this resident's account, or ``None`` (not linked, not a resident)."""
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_resident", False):
        return None
    return (
        Resident.objects.select_related(
            "household__estate",
            "household__building",
            "household__villager_group",
            "community",
            "grid",
        )
        .filter(account=user)
        .first()
    )


def own_resident(user: Any) -> Resident | None:
    """The registry record a resident acts through: linked to their account and still on the register.

    ``None`` for anonymous users, staff accounts, an account linked to no record, and a record that is no
    longer on the register (moved out, deceased, merged) — such a record may be read (``own_record``)
    but nobody acts through it. The community, grid and household come with it.
    """
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    if not getattr(user, "is_resident", False):
        return None
    return (
        Resident.objects.select_related("community", "grid", "household")
        .filter(account=user, status=LifeStatus.ACTIVE)
        .first()
    )


@dataclass(frozen=True)
class CoMember:
    """A member of the resident's household as the resident sees them: a name and a relation."""

    name: str
    relation: str
    is_self: bool


def own_household_members(resident: Resident) -> list[CoMember]:
    """The household's members in the register, the head first; only names and relations are read."""
    if resident.household_id is None:
        return []
    rows = list(
        Resident.objects.filter(household_id=resident.household_id, status=LifeStatus.ACTIVE)
        .order_by("pk")
        .values_list("pk", "name", "relation")
    )
    rows.sort(key=lambda row: row[2] != Relation.HEAD)
    labels = dict(Relation.choices)
    return [
        CoMember(name=name, relation=str(labels.get(relation, "")), is_self=pk == resident.pk)
        for pk, name, relation in rows
    ]


# What each optional purpose means, in plain words, next to its switch.
PURPOSE_HELP = {
    ConsentPurpose.ACTIVITY_NOTICES: gettext_lazy(
        "社区举办文体、健康讲座等活动时，通过站内消息或短信通知您。"
    ),
    ConsentPurpose.SATISFACTION_SURVEYS: gettext_lazy(
        "您办完事后，工作人员可能打电话或发消息请您评价服务。"
    ),
    ConsentPurpose.VOLUNTEER_MATCHING: gettext_lazy(
        "需要上门帮助时，把您的姓名、电话和住址告诉为您服务的志愿者。"
    ),
    ConsentPurpose.SHARE_WITH_PROVIDERS: gettext_lazy(
        "为您提供养老、助残等服务的社会组织，可以得到办事所必需的信息。"
    ),
    ConsentPurpose.PHOTO_PUBLICITY: gettext_lazy("社区宣传栏、公众号可以使用有您的活动照片。"),
}


def current_consents(resident: Resident) -> dict[str, ConsentRecord | None]:
    """The resident's current decision per purpose (the newest record), ``None`` where never asked.

    One query; the dict follows the order of ``ConsentPurpose``.
    """
    current: dict[str, ConsentRecord | None] = dict.fromkeys(ConsentPurpose.values)
    for record in ConsentRecord.objects.filter(resident=resident).order_by(
        "purpose", "-recorded_at", "-pk"
    ):
        if current.get(record.purpose) is None:
            current[record.purpose] = record
    return current


def consent_history(resident: Resident) -> QuerySet[ConsentRecord]:
    return ConsentRecord.objects.filter(resident=resident).order_by("-recorded_at", "-pk")


def consenting_residents(
    user: Any, purpose: str, perm: str = RegistryPerm.VIEW
) -> QuerySet[Resident]:
    """Residents in the user's jurisdiction whose current decision on ``purpose`` is "granted"."""
    newest = ConsentRecord.objects.filter(resident=OuterRef("pk"), purpose=purpose).order_by(
        "-recorded_at", "-pk"
    )
    return (
        scoped(Resident.objects.all(), user, perm)
        .annotate(consent_granted=Subquery(newest.values("granted")[:1]))
        .filter(consent_granted=True)
    )


def _day(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _moment(value: Any) -> str | None:
    return calendar.localtime(value).isoformat(timespec="seconds") if value is not None else None


def own_data_copy(resident: Resident) -> dict[str, Any]:
    """Everything the registry holds about the resident, in clear, as the copy they asked for.

    Their record, their own household memberships, care-group tags, every consent decision and every
    rights request. Not included: other members of the household (their own data) and the audit trail
    (a record of staff's work, not of the person). Keys and labels are in the resident's language.
    """
    resident = Resident.objects.select_related(
        "household__estate",
        "household__building",
        "household__villager_group",
        "community",
        "grid",
    ).get(pk=resident.pk)
    household = resident.household
    record = {
        _("姓名"): resident.name,
        _("证件类型"): resident.get_id_type_display(),
        _("证件号码"): resident.id_number,
        _("出生日期"): _day(resident.birth_date),
        _("性别"): resident.get_sex_display(),
        _("手机号"): resident.phone,
        _("人口类别"): resident.get_residence_status_display(),
        _("状态"): resident.get_status_display(),
        _("状态变更日期"): _day(resident.status_date),
        _("处理依据"): resident.get_legal_basis_display(),
        _("村(社区)"): resident.community.name,
        _("网格"): resident.grid.name if resident.grid else None,
        _("户编号"): household.number if household else None,
        _("与户主关系"): resident.get_relation_display(),
        _("住址"): address_of(household, reveal_detail=True) if household else None,
        _("备注"): resident.note,
        _("登记时间"): _moment(resident.created_at),
    }
    memberships = [
        {
            _("户编号"): m.household.number,
            _("与户主关系"): m.get_relation_display(),
            _("入户日期"): _day(m.joined_on),
            _("离户日期"): _day(m.left_on),
            _("离户原因"): m.left_reason,
        }
        for m in HouseholdMembership.objects.filter(resident=resident)
        .select_related("household")
        .order_by("joined_on", "pk")
    ]
    tags = [
        {
            _("关爱类别"): tag.get_group_display(),
            _("开始日期"): _day(tag.start_date),
            _("结束日期"): _day(tag.end_date),
            _("来源"): tag.source,
            _("残疾类别"): tag.get_disability_category_display(),
            _("残疾等级"): tag.get_disability_grade_display() if tag.disability_grade else "",
            _("备注"): tag.note,
        }
        for tag in CareGroupTag.objects.filter(resident=resident).order_by("start_date", "pk")
    ]
    consents = [
        {
            _("用途"): c.get_purpose_display(),
            _("同意"): c.granted,
            _("记录时间"): _moment(c.recorded_at),
        }
        for c in consent_history(resident)
    ]
    requests = [
        {
            _("请求类型"): r.get_kind_display(),
            _("涉及事项"): str(CORRECTABLE_ITEMS.get(r.subject, r.subject)),
            _("具体内容"): r.details,
            _("状态"): r.get_status_display(),
            _("提交时间"): _moment(r.submitted_at),
            _("答复期限"): _day(r.due_on),
            _("办结时间"): _moment(r.closed_at),
            _("答复"): r.response,
        }
        for r in RightsRequest.objects.filter(resident=resident).order_by("submitted_at", "pk")
    ]
    return {
        _("说明"): _("这是社区服务平台保存的您本人的个人信息副本，请妥善保管，不要转发给他人。"),
        _("生成时间"): _moment(calendar.now()),
        _("本人信息"): record,
        _("入户与离户记录"): memberships,
        _("关爱类别"): tags,
        _("授权记录"): consents,
        _("个人信息权利请求"): requests,
    }
