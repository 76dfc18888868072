"""Demo deliberation topics in the home community: the streetlight topic still collecting co-signs,
one short of the threshold (the journey pushes it over), and others admitted, being implemented with
progress, archived after the residents' reviews, and refused with a published reason.

Everything goes through ``participation.actions.deliberation``; topics carry request keys derived
from the seed, so loading twice adds nothing. A few synthetic resident accounts (phones
1964001xxxx) are linked to synthetic residents of the home community, to propose, co-sign and
review."""

from __future__ import annotations

import secrets
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q

from shequ.accounts import actions as accounts
from shequ.accounts.models import User, UserKind
from shequ.core import calendar, crypto
from shequ.participation.actions import deliberation as actions
from shequ.participation.models import (
    CoSign,
    ProgressUpdate,
    StepActor,
    Topic,
    TopicOpinion,
    TopicReview,
    TopicStage,
    TopicTransition,
)
from shequ.registry.actions.own import link_account
from shequ.registry.models import LifeStatus, Resident
from shequ.territory.models import Level, Region

G = TopicStage
PHONE_PREFIX = "1964001"
EXTRA_RESIDENTS = 8
STREETLIGHT_TITLE = "小区路灯损坏，夜间出行不安全"
STREETLIGHT_BODY = "3号楼到5号楼之间的三盏路灯已坏了两周，晚上老人孩子出门看不清路，希望尽快修复。"
TOPICS = [
    # (key, title, body, final stage)
    ("elevator", "老旧楼栋加装电梯", "6号楼和7号楼住着很多老人，上下楼困难，希望商议加装电梯。",
     G.ADMITTED),
    ("parking", "规范小区非机动车停放", "电动车在楼道充电有安全隐患，建议建集中充电棚。",
     G.IMPLEMENTING),
    ("garden", "改造小区中心花园", "中心花园设施老化，建议改造成老人和孩子都能用的休闲场地。",
     G.ARCHIVED),
    ("square_dance", "广场舞音响扰民", "晚上九点后广场舞音响仍很响，影响休息。", G.REFUSED),
]  # fmt: skip


def _community(county: Region, community: Region | None) -> Region | None:
    if community is not None:
        return community
    return (
        Region.objects.filter(path__under=county.path, level=Level.COMMUNITY)
        .order_by("path")
        .first()
    )


def _verified(user: Any, community: Region) -> bool:
    return Resident.objects.filter(
        account=user, community=community, status=LifeStatus.ACTIVE
    ).exists()


def _people(community: Region) -> list[User]:
    """Synthetic resident accounts linked to synthetic residents of ``community`` (reused)."""
    found: list[User] = []
    free = iter(
        list(
            Resident.objects.filter(
                community=community,
                status=LifeStatus.ACTIVE,
                account__isnull=True,
                is_synthetic=True,
                birth_date__lte=date(calendar.localdate().year - 20, 1, 1),
            ).order_by("pk")[: EXTRA_RESIDENTS * 2]
        )
    )
    for i in range(EXTRA_RESIDENTS):
        phone = f"{PHONE_PREFIX}{i + 1:04d}"
        user = User.objects.filter(
            kind=UserKind.RESIDENT, phone_index=crypto.blind_index("phone", phone)
        ).first()
        if user is not None and _verified(user, community):
            found.append(user)
            continue
        if user is not None and Resident.objects.filter(account=user).exists():
            continue
        resident = next(free, None)
        if resident is None:
            break
        if user is None:
            user = accounts.create_resident_user(
                phone=phone,
                full_name=resident.name,
                password=f"Dm1-{secrets.token_urlsafe(18)}",
                is_synthetic=True,
            )
        link_account(resident=resident, phone=phone, by=None)
        found.append(user)
    return found


def _step(topic: Topic, stage: str) -> int:
    found = actions._step_into(topic, stage, StepActor.STAFF)
    assert found is not None
    return int(found.pk)


