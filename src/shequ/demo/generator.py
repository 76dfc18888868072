"""The synthetic demo: grids, estates, buildings, villager groups and handling units over the loaded
territory, and one sign-in account for every built-in role.

Everything written here is marked ``is_synthetic=True`` and ``reset`` removes exactly those rows. The
only change made to real rows is filling in ``centre_lat``/``centre_lng`` of counties, townships and
communities that have none: approximate demo centres, never overwriting a real value.

Determinism: every place draws from its own ``random.Random`` seeded with ``"<seed>:<kind>:<code>"``, so
the same seed gives the same grids, names and coordinates whatever else is in the database and in
whatever order places are visited. Passwords are the exception: they come from ``secrets`` and exist
in clear only in the returned report.
"""

from __future__ import annotations

import math
import random
import secrets
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.db import connections, models, router, transaction
from django.db.models import ProtectedError, Q, RestrictedError
from django.db.models.deletion import Collector
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shequ.accounts.actions import (
    assign_role,
    create_resident_user,
    create_staff_user,
    sync_builtin_roles,
)
from shequ.accounts.models import HandlingUnit, Role, RoleAssignment, RoleLevel, User
from shequ.accounts.roles import BUILTIN_ROLES
from shequ.care.demo_bookings import delete_demo_bookings, load_demo_bookings
from shequ.care.demo_homeservices import delete_demo_homeservices, load_demo_homeservices
from shequ.care.demo_visits import delete_demo_visits, load_demo_visits
from shequ.care.models import BookableService, HomeServiceOrder, Visit, VisitPlan
from shequ.cases.demo import delete_demo_cases, load_demo_cases, load_demo_catalog
from shequ.cases.models import Case
from shequ.core import audit, calendar, crypto
from shequ.core.models import AuditEvent
from shequ.core.text import enumerate_items
from shequ.emergency.demo_alerts import delete_demo_alerts, load_demo_alerts
from shequ.emergency.demo_preparedness import delete_demo_preparedness, load_demo_preparedness
from shequ.emergency.models import SupplyStock
from shequ.facilities.demo import delete_demo_facilities, load_demo_facilities
from shequ.facilities.models import Facility
from shequ.indicators.actions.rebuild import rebuild as rebuild_indicators
from shequ.indicators.models import IndicatorValue
from shequ.organizations.demo_charity import delete_demo_charity, load_demo_charity
from shequ.organizations.demo_providers import delete_demo_providers, load_demo_providers
from shequ.organizations.demo_social import delete_demo_social, load_demo_social
from shequ.organizations.models import CharityFund, Provider, SocialOrganization
from shequ.participation.demo_deliberation import delete_demo_deliberation, load_demo_deliberation
from shequ.participation.demo_disclosures import delete_demo_disclosures, load_demo_disclosures
from shequ.participation.demo_elections import delete_demo_elections, load_demo_elections
from shequ.participation.demo_lists import delete_demo_lists, load_demo_lists
from shequ.participation.demo_meetings import delete_demo_meetings, load_demo_meetings
from shequ.participation.demo_talk import delete_demo_talk, load_demo_talk
from shequ.participation.models import Disclosure, Meeting, Post, Topic
from shequ.registry.models import LifeStatus, Relation, Resident
from shequ.territory.models import Building, Estate, Grid, Kind, Level, Region, VillagerGroup
from shequ.volunteering.demo_activities import delete_demo_activities, load_demo_activities
from shequ.volunteering.demo_party import delete_demo_party, load_demo_party
from shequ.volunteering.demo_timebank import delete_demo_timebank, load_demo_timebank
from shequ.volunteering.demo_volunteers import delete_demo_volunteers, load_demo_volunteers
from shequ.volunteering.models import PartyMember, Volunteer, VolunteerActivity, Wish
from shequ.workforce.demo_development import delete_demo_development, load_demo_development
from shequ.workforce.demo_workers import delete_demo_workers, load_demo_workers
from shequ.workforce.models import CommunityWorker

DEFAULT_SEED = 20261129
MAX_SCALE = 100.0
MAX_RESIDENTS = 20_000_000  # twice the city: far below what ID sequence codes and phones allow
BATCH = 1000

# --- Reference data ----------------------------------------------------------------------------

# Approximate centres (lat, lng) of Xuzhou and its county-level units, read off a map (GCJ-02-ish,
# rounded to two decimals). Good enough to place demo points in the right part of the city; not
# survey data and not a boundary.
KNOWN_CENTRES: dict[str, tuple[float, float]] = {
    "320300": (34.26, 117.18),  # 徐州市
    "320302": (34.29, 117.19),  # 鼓楼区
    "320303": (34.25, 117.23),  # 云龙区
    "320305": (34.44, 117.45),  # 贾汪区
    "320311": (34.24, 117.18),  # 泉山区
    "320312": (34.18, 117.17),  # 铜山区
    "320321": (34.70, 116.60),  # 丰县
    "320322": (34.72, 116.94),  # 沛县
    "320324": (33.91, 117.94),  # 睢宁县
    "320371": (34.27, 117.32),  # 徐州经济技术开发区
    "320381": (34.37, 118.35),  # 新沂市
    "320382": (34.34, 117.96),  # 邳州市
}

ESTATE_STEMS = (
    "金山", "云龙", "彭城", "汉源", "淮海", "泰山", "湖滨", "翡翠", "紫金", "锦绣", "阳光", "和平",
    "华厦", "新城", "东方", "富春", "翠屏", "滨湖", "民主", "建国", "中山", "解放", "王陵", "奎山",
    "苏堤", "荣景", "香山", "桃园", "杏花", "梧桐", "丽景", "康居", "盛世", "怡和", "福园", "兴业",
    "明珠", "天成", "嘉和", "瑞祥", "春晖", "书香", "御景", "银河", "星光", "绿茵", "海棠", "牡丹",
    "兰亭", "凤凰", "九里", "琵琶", "黄河", "运河", "煤建", "矿务", "铁路", "电厂", "水岸", "金色",
)  # fmt: skip
ESTATE_SUFFIXES = ("花园", "小区", "家园", "新村", "苑")
VILLAGE_SUFFIXES = ("庄", "楼", "集", "圩", "营", "屯", "湖", "洼", "桥", "寨", "口", "园")
SURNAMES = (
    "张王李刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁"
    "魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟万段钱汤尹常武"
)
GIVEN_CHARS = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰红建国志文斌海波宁晨浩宇欣怡佳琪"
ROADS = (
    "解放路", "淮海东路", "中山北路", "建国西路", "复兴南路", "和平大道", "民主北路", "彭城路",
    "大马路", "北京路", "西安路", "煤建路", "黄河南路", "故黄河路", "三环东路", "二环北路",
    "汉源大道", "振兴大道", "湖滨路", "金山东路", "徐海路", "津浦西路", "平山路", "王陵路",
    "段庄路", "奎河路", "铜山路", "黄山路", "子房路", "夹河街",
)  # fmt: skip

