"""The rows of a spreadsheet import (``actions.imports``): the template's columns, each row parsed and
checked on its own, each batch matched against the registry and planned, the dry run's side files, and
the bulk writes. Internal to the import: pages and other apps call ``actions.imports``.

Every problem becomes a row error — (column key, message) — and never carries the cell's value.
"""

from __future__ import annotations

import functools
import hashlib
import heapq
import re
import struct
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connections, router
from django.db.models import CharField, F, Lookup, Model, Q, Value
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shequ.core import bulk, calendar, crypto, spreadsheets
from shequ.core.fields import BlindIndexField, EncryptedTextField
from shequ.core.spreadsheets import Column
from shequ.core.text import enumerate_items
from shequ.core.validators import (
    id_birth_date,
    id_sex,
    normalize_id_number,
    validate_id_number,
    validate_phone,
)
from shequ.registry.models import (
    Household,
    HouseholdMembership,
    IdType,
    ImportJob,
    LifeStatus,
    Relation,
    ResidenceStatus,
    Resident,
    Sex,
)
from shequ.registry.names import pinyin_keys
from shequ.registry.permissions import RegistryPerm
from shequ.territory.models import Building, Estate, Grid, Level, Region, VillagerGroup

MAX_ERRORS = 5000  # kept on the job; ``bad_rows`` has the full count
MAX_HOUSEHOLD_ROWS = 50
EXAMPLE_KEY = "示例"  # the template's example row carries this 户编号 and is never imported
CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"


def side_file(base: Path, suffix: str) -> Path:
    """A file kept beside a job's stored upload (``<name>.runs``, ``<name>.skip`` …)."""
    return base.with_name(base.name + suffix)


# --- The template's columns ---------------------------------------------------------------------

# (key, label, required, aliases, kind). Labels are what the template writes; aliases are headers
# seen in offices' own sheets. Matching ignores spaces, full-width forms and a trailing (hint).
_COLUMNS: tuple[tuple[str, Any, bool, tuple[str, ...], str], ...] = (
    ("household", gettext_lazy("户编号(同一户填相同编号)"), True, ("户编号", "户号", "家庭编号"), "text"),
    ("relation", gettext_lazy("与户主关系"), True, ("与户主的关系", "关系"), "text"),
    ("name", gettext_lazy("姓名"), True, ("名字",), "text"),
    ("id_type", gettext_lazy("证件类型"), False, ("证件种类",), "text"),
    ("id_number", gettext_lazy("证件号码"), True,
     ("身份证号", "身份证号码", "公民身份号码", "证件号", "身份证件号码"), "identifier"),
    ("sex", gettext_lazy("性别"), False, (), "text"),
    ("birth_date", gettext_lazy("出生日期"), False, ("出生年月日", "生日"), "date"),
    ("phone", gettext_lazy("手机号"), False, ("手机号码", "联系电话", "电话", "手机"), "text"),
    ("residence_status", gettext_lazy("人口类别"), False, ("人口类型", "户籍类别"), "text"),
    ("community", gettext_lazy("村(社区)代码"), False,
     ("社区代码", "村代码", "村(社区)编码", "区划代码"), "text"),
    ("grid", gettext_lazy("网格编号"), False, ("网格", "网格编码", "网格代码"), "text"),
    ("estate", gettext_lazy("小区"), False, ("小区/自然村", "小区名称", "自然村"), "text"),
    ("building", gettext_lazy("楼栋"), False, ("楼号", "楼栋号"), "text"),
    ("villager_group", gettext_lazy("村民小组"), False, ("村民组",), "text"),
    ("address", gettext_lazy("单元室号等详细地址"), False,
     ("详细地址", "单元室号", "门牌号", "详细地址(单元、室号等)"), "text"),
)  # fmt: skip
PLACE_KEYS = ("community", "grid", "estate", "building", "villager_group", "address")
COLUMN_ORDER = {key: position for position, (key, *_rest) in enumerate(_COLUMNS)}


def columns() -> list[Column]:
    """The columns in the active language, each also matching its Chinese header (the file format)."""
    with translation.override("zh-hans"):
        chinese = {key: str(label) for key, label, *_rest in _COLUMNS}
    return [
        Column(key, str(label), required, (chinese[key], *aliases), kind)
        for key, label, required, aliases, kind in _COLUMNS
    ]


def fold(text: str) -> str:
    return re.sub(r"\s", "", unicodedata.normalize("NFKC", text)).lower()


# Spellings seen in household registers besides the choice labels (户口簿: 本人, 妻, 长子 …).
_RELATION_ALIASES: dict[str, tuple[str, ...]] = {
    Relation.HEAD: ("本人", "户主本人"),
    Relation.SPOUSE: ("妻", "妻子", "夫", "丈夫", "爱人"),
    Relation.CHILD: ("子", "女", "儿子", "女儿", "长子", "长女", "次子", "次女", "养子", "养女",
                     "继子", "继女"),
    Relation.PARENT: ("父", "母", "父亲", "母亲"),
    Relation.GRANDPARENT: ("祖父", "祖母", "外祖父", "外祖母", "爷爷", "奶奶", "外公", "外婆"),
    Relation.GRANDCHILD: ("孙子", "孙女", "外孙", "外孙子", "外孙女"),
    Relation.SIBLING: ("兄", "弟", "姐", "妹", "哥哥", "弟弟", "姐姐", "妹妹"),
    Relation.CHILD_IN_LAW: ("儿媳", "女婿", "媳妇"),
    Relation.OTHER_RELATIVE: ("其他",),
}  # fmt: skip
_ID_TYPE_ALIASES: dict[str, tuple[str, ...]] = {
    IdType.RESIDENT_ID: ("身份证", "居民身份证号"),
    IdType.HK_MACAO_TAIWAN: (
        "港澳居民来往内地通行证",
        "台湾居民来往大陆通行证",
        "港澳台居民居住证",
    ),
    IdType.NONE: ("无", "没有"),
}
_SEX_ALIASES: dict[str, tuple[str, ...]] = {Sex.MALE: ("男性",), Sex.FEMALE: ("女性",)}
_RESIDENCE_ALIASES: dict[str, tuple[str, ...]] = {
    ResidenceStatus.REGISTERED: ("户籍",),
    ResidenceStatus.PERMANENT: ("常住",),
    ResidenceStatus.MIGRANT: ("流动",),
}