def _advance(topic: Topic, stage: str, staff: Any, people: list[User], today: date) -> Topic:
    """Move a committee-reviewed topic on to ``stage`` as staff would."""
    if stage == G.REFUSED:
        return actions.fire_step(
            topic,
            _step(topic, G.REFUSED),
            by=staff,
            answer="经核实，广场舞时间已由文明公约约定，请向社区服务站反映，由网格员现场劝导。",
        )
    topic = actions.fire_step(
        topic, _step(topic, G.ADMITTED), by=staff, answer="经审查，同意立案，将组织居民协商。"
    )
    topic = actions.publish_answer(topic, by=staff)
    if stage == G.ADMITTED:
        return topic
    topic = actions.fire_step(topic, _step(topic, G.DELIBERATING), by=staff, mode="meeting")
    topic = actions.record_decision(
        topic, by=staff, text="经居民议事会协商，同意实施，由物业公司负责，社区监督。"
    )
    topic = actions.fire_step(
        topic,
        _step(topic, G.IMPLEMENTING),
        by=staff,
        responsible_party="物业服务中心",
        implementation_deadline=today + timedelta(days=30),
    )
    if staff is not None:  # a progress update names who posted it
        actions.add_progress(topic, by=staff, body="已完成现场勘察和方案设计。", percent=30)
        actions.add_progress(topic, by=staff, body="材料已进场，开始施工。", percent=60)
    if stage == G.IMPLEMENTING:
        return topic
    topic = actions.fire_step(
        topic,
        _step(topic, G.REVIEWING),
        by=staff,
        note="工程已完工并验收。",
        review_deadline=today + timedelta(days=7),
    )
    for n, user in enumerate(people[:4]):
        actions.review(topic, by=user, score=5 - n % 2, comment="改造后环境好多了。")
    return actions.fire_step(topic, _step(topic, G.ARCHIVED), by=staff)


@transaction.atomic
def load_demo_deliberation(
    *,
    county: Region,
    seed: int = 0,
    community: Region | None = None,
    grid: Any = None,
    users: dict[str, Any] | None = None,
    **_ignored: Any,
) -> dict[str, int]:
    users = users or {}
    home = _community(county, community)
    if home is None:
        return {}
    actions.default_workflow()
    people = _people(home)
    if len(people) < 2:
        return {}
    staff = users.get("community_staff")
    if staff is not None and not staff.jurisdiction(actions.Perm.TOPICS).covers_path(home.path):
        staff = None
    today = calendar.localdate()
    made = 0
    key = f"demo-topic-{seed}"
    if not Topic.objects.filter(request_key=f"{key}-streetlight").exists():
        topic = actions.propose(
            by=people[0],
            title=STREETLIGHT_TITLE,
            body=STREETLIGHT_BODY,
            request_key=f"{key}-streetlight",
            is_synthetic=True,
        )
        for user in people[1 : topic.cosign_threshold]:
            topic = actions.cosign(topic, by=user)
        made += 1
    for name, title, body, stage in TOPICS:
        request_key = f"{key}-{name}"
        if Topic.objects.filter(request_key=request_key).exists():
            continue
        topic = actions.propose(
            by=people[made % len(people)],
            title=title,
            body=body,
            request_key=request_key,
            is_synthetic=True,
        )
        # Enough neighbours support it to reach admission review.
        for user in [p for p in people if p.pk != topic.author_id][: topic.cosign_threshold]:
            topic = actions.cosign(topic, by=user)
        topic.refresh_from_db()
        if topic.state.stage == G.REVIEWING_ADMISSION:
            _advance(topic, stage, staff, [p for p in people if p.pk != topic.author_id], today)
        made += 1
    return {"topics": made}


def delete_demo_deliberation() -> dict[str, int]:
    """Remove the demo's topics and everything hanging on them (their audit events stay)."""
    topics = Topic.objects.filter(Q(is_synthetic=True) | Q(request_key__startswith="demo-topic-"))
    counts = {
        "topic_reviews": TopicReview.objects.filter(topic__in=topics).delete()[0],
        "progress_updates": ProgressUpdate.objects.filter(topic__in=topics).delete()[0],
        "topic_opinions": TopicOpinion.objects.filter(topic__in=topics).delete()[0],
        "cosigns": CoSign.objects.filter(topic__in=topics).delete()[0],
        "topic_transitions": TopicTransition.objects.filter(topic__in=topics).delete()[0],
    }
    counts["topics"] = topics.delete()[0]
    return counts
