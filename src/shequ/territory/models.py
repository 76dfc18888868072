"""The territory: one Region tree (city → county → township → community), then grids, estates,
buildings and villager groups under communities. Every scoped row in the platform points here."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from shequ.core.paths import PathField


class Level(models.TextChoices):
    CITY = "city", _("市")
    COUNTY = "county", _("县(市、区)")
    TOWNSHIP = "township", _("镇(街道)")
    COMMUNITY = "community", _("村(社区)")


LEVEL_DEPTH = {Level.CITY: 0, Level.COUNTY: 1, Level.TOWNSHIP: 2, Level.COMMUNITY: 3}


class Kind(models.TextChoices):
    CITY = "city", _("地级市")
    DISTRICT = "district", _("区")
    COUNTY = "county", _("县")
    COUNTY_CITY = "county_city", _("县级市")
    ZONE = "zone", _("开发区")
    SUBDISTRICT = "subdistrict", _("街道")
    TOWN = "town", _("镇")
    TOWNSHIP = "township", _("乡")
    URBAN_COMMUNITY = "urban_community", _("社区")
    VILLAGE = "village", _("村")


class Region(models.Model):
    """A division of the territory, keyed by its NBS statistical code.

    ``path`` is the materialised path of codes from the root, each followed by ``/``
    (``320300/320302/320302001/``): a subtree is ``path__under`` (``shequ.core.paths``), which both
    databases answer from the index.
    """

    code = models.CharField(_("区划代码"), max_length=12, unique=True)
    name = models.CharField(_("名称"), max_length=100, db_index=True)
    level = models.CharField(_("层级"), max_length=10, choices=Level.choices, db_index=True)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # The civil-affairs (legal) parent where it differs from the statistical one (NBS 320371 经开区).
    admin_parent = models.ForeignKey(
        "self",
        verbose_name=_("行政上级"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    path = PathField(_("路径"), unique=True)
    depth = models.PositiveSmallIntegerField(_("深度"))
    is_urban = models.BooleanField(_("城镇"), default=False)
    # Statistical placeholders (…虚拟社区 / …虚拟生活区): kept for completeness, left out of counts.
    is_virtual = models.BooleanField(_("虚拟单位"), default=False)
    is_synthetic = models.BooleanField(_("演示数据"), default=False)
    centre_lat = models.FloatField(_("中心纬度"), null=True, blank=True)
    centre_lng = models.FloatField(_("中心经度"), null=True, blank=True)
    geometry = models.JSONField(_("边界 (GeoJSON)"), null=True, blank=True)

    scope_region_field = "self"
    scope_grid_field = None

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["path"]
        indexes = [models.Index(fields=["parent", "code"], name="region_children_idx")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_rural(self) -> bool:
        return not self.is_urban


class Grid(models.Model):
    """A grid (网格) under a community, or a micro-grid (微网格) under a grid."""

    community = models.ForeignKey(
        Region,
        verbose_name=_("村(社区)"),
        on_delete=models.PROTECT,
        related_name="grids",
        limit_choices_to={"level": Level.COMMUNITY},
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级网格"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="micro_grids",
    )
    # Community code + 3-digit grid number (+ 2-digit micro-grid number): no national code exists.
    code = models.CharField(_("网格编码"), max_length=20, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    is_micro = models.BooleanField(_("微网格"), default=False)
    # The community's path followed by this grid's code: grids are part of the same path space.
    path = PathField(_("路径"), unique=True)
    is_synthetic = models.BooleanField(_("演示数据"), default=False)
    centre_lat = models.FloatField(_("中心纬度"), null=True, blank=True)
    centre_lng = models.FloatField(_("中心经度"), null=True, blank=True)
    geometry = models.JSONField(_("边界 (GeoJSON)"), null=True, blank=True)

    scope_region_field = "community"
    scope_grid_field = "self"

    class Meta:
        verbose_name = _("网格")
        verbose_name_plural = _("网格")
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name


class Estate(models.Model):
    """A residential estate (住宅小区) in a community, or a natural village (自然村)."""

    community = models.ForeignKey(
        Region,
        verbose_name=_("村(社区)"),
        on_delete=models.PROTECT,
        related_name="estates",
        limit_choices_to={"level": Level.COMMUNITY},
    )
    grid = models.ForeignKey(
        Grid, verbose_name=_("网格"), null=True, blank=True, on_delete=models.SET_NULL
    )
    name = models.CharField(_("名称"), max_length=100)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    is_natural_village = models.BooleanField(_("自然村"), default=False)
    is_synthetic = models.BooleanField(_("演示数据"), default=False)
    centre_lat = models.FloatField(_("中心纬度"), null=True, blank=True)
    centre_lng = models.FloatField(_("中心经度"), null=True, blank=True)
    geometry = models.JSONField(_("边界 (GeoJSON)"), null=True, blank=True)

    scope_region_field = "community"
    scope_grid_field = "grid"

    class Meta:
        verbose_name = _("住宅小区")
        verbose_name_plural = _("住宅小区")
        ordering = ["community", "name"]
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], name="estate_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Building(models.Model):
    """A building (楼栋) in an estate."""

    estate = models.ForeignKey(
        Estate, verbose_name=_("住宅小区"), on_delete=models.PROTECT, related_name="buildings"
    )
    grid = models.ForeignKey(
        Grid, verbose_name=_("网格"), null=True, blank=True, on_delete=models.SET_NULL
    )
    number = models.CharField(_("楼号"), max_length=20)
    floors = models.PositiveSmallIntegerField(_("层数"), null=True, blank=True)
    units = models.PositiveSmallIntegerField(_("单元数"), null=True, blank=True)
    is_synthetic = models.BooleanField(_("演示数据"), default=False)
    centre_lat = models.FloatField(_("中心纬度"), null=True, blank=True)
    centre_lng = models.FloatField(_("中心经度"), null=True, blank=True)

    scope_region_field = "estate__community"
    scope_grid_field = "grid"

    class Meta:
        verbose_name = _("楼栋")
        verbose_name_plural = _("楼栋")
        ordering = ["estate", "number"]
        constraints = [
            models.UniqueConstraint(fields=["estate", "number"], name="building_unique_number")
        ]

    def __str__(self) -> str:
        return f"{self.estate.name} {self.number}"


class VillagerGroup(models.Model):
    """A villager group (村民小组) in a village."""

    community = models.ForeignKey(
        Region,
        verbose_name=_("村(社区)"),
        on_delete=models.PROTECT,
        related_name="villager_groups",
        limit_choices_to={"level": Level.COMMUNITY},
    )
    grid = models.ForeignKey(
        Grid, verbose_name=_("网格"), null=True, blank=True, on_delete=models.SET_NULL
    )
    name = models.CharField(_("名称"), max_length=60)
    is_synthetic = models.BooleanField(_("演示数据"), default=False)
    centre_lat = models.FloatField(_("中心纬度"), null=True, blank=True)
    centre_lng = models.FloatField(_("中心经度"), null=True, blank=True)

    scope_region_field = "community"
    scope_grid_field = "grid"

    class Meta:
        verbose_name = _("村民小组")
        verbose_name_plural = _("村民小组")
        ordering = ["community", "name"]
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], name="villager_group_unique_name")
        ]

    def __str__(self) -> str:
        return self.name
