"""The synthetic resident population of the demo: households, residents, memberships and care-group tags
with Xuzhou's proportions (2020 census: 2.79 persons per family household; ages 0–14 22.36 %, 15–59
58.13 %, 60+ 19.51 %, 65+ 14.72 %; 4,579,072 men to 4,504,718 women).

Small by default so that ``make run`` stays quick: a full population (about 150–300 households a
community, so that every building and villager group has someone) only in the demo accounts' home
township, and about three households in every other non-virtual community of the territory, so that
every community has residents. ``scale`` multiplies household counts.

The rows are written in bulk with multi-row INSERTs, not through ``registry.actions`` (checks, encryption
and an audit event per row would take minutes at city scale), but every stored value is what the model
field itself stores: encrypted columns through the field's ``get_db_prep_save``, blind indexes through the
field's ``index_for`` (what its ``pre_save`` sets), pinyin keys through ``registry.names.pinyin_keys``.
The data cannot be told from data entered through the actions. One summary audit event records the whole
population.

Determinism: every community draws from its own ``random.Random("<seed>:population:<code>")`` and
communities are visited in code order, so the same seed, territory and day give the same people (ages are
counted back from the day of generation). ID-number sequence codes and phone numbers come from counters
over that fixed order, which makes them unique by construction.
"""

from __future__ import annotations

import functools
import random
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db import connections, router, transaction
from django.db.models import Field, Max, Model, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core import audit
from shequ.core.fields import BlindIndexField
from shequ.core.validators import id_check_character
from shequ.demo.generator import Writer, _insert, _pick_home, _read_territory, _rng
from shequ.registry.actions import MemberInput, register_household
from shequ.registry.models import (
    CareGroup,
    CareGroupTag,
    ConsentRecord,
    DisabilityCategory,
    DuplicateCandidate,
    Household,
    HouseholdMembership,
    IdType,
    LifeStatus,
    Relation,
    ResidenceStatus,
    Resident,
    RightsRequest,
    Sex,
)
from shequ.registry.names import pinyin_keys
from shequ.territory.models import Building, Estate, Grid, Kind, Level, Region, VillagerGroup

BATCH = 2000

# Households per community before scaling: a full population in the home township, a token few elsewhere.
FULL_HOUSEHOLDS = (150, 300)
TOKEN_HOUSEHOLDS = 3

# The whole city (``shequ demo --scale full``): Xuzhou's resident population at the 2020 census. The
# sampler averages 2.79 persons per household (family households), so the city comes out at about
# 3.26 million households; collective households (dormitories, care homes) are not modelled.
CITY_RESIDENTS = 9_083_790
PERSONS_PER_HOUSEHOLD = 2.79
# A target population is shared among communities by weight: urban communities are larger on average
# (a demo assumption), and each community's weight varies by up to half either way.
URBAN_WEIGHT = 1.6
PROGRESS_EVERY = 500_000  # residents between progress lines

# Synthetic mobile numbers of the population: 199 0100 0000 – 199 9999 9999. The demo resident account
# uses 199 0000 xxxx (generator.RESIDENT_PHONE_PREFIX), which this range never touches.
PHONE_FIRST = 199_0100_0000
PHONE_COUNT = 99_000_000
PHONE_STEP = 104_729  # a prime not dividing PHONE_COUNT: counter × step mod count is a bijection

# Where migrants' ID numbers were issued: other Xuzhou counties are taken from the territory; these are
# neighbouring counties in Anhui, Shandong and northern Jiangsu (GB/T 2260 codes).
MIGRANT_AREAS = (
    "341302",  # 宿州市埇桥区
    "341321",  # 砀山县
    "341322",  # 萧县
    "370402",  # 枣庄市市中区
    "371324",  # 兰陵县
    "320722",  # 东海县
    "321322",  # 沭阳县
)

# --- Household structure -------------------------------------------------------------------------
#
# Household types and their shares (per cent of households). The shares were fitted, by simulating this
# module's own sampler, so that the population reproduces Xuzhou's 2.79 persons per household and the
# census age structure, with ~10 % of people aged 60+ living alone and ~20 % in elderly-couple
# (empty-nest) households. The types themselves and the limits on ages are demo assumptions.
HOUSEHOLD_TYPES: dict[str, float] = {
    "elder_alone": 5.5,  # one person aged 60+
    "adult_alone": 16.0,  # one person aged 20–59
    "elder_couple": 5.5,  # a couple, both 60+ (empty nest)
    "couple": 9.0,  # a couple under 60 without children at home
    "single_parent": 4.5,  # one parent and a child
    "nuclear_1": 15.5,  # a couple and one child
    "nuclear_2": 15.5,  # a couple and two children
    "nuclear_3": 2.0,  # a couple and three children
    "three_generations": 12.5,  # grandparent(s), a couple and their children
    "skipped_generation": 14.0,  # grandparent(s) raising grandchildren, the parents living elsewhere
}

# Sex of a newborn: Xuzhou's sex ratio at birth has been high; 53 % boys is a demo assumption.
BOY_SHARE = 0.53

# Residence status by household (demo assumption): urban communities have more migrants.
RESIDENCE_URBAN = (
    (ResidenceStatus.REGISTERED, 0.80),
    (ResidenceStatus.PERMANENT, 0.08),
    (ResidenceStatus.MIGRANT, 0.12),
)
RESIDENCE_RURAL = (
    (ResidenceStatus.REGISTERED, 0.92),
    (ResidenceStatus.PERMANENT, 0.05),
    (ResidenceStatus.MIGRANT, 0.03),
)

