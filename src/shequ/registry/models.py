"""The resident and household registry (F3): who lives where, in which household, in which care groups.

Personal identifiers — ID numbers, phone numbers and the detailed address (unit, room, free text) — are
stored encrypted, with blind indexes for exact search; names are kept in clear with pinyin keys so
staff can find people. Nothing is ever hard-deleted: people move out or die, memberships end, tags end.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.core.fields import BlindIndexField, EncryptedTextField
from shequ.core.models import AbstractImportJob
from shequ.core.validators import normalize_id_number, normalize_phone
from shequ.territory.models import Building, Estate, Grid, Region, VillagerGroup


class ResidenceStatus(models.TextChoices):
    REGISTERED = "registered", _("户籍人口")
    PERMANENT = "permanent", _("常住人口")
    MIGRANT = "migrant", _("流动人口")


class LifeStatus(models.TextChoices):
    ACTIVE = "active", _("在册")
    MOVED_OUT = "moved_out", _("已迁出")
    DECEASED = "deceased", _("已死亡")
    # Merged into another record found to be the same person (``Resident.merged_into``).
    MERGED = "merged", _("已合并")


class Sex(models.TextChoices):
    MALE = "male", _("男")
    FEMALE = "female", _("女")
    UNKNOWN = "unknown", _("未知")


class Relation(models.TextChoices):
    HEAD = "head", _("户主")
    SPOUSE = "spouse", _("配偶")
    CHILD = "child", _("子女")
    PARENT = "parent", _("父母")
    GRANDPARENT = "grandparent", _("祖父母/外祖父母")
    GRANDCHILD = "grandchild", _("孙子女/外孙子女")
    SIBLING = "sibling", _("兄弟姐妹")
    CHILD_IN_LAW = "child_in_law", _("媳婿")
    OTHER_RELATIVE = "other_relative", _("其他亲属")
    NON_RELATIVE = "non_relative", _("非亲属")


class LegalBasis(models.TextChoices):
    """PIPL Art. 13: why the community may hold this person's data."""

    STATUTORY_DUTY = "statutory_duty", _("履行法定职责")
    CONSENT = "consent", _("本人同意")


class IdType(models.TextChoices):
    RESIDENT_ID = "resident_id", _("居民身份证")
    PASSPORT = "passport", _("护照")
    HK_MACAO_TAIWAN = "hmt_permit", _("港澳台居民居住证/通行证")
    FOREIGN_PERMANENT = "foreign_permanent", _("外国人永久居留身份证")
    NONE = "none", _("无证件")


