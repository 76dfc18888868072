"""Facilities that serve residents (L1) and the living-circle analysis over them (L2).

- ``Facility``: one place that serves residents, in a community, with its position (WGS-84), areas,
  opening hours and photos. ``CommunityFloorArea``: a community's total building floor area for a year,
  the denominator of the plan's area indicators (#1).
- The standard as data: ``LivingCircle`` (GB 50180-2018's 5-, 10- and 15-minute circles, the rural 3 km
  circle, the 一刻钟养老服务圈) and ``CircleRequirement`` (which categories each circle needs).
- ``WalkingNetwork``: a street graph imported from OpenStreetMap or GeoJSON (or generated for the
  demo), stored as compressed arrays (``network.WalkingGraph``).
- ``CoverageRun`` with ``CoverageEstate`` and ``EstateAccess``: one computation of every estate's
  walking distance to the nearest facility of each category and of each requirement.
- ``CandidateSite``: vacant premises offered for a new facility (siting suggests them or network nodes).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from shequ.core.models import AbstractImportJob
from shequ.territory.models import Estate, Region


class FacilityCategory(models.TextChoices):
    COMMUNITY_SERVICE_CENTER = "community_service_center", _("社区综合服务中心")
    COMMUNITY_SERVICE_STATION = "community_service_station", _("社区综合服务站")
    ELDERLY_DAY_CARE = "elderly_day_care", _("日间照料中心")
    MEAL_POINT = "meal_point", _("助餐点")
    NURSING_HOME = "nursing_home", _("养老机构")
    CHILDCARE = "childcare", _("托育机构")
    KINDERGARTEN = "kindergarten", _("幼儿园")
    HEALTH_STATION = "health_station", _("社区卫生服务站")
    CULTURE = "culture", _("文化活动室")
    SPORTS = "sports", _("体育健身场地")
    EMPLOYMENT = "employment", _("就业服务站")
    DISABILITY_HOME = "disability_home", _("残疾人之家")
    SOCIAL_WORK = "social_work", _("社工室")
    CHARITY_STORE = "charity_store", _("慈善超市")
    MARKET = "market", _("农贸市场")
    CONVENIENCE_SHOP = "convenience_shop", _("便利店")
    PROPERTY_OFFICE = "property_office", _("物业服务用房")
    POLICE_ROOM = "police_room", _("警务室")
    SHELTER = "shelter", _("应急避难场所")
    SELF_SERVICE_TERMINAL = "self_service_terminal", _("政务自助服务终端")
    SHARED_PARKING = "shared_parking", _("共享停车场")
    SHARED_SPORTS = "shared_sports", _("开放共享运动场")
    SHARED_MEETING_ROOM = "shared_meeting_room", _("共享会议室")


# Categories whose floor area counts as "社区综合服务设施" for the plan's indicators #2 and #3, and as
# "商业" for #1 (the commercial area of any facility counts there too).
SERVICE_FACILITY_CATEGORIES = frozenset(
    {FacilityCategory.COMMUNITY_SERVICE_CENTER, FacilityCategory.COMMUNITY_SERVICE_STATION}
)
# Centres the plan requires to open at least 8 hours a day (出台社区综合服务设施开放时间不少于8小时).
MIN_DAILY_HOURS = 8
SHARED_CATEGORIES = frozenset(
    {
        FacilityCategory.SHARED_PARKING,
        FacilityCategory.SHARED_SPORTS,
        FacilityCategory.SHARED_MEETING_ROOM,
    }
)


class FacilityStatus(models.TextChoices):
    PLANNED = "planned", _("规划中")
    IN_SERVICE = "in_service", _("运营中")
    SUSPENDED = "suspended", _("暂停服务")
    CLOSED = "closed", _("已关闭")


# Only facilities in service count for coverage.
SERVING_STATUSES = (FacilityStatus.IN_SERVICE,)


class CoordinateSystem(models.TextChoices):
    WGS84 = "wgs84", _("WGS-84（GPS、天地图）")
    GCJ02 = "gcj02", _("GCJ-02（高德、腾讯地图）")


class CircleKind(models.TextChoices):
    URBAN = "urban", _("城镇社区")
    RURAL = "rural", _("农村")
    ALL = "all", _("城乡通用")


class LivingCircle(models.Model):
    """A circle of the living circle: who it applies to and how far its facilities may be on foot."""

    code = models.SlugField(_("编码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=60)
    name_en = models.CharField(_("英文名称"), max_length=100, blank=True)
    applies_to = models.CharField(
        _("适用范围"), max_length=10, choices=CircleKind.choices, default=CircleKind.URBAN
    )
    service_radius_m = models.PositiveIntegerField(_("服务半径（步行米数）"))
    minutes = models.PositiveSmallIntegerField(_("步行时间（分钟）"), null=True, blank=True)
    basis = models.CharField(_("依据"), max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("生活圈层级")
        verbose_name_plural = _("生活圈层级")
        ordering = ["order", "service_radius_m", "id"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The name in the user's language: the English name on English pages, when there is one."""
        if self.name_en and get_language() == "en":
            return self.name_en
        return self.name