# --- Care groups -----------------------------------------------------------------------------------
#
# DEMO ASSUMPTIONS, NOT STATISTICS. Plausible shares chosen for a demo so that every care group has
# members and the lists look realistic; they are not figures for Xuzhou:
#   低保 dibao                       1.5 % of households (every member of the household is tagged)
#   特困 extreme poverty             0.3 % of households (one-person households only, the person)
#   独居 living-alone elderly       everyone 60+ living alone (~10 % of 60+, from the household mix)
#   空巢 empty-nest elderly         everyone in an all-60+ couple household (~20 % of 60+, same)
#   高龄 oldest old                 everyone aged 80+ (from the 80th birthday)
#   失能 dependent elderly          ~3 % of 60+: 1 % at 60–69, 3 % at 70–79, 10 % at 80+
#   残疾人 disabled                 ~6 % of residents: 2 % of children, 4 % at 15–59, 15 % at 60+;
#                                   category and grade drawn from DISABILITY_CATEGORIES / _GRADES
#   退役军人 veterans               1.5 % of men aged 20+
#   党员 party members              7 % of adults (18+)
#   登记失业 registered unemployed  2 % of 18–59; a quarter of them also 就业困难 (employment difficulty)
#   困境儿童 children in difficulty 0.3 % of children under 18
#   留守儿童 left-behind children   ~3 % of rural children under 16: a share of the children in rural
#                                   skipped-generation households (LEFT_BEHIND_IN_SKIPPED)
#   社区矫正 community corrections  0.05 % of residents (adults only)
#   严重精神障碍 severe mental disorder 0.4 % of residents (adults only)
DIBAO_HOUSEHOLDS = 0.015
EXTREME_POVERTY_HOUSEHOLDS = 0.003
DEPENDENT_BY_AGE = ((80, 0.10), (70, 0.03), (60, 0.01))
DISABLED_BY_AGE = ((60, 0.15), (15, 0.04), (0, 0.02))
VETERAN_MEN = 0.015
PARTY_ADULTS = 0.07
UNEMPLOYED_WORKING_AGE = 0.02
EMPLOYMENT_DIFFICULTY_OF_UNEMPLOYED = 0.25
CHILD_IN_DIFFICULTY = 0.003
LEFT_BEHIND_IN_SKIPPED = 0.11  # ~28 % of children under 16 live in such households
COMMUNITY_CORRECTIONS_ADULTS = 0.00065
SEVERE_MENTAL_ADULTS = 0.005
# 2006 national disability sample survey, rounded (category shares); grades are a demo assumption.
DISABILITY_CATEGORIES = (
    (DisabilityCategory.PHYSICAL, 29),
    (DisabilityCategory.HEARING, 24),
    (DisabilityCategory.MULTIPLE, 17),
    (DisabilityCategory.VISUAL, 14),
    (DisabilityCategory.MENTAL, 7),
    (DisabilityCategory.INTELLECTUAL, 7),
    (DisabilityCategory.SPEECH, 2),
)
DISABILITY_GRADES = ((1, 12), (2, 20), (3, 28), (4, 40))

TAG_SOURCES: dict[str, str] = {
    CareGroup.DIBAO: "民政局低保名册",
    CareGroup.EXTREME_POVERTY: "民政局特困人员名册",
    CareGroup.EMPTY_NEST_ELDERLY: "社区走访摸排",
    CareGroup.LIVING_ALONE_ELDERLY: "社区走访摸排",
    CareGroup.OLDEST_OLD: "户籍信息（年满80周岁）",
    CareGroup.DEPENDENT_ELDERLY: "老年人能力评估",
    CareGroup.CHILD_IN_DIFFICULTY: "民政局困境儿童名册",
    CareGroup.LEFT_BEHIND_CHILD: "农村留守儿童摸底排查",
    CareGroup.DISABLED: "残联残疾人证信息",
    CareGroup.COMMUNITY_CORRECTIONS: "司法所社区矫正名单",
    CareGroup.SEVERE_MENTAL_DISORDER: "卫健部门严重精神障碍患者管理信息",
    CareGroup.VETERAN: "退役军人事务局信息采集",
    CareGroup.REGISTERED_UNEMPLOYED: "人社部门失业登记",
    CareGroup.EMPLOYMENT_DIFFICULTY: "人社部门就业困难人员认定",
    CareGroup.PARTY_MEMBER: "街道党工委党员名册",
}

# --- Names -----------------------------------------------------------------------------------------

# Common surnames with rough relative weights for northern Jiangsu (a demo assumption, not a survey).
SURNAME_WEIGHTS = (
    ("王", 70), ("李", 68), ("张", 66), ("刘", 54), ("陈", 38), ("杨", 25), ("赵", 22), ("孙", 17),
    ("徐", 16), ("周", 15), ("吴", 15), ("朱", 14), ("黄", 13), ("胡", 12), ("高", 12), ("郭", 11),
    ("马", 10), ("韩", 9), ("宋", 8), ("魏", 7), ("郑", 7), ("梁", 6), ("于", 6), ("董", 6),
    ("曹", 6), ("冯", 6), ("程", 5), ("许", 5), ("何", 5), ("田", 5), ("任", 5), ("姜", 4),
    ("吕", 4), ("苏", 4), ("蒋", 4), ("丁", 4), ("贾", 4), ("杜", 4), ("彭", 4), ("袁", 4),
    ("邓", 4), ("孟", 3), ("侯", 3), ("邵", 3), ("史", 3), ("崔", 3), ("孔", 3), ("段", 3),
    ("常", 3), ("武", 3), ("薛", 3), ("沈", 3), ("范", 3), ("石", 3), ("姚", 3), ("潘", 3),
    ("卢", 3), ("蔡", 3), ("戴", 3), ("夏", 3), ("方", 3), ("唐", 3), ("谢", 3), ("罗", 3),
    ("葛", 2), ("褚", 2), ("乔", 2), ("秦", 2), ("白", 2), ("郝", 2), ("毛", 2), ("邱", 2),
    ("江", 2), ("顾", 2), ("万", 2), ("钱", 2), ("汤", 2), ("尹", 2), ("林", 2), ("叶", 2),
    ("陆", 2), ("金", 2), ("康", 2), ("阎", 2), ("仝", 1), ("鹿", 1), ("蔺", 1), ("满", 1),
    ("曾", 1), ("单", 1), ("解", 1), ("甄", 1), ("庞", 1), ("桑", 1),
)  # fmt: skip
SURNAMES = tuple(s for s, _w in SURNAME_WEIGHTS)
SURNAME_CUM = tuple(
    sum(w for _s, w in SURNAME_WEIGHTS[: i + 1]) for i in range(len(SURNAME_WEIGHTS))
)


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# Given names by generation (birth year before 1965 / 1965–1994 / from 1995) and sex: whole names from
# a list, or two characters drawn from the generation's characters, or one character.
GIVEN_NAMES: dict[tuple[str, str], tuple[str, ...]] = {
    ("old", Sex.MALE): _words(
        "建国 建华 建军 国强 国庆 国华 志强 志明 德明 德胜 保国 振华 卫东 "
        "卫国 长江 永福 永胜 家福 玉山 凤山 广才 金山 树林 学文 庆华 春生 "
        "秋生 宝山 成林 守信 景山 兆林 立新 跃进 援朝 忠 军 强 明 华 林 "
        "刚 平 俊"
    ),
    ("old", Sex.FEMALE): _words(
        "秀英 桂英 秀兰 玉兰 桂兰 凤英 淑珍 玉珍 秀珍 桂珍 兰英 玉梅 秀梅 "
        "凤兰 素芳 桂芳 翠花 春花 淑英 玉华 秀云 桂香 美兰 玉英 秀芝 凤琴 "
        "桂荣 玉芬 秀芹 兰芝 素英 英 兰 珍 芳 梅 霞"
    ),
    ("mid", Sex.MALE): _words(
        "海涛 建伟 海波 晓东 志刚 军伟 文杰 永刚 俊杰 小龙 红伟 伟东 海军 "
        "继峰 立伟 兆辉 振宇 伟 磊 强 军 勇 涛 斌 超 明 刚 鹏 杰 波 辉 "
        "亮 健 峰 龙 飞"
    ),
    ("mid", Sex.FEMALE): _words(
        "丽娟 海燕 红梅 晓燕 春梅 丽丽 晓丽 婷婷 晓红 秀丽 丽萍 艳红 玉洁 "
        "静静 雪梅 红霞 丽 静 芳 敏 燕 娟 艳 霞 红 玲 慧 洁 莉 萍 琳 "
        "颖"
    ),
    ("young", Sex.MALE): _words(
        "浩然 宇轩 子轩 梓豪 浩宇 一鸣 俊熙 子墨 皓轩 宇航 博文 泽宇 奕辰 "
        "天佑 明轩 思远 嘉乐 铭泽 俊宇 昊天 睿 航 晨 铭 凯 哲 阳 帅"
    ),
    ("young", Sex.FEMALE): _words(
        "梓涵 欣怡 子涵 雨涵 诗涵 可馨 梦琪 思雨 一诺 紫萱 佳怡 语桐 若曦 "
        "依诺 欣妍 雨桐 婉清 佳琪 思琪 梓萱 雨欣 心怡 瑶 琪 悦 萌 璐 佳"
    ),
}
GIVEN_CHARS: dict[tuple[str, str], str] = {
    ("old", Sex.MALE): "建国志德保振卫永家玉广金学庆春宝成守兆立忠文明华林山生福胜强",
    ("old", Sex.FEMALE): "秀桂玉凤淑兰素翠春美英珍梅芳花云香荣芬芹芝琴",
    ("mid", Sex.MALE): "海建晓志军文永俊小红伟兆振继立东涛波刚杰龙峰辉亮鹏飞",
    ("mid", Sex.FEMALE): "丽海红晓春婷秀艳玉静雪燕梅娟霞萍洁敏慧琳颖",
    ("young", Sex.MALE): "浩宇子梓一俊皓博泽奕天明思嘉铭昊然轩豪鸣熙墨航文辰佑远乐睿",
    ("young", Sex.FEMALE): "梓欣子雨诗可梦思一紫佳语若依婉心涵怡馨琪诺萱桐曦妍清悦瑶",
}


