"""Every write to the registry. Each checks the actor's jurisdiction, validates, audits in the same
transaction, and never hard-deletes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core import audit, crypto
from shequ.core.fields import BlindIndexField
from shequ.core.scoping import require_place
from shequ.core.validators import (
    id_birth_date,
    id_sex,
    normalize_id_number,
    validate_id_number,
    validate_phone,
)
from shequ.registry.models import (
    CareGroup,
    CareGroupTag,
    DisabilityCategory,
    Household,
    HouseholdMembership,
    IdType,
    LifeStatus,
    Relation,
    Rental,
    ResidenceStatus,
    Resident,
    Sex,
    Tenancy,
)
from shequ.registry.names import pinyin_keys
from shequ.registry.permissions import RegistryPerm
from shequ.territory.models import Building, Estate, Grid, Level, Region, VillagerGroup

REVEALABLE_FIELDS = ("id_number", "phone", "address_detail")


@dataclass
class MemberInput:
    """One person as entered on a form, an import row or an API call."""

    name: str
    relation: str = Relation.OTHER_RELATIVE
    id_type: str = IdType.RESIDENT_ID
    id_number: str = ""
    phone: str = ""
    sex: str = ""
    birth_date: date | None = None
    residence_status: str = ResidenceStatus.REGISTERED
    extra: dict[str, Any] = field(default_factory=dict)


def _require_place(by: Any, perm: str, path: str) -> None:
    """``by`` (None = the system) must hold ``perm`` over the place with this materialised path."""
    require_place(by, perm, path, _("该居民或户不在您的管辖范围内，或您没有此项权限。"))


def _place_path(community: Region, grid: Grid | None) -> str:
    return grid.path if grid is not None else community.path


def _check_address(
    community: Region,
    grid: Grid | None,
    estate: Estate | None,
    building: Building | None,
    villager_group: VillagerGroup | None,
) -> None:
    if community.level != Level.COMMUNITY:
        raise ValidationError({"community": _("请选择一个村(社区)。")})
    errors = {}
    if grid is not None and grid.community_id != community.pk:
        errors["grid"] = _("所选网格不属于该村(社区)。")
    if estate is not None and estate.community_id != community.pk:
        errors["estate"] = _("所选小区不属于该村(社区)。")
    if building is not None and (estate is None or building.estate_id != estate.pk):
        errors["building"] = _("所选楼栋不属于所选小区。")
    if villager_group is not None and villager_group.community_id != community.pk:
        errors["villager_group"] = _("所选村民小组不属于该村(社区)。")
    if errors:
        raise ValidationError(errors)


def _check_fields(values: dict[str, Any], names: tuple[str, ...]) -> None:
    """The model field's own checks (choices, length) for these values, with Django's messages."""
    for name in names:
        try:
            Resident._meta.get_field(name).clean(values[name], None)  # type: ignore[union-attr]
        except ValidationError as exc:
            raise ValidationError({name: exc.messages}) from None


def _clean_member(member: MemberInput, *, today: date) -> dict[str, Any]:
    """Validated field values for a Resident, or ValidationError naming the field."""
    name = member.name.strip()
    if not name:
        raise ValidationError({"name": _("请填写姓名。")})
    values: dict[str, Any] = {
        "name": name,
        "name_keys": pinyin_keys(name),
        "relation": member.relation,
        "id_type": member.id_type,
        "residence_status": member.residence_status,
        "sex": member.sex or Sex.UNKNOWN,
        "birth_date": member.birth_date,
        "id_number": "",
        "phone": "",
    }
    _check_fields(values, ("name", "sex"))
    if member.relation not in Relation.values:
        raise ValidationError({"relation": _("与户主关系不正确。")})
    if member.residence_status not in ResidenceStatus.values:
        raise ValidationError({"residence_status": _("人口类别不正确。")})
    if member.id_type not in IdType.values:
        raise ValidationError({"id_type": _("证件类型不正确。")})
    raw_id = member.id_number.strip()
    if member.id_type == IdType.RESIDENT_ID:
        if not raw_id:
            raise ValidationError(
                {"id_number": _("请填写身份证号码；没有身份证的，请选择其他证件类型。")}
            )
        try:
            number = validate_id_number(raw_id, today=today)
        except ValidationError as exc:
            raise ValidationError({"id_number": exc.messages}) from None
        # The ID number is the source of truth for birth date and sex.
        values.update(id_number=number, birth_date=id_birth_date(number), sex=id_sex(number))
    elif member.id_type != IdType.NONE:
        if not raw_id:
            raise ValidationError({"id_number": _("请填写证件号码。")})
        values["id_number"] = raw_id.upper()
    if member.phone.strip():
        try:
            values["phone"] = validate_phone(member.phone)
        except ValidationError as exc:
            raise ValidationError({"phone": exc.messages}) from None
    if values["birth_date"] is not None and values["birth_date"] > today:
        raise ValidationError({"birth_date": _("出生日期不能晚于今天。")})
    return values


def _duplicate_message(existing: Resident, by: Any) -> str:
    """Point to the existing record only if the user may see it; otherwise say no more than that it exists."""
    if by is not None and by.jurisdiction(RegistryPerm.VIEW).covers_path(
        _place_path(existing.community, existing.grid)
    ):
        return _(
            "该证件号码已登记：%(name)s（户 %(household)s）。请在原记录上修改，不要重复登记。"
        ) % {
            "name": existing.name,
            "household": existing.household.number if existing.household else "—",
        }
    return _("该证件号码已在其他村(社区)登记，不能重复登记。如需迁入，请联系原登记地或上级部门。")


def _ensure_unique_id(values: dict[str, Any], by: Any, exclude_pk: int | None = None) -> None:
    if not values.get("id_number"):
        return
    index = crypto.blind_index("id_number", normalize_id_number(values["id_number"]))
    others = Resident.objects.filter(id_number_index=index)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    existing = others.select_related("community", "grid", "household").first()
    if existing is not None:
        raise ValidationError({"id_number": _duplicate_message(existing, by)})


def _create_household(*, community: Region, **values: Any) -> Household:
    """A new household numbered ``<community code>-NNNNN``, the next free number in its community."""
    taken = Household.objects.filter(community=community).count()
    for offset in range(1, 20):
        try:
            with transaction.atomic():
                return Household.objects.create(
                    number=f"{community.code}-{taken + offset:05d}", community=community, **values
                )
        except IntegrityError:
            continue  # another registration took this number a moment ago
    raise ValidationError(_("户编号冲突，请重试。"))


@transaction.atomic
def register_household(
    *,
    community: Region,
    members: list[MemberInput],
    grid: Grid | None = None,
    estate: Estate | None = None,
    building: Building | None = None,
    villager_group: VillagerGroup | None = None,
    address_detail: str = "",
    by: Any = None,
    is_synthetic: bool = False,
) -> Household:
    """Register a household with its members; exactly one member is the head."""
    _require_place(by, RegistryPerm.EDIT, _place_path(community, grid))
    _check_address(community, grid, estate, building, villager_group)
    if not members:
        raise ValidationError(_("一户至少要登记一名成员。"))
    if sum(1 for m in members if m.relation == Relation.HEAD) != 1:
        raise ValidationError({"relation": _("一户必须有且只有一名户主。")})
    today = timezone.localdate()
    cleaned = []
    seen_ids: set[str] = set()
    for position, member in enumerate(members, start=1):
        try:
            values = _clean_member(member, today=today)
            _ensure_unique_id(values, by)
        except ValidationError as exc:
            raise ValidationError(
                {
                    f"members.{position}.{name}": messages
                    for name, messages in exc.message_dict.items()
                }
            ) from None
        if values["id_number"] and values["id_number"] in seen_ids:
            raise ValidationError(
                {f"members.{position}.id_number": _("同一证件号码在本户中出现了两次。")}
            )
        seen_ids.add(values["id_number"])
        cleaned.append(values)

    household = _create_household(
        community=community,
        grid=grid,
        estate=estate,
        building=building,
        villager_group=villager_group,
        address_detail=address_detail.strip(),
        is_synthetic=is_synthetic,
    )
    created = []
    for values in cleaned:
        resident = _create_resident(household, values, is_synthetic=is_synthetic, on=today, by=by)
        created.append(resident.pk)
        if values["relation"] == Relation.HEAD:
            household.head = resident
    household.save(update_fields=["head"])
    _detect_duplicates(created)
    audit.record(
        "registry.register_household",
        obj=household,
        actor=by,
        fields=["address_detail", "members"],
        object_repr=household.number,
    )
    return household


def _detect_duplicates(resident_ids: list[int]) -> None:
    """Queue likely duplicates of these residents for review (``actions.duplicates``)."""
    # Imported here: the duplicates module builds on this package's helpers.
    from shequ.registry.actions.duplicates import detect_duplicates

    detect_duplicates(resident_ids=resident_ids)


def _create_resident(
    household: Household, values: dict[str, Any], *, is_synthetic: bool, on: date, by: Any = None
) -> Resident:
    try:
        with transaction.atomic():
            resident = Resident.objects.create(
                household=household,
                community=household.community,
                grid=household.grid,
                is_synthetic=is_synthetic,
                **values,
            )
    except IntegrityError:
        # Two registrations of the same ID raced; the other committed first.
        raise ValidationError({"id_number": _("该证件号码已登记，不能重复登记。")}) from None
    HouseholdMembership.objects.create(
        resident=resident, household=household, relation=values["relation"], joined_on=on
    )
    audit.record(
        "registry.register_resident",
        obj=resident,
        actor=by,
        fields=sorted(k for k, v in values.items() if v),
    )
    return resident


@transaction.atomic
def add_member(*, household: Household, member: MemberInput, by: Any = None) -> Resident:
    _require_place(by, RegistryPerm.EDIT, _place_path(household.community, household.grid))
    if member.relation == Relation.HEAD:
        raise ValidationError({"relation": _("本户已有户主；如需更换户主，请使用“更换户主”。")})
    values = _clean_member(member, today=timezone.localdate())
    _ensure_unique_id(values, by)
    resident = _create_resident(
        household, values, is_synthetic=household.is_synthetic, on=timezone.localdate(), by=by
    )
    _detect_duplicates([resident.pk])
    return resident


def _locked(resident: Resident, expected_version: int | None) -> Resident:
    """The row, locked, at the version the editor started from — or a clear refusal."""
    current = (
        # Only the resident's row: PostgreSQL cannot lock the nullable side of the outer joins.
        Resident.objects.select_for_update(of=("self",))
        .select_related("community", "grid", "household")
        .get(pk=resident.pk)
    )
    if expected_version is not None and current.version != expected_version:
        raise ValidationError(_("该居民的信息刚被其他人修改过，请刷新后重新编辑。"))
    return current


EDITABLE_FIELDS = (
    "name",
    "id_type",
    "id_number",
    "phone",
    "sex",
    "birth_date",
    "residence_status",
    "relation",
    "legal_basis",
    "note",
)


@transaction.atomic
def update_resident(
    *,
    resident: Resident,
    changes: dict[str, Any],
    expected_version: int | None = None,
    by: Any = None,
) -> Resident:
    """Edit a resident's details. ``expected_version`` guards against overwriting a concurrent edit."""
    current = _locked(resident, expected_version)
    _require_place(by, RegistryPerm.EDIT, _place_path(current.community, current.grid))
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(
            _("不能修改这些字段：%(names)s") % {"names": ", ".join(sorted(unknown))}
        )
    merged = MemberInput(
        name=changes.get("name", current.name),
        relation=changes.get("relation", current.relation or Relation.OTHER_RELATIVE),
        id_type=changes.get("id_type", current.id_type),
        id_number=changes.get("id_number", current.id_number),
        phone=changes.get("phone", current.phone),
        sex=changes.get("sex", current.sex),
        birth_date=changes.get("birth_date", current.birth_date),
        residence_status=changes.get("residence_status", current.residence_status),
    )
    if "relation" in changes and (changes["relation"] == Relation.HEAD) != (
        current.relation == Relation.HEAD
    ):
        # The head is one per household and changes only through change_head.
        raise ValidationError({"relation": _("户主只能通过“更换户主”变更。")})
    values = _clean_member(merged, today=timezone.localdate())
    _ensure_unique_id(values, by, exclude_pk=current.pk)
    for extra in ("legal_basis", "note"):
        if extra in changes:
            values[extra] = changes[extra]
    if "legal_basis" in changes:
        _check_fields(values, ("legal_basis",))
    changed = [name for name, value in values.items() if getattr(current, name) != value]
    if not changed:
        return current
    for name in changed:
        setattr(current, name, values[name])
    # A blind index is recomputed on save only if it is among the saved fields.
    indexes = [
        model_field.name
        for model_field in Resident._meta.concrete_fields
        if isinstance(model_field, BlindIndexField) and model_field.source in changed
    ]
    current.version = F("version") + 1
    current.updated_at = timezone.now()
    try:
        with transaction.atomic():
            current.save(update_fields=[*changed, *indexes, "version", "updated_at"])
    except IntegrityError:
        # Another edit gave someone this ID number a moment ago.
        raise ValidationError({"id_number": _("该证件号码已登记，不能重复登记。")}) from None
    current.refresh_from_db()
    audit.record("registry.update_resident", obj=current, actor=by, fields=changed)
    if {"name", "birth_date"} & set(changed):
        _detect_duplicates([current.pk])
    return current


