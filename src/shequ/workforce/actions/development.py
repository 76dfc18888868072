"""Every write of the workforce's development side: social-work qualifications and the allowance rates
they bring, training courses and attendance, the annual review (schemes and reviews), the party
secretaries' reserve pool, and the joint qualification review of committee candidates (两委资格联审).

Each action checks the actor's jurisdiction over the place it writes (``require_place``), validates
everything before writing (a ``ValidationError`` keyed by field, in Chinese, naming what is wrong), and
audits in the same transaction. The joint review moves through ``CANDIDATE_WORKFLOW`` (conditional
updates on ``status`` and ``version``: two concurrent clicks cannot both apply)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shequ.core import audit
from shequ.core.scoping import require_place
from shequ.core.validators import validate_id_number, validate_phone
from shequ.core.workflow import Transition, Workflow
from shequ.territory.models import Level, Region
from shequ.workforce.models import (
    AllowanceRate,
    CandidateCheck,
    CandidateReview,
    CheckAgency,
    CheckResult,
    CommunityWorker,
    Education,
    PerformanceReview,
    PoliticalStatus,
    QualificationLevel,
    ReserveCandidate,
    ReserveStatus,
    ReviewGrade,
    ReviewIndicator,
    ReviewScheme,
    ReviewStatus,
    SocialWorkQualification,
    SoughtPost,
    TrainingCourse,
    TrainingLevel,
    TrainingRecord,
)
from shequ.workforce.permissions import WorkforcePerm

# Grades from the total as a share of the scheme's maximum (percent): at least the first figure of
# a pair gives its grade, checked from the top; below the last one the worker is 不称职.
GRADE_THRESHOLDS: tuple[tuple[Decimal, str], ...] = (
    (Decimal(90), ReviewGrade.EXCELLENT),
    (Decimal(70), ReviewGrade.COMPETENT),
    (Decimal(60), ReviewGrade.BASIC),
)
# The agencies a joint review asks, in this order (中组部《关于做好村(社区)“两委”换届工作的通知》:
# 组织、纪检监察、政法、公安、检察、法院、民政、信访、市场监管、自然资源、卫生健康等部门联审).
CHECKLIST: tuple[str, ...] = (
    CheckAgency.ORGANISATION,
    CheckAgency.DISCIPLINE,
    CheckAgency.POLICE,
    CheckAgency.PROCURATORATE,
    CheckAgency.COURT,
    CheckAgency.CIVIL_AFFAIRS,
    CheckAgency.PETITIONS,
    CheckAgency.MARKET,
    CheckAgency.NATURAL_RESOURCES,
    CheckAgency.HEALTH,
)
# A training course is organised at the level of the region that runs it.
COURSE_LEVEL_OF_REGION: dict[str, str] = {
    Level.CITY: TrainingLevel.CITY,
    Level.COUNTY: TrainingLevel.COUNTY,
    Level.TOWNSHIP: TrainingLevel.TOWNSHIP,
}
LEVEL_RANK = {
    QualificationLevel.ASSISTANT: 1,
    QualificationLevel.INTERMEDIATE: 2,
    QualificationLevel.SENIOR: 3,
}
MAX_COURSE_HOURS = Decimal("1000")
MAX_ALLOWANCE = Decimal("100000")
MAX_INDICATORS = 30
FIRST_YEAR = 2000
# The system answers for the joint review as a whole once its agencies have spoken.
SYSTEM = "workforce.system"

S = ReviewStatus
CANDIDATE_WORKFLOW = Workflow(
    transitions=[
        Transition("submit", (S.DRAFT,), S.IN_REVIEW, WorkforcePerm.VET_CANDIDATES,
                   gettext_lazy("提交联审")),
        Transition("pass", (S.IN_REVIEW,), S.PASSED, SYSTEM, gettext_lazy("联审通过")),
        Transition("fail", (S.IN_REVIEW,), S.FAILED, SYSTEM, gettext_lazy("联审未通过")),
        Transition("withdraw", (S.DRAFT, S.IN_REVIEW), S.WITHDRAWN, WorkforcePerm.VET_CANDIDATES,
                   gettext_lazy("撤回"), style="danger"),
    ]
)  # fmt: skip


def _refusal() -> str:
    return _("该人员或地区不在您的管辖范围内，或您没有此项权限。")


def _actor(by: Any) -> Any:
    return by if getattr(by, "pk", None) else None


def _text(value: Any, limit: int) -> str:
    return str(value or "").strip()[:limit]


def _date(value: Any, field: str, label: str) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value or "").strip())
    except ValueError:
        raise ValidationError(
            {field: _("请填写%(label)s，格式如 2024-06-30。") % {"label": label}}
        ) from None


def _decimal(value: Any, field: str, label: str) -> Decimal:
    try:
        number = Decimal(str(value if value is not None else "").replace(",", "").strip())
    except InvalidOperation:
        raise ValidationError({field: _("%(label)s应为数字。") % {"label": label}}) from None
    if not number.is_finite():
        raise ValidationError({field: _("%(label)s应为数字。") % {"label": label}})
    return number


def _year(value: Any, field: str = "year") -> int:
    try:
        year = int(value)
    except (TypeError, ValueError):
        raise ValidationError({field: _("年度应为四位数字，例如 2025。")}) from None
    if not FIRST_YEAR <= year <= timezone.localdate().year + 1:
        raise ValidationError({field: _("年度 %(year)s 不在可登记的范围内。") % {"year": year}})
    return year


def require_worker(by: Any, worker: CommunityWorker, perm: str) -> None:
    require_place(by, perm, worker.region.path, _refusal())


def county_and_city_codes(region: Region) -> tuple[str, str]:
    """The county's and the city's codes above (or at) ``region``, from its materialised path."""
    parts = region.path.strip("/").split("/")
    return (parts[1] if len(parts) > 1 else ""), parts[0]


def _require_county_or_city(region: Region, field: str = "region") -> None:
    if region.level not in (Level.CITY, Level.COUNTY):
        raise ValidationError({field: _("该项由县(市、区)或市统一制定，请选择县级或市级地区。")})


# --- Qualifications and allowances ----------------------------------------------------------------


@transaction.atomic
def record_qualification(
    *, worker: CommunityWorker, level: str, certificate_number: str, obtained_on: Any, by: Any
) -> SocialWorkQualification:
    """Record a worker's social-work qualification certificate (社会工作者职业资格证书)."""
    require_worker(by, worker, WorkforcePerm.EDIT)
    errors: dict[str, str] = {}
    if level not in QualificationLevel.values:
        errors["level"] = _("请选择资格等级：助理社会工作师、社会工作师或高级社会工作师。")
    number = _text(certificate_number, 40).upper()
    if not number:
        errors["certificate_number"] = _("请填写证书编号。")
    try:
        obtained = _date(obtained_on, "obtained_on", _("取得日期"))
    except ValidationError as exc:
        errors["obtained_on"] = exc.message_dict["obtained_on"][0]
    else:
        if obtained > timezone.localdate():
            errors["obtained_on"] = _("取得日期 %(day)s 晚于今天，请核对。") % {"day": obtained}
        elif obtained.year < 2008:
            # The national examination was first held in 2008.
            errors["obtained_on"] = _(
                "全国社会工作者职业资格考试始于 2008 年，取得日期不应早于此。"
            )
    if errors:
        raise ValidationError(errors)
    if level and SocialWorkQualification.objects.filter(worker=worker, level=level).exists():
        raise ValidationError(
            {
                "level": _("%(name)s 已登记过“%(level)s”资格。")
                % {"name": worker.name, "level": QualificationLevel(level).label}
            }
        )
    duplicate = _("证书编号“%(number)s”已登记过，请核对证书编号。") % {"number": number}
    if SocialWorkQualification.objects.filter(certificate_number=number).exists():
        raise ValidationError({"certificate_number": duplicate})
    try:
        with transaction.atomic():
            qualification = SocialWorkQualification.objects.create(
                worker=worker,
                level=level,
                certificate_number=number,
                obtained_on=obtained,
                recorded_by=_actor(by),
            )
    except IntegrityError:
        # Someone registered the same certificate (or level) between the check and the insert.
        raise ValidationError({"certificate_number": duplicate}) from None
    audit.record(
        "workforce.qualification.record",
        obj=qualification,
        actor=by,
        fields=["level", "certificate_number", "obtained_on"],
        object_repr=str(qualification),
        region=worker.region,
    )
    return qualification


