"""Demo party members and micro-wishes for the demo county: a few party organisations (county
organs, a hospital, a school, a township's), in-service members rostered from registry residents of
the home community and of a few other communities, most of them checked in and confirmed; wishes in
the home community in every state of their course.

The demo's "party member" account (``journey_member``) is rostered in the home community but NOT
checked in: the demo journey checks in. Everything goes through the actions as the system
(``by=None``), deterministic for a seed, marked ``is_synthetic``.
"""

from __future__ import annotations

import random
from datetime import date

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from shequ.registry.models import LifeStatus, Resident
from shequ.territory.models import Level, Region
from shequ.volunteering.actions import party as actions
from shequ.volunteering.actions import wishes as wish_actions
from shequ.volunteering.models import (
    PartyMember,
    PartyMemberCheckin,
    PartyOrganization,
    Wish,
    WishEvent,
)

ORGS = [
    ("{county}人民政府办公室党支部", "organ", "{county}人民政府办公室"),
    ("{county}税务局机关党委", "organ", "{county}税务局"),
    ("{county}人民医院党委", "institution", "{county}人民医院"),
    ("{county}实验小学党支部", "school", "{county}实验小学"),
    ("{county}供电公司党委", "state_enterprise", "{county}供电公司"),
]
OFFERS = ["周末助老", "政策宣讲", "义诊咨询", "课业辅导", "垃圾分类督导", "平安巡防", "家电维修"]
WISHES = [
    ("repair", "家里的灯坏了，想请人帮忙换一下"),
    ("companionship", "老伴住院，想有人每周陪我聊聊天"),
    ("errands", "腿脚不便，想请人帮忙代买降压药"),
    ("learning", "孩子暑假想找人辅导数学"),
    ("daily_life", "想学用智能手机视频通话"),
    ("health", "想请医生上门量量血压"),
    ("repair", "厨房水龙头漏水"),
    ("daily_life", "想要一个助行器"),
    ("companionship", "独居，想请人陪同去医院复查"),
    ("errands", "想请人帮忙办理老年卡"),
]


def _home_community(county: Region, journey_member: Resident | None) -> Region | None:
    if journey_member is not None:
        return journey_member.community
    first = (
        Resident.objects.filter(community__path__under=county.path, status=LifeStatus.ACTIVE)
        .select_related("community")
        .order_by("community__path", "pk")
        .first()
    )
    return first.community if first is not None else None


def _adults(community: Region, today: date, exclude: set[int], limit: int) -> list[Resident]:
    return list(
        Resident.objects.filter(
            community=community,
            status=LifeStatus.ACTIVE,
            birth_date__lte=date(today.year - 25, 1, 1),
            birth_date__gte=date(today.year - 58, 1, 1),
            party_member__isnull=True,
        )
        .exclude(pk__in=exclude)
        .select_related("community")
        .order_by("pk")[:limit]
    )