@transaction.atomic
def move_member(
    *,
    resident: Resident,
    to_household: Household,
    relation: str,
    by: Any = None,
    on: date | None = None,
) -> Resident:
    """Move a person into another household; the old membership ends, the history stays."""
    current = _locked(resident, None)
    _require_place(by, RegistryPerm.EDIT, _place_path(current.community, current.grid))
    _require_place(by, RegistryPerm.EDIT, _place_path(to_household.community, to_household.grid))
    if current.household_id == to_household.pk:
        raise ValidationError(_("该居民已在此户中。"))
    if not to_household.is_active:
        raise ValidationError({"to_household": _("目标户已注销。")})
    if relation == Relation.HEAD and to_household.head_id is not None:
        raise ValidationError({"relation": _("目标户已有户主。")})
    if current.status != LifeStatus.ACTIVE:
        raise ValidationError(_("已迁出或已死亡的居民不能迁入其他户。"))
    on = on or timezone.localdate()
    HouseholdMembership.objects.filter(resident=current, left_on__isnull=True).update(
        left_on=on, left_reason=_("迁至其他户")
    )
    if current.household is not None and current.household.head_id == current.pk:
        Household.objects.filter(pk=current.household.pk).update(head=None)
    current.household, current.relation = to_household, relation
    current.community, current.grid = to_household.community, to_household.grid
    current.version = F("version") + 1
    current.save(update_fields=["household", "relation", "community", "grid", "version"])
    HouseholdMembership.objects.create(
        resident=current, household=to_household, relation=relation, joined_on=on
    )
    if relation == Relation.HEAD:
        Household.objects.filter(pk=to_household.pk).update(head=current)
    current.refresh_from_db()
    audit.record("registry.move_member", obj=current, actor=by, fields=["household", "relation"])
    _detect_duplicates([current.pk])
    return current