# Departments (职能部门) set up at the city and at every county-level unit: (code suffix, name).
DEPARTMENTS = (
    ("mz", "民政局"),
    ("zj", "住房和城乡建设局"),
    ("cg", "城市管理局"),
    ("rs", "人力资源和社会保障局"),
    ("wj", "卫生健康委员会"),
    ("ga", "公安局"),
    ("sj", "市场监督管理局"),
    ("sthj", "生态环境局"),
    ("yj", "应急管理局"),
    ("jy", "教育局"),
    ("cl", "残疾人联合会"),
    ("tj", "退役军人事务局"),
    ("sf", "司法局"),
    ("sw", "水务局"),
    ("jt", "交通运输局"),
    ("zrzy", "自然资源和规划局"),
    ("yb", "医疗保障局"),
    ("xf", "信访局"),
)
UNIT_FOR_HANDLER = "mz"

# Readable passwords: no 0/O, 1/l/I, 2/Z, 5/S, 8/B.
PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyzACDEFGHJKLMNPQRTUVWXY34679"  # noqa: S105 (an alphabet)
PASSWORD_GROUPS = 4
PASSWORD_GROUP_LEN = 4

# Synthetic mobile numbers for demo residents: 199 0000 xxxx.
RESIDENT_PHONE_PREFIX = "1990000"

CN_DIGITS = "零一二三四五六七八九"


class Writer(Protocol):
    def write(self, text: str, /) -> Any: ...


class DemoError(Exception):
    """The demo cannot be generated or removed; the message says why and what to do."""


# --- Small helpers -----------------------------------------------------------------------------


def chinese_numeral(n: int) -> str:
    """1 → 一, 10 → 十, 21 → 二十一, 105 → 一百零五, 110 → 一百一十 (1–999)."""
    if not 1 <= n <= 999:
        raise ValueError("1–999 only")
    hundreds, rest = divmod(n, 100)
    tens, ones = divmod(rest, 10)
    if not hundreds:
        if not tens:
            return CN_DIGITS[ones]
        head = "十" if tens == 1 else CN_DIGITS[tens] + "十"
        return head + (CN_DIGITS[ones] if ones else "")
    text = CN_DIGITS[hundreds] + "百"
    if not rest:
        return text
    if not tens:
        return text + "零" + CN_DIGITS[ones]
    return text + CN_DIGITS[tens] + "十" + (CN_DIGITS[ones] if ones else "")


def _rng(seed: int, *parts: str) -> random.Random:
    """A generator for one place: the same seed and place give the same draws, whatever the order."""
    return random.Random(":".join([str(seed), *parts]))


def _offset(
    rng: random.Random, lat: float, lng: float, max_km: float, min_km: float = 0.0
) -> tuple[float, float]:
    """A point between ``min_km`` and ``max_km`` from (lat, lng), uniform over the ring's area."""
    r = math.sqrt(rng.uniform(min_km**2, max_km**2))
    bearing = rng.uniform(0, 2 * math.pi)
    dlat = r * math.cos(bearing) / 111.32
    dlng = r * math.sin(bearing) / (111.32 * math.cos(math.radians(lat)))
    return round(lat + dlat, 6), round(lng + dlng, 6)


def _scaled(n: int, scale: float, *, cap: int) -> int:
    return max(1, min(cap, round(n * scale)))


def generate_password() -> str:
    """Four groups of four readable characters (``Kq7m-Tx4p-…``), with upper, lower and a digit."""
    while True:
        groups = [
            "".join(secrets.choice(PASSWORD_ALPHABET) for _i in range(PASSWORD_GROUP_LEN))
            for _g in range(PASSWORD_GROUPS)
        ]
        password = "-".join(groups)
        if (
            any(c.islower() for c in password)
            and any(c.isupper() for c in password)
            and any(c.isdigit() for c in password)
        ):
            return password


def _person_name(rng: random.Random) -> str:
    given = "".join(rng.choice(GIVEN_CHARS) for _i in range(rng.choice((1, 2, 2))))
    return rng.choice(SURNAMES) + given


# --- Report ------------------------------------------------------------------------------------


@dataclass
class DemoAccount:
    role: str
    role_name: str
    place: str
    username: str
    password: str
    phone: str = ""  # residents sign in by phone

    @property
    def login(self) -> str:
        return self.phone or self.username

    def as_dict(self) -> dict[str, str]:
        return {
            "role": self.role,
            "role_name": self.role_name,
            "place": self.place,
            "username": "" if self.phone else self.username,
            "phone": self.phone,
            "login": self.login,
            "password": self.password,
        }