class Household(models.Model):
    """A household (户) at one home in a community."""

    number = models.CharField(_("户编号"), max_length=32, unique=True)
    community = models.ForeignKey(
        Region, verbose_name=_("村(社区)"), on_delete=models.PROTECT, related_name="households"
    )
    grid = models.ForeignKey(
        Grid,
        verbose_name=_("网格"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="households",
    )
    estate = models.ForeignKey(
        Estate, verbose_name=_("小区/自然村"), null=True, blank=True, on_delete=models.PROTECT
    )
    building = models.ForeignKey(
        Building, verbose_name=_("楼栋"), null=True, blank=True, on_delete=models.PROTECT
    )
    villager_group = models.ForeignKey(
        VillagerGroup, verbose_name=_("村民小组"), null=True, blank=True, on_delete=models.PROTECT
    )
    # Unit, room and free text: the part of an address that points at one door. Encrypted.
    address_detail = EncryptedTextField(_("详细地址（单元、室号等）"), blank=True)
    address_index = BlindIndexField(source="address_detail", kind="address_detail", db_index=False)
    head = models.ForeignKey(
        "Resident",
        verbose_name=_("户主"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    is_active = models.BooleanField(_("有效"), default=True)
    is_synthetic = models.BooleanField(_("演示数据"), default=False)
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)
    # Optimistic locking: an edit names the version it started from; a concurrent edit loses cleanly.
    version = models.PositiveIntegerField(default=1)

    scope_region_field = "community"
    scope_grid_field = "grid"

    class Meta:
        verbose_name = _("户")
        verbose_name_plural = _("户")
        ordering = ["community", "number"]
        indexes = [
            models.Index(fields=["community", "is_active"], name="household_community_idx"),
            models.Index(fields=["address_index"], name="household_address_idx"),
        ]

    def __str__(self) -> str:
        return self.number


class Resident(models.Model):
    """A person in the registry."""

    household = models.ForeignKey(
        Household,
        verbose_name=_("所在户"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    relation = models.CharField(
        _("与户主关系"), max_length=20, choices=Relation.choices, blank=True
    )
    # Where the person is registered, kept in step with the household: what scoping reads. Indexed by
    # (community, status) and (grid, status) below, which also serve lookups by place alone.
    community = models.ForeignKey(
        Region,
        verbose_name=_("村(社区)"),
        on_delete=models.PROTECT,
        related_name="residents",
        db_index=False,
    )
    grid = models.ForeignKey(
        Grid,
        verbose_name=_("网格"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="residents",
        db_index=False,
    )
    name = models.CharField(_("姓名"), max_length=60)
    name_keys = models.CharField(_("姓名拼音"), max_length=400, blank=True, editable=False)
    id_type = models.CharField(
        _("证件类型"), max_length=20, choices=IdType.choices, default=IdType.RESIDENT_ID
    )
    id_number = EncryptedTextField(_("证件号码"), blank=True)
    id_number_index = BlindIndexField(
        source="id_number", kind="id_number", normalizer=normalize_id_number, db_index=False
    )
    birth_date = models.DateField(_("出生日期"), null=True, blank=True, db_index=True)
    sex = models.CharField(_("性别"), max_length=8, choices=Sex.choices, default=Sex.UNKNOWN)
    phone = EncryptedTextField(_("手机号"), blank=True)
    phone_index = BlindIndexField(
        source="phone", kind="phone", normalizer=normalize_phone, db_index=False
    )
    residence_status = models.CharField(
        _("人口类别"),
        max_length=12,
        choices=ResidenceStatus.choices,
        default=ResidenceStatus.REGISTERED,
    )
    status = models.CharField(
        _("状态"), max_length=12, choices=LifeStatus.choices, default=LifeStatus.ACTIVE
    )
    status_date = models.DateField(_("状态变更日期"), null=True, blank=True)
    legal_basis = models.CharField(
        _("处理依据"), max_length=20, choices=LegalBasis.choices, default=LegalBasis.STATUTORY_DUTY
    )
    note = EncryptedTextField(_("备注"), blank=True, sensitive=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("合并到"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_from",
        db_index=False,
    )
    # The resident's own sign-in account, once linked: what the resident pages show them.
    account = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("居民账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="resident_record",
    )
    is_synthetic = models.BooleanField(_("演示数据"), default=False)
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    scope_region_field = "community"
    scope_grid_field = "grid"

    class Meta:
        verbose_name = _("居民")
        verbose_name_plural = _("居民")
        ordering = ["community", "name", "pk"]
        # Declared here rather than with db_index=True: on PostgreSQL an indexed CharField also gets a
        # varchar_pattern_ops copy for LIKE 'x%', which exact blind-index lookups and substring name
        # searches never use, and every extra index slows bulk imports (docs/benchmarks.md).
        indexes = [
            models.Index(fields=["community", "status"], name="resident_community_idx"),
            models.Index(fields=["grid", "status"], name="resident_grid_idx"),
            models.Index(fields=["name"], name="resident_name_idx"),
            models.Index(fields=["id_number_index"], name="resident_id_number_idx"),
            models.Index(fields=["phone_index"], name="resident_phone_idx"),
            models.Index(
                fields=["merged_into"],
                name="resident_merged_into_idx",
                condition=models.Q(merged_into__isnull=False),
            ),
        ]
        constraints = [
            # The same ID number can never be registered twice (the index is of the normalised number).
            models.UniqueConstraint(
                fields=["id_number_index"],
                condition=~models.Q(id_number_index=""),
                name="resident_id_unique",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def age_on(self, day: date) -> int | None:
        if self.birth_date is None:
            return None
        years = day.year - self.birth_date.year
        if (day.month, day.day) < (self.birth_date.month, self.birth_date.day):
            years -= 1
        return years


class HouseholdMembership(models.Model):
    """Who belonged to which household, as what, and when: the history behind ``Resident.household``."""

    resident = models.ForeignKey(Resident, on_delete=models.PROTECT, related_name="memberships")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="memberships")
    relation = models.CharField(_("与户主关系"), max_length=20, choices=Relation.choices)
    joined_on = models.DateField(_("入户日期"))
    left_on = models.DateField(_("离户日期"), null=True, blank=True)
    left_reason = models.CharField(_("离户原因"), max_length=100, blank=True)

    scope_region_field = "household__community"
    scope_grid_field = "household__grid"

    class Meta:
        verbose_name = _("户成员记录")
        verbose_name_plural = _("户成员记录")
        ordering = ["household", "joined_on", "pk"]

    def __str__(self) -> str:
        return f"{self.resident} @ {self.household}"


class CareGroup(models.TextChoices):
    """The plan's care groups (关爱对象), one identifier each (docs/glossary.md)."""

    DIBAO = "dibao", _("低保对象")
    EXTREME_POVERTY = "extreme_poverty", _("特困人员")
    EMPTY_NEST_ELDERLY = "empty_nest_elderly", _("空巢老人")
    LIVING_ALONE_ELDERLY = "living_alone_elderly", _("独居老人")
    OLDEST_OLD = "oldest_old", _("高龄老人")
    DEPENDENT_ELDERLY = "dependent_elderly", _("失能老人")
    CHILD_IN_DIFFICULTY = "child_in_difficulty", _("困境儿童")
    LEFT_BEHIND_CHILD = "left_behind_child", _("农村留守儿童")
    DISABLED = "disabled", _("残疾人")
    COMMUNITY_CORRECTIONS = "community_corrections", _("社区矫正对象")
    SEVERE_MENTAL_DISORDER = "severe_mental_disorder", _("严重精神障碍患者")
    VETERAN = "veteran", _("退役军人")
    REGISTERED_UNEMPLOYED = "registered_unemployed", _("登记失业人员")
    EMPLOYMENT_DIFFICULTY = "employment_difficulty", _("就业困难人员")
    PARTY_MEMBER = "party_member", _("党员")


# PIPL Art. 28: specific identity, health and the like are sensitive personal information.
SENSITIVE_CARE_GROUPS = frozenset(
    {
        CareGroup.DIBAO, CareGroup.EXTREME_POVERTY, CareGroup.DEPENDENT_ELDERLY,
        CareGroup.CHILD_IN_DIFFICULTY, CareGroup.LEFT_BEHIND_CHILD, CareGroup.DISABLED,
        CareGroup.COMMUNITY_CORRECTIONS, CareGroup.SEVERE_MENTAL_DISORDER,
    }
)  # fmt: skip


class DisabilityCategory(models.TextChoices):
    VISUAL = "visual", _("视力残疾")
    HEARING = "hearing", _("听力残疾")
    SPEECH = "speech", _("言语残疾")
    PHYSICAL = "physical", _("肢体残疾")
    INTELLECTUAL = "intellectual", _("智力残疾")
    MENTAL = "mental", _("精神残疾")
    MULTIPLE = "multiple", _("多重残疾")


class DisabilityGrade(models.IntegerChoices):
    GRADE_1 = 1, _("一级")
    GRADE_2 = 2, _("二级")
    GRADE_3 = 3, _("三级")
    GRADE_4 = 4, _("四级")


class CareGroupTag(models.Model):
    """A resident belongs to a care group from ``start_date`` (until ``end_date``)."""

    resident = models.ForeignKey(Resident, on_delete=models.PROTECT, related_name="care_tags")
    group = models.CharField(_("关爱类别"), max_length=32, choices=CareGroup.choices, db_index=True)
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"), null=True, blank=True)
    source = models.CharField(
        _("来源"), max_length=100, blank=True, help_text=_("例如：民政局低保名册、走访发现")
    )
    note = EncryptedTextField(_("备注"), blank=True, sensitive=True)
    disability_category = models.CharField(
        _("残疾类别"), max_length=16, choices=DisabilityCategory.choices, blank=True
    )
    disability_grade = models.PositiveSmallIntegerField(
        _("残疾等级"), choices=DisabilityGrade.choices, null=True, blank=True
    )
    created_at = models.DateTimeField(default=timezone.now)

    scope_region_field = "resident__community"
    scope_grid_field = "resident__grid"

    class Meta:
        verbose_name = _("关爱对象标记")
        verbose_name_plural = _("关爱对象标记")
        ordering = ["resident", "group", "start_date"]
        indexes = [models.Index(fields=["group", "end_date"], name="caretag_group_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="caretag_dates_ordered",
            )
        ]

    def __str__(self) -> str:
        return f"{self.resident} · {self.get_group_display()}"

    def is_current(self, day: date) -> bool:
        return self.start_date <= day and (self.end_date is None or self.end_date >= day)


class Rental(models.Model):
    """A home let to tenants (出租房屋), registered for migrant-population management (流动人口管理)."""

    community = models.ForeignKey(
        Region, verbose_name=_("村(社区)"), on_delete=models.PROTECT, related_name="rentals"
    )
    grid = models.ForeignKey(
        Grid, verbose_name=_("网格"), null=True, blank=True, on_delete=models.PROTECT
    )
    estate = models.ForeignKey(
        Estate, verbose_name=_("小区/自然村"), null=True, blank=True, on_delete=models.PROTECT
    )
    building = models.ForeignKey(
        Building, verbose_name=_("楼栋"), null=True, blank=True, on_delete=models.PROTECT
    )
    address_detail = EncryptedTextField(_("详细地址（单元、室号等）"), blank=True)
    address_index = BlindIndexField(source="address_detail", kind="address_detail")
    landlord = models.ForeignKey(
        Resident, verbose_name=_("房东"), on_delete=models.PROTECT, related_name="rentals_owned"
    )
    registered_on = models.DateField(_("登记日期"))
    ended_on = models.DateField(_("停止出租日期"), null=True, blank=True)
    note = EncryptedTextField(_("备注"), blank=True)
    is_synthetic = models.BooleanField(_("演示数据"), default=False)

    scope_region_field = "community"
    scope_grid_field = "grid"

    class Meta:
        verbose_name = _("出租房屋")
        verbose_name_plural = _("出租房屋")
        ordering = ["community", "-registered_on", "pk"]

    def __str__(self) -> str:
        return f"{self.community} · {self.landlord}"


class Tenancy(models.Model):
    """A tenant living in a rental from ``start_date`` (until ``end_date``)."""

    rental = models.ForeignKey(Rental, on_delete=models.PROTECT, related_name="tenancies")
    tenant = models.ForeignKey(
        Resident, verbose_name=_("租户"), on_delete=models.PROTECT, related_name="tenancies"
    )
    start_date = models.DateField(_("入住日期"))
    end_date = models.DateField(_("退租日期"), null=True, blank=True)

    scope_region_field = "rental__community"
    scope_grid_field = "rental__grid"

    class Meta:
        verbose_name = _("租住记录")
        verbose_name_plural = _("租住记录")
        ordering = ["rental", "start_date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="tenancy_dates_ordered",
            )
        ]

    def __str__(self) -> str:
        return f"{self.tenant} @ {self.rental}"


class DuplicateReason(models.TextChoices):
    SAME_NAME_BIRTH_DATE = "same_name_birth_date", _("姓名和出生日期相同")
    SAME_NAME_ADDRESS = "same_name_address", _("姓名和地址相同")


class DuplicateStatus(models.TextChoices):
    OPEN = "open", _("待核查")
    MERGED = "merged", _("已合并")
    DISMISSED = "dismissed", _("不是同一人")


class DuplicateCandidate(models.Model):
    """Two records that may be the same person, waiting for staff to merge or dismiss them.

    The pair is stored once, lower id first. ``resident`` decides the scope: a reviewer must see both.
    """

    resident = models.ForeignKey(
        Resident, verbose_name=_("居民"), on_delete=models.PROTECT, related_name="+"
    )
    other = models.ForeignKey(
        Resident, verbose_name=_("疑似重复"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("原因"), max_length=32, choices=DuplicateReason.choices)
    status = models.CharField(
        _("状态"), max_length=12, choices=DuplicateStatus.choices, default=DuplicateStatus.OPEN
    )
    found_at = models.DateTimeField(_("发现时间"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("处理人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    # Which record was kept when merged.
    kept = models.ForeignKey(
        Resident,
        verbose_name=_("保留的记录"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)
    version = models.PositiveIntegerField(default=1)

    scope_region_field = "resident__community"
    scope_grid_field = "resident__grid"

    class Meta:
        verbose_name = _("疑似重复记录")
        verbose_name_plural = _("疑似重复记录")
        ordering = ["-found_at", "pk"]
        indexes = [models.Index(fields=["status", "found_at"], name="duplicate_status_idx")]
        constraints = [
            models.UniqueConstraint(fields=["resident", "other"], name="duplicate_pair_unique"),
            models.CheckConstraint(
                condition=models.Q(resident__lt=models.F("other")), name="duplicate_pair_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resident} ≈ {self.other}"


class ConsentPurpose(models.TextChoices):
    """Optional uses of a resident's data, each needing the resident's own consent (PIPL Art. 14)."""

    ACTIVITY_NOTICES = "activity_notices", _("接收社区活动通知")
    SATISFACTION_SURVEYS = "satisfaction_surveys", _("接受服务满意度回访")
    VOLUNTEER_MATCHING = "volunteer_matching", _("向志愿者提供联系方式以便上门服务")
    SHARE_WITH_PROVIDERS = "share_with_providers", _("向为我服务的社会组织提供必要信息")
    PHOTO_PUBLICITY = "photo_publicity", _("在社区宣传中使用我的活动照片")


class ConsentRecord(models.Model):
    """One decision on one purpose. The newest record per purpose is the resident's current choice."""

    resident = models.ForeignKey(
        Resident, verbose_name=_("居民"), on_delete=models.PROTECT, related_name="consents"
    )
    purpose = models.CharField(_("用途"), max_length=32, choices=ConsentPurpose.choices)
    granted = models.BooleanField(_("同意"))
    recorded_at = models.DateTimeField(_("记录时间"), default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记录人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    scope_region_field = "resident__community"
    scope_grid_field = "resident__grid"

    class Meta:
        verbose_name = _("同意记录")
        verbose_name_plural = _("同意记录")
        ordering = ["resident", "purpose", "-recorded_at", "-pk"]
        indexes = [
            models.Index(fields=["resident", "purpose", "recorded_at"], name="consent_latest_idx")
        ]

    def __str__(self) -> str:
        return f"{self.resident} · {self.get_purpose_display()}"


class RightsRequestKind(models.TextChoices):
    """A resident's rights over their personal information (PIPL Arts. 44-48)."""

    COPY = "copy", _("查阅、复制个人信息")
    CORRECTION = "correction", _("更正、补充个人信息")
    DELETION = "deletion", _("删除个人信息")
    EXPLANATION = "explanation", _("解释处理规则")


class RightsRequestStatus(models.TextChoices):
    SUBMITTED = "submitted", _("已提交")
    IN_PROGRESS = "in_progress", _("办理中")
    COMPLETED = "completed", _("已办结")
    REFUSED = "refused", _("不予办理")
    WITHDRAWN = "withdrawn", _("已撤回")


class RightsRequest(models.Model):
    """A resident's request about their own data, tracked to an answer within a working-day limit."""

    resident = models.ForeignKey(
        Resident, verbose_name=_("居民"), on_delete=models.PROTECT, related_name="rights_requests"
    )
    kind = models.CharField(_("请求类型"), max_length=16, choices=RightsRequestKind.choices)
    # For corrections: which item is wrong (a field name from the resident page) — may be blank.
    subject = models.CharField(_("涉及事项"), max_length=40, blank=True)
    details = EncryptedTextField(_("具体内容"), blank=True, sensitive=True)
    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=RightsRequestStatus.choices,
        default=RightsRequestStatus.SUBMITTED,
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提交人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("提交时间"), default=timezone.now)
    due_on = models.DateField(_("答复期限"))
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("办理人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    response = EncryptedTextField(_("答复"), blank=True, sensitive=True)
    version = models.PositiveIntegerField(default=1)

    scope_region_field = "resident__community"
    scope_grid_field = "resident__grid"

    class Meta:
        verbose_name = _("个人信息权利请求")
        verbose_name_plural = _("个人信息权利请求")
        ordering = ["-submitted_at", "pk"]
        indexes = [models.Index(fields=["status", "due_on"], name="rights_status_idx")]

    def __str__(self) -> str:
        return f"{self.resident} · {self.get_kind_display()}"


class ImportJob(AbstractImportJob):
    """One uploaded spreadsheet of households and residents, from dry run to import
    (``actions.imports``). Its errors never carry a cell's value, which may be an ID number."""

    region = models.ForeignKey(
        Region, verbose_name=_("导入范围"), on_delete=models.PROTECT, related_name="+"
    )

    scope_region_field = "region"
    scope_grid_field = None

    class Meta(AbstractImportJob.Meta):
        verbose_name = _("导入任务")
        verbose_name_plural = _("导入任务")