@transaction.atomic
def record_departure(
    *, resident: Resident, status: str, on: date, reason: str = "", by: Any = None
) -> Resident:
    """Record moving out (迁出) or death (死亡). The record stays; it leaves lists of active residents."""
    if status not in (LifeStatus.MOVED_OUT, LifeStatus.DECEASED):
        raise ValidationError({"status": _("请选择迁出或死亡。")})
    current = _locked(resident, None)
    _require_place(by, RegistryPerm.EDIT, _place_path(current.community, current.grid))
    if current.status != LifeStatus.ACTIVE:
        raise ValidationError(_("该居民已不在册。"))
    if on > timezone.localdate():
        raise ValidationError({"status_date": _("日期不能晚于今天。")})
    HouseholdMembership.objects.filter(resident=current, left_on__isnull=True).update(
        left_on=on, left_reason=reason[:100] or str(LifeStatus(status).label)
    )
    open_tags = CareGroupTag.objects.filter(resident=current, end_date__isnull=True)
    open_tags.filter(start_date__lte=on).update(end_date=on)
    # A tag that was to begin after the departure ends where it begins (never before its start).
    open_tags.filter(start_date__gt=on).update(end_date=F("start_date"))
    if current.household is not None and current.household.head_id == current.pk:
        Household.objects.filter(pk=current.household.pk).update(head=None)
    current.status, current.status_date = status, on
    current.version = F("version") + 1
    current.save(update_fields=["status", "status_date", "version"])
    current.refresh_from_db()
    audit.record(
        f"registry.record_{status}", obj=current, actor=by, fields=["status", "status_date"]
    )
    return current


