"""Five-party linkage (五社联动), derived, never ticked.

A community counts as **covered** in a period when, in that period, it has active links to all four
parties besides itself:

- **social organisation** (社会组织): an ``OrgActivity`` held in the community in the period, or a
  running or finished ``ServiceProject`` serving it whose dates overlap the period;
- **social worker** (社会工作者): a serving community worker holding a social-work qualification
  obtained by the period's end, on a post in the community open during the period; or qualified
  ``SiteStaff`` at the community's room or its township's station, on post during the period;
- **volunteers** (社区志愿者): answered by the ``volunteering`` app once it registers its resolver
  (``register_party``); until then every community lacks it, with the reason said;
- **charity resource** (社会慈善资源): a ``CharityFund`` of the community with a ``CharityEntry`` posted in
  the period, or a ``CharityNeed`` of the community matched (``NeedMatch``) in the period.

Each party answers for all the communities asked about in one query, whatever their number, so a
county of thousands of communities costs the same few queries as one community. Other apps (the
indicators, #10) call ``evaluate`` or ``covered_communities``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shequ.organizations.models import (
    CharityEntry,
    NeedMatch,
    OrgActivity,
    ProjectStatus,
    ServiceProject,
    SiteStaff,
)
from shequ.territory.models import Region
from shequ.workforce.models import SocialWorkQualification, WorkerPost
from shequ.workforce.models.people import SERVING_STATUSES

_PERIOD_RE = re.compile(r"^(\d{4})(?:\s*[Qq]([1-4]))?$")


@dataclass(frozen=True)
class Period:
    """A calendar year (``2026``) or quarter (``2026Q3``)."""

    start: date
    end: date
    code: str

    @property
    def label(self) -> str:
        if "Q" in self.code:
            year, quarter = self.code.split("Q")
            return _("%(year)s年第%(q)s季度") % {"year": year, "q": quarter}
        return _("%(year)s年") % {"year": self.code}


def parse_period(text: str) -> Period:
    """``2026`` or ``2026Q3`` as a ``Period``; anything else is refused with the expected form."""
    found = _PERIOD_RE.match((text or "").strip())
    if not found:
        raise ValidationError(
            {"period": _("统计期应写成年份或季度，例如 2026 或 2026Q3。")}, code="period"
        )
    year = int(found.group(1))
    if not 2000 <= year <= 2100:
        raise ValidationError({"period": _("统计期的年份应在 2000～2100 之间。")}, code="period")
    if found.group(2):
        quarter = int(found.group(2))
        first_month = 3 * (quarter - 1) + 1
        start = date(year, first_month, 1)
        next_start = date(year, first_month + 3, 1) if quarter < 4 else date(year + 1, 1, 1)
        end = next_start - timedelta(days=1)
        return Period(start=start, end=end, code=f"{year}Q{quarter}")
    return Period(start=date(year, 1, 1), end=date(year, 12, 31), code=str(year))


def current_period(today: date | None = None) -> Period:
    day = today or timezone.localdate()
    return parse_period(f"{day.year}Q{(day.month - 1) // 3 + 1}")


# A resolver answers, for community ids and a period, which of them are linked to its party.
Resolver = Callable[[Sequence[int], Period], set[int]]


@dataclass
class Party:
    code: str
    label: str | Promise
    missing: str | Promise  # what a community lacking the party lacks, in words
    resolver: Resolver | None = None
    # Said for every community while no resolver is registered.
    pending: str | Promise = ""


def _social_organisation(ids: Sequence[int], period: Period) -> set[int]:
    activities = OrgActivity.objects.filter(
        community_id__in=ids, held_on__range=(period.start, period.end)
    ).values("community_id")
    served = ServiceProject.communities.through.objects.filter(
        region_id__in=ids,
        serviceproject__status__in=(ProjectStatus.RUNNING, ProjectStatus.FINISHED),
        serviceproject__starts_on__lte=period.end,
        serviceproject__ends_on__gte=period.start,
    ).values("region_id")
    return set(
        Region.objects.filter(id__in=ids)
        .filter(Q(id__in=activities) | Q(id__in=served))
        .values_list("id", flat=True)
    )


def _on_post(period: Period, prefix: str = "") -> Q:
    return Q(**{f"{prefix}started_on__lte": period.end}) & (
        Q(**{f"{prefix}ended_on__isnull": True}) | Q(**{f"{prefix}ended_on__gte": period.start})
    )


def _social_worker(ids: Sequence[int], period: Period) -> set[int]:
    qualified = SocialWorkQualification.objects.filter(obtained_on__lte=period.end).values(
        "worker_id"
    )
    posts = (
        WorkerPost.objects.filter(_on_post(period), community_id__in=ids)
        # Serving now, or serving until a change of status within the period (who left in August
        # still served the third quarter).
        .filter(
            Q(worker__status__in=SERVING_STATUSES) | Q(worker__status_since__gt=period.start),
            worker_id__in=qualified,
        )
        .values("community_id")
    )
    staffed_sites = (
        SiteStaff.objects.filter(_on_post(period), site__is_active=True)
        .exclude(qualification="")
        .values("site__region_id")
    )
    return set(
        Region.objects.filter(id__in=ids)
        .filter(Q(id__in=posts) | Q(id__in=staffed_sites) | Q(parent_id__in=staffed_sites))
        .values_list("id", flat=True)
    )


def _charity(ids: Sequence[int], period: Period) -> set[int]:
    posted = CharityEntry.objects.filter(
        fund__region_id__in=ids, posted_on__range=(period.start, period.end)
    ).values("fund__region_id")
    matched = NeedMatch.objects.filter(
        need__community_id__in=ids,
        matched_at__date__range=(period.start, period.end),
    ).values("need__community_id")
    return set(
        Region.objects.filter(id__in=ids)
        .filter(Q(id__in=posted) | Q(id__in=matched))
        .values_list("id", flat=True)
    )


PARTIES: dict[str, Party] = {
    "social_organization": Party(
        "social_organization",
        gettext_lazy("社会组织"),
        gettext_lazy("本期没有社会组织在本社区开展活动或实施服务项目"),
        _social_organisation,
    ),
    "social_worker": Party(
        "social_worker",
        gettext_lazy("社会工作者"),
        gettext_lazy("本期没有持证社工在本社区任职，社工室和所在镇(街道)社工站也没有持证人员在岗"),
        _social_worker,
    ),
    "volunteer": Party(
        "volunteer",
        gettext_lazy("社区志愿者"),
        gettext_lazy("本期没有志愿者在本社区开展志愿服务"),
        None,
        gettext_lazy("志愿服务记录尚未接入（志愿者模块上线后自动计入）"),
    ),
    "charity": Party(
        "charity",
        gettext_lazy("社会慈善资源"),
        gettext_lazy("本期社区慈善基金没有收支记账，社区慈善需求也没有对接"),
        _charity,
    ),
}


def register_party(code: str, label: str | Promise, resolver: Resolver) -> None:
    """Let another app answer for a party (``volunteer`` by the volunteering app), or add one."""
    party = PARTIES.get(code)
    if party is None:
        PARTIES[code] = Party(code, label, _("本期没有%(label)s参与") % {"label": label}, resolver)
    else:
        party.label = label
        party.resolver = resolver


def unregister_party(code: str) -> None:
    """Back to no resolver (tests)."""
    if code in PARTIES:
        PARTIES[code].resolver = None


@dataclass
class CommunityLinkage:
    community_id: int
    linked: dict[str, bool] = field(default_factory=dict)  # party code → linked
    missing: list[str] = field(default_factory=list)  # what is missing, in words

    @property
    def covered(self) -> bool:
        return all(self.linked.values())


def evaluate(community_ids: Sequence[int], period: Period) -> dict[int, CommunityLinkage]:
    """Each community's links to every party in ``period``: one query per party with a resolver."""
    ids = list(dict.fromkeys(community_ids))
    result = {cid: CommunityLinkage(cid) for cid in ids}
    for party in PARTIES.values():
        linked = party.resolver(ids, period) if (party.resolver and ids) else set()
        for cid, row in result.items():
            has = cid in linked
            row.linked[party.code] = has
            if not has:
                reason = party.pending if party.resolver is None else party.missing
                row.missing.append(f"{party.label}：{reason}")
    return result


def covered_communities(community_ids: Sequence[int], period: Period) -> set[int]:
    """The communities of ``community_ids`` covered in ``period`` (for the indicators)."""
    return {cid for cid, row in evaluate(community_ids, period).items() if row.covered}


def pending_parties() -> list[Party]:
    """Parties no app answers for yet (the page says why nobody is covered)."""
    return [party for party in PARTIES.values() if party.resolver is None]