COUNT_LABELS = {
    "grids": gettext_lazy("网格"),
    "micro_grids": gettext_lazy("微网格"),
    "estates": gettext_lazy("住宅小区"),
    "natural_villages": gettext_lazy("自然村"),
    "buildings": gettext_lazy("楼栋"),
    "villager_groups": gettext_lazy("村民小组"),
    "handling_units": gettext_lazy("承办单位"),
    "accounts": gettext_lazy("演示账号"),
    "households": gettext_lazy("户"),
    "residents": gettext_lazy("居民"),
    "care_tags": gettext_lazy("关爱对象标记"),
    "cases": gettext_lazy("工单"),
    "facilities": gettext_lazy("服务设施"),
    "community_workers": gettext_lazy("社区工作者"),
    "social_organizations": gettext_lazy("社区社会组织"),
    "charity_funds": gettext_lazy("慈善基金(超市)"),
    "providers": gettext_lazy("服务主体"),
    "volunteers": gettext_lazy("志愿者"),
    "volunteer_activities": gettext_lazy("志愿服务活动"),
    "party_members": gettext_lazy("在职党员"),
    "wishes": gettext_lazy("微心愿"),
    "visit_plans": gettext_lazy("探访计划"),
    "visits": gettext_lazy("探访记录"),
    "home_service_orders": gettext_lazy("居家服务单"),
    "bookable_services": gettext_lazy("预约服务"),
    "supply_stocks": gettext_lazy("应急物资"),
    "topics": gettext_lazy("社区议题"),
    "meetings": gettext_lazy("议事会议"),
    "disclosures": gettext_lazy("村(居)务公开"),
    "posts": gettext_lazy("论坛和邻里圈帖子"),
}


@dataclass
class DemoReport:
    created: bool
    seed: int
    scale: float
    counts: dict[str, int] = field(default_factory=dict)
    accounts: list[DemoAccount] = field(default_factory=list)
    regions_located: int = 0
    communities_skipped: int = 0
    seconds: float = 0.0

    def lines(self) -> list[str]:
        counts = "，".join(
            f"{label} {self.counts.get(key, 0):,}" for key, label in COUNT_LABELS.items()
        )
        if not self.created:
            return [_("演示数据已载入，未做任何改动。"), counts]
        lines = [
            _("演示数据已生成（种子 %(seed)d，规模 %(scale)s，用时 %(seconds).1f 秒）。")
            % {"seed": self.seed, "scale": f"{self.scale:g}", "seconds": self.seconds},
            counts,
        ]
        if self.regions_located:
            lines.append(
                _("为 %(n)d 个没有坐标的区划填写了演示用的近似中心点。")
                % {"n": self.regions_located}
            )
        if self.communities_skipped:
            lines.append(
                _("%(n)d 个村(社区)已有真实网格，未生成演示网格。")
                % {"n": self.communities_skipped}
            )
        return lines


# --- Reading the territory ---------------------------------------------------------------------


@dataclass
class _Place:
    id: int
    code: str
    name: str
    level: str
    kind: str
    parent_id: int | None
    path: str
    is_virtual: bool
    lat: float | None
    lng: float | None
    children: list[_Place] = field(default_factory=list)
    located: bool = False  # coordinates filled in by the demo


def _read_territory() -> dict[int, _Place]:
    places: dict[int, _Place] = {}
    rows = Region.objects.order_by("path").values_list(
        "id", "code", "name", "level", "kind", "parent_id", "path", "is_virtual",
        "centre_lat", "centre_lng",
    )  # fmt: skip
    for row in rows.iterator(chunk_size=2000):
        places[row[0]] = _Place(*row)
    for place in places.values():
        parent = places.get(place.parent_id) if place.parent_id else None
        if parent is not None:
            parent.children.append(place)
    return places


def _locate(place: _Place, parent: _Place | None, seed: int) -> None:
    """Give a place without coordinates an approximate demo centre near its parent's."""
    if place.lat is not None and place.lng is not None:
        return
    if place.level == Level.COUNTY and place.code in KNOWN_CENTRES:
        place.lat, place.lng = KNOWN_CENTRES[place.code]
        place.located = True
        return
    if parent is None or parent.lat is None or parent.lng is None:
        if place.level == Level.CITY and place.code in KNOWN_CENTRES:
            # Only used as an anchor for unknown counties; the city row itself is not written.
            place.lat, place.lng = KNOWN_CENTRES[place.code]
        return
    if place.level == Level.COUNTY:
        min_km, max_km = 10.0, 40.0
    elif place.level == Level.TOWNSHIP:
        if place.kind == Kind.SUBDISTRICT:
            min_km, max_km = 0.0, 8.0
        elif place.kind == Kind.ZONE:
            min_km, max_km = 2.0, 15.0
        else:
            min_km, max_km = 4.0, 25.0
    elif place.kind == Kind.URBAN_COMMUNITY:
        min_km, max_km = 0.2, 1.5
    else:
        min_km, max_km = 0.8, 3.0
    rng = _rng(seed, "region", place.code)
    place.lat, place.lng = _offset(rng, parent.lat, parent.lng, max_km, min_km)
    place.located = place.level != Level.CITY


# --- Building the rows -------------------------------------------------------------------------


_Point = tuple[float | None, float | None]


@dataclass
class _Plan:
    """Rows to insert, as plain tuples (columns named in ``generate``); rows refer to their grid and
    estate by natural key (grid code; community id and estate name), resolved to ids after insert."""

    grids: list[tuple[Any, ...]] = field(default_factory=list)
    micro: list[tuple[Any, ...]] = field(default_factory=list)
    estates: list[tuple[Any, ...]] = field(default_factory=list)
    buildings: list[tuple[Any, ...]] = field(default_factory=list)
    villager_groups: list[tuple[Any, ...]] = field(default_factory=list)


def _unique_names(
    rng: random.Random, stems: tuple[str, ...] | str, suffixes: tuple[str, ...], taken: set[str]
) -> Iterator[str]:
    """Distinct ``stem + suffix`` names not in ``taken`` (which grows as names are handed out). When
    random draws keep colliding, the rest of the combinations follow in order, then a phase is added:
    锦绣花园二期."""
    for phase in range(1, 1000):
        tag = "" if phase == 1 else f"{chinese_numeral(phase)}期"
        misses = 0
        while misses < 20:
            name = rng.choice(stems) + rng.choice(suffixes) + tag
            if name in taken:
                misses += 1
                continue
            misses = 0
            taken.add(name)
            yield name
        for stem in stems:
            for suffix in suffixes:
                name = stem + suffix + tag
                if name not in taken:
                    taken.add(name)
                    yield name
    raise DemoError(_("名称用尽。"))