@transaction.atomic
def remove_qualification(*, qualification: SocialWorkQualification, by: Any) -> None:
    """Remove a certificate recorded by mistake."""
    worker = qualification.worker
    require_worker(by, worker, WorkforcePerm.EDIT)
    text = str(qualification)
    audit.record(
        "workforce.qualification.remove",
        obj=qualification,
        actor=by,
        object_repr=text,
        region=worker.region,
    )
    qualification.delete()


@transaction.atomic
def set_allowance_rate(
    *, region: Region, level: str, monthly_amount: Any, effective_from: Any, by: Any
) -> AllowanceRate:
    """Set the monthly allowance a level brings in a county or the city from a date (a later date
    starts a new rate; the same date corrects the amount)."""
    _require_county_or_city(region)
    require_place(by, WorkforcePerm.CONFIGURE, region.path, _refusal())
    if level not in QualificationLevel.values:
        raise ValidationError({"level": _("请选择资格等级。")})
    amount = _decimal(monthly_amount, "monthly_amount", _("每月津贴"))
    if amount < 0 or amount > MAX_ALLOWANCE:
        raise ValidationError({"monthly_amount": _("每月津贴应在 0～100000 元之间。")})
    start = _date(effective_from, "effective_from", _("执行日期"))
    rate, created = AllowanceRate.objects.update_or_create(
        region=region,
        level=level,
        effective_from=start,
        defaults={
            "monthly_amount": amount.quantize(Decimal("0.01")),
            "entered_by": _actor(by),
            "entered_at": timezone.now(),
        },
    )
    audit.record(
        "workforce.allowance.set" if created else "workforce.allowance.correct",
        obj=rate,
        actor=by,
        fields=["monthly_amount", "effective_from"],
        object_repr=str(rate),
        region=region,
    )
    return rate


