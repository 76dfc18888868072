"""The plan's 13 indicators as code: what each counts, at which levels it means something, and the
factor that turns the ratio of sums into the published figure.

Every indicator is computed the same way (DHIS2's model): facts per *base unit* (a community, or a
county for the county-level indicators), each a numerator and a denominator or the reasons the unit
cannot be counted yet; a region's figure is Σ numerators × factor ÷ Σ denominators over the base
units under it — never an average of ratios. Units with missing data are left out of both sums and
make the region's figure *incomplete*, with the reasons kept.

The facts themselves live in ``shequ.indicators.facts`` (one set-based function per indicator, a
few queries for every base unit of the city).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from shequ.territory.models import Level


class Unit(models.TextChoices):
    PERCENT = "percent", _("%")
    M2_PER_100_HOUSEHOLDS = "m2_per_100_households", _("平方米/百户")
    PERSONS = "persons", _("人")
    PERSONS_PER_10K = "persons_per_10k", _("人/万人")


ALL_LEVELS = (Level.CITY, Level.COUNTY, Level.TOWNSHIP, Level.COMMUNITY)
UPPER_LEVELS = (Level.CITY, Level.COUNTY)


@dataclass(frozen=True)
class Indicator:
    number: int
    code: str
    name: Promise
    short_name: Promise
    unit: str
    factor: Decimal
    numerator: Promise
    denominator: Promise | None
    base_level: str = Level.COMMUNITY
    levels: tuple[str, ...] = ALL_LEVELS

    @property
    def is_count(self) -> bool:
        """A count (no denominator): the figure is the numerator's sum."""
        return self.denominator is None

    @property
    def unit_label(self) -> str:
        return str(Unit(self.unit).label)

    def applies_at(self, level: str) -> bool:
        return level in self.levels


HUNDRED = Decimal(100)

INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        1,
        "commercial_service_area_ratio",
        _("社区商业和综合服务设施面积占社区总建筑面积的比例"),
        _("商业和服务设施面积占比"),
        Unit.PERCENT,
        HUNDRED,
        _("在用社区综合服务设施建筑面积与其他在用设施的商业面积之和"),
        _("当年填报的社区总建筑面积"),
    ),
    Indicator(
        2,
        "service_area_per_100_households",
        _("每百户居民拥有社区综合服务设施面积"),
        _("每百户服务设施面积"),
        Unit.M2_PER_100_HOUSEHOLDS,
        HUNDRED,
        _("在用社区综合服务设施建筑面积"),
        _("登记在册的居民户数"),
    ),
    Indicator(
        3,
        "resident_activity_area_ratio",
        _("居民服务和活动空间面积占社区综合服务设施总建筑面积比例"),
        _("居民活动空间占比"),
        Unit.PERCENT,
        HUNDRED,
        _("社区综合服务设施中居民服务和活动用房面积"),
        _("社区综合服务设施建筑面积"),
    ),
    Indicator(
        4,
        "self_service_terminal_coverage",
        _("城市社区政务通用自助服务覆盖率"),
        _("政务自助服务覆盖率"),
        Unit.PERCENT,
        HUNDRED,
        _("有在用政务自助服务终端的城市社区数"),
        _("城市社区数"),
    ),
    Indicator(
        5,
        "deliberation_body_coverage",
        _("城乡社区民主协商机构(平台)覆盖率"),
        _("议事协商机构覆盖率"),
        Unit.PERCENT,
        HUNDRED,
        _("有在任成员的议事协商组织且当年召开过议事会议的村(社区)数"),
        _("村(社区)数"),
    ),
    Indicator(
        6,
        "certified_social_workers",
        _("取得社会工作职业资格证书的城乡社区工作者人数"),
        _("持证社区工作者人数"),
        Unit.PERSONS,
        Decimal(1),
        _("年末在岗且取得社会工作职业资格的社区工作者（按主要岗位所在社区计一次）"),
        None,
    ),
    Indicator(
        7,
        "community_workers_per_10k_urban",
        _("每万名城镇常住人口拥有社区工作者"),
        _("每万城镇常住人口社区工作者数"),
        Unit.PERSONS_PER_10K,
        Decimal(10000),
        _("年末在岗的社区工作者（按主要岗位所在社区计一次）"),
        _("统计部门公布的城镇常住人口（按县(市、区)和全市填报）"),
        levels=UPPER_LEVELS,
    ),
    Indicator(
        8,
        "generalist_service_coverage",
        _("实行全科服务模式的城乡社区覆盖率"),
        _("全科服务模式覆盖率"),
        Unit.PERCENT,
        HUNDRED,
        _("年末有全科社工在岗的村(社区)数"),
        _("村(社区)数"),
    ),
    Indicator(
        9,
        "home_service_elderly_share",
        _("接受上门服务的居家老年人数占比"),
        _("居家老年人上门服务占比"),
        Unit.PERCENT,
        HUNDRED,
        _("当年接受过上门服务的居家老年人"),
        _("60周岁及以上的居家老年人"),
    ),
    Indicator(
        10,
        "hardship_visit_mechanism_rate",
        _("村(社区)困难群众走访发现机制建成率"),
        _("困难群众走访机制建成率"),
        Unit.PERCENT,
        HUNDRED,
        _("设有走访规则且当年每月应访的困难群众均已走访的村(社区)数"),
        _("村(社区)数"),
    ),
    Indicator(
        11,
        "mental_rehab_county_coverage",
        _("开展精神障碍城乡社区康复服务的县(市、区)覆盖率"),
        _("精神障碍社区康复县级覆盖率"),
        Unit.PERCENT,
        HUNDRED,
        _("当年开设过精神障碍社区康复服务的县(市、区)数"),
        _("县(市、区)数"),
        base_level=Level.COUNTY,
        levels=UPPER_LEVELS,
    ),
    Indicator(
        12,
        "party_member_checkin_coverage",
        _("党员报到覆盖率"),
        _("党员报到覆盖率"),
        Unit.PERCENT,
        HUNDRED,
        _("已到居住地社区报到的在职党员"),
        _("在册在职党员"),
    ),
    Indicator(
        13,
        "five_party_linkage_coverage",
        _("五社联动覆盖率"),
        _("五社联动覆盖率"),
        Unit.PERCENT,
        HUNDRED,
        _("当年社区、社会组织、社会工作者、社区志愿者、社会慈善资源均已联动的村(社区)数"),
        _("村(社区)数"),
    ),
)

BY_CODE = {indicator.code: indicator for indicator in INDICATORS}
CODES = [(indicator.code, indicator.short_name) for indicator in INDICATORS]


def indicator(code: str) -> Indicator:
    return BY_CODE[code]
