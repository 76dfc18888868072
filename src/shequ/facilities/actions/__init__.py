"""Every write to the facility registry (L1): facilities and their photos, community floor areas,
candidate sites. Each checks the actor's jurisdiction, validates everything before writing, audits in
the same transaction, and asks for a coverage refresh once committed (``coverage.request_refresh``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max, Min, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core import audit, images
from shequ.core.scoping import require_place
from shequ.facilities import geo, hours
from shequ.facilities.models import (
    CandidateSite,
    CommunityFloorArea,
    CoordinateSystem,
    Facility,
    FacilityCategory,
    FacilityPhoto,
    FacilityStatus,
    LivingCircle,
)
from shequ.facilities.permissions import FacilitiesPerm
from shequ.territory.models import Level, Region

# A facility belongs to a community: further from its centre than this and the position or the
# community is wrong (or the coordinates are not the city's at all).
MAX_KM_FROM_COMMUNITY = 15
# Larger than any community facility; a figure above it is a typo (平方米 entered as 平方厘米 …).
MAX_AREA_M2 = Decimal("1000000")
MAX_CAPACITY = 100_000
MAX_PHOTOS = 10
FACILITY_FIELDS = (
    "category",
    "name",
    "address",
    "lat",
    "lng",
    "operator",
    "serves_circle",
    "floor_area_m2",
    "activity_area_m2",
    "commercial_area_m2",
    "capacity",
    "opening_hours",
    "owner_institution",
    "status",
    "note",
    "external_code",
)
# What changes where and which facilities count: a change to these asks for a coverage refresh.
COVERAGE_FIELDS = frozenset({"category", "lat", "lng", "serves_circle", "status"})


def _refusal() -> str:
    return _("该设施不在您的管辖范围内，或您没有此项权限。")


def require_community(by: Any, community: Region, perm: str = FacilitiesPerm.EDIT) -> None:
    if community.level != Level.COMMUNITY:
        raise ValidationError({"community": _("设施应登记到具体的村(社区)。")})
    require_place(by, perm, community.path, _refusal())


# --- Checking ------------------------------------------------------------------------------------


def city_bounds() -> tuple[float, float, float, float] | None:
    """The box around every community centre the territory knows, 10 km wider on each side."""
    box = Region.objects.filter(level=Level.COMMUNITY).aggregate(
        min_lat=Min("centre_lat"),
        max_lat=Max("centre_lat"),
        min_lng=Min("centre_lng"),
        max_lng=Max("centre_lng"),
    )
    if box["min_lat"] is None:
        return None
    margin = 0.1  # degrees: about 10 km
    return (
        box["min_lat"] - margin,
        box["min_lng"] - margin,
        box["max_lat"] + margin,
        box["max_lng"] + margin,
    )


def clean_position(
    lat: Any, lng: Any, *, system: str = CoordinateSystem.WGS84, community: Region | None = None
) -> tuple[float, float]:
    """WGS-84 latitude and longitude, rounded to about 0.1 m. GCJ-02 positions (高德、腾讯 pickers) are
    converted; a position outside the city, or far from its community, is refused with the reason."""
    if lat in (None, "") or lng in (None, ""):
        raise ValidationError({"lat": _("请填写设施的位置（纬度和经度），或在地图上点选。")})
    try:
        lat, lng = float(lat), float(lng)
    except (TypeError, ValueError) as exc:
        raise ValidationError({"lat": _("纬度和经度应为数字，例如 34.2610、117.1849。")}) from exc
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise ValidationError(
            {"lat": _("纬度应在 -90～90，经度应在 -180～180；请检查是否把经纬度填反了。")}
        )
    if system == CoordinateSystem.GCJ02:
        if not bool(geo.in_china(lat, lng)):
            raise ValidationError({"lat": _("GCJ-02 坐标只在中国境内使用，这个位置不在中国境内。")})
        converted = geo.gcj02_to_wgs84(lat, lng)
        lat, lng = float(converted[0]), float(converted[1])
    elif system != CoordinateSystem.WGS84:
        raise ValidationError({"coordinate_system": _("请选择坐标系：WGS-84 或 GCJ-02。")})
    bounds = city_bounds()
    if bounds is not None and not geo.within_bounds(lat, lng, bounds):
        raise ValidationError(
            {
                "lat": _(
                    "位置（纬度 %(lat).5f，经度 %(lng).5f）不在本市范围内。请检查坐标；"
                    "坐标若取自高德或腾讯地图，请选择 GCJ-02 坐标系。"
                )
                % {"lat": lat, "lng": lng}
            }
        )
    if (
        community is not None
        and community.centre_lat is not None
        and community.centre_lng is not None
    ):
        far = float(geo.haversine_m(lat, lng, community.centre_lat, community.centre_lng))
        if far > MAX_KM_FROM_COMMUNITY * 1000:
            raise ValidationError(
                {
                    "lat": _(
                        "位置距“%(community)s”中心 %(km).1f 公里，超过 %(max)d 公里：请检查坐标或所在社区。"
                    )
                    % {"community": community.name, "km": far / 1000, "max": MAX_KM_FROM_COMMUNITY}
                }
            )
    return round(lat, 7), round(lng, 7)


def clean_area(value: Any, field: str, label: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        area = Decimal(str(value).replace(",", "").strip())
    except InvalidOperation as exc:
        raise ValidationError(
            {field: _("%(label)s应为数字（平方米）。") % {"label": label}}
        ) from exc
    if not area.is_finite() or area < 0:
        raise ValidationError({field: _("%(label)s不能为负数。") % {"label": label}})
    if area > MAX_AREA_M2:
        raise ValidationError(
            {
                field: _("%(label)s %(value)s 平方米不合常理（超过 100 万平方米），请检查单位。")
                % {"label": label, "value": area}
            }
        )
    return area.quantize(Decimal("0.01"))


def _clean_capacity(value: Any) -> int | None:
    if value in (None, ""):
        return None
    try:
        capacity = int(value)
    except (TypeError, ValueError) as exc:
        raise ValidationError({"capacity": _("容量应为整数。")}) from exc
    if capacity < 0 or capacity > MAX_CAPACITY:
        raise ValidationError({"capacity": _("容量应在 0～%(max)d 之间。") % {"max": MAX_CAPACITY}})
    return capacity


def _text(values: Mapping[str, Any], name: str, limit: int) -> str:
    return str(values.get(name) or "").strip()[:limit]


def clean_facility(values: Mapping[str, Any], community: Region) -> dict[str, Any]:
    """Every field of a facility checked together; the first problem of each field is reported."""
    errors: dict[str, list[str]] = {}

    def check(fn: Any, *args: Any) -> Any:
        try:
            return fn(*args)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors.setdefault(field, []).extend(messages)
            return None

    cleaned: dict[str, Any] = {
        "name": _text(values, "name", 100),
        "address": _text(values, "address", 200),
        "operator": _text(values, "operator", 100),
        "owner_institution": _text(values, "owner_institution", 100),
        "note": str(values.get("note") or "").strip()[:2000],
        "external_code": _text(values, "external_code", 40),
    }
    if not cleaned["name"]:
        errors["name"] = [_("请填写设施名称。")]
    category = values.get("category")
    if category not in FacilityCategory.values:
        errors["category"] = [_("请选择设施类别。")]
    cleaned["category"] = category
    status = values.get("status") or FacilityStatus.IN_SERVICE
    if status not in FacilityStatus.values:
        errors["status"] = [_("请选择设施状态。")]
    cleaned["status"] = status
    circle = values.get("serves_circle")
    if circle is not None and not isinstance(circle, LivingCircle):
        circle = LivingCircle.objects.filter(pk=circle).first() if str(circle).isdigit() else None
        if circle is None and values.get("serves_circle") not in ("", None):
            errors["serves_circle"] = [_("服务层级不存在。")]
    cleaned["serves_circle"] = circle
    position = check(
        lambda: clean_position(
            values.get("lat"),
            values.get("lng"),
            system=values.get("coordinate_system") or CoordinateSystem.WGS84,
            community=community,
        )
    )
    cleaned["lat"], cleaned["lng"] = position if position else (None, None)
    labels = {
        "floor_area_m2": _("建筑面积"),
        "activity_area_m2": _("居民服务和活动用房面积"),
        "commercial_area_m2": _("商业面积"),
    }
    for field, label in labels.items():
        cleaned[field] = check(clean_area, values.get(field), field, label)
    cleaned["capacity"] = check(_clean_capacity, values.get("capacity"))
    week = check(hours.parse_week, values.get("opening_hours") or {})
    cleaned["opening_hours"] = week or {}
    cleaned["shortest_day_hours"] = hours.shortest_day_hours(week) if week else None
    _check_area_parts(cleaned, labels, errors)
    if errors:
        raise ValidationError(errors)
    return cleaned


def _check_area_parts(
    cleaned: dict[str, Any], labels: dict[str, str], errors: dict[str, list[str]]
) -> None:
    """The activity space and the commercial area are parts of the floor area."""
    if "floor_area_m2" in errors:
        return  # a floor area typed wrong is not a missing one; its own message says what is wrong
    floor = cleaned.get("floor_area_m2")
    parts = [f for f in ("activity_area_m2", "commercial_area_m2") if cleaned.get(f) is not None]
    if floor is None:
        if parts:
            errors.setdefault("floor_area_m2", []).append(
                _("填写了%(part)s，请同时填写建筑面积。") % {"part": labels[parts[0]]}
            )
        return
    for field in parts:
        if cleaned[field] > floor:
            errors.setdefault(field, []).append(
                _("%(part)s（%(value)s）不能大于建筑面积（%(floor)s）。")
                % {"part": labels[field], "value": cleaned[field], "floor": floor}
            )
    if len(parts) == 2 and cleaned["activity_area_m2"] + cleaned["commercial_area_m2"] > floor:
        errors.setdefault("commercial_area_m2", []).append(
            _("居民服务和活动用房面积与商业面积之和不能大于建筑面积（%(floor)s）。")
            % {"floor": floor}
        )


# --- Facilities ----------------------------------------------------------------------------------


def _after_commit_refresh(community: Region, reason: str) -> None:
    from shequ.facilities.actions import coverage

    transaction.on_commit(lambda: coverage.request_refresh(reason=reason))


def _check_code_free(community: Region, code: str, exclude: int | None = None) -> None:
    if not code:
        return
    taken = Facility.objects.filter(community=community, external_code=code)
    if exclude is not None:
        taken = taken.exclude(pk=exclude)
    if taken.exists():
        raise ValidationError(
            {"external_code": _("本社区已有设施编码为“%(code)s”的设施。") % {"code": code}}
        )


@transaction.atomic
def register_facility(
    *,
    community: Region,
    by: Any,
    photos: Sequence[Any] = (),
    is_synthetic: bool = False,
    **values: Any,
) -> Facility:
    """Register a facility in ``community``. ``values``: the fields of ``FACILITY_FIELDS`` as typed
    (texts are fine), ``coordinate_system`` ("wgs84" or "gcj02"), ``opening_hours`` by weekday."""
    require_community(by, community)
    cleaned = clean_facility(values, community)
    _check_code_free(community, cleaned["external_code"])
    prepared = _prepare_photos(photos)
    facility = Facility.objects.create(
        community=community,
        created_by=by if getattr(by, "pk", None) else None,
        is_synthetic=is_synthetic,
        **cleaned,
    )
    _store_photos(facility, prepared, by)
    audit.record(
        "facilities.facility.register",
        obj=facility,
        actor=by,
        object_repr=facility.name,
        region=community,
    )
    if facility.status == FacilityStatus.IN_SERVICE:
        _after_commit_refresh(community, _("新增设施“%(name)s”") % {"name": facility.name})
    return facility


@transaction.atomic
def update_facility(
    *, facility: Facility, by: Any, version: int | None = None, **values: Any
) -> Facility:
    """Change a facility; ``version`` is the one the editor saw (a colleague's newer edit is never
    overwritten). Fields not given keep their value."""
    require_community(by, facility.community)
    current: dict[str, Any] = {name: getattr(facility, name) for name in FACILITY_FIELDS}
    current["opening_hours"] = hours.as_text(facility.opening_hours)
    current.update(values)
    cleaned = clean_facility(current, facility.community)
    _check_code_free(facility.community, cleaned["external_code"], exclude=facility.pk)
    changed = [
        name
        for name in FACILITY_FIELDS
        if name in values and cleaned.get(name) != getattr(facility, name)
    ]
    seen = facility.version if version is None else version
    updated = Facility.objects.filter(pk=facility.pk, version=seen).update(
        version=F("version") + 1, updated_at=timezone.now(), **cleaned
    )
    if updated != 1:
        raise ValidationError(_("该设施刚刚已被他人修改，请刷新页面后重试。"))
    facility.refresh_from_db()
    audit.record(
        "facilities.facility.update",
        obj=facility,
        actor=by,
        fields=changed,
        object_repr=facility.name,
        region=facility.community,
    )
    if COVERAGE_FIELDS & set(changed):
        _after_commit_refresh(
            facility.community, _("设施“%(name)s”有变动") % {"name": facility.name}
        )
    return facility


# --- Photos --------------------------------------------------------------------------------------


def _prepare_photos(uploads: Sequence[Any]) -> list[images.Photo]:
    return images.reencode_all(uploads, limit=MAX_PHOTOS)


def _store_photos(facility: Facility, photos: Sequence[images.Photo], by: Any) -> None:
    import secrets

    from django.core.files.base import ContentFile

    written: list[FacilityPhoto] = []
    try:
        for photo in photos:
            row = FacilityPhoto(
                facility=facility,
                width=photo.width,
                height=photo.height,
                uploaded_by=by if getattr(by, "pk", None) else None,
            )
            row.image.save(f"{secrets.token_hex(16)}.jpg", ContentFile(photo.content), save=False)
            written.append(row)
            row.save()
    except Exception:
        for row in written:
            row.image.storage.delete(row.image.name)
        raise


@transaction.atomic
def add_photos(*, facility: Facility, photos: Sequence[Any], by: Any) -> None:
    require_community(by, facility.community)
    prepared = _prepare_photos(photos)
    if facility.photos.count() + len(prepared) > MAX_PHOTOS:
        raise ValidationError(
            {"photos": _("每个设施最多 %(n)d 张照片，请先删除一些。") % {"n": MAX_PHOTOS}}
        )
    _store_photos(facility, prepared, by)
    audit.record(
        "facilities.photo.add", obj=facility, actor=by, object_repr=facility.name,
        region=facility.community,
    )  # fmt: skip


@transaction.atomic
def remove_photo(*, photo: FacilityPhoto, by: Any) -> None:
    facility = photo.facility
    require_community(by, facility.community)
    name = photo.image.name
    photo.delete()
    transaction.on_commit(lambda: photo.image.storage.delete(name))
    audit.record(
        "facilities.photo.remove", obj=facility, actor=by, object_repr=facility.name,
        region=facility.community,
    )  # fmt: skip


# --- Community floor areas ------------------------------------------------------------------------


@dataclass(frozen=True)
class FloorAreaWarning:
    message: str


@transaction.atomic
def record_floor_area(
    *, community: Region, year: int, total_floor_area_m2: Any, source: str = "", by: Any
) -> CommunityFloorArea:
    """Enter (or correct) a community's total building floor area for a year. The facilities'
    floor areas in the community must fit inside it."""
    require_community(by, community)
    if not 2000 <= int(year) <= timezone.localdate().year + 1:
        raise ValidationError({"year": _("年度不正确。")})
    total = clean_area(total_floor_area_m2, "total_floor_area_m2", _("社区总建筑面积"))
    if total is None or total <= 0:
        raise ValidationError(
            {"total_floor_area_m2": _("请填写社区总建筑面积（平方米，大于 0）。")}
        )
    counted = Facility.objects.filter(
        community=community, status=FacilityStatus.IN_SERVICE
    ).aggregate(total=Sum("floor_area_m2"))["total"] or Decimal(0)
    counted = Decimal(counted).quantize(Decimal("0.01"))
    if counted > total:
        raise ValidationError(
            {
                "total_floor_area_m2": _(
                    "社区总建筑面积（%(total)s）小于本社区在用设施的建筑面积之和（%(sum)s），请核对。"
                )
                % {"total": total, "sum": counted}
            }
        )
    row, created = CommunityFloorArea.objects.update_or_create(
        community=community,
        year=int(year),
        defaults={
            "total_floor_area_m2": total,
            "source": source.strip()[:100],
            "entered_by": by if getattr(by, "pk", None) else None,
            "entered_at": timezone.now(),
        },
    )
    audit.record(
        "facilities.floor_area_m2.enter" if created else "facilities.floor_area_m2.correct",
        obj=row,
        actor=by,
        fields=["total_floor_area_m2", "source"],
        object_repr=str(row),
        region=community,
    )
    return row


# --- Candidate sites -----------------------------------------------------------------------------


@transaction.atomic
def add_candidate_site(
    *,
    community: Region,
    name: str,
    lat: Any,
    lng: Any,
    by: Any,
    coordinate_system: str = CoordinateSystem.WGS84,
    address: str = "",
    floor_area_m2: Any = None,
    note: str = "",
    is_synthetic: bool = False,
) -> CandidateSite:
    """List vacant premises that could house a new facility; siting weighs them with network nodes."""
    require_community(by, community)
    name = (name or "").strip()[:100]
    if not name:
        raise ValidationError({"name": _("请填写场地名称。")})
    position = clean_position(lat, lng, system=coordinate_system, community=community)
    site = CandidateSite.objects.create(
        community=community,
        name=name,
        address=(address or "").strip()[:200],
        lat=position[0],
        lng=position[1],
        floor_area_m2=clean_area(floor_area_m2, "floor_area_m2", _("建筑面积")),
        note=(note or "").strip()[:200],
        is_synthetic=is_synthetic,
    )
    audit.record(
        "facilities.candidate.add", obj=site, actor=by, object_repr=site.name, region=community
    )
    return site


@transaction.atomic
def withdraw_candidate_site(*, site: CandidateSite, by: Any) -> None:
    require_community(by, site.community)
    CandidateSite.objects.filter(pk=site.pk).update(is_available=False)
    audit.record(
        "facilities.candidate.withdraw", obj=site, actor=by, object_repr=site.name,
        region=site.community,
    )  # fmt: skip