def _choice_map(choices: Any, aliases: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """Spelling → value: labels (Chinese and the active language), codes and aliases, each both as
    written and folded, so that the common spellings are found without folding the cell."""
    spellings: list[tuple[str, str]] = []
    for value, label in choices.choices:
        spellings += [(value, value), (str(label), value)]
        with translation.override("zh-hans"):
            spellings.append((str(label), value))
        spellings += [(alias, value) for alias in aliases.get(value, ())]
    found: dict[str, str] = {}
    for text, value in spellings:
        found[text] = value
        found[fold(text)] = value
    return found


def _choose(spellings: dict[str, str], text: str) -> str | None:
    return spellings.get(text) or spellings.get(fold(text))


def labels_of(choices: Any) -> str:
    with translation.override("zh-hans"):
        return "、".join(str(label) for _value, label in choices.choices)


# --- Parsing rows -------------------------------------------------------------------------------


@dataclass(slots=True)
class RowPlan:
    number: int
    key: str
    errors: list[tuple[str, str]]  # (column key, message)
    name: str = ""
    relation: str = ""
    id_type: str = IdType.RESIDENT_ID
    id_type_given: bool = False
    id_number: str = ""
    id_index: str = ""
    sex: str = ""
    birth_date: date | None = None
    phone: str = ""
    residence_status: str = ""
    place: tuple[str, ...] = ()
    existing: Resident | None = None
    outcome: str = ""
    changes: dict[str, Any] = field(default_factory=dict)
    resident_id: int | None = None
    # (sealed ID number, pinyin keys, sealed phone, phone index), worked out ahead (``seal_ahead``).
    sealed: tuple[str, str, str, str] | None = None
    own_errors: int = (
        0  # how many of ``errors`` the row has on its own (the rest come from planning)
    )

    def error(self, key: str, message: str) -> None:
        self.errors.append((key, message))


@dataclass
class Place:
    community: Region
    grid: Grid | None = None
    estate: Estate | None = None
    building: Building | None = None
    villager_group: VillagerGroup | None = None
    address: str | None = None  # None: not given


@dataclass(slots=True)
class HouseholdPlan:
    key: str
    rows: list[RowPlan]
    existing: Household | None = None
    place: Place | None = None
    place_rows: list[RowPlan] = field(default_factory=list)
    changes: dict[str, Any] = field(default_factory=dict)
    fingerprint: int = 0
    household_id: int | None = None
    # The address as given → (sealed, blind index), worked out ahead (``seal_ahead``).
    sealed_address: dict[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def bad(self) -> bool:
        return any(row.errors for row in self.rows)

    def unplan(self) -> None:
        """Forget what planning decided, so that a batch can be planned again (after a conflict)."""
        self.existing, self.place, self.place_rows, self.changes = None, None, [], {}
        self.fingerprint, self.household_id = 0, None
        for row in self.rows:
            del row.errors[row.own_errors :]
            row.existing, row.outcome, row.changes, row.resident_id = None, "", {}, None

    @property
    def first(self) -> int:
        return self.rows[0].number


# Pinyin keys cost ~25 µs a name; a million residents have ~170,000 distinct names. Bounded, so memory
# stays flat past the point the cache is full (about 30 MB).
@functools.lru_cache(maxsize=100_000)
def name_keys(name: str) -> str:
    return pinyin_keys(name)


class Context:
    """What one run of a job knows: who, where, today, and caches of places looked up by code/name."""

    def __init__(self, job: ImportJob) -> None:
        self.job = job
        self.by = job.created_by
        self.region = job.region
        self.today = calendar.localdate()
        self.connection = connections[router.db_for_write(Resident)]
        self.import_scope = self.by.jurisdiction(RegistryPerm.IMPORT)
        self.edit_scope = self.by.jurisdiction(RegistryPerm.EDIT)
        self.default_community = self.region if self.region.level == Level.COMMUNITY else None
        self.labels = {column.key: str(column.label) for column in columns()}
        self.relations = _choice_map(Relation, _RELATION_ALIASES)
        self.id_types = _choice_map(IdType, _ID_TYPE_ALIASES)
        self.sexes = _choice_map(Sex, _SEX_ALIASES)
        self.residences = _choice_map(ResidenceStatus, _RESIDENCE_ALIASES)
        self._communities: dict[str, Region | None] = {}
        self._grids: dict[int, dict[str, Grid]] = {}
        self._estates: dict[int, dict[str, Estate]] = {}
        self._buildings: dict[int, dict[str, Building]] = {}
        self._groups: dict[int, dict[str, VillagerGroup]] = {}
        self._next_number: dict[int, int] = {}

    def forget_numbers(self) -> None:
        """After a failed batch: household numbers are looked up afresh."""
        self._next_number.clear()

    def allows(self, path: str) -> bool:
        return (
            path.startswith(self.region.path)
            and self.import_scope.covers_path(path)
            and self.edit_scope.covers_path(path)
        )

    def community(self, code: str) -> Region | None:
        if code not in self._communities:
            self._communities[code] = Region.objects.filter(
                code=code, level=Level.COMMUNITY
            ).first()
        return self._communities[code]

    def grid(self, community: Region, text: str) -> Grid | None:
        if community.pk not in self._grids:
            self._grids[community.pk] = {
                g.code: g for g in Grid.objects.filter(community=community)
            }
        grids = self._grids[community.pk]
        return grids.get(text) or grids.get(community.code + text)

    def estate(self, community: Region, name: str) -> Estate | None:
        if community.pk not in self._estates:
            self._estates[community.pk] = {
                fold(e.name): e for e in Estate.objects.filter(community=community)
            }
        return self._estates[community.pk].get(fold(name))

    def building(self, estate: Estate, number: str) -> Building | None:
        if estate.pk not in self._buildings:
            self._buildings[estate.pk] = {
                fold(b.number): b for b in Building.objects.filter(estate=estate)
            }
        return self._buildings[estate.pk].get(fold(number))

    def group(self, community: Region, name: str) -> VillagerGroup | None:
        if community.pk not in self._groups:
            self._groups[community.pk] = {
                fold(g.name): g for g in VillagerGroup.objects.filter(community=community)
            }
        return self._groups[community.pk].get(fold(name))


def parse_row(ctx: Context, row: spreadsheets.Row) -> RowPlan:
    """A spreadsheet row checked on its own (no database): every problem recorded by column."""
    cells = row.values
    get = cells.get
    parsed = RowPlan(number=row.number, key=get("household", ""), errors=list(row.problems))
    troubled = {key for key, _message in row.problems} if row.problems else set()
    if not parsed.key and "household" not in troubled:
        parsed.error("household", _("请填写户编号；同一户的成员填相同的编号。"))

    name = get("name", "")
    parsed.name = name
    if "name" not in troubled:
        if not name:
            parsed.error("name", _("请填写姓名。"))
        elif len(name) > 60:
            parsed.error("name", _("姓名过长（最多60个字）。"))

    text = get("relation", "")
    if "relation" not in troubled:
        if not text:
            parsed.error("relation", _("请填写与户主关系。"))
        elif (relation := _choose(ctx.relations, text)) is None:
            parsed.error(
                "relation",
                _("与户主关系不正确，可填：%(labels)s。") % {"labels": labels_of(Relation)},
            )
        else:
            parsed.relation = relation

    text = get("id_type", "")
    if text:
        parsed.id_type_given = True
        id_type = _choose(ctx.id_types, text)
        if id_type is None:
            parsed.error(
                "id_type", _("证件类型不正确，可填：%(labels)s。") % {"labels": labels_of(IdType)}
            )
        else:
            parsed.id_type = id_type

    raw_number = get("id_number", "")
    number_ok = False
    type_ok = not parsed.errors or all(key != "id_type" for key, _m in parsed.errors)
    if "id_number" not in troubled and type_ok:
        if parsed.id_type == IdType.RESIDENT_ID:
            if not raw_number:
                parsed.error(
                    "id_number",
                    _("请填写身份证号码；没有任何证件的，证件类型填“无证件”。"),
                )
            else:
                try:
                    parsed.id_number = validate_id_number(raw_number, today=ctx.today)
                    number_ok = True
                except ValidationError as exc:
                    parsed.error("id_number", str(exc.messages[0]))
        elif parsed.id_type == IdType.NONE:
            if raw_number:
                parsed.error("id_number", _("证件类型为“无证件”时，证件号码应留空。"))
        elif not raw_number:
            parsed.error("id_number", _("请填写证件号码。"))
        else:
            number = normalize_id_number(raw_number)
            if len(number) > 40 or not re.fullmatch(r"[0-9A-Z()\-]+", number):
                parsed.error("id_number", _("证件号码格式不正确。"))
            else:
                parsed.id_number = number
                number_ok = True
    if number_ok:
        parsed.id_index = crypto.blind_index("id_number", parsed.id_number)

    text = get("sex", "")
    if text and "sex" not in troubled:
        sex = _choose(ctx.sexes, text)
        if sex is None:
            parsed.error("sex", _("性别应填“男”或“女”。"))
        else:
            parsed.sex = sex
    text = get("birth_date", "")
    if text and "birth_date" not in troubled:
        try:
            born = spreadsheets.parse_date(text)
        except spreadsheets.BadDate as exc:
            parsed.error(
                "birth_date",
                _("出生日期不存在（例如 2 月 30 日），请核对。")
                if exc.impossible
                else _("出生日期格式不正确，请按 1980-01-31 这样填写。"),
            )
        else:
            if born > ctx.today:
                parsed.error("birth_date", _("出生日期不能晚于今天。"))
            elif born.year < 1880:
                parsed.error("birth_date", _("出生日期不合理。"))
            else:
                parsed.birth_date = born
    if parsed.id_type == IdType.RESIDENT_ID and number_ok:
        # The ID number is the source of truth for birth date and sex (GB 11643).
        derived_sex, derived_birth = id_sex(parsed.id_number), id_birth_date(parsed.id_number)
        if parsed.sex and parsed.sex != derived_sex:
            parsed.error("sex", _("性别与身份证号码不符。"))
        if parsed.birth_date and parsed.birth_date != derived_birth:
            parsed.error("birth_date", _("出生日期与身份证号码不符。"))
        parsed.sex, parsed.birth_date = derived_sex, derived_birth

    text = get("phone", "")
    if text and "phone" not in troubled:
        try:
            parsed.phone = validate_phone(text)
        except ValidationError as exc:
            parsed.error("phone", str(exc.messages[0]))

    text = get("residence_status", "")
    if text and "residence_status" not in troubled:
        status = _choose(ctx.residences, text)
        if status is None:
            parsed.error(
                "residence_status",
                _("人口类别不正确，可填：%(labels)s。") % {"labels": labels_of(ResidenceStatus)},
            )
        else:
            parsed.residence_status = status

    # PLACE_KEYS, spelled out: this runs for every row.
    parsed.place = (
        get("community", ""), get("grid", ""), get("estate", ""), get("building", ""),
        get("villager_group", ""), get("address", ""),
    )  # fmt: skip
    if len(parsed.place[-1]) > 200:
        parsed.error("address", _("详细地址过长（最多200个字）。"))
    parsed.own_errors = len(parsed.errors)
    return parsed


def households_in(ctx: Context, sheet: spreadsheets.Sheet) -> Iterator[HouseholdPlan]:
    """Households as they appear: adjacent rows with the same 户编号 (the example row left out)."""
    current: HouseholdPlan | None = None
    for sheet_row in sheet:
        row = parse_row(ctx, sheet_row)
        if row.key == EXAMPLE_KEY:
            continue
        if current is not None and row.key and row.key == current.key:
            current.rows.append(row)
            continue
        if current is not None:
            yield current
        current = HouseholdPlan(key=row.key, rows=[row])
    if current is not None:
        yield current


def batches(households: Iterable[HouseholdPlan], size: int) -> Iterator[list[HouseholdPlan]]:
    batch: list[HouseholdPlan] = []
    rows = 0
    for household in households:
        batch.append(household)
        rows += len(household.rows)
        if rows >= size:
            yield batch
            batch, rows = [], 0
    if batch:
        yield batch


# --- Planning a batch: what each row will do -------------------------------------------------------


def _outside() -> str:
    # Says nothing of where or whom: the number may belong to someone in another county.
    return _("该证件号码已在本次导入范围以外登记，不能导入。如需迁入，请联系原登记地或上级部门。")


def _resident_path(resident: Resident) -> str:
    return resident.grid.path if resident.grid_id and resident.grid else resident.community.path


def _household_path(household: Household) -> str:
    return household.grid.path if household.grid_id and household.grid else household.community.path


_RESIDENT_FIELDS = (
    "id", "version", "household_id", "community__id", "community__path", "grid__id", "grid__path",
    "status", "name", "relation", "id_type", "sex", "birth_date", "phone", "residence_status",
    "id_number_index",
)  # fmt: skip
_HOUSEHOLD_FIELDS = (
    "id", "number", "version", "community__id", "community__path", "grid__id", "grid__path",
    "estate_id", "building_id", "villager_group_id", "address_detail", "head_id", "is_active",
)  # fmt: skip


class _AnyOf(Lookup):
    """``column = ANY(%s)`` with one array parameter. For thousands of ID indexes a batch this saves
    what ``__in`` costs on PostgreSQL before the query even runs: a placeholder each, for Django to
    build and psycopg to parse."""

    lookup_name = "any_of"

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs})", [*lhs_params, *rhs_params]