# --- Training -------------------------------------------------------------------------------------


def _hours(value: Any, field: str = "hours") -> Decimal:
    hours = _decimal(value, field, _("学时"))
    if hours <= 0:
        raise ValidationError({field: _("学时应大于 0。")})
    if hours > MAX_COURSE_HOURS:
        raise ValidationError({field: _("学时不应超过 1000。")})
    return hours.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@transaction.atomic
def register_course(
    *,
    region: Region,
    title: str,
    level: str,
    starts_on: Any,
    ends_on: Any,
    hours: Any,
    by: Any,
    organiser: str = "",
    description: str = "",
    is_synthetic: bool = False,
) -> TrainingCourse:
    """Register a training course run by ``region`` (a city, county or township) at its level."""
    require_place(by, WorkforcePerm.TRAIN, region.path, _refusal())
    errors: dict[str, str] = {}
    title = _text(title, 120)
    if not title:
        errors["title"] = _("请填写课程名称。")
    expected = COURSE_LEVEL_OF_REGION.get(region.level)
    if expected is None:
        errors["region"] = _("培训由市、县(市、区)或镇(街道)举办，请选择举办地区。")
    elif level != expected:
        errors["level"] = _("“%(region)s”举办的培训应为%(level)s。") % {
            "region": region.name,
            "level": TrainingLevel(expected).label,
        }
    start: datetime.date | None = None
    end: datetime.date | None = None
    try:
        start = _date(starts_on, "starts_on", _("开始日期"))
    except ValidationError as exc:
        errors["starts_on"] = exc.message_dict["starts_on"][0]
    try:
        end = _date(ends_on, "ends_on", _("结束日期"))
    except ValidationError as exc:
        errors["ends_on"] = exc.message_dict["ends_on"][0]
    if start and end and end < start:
        errors["ends_on"] = _("结束日期（%(end)s）早于开始日期（%(start)s）。") % {
            "end": end,
            "start": start,
        }
    try:
        course_hours = _hours(hours)
    except ValidationError as exc:
        errors["hours"] = exc.message_dict["hours"][0]
    if errors or start is None or end is None:
        raise ValidationError(errors)
    course = TrainingCourse.objects.create(
        region=region,
        title=title,
        level=level,
        organiser=_text(organiser, 120),
        starts_on=start,
        ends_on=end,
        hours=course_hours,
        description=_text(description, 4000),
        created_by=_actor(by),
        is_synthetic=is_synthetic,
    )
    audit.record(
        "workforce.course.register", obj=course, actor=by, object_repr=title, region=region
    )
    return course


