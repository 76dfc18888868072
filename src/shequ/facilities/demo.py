"""Demo facilities: a plausible, gappy set of facilities over every demo community, vacant premises,
floor areas, a synthetic street network over the demo county's estates, and a first coverage run —
so that an official can open the map and see which estates lack an elderly day-care centre.

Deterministic for a seed. Everything it makes is marked ``is_synthetic`` and removed by
``delete_demo_facilities``.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from decimal import Decimal

from django.db import transaction
from django.db.models import Max, Min
from django.utils import timezone

from shequ.facilities import synthetic
from shequ.facilities.actions import coverage as computing
from shequ.facilities.models import (
    CandidateSite,
    CommunityFloorArea,
    CoverageEstate,
    CoverageRun,
    EstateAccess,
    Facility,
    FacilityCategory,
    FacilityStatus,
    NetworkSource,
    WalkingNetwork,
)
from shequ.territory.models import Estate, Region

C = FacilityCategory
# Share of communities that have each kind of facility (urban, rural), with a name pattern.
KINDS: list[tuple[str, float, float, str]] = [
    (C.COMMUNITY_SERVICE_STATION, 0.95, 0.9, "{community}党群服务中心"),
    (C.ELDERLY_DAY_CARE, 0.45, 0.25, "{community}老年人日间照料中心"),
    (C.MEAL_POINT, 0.55, 0.3, "{community}长者助餐点"),
    (C.KINDERGARTEN, 0.5, 0.4, "{community}幼儿园"),
    (C.CHILDCARE, 0.3, 0.1, "{community}托育园"),
    (C.HEALTH_STATION, 0.7, 0.8, "{community}卫生服务站"),
    (C.CULTURE, 0.6, 0.5, "{community}文化活动室"),
    (C.SPORTS, 0.5, 0.4, "{community}健身广场"),
    (C.CONVENIENCE_SHOP, 0.9, 0.6, "{community}便民超市"),
    (C.MARKET, 0.25, 0.15, "{community}农贸市场"),
    (C.EMPLOYMENT, 0.3, 0.2, "{community}就业服务站"),
    (C.SOCIAL_WORK, 0.35, 0.15, "{community}社工室"),
    (C.DISABILITY_HOME, 0.15, 0.1, "{community}残疾人之家"),
    (C.POLICE_ROOM, 0.5, 0.3, "{community}警务室"),
    (C.SHELTER, 0.2, 0.2, "{community}应急避难场所"),
    (C.PROPERTY_OFFICE, 0.6, 0.0, "{community}物业服务中心"),
    (C.CHARITY_STORE, 0.08, 0.03, "{community}慈善爱心超市"),
    (C.SELF_SERVICE_TERMINAL, 0.6, 0.3, "{community}政务自助服务终端"),
]
# One per township, at its first community.
TOWNSHIP_KINDS: list[tuple[str, str]] = [
    (C.COMMUNITY_SERVICE_CENTER, "{township}社区综合服务中心"),
    (C.NURSING_HOME, "{township}敬老院"),
]
WORKDAY = {"mon": "08:30-12:00, 14:00-18:00", "tue": "08:30-12:00, 14:00-18:00",
           "wed": "08:30-12:00, 14:00-18:00", "thu": "08:30-12:00, 14:00-18:00",
           "fri": "08:30-12:00, 14:00-18:00", "sat": "09:00-12:00"}  # fmt: skip
LONG_DAY = {day: "08:00-20:00" for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
# Nodes in the demo's street network at most; the spacing widens to stay under it.
MAX_NODES = 120_000


def _jitter(rng: random.Random, lat: float, lng: float, metres: float) -> tuple[float, float]:
    angle = rng.uniform(0, 2 * math.pi)
    distance = rng.uniform(0, metres)
    dlat = distance * math.cos(angle) / 111_000
    dlng = distance * math.sin(angle) / (111_000 * math.cos(math.radians(lat)))
    return round(lat + dlat, 7), round(lng + dlng, 7)


def _estates_by_community(root: Region) -> dict[int, list[tuple[float, float]]]:
    found: dict[int, list[tuple[float, float]]] = defaultdict(list)
    for community_id, lat, lng in Estate.objects.filter(
        community__path__under=root.path, centre_lat__isnull=False, centre_lng__isnull=False
    ).values_list("community_id", "centre_lat", "centre_lng"):
        found[community_id].append((lat, lng))
    return found


def _facility(
    community: Region, category: str, name: str, lat: float, lng: float, rng: random.Random
) -> Facility:
    floor = Decimal(rng.randrange(80, 1200))
    activity = (floor * Decimal(rng.uniform(0.5, 0.8))).quantize(Decimal("0.01"))
    centre = category in (C.COMMUNITY_SERVICE_CENTER, C.COMMUNITY_SERVICE_STATION)
    hours = WORKDAY if centre and rng.random() < 0.2 else LONG_DAY
    from shequ.facilities import hours as parsing

    week = parsing.parse_week(hours)
    return Facility(
        community=community, category=category, name=name[:100], lat=lat, lng=lng,
        operator=f"{community.name}居民委员会" if centre else "",
        floor_area_m2=floor, activity_area_m2=activity if centre else None,
        commercial_area_m2=(floor - activity).quantize(Decimal("0.01")) if category == C.CONVENIENCE_SHOP else None,
        capacity=rng.randrange(20, 200), opening_hours=week,
        shortest_day_hours=parsing.shortest_day_hours(week),
        status=FacilityStatus.IN_SERVICE, is_synthetic=True,
    )  # fmt: skip


def _facilities_for(
    root: Region, estates: dict[int, list[tuple[float, float]]], rng: random.Random
) -> list[Facility]:
    communities = list(
        Region.objects.filter(pk__in=estates).select_related("parent").defer(
            "geometry", "parent__geometry"
        ).order_by("code")
    )  # fmt: skip
    made: list[Facility] = []
    first_of_township: set[int] = set()
    for community in communities:
        spots = estates[community.pk]
        urban = community.is_urban
        for category, urban_share, rural_share, pattern in KINDS:
            if rng.random() < (urban_share if urban else rural_share):
                lat, lng = _jitter(rng, *rng.choice(spots), 250)
                made.append(
                    _facility(
                        community, category, pattern.format(community=community.name), lat, lng, rng
                    )
                )
        township = community.parent
        if township is not None and township.pk not in first_of_township:
            first_of_township.add(township.pk)
            for category, pattern in TOWNSHIP_KINDS:
                lat, lng = _jitter(rng, *rng.choice(spots), 400)
                made.append(
                    _facility(
                        community, category, pattern.format(township=township.name), lat, lng, rng
                    )
                )
    return made


def _floor_areas(
    estates: dict[int, list[tuple[float, float]]], rng: random.Random
) -> list[CommunityFloorArea]:
    year = timezone.localdate().year
    return [
        CommunityFloorArea(
            community_id=community_id, year=year,
            total_floor_area_m2=Decimal(len(spots) * rng.randrange(60_000, 140_000)),
            source="演示数据", is_synthetic=True,
        )
        for community_id, spots in estates.items()
    ]  # fmt: skip


def _network(county: Region, seed: int) -> WalkingNetwork | None:
    box = Estate.objects.filter(
        community__path__under=county.path, centre_lat__isnull=False
    ).aggregate(a=Min("centre_lat"), b=Max("centre_lat"), c=Min("centre_lng"), d=Max("centre_lng"))
    if box["a"] is None:
        return None
    margin = 0.01
    south, north, west, east = (
        box["a"] - margin,
        box["b"] + margin,
        box["c"] - margin,
        box["d"] + margin,
    )
    centre_lat, centre_lng = (south + north) / 2, (west + east) / 2
    height = (north - south) * 111_000
    width = (east - west) * 111_000 * math.cos(math.radians(centre_lat))
    spacing = max(80.0, math.sqrt(width * height / MAX_NODES))
    graph = synthetic.synthetic_network(
        centre_lat=centre_lat, centre_lng=centre_lng, width_m=width, height_m=height,
        spacing_m=spacing, seed=seed,
    )  # fmt: skip
    return WalkingNetwork.objects.create(
        region=county, name=f"{county.name}演示路网", source=NetworkSource.SYNTHETIC,
        node_count=graph.n_nodes, edge_count=graph.n_edges,
        total_length_km=round(float(graph.length.sum()) / 1000, 2),
        data=graph.to_npz_bytes(), is_synthetic=True,
    )  # fmt: skip


def _candidate_sites(county: Region, rng: random.Random) -> list[CandidateSite]:
    spots = list(
        Estate.objects.filter(community__path__under=county.path, centre_lat__isnull=False)
        .values_list("community_id", "centre_lat", "centre_lng", "name")
        .order_by("id")
    )
    chosen = rng.sample(spots, min(12, len(spots)))
    return [
        CandidateSite(
            community_id=community_id, name=f"{name}闲置用房", lat=_jitter(rng, lat, lng, 150)[0],
            lng=_jitter(rng, lat, lng, 150)[1], floor_area_m2=Decimal(rng.randrange(150, 900)),
            note="演示数据", is_synthetic=True,
        )
        for community_id, lat, lng, name in chosen
    ]  # fmt: skip


def load_demo_facilities(*, county: Region, seed: int) -> dict[str, int]:
    """Facilities over every demo community of the city, a street network over ``county``, and a
    first coverage run."""
    rng = random.Random(f"{seed}-facilities")  # noqa: S311 (demo data)
    root = Region.objects.get(path=county.path.split("/", 1)[0] + "/")
    estates = _estates_by_community(root)
    with transaction.atomic():
        facilities = _facilities_for(root, estates, rng)
        Facility.objects.bulk_create(facilities, batch_size=2000)
        CommunityFloorArea.objects.bulk_create(_floor_areas(estates, rng), batch_size=2000)
        CandidateSite.objects.bulk_create(_candidate_sites(county, rng))
        network = _network(county, seed)
        (run,) = computing.request_refresh(reason="演示数据", region=root, enqueue=False)
    computed = computing.run_coverage(run_id=run.pk)
    return {
        "facilities": len(facilities),
        "network_nodes": network.node_count if network else 0,
        "coverage_estates": computed.estate_count if computed else 0,
    }


def delete_demo_facilities() -> int:
    """Remove every synthetic facility, premises, floor area and network, and every coverage run
    (they were computed over demo estates)."""
    EstateAccess.objects.all().delete()
    CoverageEstate.objects.all().delete()
    CoverageRun.objects.all().delete()
    deleted = Facility.objects.filter(is_synthetic=True).delete()[0]
    CandidateSite.objects.filter(is_synthetic=True).delete()
    CommunityFloorArea.objects.filter(is_synthetic=True).delete()
    WalkingNetwork.objects.filter(is_synthetic=True).delete()
    return deleted
