"""Contact phones of social organisations and providers: masked on their pages, shown in full only to
staff who may change the record and say why, every reveal in the audit trail with the reason (never
the number); another county's record answers 404."""

from __future__ import annotations

import pytest
from django.urls import reverse

from shequ.core.models import AuditEvent
from shequ.organizations.tests.factories_providers import make_provider
from shequ.organizations.tests.factories_social import make_org
from tests.pages import client_for, html
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db

ORG_PHONE = "13912345678"
PROVIDER_PHONE = "13812345678"


@pytest.fixture
def world() -> World:
    return build_world()


def test_an_organisations_phone_is_revealed_for_a_reason_and_audited(world: World) -> None:
    org = make_org(region=world.regions[HOME["community"]])
    client = client_for(world.users["community_staff"])
    page = html(client.get(reverse("organizations:organization_detail", kwargs={"org_id": org.pk})))
    assert ORG_PHONE not in page and "139****5678" in page
    reveal = reverse("organizations:organization_reveal", kwargs={"org_id": org.pk})

    refused = html(client.post(reveal, {"reason": "看看"}))
    assert ORG_PHONE not in refused and "至少4个字" in refused
    assert not AuditEvent.objects.filter(action="organizations.reveal").exists()

    shown = client.post(reveal, {"reason": "联系组织开展重阳节活动"})
    assert ORG_PHONE in html(shown) and shown["Cache-Control"].startswith("max-age=0")
    event = AuditEvent.objects.get(action="organizations.reveal")
    assert event.reason == "联系组织开展重阳节活动" and ORG_PHONE not in str(event.__dict__)


def test_who_may_not_change_the_record_cannot_reveal_and_elsewhere_is_a_404(world: World) -> None:
    org = make_org(region=world.regions[HOME["community"]])
    away = make_org(region=world.regions["320303001001"], serial=2)
    body = {"reason": "联系组织开展活动"}
    viewer = client_for(world.users["social_org_staff"])
    response = viewer.post(
        reverse("organizations:organization_reveal", kwargs={"org_id": org.pk}), body
    )
    assert response.status_code == 403 and ORG_PHONE not in response.content.decode()
    staff = client_for(world.users["community_staff"])
    elsewhere = staff.post(
        reverse("organizations:organization_reveal", kwargs={"org_id": away.pk}), body
    )
    assert elsewhere.status_code == 404
    assert not AuditEvent.objects.filter(action="organizations.reveal").exists()


def test_a_providers_phone_is_revealed_to_who_may_change_it(world: World) -> None:
    provider = make_provider(region=world.regions[HOME["county"]])
    reveal = reverse("organizations:provider_reveal", kwargs={"provider_id": provider.pk})
    body = {"reason": "物业投诉需要联系企业"}
    # A community worker sees the county's property company, masked, and may not reveal its phone.
    staff = client_for(world.users["community_staff"])
    page = html(
        staff.get(reverse("organizations:provider_detail", kwargs={"provider_id": provider.pk}))
    )
    assert PROVIDER_PHONE not in page
    assert staff.post(reveal, body).status_code == 403
    official = client_for(world.users["county_official"])
    assert PROVIDER_PHONE in html(official.post(reveal, body))
    assert (
        AuditEvent.objects.filter(action="organizations.reveal", reason=body["reason"]).count() == 1
    )
