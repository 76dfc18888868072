"""Console items from the plan's indicators, work projects and the six standards.

- The binding indicators of the user's own places that lag behind the straight line to their target,
  raised to the level responsible for them (a county's to the county, a community's to the
  community). The year is the current one when a target applies to it, else the last one (the plan's
  last year is evaluated in the year after it).
- Work projects: overdue milestones in the user's jurisdiction, milestones escalated to the user's
  level, and overdue milestones the user's unit answers for.
- The six standards: assessments waiting for the user's review, and those returned to the user's
  community for more evidence.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from shequ.core import calendar
from shequ.core.console import AttentionItem
from shequ.core.text import enumerate_items
from shequ.indicators.permissions import IndicatorPerm
from shequ.indicators.queries import projects as project_queries
from shequ.indicators.queries import standards as standards_queries
from shequ.indicators.queries.values import Card, cards
from shequ.territory.models import Region


def attention_items(user: Any) -> list[AttentionItem]:
    if getattr(user, "is_resident", False):
        return []
    return [*_lagging_indicators(user), *_project_items(user), *_standards_items(user)]


def _lagging(region: Region) -> tuple[int, list[Card]]:
    this_year = calendar.localdate().year
    for year in (this_year, this_year - 1):
        found = cards(region, year)
        if any(c.goal is not None and c.goal.target is not None for c in found):
            return year, [c for c in found if c.is_alert]
    return this_year, []


def _lagging_indicators(user: Any) -> list[AttentionItem]:
    if not user.has_permission(IndicatorPerm.VIEW):
        return []
    paths = user.jurisdiction(IndicatorPerm.VIEW).region_paths
    items = []
    for region in Region.objects.filter(path__in=paths).defer("geometry").order_by("path"):
        year, lagging = _lagging(region)
        if not lagging:
            continue
        items.append(
            AttentionItem(
                title=_("%(place)s %(year)s年滞后的约束性指标")
                % {"place": region.name, "year": year},
                count=len(lagging),
                url=f"{reverse('indicators:dashboard')}?region={region.code}&year={year}",
                level="danger",
                detail=enumerate_items(
                    [f"{c.indicator.number}. {c.indicator.short_name}" for c in lagging]
                ),
            )
        )
    return items


def _counted(*found: tuple[str, int, str, str]) -> list[AttentionItem]:
    """An item for each (title, count, url, level) whose count is not zero."""
    return [
        AttentionItem(title=title, count=count, url=url, level=level)
        for title, count, url, level in found
        if count
    ]


def _project_items(user: Any) -> list[AttentionItem]:
    overdue = f"{reverse('indicators:project_list')}?overdue=on"
    return _counted(
        (_("上报到本级督办的逾期项目节点"), project_queries.escalated_to(user), overdue, "danger"),
        (
            _("辖区内逾期未完成的项目节点"),
            project_queries.overdue_in_subtree(user),
            overdue,
            "warning",
        ),
        (
            _("本单位负责的逾期项目节点"),
            project_queries.overdue_for_units(user),
            reverse("indicators:my_milestones"),
            "danger",
        ),
    )


def _standards_items(user: Any) -> list[AttentionItem]:
    if not user.has_permission(IndicatorPerm.ASSESS):
        return []
    url = reverse("indicators:standards")
    return _counted(
        (
            _("待审核的六个规范评定"),
            standards_queries.waiting_for_review(user).count(),
            f"{url}?status=submitted",
            "warning",
        ),
        (
            _("被退回补充的六个规范评定"),
            standards_queries.returned_to(user).count(),
            f"{url}?status=returned",
            "danger",
        ),
    )
