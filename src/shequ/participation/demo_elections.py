"""Demo voter registration: one election of the home community's committee with the roll built from
the registry and published, one pending application (a resident registered elsewhere, with a
synthetic sign-in account linked through the registry's action) and one objection handled (someone
missing, added to the roll). Through the actions, deterministic for a seed, marked ``is_synthetic``;
loading twice adds nothing."""

from __future__ import annotations

import random
import secrets
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from shequ.accounts.actions import create_resident_user
from shequ.core import calendar
from shequ.participation.actions import elections as actions
from shequ.participation.models.elections import (
    Election,
    ObjectionKind,
    RollEntry,
    RollObjection,
    VoterRegistration,
)
from shequ.registry.actions.own import link_account
from shequ.registry.models import LifeStatus, ResidenceStatus, Resident
from shequ.territory.models import Level, Region

TITLE = "第十二届居民委员会换届选举"


def _first_community(county: Region) -> Region | None:
    return (
        Region.objects.filter(path__under=county.path, level=Level.COMMUNITY)
        .order_by("path")
        .first()
    )


def _non_registered(community: Region, cutoff: date) -> Any:
    return Resident.objects.filter(
        community=community,
        status=LifeStatus.ACTIVE,
        is_synthetic=True,
        birth_date__lte=cutoff,
        residence_status__in=[ResidenceStatus.PERMANENT, ResidenceStatus.MIGRANT],
    ).order_by("pk")


def _applicant_account(resident: Resident, rng: random.Random) -> Any:
    """A synthetic sign-in account for ``resident``, linked by the registry's action."""
    for _attempt in range(20):
        phone = f"199{rng.randint(10_000_000, 99_999_999)}"
        try:
            user = create_resident_user(
                phone=phone,
                full_name=resident.name,
                password=secrets.token_urlsafe(18) + "aA1!",
                is_synthetic=True,
            )
        except ValidationError:
            continue
        link_account(resident=resident, phone=phone, by=None)
        return user
    return None


def load_demo_elections(
    *,
    county: Region,
    seed: int,
    community: Region | None = None,
    users: dict[str, Any] | None = None,
    **_ignored: Any,
) -> dict[str, int]:
    rng = random.Random(f"{seed}-elections")  # noqa: S311 (demo data)
    users = users or {}
    community = community or _first_community(county)
    if community is None:
        return {"elections": 0, "entries": 0, "requests": 0, "objections": 0}
    if Election.objects.filter(community=community, is_synthetic=True, title=TITLE).exists():
        return {"elections": 0, "entries": 0, "requests": 0, "objections": 0}
    staff = users.get("community_staff")
    today = calendar.localdate()
    with transaction.atomic():
        election = actions.create_election(
            by=staff,
            community=community,
            title=TITLE,
            election_day=today + timedelta(days=45),
            registration_closes=today + timedelta(days=25),
            include_non_registered_years=1,
            is_synthetic=True,
        )
        actions.build_roll(election=election, by=staff)
        actions.publish(election=election, by=staff)
        cutoff = actions.age_cutoff(election.election_day, election.min_age)
        candidates = list(_non_registered(community, cutoff)[:2])
        requests = objections = 0
        if candidates:
            missing = candidates[0]
            objection = actions.file_objection(
                election=election,
                by=staff,
                kind=ObjectionKind.MISSING,
                subject=missing,
                body="该居民在本社区居住多年，本人要求参加选举，名单中漏登。",
            )
            actions.decide_objection(
                objection=objection,
                by=staff,
                approve=True,
                response="经核实，该居民在本社区居住满一年，予以补登。",
            )
            objections = 1
        applicant = next(
            (c for c in candidates[1:] if c.account_id is None),
            None,
        )
        if applicant is not None:
            account = _applicant_account(applicant, rng)
            if account is not None:
                actions.apply(
                    election=election,
                    by=account,
                    reason="户籍在外地，在本社区居住已满3年，申请在本社区登记。",
                    years_resident=3,
                )
                requests = 1
    return {
        "elections": 1,
        "entries": RollEntry.objects.filter(election=election, removed_at__isnull=True).count(),
        "requests": requests,
        "objections": objections,
    }


def delete_demo_elections() -> dict[str, int]:
    """Remove synthetic elections with their roll, applications and objections. The synthetic
    applicant accounts stay linked to their synthetic residents; the demo's reset removes synthetic
    accounts with the rest of the synthetic population."""
    elections = Election.objects.filter(is_synthetic=True)
    with transaction.atomic():
        objections, _d = RollObjection.objects.filter(election__in=elections).delete()
        requests, _d = VoterRegistration.objects.filter(election__in=elections).delete()
        entries, _d = RollEntry.objects.filter(election__in=elections).delete()
        count, _d = elections.delete()
    return {"elections": count, "entries": entries, "requests": requests, "objections": objections}
