"""The service catalogue (服务目录): items residents may ask for, and certificates communities no longer
issue (证明事项清理). Cases (S2) will point at a ``ServiceItem``."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shequ.core.fields import BlindIndexField, EncryptedTextField
from shequ.core.validators import normalize_phone
from shequ.territory.models import Region


class Category(models.TextChoices):
    ELDERLY_CARE = "elderly_care", _("养老服务")
    CHILDCARE = "childcare", _("婴幼儿与儿童")
    DISABILITY = "disability", _("残疾人服务")
    EMPLOYMENT = "employment", _("就业创业")
    SOCIAL_ASSISTANCE = "social_assistance", _("社会救助")
    HEALTH = "health", _("医疗卫生与医保")
    HOUSING = "housing", _("住房与户籍")
    CERTIFICATION = "certification", _("证明开具")
    PROPERTY_DISPUTES = "property_disputes", _("物业与矛盾调解")
    ENVIRONMENT = "environment", _("环境卫生")
    PUBLIC_SAFETY = "public_safety", _("公共安全")
    OTHER = "other", _("其他")


class TimeLimitUnit(models.TextChoices):
    NATURAL_HOURS = "natural_hours", _("小时")
    NATURAL_DAYS = "natural_days", _("自然日")
    WORKING_DAYS = "working_days", _("工作日")
    WORKING_HOURS = "working_hours", _("工作小时")


class Channel(models.TextChoices):
    WINDOW = "window", _("窗口")
    ONLINE = "online", _("网上")
    PHONE = "phone", _("电话")
    KIOSK = "kiosk", _("自助终端")
    HOME_VISIT = "home_visit", _("上门")
    APPOINTMENT = "appointment", _("预约")
    PROXY = "proxy", _("代办")
    GRID_PATROL = "grid_patrol", _("网格巡查")
    SENSOR = "sensor", _("物联感知")
    OPEN311 = "open311", _("Open311")


class AttributeType(models.TextChoices):
    """Open311 GeoReport v2 service-definition datatypes."""

    STRING = "string", _("单行文字")
    NUMBER = "number", _("数字")
    DATETIME = "datetime", _("日期时间")
    TEXT = "text", _("多行文字")
    SINGLE = "singlevaluelist", _("单选")
    MULTI = "multivaluelist", _("多选")


LIST_TYPES = (AttributeType.SINGLE, AttributeType.MULTI)


class ItemStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PENDING_ADMISSION = "pending_admission", _("待准入审核")
    ADMITTED = "admitted", _("已准入")
    REFUSED = "refused", _("未准入")
    WITHDRAWN = "withdrawn", _("已撤销")


class ServiceItem(models.Model):
    """One service item (服务事项). ``required_materials`` is the 一次告知 list: a list of
    ``{"name", "note", "copies", "original_required"}``. ``attributes`` are the online form's fields in
    the shape of an Open311 service definition: ``{"code", "datatype", "required", "description",
    "order", "values": [{"key", "name"}]}``."""

    code = models.CharField(_("事项编码"), max_length=40, unique=True)
    region = models.ForeignKey(
        Region, verbose_name=_("所属区域"), on_delete=models.PROTECT, related_name="service_items"
    )
    name = models.CharField(_("事项名称"), max_length=100)
    name_en = models.CharField(_("英文名称"), max_length=150, blank=True)
    category = models.CharField(_("类别"), max_length=30, choices=Category.choices)
    description = models.TextField(_("事项说明"), blank=True)
    required_materials = models.JSONField(_("所需材料"), default=list, blank=True)
    legal_basis = models.TextField(_("设定依据"), blank=True)
    handling_units = models.ManyToManyField(
        "accounts.HandlingUnit",
        verbose_name=_("承办单位"),
        blank=True,
        related_name="service_items",
    )
    time_limit_value = models.PositiveIntegerField(_("办理时限"))
    time_limit_unit = models.CharField(
        _("时限单位"),
        max_length=20,
        choices=TimeLimitUnit.choices,
        default=TimeLimitUnit.WORKING_DAYS,
    )
    channels = models.JSONField(_("受理渠道"), default=list, blank=True)
    fee = models.CharField(_("收费标准"), max_length=200, default="免费")
    # Time limits by case priority, overriding the defaults: ``{"urgent": [12, "natural_hours"]}``.
    # The "normal" limit is ``time_limit_value`` / ``time_limit_unit``.
    priority_limits = models.JSONField(_("分级时限"), default=dict, blank=True)
    attributes = models.JSONField(_("网上申报字段"), default=list, blank=True)
    home_visit_possible = models.BooleanField(_("可上门办理"), default=False)
    appointment_possible = models.BooleanField(_("可预约办理"), default=False)
    status = models.CharField(
        _("状态"),
        max_length=20,
        choices=ItemStatus.choices,
        default=ItemStatus.DRAFT,
        db_index=True,
    )
    admission_note = models.TextField(_("准入意见"), blank=True)
    admitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("准入审核人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    admitted_at = models.DateTimeField(_("准入时间"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    scope_region_field = "region"
    scope_grid_field = None

    class Meta:
        verbose_name = _("服务事项")
        verbose_name_plural = _("服务事项")
        ordering = ["category", "code"]
        indexes = [models.Index(fields=["status", "category"], name="cases_item_status_cat")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def channel_labels(self) -> list[str]:
        return [str(Channel(c).label) for c in self.channels if c in Channel.values]


class AbolishedCertificate(models.Model):
    """A certificate communities no longer issue (证明事项清理), and where the proof is found instead."""

    region = models.ForeignKey(
        Region,
        verbose_name=_("所属区域"),
        on_delete=models.PROTECT,
        related_name="abolished_certificates",
    )
    name = models.CharField(_("证明名称"), max_length=100)
    reason = models.TextField(_("取消理由与替代办法"))
    basis = models.TextField(_("清理依据"), blank=True)
    keywords = models.CharField(
        _("关键词"),
        max_length=300,
        blank=True,
        help_text=_("用空格或逗号分隔，用于识别居民的请求。"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    scope_region_field = "region"
    scope_grid_field = None

    class Meta:
        verbose_name = _("已取消的证明事项")
        verbose_name_plural = _("已取消的证明事项")
        ordering = ["region__path", "name"]
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="cases_abolished_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


# --- Cases (S2, G1): one model and one number for every request, complaint and grid event ---------


class CaseKind(models.TextChoices):
    SERVICE_REQUEST = "service_request", _("服务申请")
    COMPLAINT = "complaint", _("投诉")
    SUGGESTION = "suggestion", _("建议")
    GRID_EVENT = "grid_event", _("网格事件")
    ALARM = "alarm", _("告警")


class Priority(models.TextChoices):
    EMERGENCY = "emergency", _("紧急")
    URGENT = "urgent", _("加急")
    NORMAL = "normal", _("一般")
    COMPLEX = "complex", _("复杂")


class CaseStatus(models.TextChoices):
    SUBMITTED = "submitted", _("待受理")
    ACCEPTED = "accepted", _("已受理")
    REJECTED = "rejected", _("不予受理")
    DISPATCHED = "dispatched", _("已派遣")
    IN_PROGRESS = "in_progress", _("办理中")
    RETURNED = "returned", _("已退回")
    SUSPENDED = "suspended", _("已挂起")
    HANDLED = "handled", _("已办理待核查")
    VERIFIED = "verified", _("已核查")
    CLOSED = "closed", _("已办结")
    RATED = "rated", _("已评价")
    MERGED = "merged", _("已合并")
    WITHDRAWN = "withdrawn", _("已撤回")


# States in which the case still waits on someone (the deadline sweep, backlog and inbox look here).
OPEN_STATUSES = (
    CaseStatus.SUBMITTED,
    CaseStatus.ACCEPTED,
    CaseStatus.DISPATCHED,
    CaseStatus.IN_PROGRESS,
    CaseStatus.RETURNED,
    CaseStatus.HANDLED,
    CaseStatus.VERIFIED,
)
FINISHED_STATUSES = (CaseStatus.CLOSED, CaseStatus.RATED)


class DeadlineState(models.TextChoices):
    ON_TIME = "on_time", _("正常")
    DUE_SOON = "due_soon", _("即将到期")
    OVERDUE = "overdue", _("已超期")


class Case(models.Model):
    """One case (工单): a service request, complaint, suggestion, grid event or alarm.

    ``region`` is the community where the matter is; ``grid`` the grid when known. The number
    (``case_number``) is derived from the acceptance day and the primary key, so it is unique without a
    shared counter (see ``cases.numbers``). Deadlines: ``due_at`` for the whole case, ``stage_due_at``
    and ``stage_warn_at`` (80 %) for the current stage; the periodic sweep sets ``deadline_state``.
    """

    kind = models.CharField(_("类型"), max_length=20, choices=CaseKind.choices)
    service_item = models.ForeignKey(
        ServiceItem,
        verbose_name=_("服务事项"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    category = models.CharField(_("类别"), max_length=30, choices=Category.choices)
    channel = models.CharField(_("受理渠道"), max_length=20, choices=Channel.choices)
    priority = models.CharField(
        _("紧急程度"), max_length=20, choices=Priority.choices, default=Priority.NORMAL
    )
    title = models.CharField(_("标题"), max_length=120)
    description = models.TextField(_("诉求内容"))
    attributes = models.JSONField(_("申报信息"), default=dict, blank=True)
    region = models.ForeignKey(
        Region,
        verbose_name=_("所在村(社区)"),
        on_delete=models.PROTECT,
        related_name="cases",
        db_index=False,
    )
    grid = models.ForeignKey(
        "territory.Grid",
        verbose_name=_("网格"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    # Where the problem is (not where the requester lives); shown on the case map.
    latitude = models.FloatField(_("纬度"), null=True, blank=True)
    longitude = models.FloatField(_("经度"), null=True, blank=True)
    address = EncryptedTextField(_("详细地点"), blank=True)
    # Public-space reports (a broken lamp) may be listed publicly (Open311 GET); personal requests never.
    is_public = models.BooleanField(_("可公开"), default=False)

    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申请人账号"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="requested_cases",
        db_index=False,
    )
    requester_resident = models.ForeignKey(
        "registry.Resident",
        verbose_name=_("申请人(居民档案)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    requester_name = EncryptedTextField(_("申请人姓名"), blank=True)
    requester_phone = EncryptedTextField(_("联系电话"), blank=True)
    requester_phone_index = BlindIndexField(
        source="requester_phone", kind="phone", normalizer=normalize_phone, db_index=False
    )
    anonymous = models.BooleanField(_("匿名"), default=False)
    # 代办: the staff member or proxy who entered it for the requester.
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="entered_cases",
    )
    proxy_name = models.CharField(_("代办人"), max_length=60, blank=True)
    external_id = models.CharField(_("外部编号"), max_length=80, blank=True)
    client = models.ForeignKey(
        "cases.Open311Client",
        verbose_name=_("对接系统"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
        db_index=False,
    )

    status = models.CharField(
        _("状态"), max_length=20, choices=CaseStatus.choices, default=CaseStatus.SUBMITTED
    )
    version = models.PositiveIntegerField(default=1)
    # 首问负责: whoever accepts owns the case until it is closed.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("首问负责人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_cases",
        db_index=False,
    )
    lead_unit = models.ForeignKey(
        "accounts.HandlingUnit",
        verbose_name=_("主办单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="lead_cases",
        db_index=False,
    )
    return_count = models.PositiveSmallIntegerField(_("退回次数"), default=0)
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("合并至"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="duplicates",
    )
    resolved_on_spot = models.BooleanField(_("就地解决"), default=False)
    result = models.TextField(_("办理结果"), blank=True)
    rejection_reason = models.TextField(_("不予受理理由"), blank=True)
    rectification = models.BooleanField(_("整改中"), default=False)

    submitted_at = models.DateTimeField(_("提交时间"), db_index=True)
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    dispatched_at = models.DateTimeField(_("派遣时间"), null=True, blank=True)
    handled_at = models.DateTimeField(_("办理完成时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    due_at = models.DateTimeField(_("办结时限"), null=True, blank=True)
    stage_started_at = models.DateTimeField(_("本环节开始"), null=True, blank=True)
    stage_due_at = models.DateTimeField(_("本环节时限"), null=True, blank=True)
    stage_warn_at = models.DateTimeField(_("本环节预警时间"), null=True, blank=True)
    deadline_state = models.CharField(
        _("时限状态"),
        max_length=10,
        choices=DeadlineState.choices,
        default=DeadlineState.ON_TIME,
    )
    # Set when the sweep found the case overdue: the level above now supervises it.
    escalated_to = models.ForeignKey(
        Region,
        verbose_name=_("升级至"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="escalated_cases",
    )
    escalated_at = models.DateTimeField(_("升级时间"), null=True, blank=True)
    supervised = models.BooleanField(_("督办"), default=False)
    suspended_at = models.DateTimeField(_("挂起时间"), null=True, blank=True)
    is_synthetic = models.BooleanField(_("演示数据"), default=False)

    scope_region_field = "region"
    scope_grid_field = "grid"

    class Meta:
        verbose_name = _("工单")
        verbose_name_plural = _("工单")
        ordering = ["-submitted_at", "-id"]
        indexes = [
            # The sweep: open stages carry both instants, finished cases neither.
            models.Index(fields=["deadline_state", "stage_warn_at"], name="case_sweep_warn"),
            models.Index(fields=["deadline_state", "stage_due_at"], name="case_sweep_due"),
            models.Index(fields=["region", "status", "submitted_at"], name="case_region_status"),
            # The inbox: open cases of a place, most urgent first (partial: finished cases stay out).
            # (PostgreSQL sorts NULLs last in ascending order, as the inbox asks.)
            models.Index(
                fields=["region", "stage_due_at", "-submitted_at", "-id"],
                condition=models.Q(status__in=OPEN_STATUSES),
                name="case_inbox_open",
            ),
            models.Index(fields=["lead_unit", "status"], name="case_lead_status"),
            models.Index(fields=["category", "status"], name="case_category_status"),
            models.Index(fields=["category", "latitude", "longitude"], name="case_nearby"),
            models.Index(fields=["requester", "submitted_at"], name="case_requester"),
            models.Index(fields=["requester_phone_index"], name="case_phone_idx"),
            models.Index(fields=["owner", "status"], name="case_owner_status"),
            models.Index(fields=["closed_at"], name="case_closed_at"),
            models.Index(fields=["client", "external_id"], name="case_client_ext"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def number(self) -> str:
        from shequ.cases.numbers import format_number

        return format_number(self)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @classmethod
    def scope_units_q(cls, unit_ids: list[int]) -> models.Q:
        """Departments see the cases dispatched to them, as lead or co-handling unit."""
        return models.Q(pk__in=CaseUnit.objects.filter(unit_id__in=unit_ids).values("case_id"))


class UnitRole(models.TextChoices):
    LEAD = "lead", _("主办")
    CO = "co", _("协办")
    SUMMONED = "summoned", _("吹哨报到")


class CaseUnit(models.Model):
    """A handling unit's part in a case: lead, co-handling, or summoned by a whistle (吹哨)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="units")
    unit = models.ForeignKey(
        "accounts.HandlingUnit",
        verbose_name=_("单位"),
        on_delete=models.PROTECT,
        related_name="case_links",
    )
    role = models.CharField(_("角色"), max_length=10, choices=UnitRole.choices)
    assigned_at = models.DateTimeField(_("派遣时间"))
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # A summoned unit must report in (报到) by ``report_due_at``.
    report_due_at = models.DateTimeField(_("报到时限"), null=True, blank=True)
    reported_at = models.DateTimeField(_("报到时间"), null=True, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Set by the deadline sweep when the report-in time passed without a report: reminded once.
    report_reminded_at = models.DateTimeField(_("报到催告时间"), null=True, blank=True)
    # A unit that sent the case back (wrong unit) keeps its row, marked ended.
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("承办单位")
        verbose_name_plural = _("承办单位")
        indexes = [
            models.Index(fields=["unit", "ended_at"], name="caseunit_unit_active"),
            models.Index(fields=["role", "reported_at"], name="caseunit_report"),
        ]

    def __str__(self) -> str:
        return f"{self.unit} ({self.get_role_display()})"


class EventKind(models.TextChoices):
    TRANSITION = "transition", _("流转")
    NOTE = "note", _("备注")
    WHISTLE = "whistle", _("吹哨")
    REPORT_IN = "report_in", _("报到")
    URGE = "urge", _("催办")
    SUPERVISE = "supervise", _("督办")
    EXTENSION = "extension", _("延期")
    SUSPENSION = "suspension", _("挂起")
    MERGE = "merge", _("合并")
    DEADLINE = "deadline", _("时限")
    ESCALATE = "escalate", _("升级")
    RATING = "rating", _("评价")
    CALLBACK = "callback", _("回访")


class CaseEvent(models.Model):
    """One line of a case's timeline. ``note`` is plain text, always escaped on display."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("时间"))
    kind = models.CharField(_("类型"), max_length=20, choices=EventKind.choices)
    action = models.CharField(_("操作"), max_length=30, blank=True)
    label = models.CharField(_("说明"), max_length=100, blank=True)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_name = models.CharField(_("操作人"), max_length=100, blank=True)
    unit = models.ForeignKey(
        "accounts.HandlingUnit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(_("意见"), blank=True)
    # Shown to the requester (acceptance, dispatch, result…) or staff only (internal notes).
    public = models.BooleanField(_("对申请人可见"), default=True)

    class Meta:
        verbose_name = _("办理记录")
        verbose_name_plural = _("办理记录")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["case", "at"], name="caseevent_case_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.label or self.kind}"


class PhotoStage(models.TextChoices):
    REPORTED = "reported", _("上报")
    HANDLED = "handled", _("办理结果")
    VERIFIED = "verified", _("核查")


def _photo_path(instance: CasePhoto, filename: str) -> str:
    return f"cases/{instance.case_id}/{filename}"


class CasePhoto(models.Model):
    """A photo, re-encoded as JPEG without metadata (EXIF, GPS) before it is stored; served only
    through a scoped view, never from a public media URL."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="photos")
    stage = models.CharField(_("环节"), max_length=10, choices=PhotoStage.choices)
    image = models.FileField(_("照片"), upload_to=_photo_path)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    uploaded_at = models.DateTimeField(_("上传时间"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("照片")
        verbose_name_plural = _("照片")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id}/{self.pk}"


class ApprovalKind(models.TextChoices):
    SUSPENSION = "suspension", _("挂起")
    EXTENSION = "extension", _("延期")


class ApprovalStatus(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已批准")
    REFUSED = "refused", _("未批准")


class CaseApproval(models.Model):
    """A request to suspend a case or extend its deadline; both need the approval of a superior."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="approvals")
    kind = models.CharField(_("类型"), max_length=12, choices=ApprovalKind.choices)
    reason = models.TextField(_("理由"))
    extra_working_days = models.PositiveSmallIntegerField(_("延长工作日"), default=0)
    status = models.CharField(
        _("状态"), max_length=10, choices=ApprovalStatus.choices, default=ApprovalStatus.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("申请时间"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.TextField(_("审批意见"), blank=True)

    class Meta:
        verbose_name = _("挂起或延期申请")
        verbose_name_plural = _("挂起或延期申请")
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "kind"],
                condition=models.Q(status="pending"),
                name="caseapproval_one_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.get_status_display()}"


class Rating(models.Model):
    """好差评: one to five stars from the requester. Two stars or fewer is a bad rating."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="ratings")
    stars = models.PositiveSmallIntegerField(_("评价等级"))
    comment = models.TextField(_("评价内容"), blank=True)
    rated_at = models.DateTimeField(_("评价时间"))
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("评价")
        verbose_name_plural = _("评价")
        ordering = ["rated_at"]
        indexes = [models.Index(fields=["rated_at"], name="rating_rated_at")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(stars__gte=1, stars__lte=5), name="rating_stars_1_to_5"
            )
        ]

    def __str__(self) -> str:
        return f"{self.stars}★"

    @property
    def is_bad(self) -> bool:
        return self.stars <= BAD_RATING_MAX


BAD_RATING_MAX = 2


class Callback(models.Model):
    """回访 after a bad rating: due within one working day."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="callbacks")
    rating = models.OneToOneField(Rating, on_delete=models.CASCADE, related_name="callback")
    due_at = models.DateTimeField(_("回访时限"))
    done_at = models.DateTimeField(_("回访时间"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(_("回访情况"), blank=True)

    class Meta:
        verbose_name = _("回访")
        verbose_name_plural = _("回访")
        ordering = ["due_at"]
        indexes = [models.Index(fields=["done_at", "due_at"], name="callback_open")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.due_at:%Y-%m-%d}"


class RoutingRule(models.Model):
    """Category → handling unit for a region (like FixMyStreet's contacts): pre-fills dispatch for
    cases in that region's subtree; the most specific region wins."""

    region = models.ForeignKey(
        Region, verbose_name=_("区域"), on_delete=models.PROTECT, related_name="routing_rules"
    )
    category = models.CharField(_("类别"), max_length=30, choices=Category.choices)
    unit = models.ForeignKey(
        "accounts.HandlingUnit",
        verbose_name=_("主办单位"),
        on_delete=models.PROTECT,
        related_name="routing_rules",
    )
    co_units = models.ManyToManyField(
        "accounts.HandlingUnit", verbose_name=_("协办单位"), blank=True, related_name="+"
    )

    scope_region_field = "region"
    scope_grid_field = None

    class Meta:
        verbose_name = _("分拨规则")
        verbose_name_plural = _("分拨规则")
        ordering = ["region__path", "category"]
        constraints = [
            models.UniqueConstraint(fields=["region", "category"], name="routing_unique")
        ]

    def __str__(self) -> str:
        return f"{self.region} {self.get_category_display()} → {self.unit}"


class FollowCode(models.Model):
    """A one-time code sent to the requester's phone to follow a case by its number."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["case", "created_at"], name="followcode_case")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.created_at:%Y-%m-%d %H:%M}"


class IdempotencyRecord(models.Model):
    """The answer given to a create call with an ``Idempotency-Key``: a retry gets the same answer."""

    key = models.CharField(max_length=100)
    owner = models.CharField(max_length=80)
    request_hash = models.CharField(max_length=64)
    case = models.ForeignKey(Case, null=True, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["owner", "key"], name="idempotency_unique")]

    def __str__(self) -> str:
        return f"{self.owner} {self.key}"


class Open311Client(models.Model):
    """A named client system allowed to POST requests through Open311 GeoReport v2.

    Only a SHA-256 hash of its API key is kept; the key is shown once when issued."""

    name = models.CharField(_("系统名称"), max_length=80, unique=True)
    contact = models.CharField(_("联系人"), max_length=100, blank=True)
    region = models.ForeignKey(
        Region, verbose_name=_("受理区域"), on_delete=models.PROTECT, related_name="+"
    )
    prefix = models.CharField(max_length=12, unique=True)
    key_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("创建时间"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)

    scope_region_field = "region"
    scope_grid_field = None

    class Meta:
        verbose_name = _("Open311 对接系统")
        verbose_name_plural = _("Open311 对接系统")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
