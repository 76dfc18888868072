"""Facilities, floor areas and candidate sites made through the actions, as the pages would make them."""

from __future__ import annotations

import io
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from shequ.facilities import actions
from shequ.facilities.models import CandidateSite, Facility
from shequ.territory.models import Region

# Central Xuzhou (鼓楼区), WGS-84: where a community without a centre of its own puts its facilities.
XUZHOU = (34.2610, 117.1849)
WEEKDAYS_9_TO_5 = {day: "09:00-17:00" for day in ("mon", "tue", "wed", "thu", "fri")}


def position_in(community: Region) -> tuple[float, float]:
    if community.centre_lat is not None and community.centre_lng is not None:
        return community.centre_lat, community.centre_lng
    return XUZHOU


def facility_values(community: Region, **overrides: Any) -> dict[str, Any]:
    lat, lng = position_in(community)
    values: dict[str, Any] = {
        "category": "community_service_center",
        "name": "幸福社区党群服务中心",
        "address": "幸福路 1 号",
        "lat": lat,
        "lng": lng,
        "operator": "幸福社区居委会",
        "floor_area_m2": "800",
        "activity_area_m2": "560",
        "capacity": "120",
        "opening_hours": dict(WEEKDAYS_9_TO_5),
    }
    values.update(overrides)
    return values


def make_facility(*, community: Region, by: Any = None, **overrides: Any) -> Facility:
    """A facility in ``community`` registered by ``by`` (the system when None): a community service
    centre open 09:00-17:00 on weekdays unless told otherwise."""
    return actions.register_facility(
        community=community, by=by, **facility_values(community, **overrides)
    )


def make_community(township: Region, number: int, name: str) -> Region:
    """A community under ``township`` (code: the township's and ``number``), made as the division
    loader makes places (territory has no action for it)."""
    from shequ.territory.models import Kind, Level

    code = f"{township.code}{number:03d}"
    return Region.objects.create(
        code=code,
        name=name,
        level=Level.COMMUNITY,
        kind=Kind.URBAN_COMMUNITY,
        parent=township,
        path=f"{township.path}{code}/",
        depth=township.depth + 1,
        is_urban=True,
    )


def make_candidate_site(*, community: Region, by: Any = None, **overrides: Any) -> CandidateSite:
    lat, lng = position_in(community)
    values: dict[str, Any] = {
        "name": "原供销社门市",
        "lat": lat,
        "lng": lng,
        "floor_area_m2": "300",
    }
    values.update(overrides)
    return actions.add_candidate_site(community=community, by=by, **values)


def jpeg(name: str = "front.jpg", size: tuple[int, int] = (40, 30)) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", size, "blue").save(out, "JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def not_an_image(name: str = "front.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"this is not a picture", content_type="image/jpeg")