def require_trainer(by: Any, course: TrainingCourse, workers: Sequence[CommunityWorker]) -> None:
    """Attendance is recorded by the course's organisers (``train`` over its region) or, for their
    own workers, by a place below it that holds ``train`` (a community reporting who attended)."""
    if by is None:
        return
    if by.has_permission(WorkforcePerm.TRAIN):
        where = by.jurisdiction(WorkforcePerm.TRAIN)
        if where.covers_path(course.region.path):
            return
        if workers and all(where.covers_path(w.region.path) for w in workers):
            return
    raise PermissionDenied(_refusal())


@transaction.atomic
def record_attendance(
    *,
    course: TrainingCourse,
    workers: Sequence[CommunityWorker],
    by: Any,
    hours: Any = None,
    passed: bool = True,
) -> list[TrainingRecord]:
    """Add workers to a course's attendance, each credited ``hours`` (the course's when not given;
    never more). Every worker must work inside the course region; none may already be recorded."""
    require_trainer(by, course, workers)
    if not workers:
        raise ValidationError({"workers": _("请至少勾选一名参训人员。")})
    credited = course.hours if hours in (None, "") else _hours(hours)
    if credited > course.hours:
        raise ValidationError(
            {
                "hours": _("获得学时（%(hours)s）不能超过课程学时（%(max)s）。")
                % {"hours": credited, "max": course.hours}
            }
        )
    outside = [w.name for w in workers if not w.region.path.startswith(course.region.path)]
    if outside:
        raise ValidationError(
            {
                "workers": _("%(names)s 不在“%(region)s”范围内工作，不能登记为本课程学员。")
                % {"names": "、".join(outside), "region": course.region.name}
            }
        )
    ids = {w.pk for w in workers}
    already = list(
        TrainingRecord.objects.filter(course=course, worker_id__in=ids).values_list(
            "worker__name", flat=True
        )
    )
    if already:
        raise ValidationError(
            {"workers": _("%(names)s 已在本课程的参训名单中。") % {"names": "、".join(already)}}
        )
    now = timezone.now()
    unique = list({w.pk: w for w in workers}.values())
    try:
        with transaction.atomic():
            records = TrainingRecord.objects.bulk_create(
                TrainingRecord(
                    course=course,
                    worker=worker,
                    hours=credited,
                    passed=bool(passed),
                    recorded_by=_actor(by),
                    recorded_at=now,
                )
                for worker in unique
            )
    except IntegrityError:
        raise ValidationError(
            {"workers": _("参训名单刚刚已被他人修改，请刷新页面后重试。")}
        ) from None
    audit.record(
        "workforce.training.attend",
        obj=course,
        actor=by,
        fields=["hours", "passed"],
        object_repr=_("%(course)s：登记 %(n)s 人") % {"course": course.title, "n": len(records)},
        region=course.region,
    )
    return records


@transaction.atomic
def update_training_record(
    *, record: TrainingRecord, by: Any, passed: bool, hours: Any = None
) -> TrainingRecord:
    """Mark an attendee passed or failed, and correct the hours credited (never above the course's)."""
    course = record.course
    require_trainer(by, course, [record.worker])
    credited = record.hours if hours in (None, "") else _hours(hours)
    if credited > course.hours:
        raise ValidationError(
            {
                "hours": _("获得学时（%(hours)s）不能超过课程学时（%(max)s）。")
                % {"hours": credited, "max": course.hours}
            }
        )
    TrainingRecord.objects.filter(pk=record.pk).update(passed=bool(passed), hours=credited)
    record.passed, record.hours = bool(passed), credited
    audit.record(
        "workforce.training.result",
        obj=record,
        actor=by,
        fields=["passed", "hours"],
        object_repr=str(record),
        region=record.worker.region,
    )
    return record


@transaction.atomic
def remove_training_record(*, record: TrainingRecord, by: Any) -> None:
    course = record.course
    require_trainer(by, course, [record.worker])
    audit.record(
        "workforce.training.remove",
        obj=record,
        actor=by,
        object_repr=str(record),
        region=record.worker.region,
    )
    record.delete()


# --- Annual reviews -------------------------------------------------------------------------------


