"""Qualifications and allowances over HTTP: recording a certificate (duplicate number, future date,
the same level twice refused with the reason and nothing written), the scoped list with the highest
level, the allowance of the county's rate else the city's, counts per level, a constant number of
queries, the Excel export, and allowance rates set by county or city only."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from shequ.core.models import AuditEvent
from shequ.workforce.actions import development as actions
from shequ.workforce.actions.workers import change_status
from shequ.workforce.models import AllowanceRate, SocialWorkQualification
from shequ.workforce.tests.factories_development import make_qualification, make_worker
from tests.pages import client_for, html
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db

AWAY = "320303001001"
LIST = reverse("workforce:qualifications")
NEW = reverse("workforce:qualification_new")
RATES = reverse("workforce:allowance_rates")


@pytest.fixture
def world() -> World:
    return build_world()


def home(world: World) -> Any:
    return world.regions[HOME["community"]]


def post_new(world: World, worker: Any, **overrides: Any) -> Any:
    data = {
        "worker": worker.pk,
        "level": "assistant",
        "certificate_number": "2021320302000123",
        "obtained_on": "2021-06-20",
    }
    data.update(overrides)
    return client_for(world.users["community_head"]).post(NEW, data)


def test_a_community_head_records_a_qualification_from_the_worker_page(world: World) -> None:
    worker = make_worker(community=home(world), name="王晓梅")

    page = html(client_for(world.users["community_head"]).get(NEW + f"?worker={worker.pk}"))
    response = post_new(world, worker)

    assert "王晓梅" in page
    assert response.status_code == 302
    saved = SocialWorkQualification.objects.get(worker=worker)
    assert (saved.level, saved.certificate_number) == ("assistant", "2021320302000123")
    assert AuditEvent.objects.filter(action="workforce.qualification.record").count() == 1


@pytest.mark.parametrize(
    ("overrides", "field_message"),
    [
        ({"certificate_number": "DUP-1"}, "证书编号“DUP-1”已登记过"),
        ({"obtained_on": (timezone.localdate() + timedelta(days=1)).isoformat()}, "晚于今天"),
        ({"level": "assistant", "certificate_number": "OTHER-2"}, "已登记过“助理社会工作师”资格"),
    ],
)
def test_bad_certificates_are_refused_with_the_reason(
    world: World, overrides: dict[str, str], field_message: str
) -> None:
    worker = make_worker(community=home(world))
    other = make_worker(community=home(world), name="李强")
    make_qualification(worker=other if "DUP" in str(overrides) else worker, number="DUP-1")
    before = SocialWorkQualification.objects.count()

    response = post_new(world, worker, **overrides)

    assert response.status_code == 200
    assert field_message in html(response)
    assert SocialWorkQualification.objects.count() == before


def test_someone_without_edit_or_elsewhere_cannot_record(world: World) -> None:
    away_worker = make_worker(community=world.regions[AWAY], name="【X】外县社工")

    staff = client_for(world.users["community_staff"]).get(NEW)
    elsewhere = client_for(world.users["community_head"]).get(NEW + f"?worker={away_worker.pk}")

    assert staff.status_code == 403
    assert elsewhere.status_code == 404


def test_the_list_shows_highest_level_allowance_and_counts_in_scope(world: World) -> None:
    county, city = world.regions[HOME["county"]], world.regions[HOME["city"]]
    mei = make_worker(community=home(world), name="王晓梅")
    make_qualification(worker=mei, level="assistant")
    make_qualification(worker=mei, level="intermediate")
    qiang = make_worker(community=home(world), name="李强")
    make_qualification(worker=qiang, level="assistant")
    make_qualification(worker=make_worker(community=world.regions[AWAY], name="【X】外县"))
    last_year = date(timezone.localdate().year - 1, 1, 1)
    actions.set_allowance_rate(region=city, level="assistant", monthly_amount="200",
                               effective_from=last_year, by=None)  # fmt: skip
    actions.set_allowance_rate(region=city, level="intermediate", monthly_amount="300",
                               effective_from=last_year, by=None)  # fmt: skip
    actions.set_allowance_rate(region=county, level="intermediate", monthly_amount="400",
                               effective_from=last_year, by=None)  # fmt: skip
    actions.set_allowance_rate(region=county, level="intermediate", monthly_amount="999",
                               effective_from=timezone.localdate() + timedelta(days=30), by=None)  # fmt: skip

    body = html(client_for(world.users["community_staff"]).get(LIST))
    only_intermediate = html(
        client_for(world.users["community_staff"]).get(LIST + "?level=intermediate")
    )

    assert "王晓梅" in body and "李强" in body and "外县" not in body
    assert "社会工作师：1" in body and "助理社会工作师：1" in body
    assert (
        "400" in body and "200" in body and "999" not in body
    )  # county's rate in force, else city's
    assert "王晓梅" in only_intermediate and "李强" not in only_intermediate


def test_the_list_costs_the_same_queries_for_many_rows(
    world: World, django_assert_max_num_queries: Any
) -> None:
    for n in range(40):
        make_qualification(worker=make_worker(community=home(world), name=f"社工{n}"))
    client = client_for(world.users["county_official"])
    client.get(LIST)

    with django_assert_max_num_queries(14):
        response = client.get(LIST)

    assert response.status_code == 200 and "社工39" in response.content.decode()


def test_the_export_lists_the_certified_workers_of_my_territory(world: World) -> None:
    make_qualification(worker=make_worker(community=home(world), name="王晓梅"))
    make_qualification(worker=make_worker(community=world.regions[AWAY], name="外县社工"))

    response = client_for(world.users["township_staff"]).get(
        reverse("workforce:qualification_export")
    )

    sheet = load_workbook(io.BytesIO(response.content)).active
    names = [row[0] for row in sheet.iter_rows(min_row=4, values_only=True)]
    assert names == ["王晓梅"]
    assert AuditEvent.objects.filter(action="workforce.qualification.export").exists()


def test_allowance_rates_are_set_by_a_county_or_the_city_only(world: World) -> None:
    official = client_for(world.users["county_official"])
    township = client_for(world.users["township_staff"])
    data = {"region": HOME["county"], "level": "assistant", "monthly_amount": "300",
            "effective_from": "2025-01-01"}  # fmt: skip

    saved = official.post(RATES, data)
    negative = official.post(RATES, {**data, "monthly_amount": "-5"})
    township_tries = township.post(RATES, data)
    elsewhere = official.post(RATES, {**data, "region": "320303"})

    assert saved.status_code == 302
    assert AllowanceRate.objects.get().monthly_amount == Decimal("300.00")
    assert "每月津贴应在 0～100000 元之间" in html(negative)
    assert township_tries.status_code == 403
    assert elsewhere.status_code == 200 and AllowanceRate.objects.count() == 1
    with pytest.raises(Exception, match="县级或市级"):
        actions.set_allowance_rate(region=world.regions[HOME["township"]], level="assistant",
                                   monthly_amount="1", effective_from="2025-01-01", by=None)  # fmt: skip


def test_the_allowance_follows_the_chosen_day_and_is_totalled(world: World) -> None:
    county = world.regions[HOME["county"]]
    make_qualification(worker=make_worker(community=home(world), name="王晓梅"))
    make_qualification(worker=make_worker(community=home(world), name="李强"))
    gone = make_worker(community=home(world), name="离职")
    make_qualification(worker=gone)
    change_status(
        worker=gone, to_status="left", effective_on=timezone.localdate(), reason="辞职", by=None
    )
    actions.set_allowance_rate(region=county, level="assistant", monthly_amount="200",
                               effective_from="2022-01-01", by=None)  # fmt: skip
    actions.set_allowance_rate(region=county, level="assistant", monthly_amount="260",
                               effective_from="2024-01-01", by=None)  # fmt: skip
    client = client_for(world.users["county_official"])

    in_2023 = html(client.get(LIST + "?on=2023-06-30"))
    today = html(client.get(LIST))

    # Who left today still served in 2023 and drew that year's allowance; today they do not.
    assert "3 名在岗持证社工每月津贴合计 600 元" in in_2023
    assert "2 名在岗持证社工每月津贴合计 520 元" in today


def test_a_mistaken_certificate_is_removed_in_scope_only(world: World) -> None:
    mine = make_qualification(worker=make_worker(community=home(world)), number="WRONG-1")
    away = make_qualification(worker=make_worker(community=world.regions[AWAY]), number="AWAY-1")

    def remove(item: SocialWorkQualification) -> str:
        return reverse("workforce:qualification_remove", kwargs={"qualification_id": item.pk})

    elsewhere = client_for(world.users["county_official"]).post(remove(away))
    viewer = client_for(world.users["community_staff"]).post(remove(mine))
    removed = client_for(world.users["community_head"]).post(remove(mine))

    assert (elsewhere.status_code, viewer.status_code, removed.status_code) == (404, 403, 302)
    assert list(SocialWorkQualification.objects.values_list("certificate_number", flat=True)) == [
        "AWAY-1"
    ]
    assert AuditEvent.objects.filter(action="workforce.qualification.remove").count() == 1