def _generation(birth_year: int) -> str:
    return "old" if birth_year < 1965 else "mid" if birth_year < 1995 else "young"


def _surname(rng: random.Random) -> str:
    return rng.choices(SURNAMES, cum_weights=SURNAME_CUM)[0]


def _given_name(rng: random.Random, sex: str, birth_year: int) -> str:
    key = (_generation(birth_year), sex)
    roll = rng.random()
    if roll < 0.55:
        return rng.choice(GIVEN_NAMES[key])
    chars = GIVEN_CHARS[key]
    if roll < 0.9:
        first, second = rng.sample(chars, 2)  # two different characters
        return first + second
    return rng.choice(chars)


# --- Sampling households (no database) ---------------------------------------------------------------


@dataclass
class Person:
    """A synthetic person before it becomes a row."""

    age: int
    sex: str
    relation: str = Relation.HEAD
    surname: str = ""
    birth_date: date | None = None
    name: str = ""
    id_number: str = ""
    phone: str = ""


@dataclass
class SampledHousehold:
    kind: str  # a key of HOUSEHOLD_TYPES
    members: list[Person]


def _elder_age(rng: random.Random, *, at_most: int = 100) -> int:
    """An age of 60 or more: 60–64 in 22 % of draws (spouses and skipped-generation grandparents add
    more at 55–64), 65–79 in 58 %, 80+ in 20 %: tuned so that 65+ is about three quarters of 60+, as in
    the census."""
    while True:
        roll = rng.random()
        if roll < 0.22:
            age = rng.randint(60, 64)
        elif roll < 0.80:
            age = rng.randint(65, 79)
        elif roll < 0.97:
            age = rng.randint(80, 89)
        else:
            age = rng.randint(90, 100)
        if age <= at_most:
            return age


def _sex(rng: random.Random, male_share: float) -> str:
    return Sex.MALE if rng.random() < male_share else Sex.FEMALE


def _couple(
    rng: random.Random, husband_age: int, *, min_age: int, max_age: int
) -> tuple[Person, Person]:
    """A husband and wife (wives a little younger on average), each with their own surname."""
    wife_age = max(min_age, min(max_age, husband_age - rng.randint(-2, 5)))
    return (
        Person(husband_age, Sex.MALE, surname=_surname(rng)),
        Person(wife_age, Sex.FEMALE, surname=_surname(rng)),
    )


def _children(
    rng: random.Random, parent_age: int, count: int, *, father: Person | None, mother: Person | None
) -> list[Person]:
    """Children of a parent of ``parent_age``: the eldest born when the parent was 22–36, the others
    one to six years apart; the father's surname, now and then the mother's."""
    eldest = rng.randint(max(0, parent_age - 36), max(0, min(parent_age - 22, 32)))
    ages = [eldest]
    for _i in range(count - 1):
        ages.append(max(0, ages[-1] - rng.randint(1, 6)))
    children = []
    for age in ages:
        if father is not None and (mother is None or rng.random() < 0.93):
            surname = father.surname
        elif mother is not None and (father is not None or rng.random() < 0.3):
            surname = mother.surname
        else:
            surname = _surname(rng)  # a single mother's child with the absent father's surname
        children.append(Person(age, _sex(rng, BOY_SHARE), Relation.CHILD, surname))
    return children


def _head_of(rng: random.Random, husband: Person, wife: Person, male_head: float) -> None:
    if rng.random() < male_head:
        husband.relation, wife.relation = Relation.HEAD, Relation.SPOUSE
    else:
        husband.relation, wife.relation = Relation.SPOUSE, Relation.HEAD