def _one_of(name: str, values: list[str]) -> Any:
    """A filter: ``name`` is one of ``values``."""
    if connections[router.db_for_read(Resident)].vendor != "postgresql":
        return Q(**{f"{name}__in": values})
    from django.contrib.postgres.fields import ArrayField

    return _AnyOf(F(name), Value(values, output_field=ArrayField(CharField())))


def _residents(lock: bool, *conditions: Any, **lookup: Any) -> list[Resident]:
    query = Resident.objects.filter(*conditions, **lookup).select_related("community", "grid")
    query = query.only(*_RESIDENT_FIELDS).order_by()
    if lock:
        query = query.select_for_update(of=("self",))
    return list(query)


def _households(lock: bool, **lookup: Any) -> list[Household]:
    query = Household.objects.filter(**lookup).select_related("community", "grid")
    query = query.only(*_HOUSEHOLD_FIELDS).order_by()
    if lock:
        query = query.select_for_update(of=("self",))
    return list(query)


# A household number as the registry gives them (``<村(社区)代码>-<序号>``): only such a 户编号 can name
# an existing household; any other is the file's own key.
_NUMBER_LIKE = re.compile(r"^\d{6,12}-\d+$")


def plan_batch(
    ctx: Context,
    batch: list[HouseholdPlan],
    *,
    lock: bool,
    known_new: frozenset[int] = frozenset(),
) -> None:
    """Match every row to the registry and decide what it will do; every problem becomes a row error.

    Four queries a batch: residents by ID index, households by number, households of matched
    residents, and members without an ID number of those households. ``lock`` (the import) takes the
    matched rows FOR UPDATE, so nobody edits them between this check and the write. ``known_new``:
    households (``id()``) whose members the dry run found in nobody's records; their ID numbers are
    not looked up again — the unique index on the blind index refuses one registered meanwhile, and
    the caller then plans the batch again without this shortcut.
    """
    for hh in batch:
        hh.unplan()
    indexes = [
        row.id_index for hh in batch if id(hh) not in known_new for row in hh.rows if row.id_index
    ]
    by_index = (
        {r.id_number_index: r for r in _residents(lock, _one_of("id_number_index", indexes))}
        if indexes
        else {}
    )
    keys = [hh.key for hh in batch if _NUMBER_LIKE.match(hh.key)]
    by_number = {h.number: h for h in _households(lock, number__in=keys)} if keys else {}

    targets: dict[int, int] = {}  # id(household plan) → existing household pk
    for hh in batch:
        numbered = by_number.get(hh.key)
        if numbered is not None and not ctx.allows(_household_path(numbered)):
            numbered = None  # a number elsewhere is no business of this import: treat it as a key
        first_household: int | None = numbered.pk if numbered is not None else None
        for row in hh.rows:
            resident = by_index.get(row.id_index) if row.id_index else None
            if resident is None:
                continue
            if not ctx.allows(_resident_path(resident)):
                row.error("id_number", _outside())
                continue
            if resident.status != LifeStatus.ACTIVE:
                row.error(
                    "id_number",
                    _("该证件号码对应的居民已迁出、死亡或已合并，导入不能修改；请在居民页面查看。"),
                )
                continue
            if resident.household_id is None:
                row.error("id_number", _("该居民目前不属于任何户，请在居民页面办理入户。"))
                continue
            if first_household is None:
                first_household = resident.household_id
            row.existing = resident
        if first_household is not None:
            targets[id(hh)] = first_household
    loaded = {h.pk: h for h in by_number.values()}
    missing = set(targets.values()) - set(loaded)
    if missing:
        loaded.update({h.pk: h for h in _households(lock, pk__in=missing)})
    no_id: dict[tuple[int, str], list[Resident]] = {}
    if targets:
        for resident in _residents(
            lock,
            household_id__in=set(targets.values()),
            id_number_index="",
            status=LifeStatus.ACTIVE,
        ):
            no_id.setdefault((resident.household_id, resident.name), []).append(resident)  # type: ignore[arg-type]
    for hh in batch:
        target = targets.get(id(hh))
        hh.existing = loaded.get(target) if target is not None else None
        _plan_household(ctx, hh, no_id)