def _plan_community(
    plan: _Plan,
    community: _Place,
    county_name: str,
    seed: int,
    scale: float,
    estate_names: set[str],
    group_names: set[str],
) -> None:
    rng = _rng(seed, "community", community.code)
    urban = community.kind == Kind.URBAN_COMMUNITY

    def near(base: _Point, km: float) -> _Point:
        if base[0] is None or base[1] is None:
            rng.random(), rng.random()  # keep the stream aligned whether or not a point exists
            return None, None
        return _offset(rng, base[0], base[1], km)

    # Main grids: (code, point), in order.
    grids: list[tuple[str, _Point]] = []
    n_grids = _scaled(rng.randint(4, 8) if urban else rng.randint(2, 4), scale, cap=999)
    for number in range(1, n_grids + 1):
        code = f"{community.code}{number:03d}"
        point = near((community.lat, community.lng), 0.3)
        path = f"{community.path}{code}/"
        grids.append((code, point))
        plan.grids.append(
            (community.id, None, code, f"第{chinese_numeral(number)}网格", False, path, *point)
        )
        if urban:
            for micro_number in range(1, rng.randint(2, 4) + 1):
                micro_code = f"{code}{micro_number:02d}"
                plan.micro.append(
                    (
                        community.id,
                        code,  # the parent, by code
                        micro_code,
                        f"第{chinese_numeral(micro_number)}微网格",
                        True,
                        f"{path}{micro_code}/",
                        *near(point, 0.08),
                    )
                )

    if urban:
        n_estates = _scaled(rng.randint(2, 5), scale, cap=10_000)
        names = _unique_names(rng, ESTATE_STEMS, ESTATE_SUFFIXES, estate_names)
        # Each estate: name, address, [(number, floors, units)].
        estates: list[tuple[str, str, list[tuple[str, int, int]]]] = []
        for _e in range(n_estates):
            kind = rng.choice(("old", "old", "mid", "high"))
            name = next(names)
            address = f"{county_name}{rng.choice(ROADS)}{rng.randint(1, 299)}号"
            buildings = []
            for number in range(1, rng.randint(4, 20) + 1):
                if kind == "old":
                    floors, units = rng.randint(6, 7), rng.randint(2, 4)
                elif kind == "mid":
                    floors, units = rng.randint(11, 18), rng.randint(1, 3)
                else:
                    floors, units = rng.randint(18, 33), rng.randint(1, 2)
                buildings.append((f"{number}号楼", floors, units))
            estates.append((name, address, buildings))
        # Buildings are split in runs over the community's grids, so that every grid has some; an
        # estate belongs to the grid of its first building.
        total = sum(len(b) for _n, _a, b in estates)
        per_grid = max(1, math.ceil(total / len(grids)))
        position = 0
        for name, address, buildings in estates:
            estate_grid, grid_point = grids[min(position // per_grid, len(grids) - 1)]
            estate_point = near(grid_point, 0.15)
            plan.estates.append((community.id, estate_grid, name, address, False, *estate_point))
            for building_number, floors, units in buildings:
                grid_code = grids[min(position // per_grid, len(grids) - 1)][0]
                plan.buildings.append(
                    (
                        community.id,
                        name,
                        grid_code,
                        building_number,
                        floors,
                        units,
                        *near(estate_point, 0.08),
                    )
                )
                position += 1
    else:
        for number in range(1, rng.randint(3, 8) + 1):
            name = f"第{chinese_numeral(number)}村民小组"
            grid_code, grid_point = grids[(number - 1) % len(grids)]
            point = near(grid_point, 0.3)
            if name not in group_names:
                plan.villager_groups.append((community.id, grid_code, name, *point))
        names = _unique_names(rng, SURNAMES, VILLAGE_SUFFIXES, estate_names)
        for position in range(_scaled(rng.randint(1, 3), scale, cap=10_000)):
            grid_code, grid_point = grids[position % len(grids)]
            plan.estates.append(
                (community.id, grid_code, next(names), "", True, *near(grid_point, 0.3))
            )


def _insert(
    model: type[models.Model], columns: tuple[str, ...], rows: list[tuple[Any, ...]]
) -> None:
    """A multi-row INSERT of plain values, much faster than ``bulk_create`` at tens of thousands of rows.

    ``columns`` are attribute names (``community_id``); every other field gets its default, or is left
    to the database when it has a database default or may be null. A new required field without a
    default makes this fail loudly rather than insert something wrong."""
    if not rows:
        return
    connection = connections[router.db_for_write(model)]
    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    names = list(columns)
    constants: list[Any] = []
    for f in model._meta.concrete_fields:
        if f.primary_key or f.attname in columns:
            continue
        if f.has_default() or getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            value = f.get_default() if f.has_default() else timezone.now()
            names.append(f.attname)
            constants.append(f.get_db_prep_save(value, connection))
        elif f.db_default is models.NOT_PROVIDED and not f.null:
            raise DemoError(f"{model._meta.label}.{f.name}: no value and no default")
    quoted = ", ".join(connection.ops.quote_name(by_attname[n].column) for n in names)
    placeholders = ", ".join(["%s"] * len(names))
    sql = f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({quoted}) VALUES ({placeholders})"  # noqa: S608 (names from the model)
    tail = tuple(constants)
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 5000):
            cursor.executemany(sql, [row + tail for row in rows[start : start + 5000]])


def _handling_units(places: dict[int, _Place], existing_codes: set[str]) -> list[HandlingUnit]:
    units = []
    for place in sorted(places.values(), key=lambda p: p.code):
        if place.level not in (Level.CITY, Level.COUNTY):
            continue
        city = places.get(place.parent_id) if place.parent_id else None
        for suffix, department in DEPARTMENTS:
            code = f"{place.code}-{suffix}"
            if code in existing_codes:
                continue
            name = f"{place.name}{department}"
            if suffix == "ga" and place.level == Level.COUNTY and city is not None:
                # Districts and zones have a branch of the city police: 徐州市公安局鼓楼分局.
                if place.kind == Kind.DISTRICT:
                    name = f"{city.name}公安局{place.name.removesuffix('区')}分局"
                elif place.kind == Kind.ZONE:
                    name = f"{city.name}公安局{place.name.removeprefix(city.name)}分局"
            units.append(HandlingUnit(code=code, name=name, region_id=place.id, is_synthetic=True))
    return units


# --- Accounts ----------------------------------------------------------------------------------


@dataclass
class _Home:
    city: Region
    county: Region
    township: Region
    community: Region
    grid: Grid
    unit: HandlingUnit | None


def _pick_home(places: dict[int, _Place], planned_communities: set[int]) -> _Home:
    """Where the demo accounts work: the first urban community (by code) of the first subdistrict of
    the first county with demo grids; failing that, any township's urban community in that county, then
    any community."""
    counties = sorted((p for p in places.values() if p.level == Level.COUNTY), key=lambda p: p.code)
    choice: _Place | None = None
    for county_place in counties:
        candidates = [
            (community.kind != Kind.URBAN_COMMUNITY, township.kind != Kind.SUBDISTRICT,
             township.code, community.code, community)
            for township in county_place.children
            for community in township.children
            if community.id in planned_communities
        ]  # fmt: skip
        if candidates:
            choice = min(candidates, key=lambda c: c[:4])[4]
            break
    if choice is None:
        raise DemoError(
            _("找不到可以安置演示账号的村(社区)：没有县(市、区)下的村(社区)生成了网格。")
        )
    community = Region.objects.select_related("parent__parent__parent").get(pk=choice.id)
    township = community.parent
    county = township.parent if township else None
    city = county.parent if county else None
    if township is None or county is None or city is None or city.level != Level.CITY:
        raise DemoError(
            _("区划树不完整：村(社区)“%(name)s”上面缺少镇(街道)、县或市。")
            % {"name": community.name}
        )
    grid = (
        Grid.objects.filter(community=community, is_micro=False, is_synthetic=True)
        .order_by("code")
        .first()
    )
    assert grid is not None
    unit = HandlingUnit.objects.filter(code=f"{county.code}-{UNIT_FOR_HANDLER}").first()
    return _Home(
        city=city, county=county, township=township, community=community, grid=grid, unit=unit
    )


def _free_resident_phone(seed: int) -> str:
    rng = _rng(seed, "resident-phone")
    start = rng.randrange(10_000)
    for step in range(10_000):
        number = f"{RESIDENT_PHONE_PREFIX}{(start + step) % 10_000:04d}"
        if not User.objects.filter(phone_index=crypto.blind_index("phone", number)).exists():
            return number
    raise DemoError(_("没有可用的演示手机号。"))


def _create_accounts(
    home: _Home, seed: int, passwords: dict[str, str], hashes: dict[str, Future[str]]
) -> list[DemoAccount]:
    sync_builtin_roles()
    roles = {
        role.code: role for role in Role.objects.filter(code__in=[s.code for s in BUILTIN_ROLES])
    }
    taken = sorted(
        User.objects.filter(
            username__in=[s.code for s in BUILTIN_ROLES if s.is_staff_role]
        ).values_list("username", flat=True)
    )
    if taken:
        raise DemoError(
            _(
                "以下用户名已被占用，无法生成演示账号：%(names)s。"
                "如果是旧的演示账号，请运行 shequ demo --reset。"
            )
            % {"names": enumerate_items(taken)}
        )
    community_place = f"{home.county.name} {home.township.name} {home.community.name}"
    places: dict[str, tuple[dict[str, Any], str]] = {
        RoleLevel.CITY: ({"region": home.city}, home.city.name),
        RoleLevel.COUNTY: ({"region": home.county}, home.county.name),
        RoleLevel.TOWNSHIP: ({"region": home.township}, f"{home.county.name} {home.township.name}"),
        RoleLevel.COMMUNITY: ({"region": home.community}, community_place),
        RoleLevel.GRID: ({"grid": home.grid}, f"{community_place} {home.grid.name}"),
        # Roles that may be held anywhere (the auditor) work at the county.
        RoleLevel.ANY: ({"region": home.county}, home.county.name),
    }
    if home.unit is not None:
        places[RoleLevel.UNIT] = ({"handling_unit": home.unit}, home.unit.name)
    accounts = []
    for spec in BUILTIN_ROLES:
        role = roles[spec.code]
        if role.held_at not in places:
            raise DemoError(
                _("找不到“%(role)s”的任职单位（%(code)s）。")
                % {"role": role.name, "code": f"{home.county.code}-{UNIT_FOR_HANDLER}"}
            )
        where, place_name = places[role.held_at]
        rng = _rng(seed, "account", spec.code)
        full_name = _person_name(rng)
        password = passwords[spec.code]
        phone = ""
        if not spec.is_staff_role:  # residents, volunteers, party members sign in by phone
            phone = _free_resident_phone(seed)
            user = create_resident_user(
                phone=phone, full_name=full_name, password=password, is_synthetic=True
            )
        else:
            user = create_staff_user(
                username=spec.code, full_name=full_name, password=None, is_synthetic=True
            )
            # The password was hashed in the background (see ``generate``); checked the same way.
            validate_password(password, user)
            user.password = hashes[spec.code].result()
            user.password_changed_at = timezone.now()
            user.save(update_fields=["password", "password_changed_at"])
        assign_role(user=user, role=role, **where)
        accounts.append(
            DemoAccount(
                role=spec.code,
                role_name=role.name,
                place=place_name,
                username=user.username,
                password=password,
                phone=phone,
            )
        )
    return accounts


def _link_resident_accounts(accounts: list[DemoAccount], home: _Home) -> dict[str, Resident]:
    """Make each demo resident account (resident, volunteer, party member) someone in the registry:
    the head of a different household in the home community, who takes the account's phone number and
    name, so the resident pages show a real record. The resident is an elderly person living at home
    (62 to 80: meal tables and home services are for them); the volunteer and the party member are
    aged 30 to 60. Returns the records by role."""
    today = timezone.localdate()

    def born_before(years: int) -> date:
        return today.replace(year=today.year - years, day=min(today.day, 28))

    heads = Resident.objects.filter(
        community=home.community,
        is_synthetic=True,
        relation=Relation.HEAD,
        status=LifeStatus.ACTIVE,
        account__isnull=True,
    ).order_by("pk")
    ages = {"resident": (62, 80)}
    linked: dict[str, Resident] = {}
    for account in accounts:
        if not account.phone:
            continue
        youngest, oldest = ages.get(account.role, (30, 60))
        resident = heads.filter(
            birth_date__lte=born_before(youngest), birth_date__gt=born_before(oldest)
        ).first()
        if resident is None:
            continue
        user = User.objects.get(username=account.username)
        resident.phone = account.phone
        resident.account = user
        resident.save(update_fields=["phone", "phone_index", "account"])
        user.full_name = resident.name
        user.save(update_fields=["full_name"])
        linked[account.role] = resident
    return linked


# --- Public entry points -----------------------------------------------------------------------


def is_loaded() -> bool:
    return Grid.objects.filter(is_synthetic=True).exists()


def synthetic_counts() -> dict[str, int]:
    from shequ.demo.population import population_counts  # population imports this module

    return {
        "grids": Grid.objects.filter(is_synthetic=True, is_micro=False).count(),
        "micro_grids": Grid.objects.filter(is_synthetic=True, is_micro=True).count(),
        "estates": Estate.objects.filter(is_synthetic=True, is_natural_village=False).count(),
        "natural_villages": Estate.objects.filter(
            is_synthetic=True, is_natural_village=True
        ).count(),
        "buildings": Building.objects.filter(is_synthetic=True).count(),
        "villager_groups": VillagerGroup.objects.filter(is_synthetic=True).count(),
        "handling_units": HandlingUnit.objects.filter(is_synthetic=True).count(),
        "accounts": User.objects.filter(is_synthetic=True, assignments__isnull=False)
        .distinct()
        .count(),
        "cases": Case.objects.filter(is_synthetic=True).count(),
        "facilities": Facility.objects.filter(is_synthetic=True).count(),
        "community_workers": CommunityWorker.objects.filter(is_synthetic=True).count(),
        "social_organizations": SocialOrganization.objects.filter(is_synthetic=True).count(),
        "charity_funds": CharityFund.objects.filter(is_synthetic=True).count(),
        "providers": Provider.objects.filter(is_synthetic=True).count(),
        **_volunteering_counts(),
        **_care_counts(),
        **_participation_counts(),
        **population_counts(),
    }


def _volunteering_counts() -> dict[str, int]:
    return {
        "volunteers": Volunteer.objects.filter(is_synthetic=True).count(),
        "volunteer_activities": VolunteerActivity.objects.filter(is_synthetic=True).count(),
        "party_members": PartyMember.objects.filter(is_synthetic=True).count(),
        "wishes": Wish.objects.filter(is_synthetic=True).count(),
    }


def _participation_counts() -> dict[str, int]:
    return {
        "topics": Topic.objects.filter(is_synthetic=True).count(),
        "meetings": Meeting.objects.filter(is_synthetic=True).count(),
        "disclosures": Disclosure.objects.filter(is_synthetic=True).count(),
        "posts": Post.objects.filter(is_synthetic=True).count(),
    }


def _care_counts() -> dict[str, int]:
    return {
        "visit_plans": VisitPlan.objects.filter(is_synthetic=True).count(),
        "visits": Visit.objects.filter(is_synthetic=True).count(),
        "home_service_orders": HomeServiceOrder.objects.filter(is_synthetic=True).count(),
        "bookable_services": BookableService.objects.filter(is_synthetic=True).count(),
        "supply_stocks": SupplyStock.objects.filter(is_synthetic=True).count(),
    }


def generate(
    *,
    seed: int = DEFAULT_SEED,
    scale: float = 1.0,
    residents: int | None = None,
    stdout: Writer | None = None,
) -> DemoReport:
    """Generate the demo over the loaded territory, in one transaction. Does nothing if it exists.

    ``residents`` spreads a population of that size over every community (see
    ``population.generate_population``) instead of filling the home township only."""
    if not 0 < scale <= MAX_SCALE:
        raise DemoError(_("规模须大于 0 且不超过 %(max)g。") % {"max": MAX_SCALE})
    if residents is not None and not 1 <= residents <= MAX_RESIDENTS:
        raise DemoError(_("居民人数须在 1 到 %(max)s 之间。") % {"max": f"{MAX_RESIDENTS:,}"})
    started = time.monotonic()

    def say(message: str) -> None:
        if stdout is not None:
            stdout.write(message + "\n")

    # Argon2 hashing of the demo passwords (~0.4 s each) runs on other cores beside the inserts.
    pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="demo-hash")
    try:
        with transaction.atomic():
            if is_loaded():
                return DemoReport(created=False, seed=seed, scale=scale, counts=synthetic_counts())
            if not Region.objects.filter(level=Level.COMMUNITY, is_virtual=False).exists():
                raise DemoError(
                    _(
                        "尚未载入行政区划，没有可以生成演示数据的村(社区)。请先运行 shequ load-territory。"
                    )
                )
            passwords = {spec.code: generate_password() for spec in BUILTIN_ROLES}
            hashes = {
                code: pool.submit(make_password, pw)
                for code, pw in passwords.items()
                if code != "resident"  # create_resident_user hashes its own
            }

            places = _read_territory()
            for place in places.values():  # ordered by path: parents first
                _locate(place, places.get(place.parent_id) if place.parent_id else None, seed)
            located = [
                Region(pk=p.id, centre_lat=p.lat, centre_lng=p.lng)
                for p in places.values()
                if p.located and p.level in (Level.COUNTY, Level.TOWNSHIP, Level.COMMUNITY)
            ]
            Region.objects.bulk_update(located, ["centre_lat", "centre_lng"], batch_size=500)

            with_real_grids = set(
                Grid.objects.filter(is_synthetic=False)
                .values_list("community_id", flat=True)
                .distinct()
            )
            estate_names: dict[int, set[str]] = defaultdict(set)
            for community_id, name in Estate.objects.values_list("community_id", "name").iterator():
                estate_names[community_id].add(name)
            group_names: dict[int, set[str]] = defaultdict(set)
            for community_id, name in VillagerGroup.objects.values_list(
                "community_id", "name"
            ).iterator():
                group_names[community_id].add(name)

            plan = _Plan()
            planned: set[int] = set()
            skipped = 0
            for place in places.values():
                if place.level != Level.COMMUNITY or place.is_virtual:
                    continue
                if place.id in with_real_grids:
                    skipped += 1
                    continue
                township = places.get(place.parent_id) if place.parent_id else None
                county = places.get(township.parent_id) if township and township.parent_id else None
                _plan_community(
                    plan, place, county.name if county else "", seed, scale,
                    estate_names[place.id], group_names[place.id],
                )  # fmt: skip
                planned.add(place.id)
            say(_("· 网格 %(n)d 个 …") % {"n": len(plan.grids) + len(plan.micro)})

            grid_columns = ("community_id", "parent_id", "code", "name", "is_micro", "path",
                            "centre_lat", "centre_lng", "is_synthetic")  # fmt: skip
            _insert(Grid, grid_columns, [(*row, True) for row in plan.grids])
            grid_ids = dict(
                Grid.objects.filter(is_synthetic=True, is_micro=False).values_list("code", "id")
            )
            _insert(
                Grid,
                grid_columns,
                [(c, grid_ids[parent], *rest, True) for c, parent, *rest in plan.micro],
            )
            _insert(
                Estate,
                ("community_id", "grid_id", "name", "address", "is_natural_village",
                 "centre_lat", "centre_lng", "is_synthetic"),
                [(c, grid_ids[g], *rest, True) for c, g, *rest in plan.estates],
            )  # fmt: skip
            estate_ids = {
                (c, name): pk
                for c, name, pk in Estate.objects.filter(is_synthetic=True).values_list(
                    "community_id", "name", "id"
                )
            }
            say(_("· 楼栋 %(n)d 栋 …") % {"n": len(plan.buildings)})
            _insert(
                Building,
                ("estate_id", "grid_id", "number", "floors", "units", "centre_lat", "centre_lng",
                 "is_synthetic"),
                [(estate_ids[c, e], grid_ids[g], *rest, True) for c, e, g, *rest in plan.buildings],
            )  # fmt: skip
            _insert(
                VillagerGroup,
                ("community_id", "grid_id", "name", "centre_lat", "centre_lng", "is_synthetic"),
                [(c, grid_ids[g], *rest, True) for c, g, *rest in plan.villager_groups],
            )

            units = _handling_units(
                places, set(HandlingUnit.objects.values_list("code", flat=True))
            )
            HandlingUnit.objects.bulk_create(units)

            say(_("· 演示账号 …"))
            home = _pick_home(places, planned)
            accounts = _create_accounts(home, seed, passwords, hashes)

            from shequ.demo.population import (  # imports this module
                generate_population,
                population_counts,
            )

            generate_population(seed=seed, scale=scale, residents=residents, stdout=stdout)
            linked = _link_resident_accounts(accounts, home)
            catalog = load_demo_catalog(county=home.county, community=home.community)
            demo_users = {
                u.username: u
                for u in User.objects.filter(username__in=[a.username for a in accounts])
            }
            by_role = {a.role: demo_users[a.username] for a in accounts}
            load_demo_cases(
                county=home.county,
                community=home.community,
                grid=home.grid,
                users=by_role,
                seed=seed,
            )
            say(_("· 服务设施和生活圈覆盖 …"))
            facility_counts = load_demo_facilities(county=home.county, seed=seed)
            say(_("· 社区工作者、社会组织、慈善和物业 …"))
            # Workers first (social-work sites staff them), projects before charity needs (matched
            # to them), cases before providers (complaints are linked to them).
            worker_counts = load_demo_workers(county=home.county, seed=seed)
            load_demo_development(county=home.county, seed=seed)
            social_counts = load_demo_social(county=home.county, seed=seed)
            charity_counts = load_demo_charity(county=home.county, seed=seed)
            provider_counts = load_demo_providers(county=home.county, seed=seed)
            say(_("· 志愿者、志愿服务活动、时间银行、党员报到和微心愿 …"))
            # Volunteers before their activities, whose settlement credits the time bank; the time
            # bank's spends and donations use those hours. The demo's volunteer and party-member
            # accounts are the registered volunteer and the rostered (not yet checked-in) member.
            load_demo_volunteers(
                county=home.county, seed=seed, journey_volunteer=linked.get("volunteer")
            )
            load_demo_activities(county=home.county, seed=seed)
            load_demo_timebank(county=home.county, seed=seed)
            load_demo_party(
                county=home.county, seed=seed, journey_member=linked.get("party_member")
            )
            say(_("· 关爱探访、居家服务、预约服务和应急准备 …"))
            # After the volunteering demo: visits may be assigned to its people. Visits open cases.
            load_demo_visits(
                county=home.county,
                seed=seed,
                community=home.community,
                grid=home.grid,
                users=by_role,
            )
            load_demo_homeservices(county=home.county, seed=seed, community=home.community)
            load_demo_bookings(
                county=home.county, seed=seed, community=home.community, users=by_role
            )
            load_demo_alerts(county=home.county, seed=seed, community=home.community)
            load_demo_preparedness(
                county=home.county,
                seed=seed,
                community=home.community,
                grid=home.grid,
                users=by_role,
            )
            say(_("· 社区议题、议事会议、村(居)务公开、论坛和邻里圈、选民登记和三项清单 …"))
            # Topics before the meetings that decide them and the lists whose projects cite them.
            for load in (
                load_demo_deliberation,
                load_demo_meetings,
                load_demo_disclosures,
                load_demo_talk,
                load_demo_elections,
                load_demo_lists,
            ):
                load(
                    county=home.county,
                    seed=seed,
                    community=home.community,
                    grid=home.grid,
                    users=by_role,
                )
            say(_("· 规划指标：计算上一年度和本年度 …"))
            # Last: the indicators are computed from everything above. The scheduled job
            # recomputes the current year every night.
            this_year = calendar.localdate().year
            for year in (this_year - 1, this_year):
                rebuild_indicators(year)
            say(
                _("· 服务事项 %(items)d 项，取消的证明事项 %(certificates)d 项")
                % {
                    "items": catalog["service_items"],
                    "certificates": catalog["abolished_certificates"],
                }
            )

            report = DemoReport(
                created=True,
                seed=seed,
                scale=scale,
                counts={
                    "grids": len(plan.grids),
                    "micro_grids": len(plan.micro),
                    "estates": sum(1 for e in plan.estates if not e[4]),
                    "natural_villages": sum(1 for e in plan.estates if e[4]),
                    "buildings": len(plan.buildings),
                    "villager_groups": len(plan.villager_groups),
                    "handling_units": len(units),
                    "accounts": len(accounts),
                    # The cases demo and the cases the visits demo's findings opened.
                    "cases": Case.objects.filter(is_synthetic=True).count(),
                    "facilities": facility_counts["facilities"],
                    "community_workers": worker_counts["workers"],
                    "social_organizations": social_counts["organizations"],
                    "charity_funds": charity_counts["funds"],
                    "providers": provider_counts["property_companies"]
                    + provider_counts["other_providers"],
                    **_volunteering_counts(),
                    **_care_counts(),
                    **_participation_counts(),
                    # Counted at the end: the visits demo may tag a few residents of the demo grid.
                    **population_counts(),
                },
                accounts=accounts,
                regions_located=len(located),
                communities_skipped=skipped,
            )
            audit.record(
                "demo.generate",
                object_type="demo",
                object_repr=f"seed={seed} scale={scale:g} "
                + " ".join(f"{k}={v}" for k, v in report.counts.items()),
                fields=sorted(report.counts),
            )
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    report.seconds = time.monotonic() - started
    return report


class _KeepAuditCollector(Collector):
    """Deletes users but leaves the audit trail alone: audit rows cannot be updated (the database
    refuses), so their ``actor`` keeps the old id (no database constraint) and ``actor_name`` the
    username."""

    def add_field_update(self, field: Any, value: Any, objs: Any) -> None:
        if field.model is AuditEvent:
            return
        super().add_field_update(field, value, objs)


def reset() -> dict[str, int]:
    """Delete every synthetic row (the population's households, residents, memberships and care-group
    tags; users and their assignments, buildings, villager groups, estates, micro-grids, grids, handling
    units) in one transaction. Regions are never touched."""
    from shequ.demo.population import delete_population  # imports this module

    deleted: dict[str, int] = {}
    try:
        with transaction.atomic():
            # Cases first (they point at demo people, grids and units), then the synthetic population:
            # households point at demo grids, estates and buildings.
            # Providers first (they link cases), charity before projects (needs are matched to
            # them), social work before workers (sites are staffed by them).
            # The time bank first (its credits point at attendances), then activities (their
            # attendances point at volunteers), then wishes and party members, then volunteers.
            # Care and emergency records first: visits point at cases, bookings at facilities.
            # Participation first: meetings and lists point at topics, topics at cases.
            delete_demo_lists()
            delete_demo_elections()
            delete_demo_talk()
            delete_demo_disclosures()
            delete_demo_meetings()
            delete_demo_deliberation()
            delete_demo_alerts()
            delete_demo_preparedness()
            delete_demo_bookings()
            delete_demo_homeservices()
            delete_demo_visits()
            delete_demo_timebank()
            deleted["volunteer_activities"] = delete_demo_activities()["activities"]
            deleted["wishes"] = delete_demo_party()["wishes"]
            deleted["volunteers"] = delete_demo_volunteers()["volunteers"]
            deleted["providers"] = delete_demo_providers()["providers"]
            deleted["charity_funds"] = delete_demo_charity()["funds"]
            deleted["social_organizations"] = delete_demo_social()["organizations"]
            delete_demo_development()
            deleted["community_workers"] = delete_demo_workers()["workers"]
            deleted["cases"] = delete_demo_cases()
            deleted["facilities"] = delete_demo_facilities()
            # Figures computed from the demo are derived data: dropped; the nightly rebuild
            # computes them again from what remains.
            deleted["indicator_values"] = IndicatorValue.objects.all().delete()[0]
            deleted.update(delete_population())
            foreign = RoleAssignment.objects.filter(
                Q(grid__is_synthetic=True) | Q(handling_unit__is_synthetic=True),
                user__is_synthetic=False,
            )
            if foreign.exists():
                raise DemoError(
                    _(
                        "有 %(n)d 个真实账号的角色授予在演示网格或演示承办单位上，"
                        "请先把这些授予改到真实的位置再重置演示数据。"
                    )
                    % {"n": foreign.count()}
                )
            users = User.objects.filter(is_synthetic=True)
            # The demo's sign-in accounts (one per role); the participation demo's residents who
            # co-sign, vote and post have accounts but no role.
            deleted["accounts"] = users.filter(assignments__isnull=False).distinct().count()
            deleted["resident_accounts"] = users.filter(assignments__isnull=True).count()
            deleted["assignments"] = RoleAssignment.objects.filter(
                user__is_synthetic=True
            ).delete()[0]
            collector = _KeepAuditCollector(using=users.db, origin=users)
            collector.collect(list(users))
            collector.delete()
            for key, queryset in (
                ("buildings", Building.objects.filter(is_synthetic=True)),
                ("villager_groups", VillagerGroup.objects.filter(is_synthetic=True)),
                ("estates", Estate.objects.filter(is_synthetic=True, is_natural_village=False)),
                ("natural_villages", Estate.objects.filter(is_synthetic=True)),
                ("micro_grids", Grid.objects.filter(is_synthetic=True, is_micro=True)),
                ("grids", Grid.objects.filter(is_synthetic=True)),
                ("handling_units", HandlingUnit.objects.filter(is_synthetic=True)),
            ):
                deleted[key] = queryset.delete()[1].get(queryset.model._meta.label, 0)
            audit.record(
                "demo.reset",
                object_type="demo",
                object_repr=" ".join(f"{k}={v}" for k, v in deleted.items()),
                fields=sorted(deleted),
            )
    except (ProtectedError, RestrictedError) as exc:
        objs: Iterable[models.Model] = (
            getattr(exc, "protected_objects", None)
            or getattr(exc, "restricted_objects", None)
            or ()
        )
        blocking = sorted({str(obj._meta.verbose_name) for obj in objs})
        raise DemoError(
            _("还有真实数据引用演示数据（%(what)s），未删除任何内容。")
            % {"what": enumerate_items(blocking)}
        ) from exc
    return deleted
