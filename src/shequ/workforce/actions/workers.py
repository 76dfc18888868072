"""Every write to the community workforce (W1): workers, their status history and posts, their annual
pay, and the figures staffing is measured by (urban permanent population, local average wage).

Each action checks the actor's jurisdiction (``require_place``), validates everything before it writes,
runs in one transaction and is audited in it. Changes that race (an edit, a status change, ending a
post) are conditional updates on ``version`` or on the row's state, so a second click is refused with
a message instead of overwriting what a colleague just did.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core import audit, crypto, masking
from shequ.core.scoping import require_place
from shequ.core.validators import (
    id_birth_date,
    id_sex,
    normalize_id_number,
    validate_id_number,
    validate_phone,
)
from shequ.territory.models import Grid, Level, Region
from shequ.workforce.models import (
    AnnualPay,
    AverageWage,
    CommunityWorker,
    Education,
    HiringMethod,
    PoliticalStatus,
    PostKind,
    UrbanPopulation,
    WorkerPost,
    WorkerStatus,
    WorkerStatusChange,
)
from shequ.workforce.models.people import SERVING_STATUSES
from shequ.workforce.permissions import WorkforcePerm

# Where a worker is employed: a community, or a township (for its stations and centres).
EMPLOYING_LEVELS = (Level.COMMUNITY, Level.TOWNSHIP)
# The figures are set for a county or for the city (the statistics bureau publishes them there).
FIGURE_LEVELS = (Level.COUNTY, Level.CITY)
REVEALABLE_FIELDS = ("id_number", "phone")
# Statuses in which a worker no longer holds any post: the change ends their open posts.
ENDING_STATUSES = (WorkerStatus.LEFT, WorkerStatus.RETIRED, WorkerStatus.DISMISSED)
SEXES = ("male", "female")
FIRST_YEAR = 2000
# A year's pay above this is a typo (a figure in fen, an extra zero); the model caps at 10^8.
MAX_ANNUAL_PAY = Decimal("1000000")
# An average annual wage below this is a monthly figure typed into the annual field.
MIN_AVERAGE_WAGE = Decimal("10000")
MAX_AVERAGE_WAGE = Decimal("1000000")
# More than any Chinese city's urban population (重庆: about 23 million).
MAX_POPULATION = 40_000_000
WORKER_FIELDS = (
    "name",
    "sex",
    "birth_date",
    "id_number",
    "phone",
    "education",
    "political_status",
    "hiring_method",
    "hired_on",
    "note",
)


def _refusal() -> str:
    return _("该社区工作者不在您的管辖范围内，或您没有此项权限。")


def _actor(by: Any) -> Any:
    return by if getattr(by, "pk", None) else None


def _require_worker(by: Any, worker: CommunityWorker, perm: str = WorkforcePerm.EDIT) -> None:
    require_place(by, perm, worker.region.path, _refusal())


def require_employer(by: Any, region: Region) -> None:
    """``region`` may employ a worker and ``by`` may register workers there."""
    if region.level not in EMPLOYING_LEVELS:
        raise ValidationError({"region": _("社区工作者应登记到村(社区)或镇(街道)。")})
    require_place(by, WorkforcePerm.EDIT, region.path, _refusal())


# --- Checking --------------------------------------------------------------------------------------


def parse_date(value: Any, field: str, label: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationError(
            {field: _("%(label)s应为日期，例如 2024-03-01。") % {"label": label}}
        ) from None


def _not_future(day: date | None, field: str, label: str) -> None:
    if day is not None and day > timezone.localdate():
        raise ValidationError({field: _("%(label)s不能晚于今天。") % {"label": label}})


def id_number_taken_message(number: str) -> str:
    """The refusal of a duplicate: it names the number (masked), never whose it is."""
    return _("身份证号 %(number)s 已登记为社区工作者，不能重复登记。") % {
        "number": masking.mask_id_number(number)
    }


def _id_index(number: str) -> str:
    return crypto.blind_index("id_number", normalize_id_number(number)) if number else ""


def clean_worker(values: Mapping[str, Any], *, exclude: int | None = None) -> dict[str, Any]:
    """Every field of a worker checked together; the first problem of each field is reported."""
    errors: dict[str, list[str]] = {}

    def check(fn: Any) -> Any:
        try:
            return fn()
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, messages in exc.message_dict.items():
                    errors.setdefault(field, []).extend(messages)
            else:
                errors.setdefault("__all__", []).extend(exc.messages)
            return None

    cleaned: dict[str, Any] = {
        "name": str(values.get("name") or "").strip()[:60],
        "note": str(values.get("note") or "").strip()[:2000],
    }
    if not cleaned["name"]:
        errors["name"] = [_("请填写姓名。")]
    choices = {
        "education": (Education.values, _("学历")),
        "political_status": (PoliticalStatus.values, _("政治面貌")),
        "hiring_method": (HiringMethod.values, _("录用方式")),
    }
    for field, (allowed, label) in choices.items():
        value = str(values.get(field) or "")
        if field == "hiring_method" and not value:
            value = HiringMethod.OTHER
        if value and value not in allowed:
            errors[field] = [_("请选择%(label)s。") % {"label": label}]
        cleaned[field] = value
    raw_id = str(values.get("id_number") or "").strip()
    number = ""
    if raw_id:
        try:
            number = validate_id_number(raw_id)
        except ValidationError as exc:
            errors["id_number"] = list(exc.messages)
    cleaned["id_number"] = number
    if number:
        taken = CommunityWorker.objects.filter(id_number_index=_id_index(number))
        if exclude is not None:
            taken = taken.exclude(pk=exclude)
        if taken.exists():
            errors["id_number"] = [id_number_taken_message(number)]
    raw_phone = str(values.get("phone") or "").strip()
    phone = ""
    if raw_phone:
        try:
            phone = validate_phone(raw_phone)
        except ValidationError as exc:
            errors["phone"] = list(exc.messages)
    cleaned["phone"] = phone
    if number:
        # The ID number carries both; what was typed beside it is ignored, never contradicted.
        cleaned["birth_date"] = id_birth_date(number)
        cleaned["sex"] = id_sex(number)
    else:
        cleaned["birth_date"] = check(
            lambda: parse_date(values.get("birth_date"), "birth_date", _("出生日期"))
        )
        check(lambda: _not_future(cleaned["birth_date"], "birth_date", _("出生日期")))
        sex = str(values.get("sex") or "")
        if sex and sex not in SEXES:
            errors["sex"] = [_("性别应为男或女。")]
        cleaned["sex"] = sex
    cleaned["hired_on"] = check(
        lambda: parse_date(values.get("hired_on"), "hired_on", _("入职日期"))
    )
    check(lambda: _not_future(cleaned["hired_on"], "hired_on", _("入职日期")))
    born, hired = cleaned.get("birth_date"), cleaned.get("hired_on")
    if born and hired and hired.year - born.year < 16 and "hired_on" not in errors:
        errors["hired_on"] = [_("入职时未满16周岁，请核对入职日期或身份证号。")]
    if errors:
        raise ValidationError(errors)
    return cleaned


# --- Workers ---------------------------------------------------------------------------------------


@transaction.atomic
def register_worker(
    *, region: Region, by: Any, is_synthetic: bool = False, **values: Any
) -> CommunityWorker:
    """Register a worker employed at ``region`` (a community or township). ``values``: the fields of
    ``WORKER_FIELDS`` as typed. The ID number is checked (GB 11643) and must be new; birth date and
    sex come from it when it is given."""
    require_employer(by, region)
    cleaned = clean_worker(values)
    since: date = cleaned["hired_on"] or timezone.localdate()
    try:
        with transaction.atomic():
            worker = CommunityWorker.objects.create(
                region=region,
                status=WorkerStatus.ACTIVE,
                status_since=since,
                is_synthetic=is_synthetic,
                **cleaned,
            )
    except IntegrityError:
        # Someone registered the same number between the check and the insert.
        raise ValidationError(
            {"id_number": id_number_taken_message(cleaned["id_number"])}
        ) from None
    WorkerStatusChange.objects.create(
        worker=worker,
        from_status="",
        to_status=WorkerStatus.ACTIVE,
        effective_on=since,
        reason=_("登记"),
        recorded_by=_actor(by),
    )
    audit.record(
        "workforce.worker.register",
        obj=worker,
        actor=by,
        fields=[name for name in WORKER_FIELDS if cleaned.get(name)],
        object_repr=worker.name,
        region=region,
    )
    return worker


def conflict_message() -> str:
    return _("该社区工作者的信息刚刚已被他人修改，请刷新页面后重试。")


def _locked(worker: CommunityWorker, version: int | None) -> CommunityWorker:
    locked = CommunityWorker.objects.select_for_update().select_related("region").get(pk=worker.pk)
    if version is not None and locked.version != int(version):
        raise ValidationError(conflict_message(), code="conflict")
    return locked


@transaction.atomic
def update_worker(
    *,
    worker: CommunityWorker,
    by: Any,
    version: int | None = None,
    region: Region | None = None,
    **values: Any,
) -> CommunityWorker:
    """Change a worker's particulars (and, with ``region``, where they are employed); ``version`` is
    the one the editor saw: a colleague's newer edit is never overwritten. Fields not given keep their
    value."""
    _require_worker(by, worker)
    locked = _locked(worker, version)
    if region is not None and region.pk != locked.region_id:
        require_employer(by, region)
    current: dict[str, Any] = {name: getattr(locked, name) for name in WORKER_FIELDS}
    current.update({k: v for k, v in values.items() if k in WORKER_FIELDS})
    cleaned = clean_worker(current, exclude=locked.pk)
    changed = [name for name in WORKER_FIELDS if cleaned.get(name) != getattr(locked, name)]
    for name in WORKER_FIELDS:
        setattr(locked, name, cleaned[name])
    if region is not None and region.pk != locked.region_id:
        locked.region = region
        changed.append("region")
    locked.version = F("version") + 1
    locked.updated_at = timezone.now()
    try:
        with transaction.atomic():
            locked.save()
    except IntegrityError:
        raise ValidationError(
            {"id_number": id_number_taken_message(cleaned["id_number"])}
        ) from None
    locked.refresh_from_db()
    audit.record(
        "workforce.worker.update",
        obj=locked,
        actor=by,
        fields=changed,
        object_repr=locked.name,
        region=locked.region,
    )
    return locked


def reveal(*, worker: CommunityWorker, field_name: str, reason: str, by: Any) -> str:
    """The clear ID number or phone of one worker, for a user who says why. Audited (the reason is
    kept, the value never is)."""
    return audit.reveal(
        worker,
        field_name,
        reason=reason,
        allowed=REVEALABLE_FIELDS,
        action="workforce.reveal",
        actor=by,
        require=lambda: _require_worker(by, worker, WorkforcePerm.REVEAL),
        object_repr=worker.name,
        region=worker.region,
    )


# --- Status ----------------------------------------------------------------------------------------


@transaction.atomic
def change_status(
    *,
    worker: CommunityWorker,
    to_status: str,
    effective_on: Any,
    reason: str,
    by: Any,
    version: int | None = None,
) -> WorkerStatusChange:
    """Record a change of status from ``effective_on``. Leaving, retiring or dismissal ends every
    post the worker holds on that date. A status changed by someone else meanwhile is refused."""
    _require_worker(by, worker)
    if to_status not in WorkerStatus.values:
        raise ValidationError({"to_status": _("请选择新状态。")})
    day = parse_date(effective_on, "effective_on", _("生效日期"))
    if day is None:
        raise ValidationError({"effective_on": _("请填写生效日期。")})
    _not_future(day, "effective_on", _("生效日期"))
    reason = (reason or "").strip()[:200]
    if len(reason) < 2:
        raise ValidationError({"reason": _("请填写变更原因。")})
    locked = _locked(worker, version)
    if locked.status == to_status:
        raise ValidationError(
            {
                "to_status": _("该工作者已是“%(status)s”状态。")
                % {"status": locked.get_status_display()}
            }
        )
    if locked.status_since and day < locked.status_since:
        raise ValidationError(
            {
                "effective_on": _("生效日期不能早于当前状态的起始日期（%(since)s）。")
                % {"since": locked.status_since.isoformat()}
            }
        )
    updated = CommunityWorker.objects.filter(
        pk=locked.pk, status=locked.status, version=locked.version
    ).update(
        status=to_status, status_since=day, version=F("version") + 1, updated_at=timezone.now()
    )
    if updated != 1:
        raise ValidationError(conflict_message(), code="conflict")
    if to_status in ENDING_STATUSES:
        open_posts = WorkerPost.objects.filter(worker=locked, ended_on__isnull=True)
        # A post that starts after the date ends the day it starts (dates stay in order).
        open_posts.filter(started_on__gt=day).update(ended_on=F("started_on"))
        open_posts.filter(started_on__lte=day).update(ended_on=day)
    change = WorkerStatusChange.objects.create(
        worker=locked,
        from_status=locked.status,
        to_status=to_status,
        effective_on=day,
        reason=reason,
        recorded_by=_actor(by),
    )
    audit.record(
        "workforce.worker.status",
        obj=locked,
        actor=by,
        fields=["status", "status_since"],
        reason=reason,
        object_repr=f"{locked.name} {locked.status}→{to_status}",
        region=locked.region,
    )
    return change


# --- Posts -----------------------------------------------------------------------------------------


def grid_clash_message(grid: Grid | None) -> str:
    return _(
        "该工作者已是“%(grid)s”的专职网格员，一人只能担任一个网格的专职网格员；请先结束该岗位。"
    ) % {"grid": grid.name if grid is not None else "—"}


def _open_grid_post(worker: CommunityWorker) -> WorkerPost | None:
    return (
        WorkerPost.objects.filter(worker=worker, kind=PostKind.GRID_WORKER, ended_on__isnull=True)
        .select_related("grid")
        .first()
    )


def post_communities_path_ok(worker: CommunityWorker, community: Region) -> bool:
    """A post is in the worker's own community, or in a community of the worker's township."""
    return community.path.startswith(worker.region.path)


@transaction.atomic
def assign_post(
    *,
    worker: CommunityWorker,
    kind: str,
    community: Region,
    started_on: Any,
    by: Any,
    grid: Grid | None = None,
    ended_on: Any = None,
    note: str = "",
) -> WorkerPost:
    """Give ``worker`` a post in ``community`` (for a full-time grid worker, in one of its grids).
    A worker holds at most one open full-time grid post; the database backs that under concurrency."""
    _require_worker(by, worker)
    if kind not in PostKind.values:
        raise ValidationError({"kind": _("请选择岗位。")})
    if community.level != Level.COMMUNITY:
        raise ValidationError({"community": _("岗位应设在具体的村(社区)。")})
    require_place(by, WorkforcePerm.EDIT, community.path, _refusal())
    if not post_communities_path_ok(worker, community):
        raise ValidationError(
            {
                "community": _("任职村(社区)应为该工作者所属单位“%(region)s”或其下辖的村(社区)。")
                % {"region": worker.region.name}
            }
        )
    start = parse_date(started_on, "started_on", _("任职日期"))
    if start is None:
        raise ValidationError({"started_on": _("请填写任职日期。")})
    end = parse_date(ended_on, "ended_on", _("离任日期"))
    if end is not None and end < start:
        raise ValidationError({"ended_on": _("离任日期不能早于任职日期。")})
    if kind == PostKind.GRID_WORKER and grid is None:
        raise ValidationError({"grid": _("专职网格员须选择所负责的网格。")})
    if grid is not None and grid.community_id != community.pk:
        raise ValidationError(
            {
                "grid": _("网格“%(grid)s”不属于“%(community)s”。")
                % {"grid": grid.name, "community": community.name}
            }
        )
    locked = _locked(worker, None)
    if locked.status not in SERVING_STATUSES:
        raise ValidationError(
            _("该工作者现为“%(status)s”，不能任职；如已返聘，请先将状态改为在岗。")
            % {"status": locked.get_status_display()}
        )
    if end is None:
        if kind == PostKind.GRID_WORKER:
            other = _open_grid_post(locked)
            if other is not None:
                raise ValidationError({"grid": grid_clash_message(other.grid)})
        same = WorkerPost.objects.filter(
            worker=locked, kind=kind, community=community, ended_on__isnull=True
        )
        if kind != PostKind.GRID_WORKER and same.exists():
            raise ValidationError(
                {
                    "kind": _("该工作者在“%(community)s”已担任此岗位。")
                    % {"community": community.name}
                }
            )
    try:
        with transaction.atomic():
            post = WorkerPost.objects.create(
                worker=locked,
                kind=kind,
                community=community,
                grid=grid,
                started_on=start,
                ended_on=end,
                note=(note or "").strip()[:200],
            )
    except IntegrityError:
        other = _open_grid_post(locked)
        raise ValidationError({"grid": grid_clash_message(other.grid if other else None)}) from None
    audit.record(
        "workforce.post.assign",
        obj=post,
        actor=by,
        fields=["kind", "community", "grid", "started_on", "ended_on"],
        object_repr=f"{locked.name} {post.get_kind_display()}",
        region=community,
    )
    return post


@transaction.atomic
def end_post(*, post: WorkerPost, ended_on: Any, by: Any) -> WorkerPost:
    """End an open post on ``ended_on`` (not before it started). A post already ended is refused."""
    worker = post.worker
    _require_worker(by, worker)
    require_place(by, WorkforcePerm.EDIT, post.community.path, _refusal())
    day = parse_date(ended_on, "ended_on", _("离任日期"))
    if day is None:
        raise ValidationError({"ended_on": _("请填写离任日期。")})
    if day < post.started_on:
        raise ValidationError(
            {
                "ended_on": _("离任日期不能早于任职日期（%(start)s）。")
                % {"start": post.started_on.isoformat()}
            }
        )
    updated = WorkerPost.objects.filter(pk=post.pk, ended_on__isnull=True).update(ended_on=day)
    if updated != 1:
        raise ValidationError(_("该岗位已经结束，请刷新页面。"))
    post.refresh_from_db()
    audit.record(
        "workforce.post.end",
        obj=post,
        actor=by,
        fields=["ended_on"],
        object_repr=f"{worker.name} {post.get_kind_display()}",
        region=post.community,
    )
    return post


# --- Pay -------------------------------------------------------------------------------------------


def clean_year(value: Any, field: str = "year") -> int:
    try:
        year = int(str(value).strip())
    except (TypeError, ValueError):
        raise ValidationError({field: _("年度应为四位数字，例如 2025。")}) from None
    if not FIRST_YEAR <= year <= timezone.localdate().year:
        raise ValidationError(
            {
                field: _("年度应在 %(first)d～%(last)d 之间。")
                % {"first": FIRST_YEAR, "last": timezone.localdate().year}
            }
        )
    return year


def clean_amount(value: Any, field: str, label: str, *, low: Decimal, high: Decimal) -> Decimal:
    if value in (None, ""):
        raise ValidationError({field: _("请填写%(label)s。") % {"label": label}})
    try:
        amount = Decimal(str(value).replace(",", "").replace("，", "").strip())
    except InvalidOperation:
        raise ValidationError({field: _("%(label)s应为数字（元）。") % {"label": label}}) from None
    if not amount.is_finite():
        raise ValidationError({field: _("%(label)s应为数字（元）。") % {"label": label}})
    if amount < 0:
        raise ValidationError({field: _("%(label)s不能为负数。") % {"label": label}})
    if amount < low:
        raise ValidationError(
            {
                field: _(
                    "%(label)s %(value)s 元过低（应不少于 %(low)s 元），请核对是否填成了月数额。"
                )
                % {"label": label, "value": amount, "low": low}
            }
        )
    if amount > high:
        raise ValidationError(
            {
                field: _("%(label)s %(value)s 元不合常理（超过 %(high)s 元），请核对单位。")
                % {"label": label, "value": amount, "high": high}
            }
        )
    return amount.quantize(Decimal("0.01"))


@transaction.atomic
def record_pay(*, worker: CommunityWorker, year: Any, amount: Any, by: Any) -> AnnualPay:
    """Enter (or correct) a worker's total pay for ``year``."""
    _require_worker(by, worker, WorkforcePerm.MANAGE_PAY)
    pay_year = clean_year(year)
    value = clean_amount(amount, "amount", _("年度薪酬"), low=Decimal("0.01"), high=MAX_ANNUAL_PAY)
    row, created = AnnualPay.objects.update_or_create(
        worker=worker,
        year=pay_year,
        defaults={"amount": value, "entered_by": _actor(by), "entered_at": timezone.now()},
    )
    audit.record(
        "workforce.pay.enter" if created else "workforce.pay.correct",
        obj=row,
        actor=by,
        fields=["amount"],
        object_repr=f"{worker.name} {pay_year}",
        region=worker.region,
    )
    return row