class CircleRequirement(models.Model):
    """A category a circle requires within its walking distance."""

    circle = models.ForeignKey(LivingCircle, on_delete=models.CASCADE, related_name="requirements")
    category = models.CharField(_("设施类别"), max_length=30, choices=FacilityCategory.choices)

    class Meta:
        verbose_name = _("生活圈配置要求")
        verbose_name_plural = _("生活圈配置要求")
        ordering = ["circle__order", "circle__service_radius_m", "category"]
        constraints = [
            models.UniqueConstraint(fields=["circle", "category"], name="circle_requirement_unique")
        ]

    def __str__(self) -> str:
        return f"{self.circle} · {self.get_category_display()}"


class Facility(models.Model):
    """A facility that serves residents. Its position is WGS-84; one given in GCJ-02 is converted."""

    scope_region_field = "community"

    community = models.ForeignKey(
        Region,
        verbose_name=_("所在社区"),
        on_delete=models.PROTECT,
        related_name="facilities",
        db_index=False,  # leads facility_community_category
    )
    category = models.CharField(_("设施类别"), max_length=30, choices=FacilityCategory.choices)
    name = models.CharField(_("名称"), max_length=100)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    lat = models.FloatField(_("纬度"))
    lng = models.FloatField(_("经度"))
    operator = models.CharField(_("运营方"), max_length=100, blank=True)
    # The circle this facility serves at (a 15-minute-level centre does not meet a 5-minute need);
    # blank: it counts for every circle that requires its category.
    serves_circle = models.ForeignKey(
        LivingCircle,
        verbose_name=_("服务层级"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="facilities",
    )
    floor_area_m2 = models.DecimalField(
        _("建筑面积（平方米）"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    activity_area_m2 = models.DecimalField(
        _("居民服务和活动用房面积（平方米）"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
    )
    commercial_area_m2 = models.DecimalField(
        _("商业面积（平方米）"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    capacity = models.PositiveIntegerField(_("容量（床位、座位或人数）"), null=True, blank=True)
    # {"mon": [[480, 1080]], ...}: minutes since midnight, sorted, never overlapping; an interval
    # that runs past midnight is split at midnight (``hours.parse_week``).
    opening_hours = models.JSONField(_("开放时间"), default=dict, blank=True)
    shortest_day_hours = models.DecimalField(
        _("开放最短一天的时长（小时）"), max_digits=4, decimal_places=2, null=True, blank=True,
        editable=False,
    )  # fmt: skip
    owner_institution = models.CharField(_("开放单位"), max_length=100, blank=True)
    status = models.CharField(
        _("状态"), max_length=20, choices=FacilityStatus.choices, default=FacilityStatus.IN_SERVICE
    )
    note = models.TextField(_("备注"), blank=True)
    # The key an import matches rows on (e.g. the operator's own facility code), unique per community.
    external_code = models.CharField(_("设施编码"), max_length=40, blank=True)
    is_synthetic = models.BooleanField(_("演示数据"), default=False)
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("服务设施")
        verbose_name_plural = _("服务设施")
        ordering = ["community__path", "category", "name", "id"]
        indexes = [
            models.Index(fields=["community", "category"], name="facility_community_category"),
            models.Index(fields=["category", "status"], name="facility_category_status"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "external_code"],
                condition=~models.Q(external_code=""),
                name="facility_external_code_unique",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_shared_resource(self) -> bool:
        return self.category in SHARED_CATEGORIES

    @property
    def opens_too_briefly(self) -> bool:
        """A community service centre open less than the plan's 8 hours on some day it opens."""
        return (
            self.category in SERVICE_FACILITY_CATEGORIES
            and self.shortest_day_hours is not None
            and self.shortest_day_hours < MIN_DAILY_HOURS
        )


def _photo_path(instance: FacilityPhoto, filename: str) -> str:
    return f"facilities/{instance.facility_id}/{timezone.now():%Y%m}/{filename}"


class FacilityPhoto(models.Model):
    """A photo of a facility, re-encoded without metadata (``core.images``)."""

    facility = models.ForeignKey(Facility, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(_("照片"), upload_to=_photo_path)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("设施照片")
        verbose_name_plural = _("设施照片")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return f"{self.facility_id}/{self.pk}"


class CommunityFloorArea(models.Model):
    """A community's total building floor area (社区总建筑面积) in a year, as surveyed."""

    scope_region_field = "community"

    community = models.ForeignKey(
        Region, verbose_name=_("社区"), on_delete=models.PROTECT, related_name="floor_areas"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    total_floor_area_m2 = models.DecimalField(
        _("社区总建筑面积（平方米）"), max_digits=12, decimal_places=2
    )
    source = models.CharField(_("数据来源"), max_length=100, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    entered_at = models.DateTimeField(_("填报时间"), default=timezone.now)
    is_synthetic = models.BooleanField(_("演示数据"), default=False)

    class Meta:
        verbose_name = _("社区总建筑面积")
        verbose_name_plural = _("社区总建筑面积")
        ordering = ["community__path", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["community", "year"], name="floor_area_community_year")
        ]

    def __str__(self) -> str:
        return f"{self.community} {self.year}"


class NetworkSource(models.TextChoices):
    OSM = "osm", _("OpenStreetMap 数据")
    GEOJSON = "geojson", _("GeoJSON 线数据")
    SYNTHETIC = "synthetic", _("演示生成")


class WalkingNetwork(models.Model):
    """A walking graph for a region's subtree; the newest active one is used for its estates."""

    scope_region_field = "region"

    region = models.ForeignKey(
        Region, verbose_name=_("覆盖区域"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("名称"), max_length=100)
    source = models.CharField(_("来源"), max_length=20, choices=NetworkSource.choices)
    node_count = models.PositiveIntegerField(_("节点数"))
    edge_count = models.PositiveIntegerField(_("路段数"))
    total_length_km = models.FloatField(_("总长度（公里）"))
    # ``network.WalkingGraph.to_npz_bytes()``: numpy arrays only, read without pickle.
    data = models.BinaryField(editable=False)
    is_active = models.BooleanField(_("启用"), default=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    imported_at = models.DateTimeField(_("导入时间"), default=timezone.now)
    is_synthetic = models.BooleanField(_("演示数据"), default=False)

    class Meta:
        verbose_name = _("步行路网")
        verbose_name_plural = _("步行路网")
        ordering = ["-imported_at", "-id"]

    def __str__(self) -> str:
        return self.name


class Method(models.TextChoices):
    NETWORK = "network", _("沿路网步行距离")
    STRAIGHT_LINE = "straight_line", _("直线距离×绕行系数（无路网时的估算）")


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("计算中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class CoverageRun(models.Model):
    """One computation of coverage for every estate under a region. The newest finished run of a
    region is what pages show; older runs are kept for comparison and removed by age."""

    scope_region_field = "region"

    region = models.ForeignKey(
        Region, verbose_name=_("区域"), on_delete=models.PROTECT, related_name="+"
    )
    network = models.ForeignKey(
        WalkingNetwork, null=True, blank=True, on_delete=models.SET_NULL, related_name="runs"
    )
    method = models.CharField(_("距离算法"), max_length=20, choices=Method.choices)
    detour_factor = models.FloatField(_("绕行系数"), default=1.3)
    status = models.CharField(
        _("状态"), max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED
    )
    reason = models.CharField(_("起因"), max_length=200, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("发起时间"), default=timezone.now)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    estate_count = models.PositiveIntegerField(_("小区数"), default=0)
    facility_count = models.PositiveIntegerField(_("设施数"), default=0)
    # Estates measured in straight lines because no active network holds them, and estates left out
    # because they have no position: pages say so in the reader's language.
    off_network_estates = models.PositiveIntegerField(default=0)
    unplaced_estates = models.PositiveIntegerField(default=0)
    # Why a failed run failed (the worker's words, for administrators).
    message = models.TextField(_("说明"), blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("生活圈覆盖计算")
        verbose_name_plural = _("生活圈覆盖计算")
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["region", "status", "-finished_at"], name="run_latest")]

    def __str__(self) -> str:
        return f"{self.region} {self.requested_at:%Y-%m-%d %H:%M}"


class CoverageEstate(models.Model):
    """An estate as a run saw it: its households and elderly residents (the weights of coverage)."""

    scope_region_field = "community"

    run = models.ForeignKey(CoverageRun, on_delete=models.CASCADE, related_name="estates")
    estate = models.ForeignKey(Estate, on_delete=models.CASCADE, related_name="+")
    community = models.ForeignKey(
        Region, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    households = models.PositiveIntegerField(default=0)
    elderly = models.PositiveIntegerField(default=0)
    is_rural = models.BooleanField(default=False)
    # Distance from the estate's centre to the network node it was attached to.
    snap_m = models.FloatField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "estate"], name="coverage_estate_unique")
        ]
        indexes = [models.Index(fields=["run", "community"], name="coverage_estate_community")]

    def __str__(self) -> str:
        return f"{self.run_id}/{self.estate_id}"


class EstateAccess(models.Model):
    """The nearest facility of a category from an estate, in a run. ``circle`` empty: any facility of
    the category; ``circle`` set: only those that count for that circle's requirement."""

    # A derived table rebuilt in full by every run (hundreds of thousands of rows per city): the
    # foreign keys carry no database constraint and no index of their own — checking four keys per
    # row made writing a run ten times slower than the COPY itself (bench/bench_coverage_run.py).
    # Rows are written by ``actions.coverage`` alone; deletions cascade through Django.
    run = models.ForeignKey(
        CoverageRun, on_delete=models.CASCADE, related_name="+", db_constraint=False,
        db_index=False,
    )  # fmt: skip
    estate = models.ForeignKey(
        CoverageEstate, on_delete=models.CASCADE, related_name="access", db_constraint=False,
        db_index=False,
    )  # fmt: skip
    category = models.CharField(max_length=30, choices=FacilityCategory.choices)
    circle = models.ForeignKey(
        LivingCircle, null=True, blank=True, on_delete=models.CASCADE, related_name="+",
        db_constraint=False, db_index=False,
    )  # fmt: skip
    # Empty: no such facility within the search limit (or none reachable at all, see ``unreachable``).
    distance_m = models.FloatField(null=True, blank=True)
    facility = models.ForeignKey(
        Facility, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        db_constraint=False, db_index=False,
    )  # fmt: skip
    # No facility of this kind on the estate's part of the network at all (a disconnected network).
    unreachable = models.BooleanField(default=False)
    covered = models.BooleanField(default=False)

    class Meta:
        # What pages read: a requirement's (or a category's) rows of one run.
        indexes = [
            models.Index(
                fields=["run", "category", "circle", "covered"], name="access_run_category"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.estate_id}/{self.category}/{self.circle_id or '-'}"


class CandidateSite(models.Model):
    """Vacant premises offered for a new facility (闲置用房), a candidate for siting."""

    scope_region_field = "community"

    community = models.ForeignKey(
        Region, verbose_name=_("所在社区"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("名称"), max_length=100)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    lat = models.FloatField(_("纬度"))
    lng = models.FloatField(_("经度"))
    floor_area_m2 = models.DecimalField(
        _("建筑面积（平方米）"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)
    is_available = models.BooleanField(_("可用"), default=True)
    is_synthetic = models.BooleanField(_("演示数据"), default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("候选场地")
        verbose_name_plural = _("候选场地")
        ordering = ["community__path", "name", "id"]

    def __str__(self) -> str:
        return self.name


# --- Imports (facility spreadsheet import) ---


class FacilityImport(AbstractImportJob):
    """One uploaded spreadsheet of facilities, from dry run to import (``actions.imports``).

    Its fields, states, modes and formats are every import job's (``core.models.AbstractImportJob``),
    so both imports read alike. ``region`` is where the rows may go: every row's community must lie
    under it.
    """

    scope_region_field = "region"

    region = models.ForeignKey(
        Region, verbose_name=_("导入范围"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta(AbstractImportJob.Meta):
        verbose_name = _("设施导入任务")
        verbose_name_plural = _("设施导入任务")
