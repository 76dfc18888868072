"""Double clicks and two people at once: publishing a draft twice and answering one objection twice
leave exactly one success; the same objection submitted twice at once lands once (PostgreSQL)."""

from __future__ import annotations

import pytest

from shequ.participation.actions import disclosures as actions
from shequ.participation.models.disclosures import Disclosure, Objection
from shequ.participation.tests.factories_disclosures import (
    make_disclosure,
    object_to,
    resident_user,
)
from tests.concurrency import at_once, postgres_only
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db(transaction=True)


def _world(what: str) -> World:
    postgres_only(what)  # before anything is written: SQLite serialises writers
    return build_world()


def test_two_publications_at_once_publish_once() -> None:
    world = _world("conditional updates")
    item = make_disclosure(world.regions[HOME["community"]])
    staff = world.users["community_staff"]

    def click() -> None:
        actions.publish(disclosure=Disclosure.objects.get(pk=item.pk), by=staff)

    results = at_once(click, click)
    assert sorted(results)[0] == "ok" and results.count("ok") == 1
    item.refresh_from_db()
    assert item.version == 1 and item.number


def test_two_answers_at_once_answer_once() -> None:
    world = _world("conditional updates")
    item = make_disclosure(world.regions[HOME["community"]], publish=True)
    _me, user = resident_user(world.regions[HOME["community"]])
    objection = object_to(item, user)
    supervisor = world.users["supervision_member"]

    def answer(text: str) -> None:
        actions.respond(
            objection=Objection.objects.get(pk=objection.pk), by=supervisor, response=text
        )

    results = at_once(lambda: answer("甲的答复"), lambda: answer("乙的答复"))
    assert results.count("ok") == 1
    objection.refresh_from_db()
    assert objection.response in ("甲的答复", "乙的答复")


def test_the_same_objection_submitted_twice_at_once_lands_once() -> None:
    world = _world("the unique request key")
    item = make_disclosure(world.regions[HOME["community"]], publish=True)
    _me, user = resident_user(world.regions[HOME["community"]])

    def submit() -> None:
        actions.file_objection(disclosure=item, by=user, body="有疑问", request_key="same-key")

    results = at_once(submit, submit)
    assert results == ["ok", "ok"]
    assert Objection.objects.filter(request_key="same-key").count() == 1
