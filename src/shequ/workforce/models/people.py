"""Community workers, their posts and status history, pay, and the figures staffing is measured by."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.core.fields import BlindIndexField, EncryptedTextField
from shequ.core.models import AbstractImportJob
from shequ.core.validators import normalize_id_number, normalize_phone
from shequ.territory.models import Grid, Region


class PostKind(models.TextChoices):
    PARTY_SECRETARY = "party_secretary", _("党组织书记")
    DIRECTOR = "director", _("村(居)委会主任")
    DEPUTY = "deputy", _("副书记、副主任")
    COMMITTEE_MEMBER = "committee_member", _("两委委员")
    GRID_WORKER = "grid_worker", _("专职网格员")
    GENERALIST = "generalist", _("全科社工")
    DISASTER_INFORMANT = "disaster_informant", _("灾害信息员")
    COMMUNITY_WORKER = "community_worker", _("社区专职工作者")


class HiringMethod(models.TextChoices):
    COUNTY_SELECTION = "county_selection", _("县级统一招聘")
    ELECTION = "election", _("选举产生")
    APPOINTMENT = "appointment", _("选派、调任")
    OTHER = "other", _("其他")


class WorkerStatus(models.TextChoices):
    ACTIVE = "active", _("在岗")
    SECONDED = "seconded", _("借调")
    LEAVE = "leave", _("长期休假")
    LEFT = "left", _("离职")
    RETIRED = "retired", _("退休")
    DISMISSED = "dismissed", _("解聘")


# Statuses in which the worker is counted as working.
SERVING_STATUSES = (WorkerStatus.ACTIVE, WorkerStatus.SECONDED, WorkerStatus.LEAVE)


class Education(models.TextChoices):
    JUNIOR = "junior", _("初中及以下")
    SENIOR = "senior", _("高中、中专")
    COLLEGE = "college", _("大专")
    BACHELOR = "bachelor", _("本科")
    POSTGRADUATE = "postgraduate", _("研究生")


class PoliticalStatus(models.TextChoices):
    PARTY_MEMBER = "party_member", _("中共党员")
    PROBATIONARY = "probationary", _("中共预备党员")
    LEAGUE_MEMBER = "league_member", _("共青团员")
    OTHER_PARTY = "other_party", _("民主党派")
    MASSES = "masses", _("群众")


class CommunityWorker(models.Model):
    """A community worker (社区工作者), employed at a community (or a township for its stations)."""

    region = models.ForeignKey(
        Region,
        verbose_name=_("所属单位"),
        on_delete=models.PROTECT,
        related_name="workers",
        db_index=False,
    )
    name = models.CharField(_("姓名"), max_length=60)
    sex = models.CharField(_("性别"), max_length=8, blank=True)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    id_number = EncryptedTextField(_("身份证号"), blank=True)
    id_number_index = BlindIndexField(
        source="id_number", kind="id_number", normalizer=normalize_id_number, db_index=False
    )
    phone = EncryptedTextField(_("手机号"), blank=True)
    phone_index = BlindIndexField(
        source="phone", kind="phone", normalizer=normalize_phone, db_index=False
    )
    education = models.CharField(_("学历"), max_length=16, choices=Education.choices, blank=True)
    political_status = models.CharField(
        _("政治面貌"), max_length=16, choices=PoliticalStatus.choices, blank=True
    )
    hiring_method = models.CharField(
        _("录用方式"), max_length=20, choices=HiringMethod.choices, default=HiringMethod.OTHER
    )
    hired_on = models.DateField(_("入职日期"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=WorkerStatus.choices, default=WorkerStatus.ACTIVE
    )
    status_since = models.DateField(_("状态起始日期"), null=True, blank=True)
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("系统账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="worker_records",
    )
    note = models.TextField(_("备注"), blank=True)
    is_synthetic = models.BooleanField(_("演示数据"), default=False)
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    scope_region_field = "region"
    scope_grid_field = None

    class Meta:
        verbose_name = _("社区工作者")
        verbose_name_plural = _("社区工作者")
        ordering = ["region", "name", "pk"]
        indexes = [
            models.Index(fields=["region", "status"], name="worker_region_status"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["id_number_index"],
                condition=~models.Q(id_number_index=""),
                name="worker_id_number_unique",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_serving(self) -> bool:
        return self.status in SERVING_STATUSES


class WorkerPost(models.Model):
    """A post a worker holds (or held) in a community, and for a grid worker the grid."""

    worker = models.ForeignKey(CommunityWorker, on_delete=models.CASCADE, related_name="posts")
    kind = models.CharField(_("岗位"), max_length=20, choices=PostKind.choices)
    community = models.ForeignKey(
        Region,
        verbose_name=_("服务村(社区)"),
        on_delete=models.PROTECT,
        related_name="worker_posts",
        db_index=False,
    )
    grid = models.ForeignKey(
        Grid,
        verbose_name=_("网格"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="worker_posts",
    )
    started_on = models.DateField(_("任职日期"))
    ended_on = models.DateField(_("离任日期"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    scope_region_field = "community"
    scope_grid_field = "grid"

    class Meta:
        verbose_name = _("任职岗位")
        verbose_name_plural = _("任职岗位")
        ordering = ["-started_on", "pk"]
        indexes = [models.Index(fields=["community", "kind"], name="workerpost_community_kind")]
        constraints = [
            # A worker holds at most one open full-time grid post (the action names the clash first).
            models.UniqueConstraint(
                fields=["worker"],
                condition=models.Q(kind="grid_worker", ended_on__isnull=True),
                name="workerpost_one_open_grid_post",
            ),
            models.CheckConstraint(
                condition=models.Q(ended_on__isnull=True)
                | models.Q(ended_on__gte=models.F("started_on")),
                name="workerpost_dates_in_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.worker} · {self.get_kind_display()}"

    def is_open_on(self, day) -> bool:
        return self.started_on <= day and (self.ended_on is None or self.ended_on >= day)


class WorkerStatusChange(models.Model):
    """One change of a worker's status, kept for the history (never edited)."""

    worker = models.ForeignKey(
        CommunityWorker, on_delete=models.CASCADE, related_name="status_changes"
    )
    from_status = models.CharField(
        _("原状态"), max_length=12, choices=WorkerStatus.choices, blank=True
    )
    to_status = models.CharField(_("新状态"), max_length=12, choices=WorkerStatus.choices)
    effective_on = models.DateField(_("生效日期"))
    reason = models.CharField(_("原因"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    scope_region_field = "worker__region"
    scope_grid_field = None

    class Meta:
        verbose_name = _("状态变更")
        verbose_name_plural = _("状态变更")
        ordering = ["-effective_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.worker} → {self.get_to_status_display()}"


class AnnualPay(models.Model):
    """A worker's total pay for one year (应发工资总额, yuan)."""

    worker = models.ForeignKey(CommunityWorker, on_delete=models.CASCADE, related_name="pay")
    year = models.PositiveSmallIntegerField(_("年度"))
    amount = models.DecimalField(_("年度应发薪酬（元）"), max_digits=10, decimal_places=2)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    entered_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    scope_region_field = "worker__region"
    scope_grid_field = None

    class Meta:
        verbose_name = _("年度薪酬")
        verbose_name_plural = _("年度薪酬")
        ordering = ["-year"]
        constraints = [
            models.UniqueConstraint(fields=["worker", "year"], name="annualpay_one_per_year"),
            models.CheckConstraint(
                condition=models.Q(amount__gte=0), name="annualpay_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.worker} {self.year}"


class AverageWage(models.Model):
    """The local average wage of a year (上年度当地社会平均工资), set per county or for the city.

    Pay for year Y is checked against the figure for Y − 1 of the worker's county, or the city's."""

    region = models.ForeignKey(
        Region, verbose_name=_("地区"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    amount = models.DecimalField(_("社会平均工资（元/年）"), max_digits=10, decimal_places=2)
    source = models.CharField(_("来源"), max_length=200, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    entered_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    scope_region_field = "region"
    scope_grid_field = None

    class Meta:
        verbose_name = _("社会平均工资")
        verbose_name_plural = _("社会平均工资")
        ordering = ["-year", "region"]
        constraints = [
            models.UniqueConstraint(fields=["region", "year"], name="averagewage_one_per_year"),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="averagewage_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.region} {self.year}"


class UrbanPopulation(models.Model):
    """Urban permanent residents (城镇常住人口) of a county or the city in a year, from the statistics
    bureau: the denominator of workers per 10,000. Entered by hand; who and when are kept."""

    region = models.ForeignKey(
        Region, verbose_name=_("地区"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    population = models.PositiveIntegerField(_("城镇常住人口"))
    source = models.CharField(_("来源"), max_length=200, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    entered_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    scope_region_field = "region"
    scope_grid_field = None

    class Meta:
        verbose_name = _("城镇常住人口")
        verbose_name_plural = _("城镇常住人口")
        ordering = ["-year", "region"]
        constraints = [
            models.UniqueConstraint(fields=["region", "year"], name="urbanpopulation_one_per_year"),
            models.CheckConstraint(
                condition=models.Q(population__gt=0), name="urbanpopulation_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.region} {self.year}"


class WorkerImport(AbstractImportJob):
    """One spreadsheet of workers and their posts (``core.import_jobs``)."""

    region = models.ForeignKey(
        Region, verbose_name=_("导入范围"), on_delete=models.PROTECT, related_name="+"
    )

    scope_region_field = "region"
    scope_grid_field = None

    class Meta(AbstractImportJob.Meta):
        verbose_name = _("社区工作者导入")
        verbose_name_plural = _("社区工作者导入")