def _plan_household(
    ctx: Context, hh: HouseholdPlan, no_id: dict[tuple[int, str], list[Resident]]
) -> None:
    existing = hh.existing
    rows = hh.rows
    if len(rows) > MAX_HOUSEHOLD_ROWS:
        for row in rows[MAX_HOUSEHOLD_ROWS:]:
            row.error(
                "household",
                _("同一户编号下的行数过多（超过%(max)s行），请检查户编号是否填错。")
                % {"max": MAX_HOUSEHOLD_ROWS},
            )
    if existing is not None:
        if not existing.is_active:
            rows[0].error("household", _("该户已注销，不能导入。"))
        elif not ctx.allows(_household_path(existing)):
            rows[0].error("household", _("该户不在本次导入范围内。"))
        for row in rows:
            if row.existing is not None and row.existing.household_id != existing.pk:
                row.error(
                    "id_number",
                    _(
                        "该居民已登记在户 %(number)s，与本行所在的户不同。导入不能迁户，请在居民"
                        "页面办理“迁入其他户”。"
                    )
                    % {"number": _existing_number(row.existing)},
                )
                row.existing = None
    # Members without an ID number are known by name within their household.
    seen_names: dict[str, int] = {}
    for row in rows:
        if row.id_type != IdType.NONE or not row.name or row.errors:
            continue
        if row.name in seen_names:
            row.error(
                "name",
                _("本户中已有同名且无证件的成员（第%(row)s行），无法区分。")
                % {"row": seen_names[row.name]},
            )
            continue
        seen_names[row.name] = row.number
        if existing is not None:
            matches = no_id.get((existing.pk, row.name), [])
            if len(matches) > 1:
                row.error(
                    "name",
                    _("本户中有多名同名且无证件的成员，无法确定是哪一位；请在居民页面核对。"),
                )
            elif matches:
                row.existing = matches[0]
    if existing is None and not any(row.id_index for row in rows) and not hh.bad:
        rows[0].error(
            "household",
            _(
                "本户没有任何成员填写证件号码，再次导入时将无法识别。请至少为一名成员填写证件号码，"
                "或在户编号中填写系统中已有的户编号。"
            ),
        )
    _check_heads(hh)
    _check_place(ctx, hh)
    if not hh.bad:
        _decide(ctx, hh)
    parts = sorted(
        ([f"h{existing.pk}:{existing.version}"] if existing is not None else [])
        + [f"r{row.existing.pk}:{row.existing.version}" for row in rows if row.existing]
    )
    hh.fingerprint = (
        int.from_bytes(hashlib.blake2b("|".join(parts).encode(), digest_size=8).digest(), "big")
        if parts
        else 0
    )