def sample_household(rng: random.Random, *, rural: bool) -> SampledHousehold:
    """One household's people: ages, sexes, relations to the head and surnames."""
    kind = rng.choices(list(HOUSEHOLD_TYPES), weights=list(HOUSEHOLD_TYPES.values()))[0]
    people: list[Person]
    if kind == "elder_alone":
        # Widows outnumber widowers.
        people = [Person(_elder_age(rng), _sex(rng, 0.38), surname=_surname(rng))]
    elif kind == "adult_alone":
        people = [Person(rng.randint(20, 59), _sex(rng, 0.58), surname=_surname(rng))]
    elif kind == "elder_couple":
        husband, wife = _couple(rng, _elder_age(rng), min_age=60, max_age=100)
        _head_of(rng, husband, wife, 0.85)
        people = [husband, wife]
    elif kind == "couple":
        husband, wife = _couple(rng, rng.randint(22, 59), min_age=20, max_age=59)
        _head_of(rng, husband, wife, 0.75)
        people = [husband, wife]
    elif kind == "single_parent":
        parent = Person(rng.randint(26, 55), _sex(rng, 0.3), surname=_surname(rng))
        is_father = parent.sex == Sex.MALE
        people = [
            parent,
            *_children(
                rng,
                parent.age,
                1,
                father=parent if is_father else None,
                mother=None if is_father else parent,
            ),
        ]
    elif kind.startswith("nuclear_"):
        count = int(kind[-1])
        husband, wife = _couple(
            rng, rng.randint(24, 59) if count == 1 else rng.randint(26, 55), min_age=21, max_age=59
        )
        _head_of(rng, husband, wife, 0.75)
        people = [
            husband,
            wife,
            *_children(rng, husband.age, count, father=husband, mother=wife),
        ]
    elif kind == "three_generations":
        people = _three_generations(rng, rural=rural)
    else:  # skipped_generation
        grandfather, grandmother = _couple(rng, _elder_age(rng, at_most=78), min_age=55, max_age=80)
        _head_of(rng, grandfather, grandmother, 0.8)
        grandparents = [grandfather, grandmother]
        if rng.random() < 0.3:  # one grandparent alone
            grandparents = [rng.choice(grandparents)]
            grandparents[0].relation = Relation.HEAD
        # Paternal grandparents mostly: the grandchild has the grandfather's surname.
        surname = grandfather.surname if rng.random() < 0.75 else _surname(rng)
        people = [
            *grandparents,
            *(
                Person(rng.randint(0, 15), _sex(rng, BOY_SHARE), Relation.GRANDCHILD, surname)
                for _i in range(rng.choice((1, 1, 2)))
            ),
        ]
    return SampledHousehold(kind, people)


def _three_generations(rng: random.Random, *, rural: bool) -> list[Person]:
    """A couple, their children, and one or both of the husband's parents. The head is the older
    generation more often in villages, the middle generation more often in towns."""
    elder_age = _elder_age(rng)
    son_age = max(22, min(56, elder_age - rng.randint(24, 32)))
    son, daughter_in_law = _couple(rng, son_age, min_age=21, max_age=59)
    # The son carries his father's surname.
    grandfather = Person(elder_age, Sex.MALE, surname=son.surname)
    grandmother = Person(
        max(58, min(100, elder_age - rng.randint(-2, 5))), Sex.FEMALE, surname=_surname(rng)
    )
    elders = [grandfather, grandmother]
    if rng.random() < 0.6:  # one of them alone, more often the widow
        elders = [grandmother if rng.random() < 0.65 else grandfather]
    kids = _children(rng, son.age, rng.choice((1, 1, 1, 2)), father=son, mother=daughter_in_law)
    if rng.random() < (0.55 if rural else 0.3):
        # The older generation heads the household.
        elders[0].relation = Relation.HEAD
        for elder in elders[1:]:
            elder.relation = Relation.SPOUSE
        son.relation, daughter_in_law.relation = Relation.CHILD, Relation.CHILD_IN_LAW
        for kid in kids:
            kid.relation = Relation.GRANDCHILD
    else:
        _head_of(rng, son, daughter_in_law, 0.8)
        for elder in elders:
            elder.relation = Relation.PARENT
    return [*elders, son, daughter_in_law, *kids]


# --- Identifiers -----------------------------------------------------------------------------------


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _birth_date(rng: random.Random, age: int, today: date) -> date:
    """A birth date at which someone is exactly ``age`` today."""
    latest = _years_before(today, age)
    earliest = _years_before(today, age + 1) + timedelta(days=1)
    return date.fromordinal(rng.randint(earliest.toordinal(), latest.toordinal()))


def age_on(birth: date, day: date) -> int:
    years = day.year - birth.year
    if (day.month, day.day) < (birth.month, birth.day):
        years -= 1
    return years


class _IdNumbers:
    """Valid, unique ID numbers: area code + birth date + sequence code (odd for men) + check character.

    The sequence code comes from a counter per (area, birth date, sex), offset so that numbers do not all
    start at 000: no two people can get the same number. When 500 people of one sex share an area and a
    birth date (never at demo scales), the next is born a day earlier."""

    def __init__(self) -> None:
        self.used: dict[tuple[str, date, bool], int] = defaultdict(int)

    def issue(self, area: str, birth: date, male: bool) -> tuple[str, date]:
        while True:
            key = (area, birth, male)
            n = self.used[key]
            if n < 500:
                self.used[key] = n + 1
                k = (birth.toordinal() * 37 + int(area) + n) % 500
                first17 = f"{area}{birth:%Y%m%d}{2 * k + (1 if male else 0):03d}"
                return first17 + id_check_character(first17), birth
            birth -= timedelta(days=1)


def _phone(counter: int, offset: int) -> str:
    return str(PHONE_FIRST + (offset + counter * PHONE_STEP) % PHONE_COUNT)


def _has_phone(rng: random.Random, age: int) -> bool:
    if age < 18:
        return False
    return rng.random() < (0.92 if age < 70 else 0.6 if age < 80 else 0.3)


# --- Places ------------------------------------------------------------------------------------------


@dataclass
class _Door:
    """Where a household can live in one community: a building or a villager group."""

    grid_id: int | None
    estate_id: int | None = None
    building_id: int | None = None
    villager_group_id: int | None = None
    floors: int = 6
    units: int = 2
    doors: int = 2

    @property
    def capacity(self) -> int:
        return self.floors * self.units * self.doors


@dataclass
class _CommunityPlaces:
    grids: list[int] = field(default_factory=list)
    buildings: list[_Door] = field(default_factory=list)
    groups: list[_Door] = field(default_factory=list)
    # Natural villages: (estate id, grid id).
    villages: list[tuple[int, int | None]] = field(default_factory=list)