@transaction.atomic
def define_review_scheme(
    *,
    region: Region,
    year: Any,
    name: str,
    indicators: Iterable[Mapping[str, Any]],
    by: Any,
) -> ReviewScheme:
    """Define a county's (or the city's) indicator set for a year's review. ``indicators``: dicts of
    ``name``, ``max_score``, ``guidance``, in order."""
    _require_county_or_city(region)
    require_place(by, WorkforcePerm.CONFIGURE, region.path, _refusal())
    chosen = _year(year)
    name = _text(name, 120)
    if not name:
        raise ValidationError({"name": _("请填写考核方案名称。")})
    rows: list[ReviewIndicator] = []
    for number, item in enumerate(indicators, start=1):
        label = _text(item.get("name"), 120)
        if not label:
            raise ValidationError({"indicators": _("第 %(n)s 项指标没有名称。") % {"n": number}})
        try:
            top = _decimal(item.get("max_score"), "indicators", _("分值"))
        except ValidationError:
            raise ValidationError(
                {"indicators": _("指标“%(name)s”的分值应为数字。") % {"name": label}}
            ) from None
        if top <= 0 or top > 1000:
            raise ValidationError(
                {
                    "indicators": _("指标“%(name)s”的分值应在 0～1000 之间且大于 0。")
                    % {"name": label}
                }
            )
        rows.append(
            ReviewIndicator(
                name=label,
                max_score=top.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP),
                guidance=_text(item.get("guidance"), 300),
                position=number,
            )
        )
    if not rows:
        raise ValidationError({"indicators": _("请至少填写一项考核指标。")})
    if len(rows) > MAX_INDICATORS:
        raise ValidationError({"indicators": _("考核指标最多 30 项。")})
    names = [row.name for row in rows]
    if len(set(names)) != len(names):
        raise ValidationError({"indicators": _("指标名称有重复，请合并或改名。")})
    taken = _("%(region)s %(year)s 年度的考核方案已经制定过。") % {
        "region": region.name,
        "year": chosen,
    }
    if ReviewScheme.objects.filter(region=region, year=chosen).exists():
        raise ValidationError({"year": taken})
    try:
        with transaction.atomic():
            scheme = ReviewScheme.objects.create(
                region=region, year=chosen, name=name, created_by=_actor(by)
            )
    except IntegrityError:
        raise ValidationError({"year": taken}) from None
    for row in rows:
        row.scheme = scheme
    ReviewIndicator.objects.bulk_create(rows)
    audit.record(
        "workforce.review_scheme.define",
        obj=scheme,
        actor=by,
        fields=["name", "indicators"],
        object_repr=name,
        region=region,
    )
    return scheme


def scheme_for(worker: CommunityWorker, year: int) -> ReviewScheme | None:
    """The scheme a worker is reviewed against for ``year``: their county's, else the city's."""
    county, city = county_and_city_codes(worker.region)
    found = {
        s.region.code: s
        for s in ReviewScheme.objects.filter(
            year=year, region__code__in=[c for c in (county, city) if c]
        ).select_related("region")
    }
    return found.get(county) or found.get(city)


def grade_for(total: Decimal, maximum: Decimal) -> str:
    share = total * 100 / maximum if maximum else Decimal(0)
    for floor, grade in GRADE_THRESHOLDS:
        if share >= floor:
            return grade
    return ReviewGrade.INCOMPETENT