@transaction.atomic
def tag_care_group(
    *,
    resident: Resident,
    group: str,
    start_date: date,
    end_date: date | None = None,
    source: str = "",
    note: str = "",
    disability_category: str = "",
    disability_grade: int | None = None,
    by: Any = None,
) -> CareGroupTag:
    _require_place(by, RegistryPerm.EDIT, _place_path(resident.community, resident.grid))
    if resident.status != LifeStatus.ACTIVE:
        raise ValidationError(_("该居民已不在册。"))
    if group not in CareGroup.values:
        raise ValidationError({"group": _("关爱类别不正确。")})
    if end_date is not None and end_date < start_date:
        raise ValidationError({"end_date": _("结束日期不能早于开始日期。")})
    if group == CareGroup.DISABLED:
        if disability_category not in DisabilityCategory.values or disability_grade not in (
            1,
            2,
            3,
            4,
        ):
            raise ValidationError(
                {"disability_category": _("残疾人须填写残疾类别和等级（一至四级）。")}
            )
    elif disability_category or disability_grade:
        raise ValidationError({"disability_category": _("只有残疾人需要填写残疾类别和等级。")})
    # At most one open tag per group, whenever either starts.
    overlapping = (
        CareGroupTag.objects.filter(resident=resident, group=group).filter(end_date__isnull=True)
        if end_date is None
        else CareGroupTag.objects.none()
    )
    if overlapping.exists():
        raise ValidationError({"group": _("该居民已在此关爱类别中。")})
    tag = CareGroupTag.objects.create(
        resident=resident,
        group=group,
        start_date=start_date,
        end_date=end_date,
        source=source.strip()[:100],
        note=note.strip(),
        disability_category=disability_category,
        disability_grade=disability_grade,
    )
    audit.record(
        "registry.tag_care_group", obj=tag, actor=by, fields=["group", "start_date", "end_date"]
    )
    return tag