def _read_places() -> dict[int, _CommunityPlaces]:
    """Grids, buildings, villager groups and natural villages of every community, in natural-key order
    (so that the draws do not depend on row ids)."""
    places: dict[int, _CommunityPlaces] = defaultdict(_CommunityPlaces)

    for pk, community_id in (
        Grid.objects.filter(is_micro=False).order_by("code").values_list("id", "community_id")
    ):
        places[community_id].grids.append(pk)
    estate_grid: dict[int, int | None] = {}
    for pk, community_id, grid_id, natural in Estate.objects.order_by(
        "community_id", "name"
    ).values_list("id", "community_id", "grid_id", "is_natural_village"):
        estate_grid[pk] = grid_id
        if natural:
            places[community_id].villages.append((pk, grid_id))
    for pk, estate_id, community_id, grid_id, floors, units in Building.objects.order_by(
        "estate__community_id", "estate__name", "number"
    ).values_list("id", "estate_id", "estate__community_id", "grid_id", "floors", "units"):
        floors = floors or 6
        doors = 2 if floors <= 7 else 4 if floors >= 25 else 3
        places[community_id].buildings.append(
            _Door(
                grid_id or estate_grid.get(estate_id),
                estate_id=estate_id,
                building_id=pk,
                floors=floors,
                units=units or 1,
                doors=doors,
            )
        )
    for pk, community_id, grid_id in VillagerGroup.objects.order_by(
        "community_id", "name"
    ).values_list("id", "community_id", "grid_id"):
        places[community_id].groups.append(_Door(grid_id, villager_group_id=pk))
    return places


# --- Planning rows -----------------------------------------------------------------------------------


@dataclass
class _Tag:
    group: str
    start: date
    category: str = ""
    grade: int | None = None


@dataclass
class _PlannedHousehold:
    number: str
    community_id: int
    grid_id: int | None
    estate_id: int | None
    building_id: int | None
    villager_group_id: int | None
    address_detail: str
    joined_on: date
    members: list[Person]
    residence_status: str
    tags: list[list[_Tag]]  # per member


def _start_between(rng: random.Random, earliest: date, today: date, *, years: int = 10) -> date:
    """A start date in the last ``years`` years, not before ``earliest``."""
    first = max(earliest, _years_before(today, years))
    if first > today:
        return today
    return date.fromordinal(rng.randint(first.toordinal(), today.toordinal()))


def _pick(rng: random.Random, table: tuple[tuple[Any, float], ...]) -> Any:
    return rng.choices([v for v, _w in table], weights=[w for _v, w in table])[0]


def _tags_for(
    rng: random.Random, household: SampledHousehold, today: date, *, rural: bool
) -> list[list[_Tag]]:
    members = household.members
    tags: list[list[_Tag]] = [[] for _m in members]
    dibao = rng.random() < DIBAO_HOUSEHOLDS
    poverty = (
        not dibao
        and len(members) == 1
        # One-person households are ~19 % of all: this gives ~0.3 % of households.
        and rng.random() < EXTREME_POVERTY_HOUSEHOLDS / 0.19
    )
    all_elderly = all(m.age >= 60 for m in members)
    for person, own in zip(members, tags, strict=True):
        birth = person.birth_date
        assert birth is not None
        age = person.age
        adult_from = _birthday(birth, 18) if age >= 18 else today
        if dibao:
            own.append(_Tag(CareGroup.DIBAO, _start_between(rng, birth, today, years=8)))
        if poverty:
            own.append(_Tag(CareGroup.EXTREME_POVERTY, _start_between(rng, adult_from, today)))
        if age >= 60:
            sixty = _birthday(birth, 60)
            if len(members) == 1:
                own.append(_Tag(CareGroup.LIVING_ALONE_ELDERLY, _start_between(rng, sixty, today)))
            elif all_elderly:
                own.append(_Tag(CareGroup.EMPTY_NEST_ELDERLY, _start_between(rng, sixty, today)))
            if rng.random() < next(p for floor, p in DEPENDENT_BY_AGE if age >= floor):
                own.append(
                    _Tag(CareGroup.DEPENDENT_ELDERLY, _start_between(rng, sixty, today, years=6))
                )
        if age >= 80:
            own.append(_Tag(CareGroup.OLDEST_OLD, _birthday(birth, 80)))
        if rng.random() < next(p for floor, p in DISABLED_BY_AGE if age >= floor):
            own.append(
                _Tag(
                    CareGroup.DISABLED,
                    _start_between(rng, birth, today, years=15),
                    category=_pick(rng, DISABILITY_CATEGORIES),
                    grade=_pick(rng, DISABILITY_GRADES),
                )
            )
        if age >= 18:
            if person.sex == Sex.MALE and age >= 20 and rng.random() < VETERAN_MEN:
                own.append(
                    _Tag(CareGroup.VETERAN, _start_between(rng, adult_from, today, years=30))
                )
            if rng.random() < PARTY_ADULTS:
                own.append(
                    _Tag(CareGroup.PARTY_MEMBER, _start_between(rng, adult_from, today, years=40))
                )
            if age < 60 and rng.random() < UNEMPLOYED_WORKING_AGE:
                start = _start_between(rng, adult_from, today, years=2)
                own.append(_Tag(CareGroup.REGISTERED_UNEMPLOYED, start))
                if rng.random() < EMPLOYMENT_DIFFICULTY_OF_UNEMPLOYED:
                    own.append(_Tag(CareGroup.EMPLOYMENT_DIFFICULTY, start))
            if rng.random() < COMMUNITY_CORRECTIONS_ADULTS:
                own.append(
                    _Tag(
                        CareGroup.COMMUNITY_CORRECTIONS,
                        _start_between(rng, adult_from, today, years=2),
                    )
                )
            if rng.random() < SEVERE_MENTAL_ADULTS:
                own.append(
                    _Tag(CareGroup.SEVERE_MENTAL_DISORDER, _start_between(rng, adult_from, today))
                )
        else:
            if rng.random() < CHILD_IN_DIFFICULTY:
                own.append(
                    _Tag(CareGroup.CHILD_IN_DIFFICULTY, _start_between(rng, birth, today, years=5))
                )
            if (
                rural
                and age < 16
                and household.kind == "skipped_generation"
                and rng.random() < LEFT_BEHIND_IN_SKIPPED
            ):
                own.append(
                    _Tag(CareGroup.LEFT_BEHIND_CHILD, _start_between(rng, birth, today, years=5))
                )
    return tags