@transaction.atomic
def review_worker(
    *,
    worker: CommunityWorker,
    year: Any,
    scores: Mapping[Any, Any],
    by: Any,
    comment: str = "",
) -> PerformanceReview:
    """Score a worker for a year against their scheme: one score per indicator (keyed by the
    indicator's id), each from 0 to its maximum. The total and the grade are computed."""
    require_worker(by, worker, WorkforcePerm.REVIEW)
    chosen = _year(year)
    scheme = scheme_for(worker, chosen)
    if scheme is None:
        raise ValidationError(
            {"year": _("%(year)s 年度还没有适用于该人员的考核方案，请先由县(市、区)或市制定。")
             % {"year": chosen}}
        )  # fmt: skip
    given = {str(key): value for key, value in scores.items()}
    errors: dict[str, str] = {}
    kept: dict[str, str] = {}
    total = maximum = Decimal(0)
    for indicator in scheme.indicators.order_by("position", "pk"):
        key = f"score_{indicator.pk}"
        raw = given.get(str(indicator.pk))
        if raw in (None, ""):
            errors[key] = _("请为“%(name)s”打分。") % {"name": indicator.name}
            continue
        try:
            score = _decimal(raw, key, indicator.name)
        except ValidationError:
            errors[key] = _("“%(name)s”的得分应为数字。") % {"name": indicator.name}
            continue
        if score < 0 or score > indicator.max_score:
            errors[key] = _("“%(name)s”的得分应在 0～%(max)s 之间。") % {
                "name": indicator.name,
                "max": indicator.max_score,
            }
            continue
        score = score.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        kept[str(indicator.pk)] = str(score)
        total += score
        maximum += indicator.max_score
    if errors:
        raise ValidationError(errors)
    taken = _("%(name)s %(year)s 年度已经考核过。") % {"name": worker.name, "year": chosen}
    if PerformanceReview.objects.filter(worker=worker, year=chosen).exists():
        raise ValidationError({"year": taken})
    try:
        with transaction.atomic():
            review = PerformanceReview.objects.create(
                worker=worker,
                scheme=scheme,
                year=chosen,
                scores=kept,
                total=total,
                grade=grade_for(total, maximum),
                comment=_text(comment, 2000),
                reviewed_by=_actor(by),
            )
    except IntegrityError:
        raise ValidationError({"year": taken}) from None
    audit.record(
        "workforce.review.score",
        obj=review,
        actor=by,
        fields=["scores", "total", "grade", "comment"],
        object_repr=str(review),
        region=worker.region,
    )
    return review


# --- The reserve pool -----------------------------------------------------------------------------


@transaction.atomic
def add_reserve_candidate(
    *,
    community: Region,
    by: Any,
    worker: CommunityWorker | None = None,
    name: str = "",
    birth_date: Any = None,
    phone: str = "",
    education: str = "",
    political_status: str = "",
    background: str = "",
    current_job: str = "",
    added_on: Any = None,
    is_synthetic: bool = False,
) -> ReserveCandidate:
    """Add a person to a community's reserve pool for party secretary: one of the workers (their
    name, birth date and education are taken from the worker) or someone else."""
    if community.level != Level.COMMUNITY:
        raise ValidationError({"community": _("后备人选应储备到具体的村(社区)。")})
    require_place(by, WorkforcePerm.REVIEW, community.path, _refusal())
    errors: dict[str, str] = {}
    if worker is not None:
        require_worker(by, worker, WorkforcePerm.REVIEW)
        name = name or worker.name
        birth_date = birth_date or worker.birth_date
        education = education or worker.education
        political_status = political_status or worker.political_status
        phone = phone or worker.phone or ""
        if ReserveCandidate.objects.filter(
            region=community, worker=worker, status=ReserveStatus.IN_POOL
        ).exists():
            errors["worker"] = _("%(name)s 已在本村(社区)的后备人才库中。") % {"name": worker.name}
    name = _text(name, 60)
    if not name:
        errors["name"] = _("请填写姓名。")
    born = None
    if birth_date not in (None, ""):
        try:
            born = _date(birth_date, "birth_date", _("出生日期"))
        except ValidationError as exc:
            errors["birth_date"] = exc.message_dict["birth_date"][0]
        else:
            if born > timezone.localdate() or born.year < 1930:
                errors["birth_date"] = _("出生日期不合理，请核对。")
    number = ""
    if phone:
        try:
            number = validate_phone(str(phone))
        except ValidationError as exc:
            errors["phone"] = exc.messages[0]
    if education and education not in Education.values:
        errors["education"] = _("请选择学历。")
    if political_status and political_status not in PoliticalStatus.values:
        errors["political_status"] = _("请选择政治面貌。")
    added = timezone.localdate()
    if added_on not in (None, ""):
        try:
            added = _date(added_on, "added_on", _("入库日期"))
        except ValidationError as exc:
            errors["added_on"] = exc.message_dict["added_on"][0]
        else:
            if added > timezone.localdate():
                errors["added_on"] = _("入库日期晚于今天，请核对。")
    if errors:
        raise ValidationError(errors)
    candidate = ReserveCandidate.objects.create(
        region=community,
        worker=worker,
        name=name,
        birth_date=born,
        phone=number,
        education=education or "",
        political_status=political_status or "",
        background=_text(background, 120),
        current_job=_text(current_job, 120),
        added_on=added,
        added_by=_actor(by),
        is_synthetic=is_synthetic,
    )
    audit.record(
        "workforce.reserve.add",
        obj=candidate,
        actor=by,
        fields=["name", "birth_date", "phone", "education", "political_status"],
        object_repr=name,
        region=community,
    )
    return candidate