def _existing_number(resident: Resident) -> str:
    if resident.household_id is None:
        return "—"
    household = Household.objects.filter(pk=resident.household_id).only("number").first()
    return household.number if household else "—"


def _check_heads(hh: HouseholdPlan) -> None:
    heads = [row for row in hh.rows if row.relation == Relation.HEAD]
    existing = hh.existing
    if existing is None:
        if not heads and not hh.bad:
            hh.rows[0].error(
                "relation",
                _("本户（第%(first)s行起）没有户主：每户须有且只有一名户主。")
                % {"first": hh.first},
            )
        for row in heads[1:]:
            row.error(
                "relation",
                _("本户已有户主（第%(row)s行）：每户只能有一名户主。") % {"row": heads[0].number},
            )
        return
    for row in hh.rows:
        is_head_now = row.existing is not None and row.existing.pk == existing.head_id
        if row.relation and (row.relation == Relation.HEAD) != is_head_now:
            row.error(
                "relation",
                _("户主只能在户页面通过“更换户主”变更，导入不能更改户主。"),
            )


def _check_place(ctx: Context, hh: HouseholdPlan) -> None:
    """The household's address: the same on every row that gives one, and inside the import's scope."""
    given = [row for row in hh.rows if any(row.place)]
    if given:
        first = given[0]
        for row in given[1:]:
            if row.place != first.place:
                differing = next(
                    key
                    for key, a, b in zip(PLACE_KEYS, row.place, first.place, strict=True)
                    if a != b
                )
                row.error(
                    differing,
                    _("同一户各行填写的住址不一致（与第%(row)s行不同）。") % {"row": first.number},
                )
        hh.place_rows = given
        cells = dict(zip(PLACE_KEYS, first.place, strict=True))
        place = _resolve_place(ctx, first, cells, hh.existing)
    elif hh.existing is None:
        if ctx.default_community is None:
            hh.rows[0].error("community", _("请填写村(社区)代码。"))
            return
        place = Place(community=ctx.default_community)
    else:
        return
    if place is None:
        return
    hh.place = place
    path = place.grid.path if place.grid is not None else place.community.path
    if not ctx.allows(path):
        key = "grid" if place.grid is not None else "community"
        (given[0] if given else hh.rows[0]).error(
            key, _("该网格不在本次导入范围内或不在您的管辖范围内。")
        )


def _resolve_place(
    ctx: Context, row: RowPlan, cells: dict[str, str], existing: Household | None
) -> Place | None:
    code = cells["community"]
    if code:
        community = ctx.community(code)
        if community is None or not ctx.allows(community.path):
            # The same words for a code that does not exist and one elsewhere.
            row.error("community", _("村(社区)代码不存在或不在本次导入范围内。"))
            return None
    elif existing is not None:
        community = existing.community
    elif ctx.default_community is not None:
        community = ctx.default_community
    else:
        row.error("community", _("请填写村(社区)代码。"))
        return None
    if existing is not None and community.pk != existing.community_id:
        row.error("community", _("该户已登记在其他村(社区)，导入不能变更户所在的村(社区)。"))
        return None
    place = Place(community=community, address=cells["address"] or None)
    ok = True
    if cells["grid"]:
        place.grid = ctx.grid(community, cells["grid"])
        if place.grid is None:
            row.error("grid", _("该村(社区)中没有这个网格编号。"))
            ok = False
    if cells["estate"]:
        place.estate = ctx.estate(community, cells["estate"])
        if place.estate is None:
            row.error("estate", _("该村(社区)中没有这个小区（自然村），请先在区域管理中添加。"))
            ok = False
    if cells["building"]:
        if place.estate is None:
            if ok:
                row.error("building", _("填写楼栋时，请同时填写小区。"))
            ok = False
        else:
            place.building = ctx.building(place.estate, cells["building"])
            if place.building is None:
                row.error("building", _("该小区中没有这个楼栋。"))
                ok = False
    if cells["villager_group"]:
        place.villager_group = ctx.group(community, cells["villager_group"])
        if place.villager_group is None:
            row.error("villager_group", _("该村(社区)中没有这个村民小组。"))
            ok = False
    if not ok:
        return None
    if place.grid is None:
        for part in (place.building, place.estate, place.villager_group):
            if part is not None and part.grid_id is not None:
                place.grid = part.grid
                break
    return place


