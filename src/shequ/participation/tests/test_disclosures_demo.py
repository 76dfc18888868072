"""The demo loader: published disclosures of the last quarters with generated attachments, one
corrected, one with the objection window open, an answered objection; deterministic, loading twice
adds nothing, and the delete removes only synthetic rows."""

from __future__ import annotations

import pytest

from shequ.core import calendar
from shequ.participation.actions import disclosures as actions
from shequ.participation.demo_disclosures import delete_demo_disclosures, load_demo_disclosures
from shequ.participation.models.disclosures import (
    Disclosure,
    DisclosureAttachment,
    DisclosureStatus,
    Objection,
    ObjectionStatus,
)
from shequ.participation.tests.factories_disclosures import make_disclosure
from shequ.registry.models import Resident
from shequ.registry.tests import factories as registry
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> World:
    return build_world()


def test_the_demo_loads_once_and_deletes_cleanly(world: World) -> None:
    home = world.regions[HOME["community"]]
    person = registry.resident(home, "陈晓")
    Resident.objects.filter(pk=person.pk).update(is_synthetic=True)
    real = make_disclosure(home, title="真实数据", publish=True)
    users = {
        "community_staff": world.users["community_staff"],
        "supervision_member": world.users["supervision_member"],
    }
    counts = load_demo_disclosures(
        county=world.regions["320302"], seed=7, community=home, users=users
    )
    assert counts["disclosures"] >= 5 and counts["disclosure_attachments"] >= 2
    assert counts["objections"] == 1
    demo = Disclosure.objects.filter(is_synthetic=True)
    assert all(d.status == DisclosureStatus.PUBLISHED for d in demo)
    assert sum(actions.is_corrected(d) for d in demo) == 1
    assert sum(actions.window_open(d) for d in demo) >= 1
    assert demo.filter(category="finances").count() >= 2
    assert Objection.objects.get().status == ObjectionStatus.ANSWERED
    types = set(DisclosureAttachment.objects.values_list("content_type", flat=True))
    assert types == {"application/pdf", "image/jpeg"}
    today = calendar.localdate()
    assert all(d.published_at is not None and d.objection_deadline for d in demo)
    assert all(d.period_end <= today for d in demo)

    again = load_demo_disclosures(
        county=world.regions["320302"], seed=7, community=home, users=users
    )
    assert again == {"disclosures": 0, "disclosure_attachments": 0, "objections": 0}

    removed = delete_demo_disclosures()
    assert removed["disclosures"] == counts["disclosures"]
    assert list(Disclosure.objects.all()) == [real]
