"""Scoped reads of five-party linkage (五社联动): the summary of a place per child region, the drill-down
to a township's communities with what each lacks, and the Excel export. The rule is in
``organizations.linkage``; here it is applied to the communities a user may see, all at once
(one query for the communities, one per party), never per community.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core import audit
from shequ.core.exports import exported_by, stamped_sheet
from shequ.core.scoping import scoped
from shequ.organizations import linkage
from shequ.organizations.permissions import OrganizationsPerm
from shequ.territory.models import Level, Region
from shequ.territory.queries import child_regions

VIEW = OrganizationsPerm.VIEW


@dataclass
class CommunityRow:
    community: Region
    township_name: str
    linkage: linkage.CommunityLinkage


@dataclass
class SummaryRow:
    region: Region
    communities: int = 0
    covered: int = 0
    lacking: dict[str, int] = field(default_factory=dict)  # party code → communities lacking it

    @property
    def share(self) -> float:
        return self.covered / self.communities if self.communities else 0.0

    @property
    def lacking_list(self) -> list[int]:
        return [self.lacking.get(code, 0) for code in linkage.PARTIES]


@dataclass
class LinkageReport:
    region: Region
    period: linkage.Period
    parties: list[linkage.Party]
    total: SummaryRow
    rows: list[SummaryRow]  # one per child region (empty for a township or community)
    communities: list[CommunityRow]  # the communities themselves, for a township or community
    pending: list[linkage.Party]


def _communities(user: Any, region: Region) -> list[Region]:
    return list(
        scoped(Region.objects.filter(level=Level.COMMUNITY, path__under=region.path), user, VIEW)
        .select_related("parent")
        .only("id", "code", "name", "path", "parent__name", "parent__code")
        .order_by("path")
    )


def report(user: Any, region: Region, period: linkage.Period) -> LinkageReport:
    """Five-party linkage of the communities under ``region`` the user may see, in ``period``."""
    communities = _communities(user, region)
    result = linkage.evaluate([c.id for c in communities], period)
    total = SummaryRow(region=region)
    children: dict[str, SummaryRow] = {}
    drill = region.level in (Level.TOWNSHIP, Level.COMMUNITY)
    if not drill:
        for child in child_regions(user, region, VIEW):
            children[child.path] = SummaryRow(region=child)
    rows: list[CommunityRow] = []
    depth = region.path.count("/")
    for community in communities:
        found = result[community.id]
        targets = [total]
        if not drill:
            child_path = "/".join(community.path.split("/")[: depth + 1]) + "/"
            child_row = children.get(child_path)
            if child_row is not None:
                targets.append(child_row)
        for target in targets:
            target.communities += 1
            target.covered += int(found.covered)
            for code, has in found.linked.items():
                if not has:
                    target.lacking[code] = target.lacking.get(code, 0) + 1
        if drill:
            parent = community.parent
            rows.append(CommunityRow(community, parent.name if parent else "", found))
    return LinkageReport(
        region=region,
        period=period,
        parties=list(linkage.PARTIES.values()),
        total=total,
        rows=list(children.values()),
        communities=rows,
        pending=linkage.pending_parties(),
    )


def export(*, user: Any, region: Region, period: linkage.Period) -> tuple[str, bytes]:
    """Every community under ``region`` with ✓/✗ per party and what it lacks, as .xlsx, audited."""
    communities = _communities(user, region)
    result = linkage.evaluate([c.id for c in communities], period)
    parties = list(linkage.PARTIES.values())
    now = timezone.localtime()
    out = stamped_sheet(
        user,
        _("五社联动覆盖情况"),
        [
            _("镇(街道)"),
            _("村(社区)"),
            _("区划代码"),
            *[str(p.label) for p in parties],
            _("是否覆盖"),
            _("缺少"),
        ],
        note=_("%(place)s　%(period)s　导出人：%(who)s　导出时间：%(when)s")
        % {
            "place": region.name,
            "period": period.label,
            "who": exported_by(user),
            "when": now.strftime("%Y-%m-%d %H:%M"),
        },
        now=now,
    )
    yes, no = "✓", "✗"
    for community in communities:
        found = result[community.id]
        out.append(
            [
                community.parent.name if community.parent else "",
                community.name,
                community.code,
                *[yes if found.linked[p.code] else no for p in parties],
                _("是") if found.covered else _("否"),
                "；".join(found.missing),
            ]
        )
    with transaction.atomic():
        audit.record(
            "organizations.linkage_export",
            actor=user,
            object_type="territory.Region",
            object_id=str(region.pk),
            object_repr=f"{region.name} {period.code}",
            region=region,
        )
    return f"linkage-{region.code}-{period.code}.xlsx", out.content()
