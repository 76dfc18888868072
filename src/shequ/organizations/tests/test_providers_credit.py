"""Provider credit (S4): the scoring rule, its inputs read from cases (ratings of finished cases the
provider handled, valid complaints linked to it) and recorded sanctions and commendations; points out
of range refused; assessments stored only when the score moves (or on request) and shown as history;
the nightly reassessment of every provider."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from shequ.organizations.actions import providers as actions
from shequ.organizations.models import CreditAssessment, CreditEvent, Provider
from shequ.organizations.queries.providers import CreditComponents, credit_score
from shequ.organizations.tasks import reassess_all_providers
from shequ.organizations.tests.factories_providers import finish, make_case, make_provider
from tests.pages import client_for, html
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> World:
    return build_world()


def parts(**values: Any) -> CreditComponents:
    return CreditComponents(as_of=timezone.localdate(), **values)


# --- The rule -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "score", "level"),
    [
        ({}, Decimal("100.0"), "A"),
        ({"ratings": 3, "average_stars": Decimal("5")}, Decimal("100.0"), "A"),
        ({"ratings": 4, "average_stars": Decimal("3")}, Decimal("95.0"), "A"),
        ({"ratings": 2, "average_stars": Decimal("1")}, Decimal("100.0"), "A"),  # too few to count
        ({"ratings": 5, "average_stars": Decimal("1")}, Decimal("85.0"), "B"),
        ({"complaints": 3}, Decimal("94.0"), "A"),
        ({"complaints": 40}, Decimal("80.0"), "B"),  # complaints capped at −20
        ({"sanction_points": Decimal("-30"), "sanctions": 1}, Decimal("70.0"), "C"),
        (
            {
                "sanction_points": Decimal("-60"),
                "complaints": 5,
                "commendation_points": Decimal("40"),
            },
            Decimal("50.0"),
            "D",
        ),  # commendations capped at +20
        ({"sanction_points": Decimal("-200")}, Decimal("0.0"), "D"),  # clamped at 0
        ({"sanction_points": Decimal("-10"), "complaints": 0}, Decimal("90.0"), "A"),
        ({"sanction_points": Decimal("-10.1")}, Decimal("89.9"), "B"),
    ],
)
def test_the_scoring_rule(values: dict[str, Any], score: Decimal, level: str) -> None:
    found, found_level, points = credit_score(parts(**values))

    assert (found, found_level) == (score, level)
    assert set(points) == {"rating", "complaint", "sanction", "commendation"}


# --- Its inputs -----------------------------------------------------------------------------------


def _handled(world: World, provider: Provider, stars: int) -> None:
    staff = world.users["community_staff"]
    case = make_case(world.regions[HOME["community"]], by=staff, kind="service_request",
                     title="楼道灯不亮")  # fmt: skip
    actions.link_case(provider=provider, case=case, by=staff, link="handled")
    finish(case, by=staff, stars=stars)


def test_poor_ratings_of_handled_cases_and_valid_complaints_lower_the_level(
    world: World,
) -> None:
    staff = world.users["community_staff"]
    provider = make_provider(region=world.regions[HOME["county"]])
    for _ in range(3):
        _handled(world, provider, stars=1)
    finished = make_case(world.regions[HOME["community"]], by=staff)
    actions.link_case(provider=provider, case=finished, by=staff)
    finish(finished, by=staff)
    still_open = make_case(world.regions[HOME["community"]], by=staff, title="电梯停运")
    actions.link_case(provider=provider, case=still_open, by=staff)

    assessment = actions.reassess_provider(provider=provider, by=world.users["county_official"])

    assert assessment is not None
    # 100 − 15 (three 1-star ratings) − 2 (one finished complaint; the open one does not count)
    assert (assessment.score, assessment.level) == (Decimal("83.0"), "B")
    assert assessment.basis["ratings"] == 3 and assessment.basis["complaints"] == 1
    provider.refresh_from_db()
    assert (provider.credit_score, provider.credit_level) == (Decimal("83.0"), "B")


def test_sanctions_and_commendations_count_within_24_months_only(world: World) -> None:
    provider = make_provider(region=world.regions[HOME["county"]])
    official = world.users["county_official"]
    today = timezone.localdate()
    actions.record_credit_event(provider=provider, by=official, kind="sanction", points="20",
                                occurred_on=today, document="铜环罚〔2025〕12号")  # fmt: skip
    actions.record_credit_event(provider=provider, by=official, kind="sanction", points="30",
                                occurred_on=today - timedelta(days=800),
                                document="铜环罚〔2023〕3号")  # fmt: skip
    actions.record_credit_event(provider=provider, by=official, kind="commendation", points="5",
                                occurred_on=today, note="市级物业服务示范项目")  # fmt: skip

    assessment = actions.reassess_provider(provider=provider)

    assert assessment is not None and assessment.score == Decimal("85.0")
    assert CreditEvent.objects.get(points=Decimal("-20.0")).kind == "sanction"


@pytest.mark.parametrize(
    ("kind", "points", "message"),
    [
        ("sanction", "40", "扣分应在 5～30 分之间"),
        ("sanction", "3", "扣分应在 5～30 分之间"),
        ("commendation", "15", "加分应在 2～10 分之间"),
        ("commendation", "-5", "加分应在 2～10 分之间"),
        ("rating", "5", "选择一个有效的选项"),  # ratings come from cases, not typed in
        ("sanction", "十分", "分值应为数字"),
    ],
)
def test_points_out_of_range_are_refused_on_the_page(
    world: World, kind: str, points: str, message: str
) -> None:
    provider = make_provider(region=world.regions[HOME["county"]])
    url = reverse("organizations:provider_credit_event", kwargs={"provider_id": provider.pk})

    body = html(
        client_for(world.users["county_official"]).post(
            url, {"kind": kind, "points": points, "occurred_on": "2025-03-01", "document": "文1号"}
        )
    )

    assert message in body
    assert not CreditEvent.objects.exists()


def test_a_sanction_needs_its_document_number(world: World) -> None:
    provider = make_provider(region=world.regions[HOME["county"]])
    url = reverse("organizations:provider_credit_event", kwargs={"provider_id": provider.pk})

    body = html(
        client_for(world.users["county_official"]).post(
            url, {"kind": "sanction", "points": "10", "occurred_on": "2025-03-01"}
        )
    )

    assert "文书编号" in body and "处罚须填写" in body
    assert not CreditEvent.objects.exists()


def test_a_sanction_on_the_page_lowers_the_level_and_the_history_shows_it(world: World) -> None:
    provider = make_provider(region=world.regions[HOME["county"]])
    client = client_for(world.users["county_official"])
    url = reverse("organizations:provider_credit_event", kwargs={"provider_id": provider.pk})

    response = client.post(url, {"kind": "sanction", "points": "30", "occurred_on": "2025-03-01",
                                 "document": "铜住建罚〔2025〕7号"})  # fmt: skip

    assert response.status_code == 302
    provider.refresh_from_db()
    assert (provider.credit_score, provider.credit_level) == (Decimal("70.0"), "C")
    body = html(client.get(reverse("organizations:provider_detail",
                                   kwargs={"provider_id": provider.pk})))  # fmt: skip
    assert "铜住建罚〔2025〕7号" in body and "评定历史" in body and "C 级" in body


def test_credit_is_recorded_only_by_those_who_manage_credit(world: World) -> None:
    provider = make_provider(region=world.regions[HOME["county"]])
    url = reverse("organizations:provider_credit_event", kwargs={"provider_id": provider.pk})
    reassess = reverse("organizations:provider_reassess", kwargs={"provider_id": provider.pk})
    staff = client_for(world.users["community_staff"])
    outsider = client_for(world.outsider)

    assert staff.post(url, {"kind": "commendation", "points": "5",
                            "occurred_on": "2025-03-01"}).status_code == 403  # fmt: skip
    assert staff.post(reassess).status_code == 403
    assert outsider.post(reassess).status_code in (403, 404)
    assert not CreditEvent.objects.exists() and not CreditAssessment.objects.exists()


def test_an_assessment_is_stored_when_the_score_moves_or_on_request(world: World) -> None:
    provider = make_provider(region=world.regions[HOME["county"]])

    first = actions.reassess_provider(provider=provider)
    unchanged = actions.reassess_provider(provider=provider)
    asked = actions.reassess_provider(provider=provider, force=True)

    assert first is not None and unchanged is None and asked is not None
    assert CreditAssessment.objects.filter(provider=provider).count() == 2


def test_the_nightly_task_reassesses_every_active_provider_in_batches(world: World) -> None:
    for i in range(5):
        make_provider(region=world.regions[HOME["county"]], name=f"物业{i}")
    make_provider(region=world.regions[HOME["county"]], name="歇业物业", is_active=False)

    stored = reassess_all_providers(batch_size=2)
    again = reassess_all_providers(batch_size=2)

    assert stored == 5 and again == 0
    assert Provider.objects.filter(credit_assessed_at__isnull=False).count() == 5
