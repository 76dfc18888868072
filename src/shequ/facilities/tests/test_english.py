"""Every facilities page reads in English when English is chosen (names of facilities, estates and
places stay as entered)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from shequ.facilities.models import CandidateSite, Facility, LivingCircle, WalkingNetwork
from shequ.facilities.tests.factories import make_candidate_site
from shequ.facilities.tests.test_coverage import _compute, _day_care_circle
from shequ.web.tests.test_i18n import EN, assert_english, fixture_names
from tests.world import HOME, World

pytestmark = pytest.mark.django_db


def _names() -> list[str]:
    names = [*fixture_names()]
    names += list(Facility.objects.values_list("name", flat=True))
    names += list(CandidateSite.objects.values_list("name", flat=True))
    names += list(WalkingNetwork.objects.values_list("name", flat=True))
    names += list(LivingCircle.objects.exclude(basis="").values_list("basis", flat=True))
    names += list(Facility.objects.exclude(operator="").values_list("operator", flat=True))
    return sorted(set(names), key=len, reverse=True)


def test_facility_and_living_circle_pages_in_english(
    client: Any, world: World, town: dict[str, Any]
) -> None:
    make_candidate_site(community=world.regions[HOME["community"]], name="闲置门市")
    _compute(world)
    req = _day_care_circle()
    facility = town["centre"]
    requirement = f"{req.circle_id}:{req.category}"
    client.cookies.load(EN)
    client.force_login(world.users["county_official"])
    for url in (
        reverse("facilities:facility_list"),
        reverse("facilities:facility_new"),
        reverse("facilities:facility_detail", args=[facility.pk]),
        reverse("facilities:facility_edit", args=[facility.pk]),
        reverse("facilities:floor_areas"),
        reverse("facilities:candidate_sites"),
        reverse("facilities:imports"),
        reverse("facilities:import_new"),
        f"{reverse('facilities:coverage')}?region=320302&requirement={requirement}&sites=2",
        f"{reverse('facilities:coverage_table')}?region=320302&requirement={requirement}",
        reverse("facilities:networks"),
        reverse("facilities:standard"),
    ):
        assert_english(client.get(url), url, _names())
    client.force_login(world.users["city_official"])
    circle = LivingCircle.objects.first()
    assert circle is not None
    for url in (
        reverse("facilities:circle_edit", args=[circle.pk]),
        reverse("facilities:circle_new"),
    ):
        assert_english(client.get(url), url, _names())