def _leave_pool(candidate: ReserveCandidate, status: str, reason: str, by: Any) -> None:
    require_place(by, WorkforcePerm.REVIEW, candidate.region.path, _refusal())
    reason = _text(reason, 200)
    if not reason:
        raise ValidationError({"reason": _("请填写变动原因。")})
    changed = ReserveCandidate.objects.filter(pk=candidate.pk, status=ReserveStatus.IN_POOL).update(
        status=status, status_reason=reason
    )
    if changed != 1:
        raise ValidationError(
            _("该人选已不在库中（可能刚刚已被他人处理），请刷新页面查看最新状态。")
        )
    candidate.status, candidate.status_reason = status, reason
    audit.record(
        f"workforce.reserve.{'appoint' if status == ReserveStatus.APPOINTED else 'remove'}",
        obj=candidate,
        actor=by,
        fields=["status", "status_reason"],
        object_repr=candidate.name,
        region=candidate.region,
    )


@transaction.atomic
def appoint_reserve_candidate(
    *, candidate: ReserveCandidate, reason: str, by: Any
) -> ReserveCandidate:
    _leave_pool(candidate, ReserveStatus.APPOINTED, reason, by)
    return candidate


@transaction.atomic
def remove_reserve_candidate(
    *, candidate: ReserveCandidate, reason: str, by: Any
) -> ReserveCandidate:
    _leave_pool(candidate, ReserveStatus.REMOVED, reason, by)
    return candidate


# --- The joint qualification review of committee candidates (两委资格联审) --------------------------


def _require_review(by: Any, review: CandidateReview) -> None:
    require_place(by, WorkforcePerm.VET_CANDIDATES, review.community.path, _refusal())


def id_number_index(value: str) -> str:
    field: Any = CandidateReview._meta.get_field("id_number_index")
    return str(field.index_for(value))


@transaction.atomic
def create_candidate_review(
    *,
    community: Region,
    election: str,
    post: str,
    name: str,
    id_number: str,
    by: Any,
    worker: CommunityWorker | None = None,
    is_synthetic: bool = False,
) -> CandidateReview:
    """Open a joint review (a draft) of a candidate for a post in a community's election."""
    if community.level != Level.COMMUNITY:
        raise ValidationError({"community": _("请选择候选人所在的村(社区)。")})
    require_place(by, WorkforcePerm.VET_CANDIDATES, community.path, _refusal())
    errors: dict[str, str] = {}
    election = _text(election, 60)
    if not election:
        errors["election"] = _("请填写换届届次，例如“2026年村(社区)两委换届”。")
    if post not in SoughtPost.values:
        errors["post"] = _("请选择拟任职务。")
    name = _text(name, 60)
    if not name:
        errors["name"] = _("请填写候选人姓名。")
    number = ""
    try:
        number = validate_id_number(str(id_number or ""))
    except ValidationError as exc:
        errors["id_number"] = exc.messages[0]
    if worker is not None:
        try:
            require_worker(by, worker, WorkforcePerm.VIEW)
        except PermissionDenied:
            errors["worker"] = _("该社区工作者不在您的管辖范围内。")
    if errors:
        raise ValidationError(errors)
    taken = _("%(name)s 已在“%(election)s”中作为%(post)s候选人提请联审，不能重复提请。") % {
        "name": name,
        "election": election,
        "post": SoughtPost(post).label,
    }
    if (
        CandidateReview.objects.filter(
            election=election,
            community=community,
            post=post,
            id_number_index=id_number_index(number),
        )
        .exclude(status=ReviewStatus.WITHDRAWN)
        .exists()
    ):
        raise ValidationError({"id_number": taken})
    try:
        with transaction.atomic():
            review = CandidateReview.objects.create(
                community=community,
                election=election,
                post=post,
                name=name,
                id_number=number,
                worker=worker,
                created_by=_actor(by),
                is_synthetic=is_synthetic,
            )
    except IntegrityError:
        raise ValidationError({"id_number": taken}) from None
    audit.record(
        "workforce.candidate.create",
        obj=review,
        actor=by,
        fields=["election", "post", "name", "id_number"],
        object_repr=name,
        region=community,
    )
    return review