# --- Figures ---------------------------------------------------------------------------------------


def _require_figures_place(by: Any, region: Region) -> None:
    if region.level not in FIGURE_LEVELS:
        raise ValidationError({"region": _("城镇常住人口和社会平均工资按县(市、区)或全市填报。")})
    require_place(
        by,
        WorkforcePerm.CONFIGURE,
        region.path,
        _("您没有维护该地区统计数据的权限。"),
    )


@transaction.atomic
def record_urban_population(
    *, region: Region, year: Any, population: Any, by: Any, source: str = ""
) -> UrbanPopulation:
    """Enter the statistics bureau's urban permanent population of a county or the city for a
    year. Entering a year again replaces it; the audit keeps the old figure."""
    _require_figures_place(by, region)
    figure_year = clean_year(year)
    try:
        count = int(str(population).replace(",", "").strip())
    except (TypeError, ValueError):
        raise ValidationError({"population": _("城镇常住人口应为整数（人）。")}) from None
    if count <= 0:
        raise ValidationError({"population": _("城镇常住人口应大于 0。")})
    if count > MAX_POPULATION:
        raise ValidationError(
            {
                "population": _("城镇常住人口 %(n)s 人不合常理，请核对单位（人，不是万人）。")
                % {"n": count}
            }
        )
    source = (source or "").strip()[:200]
    old = (
        UrbanPopulation.objects.select_for_update().filter(region=region, year=figure_year).first()
    )
    row, created = UrbanPopulation.objects.update_or_create(
        region=region,
        year=figure_year,
        defaults={
            "population": count,
            "source": source,
            "entered_by": _actor(by),
            "entered_at": timezone.now(),
        },
    )
    fields = ["population", "source"]
    if old is not None:
        fields = [f"population: {old.population} → {count}", f"source: {old.source} → {source}"]
    audit.record(
        "workforce.population.enter" if created else "workforce.population.replace",
        obj=row,
        actor=by,
        fields=fields,
        object_repr=f"{region.name} {figure_year}",
        region=region,
    )
    return row


@transaction.atomic
def record_average_wage(
    *, region: Region, year: Any, amount: Any, by: Any, source: str = ""
) -> AverageWage:
    """Enter the local average annual wage of a county or the city for a year (pay of the next year
    is checked against it). Entering a year again replaces it; the audit keeps the old figure."""
    _require_figures_place(by, region)
    figure_year = clean_year(year)
    value = clean_amount(
        amount, "amount", _("社会平均工资"), low=MIN_AVERAGE_WAGE, high=MAX_AVERAGE_WAGE
    )
    source = (source or "").strip()[:200]
    old = AverageWage.objects.select_for_update().filter(region=region, year=figure_year).first()
    row, created = AverageWage.objects.update_or_create(
        region=region,
        year=figure_year,
        defaults={
            "amount": value,
            "source": source,
            "entered_by": _actor(by),
            "entered_at": timezone.now(),
        },
    )
    fields = ["amount", "source"]
    if old is not None:
        fields = [f"amount: {old.amount} → {value}", f"source: {old.source} → {source}"]
    audit.record(
        "workforce.average_wage.enter" if created else "workforce.average_wage.replace",
        obj=row,
        actor=by,
        fields=fields,
        object_repr=f"{region.name} {figure_year}",
        region=region,
    )
    return row