def _birthday(birth: date, years: int) -> date:
    """The day someone turns ``years`` (born on 29 February: 1 March in common years, as ``age_on``)."""
    try:
        return birth.replace(year=birth.year + years)
    except ValueError:
        return date(birth.year + years, 3, 1)


def _pick_residence(rng: random.Random, rural: bool) -> str:
    return _pick(rng, RESIDENCE_RURAL if rural else RESIDENCE_URBAN)


class _Planner:
    """Turns communities into planned households, drawing each community from its own generator."""

    def __init__(self, seed: int, today: date, county_codes: list[str], taken: set[str]) -> None:
        self.seed = seed
        self.today = today
        self.county_codes = county_codes
        self.taken_numbers = taken
        self.ids = _IdNumbers()
        self.phones = 0
        self.phone_offset = _rng(seed, "population", "phones").randrange(PHONE_COUNT)

    def community(
        self, code: str, community_id: int, rural: bool, places: _CommunityPlaces, households: int
    ) -> list[_PlannedHousehold]:
        rng = _rng(self.seed, "population", code)
        county = code[:6]
        doors = places.groups if rural else places.buildings
        if not doors:
            doors = places.buildings or places.groups
        # Every building (villager group) gets a household first, then the rest by size.
        order = list(range(len(doors)))
        rng.shuffle(order)
        cum_capacity: list[int] = []
        total = 0
        for door in doors:
            total += door.capacity if door.building_id else 1
            cum_capacity.append(total)
        taken_rooms: set[tuple[int, int, int, int]] = set()
        house_numbers: dict[int, int] = defaultdict(int)
        planned: list[_PlannedHousehold] = []
        number = 0
        for position in range(households):
            if not doors:
                door = _Door(places.grids[0] if places.grids else None)
            elif position < len(order):
                door = doors[order[position]]
            else:
                door = rng.choices(doors, cum_weights=cum_capacity)[0]
            estate_id, grid_id = door.estate_id, door.grid_id
            if door.building_id is not None:
                for _try in range(30):  # a free flat; in a full building, a shared one
                    unit = rng.randint(1, door.units)
                    floor = rng.randint(1, door.floors)
                    room = rng.randint(1, door.doors)
                    if (door.building_id, unit, floor, room) not in taken_rooms:
                        break
                taken_rooms.add((door.building_id, unit, floor, room))
                detail = f"{unit}单元{floor}{room:02d}室"
            else:
                if places.villages:
                    estate_id, village_grid = rng.choice(places.villages)
                    grid_id = grid_id or village_grid
                key = estate_id or door.villager_group_id or 0
                house_numbers[key] += rng.randint(1, 3)
                detail = f"{house_numbers[key]}号"
            if grid_id is None and places.grids:
                grid_id = places.grids[0]

            sampled = sample_household(rng, rural=rural)
            status = _pick_residence(rng, rural)
            if status == ResidenceStatus.REGISTERED:
                area = county
            elif rng.random() < 0.5 and len(self.county_codes) > 1:
                area = rng.choice([c for c in self.county_codes if c != county])
            else:
                area = rng.choice(MIGRANT_AREAS)
            joined = _start_between(rng, date(1990, 1, 1), self.today, years=30)
            for person in sampled.members:
                birth = _birth_date(rng, person.age, self.today)
                person.name = person.surname + _given_name(rng, person.sex, birth.year)
                person.id_number, person.birth_date = self.ids.issue(
                    area, birth, person.sex == Sex.MALE
                )
                person.age = age_on(person.birth_date, self.today)
                if _has_phone(rng, person.age):
                    person.phone = _phone(self.phones, self.phone_offset)
                    self.phones += 1
            while True:
                number += 1
                household_number = f"{code}-{number:05d}"
                if household_number not in self.taken_numbers:
                    break
            planned.append(
                _PlannedHousehold(
                    number=household_number,
                    community_id=community_id,
                    grid_id=grid_id,
                    estate_id=estate_id,
                    building_id=door.building_id,
                    villager_group_id=door.villager_group_id,
                    address_detail=detail,
                    joined_on=joined,
                    members=sampled.members,
                    residence_status=status,
                    tags=_tags_for(rng, sampled, self.today, rural=rural),
                )
            )
        return planned


@functools.lru_cache(maxsize=100_000)
def _name_keys(name: str) -> str:
    """``pinyin_keys`` (what the registry stores in ``name_keys``), remembered: names repeat."""
    return pinyin_keys(name)


# --- Writing rows ------------------------------------------------------------------------------------


@dataclass
class _Counts:
    households: int = 0
    residents: int = 0
    memberships: int = 0
    care_tags: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "households": self.households,
            "residents": self.residents,
            "care_tags": self.care_tags,
        }


def _prep(model: type[Model], name: str, connection: Any) -> Callable[[Any], Any]:
    """The value a field stores for a Python value: its own ``get_db_prep_save`` (encryption for an
    encrypted field, the backend's date format for a date), exactly what ``save`` would write."""
    model_field = model._meta.get_field(name)
    assert isinstance(model_field, Field)
    return lambda value: model_field.get_db_prep_save(value, connection)


def _index(model: type[Model], name: str) -> Callable[[str], str]:
    """A blind index field's value for its source's clear value, as its ``pre_save`` computes it."""
    model_field = model._meta.get_field(name)
    assert isinstance(model_field, BlindIndexField)
    return model_field.index_for


def _ids_after(model: type[Model], key: str, after: int) -> dict[Any, int]:
    return dict(
        model._default_manager.filter(pk__gt=after, is_synthetic=True).values_list(key, "pk")
    )


def _last_pk(model: type[Model]) -> int:
    return model._default_manager.aggregate(last=Max("pk"))["last"] or 0


