"""Deliberation topics and the residents who propose, co-sign and review them, made through the real
actions."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

from shequ.accounts import actions as accounts
from shequ.core import calendar
from shequ.participation.actions import deliberation as actions
from shequ.participation.models import DeliberationMode, Topic, TopicStage, TopicStep
from shequ.registry.models import Resident
from shequ.registry.tests import factories as registry
from shequ.territory.models import Region

_phones = itertools.count(1)
_names = itertools.count(1)
G = TopicStage


def resident_user(resident: Resident) -> Any:
    """A sign-in account linked to ``resident``."""
    user = accounts.create_resident_user(
        phone=f"1968{next(_phones):07d}",
        full_name=resident.name,
        password="Resident-pass-1",
    )
    Resident.objects.filter(pk=resident.pk).update(account=user)
    return user


def neighbour(community: Region, name: str | None = None, **fields: Any) -> tuple[Resident, Any]:
    """A resident of ``community`` with a linked account."""
    person = registry.resident(community, name or f"居民{next(_names)}", **fields)
    return person, resident_user(person)


def propose(
    community: Region, *, title: str = "小区路灯损坏", body: str = "3号楼前路灯不亮。", **kw: Any
) -> tuple[Topic, Any]:
    """A topic proposed by a new resident of ``community``; returns the topic and the author."""
    _person, user = neighbour(community)
    return actions.propose(by=user, title=title, body=body, **kw), user


def step(topic: Topic, stage: str) -> TopicStep:
    found = actions._step_into(topic, stage, "staff")
    assert found is not None, f"no staff step into {stage}"
    return found


def cosign_up(topic: Topic, count: int) -> Topic:
    for _ in range(count):
        _person, user = neighbour(topic.community)
        topic = actions.cosign(topic, by=user)
    return topic


def admitted(community: Region, by: Any, **kw: Any) -> Topic:
    """A committee topic (straight to review), admitted by ``by``."""
    topic = actions.propose_staff(
        by=by,
        community=community,
        title=kw.pop("title", "加装电梯"),
        body=kw.pop("body", "老旧小区加装电梯。"),
    )
    return actions.fire_step(topic, step(topic, G.ADMITTED).pk, by=by, answer="同意立案。")


def deliberating(community: Region, by: Any, mode: str = DeliberationMode.MEETING) -> Topic:
    topic = admitted(community, by)
    extra: dict[str, Any] = {}
    if mode == DeliberationMode.ONLINE:
        extra["consultation_deadline"] = calendar.localdate() + timedelta(days=7)
    return actions.fire_step(topic, step(topic, G.DELIBERATING).pk, by=by, mode=mode, **extra)


def reviewing(community: Region, by: Any) -> Topic:
    topic = deliberating(community, by)
    topic = actions.record_decision(topic, by=by, text="维修路灯。")
    topic = actions.fire_step(
        topic,
        step(topic, G.IMPLEMENTING).pk,
        by=by,
        responsible_party="物业公司",
        implementation_deadline=calendar.localdate() + timedelta(days=10),
    )
    return actions.fire_step(
        topic,
        step(topic, G.REVIEWING).pk,
        by=by,
        note="已修好。",
        review_deadline=calendar.localdate() + timedelta(days=7),
    )
