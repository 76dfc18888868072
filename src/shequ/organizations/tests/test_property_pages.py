"""Property management over HTTP (V5): who manages an estate (a company, a state-owned fallback, the
community or residents) from a date — the open row ends the day before a change; a fallback without a
state-owned company, a company that is not a property provider and dates out of order refused; the
coverage table per place with drill-down to a community's estates and those without management, in a
constant number of queries; committees with their bad input; the estates lacking a committee; and
the jurisdiction."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from shequ.organizations.actions import providers as actions
from shequ.organizations.models import EstateCommittee, EstateManagement
from shequ.organizations.queries import providers as queries
from shequ.organizations.tests.factories_providers import (
    make_committee,
    make_estate,
    make_provider,
    manage,
)
from shequ.territory.models import Estate
from tests.pages import client_for, html
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db

COVERAGE = reverse("organizations:property")
COMMITTEES = reverse("organizations:property_committees")
AWAY = "320303001001"


@pytest.fixture
def world() -> World:
    return build_world()


def home(world: World) -> Any:
    return world.regions[HOME["community"]]


def estate_url(estate: Estate) -> str:
    return reverse("organizations:property_estate", kwargs={"property_estate_id": estate.pk})


def set_url(estate: Estate) -> str:
    return reverse(
        "organizations:property_set_management", kwargs={"property_estate_id": estate.pk}
    )


def committee_url(estate: Estate) -> str:
    return reverse("organizations:property_committee_new", kwargs={"property_estate_id": estate.pk})


def company(world: World, **overrides: Any) -> Any:
    return make_provider(region=world.regions[HOME["county"]], **overrides)


# --- Who manages an estate ------------------------------------------------------------------------


def test_a_community_worker_records_a_company_then_a_change_ends_it_the_day_before(
    world: World,
) -> None:
    estate = make_estate(home(world), "锦绣花园")
    first, second = company(world, name="甲物业"), company(world, name="乙物业")
    client = client_for(world.users["community_staff"])

    client.post(set_url(estate), {"mode": "company", "provider": first.pk,
                                  "started_on": "2023-01-01"})  # fmt: skip
    response = client.post(set_url(estate), {"mode": "company", "provider": second.pk,
                                             "started_on": "2025-03-01"})  # fmt: skip

    assert response.status_code == 302
    rows = list(EstateManagement.objects.filter(estate=estate).order_by("started_on"))
    assert [r.provider for r in rows] == [first, second]
    assert rows[0].ended_on == date(2025, 2, 28) and rows[1].ended_on is None
    body = html(client.get(estate_url(estate)))
    assert "乙物业" in body and "2023-01-01 – 2025-02-28" in body


def test_a_fallback_needs_a_state_owned_company(world: World) -> None:
    estate = make_estate(home(world), "锦绣花园")
    private = company(world, name="民营物业")

    body = html(
        client_for(world.users["community_staff"]).post(
            set_url(estate),
            {"mode": "state_fallback", "provider": private.pk, "started_on": "2025-01-01"},
        )
    )

    assert "国有物业兜底须由国有物业企业承担" in body
    assert not EstateManagement.objects.exists()


def test_a_provider_that_is_not_a_property_company_cannot_manage_an_estate(
    world: World,
) -> None:
    estate = make_estate(home(world), "锦绣花园")
    housekeeping = company(world, name="好帮手家政", kind="housekeeping")

    with pytest.raises(Exception) as refused:
        actions.set_estate_management(
            estate=estate, by=world.users["community_staff"], mode="company",
            provider=housekeeping, started_on="2025-01-01",
        )  # fmt: skip

    assert "不是物业服务企业" in str(refused.value)
    assert not EstateManagement.objects.exists()


def test_management_dates_out_of_order_are_refused(world: World) -> None:
    estate = make_estate(home(world), "锦绣花园")
    provider = company(world)
    manage(estate, provider=provider, started_on=date(2024, 6, 1))
    client = client_for(world.users["community_staff"])

    earlier = html(client.post(set_url(estate), {"mode": "self_managed",
                                                 "started_on": "2024-05-01"}))  # fmt: skip
    contract = html(client.post(set_url(estate), {"mode": "company", "provider": provider.pk,
                                                  "started_on": "2025-01-01",
                                                  "contract_ends_on": "2024-12-31"}))  # fmt: skip

    assert "开始日期应晚于现行管理方式的开始日期（2024-06-01）" in earlier
    assert "合同到期日应晚于开始日期" in contract
    assert EstateManagement.objects.count() == 1


def test_ending_management_leaves_the_estate_without_and_it_is_listed(world: World) -> None:
    estate = make_estate(home(world), "锦绣花园")
    manage(estate, provider=company(world), started_on=date(2024, 1, 1))
    client = client_for(world.users["community_staff"])
    end = reverse("organizations:property_end_management",
                  kwargs={"property_estate_id": estate.pk})  # fmt: skip

    too_early = html(client.post(end, {"ended_on": "2023-12-31"}))
    client.post(end, {"ended_on": "2025-06-30"})

    assert "结束日期不能早于开始日期" in too_early
    assert not EstateManagement.objects.filter(ended_on__isnull=True).exists()
    listed = html(client.get(COVERAGE, {"region": HOME["community"], "without": "1"}))
    assert "锦绣花园" in listed


def test_an_estate_of_another_county_answers_404_and_is_never_counted(world: World) -> None:
    away = make_estate(world.regions[AWAY], "外县小区")
    client = client_for(world.users["county_official"])

    assert client.get(estate_url(away)).status_code == 404
    assert client.post(set_url(away), {"mode": "self_managed",
                                       "started_on": "2025-01-01"}).status_code == 404  # fmt: skip
    assert client.get(COVERAGE, {"region": "320303"}).status_code == 404
    assert not EstateManagement.objects.exists()


# --- The coverage table ---------------------------------------------------------------------------


def test_the_table_counts_each_way_of_management_per_place(world: World) -> None:
    community = home(world)  # the world gives it two estates (one per grid): left without
    red = company(world, name="红色物业", is_red_property=True, red_property_since="2024-01-01")
    state = company(world, name="城投物业", is_state_owned=True)
    manage(make_estate(community, "甲小区"), provider=red)
    manage(make_estate(community, "乙小区"), provider=company(world, name="普通物业"))
    manage(make_estate(community, "丙小区"), mode="state_fallback", provider=state)
    manage(make_estate(community, "丁小区"), mode="self_managed")
    make_committee(Estate.objects.get(name="甲小区"))

    total, children = queries.coverage(world.users["county_official"], world.regions["320302"])

    assert (total.estates, total.company, total.fallback, total.self_managed) == (10, 2, 1, 1)
    assert total.without == 6 and total.red == 1 and total.with_committee == 1
    township = next(c for c in children if c.region.code == HOME["township"])
    assert township.estates == 8 and township.without == 4
    assert township.red_percent == "33.3%"
    body = html(client_for(world.users["county_official"]).get(COVERAGE))
    assert "无物业管理" in body and HOME["township"] in body


def test_a_community_lists_its_estates_with_their_management(world: World) -> None:
    manage(make_estate(home(world), "甲小区"), provider=company(world, name="彭城物业"))
    client = client_for(world.users["community_staff"])

    body = html(client.get(COVERAGE, {"region": HOME["community"]}))
    without = html(client.get(COVERAGE, {"region": HOME["community"], "without": "1"}))

    assert "甲小区" in body and "彭城物业" in body
    assert "甲小区" not in without and "无物业管理" in without


def _queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("region", ["320302", HOME["community"]])
def test_the_table_costs_the_same_queries_for_more_estates(
    world: World, django_assert_max_num_queries: Any, region: str
) -> None:
    client = client_for(world.users["county_official"])
    provider = company(world)
    url = f"{COVERAGE}?region={region}"
    few = _queries(client, url)
    for i in range(25):
        estate = make_estate(home(world), f"新小区{i}")
        if i % 2:
            manage(estate, provider=provider)
        if i % 3:
            make_committee(estate)

    with django_assert_max_num_queries(few):
        body = html(client.get(url))
    estates = {"320302": 31, HOME["community"]: 27}[region]  # the world's own estates and 25 new
    assert f'<dd class="fs-4 mb-0">{estates}</dd>' in body


# --- Committees -----------------------------------------------------------------------------------


def committee_data(**overrides: Any) -> dict[str, Any]:
    data = {
        "kind": "owners",
        "established_on": "2024-05-01",
        "term_ends_on": "2029-04-30",
        "members": "7",
        "party_members": "4",
        "chair_name": "李秀英",
        "filed_with": "街道办事处",
        "status": "active",
    }
    data.update(overrides)
    return data


def test_a_committee_is_recorded_and_shown_on_the_estate(world: World) -> None:
    estate = make_estate(home(world), "锦绣花园")
    client = client_for(world.users["community_staff"])

    response = client.post(committee_url(estate), committee_data())

    assert response.status_code == 302
    committee = EstateCommittee.objects.get()
    assert (committee.members, committee.party_members) == (7, 4)
    assert "李秀英" in html(client.get(estate_url(estate)))


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"term_ends_on": "2024-04-30"}, "任期届满日应晚于成立日期"),
        ({"party_members": "9"}, "党员人数（9）不能多于委员人数（7）"),
        ({"members": "0"}, "委员人数至少为 1 人"),
        ({"established_on": "2099-01-01", "term_ends_on": ""}, "成立日期"),
    ],
)
def test_a_bad_committee_is_refused_with_the_reason(
    world: World, overrides: dict[str, Any], message: str
) -> None:
    estate = make_estate(home(world), "锦绣花园")

    body = html(
        client_for(world.users["community_staff"]).post(
            committee_url(estate), committee_data(**overrides)
        )
    )

    assert message in body
    assert not EstateCommittee.objects.exists()


def test_editing_a_committee_checks_it_again(world: World) -> None:
    committee = make_committee(make_estate(home(world), "锦绣花园"))
    url = reverse("organizations:property_committee_edit",
                  kwargs={"estate_committee_id": committee.pk})  # fmt: skip
    client = client_for(world.users["community_staff"])

    bad = html(client.post(url, committee_data(party_members="8")))
    good = client.post(url, committee_data(status="expired"))

    committee.refresh_from_db()
    assert "不能多于委员人数" in bad
    assert good.status_code == 302 and committee.status == "expired"


def test_estates_with_an_expired_or_no_committee_are_listed(world: World) -> None:
    community = home(world)
    make_committee(make_estate(community, "在任小区"))
    make_committee(make_estate(community, "届满小区"), established_on=date(2018, 1, 1),
                   term_ends_on=date(2023, 1, 1))  # fmt: skip
    make_estate(community, "未成立小区")

    body = html(client_for(world.users["community_staff"]).get(COMMITTEES))

    lacking = body.split('id="committee-lacking"', 1)[1]
    assert "届满小区" in lacking and "未成立小区" in lacking and "在任小区" not in lacking
    assert "任期届满或已解散" in lacking and "未成立" in lacking


def test_the_committee_list_costs_the_same_queries_for_more_rows(
    world: World, django_assert_max_num_queries: Any
) -> None:
    client = client_for(world.users["county_official"])
    make_committee(make_estate(home(world), "小区0"))
    few = _queries(client, COMMITTEES)
    for i in range(1, 25):
        make_committee(make_estate(home(world), f"小区{i}"))
        make_estate(home(world), f"无委员会小区{i}")

    with django_assert_max_num_queries(few):
        body = html(client.get(COMMITTEES))
    assert "已登记 25 个" in body


def test_a_committee_of_another_county_answers_404(world: World) -> None:
    committee = make_committee(make_estate(world.regions[AWAY], "外县小区"))
    url = reverse("organizations:property_committee_edit",
                  kwargs={"estate_committee_id": committee.pk})  # fmt: skip

    assert client_for(world.users["county_official"]).get(url).status_code == 404
    assert "外县小区" not in html(client_for(world.users["county_official"]).get(COMMITTEES))


# --- Concurrent clicks ----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_changes_of_management_at_once_leave_one_open_row() -> None:
    import threading

    from django.core.exceptions import ValidationError
    from django.db import connection

    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; the row lock is exercised on PostgreSQL")
    world = build_world()
    estate = make_estate(home(world), "锦绣花园")
    first, second = company(world, name="甲物业"), company(world, name="乙物业")
    manage(estate, provider=first, started_on=date(2023, 1, 1))
    staff = world.users["community_staff"]
    results: list[str] = []

    def click(provider: Any) -> None:
        try:
            actions.set_estate_management(
                estate=Estate.objects.get(pk=estate.pk), by=staff, mode="company",
                provider=provider, started_on="2025-03-01",
            )  # fmt: skip
            results.append("ok")
        except ValidationError:
            results.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=click, args=(p,)) for p in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results) == ["ok", "refused"]
    assert EstateManagement.objects.filter(estate=estate, ended_on__isnull=True).count() == 1
    assert EstateManagement.objects.filter(estate=estate).count() == 2