@transaction.atomic
def submit_candidate_review(*, review: CandidateReview, by: Any) -> CandidateReview:
    """Send the review to the agencies: one pending check per agency of ``CHECKLIST``."""
    _require_review(by, review)
    now = timezone.now()
    CANDIDATE_WORKFLOW.fire(review, "submit", by=by, submitted_at=now)
    CandidateCheck.objects.bulk_create(
        CandidateCheck(review=review, agency=agency) for agency in CHECKLIST
    )
    audit.record(
        "workforce.candidate.submit",
        obj=review,
        actor=by,
        fields=["status"],
        object_repr=review.name,
        region=review.community,
    )
    return review


@transaction.atomic
def record_check(
    *, review: CandidateReview, agency: str, result: str, by: Any, note: str = ""
) -> CandidateCheck:
    """Record one agency's answer. An issue ends the review as failed at once; the last clear
    answer passes it. An agency answers once."""
    _require_review(by, review)
    if by is not None and not by.has_permission(WorkforcePerm.VET_CANDIDATES):
        raise PermissionDenied(_refusal())
    if result not in (CheckResult.CLEAR, CheckResult.ISSUE):
        raise ValidationError({"result": _("请选择审查结果：无问题，或有不宜人选情形。")})
    note = _text(note, 2000)
    if result == CheckResult.ISSUE and not note:
        raise ValidationError({"note": _("有不宜人选情形时，请写明具体情形和依据。")})
    # The review row is locked so that the last two answers, given at once, still decide it.
    locked = CandidateReview.objects.select_for_update().get(pk=review.pk)
    if locked.status != ReviewStatus.IN_REVIEW:
        raise ValidationError(_("该联审已不在联审中（可能刚刚已有结论），请刷新页面查看最新状态。"))
    check = CandidateCheck.objects.filter(review=locked, agency=agency).first()
    if check is None:
        raise ValidationError({"agency": _("联审部门不在本次联审的清单中。")})
    now = timezone.now()
    answered = CandidateCheck.objects.filter(pk=check.pk, result=CheckResult.PENDING).update(
        result=result, note=note, checked_by=_actor(by), checked_at=now
    )
    if answered != 1:
        raise ValidationError(
            _("%(agency)s已作出审查意见（可能刚刚已被他人登记），请刷新页面查看。")
            % {"agency": check.get_agency_display()}
        )
    check.result, check.note, check.checked_at = result, note, now
    audit.record(
        "workforce.candidate.check",
        obj=locked,
        actor=by,
        fields=["result", "note"],
        object_repr=f"{locked.name} · {check.get_agency_display()}",
        region=locked.community,
    )
    if result == CheckResult.ISSUE:
        conclusion = _("%(agency)s：%(note)s") % {
            "agency": check.get_agency_display(),
            "note": note,
        }
        CANDIDATE_WORKFLOW.fire(locked, "fail", by=None, conclusion=conclusion, decided_at=now)
    elif (
        not CandidateCheck.objects.filter(review=locked).exclude(result=CheckResult.CLEAR).exists()
    ):
        CANDIDATE_WORKFLOW.fire(
            locked,
            "pass",
            by=None,
            conclusion=_("各联审部门均无不宜人选情形，资格审查通过。"),
            decided_at=now,
        )
    if locked.status != ReviewStatus.IN_REVIEW:
        audit.record(
            "workforce.candidate.decide",
            obj=locked,
            actor=by,
            fields=["status", "conclusion"],
            object_repr=locked.name,
            region=locked.community,
        )
    review.status, review.version, review.conclusion = (
        locked.status,
        locked.version,
        locked.conclusion,
    )
    return check


@transaction.atomic
def withdraw_candidate_review(
    *, review: CandidateReview, by: Any, reason: str = ""
) -> CandidateReview:
    """Withdraw a review still in draft or in review (the candidate stood down, a wrong entry)."""
    _require_review(by, review)
    reason = _text(reason, 500)
    conclusion = _("已撤回：%(reason)s") % {"reason": reason} if reason else _("已撤回")
    CANDIDATE_WORKFLOW.fire(
        review, "withdraw", by=by, conclusion=conclusion, decided_at=timezone.now()
    )
    audit.record(
        "workforce.candidate.withdraw",
        obj=review,
        actor=by,
        fields=["status"],
        reason=reason,
        object_repr=review.name,
        region=review.community,
    )
    return review