def _write(planned: list[_PlannedHousehold], counts: _Counts, keys: Callable[[str], str]) -> None:
    """Insert one batch of households with their people, memberships and tags.

    Multi-row INSERTs (``generator._insert``), several times faster than ``bulk_create``; every value is
    what the model field itself stores: encrypted columns through the field's ``get_db_prep_save``,
    blind indexes through the field's ``index_for`` (what its ``pre_save`` sets), dates through the
    backend's adapter, and unnamed columns get the field's default the same way."""
    connection = connections[router.db_for_write(Resident)]
    address = _prep(Household, "address_detail", connection)
    address_index = _index(Household, "address_index")
    id_number = _prep(Resident, "id_number", connection)
    id_index = _index(Resident, "id_number_index")
    phone = _prep(Resident, "phone", connection)
    phone_index = _index(Resident, "phone_index")
    birth_date = _prep(Resident, "birth_date", connection)
    joined_on = _prep(HouseholdMembership, "joined_on", connection)
    start_date = _prep(CareGroupTag, "start_date", connection)

    before = _last_pk(Household)
    _insert(
        Household,
        ("number", "community_id", "grid_id", "estate_id", "building_id", "villager_group_id",
         "address_detail", "address_index", "is_synthetic"),
        [
            (p.number, p.community_id, p.grid_id, p.estate_id, p.building_id, p.villager_group_id,
             address(p.address_detail), address_index(p.address_detail), True)
            for p in planned
        ],
    )  # fmt: skip
    household_ids = _ids_after(Household, "number", before)

    before = _last_pk(Resident)
    rows = []
    for plan in planned:
        household_id = household_ids[plan.number]
        for person in plan.members:
            rows.append(
                (household_id, person.relation, plan.community_id, plan.grid_id, person.name,
                 keys(person.name), IdType.RESIDENT_ID, id_number(person.id_number),
                 id_index(person.id_number), birth_date(person.birth_date), person.sex,
                 phone(person.phone), phone_index(person.phone), plan.residence_status, "", True)
            )  # fmt: skip
    _insert(
        Resident,
        ("household_id", "relation", "community_id", "grid_id", "name", "name_keys", "id_type",
         "id_number", "id_number_index", "birth_date", "sex", "phone", "phone_index",
         "residence_status", "note", "is_synthetic"),
        rows,
    )  # fmt: skip
    resident_ids = _ids_after(Resident, "id_number_index", before)

    heads: list[tuple[int, int]] = []
    memberships: list[tuple[Any, ...]] = []
    tags: list[tuple[Any, ...]] = []
    for plan in planned:
        household_id = household_ids[plan.number]
        for person, own_tags in zip(plan.members, plan.tags, strict=True):
            resident_id = resident_ids[id_index(person.id_number)]
            if person.relation == Relation.HEAD:
                heads.append((resident_id, household_id))
            assert person.birth_date is not None
            memberships.append(
                (resident_id, household_id, person.relation,
                 joined_on(max(plan.joined_on, person.birth_date)), "")
            )  # fmt: skip
            for tag in own_tags:
                tags.append(
                    (resident_id, tag.group, start_date(tag.start), TAG_SOURCES[tag.group], "",
                     tag.category, tag.grade)
                )  # fmt: skip
    _insert(
        HouseholdMembership,
        ("resident_id", "household_id", "relation", "joined_on", "left_reason"),
        memberships,
    )
    _insert(
        CareGroupTag,
        ("resident_id", "group", "start_date", "source", "note", "disability_category",
         "disability_grade"),
        tags,
    )  # fmt: skip
    # The head is a plain foreign key: one UPDATE per household, in one round trip.
    quote = connection.ops.quote_name
    table = quote(Household._meta.db_table)
    head = quote(Household._meta.get_field("head").column)
    pk = quote(Household._meta.pk.column)
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {table} SET {head} = %s WHERE {pk} = %s", heads)  # noqa: S608 (names from the model)
    counts.households += len(planned)
    counts.residents += len(rows)
    counts.memberships += len(memberships)
    counts.care_tags += len(tags)


DEMO_DUPLICATES = 3


def _another_door(rng: random.Random, building: Building | None) -> str:
    assert building is not None
    return (
        f"{rng.randint(1, building.units or 1)}单元{rng.randint(1, building.floors or 6)}"
        f"{rng.randint(1, 4):02d}室"
    )


def _plant_duplicates(community: Region, seed: int, counts: _Counts) -> None:
    """A few people of the home community registered a second time, without an ID number, in a
    one-person household at another door of their estate: what a migrant registered twice looks like.
    Registered through ``register_household``, which puts each pair on the duplicate review queue."""
    rng = _rng(seed, "duplicates")
    people = list(
        Resident.objects.filter(
            community=community,
            is_synthetic=True,
            status=LifeStatus.ACTIVE,
            account__isnull=True,
            household__building__isnull=False,
        )
        .exclude(birth_date=None)
        .select_related("household")
        .order_by("pk")[:500]
    )
    for person in rng.sample(people, min(DEMO_DUPLICATES, len(people))):
        household = person.household
        assert household is not None
        register_household(
            community=community,
            grid=household.grid,
            estate=household.estate,
            building=household.building,
            address_detail=_another_door(rng, household.building),
            members=[
                MemberInput(
                    name=person.name,
                    relation=Relation.HEAD,
                    id_type=IdType.NONE,
                    sex=person.sex,
                    birth_date=person.birth_date,
                    residence_status=ResidenceStatus.MIGRANT,
                )
            ],
            is_synthetic=True,
        )
        counts.households += 1
        counts.residents += 1


# --- Public entry points -----------------------------------------------------------------------------


def population_counts() -> dict[str, int]:
    return {
        "households": Household.objects.filter(is_synthetic=True).count(),
        "residents": Resident.objects.filter(is_synthetic=True).count(),
        "care_tags": CareGroupTag.objects.filter(resident__is_synthetic=True).count(),
    }


def _check_free_ids(planned: list[_PlannedHousehold], planner: _Planner) -> None:
    """Give a new number to anyone whose planned ID number is already in the registry (a real resident
    with the same synthetic-looking number): the unique constraint would otherwise stop the demo."""
    index = _index(Resident, "id_number_index")
    people = {index(p.id_number): p for plan in planned for p in plan.members}
    keys = list(people)
    clashes: set[str] = set()
    for start in range(0, len(keys), 500):
        clashes.update(
            Resident.objects.filter(id_number_index__in=keys[start : start + 500]).values_list(
                "id_number_index", flat=True
            )
        )
    for key in clashes:
        person = people[key]
        assert person.birth_date is not None
        while True:
            number, person.birth_date = planner.ids.issue(
                person.id_number[:6], person.birth_date, person.sex == Sex.MALE
            )
            if not Resident.objects.filter(id_number_index=index(number)).exists():
                break
        person.id_number = number


def allocate_households(
    communities: list[tuple[str, bool]], residents: int, seed: int
) -> dict[str, int]:
    """Households per community code for a population of about ``residents``, shared by weight among
    ``communities`` (code, is urban), every community at least one; the counts add up exactly to
    ``residents / PERSONS_PER_HOUSEHOLD`` (or to the number of communities, if that is more)."""
    if not communities:
        return {}
    total = max(len(communities), round(residents / PERSONS_PER_HOUSEHOLD))
    weights = {
        code: _rng(seed, "population-weight", code).uniform(0.5, 1.5)
        * (URBAN_WEIGHT if urban else 1)
        for code, urban in communities
    }
    spare = total - len(communities)
    weight_sum = sum(weights.values())
    shares = {code: spare * weight / weight_sum for code, weight in weights.items()}
    counts = {code: 1 + int(share) for code, share in shares.items()}
    # Largest remainders get the households that rounding down left over.
    left = total - sum(counts.values())
    for code in sorted(shares, key=lambda c: (int(shares[c]) - shares[c], c))[:left]:
        counts[code] += 1
    return counts


