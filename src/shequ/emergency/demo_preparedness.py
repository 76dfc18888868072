"""Demo preparedness for the demo county: emergency supplies at the home township's depot and at its
communities' storage points (with received, issued and transferred movements, and one item running
low at the home community), two past drills, the home community's grids designated fire-safety grids
(the demo grid worker responsible for their own grid), and the county's demo shelter facilities left
closed (the journey opens one). Everything goes through the actions as the system (``by=None``),
deterministic for a seed, marked ``is_synthetic``.
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import F, Q

from shequ.core import calendar
from shequ.emergency.actions import preparedness as actions
from shequ.emergency.models import (
    Drill,
    FireSafetyGrid,
    OccupancyReport,
    ShelterOpening,
    SupplyMovement,
    SupplyStock,
)
from shequ.facilities.models import Facility, FacilityCategory, FacilityStatus
from shequ.territory.models import Grid, Level, Region

# (item, unit, category, quantity at a community, at the township depot, warning level)
ITEMS = [
    ("沙袋", "袋", "flood_control", 200, 2000, 50),
    ("救生衣", "件", "rescue", 30, 300, 10),
    ("应急照明灯", "盏", "communication", 20, 200, 5),
    ("发电机", "台", "rescue", 2, 6, 1),
    ("饮用水", "箱", "living", 50, 800, 20),
    ("方便食品", "箱", "living", 40, 600, 15),
    ("折叠床", "张", "living", 20, 300, 5),
    ("灭火器", "具", "fire", 30, 200, 10),
]
LOW_ITEM = "救生衣"  # runs low at the home community


def _home(county: Region, community: Region | None) -> Region | None:
    if community is not None:
        return community
    return (
        Region.objects.filter(path__under=county.path, level=Level.COMMUNITY, grids__isnull=False)
        .defer("geometry")
        .order_by("path")
        .first()
    )


def load_demo_preparedness(
    *,
    county: Region,
    seed: int,
    community: Region | None = None,
    grid: Grid | None = None,
    users: dict[str, Any] | None = None,
) -> dict[str, int]:
    """Stock and movements, drills and fire-safety grids around the home community; shelters counted,
    none opened."""
    delete_demo_preparedness()
    rng = random.Random(f"{seed}-preparedness")  # noqa: S311 (demo data)
    users = users or {}
    counts = {"stocks": 0, "movements": 0, "low_stock": 0, "drills": 0, "fire_grids": 0}
    home = _home(county, community)
    shelters = Facility.objects.filter(
        community__path__under=county.path,
        category=FacilityCategory.SHELTER,
        status=FacilityStatus.IN_SERVICE,
    ).count()
    counts["shelters"] = shelters
    if home is None or home.parent is None:
        return counts
    township = home.parent
    today = calendar.localdate()
    with transaction.atomic():
        communities = list(
            Region.objects.filter(parent=township, level=Level.COMMUNITY)
            .defer("geometry")
            .order_by("code")[:6]
        )
        depot: dict[str, SupplyStock] = {}
        for item, unit, category, _at_community, at_depot, low in ITEMS:
            depot[item] = actions.create_stock(
                region=township,
                location=f"{township.name}应急物资仓库",
                category=category,
                item=item,
                unit=unit,
                quantity=at_depot,
                low_threshold=low * 4,
                by=None,
                is_synthetic=True,
            )
        for place in communities:
            for item, unit, category, at_community, _at_depot, low in ITEMS:
                quantity = at_community + rng.randrange(0, max(at_community // 2, 1) + 1)
                if place.pk == home.pk and item == LOW_ITEM:
                    quantity = low + 5  # issued below the warning level next
                stock = actions.create_stock(
                    region=place,
                    location=f"{place.name}应急物资储备点",
                    category=category,
                    item=item,
                    unit=unit,
                    quantity=quantity,
                    low_threshold=low,
                    by=None,
                    is_synthetic=True,
                )
                if place.pk == home.pk and item == LOW_ITEM:
                    actions.record_movement(
                        stock=stock, kind="issued", quantity=8, reason="汛期巡查发放", by=None
                    )
                elif item == "饮用水" and rng.random() < 0.6:
                    actions.record_movement(
                        stock=stock,
                        kind="issued",
                        quantity=rng.randrange(5, 15),
                        reason="高温慰问发放",
                        by=None,
                    )
        # The depot sends sandbags to the home community.
        actions.record_movement(
            stock=depot["沙袋"],
            kind="transfer",
            quantity=300,
            reason="汛前预置",
            to_region=home,
            to_location=f"{home.name}应急物资储备点",
            by=None,
        )
        actions.record_movement(
            stock=depot["方便食品"], kind="written_off", quantity=12, reason="过期报损", by=None
        )
        actions.record_drill(
            region=home,
            kind="flood",
            title=f"{home.name}防汛避险转移演练",
            held_on=today - timedelta(days=45 + rng.randrange(0, 10)),
            participants=60 + rng.randrange(0, 40),
            location=f"{home.name}文化广场",
            organisers="社区居委会、物业服务企业、志愿服务队",
            findings="部分独居老人转移联系不及时；转移路线指示牌不足",
            improvements="网格员逐户更新联系方式；增设转移路线指示牌",
            by=None,
            is_synthetic=True,
        )
        actions.record_drill(
            region=township,
            kind="fire",
            title=f"{township.name}高层住宅消防疏散演练",
            held_on=today - timedelta(days=120 + rng.randrange(0, 20)),
            participants=150 + rng.randrange(0, 80),
            location=f"{township.name}辖区高层小区",
            organisers="街道办事处、消防救援站、物业服务企业",
            findings="楼道堆放杂物，消防通道被占用",
            improvements="开展楼道清理专项行动",
            by=None,
            is_synthetic=True,
        )
        grid_worker = users.get("grid_worker")
        others = users.get("community_staff")
        for each in Grid.objects.filter(community=home, is_micro=False).order_by("code"):
            responsible = grid_worker if grid is not None and each.pk == grid.pk else others
            actions.designate_fire_grid(
                grid=each,
                responsible=responsible,
                last_checked_on=today - timedelta(days=rng.randrange(3, 60)),
                hazards=rng.choice(["电动车楼道充电", "老旧电线", "楼道堆放杂物", "占用消防通道"]),
                by=None,
                is_synthetic=True,
            )
    synthetic = SupplyStock.objects.filter(is_synthetic=True)
    counts["stocks"] = synthetic.count()
    counts["movements"] = SupplyMovement.objects.filter(stock__is_synthetic=True).count()
    counts["low_stock"] = synthetic.filter(
        low_threshold__gt=0, quantity__lte=F("low_threshold")
    ).count()
    counts["drills"] = Drill.objects.filter(is_synthetic=True).count()
    counts["fire_grids"] = FireSafetyGrid.objects.filter(is_synthetic=True).count()
    return counts


def delete_demo_preparedness() -> dict[str, int]:
    """Remove synthetic openings (with their reports), stock and movements, drills and fire grids."""
    openings = ShelterOpening.objects.filter(Q(is_synthetic=True) | Q(facility__is_synthetic=True))
    reports = OccupancyReport.objects.filter(opening__in=openings).delete()[0]
    removed_openings = openings.delete()[0]
    moved = SupplyMovement.objects.filter(
        Q(stock__is_synthetic=True) | Q(counterpart__stock__is_synthetic=True)
    )
    moved.update(counterpart=None)
    movements = moved.delete()[0]
    stocks = SupplyStock.objects.filter(is_synthetic=True).delete()[0]
    drills = Drill.objects.filter(is_synthetic=True).delete()[0]
    fire = FireSafetyGrid.objects.filter(is_synthetic=True).delete()[0]
    return {
        "openings": removed_openings,
        "occupancy_reports": reports,
        "movements": movements,
        "stocks": stocks,
        "drills": drills,
        "fire_grids": fire,
    }