def _decide(ctx: Context, hh: HouseholdPlan) -> None:
    """Each row's outcome (created, updated, unchanged) and the household's own changes."""
    existing = hh.existing
    place = hh.place
    if existing is not None and place is not None:
        wanted = {
            "grid_id": place.grid.pk if place.grid else None,
            "estate_id": place.estate.pk if place.estate else None,
            "building_id": place.building.pk if place.building else None,
            "villager_group_id": place.villager_group.pk if place.villager_group else None,
        }
        for name, value in wanted.items():
            # A blank cell leaves the stored value alone.
            if value is not None and getattr(existing, name) != value:
                hh.changes[name] = value
        if place.address is not None and place.address != existing.address_detail:
            hh.changes["address_detail"] = place.address
    for row in hh.rows:
        resident = row.existing
        if resident is None:
            row.outcome = CREATED
            continue
        changes: dict[str, Any] = {}
        if row.name != resident.name:
            changes["name"] = row.name
        if row.relation and row.relation != resident.relation:
            changes["relation"] = row.relation
        if row.id_type_given and row.id_type != resident.id_type:
            changes["id_type"] = row.id_type
        for name in ("sex", "birth_date", "phone", "residence_status"):
            value = getattr(row, name)
            if value and value != getattr(resident, name):
                changes[name] = value
        row.changes = changes
        row.outcome = UPDATED if changes else UNCHANGED
    if hh.changes:
        # The rows that gave the address carry the household's change.
        for row in hh.place_rows:
            if row.outcome == UNCHANGED:
                row.outcome = UPDATED


# --- Side files of the dry run ------------------------------------------------------------------

RUN_RECORD = struct.Struct("<IIIIQ")  # first row, rows, to create, to update, fingerprint
ROW_RECORD = struct.Struct("<I")


def read_records(path: Path, record: struct.Struct) -> Iterator[tuple[Any, ...]]:
    if not path.exists():
        return
    with open(path, "rb") as handle:
        while chunk := handle.read(record.size * 8192):
            yield from record.iter_unpack(chunk)


class RowSet:
    """Ascending row numbers read from a side file, asked in ascending order: is any in [low, high]?"""

    def __init__(self, path: Path) -> None:
        self._rows = (number for (number,) in read_records(path, ROW_RECORD))
        self._next = next(self._rows, None)

    def any_between(self, low: int, high: int) -> bool:
        while self._next is not None and self._next < low:
            self._next = next(self._rows, None)
        return self._next is not None and self._next <= high


class DryRun:
    """The dry run's bookkeeping, on disk so that memory stays flat: errors (capped), bad rows, and one
    record per household for the import."""

    def __init__(self, ctx: Context, base: Path) -> None:
        self.ctx = ctx
        self.base = base
        self.errors: list[tuple[int, str, str]] = []
        self.total = 0
        self.bad = 0
        self.finder = spreadsheets.RepeatFinder(side_file(base, ".scratch"))
        self._runs = open(side_file(base, ".runs"), "wb")  # noqa: SIM115 (closed in finish/close)
        self._bad = open(side_file(base, ".bad"), "wb")  # noqa: SIM115

    def record(self, batch: list[HouseholdPlan]) -> None:
        for hh in batch:
            created = updated = 0
            for row in hh.rows:
                self.total += 1
                if row.errors:
                    self._bad.write(ROW_RECORD.pack(row.number))
                    for key, message in row.errors:
                        if len(self.errors) < MAX_ERRORS:
                            self.errors.append((row.number, key, message))
                elif row.outcome == CREATED:
                    created += 1
                elif row.outcome == UPDATED:
                    updated += 1
                if row.id_index:
                    self.finder.add(1, bytes.fromhex(row.id_index[:32]), row.number)
            if hh.key:
                digest = hashlib.blake2b(hh.key.encode(), digest_size=16).digest()
                self.finder.add(2, digest, hh.first)
            if hh.existing is not None:
                self.finder.add(3, hh.existing.pk.to_bytes(8, "big"), hh.first)
            self._runs.write(
                RUN_RECORD.pack(hh.first, len(hh.rows), created, updated, hh.fingerprint)
            )

    def _cross(self) -> Iterator[tuple[int, str, str]]:
        """Problems between rows: an ID number twice, a household split, one household under two keys."""
        checks = (
            (1, "id_number", _("证件号码与第%(rows)s行重复：同一个人只能填一行。")),
            (2, "household",
             _("户编号与第%(rows)s行相同，但不相邻：同一户的成员请填写在相邻的行（可先按户编号排序）。")),
            (3, "household",
             _("本户与第%(rows)s行的户在系统中是同一户，但户编号不同：同一户请使用同一个户编号。")),
        )  # fmt: skip
        for kind, key, message in checks:
            for rows in self.finder.repeats(kind):
                for number in rows:
                    others = [str(other) for other in rows if other != number]
                    listed = enumerate_items(others[:5]) + ("…" if len(others) > 5 else "")
                    yield number, key, message % {"rows": listed}

    def finish(self) -> dict[str, Any]:
        """Cross-row checks, the merged list of rows to skip, and the predicted counts."""
        self._bad.close()
        self._runs.close()
        scratch = self.finder.db
        scratch.execute("CREATE TABLE between_rows (row INTEGER, key TEXT, message TEXT)")
        scratch.executemany("INSERT INTO between_rows VALUES (?, ?, ?)", self._cross())
        scratch.execute("CREATE INDEX between_rows_row ON between_rows (row)")
        self.errors.extend(
            scratch.execute(
                "SELECT row, key, message FROM between_rows ORDER BY row LIMIT ?", (MAX_ERRORS,)
            )
        )
        self.errors.sort(key=lambda error: (error[0], COLUMN_ORDER.get(error[1], 99)))
        del self.errors[MAX_ERRORS:]
        # Every bad row once, ascending: the row-level ones (already ascending) merged with the rest.
        own = (number for (number,) in read_records(side_file(self.base, ".bad"), ROW_RECORD))
        cross = (
            number
            for (number,) in scratch.execute("SELECT DISTINCT row FROM between_rows ORDER BY row")
        )
        with open(side_file(self.base, ".skip"), "wb") as skip:
            last = 0
            for number in _merge(own, cross):
                if number != last:
                    skip.write(ROW_RECORD.pack(number))
                    self.bad += 1
                    last = number
        self.finder.close()
        side_file(self.base, ".bad").unlink(missing_ok=True)
        counts = {CREATED: 0, UPDATED: 0, UNCHANGED: 0}
        skipping = RowSet(side_file(self.base, ".skip"))
        # A household spans its first row up to the row before the next one's first row.
        pending: tuple[Any, ...] | None = None
        for run in read_records(side_file(self.base, ".runs"), RUN_RECORD):
            if pending is not None:
                _count(pending, run[0] - 1, skipping, counts)
            pending = run
        if pending is not None:
            _count(pending, 2**32 - 1, skipping, counts)
        return {
            "total_rows": self.total,
            "checked_rows": self.total,
            "bad_rows": self.bad,
            "created_count": counts[CREATED],
            "updated_count": counts[UPDATED],
            "unchanged_count": counts[UNCHANGED],
            "errors": [
                {"row": row, "column": self.ctx.labels.get(key, ""), "message": str(message)}
                for row, key, message in self.errors
            ],
        }

    def close(self) -> None:
        for handle in (self._bad, self._runs):
            if not handle.closed:
                handle.close()
        self.finder.close()
        side_file(self.base, ".bad").unlink(missing_ok=True)


