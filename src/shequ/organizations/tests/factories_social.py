"""Social organisations, sites, projects and activities made through the actions, as the pages make
them; community workers with a qualification and a post (the workforce app's rows, made directly so
these tests do not depend on its actions)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from shequ.core.validators import uscc_check_character
from shequ.organizations.actions import social as actions
from shequ.organizations.models import (
    OrgActivity,
    ServiceProject,
    SiteStaff,
    SocialOrganization,
    SocialWorkSite,
)
from shequ.territory.models import Region
from shequ.workforce.models import CommunityWorker, SocialWorkQualification, WorkerPost


def uscc(serial: int, area: str = "320302") -> str:
    """A valid USCC of a social organisation (5 民政, 3 民办非企业单位)."""
    first17 = f"53{area}{serial:09d}"
    return first17 + uscc_check_character(first17)


def bad_uscc(serial: int = 1) -> str:
    good = uscc(serial)
    wrong = "0" if good[-1] != "0" else "1"
    return good[:17] + wrong


def make_org(
    *, region: Region, by: Any = None, serial: int = 1, **overrides: Any
) -> SocialOrganization:
    values: dict[str, Any] = {
        "name": f"邻里守望志愿服务队{serial}",
        "kind": "mutual_help",
        "registration": "filed",
        "filing_number": f"备-{serial:04d}",
        "founded_on": date(2020, 5, 1),
        "leader_name": "张敏",
        "contact_phone": "13912345678",
        "members": 25,
        "services": "独居老人探访、邻里互助",
    }
    values.update(overrides)
    return actions.register_organization(region=region, by=by, **values)


def make_activity(
    *, org: SocialOrganization, community: Region, by: Any = None, **overrides: Any
) -> OrgActivity:
    values: dict[str, Any] = {
        "title": "重阳节敬老活动",
        "held_on": timezone.localdate(),
        "participants": 40,
    }
    values.update(overrides)
    return actions.record_activity(organization=org, community=community, by=by, **values)


def make_site(
    *, region: Region, kind: str, by: Any = None, operator: Any = None, **overrides: Any
) -> SocialWorkSite:
    values: dict[str, Any] = {"name": f"{region.name}社工{'站' if kind == 'station' else '室'}"}
    values.update(overrides)
    return actions.register_site(region=region, kind=kind, by=by, operator=operator, **values)


def make_staff(*, site: SocialWorkSite, by: Any = None, **overrides: Any) -> SiteStaff:
    values: dict[str, Any] = {
        "name": "李社工",
        "qualification": "assistant",
        "started_on": timezone.localdate() - timedelta(days=200),
    }
    values.update(overrides)
    return actions.add_site_staff(site=site, by=by, **values)


def make_project(
    *,
    region: Region,
    provider: SocialOrganization,
    communities: list[Region] | None = None,
    by: Any = None,
    **overrides: Any,
) -> ServiceProject:
    today = timezone.localdate()
    values: dict[str, Any] = {
        "kind": "purchase",
        "title": "社区居家养老服务项目",
        "buyer": "某某街道办事处",
        "budget": "200000",
        "starts_on": today - timedelta(days=60),
        "ends_on": today + timedelta(days=300),
        "deliverables": "探访独居老人每月不少于 2 次",
    }
    values.update(overrides)
    return actions.create_project(
        region=region, provider=provider, communities=communities or [], by=by, **values
    )


def make_worker(
    *,
    region: Region,
    community: Region | None = None,
    qualified_on: date | None = date(2020, 1, 1),
    status: str = "active",
    post_from: date = date(2021, 1, 1),
    post_until: date | None = None,
    name: str = "王社工",
) -> CommunityWorker:
    worker = CommunityWorker.objects.create(region=region, name=name, status=status)
    if qualified_on is not None:
        SocialWorkQualification.objects.create(
            worker=worker,
            level="intermediate",
            certificate_number=f"Z{worker.pk:08d}",
            obtained_on=qualified_on,
        )
    if community is not None:
        WorkerPost.objects.create(
            worker=worker,
            kind="community_worker",
            community=community,
            started_on=post_from,
            ended_on=post_until,
        )
    return worker
