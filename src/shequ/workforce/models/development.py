"""How workers grow and are checked: social-work qualifications and their allowance, training,
annual performance reviews, the party secretaries' reserve pool, and the joint qualification review of
committee candidates (两委资格联审)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.core.fields import BlindIndexField, EncryptedTextField
from shequ.core.validators import normalize_id_number, normalize_phone
from shequ.territory.models import Region
from shequ.workforce.models.people import CommunityWorker, Education, PoliticalStatus


class QualificationLevel(models.TextChoices):
    ASSISTANT = "assistant", _("助理社会工作师")
    INTERMEDIATE = "intermediate", _("社会工作师")
    SENIOR = "senior", _("高级社会工作师")


class SocialWorkQualification(models.Model):
    """A worker's national social-work qualification certificate (社会工作者职业资格证书)."""

    worker = models.ForeignKey(
        CommunityWorker, on_delete=models.CASCADE, related_name="qualifications"
    )
    level = models.CharField(_("等级"), max_length=16, choices=QualificationLevel.choices)
    certificate_number = models.CharField(_("证书编号"), max_length=40, unique=True)
    obtained_on = models.DateField(_("取得日期"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    scope_region_field = "worker__region"
    scope_grid_field = None

    class Meta:
        verbose_name = _("社工职业资格")
        verbose_name_plural = _("社工职业资格")
        ordering = ["-obtained_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["worker", "level"], name="qualification_one_per_level")
        ]

    def __str__(self) -> str:
        return f"{self.worker} · {self.get_level_display()}"


class AllowanceRate(models.Model):
    """The monthly allowance a qualification level brings (职业资格津贴), set per county or city."""

    region = models.ForeignKey(
        Region, verbose_name=_("地区"), on_delete=models.PROTECT, related_name="+"
    )
    level = models.CharField(_("等级"), max_length=16, choices=QualificationLevel.choices)
    monthly_amount = models.DecimalField(_("每月津贴（元）"), max_digits=8, decimal_places=2)
    effective_from = models.DateField(_("执行日期"))
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    entered_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    is_synthetic = models.BooleanField(_("演示数据"), default=False)

    scope_region_field = "region"
    scope_grid_field = None

    class Meta:
        verbose_name = _("职业资格津贴标准")
        verbose_name_plural = _("职业资格津贴标准")
        ordering = ["region", "level", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "level", "effective_from"], name="allowancerate_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(monthly_amount__gte=0), name="allowancerate_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.region} {self.get_level_display()}"


class TrainingLevel(models.TextChoices):
    CITY = "city", _("市级")
    COUNTY = "county", _("县级")
    TOWNSHIP = "township", _("镇(街道)级")


class TrainingCourse(models.Model):
    """A training course (培训班) organised at a level; its attendees are ``TrainingRecord`` rows."""

    region = models.ForeignKey(
        Region,
        verbose_name=_("主办地区"),
        on_delete=models.PROTECT,
        related_name="training_courses",
    )
    title = models.CharField(_("课程名称"), max_length=120)
    level = models.CharField(_("培训层级"), max_length=10, choices=TrainingLevel.choices)
    organiser = models.CharField(_("主办单位"), max_length=120, blank=True)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    hours = models.DecimalField(_("学时"), max_digits=5, decimal_places=1)
    description = models.TextField(_("内容"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    is_synthetic = models.BooleanField(_("演示数据"), default=False)

    scope_region_field = "region"
    scope_grid_field = None

    class Meta:
        verbose_name = _("培训课程")
        verbose_name_plural = _("培训课程")
        ordering = ["-starts_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="trainingcourse_dates_in_order",
            ),
            models.CheckConstraint(
                condition=models.Q(hours__gt=0), name="trainingcourse_hours_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class TrainingRecord(models.Model):
    """One worker's attendance of a course, with the hours credited."""

    course = models.ForeignKey(TrainingCourse, on_delete=models.CASCADE, related_name="records")
    worker = models.ForeignKey(
        CommunityWorker, on_delete=models.CASCADE, related_name="training_records"
    )
    hours = models.DecimalField(_("获得学时"), max_digits=5, decimal_places=1)
    passed = models.BooleanField(_("考核合格"), default=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    scope_region_field = "worker__region"
    scope_grid_field = None

    class Meta:
        verbose_name = _("参训记录")
        verbose_name_plural = _("参训记录")
        ordering = ["-course__starts_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["course", "worker"], name="trainingrecord_once"),
            models.CheckConstraint(condition=models.Q(hours__gte=0), name="trainingrecord_hours"),
        ]

    def __str__(self) -> str:
        return f"{self.worker} · {self.course}"


class ReviewScheme(models.Model):
    """The indicator set of a year's performance review (考核指标体系), set by a county or the city."""

    region = models.ForeignKey(
        Region, verbose_name=_("制定地区"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    name = models.CharField(_("名称"), max_length=120)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    is_synthetic = models.BooleanField(_("演示数据"), default=False)

    scope_region_field = "region"
    scope_grid_field = None

    class Meta:
        verbose_name = _("考核方案")
        verbose_name_plural = _("考核方案")
        ordering = ["-year", "region"]
        constraints = [
            models.UniqueConstraint(fields=["region", "year"], name="reviewscheme_one_per_year")
        ]

    def __str__(self) -> str:
        return self.name


class ReviewIndicator(models.Model):
    scheme = models.ForeignKey(ReviewScheme, on_delete=models.CASCADE, related_name="indicators")
    name = models.CharField(_("指标"), max_length=120)
    max_score = models.DecimalField(_("分值"), max_digits=5, decimal_places=1)
    guidance = models.CharField(_("评分标准"), max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(_("顺序"), default=0)

    scope_region_field = "scheme__region"
    scope_grid_field = None

    class Meta:
        verbose_name = _("考核指标")
        verbose_name_plural = _("考核指标")
        ordering = ["scheme", "position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(max_score__gt=0), name="reviewindicator_score_positive"
            )
        ]

    def __str__(self) -> str:
        return self.name


class ReviewGrade(models.TextChoices):
    EXCELLENT = "excellent", _("优秀")
    COMPETENT = "competent", _("称职")
    BASIC = "basic", _("基本称职")
    INCOMPETENT = "incompetent", _("不称职")


class PerformanceReview(models.Model):
    """A worker's annual review: a score per indicator of the scheme, the total and the grade."""

    worker = models.ForeignKey(CommunityWorker, on_delete=models.CASCADE, related_name="reviews")
    scheme = models.ForeignKey(ReviewScheme, on_delete=models.PROTECT, related_name="reviews")
    year = models.PositiveSmallIntegerField(_("年度"))
    scores = models.JSONField(_("各项得分"), default=dict)
    total = models.DecimalField(_("总分"), max_digits=6, decimal_places=1)
    grade = models.CharField(_("等次"), max_length=12, choices=ReviewGrade.choices)
    comment = models.TextField(_("评语"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("考核时间"), default=timezone.now)

    scope_region_field = "worker__region"
    scope_grid_field = None

    class Meta:
        verbose_name = _("年度考核")
        verbose_name_plural = _("年度考核")
        ordering = ["-year", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["worker", "year"], name="performancereview_one_per_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.worker} {self.year}"


class ReserveStatus(models.TextChoices):
    IN_POOL = "in_pool", _("在库")
    APPOINTED = "appointed", _("已任用")
    REMOVED = "removed", _("已出库")


class ReserveCandidate(models.Model):
    """A person in the reserve pool for village or community party secretary (后备人才库)."""

    region = models.ForeignKey(
        Region,
        verbose_name=_("储备村(社区)"),
        on_delete=models.PROTECT,
        related_name="reserve_candidates",
    )
    worker = models.ForeignKey(
        CommunityWorker,
        verbose_name=_("社区工作者"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reserve_entries",
    )
    name = models.CharField(_("姓名"), max_length=60)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    phone = EncryptedTextField(_("手机号"), blank=True)
    phone_index = BlindIndexField(
        source="phone", kind="phone", normalizer=normalize_phone, db_index=False
    )
    education = models.CharField(_("学历"), max_length=16, choices=Education.choices, blank=True)
    political_status = models.CharField(
        _("政治面貌"), max_length=16, choices=PoliticalStatus.choices, blank=True
    )
    background = models.CharField(_("人员来源"), max_length=120, blank=True)
    current_job = models.CharField(_("现工作单位及职务"), max_length=120, blank=True)
    added_on = models.DateField(_("入库日期"))
    status = models.CharField(
        _("状态"), max_length=12, choices=ReserveStatus.choices, default=ReserveStatus.IN_POOL
    )
    status_reason = models.CharField(_("变动原因"), max_length=200, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    is_synthetic = models.BooleanField(_("演示数据"), default=False)

    scope_region_field = "region"
    scope_grid_field = None

    class Meta:
        verbose_name = _("书记后备人选")
        verbose_name_plural = _("书记后备人选")
        ordering = ["region", "-added_on", "pk"]

    def __str__(self) -> str:
        return self.name


class SoughtPost(models.TextChoices):
    PARTY_SECRETARY = "party_secretary", _("党组织书记")
    PARTY_COMMITTEE = "party_committee", _("党组织委员")
    DIRECTOR = "director", _("村(居)委会主任")
    COMMITTEE_MEMBER = "committee_member", _("村(居)委会委员")


class ReviewStatus(models.TextChoices):
    DRAFT = "draft", _("待提交")
    IN_REVIEW = "in_review", _("联审中")
    PASSED = "passed", _("审查通过")
    FAILED = "failed", _("审查未通过")
    WITHDRAWN = "withdrawn", _("已撤回")


class CandidateReview(models.Model):
    """The joint qualification review of one committee candidate (两委候选人资格联审).

    Submitting it opens one ``CandidateCheck`` per agency; it passes when every agency has cleared
    the candidate and fails as soon as one agency finds a disqualifying issue."""

    community = models.ForeignKey(
        Region, verbose_name=_("村(社区)"), on_delete=models.PROTECT, related_name="+"
    )
    election = models.CharField(_("换届届次"), max_length=60)
    post = models.CharField(_("拟任职务"), max_length=20, choices=SoughtPost.choices)
    name = models.CharField(_("候选人姓名"), max_length=60)
    id_number = EncryptedTextField(_("身份证号"))
    id_number_index = BlindIndexField(
        source="id_number", kind="id_number", normalizer=normalize_id_number, db_index=False
    )
    worker = models.ForeignKey(
        CommunityWorker,
        verbose_name=_("社区工作者"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="candidate_reviews",
    )
    status = models.CharField(
        _("状态"), max_length=12, choices=ReviewStatus.choices, default=ReviewStatus.DRAFT
    )
    version = models.PositiveIntegerField(default=1)
    conclusion = models.TextField(_("联审结论"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    decided_at = models.DateTimeField(_("结论时间"), null=True, blank=True)
    is_synthetic = models.BooleanField(_("演示数据"), default=False)

    scope_region_field = "community"
    scope_grid_field = None

    class Meta:
        verbose_name = _("两委资格联审")
        verbose_name_plural = _("两委资格联审")
        ordering = ["-created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["election", "community", "id_number_index", "post"],
                condition=~models.Q(status="withdrawn"),
                name="candidatereview_once_per_post",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} · {self.get_post_display()}"


class CheckAgency(models.TextChoices):
    ORGANISATION = "organisation", _("组织部门")
    DISCIPLINE = "discipline", _("纪检监察机关")
    POLICE = "police", _("公安机关")
    PROCURATORATE = "procuratorate", _("检察机关")
    COURT = "court", _("人民法院")
    CIVIL_AFFAIRS = "civil_affairs", _("民政部门")
    PETITIONS = "petitions", _("信访部门")
    MARKET = "market", _("市场监管部门")
    NATURAL_RESOURCES = "natural_resources", _("自然资源部门")
    HEALTH = "health", _("卫生健康部门")


class CheckResult(models.TextChoices):
    PENDING = "pending", _("待审查")
    CLEAR = "clear", _("无问题")
    ISSUE = "issue", _("有不宜人选情形")


class CandidateCheck(models.Model):
    """One agency's answer in a joint review."""

    review = models.ForeignKey(CandidateReview, on_delete=models.CASCADE, related_name="checks")
    agency = models.CharField(_("联审部门"), max_length=20, choices=CheckAgency.choices)
    result = models.CharField(
        _("审查结果"), max_length=10, choices=CheckResult.choices, default=CheckResult.PENDING
    )
    note = models.TextField(_("审查意见"), blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    checked_at = models.DateTimeField(_("审查时间"), null=True, blank=True)

    scope_region_field = "review__community"
    scope_grid_field = None

    class Meta:
        verbose_name = _("联审意见")
        verbose_name_plural = _("联审意见")
        ordering = ["review", "agency"]
        constraints = [
            models.UniqueConstraint(fields=["review", "agency"], name="candidatecheck_once")
        ]

    def __str__(self) -> str:
        return f"{self.review} · {self.get_agency_display()}"