def _count(run: tuple[Any, ...], last_row: int, skipping: RowSet, counts: dict[str, int]) -> None:
    start, size, to_create, to_update, _fingerprint = run
    if not skipping.any_between(start, last_row):
        counts[CREATED] += to_create
        counts[UPDATED] += to_update
        counts[UNCHANGED] += size - to_create - to_update


def _merge(first: Iterator[int], second: Iterator[int]) -> Iterator[int]:
    return heapq.merge(first, second)


# --- Writing ------------------------------------------------------------------------------------


def _prep(model: type[Model], name: str, connection: Any) -> Any:
    """What the field itself stores for a value: ``get_db_prep_save`` (encryption, date formats)."""
    model_field = model._meta.get_field(name)
    return functools.partial(model_field.get_db_prep_save, connection=connection)  # type: ignore[union-attr]


def _index(model: type[Model], name: str) -> Any:
    model_field = model._meta.get_field(name)
    assert isinstance(model_field, BlindIndexField)
    return model_field.index_for


def _new_ids(connection: Any, model: type[Model], count: int) -> list[int]:
    """``count`` primary keys for rows about to be inserted, taken in the current transaction.

    PostgreSQL: from the column's sequence, which concurrent inserts share safely. SQLite: after the
    highest id ever used (``sqlite_sequence``, kept by AUTOINCREMENT), which is safe because the
    transaction already holds SQLite's single write lock (IMMEDIATE transactions).
    """
    if not count:
        return []
    table = model._meta.db_table
    column = model._meta.pk.column
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, column, count],
            )
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(f"SELECT MAX({quote(column)}) FROM {quote(table)}")  # noqa: S608
        top = cursor.fetchone()[0] or 0
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        found = cursor.fetchone()
        top = max(top, found[0] if found else 0)
    return list(range(top + 1, top + 1 + count))


def _free_numbers(ctx: Context, community: Region, count: int) -> list[str]:
    """``count`` household numbers ``<community code>-NNNNN`` not yet taken, as ``register_household``
    numbers them."""
    candidate = ctx._next_number.get(community.pk)
    if candidate is None:
        candidate = Household.objects.filter(community=community).count() + 1
    found: list[str] = []
    while len(found) < count:
        wanted = [f"{community.code}-{candidate + i:05d}" for i in range(count - len(found) + 8)]
        if len(wanted[0]) == len(wanted[-1]):
            # Same width, same prefix: text order is number order, so one range query will do.
            taken_query = Household.objects.filter(number__gte=wanted[0], number__lte=wanted[-1])
        else:
            taken_query = Household.objects.filter(number__in=wanted)
        taken = set(taken_query.values_list("number", flat=True))
        for number in wanted:
            candidate += 1
            if number not in taken:
                found.append(number)
                if len(found) == count:
                    break
    ctx._next_number[community.pk] = candidate
    return found


_RESIDENT_UPDATABLE = (
    "name",
    "relation",
    "id_type",
    "sex",
    "birth_date",
    "phone",
    "residence_status",
)


@functools.cache
def _sealer(model: type[Model], name: str) -> Any:
    """What an ``EncryptedTextField`` stores for a value (its ``get_prep_value``: the empty string
    stays empty, anything else is sealed under the column's label), without the ORM's layers around
    it, which cost more than the encryption itself at a million rows."""
    model_field = model._meta.get_field(name)
    assert isinstance(model_field, EncryptedTextField)
    context = model_field.context
    return lambda value: crypto.encrypt(str(value), context=context) if value else ""


def seal_ahead(households: list[HouseholdPlan]) -> None:
    """The slow pure-Python part of writing a batch — sealing, blind indexes, pinyin keys — for rows
    that may be created. The import's reader thread does it while the database works on the batch
    before (``imports._ahead``); a row that turns out to exist already simply does not use it."""
    seal_id, seal_phone = _sealer(Resident, "id_number"), _sealer(Resident, "phone")
    phone_index = _index(Resident, "phone_index")
    seal_address, address_index = (
        _sealer(Household, "address_detail"),
        _index(Household, "address_index"),
    )
    for hh in households:
        for row in hh.rows:
            if not row.errors:
                row.sealed = (
                    seal_id(row.id_number), name_keys(row.name), seal_phone(row.phone),
                    phone_index(row.phone),
                )  # fmt: skip
        address = next((row.place[-1] for row in hh.rows if any(row.place)), "")
        hh.sealed_address[address] = (seal_address(address), address_index(address))


