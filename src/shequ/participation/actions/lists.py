"""Writes of the three lists (三项清单) and micro-renewal (微更新), P5.

Staff who hold ``LISTS`` over a community keep its residents' needs, service resources and livelihood
projects, match a need to a resource or a project (the need becomes "matched") and mark it met or
closed. A verified resident reports a need of their own community (需求征集); a retry with the same
``request_key`` answers with the need already reported.

A micro-renewal project is co-funded: contributions by source and spending lines are recorded under
a row lock on the project, so that two clerks at once can neither push the funds received past the
total budget (refused: a project does not collect more than it needs) nor the spending past the funds
received. Its status moves fundraising → in progress → completed through ``RENEWAL_WORKFLOW``
(conditional UPDATE on ``version``); nothing is added to a completed project."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shequ.core import audit, calendar
from shequ.core.scoping import require_place
from shequ.core.workflow import Transition, Workflow
from shequ.participation.content import check_text
from shequ.participation.eligibility import verified_resident
from shequ.participation.models.deliberation import Topic
from shequ.participation.models.lists import (
    Contribution,
    FundSource,
    LivelihoodProject,
    MicroRenewal,
    NeedCategory,
    NeedItem,
    NeedMatch,
    NeedStatus,
    ProjectStatus,
    RenewalStatus,
    ResourceItem,
    ResourceKind,
    Spending,
)
from shequ.participation.permissions import ParticipationPerm
from shequ.territory.models import Level, Region

Perm = ParticipationPerm
MAX_AMOUNT = Decimal("9999999999.99")
RESIDENT_SOURCE = "居民提出"
NEED_FIELDS = ("category", "title", "description", "households", "source")
RESOURCE_FIELDS = ("kind", "title", "provider", "description", "is_available")
PROJECT_FIELDS = (
    "title",
    "description",
    "budget",
    "responsible_party",
    "start_on",
    "end_on",
    "status",
    "topic",
)
RENEWAL_FIELDS = ("title", "description", "budget", "topic", "is_published")

NEED_WORKFLOW = Workflow(
    transitions=[
        Transition(
            "meet",
            (NeedStatus.OPEN, NeedStatus.MATCHED),
            NeedStatus.MET,
            Perm.LISTS,
            gettext_lazy("标为已解决"),
        ),
        Transition(
            "close",
            (NeedStatus.OPEN, NeedStatus.MATCHED),
            NeedStatus.CLOSED,
            Perm.LISTS,
            gettext_lazy("暂不解决"),
            "secondary",
        ),
        Transition(
            "reopen",
            (NeedStatus.MET, NeedStatus.CLOSED),
            NeedStatus.OPEN,
            Perm.LISTS,
            gettext_lazy("重新待对接"),
            "secondary",
        ),
    ]
)

RENEWAL_WORKFLOW = Workflow(
    transitions=[
        Transition(
            "start",
            (RenewalStatus.FUNDRAISING,),
            RenewalStatus.IN_PROGRESS,
            Perm.LISTS,
            gettext_lazy("开始实施"),
        ),
        Transition(
            "complete",
            (RenewalStatus.IN_PROGRESS,),
            RenewalStatus.COMPLETED,
            Perm.LISTS,
            gettext_lazy("标为已完成"),
        ),
    ]
)


def _refusal() -> str:
    return _("不在您的管辖范围内，或您没有管理三项清单的权限。")


def require(by: Any, community: Region) -> None:
    """``by`` (None = the system) keeps the lists of ``community``."""
    require_place(by, Perm.LISTS, community.path, _refusal())


def _check_community(community: Region) -> None:
    if community.level != Level.COMMUNITY:
        raise ValidationError(
            {"community": _("三项清单和微更新项目按村(社区)登记，请选择村(社区)。")}
        )


def _text(values: Any, field: str, limit: int, *, required: bool, message: str = "") -> str:
    text = str(values.get(field) or "").strip()
    if required and not text:
        raise ValidationError({field: message or _("请填写此项。")})
    if len(text) > limit:
        raise ValidationError({field: _("最多%(n)d个字。") % {"n": limit}})
    return text


def parse_amount(value: Any, field: str = "amount", *, allow_zero: bool = False) -> Decimal:
    """An amount in yuan: a number with at most two decimals, above zero (or zero when allowed) and
    at most 9999999999.99."""
    if value is None or str(value).strip() == "":
        raise ValidationError({field: _("请填写金额。")})
    text = str(value).strip().replace(",", "").replace("，", "")
    try:
        amount = Decimal(text)
    except (InvalidOperation, ValueError):
        raise ValidationError({field: _("金额须为数字，例如 1200.50。")}) from None
    if not amount.is_finite():
        raise ValidationError({field: _("金额须为数字，例如 1200.50。")})
    if amount < 0:
        raise ValidationError({field: _("金额不能为负数。")})
    if amount == 0 and not allow_zero:
        raise ValidationError({field: _("金额须大于零。")})
    if amount != amount.quantize(Decimal("0.01")):
        raise ValidationError({field: _("金额最多保留两位小数（到分）。")})
    if amount > MAX_AMOUNT:
        raise ValidationError({field: _("金额过大：最多10位整数、两位小数。")})
    return amount.quantize(Decimal("0.01"))


def _count(value: Any, field: str, *, high: int = 100000) -> int:
    if value in (None, ""):
        return 0
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationError({field: _("请填写整数。")}) from None
    if not 0 <= number <= high:
        raise ValidationError({field: _("须在%(low)d到%(high)d之间。") % {"low": 0, "high": high}})
    return number


def _topic(value: Any, community: Region) -> Topic | None:
    if value in (None, ""):
        return None
    topic = value if isinstance(value, Topic) else Topic.objects.filter(pk=value).first()
    if topic is None or topic.community_id != community.pk:
        raise ValidationError({"topic": _("来源议题须为本社区的议题。")})
    return topic


def _check_date(day: Any, field: str) -> date:
    if not isinstance(day, date):
        raise ValidationError({field: _("请填写日期。")})
    if day > calendar.localdate():
        raise ValidationError({field: _("日期不能晚于今天。")})
    return day


# --- Needs ---------------------------------------------------------------------------------------


def _clean_need(values: Any) -> dict[str, Any]:
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    category = str(values.get("category") or "")
    if category not in NeedCategory.values:
        errors["category"] = _("请选择需求类别。")
    cleaned["category"] = category
    for field, limit, required, message in (
        ("title", 100, True, _("请填写需求。")),
        ("description", 2000, False, ""),
        ("source", 100, False, ""),
    ):
        try:
            cleaned[field] = _text(values, field, limit, required=required, message=message)
        except ValidationError as exc:
            errors.update({k: v[0] for k, v in exc.message_dict.items()})
    try:
        cleaned["households"] = _count(values.get("households"), "households")
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def create_need(
    *, by: Any, community: Region, is_synthetic: bool = False, **values: Any
) -> NeedItem:
    """Staff enter a need of ``community`` (source as told: a visit, a survey, a meeting …)."""
    require(by, community)
    _check_community(community)
    cleaned = _clean_need(values)
    need = NeedItem.objects.create(
        community=community, created_by=by, is_synthetic=is_synthetic, **cleaned
    )
    audit.record("participation.need_create", obj=need, actor=by, fields=list(cleaned))
    return need


@transaction.atomic
def update_need(*, need: NeedItem, by: Any, version: int | None = None, **values: Any) -> NeedItem:
    require(by, need.community)
    merged = {f: getattr(need, f) for f in NEED_FIELDS}
    merged.update({k: v for k, v in values.items() if k in NEED_FIELDS})
    cleaned = _clean_need(merged)
    current = version if version is not None else need.version
    moved = NeedItem.objects.filter(pk=need.pk, version=current).update(
        **cleaned, version=F("version") + 1
    )
    if not moved:
        raise ValidationError(_("该需求刚刚已被他人修改，请刷新页面后重新填写。"))
    before = {f: getattr(need, f) for f in NEED_FIELDS}
    need.refresh_from_db()
    audit.record(
        "participation.need_update",
        obj=need,
        actor=by,
        fields=audit.changed_fields(before, {f: getattr(need, f) for f in NEED_FIELDS}),
    )
    return need


def _clean_key(request_key: Any) -> str:
    key = str(request_key or "").strip()
    if len(key) > 64:
        raise ValidationError({"request_key": _("请求标识过长（最多64个字符）。")})
    return key


@transaction.atomic
def report_need(
    *,
    by: Any,
    category: str,
    title: str,
    description: str = "",
    request_key: str = "",
    is_synthetic: bool = False,
) -> NeedItem:
    """A verified resident reports a need of their own community (需求征集). The text is checked as
    everything residents publish; the reporter's name is never shown with the need. A retry with the
    same ``request_key`` returns the need already reported."""
    resident = verified_resident(by)
    community = resident.community
    key = _clean_key(request_key)
    if key:
        earlier = NeedItem.objects.filter(request_key=key).first()
        if earlier is not None:
            if earlier.created_by_id == by.pk:
                return earlier
            raise ValidationError({"request_key": _("该请求标识已被使用，请刷新页面后重试。")})
    cleaned = _clean_need(
        {"category": category, "title": title, "description": description, "households": 1}
    )
    check_text(cleaned["title"], community=community, field="title")
    check_text(cleaned["description"], community=community, field="description")
    try:
        with transaction.atomic():
            need = NeedItem.objects.create(
                community=community,
                created_by=by,
                source=RESIDENT_SOURCE,
                request_key=key,
                is_synthetic=is_synthetic,
                **{k: v for k, v in cleaned.items() if k != "source"},
            )
    except IntegrityError:
        earlier = NeedItem.objects.filter(request_key=key, created_by=by).first()
        if earlier is None:
            raise ValidationError(
                {"request_key": _("该请求标识已被使用，请刷新页面后重试。")}
            ) from None
        return earlier
    audit.record("participation.need_report", obj=need, actor=by, fields=list(cleaned))
    return need


@transaction.atomic
def match_need(
    *,
    need: NeedItem,
    by: Any,
    resource: ResourceItem | None = None,
    project: LivelihoodProject | None = None,
    note: str = "",
) -> NeedMatch:
    """Link ``need`` to a resource and/or a project of the same community; an open need becomes
    matched. A need already met or closed is reopened first."""
    require(by, need.community)
    if resource is None and project is None:
        raise ValidationError({"resource": _("请至少选择一项服务资源或民生项目。")})
    if resource is not None and resource.community_id != need.community_id:
        raise ValidationError({"resource": _("服务资源须为本社区清单中的资源。")})
    if project is not None and project.community_id != need.community_id:
        raise ValidationError({"project": _("民生项目须为本社区清单中的项目。")})
    if resource is not None and not resource.is_available:
        raise ValidationError({"resource": _("该服务资源目前不可用。")})
    text = str(note or "").strip()
    if len(text) > 400:
        raise ValidationError({"note": _("最多%(n)d个字。") % {"n": 400}})
    current = NeedItem.objects.filter(pk=need.pk).values_list("status", "version").first()
    if current is None or current[0] not in (NeedStatus.OPEN, NeedStatus.MATCHED):
        raise ValidationError(_("该需求已解决或暂不解决，请先重新设为待对接。"))
    moved = NeedItem.objects.filter(pk=need.pk, version=current[1], status=current[0]).update(
        status=NeedStatus.MATCHED, version=F("version") + 1
    )
    if not moved:
        raise ValidationError(_("该记录刚刚已被他人处理，请刷新页面查看最新状态。"))
    match = NeedMatch.objects.create(
        need=need, resource=resource, project=project, note=text, by=by, at=calendar.now()
    )
    need.refresh_from_db()
    audit.record("participation.need_match", obj=need, actor=by, fields=["status"])
    return match


@transaction.atomic
def set_need_status(*, need: NeedItem, by: Any, transition: str) -> NeedItem:
    """Mark a need met or closed (暂不解决), or open it again."""
    require(by, need.community)
    fresh = NeedItem.objects.get(pk=need.pk)
    NEED_WORKFLOW.fire(fresh, transition, by=by)
    need.status, need.version = fresh.status, fresh.version
    audit.record("participation.need_" + transition, obj=fresh, actor=by, fields=["status"])
    return fresh


# --- Resources -----------------------------------------------------------------------------------


def _clean_resource(values: Any) -> dict[str, Any]:
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    kind = str(values.get("kind") or "")
    if kind not in ResourceKind.values:
        errors["kind"] = _("请选择资源类型。")
    cleaned["kind"] = kind
    for field, limit, required, message in (
        ("title", 100, True, _("请填写资源名称。")),
        ("provider", 100, True, _("请填写提供方。")),
        ("description", 2000, False, ""),
    ):
        try:
            cleaned[field] = _text(values, field, limit, required=required, message=message)
        except ValidationError as exc:
            errors.update({k: v[0] for k, v in exc.message_dict.items()})
    if errors:
        raise ValidationError(errors)
    cleaned["is_available"] = bool(values.get("is_available", True))
    return cleaned


@transaction.atomic
def create_resource(
    *, by: Any, community: Region, is_synthetic: bool = False, **values: Any
) -> ResourceItem:
    require(by, community)
    _check_community(community)
    cleaned = _clean_resource(values)
    resource = ResourceItem.objects.create(
        community=community, is_synthetic=is_synthetic, **cleaned
    )
    audit.record("participation.resource_create", obj=resource, actor=by, fields=list(cleaned))
    return resource


@transaction.atomic
def update_resource(*, resource: ResourceItem, by: Any, **values: Any) -> ResourceItem:
    require(by, resource.community)
    merged = {f: getattr(resource, f) for f in RESOURCE_FIELDS}
    merged.update({k: v for k, v in values.items() if k in RESOURCE_FIELDS})
    cleaned = _clean_resource(merged)
    before = {f: getattr(resource, f) for f in RESOURCE_FIELDS}
    ResourceItem.objects.filter(pk=resource.pk).update(**cleaned)
    resource.refresh_from_db()
    audit.record(
        "participation.resource_update",
        obj=resource,
        actor=by,
        fields=audit.changed_fields(before, cleaned),
    )
    return resource


# --- Livelihood projects -------------------------------------------------------------------------


def _clean_project(values: Any, community: Region) -> dict[str, Any]:
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    for field, limit, required, message in (
        ("title", 100, True, _("请填写项目名称。")),
        ("description", 2000, False, ""),
        ("responsible_party", 100, True, _("请填写责任方。")),
    ):
        try:
            cleaned[field] = _text(values, field, limit, required=required, message=message)
        except ValidationError as exc:
            errors.update({k: v[0] for k, v in exc.message_dict.items()})
    try:
        cleaned["budget"] = parse_amount(values.get("budget") or "0", "budget", allow_zero=True)
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
    status = str(values.get("status") or ProjectStatus.PLANNED)
    if status not in ProjectStatus.values:
        errors["status"] = _("请选择项目状态。")
    cleaned["status"] = status
    start, end = values.get("start_on"), values.get("end_on")
    if start and end and end < start:
        errors["end_on"] = _("完成期限不能早于开始日期。")
    cleaned["start_on"], cleaned["end_on"] = start or None, end or None
    try:
        cleaned["topic"] = _topic(values.get("topic"), community)
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def create_project(
    *, by: Any, community: Region, is_synthetic: bool = False, **values: Any
) -> LivelihoodProject:
    require(by, community)
    _check_community(community)
    cleaned = _clean_project(values, community)
    project = LivelihoodProject.objects.create(
        community=community, is_synthetic=is_synthetic, **cleaned
    )
    audit.record("participation.project_create", obj=project, actor=by, fields=list(cleaned))
    return project


@transaction.atomic
def update_project(*, project: LivelihoodProject, by: Any, **values: Any) -> LivelihoodProject:
    require(by, project.community)
    merged = {f: getattr(project, f) for f in PROJECT_FIELDS}
    merged.update({k: v for k, v in values.items() if k in PROJECT_FIELDS})
    cleaned = _clean_project(merged, project.community)
    before = {f: getattr(project, f) for f in PROJECT_FIELDS}
    LivelihoodProject.objects.filter(pk=project.pk).update(**cleaned)
    project.refresh_from_db()
    audit.record(
        "participation.project_update",
        obj=project,
        actor=by,
        fields=audit.changed_fields(before, cleaned),
    )
    return project


# --- Micro-renewal -------------------------------------------------------------------------------


def _clean_renewal(values: Any, community: Region) -> dict[str, Any]:
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    for field, limit, required, message in (
        ("title", 100, True, _("请填写项目名称。")),
        ("description", 4000, False, ""),
    ):
        try:
            cleaned[field] = _text(values, field, limit, required=required, message=message)
        except ValidationError as exc:
            errors.update({k: v[0] for k, v in exc.message_dict.items()})
    try:
        cleaned["budget"] = parse_amount(values.get("budget"), "budget")
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
    try:
        cleaned["topic"] = _topic(values.get("topic"), community)
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
    if errors:
        raise ValidationError(errors)
    cleaned["is_published"] = bool(values.get("is_published", True))
    return cleaned


@transaction.atomic
def create_renewal(
    *, by: Any, community: Region, is_synthetic: bool = False, **values: Any
) -> MicroRenewal:
    """A micro-renewal project of ``community`` with its total budget (> 0), fundraising."""
    require(by, community)
    _check_community(community)
    cleaned = _clean_renewal(values, community)
    renewal = MicroRenewal.objects.create(
        community=community, created_by=by, is_synthetic=is_synthetic, **cleaned
    )
    audit.record("participation.renewal_create", obj=renewal, actor=by, fields=list(cleaned))
    return renewal


def _locked(renewal_id: int) -> MicroRenewal:
    return MicroRenewal.objects.select_for_update().select_related("community").get(pk=renewal_id)


def _total(queryset: Any) -> Decimal:
    found = queryset.aggregate(total=Sum("amount"))["total"]
    return Decimal(found or 0).quantize(Decimal("0.01"))


@transaction.atomic
def update_renewal(
    *, renewal: MicroRenewal, by: Any, version: int | None = None, **values: Any
) -> MicroRenewal:
    """Edit title, description, budget, source topic or publication; the budget never drops below
    the funds already received."""
    locked = _locked(renewal.pk)
    require(by, locked.community)
    merged = {f: getattr(locked, f) for f in RENEWAL_FIELDS}
    merged.update({k: v for k, v in values.items() if k in RENEWAL_FIELDS})
    cleaned = _clean_renewal(merged, locked.community)
    received = _total(Contribution.objects.filter(project=locked))
    if cleaned["budget"] < received:
        raise ValidationError(
            {
                "budget": _("总预算不能少于已到账资金%(received)s元。")
                % {"received": f"{received:.2f}"}
            }
        )
    current = version if version is not None else locked.version
    moved = MicroRenewal.objects.filter(pk=locked.pk, version=current).update(
        **cleaned, version=F("version") + 1
    )
    if not moved:
        raise ValidationError(_("该项目刚刚已被他人修改，请刷新页面后重新填写。"))
    before = {f: getattr(locked, f) for f in RENEWAL_FIELDS}
    locked.refresh_from_db()
    audit.record(
        "participation.renewal_update",
        obj=locked,
        actor=by,
        fields=audit.changed_fields(before, cleaned),
    )
    return locked


@transaction.atomic
def transition_renewal(*, renewal: MicroRenewal, by: Any, transition: str) -> MicroRenewal:
    """Fundraising → in progress (开始实施) → completed (标为已完成)."""
    require(by, renewal.community)
    fresh = MicroRenewal.objects.get(pk=renewal.pk)
    RENEWAL_WORKFLOW.fire(fresh, transition, by=by)
    renewal.status, renewal.version = fresh.status, fresh.version
    audit.record("participation.renewal_" + transition, obj=fresh, actor=by, fields=["status"])
    return fresh


@dataclass(frozen=True)
class _MoneyLine:
    """A money line checked under the project's row lock: the locked project, the line's label
    (contributor or item), amount and date, the funds received so far, and what ``more`` found."""

    project: MicroRenewal
    label: str
    amount: Decimal
    day: date
    received: Decimal
    more: Any


def _money_line(
    renewal: MicroRenewal,
    by: Any,
    *,
    completed: str,
    label_field: str,
    label: Any,
    label_missing: str,
    amount: Any,
    day_field: str,
    day: date | None,
    errors: dict[str, str] | None = None,
    more: Callable[[dict[str, str]], Any] | None = None,
) -> _MoneyLine:
    """What recording a contribution and a spending line share: lock the project, check that ``by``
    keeps its community's lists and that it is not completed (refused with ``completed``), then check
    the line's label (required, at most 100 characters), amount and date. Problems are reported
    together: ``errors`` found by the caller first, then these, then those ``more`` adds (it returns
    what it cleaned). The funds received so far are read under the lock."""
    locked = _locked(renewal.pk)
    require(by, locked.community)
    if locked.status == RenewalStatus.COMPLETED:
        raise ValidationError(completed)
    found = dict(errors or {})
    text = str(label or "").strip()
    if not text:
        found[label_field] = label_missing
    elif len(text) > 100:
        found[label_field] = _("最多%(n)d个字。") % {"n": 100}
    value = Decimal(0)
    try:
        value = parse_amount(amount)
    except ValidationError as exc:
        found.update({k: v[0] for k, v in exc.message_dict.items()})
    when = calendar.localdate()
    try:
        when = _check_date(day, day_field)
    except ValidationError as exc:
        found.update({k: v[0] for k, v in exc.message_dict.items()})
    extra = more(found) if more is not None else None
    if found:
        raise ValidationError(found)
    received = _total(Contribution.objects.filter(project=locked))
    return _MoneyLine(locked, text, value, when, received, extra)


@transaction.atomic
def add_contribution(
    *,
    renewal: MicroRenewal,
    by: Any,
    source: str,
    contributor: str,
    amount: Any,
    received_on: date | None,
    households: Any = None,
) -> Contribution:
    """Funds received from one source. Residents' own funds name how many households gave (their
    names are never published). The funds received may not exceed the total budget: refused, so a
    project never collects more than it needs."""

    def homes(errors: dict[str, str]) -> int:
        count = 0
        try:
            count = _count(households, "households")
        except ValidationError as exc:
            errors.update({k: v[0] for k, v in exc.message_dict.items()})
        if source == FundSource.RESIDENTS and "households" not in errors and count < 1:
            errors["households"] = _("居民自筹请填写出资的户数（至少1户）。")
        return count

    line = _money_line(
        renewal,
        by,
        completed=_("项目已完成，不能再登记出资。"),
        errors={"source": _("请选择资金来源。")} if source not in FundSource.values else {},
        label_field="contributor",
        label=contributor,
        label_missing=_("请填写出资方。"),
        amount=amount,
        day_field="received_on",
        day=received_on,
        more=homes,
    )
    locked, received = line.project, line.received
    if received + line.amount > locked.budget:
        raise ValidationError(
            {
                "amount": _(
                    "出资合计将超过总预算：总预算%(budget)s元，已到账%(received)s元，"
                    "最多还能登记%(left)s元。"
                )
                % {
                    "budget": f"{locked.budget:.2f}",
                    "received": f"{received:.2f}",
                    "left": f"{locked.budget - received:.2f}",
                }
            }
        )
    made = Contribution.objects.create(
        project=locked,
        source=source,
        contributor=line.label,
        amount=line.amount,
        received_on=line.day,
        households=line.more if source == FundSource.RESIDENTS else 0,
        recorded_by=by,
    )
    audit.record(
        "participation.renewal_contribution", obj=locked, actor=by, fields=["contributions"]
    )
    return made


@transaction.atomic
def add_spending(
    *, renewal: MicroRenewal, by: Any, item: str, amount: Any, spent_on: date | None
) -> Spending:
    """A spending line. The spending may not exceed the funds received."""
    line = _money_line(
        renewal,
        by,
        completed=_("项目已完成，不能再登记支出。"),
        label_field="item",
        label=item,
        label_missing=_("请填写支出事项。"),
        amount=amount,
        day_field="spent_on",
        day=spent_on,
    )
    locked, received = line.project, line.received
    spent = _total(Spending.objects.filter(project=locked))
    if spent + line.amount > received:
        raise ValidationError(
            {
                "amount": _(
                    "支出合计将超过已到账资金：已到账%(received)s元，已支出%(spent)s元，"
                    "结余%(left)s元。"
                )
                % {
                    "received": f"{received:.2f}",
                    "spent": f"{spent:.2f}",
                    "left": f"{received - spent:.2f}",
                }
            }
        )
    made = Spending.objects.create(
        project=locked, item=line.label, amount=line.amount, spent_on=line.day, recorded_by=by
    )
    audit.record("participation.renewal_spending", obj=locked, actor=by, fields=["spendings"])
    return made