def load_demo_party(
    *, county: Region, seed: int, journey_member: Resident | None = None
) -> dict[str, int]:
    """Organisations, members, check-ins and wishes; ``journey_member`` rostered, not checked in."""
    delete_demo_party()
    rng = random.Random(f"{seed}-party")  # noqa: S311 (demo data)
    counts = {"organizations": 0, "members": 0, "checkins": 0, "wishes": 0}
    home = _home_community(county, journey_member)
    if home is None:
        return counts
    today = timezone.localdate()
    with transaction.atomic():
        orgs = []
        for name, kind, workplace in ORGS:
            orgs.append(
                actions.create_organization(
                    region=county,
                    name=name.format(county=county.name),
                    kind=kind,
                    workplace=workplace.format(county=county.name),
                    by=None,
                    is_synthetic=True,
                )
            )
        township = home.parent
        if township is not None:
            orgs.append(
                actions.create_organization(
                    region=township,
                    name=f"{township.name}机关党委",
                    kind="organ",
                    workplace=f"{township.name}办事处",
                    by=None,
                    is_synthetic=True,
                )
            )
        counts["organizations"] = len(orgs)
        keep = {journey_member.pk} if journey_member is not None else set()
        people = _adults(home, today, keep, 14)
        others = list(
            Region.objects.filter(path__startswith=county.path, level=Level.COMMUNITY)
            .exclude(pk=home.pk)
            .defer("geometry")
            .order_by("path")[:4]
        )
        for community in others:
            people += _adults(community, today, keep, 3)
        members: list[PartyMember] = []
        for person in people:
            member = actions.add_member(
                organization=rng.choice(orgs),
                id_number="",
                resident=person,
                by=None,
                is_synthetic=True,
            )
            members.append(member)
            roll = rng.random()
            if roll < 0.75:
                checkin = actions.check_in(user=None, member=member, offer=rng.choice(OFFERS))
                actions.decide_checkin(checkin=checkin, approve=True, by=None)
                counts["checkins"] += 1
            elif roll < 0.88:
                actions.check_in(user=None, member=member, offer=rng.choice(OFFERS))
                counts["checkins"] += 1
        if journey_member is not None:
            existing = PartyMember.objects.filter(resident=journey_member, is_active=True).exists()
            if not existing:
                members.append(
                    actions.add_member(
                        organization=orgs[1],
                        id_number="",
                        resident=journey_member,
                        by=None,
                        is_synthetic=True,
                    )
                )
        counts["members"] = len(members)
        counts["wishes"] = _load_wishes(home, today, rng, keep, members)
    return counts


def _load_wishes(
    home: Region, today: date, rng: random.Random, keep: set[int], members: list[PartyMember]
) -> int:
    checked = [
        m
        for m in members
        if m.community_id == home.pk
        and m.checkins.filter(status="confirmed", community_id=home.pk).exists()
    ]
    wishers = list(
        Resident.objects.filter(
            community=home, status=LifeStatus.ACTIVE, birth_date__lte=date(today.year - 60, 1, 1)
        )
        .exclude(pk__in=keep)
        .order_by("pk")[: len(WISHES)]
    )
    # Each wish ends in a different state: posted, open, assigned, fulfilled, confirmed, declined.
    course = [
        "posted",
        "open",
        "open",
        "assigned",
        "fulfilled",
        "confirmed",
        "confirmed",
        "declined",
    ]
    made = 0
    for n, person in enumerate(wishers):
        category, title = WISHES[n]
        wish = wish_actions.post_wish(
            resident=person, by=None, category=category, title=title, is_synthetic=True
        )
        made += 1
        end = course[n % len(course)]
        if end == "open":
            wish_actions.open_wish(wish=wish, by=None)
        elif end == "declined":
            wish_actions.decline_wish(wish=wish, by=None, reason="已转交物业处理")
        elif end in ("assigned", "fulfilled", "confirmed") and checked:
            wish_actions.assign_wish(wish=wish, by=None, member=rng.choice(checked))
            if end in ("fulfilled", "confirmed"):
                wish_actions.fulfil_wish(wish=wish, by=None, note="已上门完成")
            if end == "confirmed":
                wish_actions.confirm_wish(wish=wish, by=None, rating=5, comment="非常满意")
    return made


def delete_demo_party() -> dict[str, int]:
    """Remove synthetic wishes (and any wish a synthetic member took or a synthetic resident made),
    check-ins, members and organisations."""
    wishes = Wish.objects.filter(
        Q(is_synthetic=True)
        | Q(assigned_member__is_synthetic=True)
        | Q(resident__is_synthetic=True)
        | Q(assigned_member__organization__is_synthetic=True)
    )
    events = WishEvent.objects.filter(wish__in=wishes).delete()[0]
    removed_wishes = wishes.delete()[0]
    checkins = PartyMemberCheckin.objects.filter(
        Q(member__is_synthetic=True) | Q(organization__is_synthetic=True)
    ).delete()[0]
    members = PartyMember.objects.filter(
        Q(is_synthetic=True) | Q(organization__is_synthetic=True)
    ).delete()[0]
    organizations = PartyOrganization.objects.filter(is_synthetic=True).delete()[0]
    return {
        "wishes": removed_wishes,
        "wish_events": events,
        "checkins": checkins,
        "members": members,
        "organizations": organizations,
    }