@transaction.atomic
def end_care_group(*, tag: CareGroupTag, end_date: date, by: Any = None) -> CareGroupTag:
    _require_place(by, RegistryPerm.EDIT, _place_path(tag.resident.community, tag.resident.grid))
    if end_date < tag.start_date:
        raise ValidationError({"end_date": _("结束日期不能早于开始日期。")})
    updated = CareGroupTag.objects.filter(pk=tag.pk, end_date__isnull=True).update(
        end_date=end_date
    )
    if not updated:
        raise ValidationError(_("该标记已经结束。"))
    tag.refresh_from_db()
    audit.record("registry.end_care_group", obj=tag, actor=by, fields=["end_date"])
    return tag


@transaction.atomic
def change_head(*, household: Household, new_head: Resident, by: Any = None) -> Household:
    """Name another member the head (户主): after the head moved out or died, or by family decision.

    The former head, if still a member, becomes an "other relative" — staff then set the right relation.
    """
    locked = (
        # Only the household's row: PostgreSQL cannot lock the nullable side of an outer join.
        Household.objects.select_for_update(of=("self",))
        .select_related("community", "grid")
        .get(pk=household.pk)
    )
    _require_place(by, RegistryPerm.EDIT, _place_path(locked.community, locked.grid))
    member = Resident.objects.select_for_update().get(pk=new_head.pk)
    if member.household_id != locked.pk or member.status != LifeStatus.ACTIVE:
        raise ValidationError({"new_head": _("新户主必须是本户在册成员。")})
    if locked.head_id == member.pk:
        return locked
    today = timezone.localdate()
    if locked.head_id is not None:
        Resident.objects.filter(pk=locked.head_id, household=locked).update(
            relation=Relation.OTHER_RELATIVE, version=F("version") + 1
        )
        HouseholdMembership.objects.filter(
            resident_id=locked.head_id, household=locked, left_on__isnull=True
        ).update(relation=Relation.OTHER_RELATIVE)
    Resident.objects.filter(pk=member.pk).update(relation=Relation.HEAD, version=F("version") + 1)
    HouseholdMembership.objects.filter(
        resident=member, household=locked, left_on__isnull=True
    ).update(relation=Relation.HEAD)
    locked.head = member
    locked.version = F("version") + 1
    locked.updated_at = timezone.now()
    locked.save(update_fields=["head", "version", "updated_at"])
    locked.refresh_from_db()
    audit.record(
        "registry.change_head",
        obj=locked,
        actor=by,
        fields=["head"],
        object_repr=f"{locked.number} {today}",
    )
    return locked