def generate_population(
    *,
    seed: int,
    scale: float,
    residents: int | None = None,
    stdout: Writer | None = None,
    today: date | None = None,
) -> dict[str, int]:
    """Generate the synthetic population over the demo territory, in one transaction, and return counts
    (households, residents, care_tags). Does nothing if synthetic residents exist.

    By default the home township is full and other communities get a token few households (times
    ``scale``); with ``residents`` the whole territory shares a population of about that size
    (``CITY_RESIDENTS`` for the whole city)."""
    started = time.monotonic()

    def say(message: str) -> None:
        if stdout is not None:
            stdout.write(message + "\n")

    with transaction.atomic():
        if (
            Resident.objects.filter(is_synthetic=True).exists()
            or Household.objects.filter(is_synthetic=True).exists()
        ):
            return population_counts()
        today = today or timezone.localdate()
        places = _read_territory()
        planned_communities = set(
            Grid.objects.filter(is_synthetic=True, is_micro=False).values_list(
                "community_id", flat=True
            )
        )
        home = _pick_home(places, planned_communities)
        communities = sorted(
            (p for p in places.values() if p.level == Level.COMMUNITY and not p.is_virtual),
            key=lambda p: p.code,
        )
        county_codes = sorted(p.code for p in places.values() if p.level == Level.COUNTY)
        structure = _read_places()
        check_ids = Resident.objects.exists()
        planner = _Planner(
            seed,
            today,
            county_codes,
            set(Household.objects.values_list("number", flat=True)),
        )
        counts = _Counts()
        pending: list[_PlannedHousehold] = []
        allocation: dict[str, int] | None = None
        if residents is not None:
            allocation = allocate_households(
                [(c.code, c.kind == Kind.URBAN_COMMUNITY) for c in communities], residents, seed
            )
            say(
                _("· 人口：约 %(n)s 人，分布在 %(c)s 个村(社区) …")
                % {"n": f"{residents:,}", "c": f"{len(communities):,}"}
            )
        else:
            say(
                _("· 人口：%(township)s各村(社区)完整生成，其余每个村(社区)约 %(n)d 户 …")
                % {"township": home.township.name, "n": max(1, round(TOKEN_HOUSEHOLDS * scale))}
            )
        for community in communities:
            rng = _rng(seed, "population-size", community.code)
            if allocation is not None:
                households = allocation[community.code]
            elif community.parent_id == home.township.pk:
                households = max(1, round(rng.randint(*FULL_HOUSEHOLDS) * scale))
            else:
                households = max(1, round(TOKEN_HOUSEHOLDS * scale))
            pending.extend(
                planner.community(
                    community.code,
                    community.id,
                    community.kind == Kind.VILLAGE,
                    structure.get(community.id, _CommunityPlaces()),
                    households,
                )
            )
            if len(pending) >= BATCH:
                if check_ids:
                    _check_free_ids(pending, planner)
                before = counts.residents
                _write(pending, counts, _name_keys)
                pending = []
                if counts.residents // PROGRESS_EVERY > before // PROGRESS_EVERY:
                    say(
                        _("  … %(n)s 人（%(seconds)d 秒）")
                        % {"n": f"{counts.residents:,}", "seconds": time.monotonic() - started}
                    )
        if pending:
            if check_ids:
                _check_free_ids(pending, planner)
            _write(pending, counts, _name_keys)

        _plant_duplicates(home.community, seed, counts)
        result = counts.as_dict()
        audit.record(
            "demo.generate_population",
            object_type="demo",
            object_repr=f"seed={seed} scale={scale:g} "
            + " ".join(f"{k}={v}" for k, v in result.items()),
            fields=sorted(result),
        )
    say(
        _(
            "· 人口 %(households)d 户、%(residents)d 人，关爱对象标记 %(tags)d 条（%(seconds).1f 秒）"
        )
        % {
            "households": counts.households,
            "residents": counts.residents,
            "tags": counts.care_tags,
            "seconds": time.monotonic() - started,
        }
    )
    return result


def _delete(queryset: QuerySet[Any]) -> int:
    """Delete the rows of ``queryset``. When no row anywhere points at them (checked with one EXISTS per
    relation, as Django's collector would find them), with one DELETE; otherwise through the collector,
    which applies each relation's ``on_delete`` and raises ``ProtectedError`` where it must."""
    model = queryset.model
    keys = queryset.values("pk")
    for relation in model._meta.get_fields(include_hidden=True):
        if not (relation.auto_created and not relation.concrete):
            continue
        if not (relation.one_to_one or relation.one_to_many):
            continue
        related = relation.related_model._base_manager
        if related.filter(**{f"{relation.field.name}__in": keys}).exists():
            return queryset.only("pk").delete()[1].get(model._meta.label, 0)
    return queryset._raw_delete(queryset.db)  # what the collector itself does for a "fast delete"


def delete_population() -> dict[str, int]:
    """Delete the synthetic households, residents, their memberships and care-group tags (FK-safe order).

    Real rows that point at them (a real resident's membership of a synthetic household, say) make the
    delete raise ``ProtectedError``; the caller's transaction then leaves everything as it was."""
    deleted: dict[str, int] = {}
    with transaction.atomic():
        households = Household.objects.filter(is_synthetic=True)
        households.exclude(head=None).update(head=None)
        synthetic = Q(resident__is_synthetic=True)
        # Work on the demo's people (duplicate reviews, consents, rights requests) goes with them.
        for queryset in (
            DuplicateCandidate.objects.filter(synthetic | Q(other__is_synthetic=True)),
            ConsentRecord.objects.filter(synthetic),
            RightsRequest.objects.filter(synthetic),
        ):
            _delete(queryset)
        for key, queryset in (
            ("care_tags", CareGroupTag.objects.filter(resident__is_synthetic=True)),
            ("memberships", HouseholdMembership.objects.filter(resident__is_synthetic=True)),
            ("residents", Resident.objects.filter(is_synthetic=True)),
            ("households", households),
        ):
            deleted[key] = _delete(queryset)
    return deleted