def write_batch(ctx: Context, households: list[HouseholdPlan]) -> dict[str, int]:
    """Write planned households: new households (with their head), members and memberships inserted
    in bulk; changed residents and households updated in batched statements. Returns the rows
    created, updated and unchanged."""
    counts = {CREATED: 0, UPDATED: 0, UNCHANGED: 0}
    if not households:
        return counts
    connection = ctx.connection
    quote = connection.ops.quote_name
    now = calendar.now()
    stamp = _prep(Resident, "created_at", connection)(now)
    seal_address = _sealer(Household, "address_detail")
    address_index = _index(Household, "address_index")
    seal_id = _sealer(Resident, "id_number")
    seal_phone = _sealer(Resident, "phone")
    phone_index = _index(Resident, "phone_index")
    birth_date = _prep(Resident, "birth_date", connection)

    # Keys first: a new household names its head, a member its household, in the same INSERTs
    # (foreign keys are checked at commit).
    new = [hh for hh in households if hh.existing is None]
    creating = [(hh, row) for hh in households for row in hh.rows if row.outcome == CREATED]
    for hh, pk in zip(new, _new_ids(connection, Household, len(new)), strict=True):
        hh.household_id = pk
    for hh in households:
        if hh.existing is not None:
            hh.household_id = hh.existing.pk
    for (_hh, row), pk in zip(creating, _new_ids(connection, Resident, len(creating)), strict=True):
        row.resident_id = pk

    by_community: dict[int, list[HouseholdPlan]] = {}
    for hh in new:
        assert hh.place is not None
        by_community.setdefault(hh.place.community.pk, []).append(hh)
    numbers: dict[int, str] = {}
    for group in by_community.values():
        assert group[0].place is not None
        fresh = _free_numbers(ctx, group[0].place.community, len(group))
        for hh, number in zip(group, fresh, strict=True):
            numbers[id(hh)] = number
    household_rows = []
    for hh in new:
        place = hh.place
        assert place is not None
        detail = place.address or ""
        head = next(row.resident_id for row in hh.rows if row.relation == Relation.HEAD)
        sealed, index = hh.sealed_address.get(detail) or (
            seal_address(detail),
            address_index(detail),
        )
        household_rows.append(
            (
                hh.household_id, numbers[id(hh)], place.community.pk,
                place.grid.pk if place.grid else None,
                place.estate.pk if place.estate else None,
                place.building.pk if place.building else None,
                place.villager_group.pk if place.villager_group else None,
                sealed, index, head, stamp, stamp,
            )
        )  # fmt: skip
    bulk.insert_rows(
        connection,
        Household,
        ("id", "number", "community_id", "grid_id", "estate_id", "building_id",
         "villager_group_id", "address_detail", "address_index", "head_id", "created_at",
         "updated_at"),
        household_rows,
    )  # fmt: skip

    # Households that changed (address, grid …); their members follow a new grid.
    for hh in households:
        if hh.existing is not None and hh.changes:
            changes = dict(hh.changes)
            if "address_detail" in changes:
                changes["address_index"] = address_index(changes["address_detail"])
            Household.objects.filter(pk=hh.existing.pk).update(
                **changes, version=F("version") + 1, updated_at=now
            )
            if "grid_id" in changes:
                Resident.objects.filter(household_id=hh.existing.pk).update(
                    grid_id=changes["grid_id"], version=F("version") + 1
                )

    people = []
    memberships = []
    joined_on = _prep(HouseholdMembership, "joined_on", connection)(ctx.today)
    for hh in households:
        if hh.existing is not None:
            community_id = hh.existing.community_id
            grid_id = hh.changes.get("grid_id", hh.existing.grid_id)
        else:
            assert hh.place is not None
            community_id = hh.place.community.pk
            grid_id = hh.place.grid.pk if hh.place.grid else None
        for row in hh.rows:
            if row.outcome == UPDATED:
                counts[UPDATED] += 1
            elif row.outcome == UNCHANGED:
                counts[UNCHANGED] += 1
            if row.outcome != CREATED:
                continue
            sealed_id, keys, sealed_phone, index = row.sealed or (
                seal_id(row.id_number), name_keys(row.name), seal_phone(row.phone),
                phone_index(row.phone),
            )  # fmt: skip
            people.append(
                (
                    row.resident_id, hh.household_id, row.relation, community_id, grid_id,
                    row.name, keys, row.id_type, sealed_id, row.id_index,
                    birth_date(row.birth_date), row.sex or Sex.UNKNOWN, sealed_phone, index,
                    row.residence_status or ResidenceStatus.REGISTERED, "", stamp, stamp,
                )
            )  # fmt: skip
            memberships.append((row.resident_id, hh.household_id, row.relation, joined_on, ""))
    bulk.insert_rows(
        connection,
        Resident,
        ("id", "household_id", "relation", "community_id", "grid_id", "name", "name_keys",
         "id_type", "id_number", "id_number_index", "birth_date", "sex", "phone", "phone_index",
         "residence_status", "note", "created_at", "updated_at"),
        people,
    )  # fmt: skip
    counts[CREATED] = len(people)
    bulk.insert_rows(
        connection,
        HouseholdMembership,
        ("resident_id", "household_id", "relation", "joined_on", "left_reason"),
        memberships,
    )

    # Changed residents: one UPDATE statement per set of changed fields, executed for each resident.
    grouped: dict[tuple[str, ...], list[tuple[Any, ...]]] = {}
    relations = []
    prepared = {name: _prep(Resident, name, connection) for name in _RESIDENT_UPDATABLE}
    for hh in households:
        for row in hh.rows:
            if row.outcome != UPDATED or not row.changes or row.existing is None:
                continue
            changes = dict(row.changes)
            if "name" in changes:
                changes["name_keys"] = name_keys(changes["name"])
            if "phone" in changes:
                changes["phone_index"] = phone_index(changes["phone"])
            if "relation" in changes:
                relations.append((changes["relation"], row.existing.pk))
            names = tuple(sorted(changes))
            grouped.setdefault(names, []).append(
                (
                    *(prepared[n](changes[n]) if n in prepared else changes[n] for n in names),
                    stamp,
                    row.existing.pk,
                )
            )
    resident_table = quote(Resident._meta.db_table)
    column_of = {f.attname: f.column for f in Resident._meta.concrete_fields}
    with connection.cursor() as cursor:
        for names, params in grouped.items():
            sets = ", ".join(f"{quote(column_of[n])} = %s" for n in names)
            cursor.executemany(
                f"UPDATE {resident_table} SET {sets}, {quote('version')} = {quote('version')} + 1, "  # noqa: S608
                f"{quote('updated_at')} = %s WHERE {quote('id')} = %s",
                params,
            )
        if relations:
            cursor.executemany(
                f"UPDATE {quote(HouseholdMembership._meta.db_table)} SET {quote('relation')} = %s "  # noqa: S608
                f"WHERE {quote('resident_id')} = %s AND {quote('left_on')} IS NULL",
                relations,
            )
    return counts