def reveal(*, obj: Resident | Household, field_name: str, reason: str, by: Any) -> str:
    """The clear value of one personal field of one record, for a user who says why. Audited.

    Only ``REVEALABLE_FIELDS``; the reason is kept in the audit trail (the value never is).
    """
    return audit.reveal(
        obj,
        field_name,
        reason=reason,
        allowed=REVEALABLE_FIELDS,
        action="registry.reveal",
        actor=by,
        require=lambda: _require_place(
            by, RegistryPerm.REVEAL, _place_path(obj.community, obj.grid)
        ),
    )


@transaction.atomic
def register_rental(
    *,
    community: Region,
    landlord: Resident,
    registered_on: date,
    grid: Grid | None = None,
    estate: Estate | None = None,
    building: Building | None = None,
    address_detail: str = "",
    note: str = "",
    by: Any = None,
) -> Rental:
    """Register a home let to tenants (流动人口管理). The landlord must be in the registry."""
    _require_place(by, RegistryPerm.EDIT, _place_path(community, grid))
    _check_address(community, grid, estate, building, None)
    if registered_on > timezone.localdate():
        raise ValidationError({"registered_on": _("日期不能晚于今天。")})
    if landlord.status != LifeStatus.ACTIVE:
        raise ValidationError({"landlord": _("房东须为在册居民。")})
    rental = Rental.objects.create(
        community=community,
        grid=grid,
        estate=estate,
        building=building,
        address_detail=address_detail.strip(),
        landlord=landlord,
        registered_on=registered_on,
        note=note.strip(),
    )
    audit.record(
        "registry.register_rental", obj=rental, actor=by, fields=["landlord", "address_detail"]
    )
    return rental


@transaction.atomic
def add_tenant(*, rental: Rental, tenant: Resident, start_date: date, by: Any = None) -> Tenancy:
    _require_place(by, RegistryPerm.EDIT, _place_path(rental.community, rental.grid))
    if rental.ended_on is not None:
        raise ValidationError(_("该房屋已停止出租。"))
    if tenant.pk == rental.landlord_id:
        raise ValidationError({"tenant": _("房东不能登记为自己房屋的租户。")})
    if Tenancy.objects.filter(rental=rental, tenant=tenant, end_date__isnull=True).exists():
        raise ValidationError({"tenant": _("该租户已登记在此房屋。")})
    if start_date > timezone.localdate():
        raise ValidationError({"start_date": _("日期不能晚于今天。")})
    tenancy = Tenancy.objects.create(rental=rental, tenant=tenant, start_date=start_date)
    audit.record("registry.add_tenant", obj=tenancy, actor=by, fields=["tenant", "start_date"])
    return tenancy


@transaction.atomic
def end_tenancy(*, tenancy: Tenancy, end_date: date, by: Any = None) -> Tenancy:
    _require_place(
        by, RegistryPerm.EDIT, _place_path(tenancy.rental.community, tenancy.rental.grid)
    )
    if end_date < tenancy.start_date:
        raise ValidationError({"end_date": _("退租日期不能早于入住日期。")})
    if not Tenancy.objects.filter(pk=tenancy.pk, end_date__isnull=True).update(end_date=end_date):
        raise ValidationError(_("该租住记录已经结束。"))
    tenancy.refresh_from_db()
    audit.record("registry.end_tenancy", obj=tenancy, actor=by, fields=["end_date"])
    return tenancy
