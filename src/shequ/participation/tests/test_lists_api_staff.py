"""The staff writes of the three lists and micro-renewal API: needs, resources, livelihood projects
and micro-renewal projects created and changed, needs and renewals moved along their workflows, and
money recorded, each refused clearly (403 without ``LISTS``, 404 outside the jurisdiction, 422
naming the field, 409 on a stale ``version``)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from shequ.accounts import actions as accounts
from shequ.accounts.models import Role
from shequ.core import calendar
from shequ.participation.models.lists import (
    Contribution,
    LivelihoodProject,
    MicroRenewal,
    NeedItem,
    NeedStatus,
    RenewalStatus,
    ResourceItem,
    Spending,
)
from shequ.participation.tests.factories_deliberation import propose
from shequ.participation.tests.factories_lists import (
    give,
    make_need,
    make_project,
    make_renewal,
    make_resource,
)
from tests.pages import client_for
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db
API = "/api/v1/participation"
AWAY = "320303001001"


@pytest.fixture
def world() -> World:
    return build_world()


@pytest.fixture
def staff(world: World) -> Any:
    return world.users["community_staff"]


@pytest.fixture
def home(world: World) -> Any:
    return world.regions[HOME["community"]]


@pytest.fixture
def away(world: World) -> Any:
    return world.regions[AWAY]


def _send(client: Any, method: str, path: str, body: dict[str, Any]) -> Any:
    return getattr(client, method)(API + path, json.dumps(body), content_type="application/json")


def _post(client: Any, path: str, body: dict[str, Any]) -> Any:
    return _send(client, "post", path, body)


def _patch(client: Any, path: str, body: dict[str, Any]) -> Any:
    return _send(client, "patch", path, body)


def _fields(response: Any) -> list[str]:
    return [e["field"] for e in response.json()["errors"]]


def _tomorrow() -> str:
    return (calendar.localdate() + timedelta(days=1)).isoformat()


NEED = {"category": "elderly", "title": "老年食堂", "households": 30, "source": "入户走访"}


# --- Needs -----------------------------------------------------------------------------------------


def test_staff_enter_a_need_of_their_community(staff: Any) -> None:
    made = _post(client_for(staff), "/needs", {"community_code": HOME["community"], **NEED})
    assert made.status_code == 201, made.json()
    body = made.json()
    assert body["title"] == "老年食堂" and body["status"] == "open" and body["households"] == 30
    assert body["community_code"] == HOME["community"] and body["version"] == 0
    need = NeedItem.objects.get(pk=body["id"])
    assert need.created_by == staff and need.source == "入户走访"


def test_a_need_of_another_county_cannot_be_entered(staff: Any) -> None:
    refused = _post(client_for(staff), "/needs", {"community_code": AWAY, **NEED})
    assert refused.status_code == 404 and _fields(refused) == ["community_code"]
    assert not NeedItem.objects.exists()


def test_a_need_is_entered_at_a_community_not_a_township(world: World) -> None:
    # No built-in role keeps the lists above a community: hold the clerk's role at the township.
    lead = accounts.create_staff_user(
        username="township_lists", full_name="镇清单员", password=None
    )
    clerk = Role.objects.get(code="community_staff")
    role = Role.objects.create(
        code="township_lists",
        name="镇清单员",
        permissions=clerk.permissions,
        held_at="township",
        requires_2fa=clerk.requires_2fa,
    )
    accounts.assign_role(user=lead, role=role, region=world.regions[HOME["township"]])
    refused = _post(client_for(lead), "/needs", {"community_code": HOME["township"], **NEED})
    assert refused.status_code == 422 and _fields(refused) == ["community_code"], refused.json()
    assert not NeedItem.objects.exists()


def test_a_need_needs_the_lists_permission(world: World) -> None:
    grid = client_for(world.users["grid_worker"])
    refused = _post(grid, "/needs", {"community_code": HOME["community"], **NEED})
    assert refused.status_code == 403 and not NeedItem.objects.exists()


def test_a_need_with_an_unknown_category_names_the_field(staff: Any) -> None:
    body = {"community_code": HOME["community"], **NEED, "category": "nonsense"}
    refused = _post(client_for(staff), "/needs", body)
    assert refused.status_code == 422 and _fields(refused) == ["category"]


def test_staff_change_a_need_from_the_version_they_read(staff: Any, home: Any) -> None:
    need = make_need(home, staff, title="楼道照明不足")
    changed = _patch(client_for(staff), f"/needs/{need.pk}", {"version": 0, "title": "楼道灯"})
    assert changed.status_code == 200, changed.json()
    assert changed.json()["title"] == "楼道灯" and changed.json()["version"] == 1
    need.refresh_from_db()
    assert need.title == "楼道灯" and need.households == 12 and need.source == "入户走访"


def test_a_change_from_a_stale_version_is_a_conflict(staff: Any, home: Any) -> None:
    need = make_need(home, staff, title="楼道照明不足")
    client = client_for(staff)
    assert _patch(client, f"/needs/{need.pk}", {"version": 0, "households": 20}).status_code == 200
    stale = _patch(client, f"/needs/{need.pk}", {"version": 0, "title": "覆盖"})
    assert stale.status_code == 409 and _fields(stale) == ["version"], stale.json()
    need.refresh_from_db()
    assert need.title == "楼道照明不足" and need.households == 20


def test_a_need_change_with_an_empty_title_names_the_field(staff: Any, home: Any) -> None:
    need = make_need(home, staff)
    refused = _patch(client_for(staff), f"/needs/{need.pk}", {"version": 0, "title": None})
    assert refused.status_code == 422 and _fields(refused) == ["title"]


def test_a_need_change_with_an_unknown_field_is_refused(staff: Any, home: Any) -> None:
    need = make_need(home, staff)
    refused = _patch(client_for(staff), f"/needs/{need.pk}", {"version": 0, "status": "met"})
    assert refused.status_code == 422 and _fields(refused) == ["status"]
    need.refresh_from_db()
    assert need.status == NeedStatus.OPEN


def test_a_need_of_another_county_cannot_be_changed(staff: Any, world: World, away: Any) -> None:
    theirs = make_need(away, world.outsider)
    refused = _patch(client_for(staff), f"/needs/{theirs.pk}", {"version": 0, "title": "改"})
    assert refused.status_code == 404 and _fields(refused) == ["need_id"]
    theirs.refresh_from_db()
    assert theirs.title == "楼道照明不足"


def test_staff_mark_a_need_met_and_reopen_it(staff: Any, home: Any) -> None:
    need = make_need(home, staff)
    client = client_for(staff)
    met = _post(client, f"/needs/{need.pk}/transitions", {"transition": "meet"})
    assert met.status_code == 200 and met.json()["status"] == "met", met.json()
    again = _post(client, f"/needs/{need.pk}/transitions", {"transition": "close"})
    assert again.status_code == 422, again.json()
    reopened = _post(client, f"/needs/{need.pk}/transitions", {"transition": "reopen"})
    assert reopened.status_code == 200 and reopened.json()["status"] == "open"
    need.refresh_from_db()
    assert need.status == NeedStatus.OPEN and need.version == 2


def test_an_unknown_need_transition_names_the_field(staff: Any, home: Any) -> None:
    need = make_need(home, staff)
    refused = _post(client_for(staff), f"/needs/{need.pk}/transitions", {"transition": "win"})
    assert refused.status_code == 422 and _fields(refused) == ["transition"]


def test_need_transitions_stay_in_the_jurisdiction(world: World, away: Any, home: Any) -> None:
    theirs = make_need(away, world.outsider)
    mine = make_need(home, world.users["community_staff"])
    staff = client_for(world.users["community_staff"])
    grid = client_for(world.users["grid_worker"])
    body = {"transition": "meet"}
    assert _post(staff, f"/needs/{theirs.pk}/transitions", body).status_code == 404
    assert _post(grid, f"/needs/{mine.pk}/transitions", body).status_code == 403
    assert set(NeedItem.objects.values_list("status", flat=True)) == {NeedStatus.OPEN}


# --- Resources -------------------------------------------------------------------------------------

RESOURCE = {"kind": "venue", "title": "活动室", "provider": "社区居委会"}


def test_staff_register_a_resource_and_mark_it_unavailable(staff: Any) -> None:
    client = client_for(staff)
    made = _post(client, "/resources", {"community_code": HOME["community"], **RESOURCE})
    assert made.status_code == 201 and made.json()["is_available"] is True, made.json()
    pk = made.json()["id"]
    changed = _patch(client, f"/resources/{pk}", {"is_available": False})
    assert changed.status_code == 200 and changed.json()["is_available"] is False
    assert client.get(f"{API}/resources/{pk}").json()["title"] == "活动室"
    assert ResourceItem.objects.get(pk=pk).is_available is False


def test_a_resource_with_an_unknown_kind_names_the_field(staff: Any) -> None:
    body = {"community_code": HOME["community"], **RESOURCE, "kind": "castle"}
    refused = _post(client_for(staff), "/resources", body)
    assert refused.status_code == 422 and _fields(refused) == ["kind"]


def test_a_resource_cannot_be_made_neither_available_nor_not(staff: Any, home: Any) -> None:
    resource = make_resource(home, staff)
    refused = _patch(client_for(staff), f"/resources/{resource.pk}", {"is_available": None})
    assert refused.status_code == 422 and _fields(refused) == ["is_available"]


def test_resources_of_another_county_are_out_of_reach(staff: Any, world: World, away: Any) -> None:
    theirs = make_resource(away, world.outsider)
    client = client_for(staff)
    assert client.get(f"{API}/resources/{theirs.pk}").status_code == 404
    assert _patch(client, f"/resources/{theirs.pk}", {"title": "改"}).status_code == 404
    created = _post(client, "/resources", {"community_code": AWAY, **RESOURCE})
    assert created.status_code == 404 and _fields(created) == ["community_code"]
    assert ResourceItem.objects.count() == 1


def test_resources_are_written_only_with_the_lists_permission(world: World, home: Any) -> None:
    resource = make_resource(home, world.users["community_staff"])
    grid = client_for(world.users["grid_worker"])
    assert _patch(grid, f"/resources/{resource.pk}", {"title": "改"}).status_code == 403
    body = {"community_code": HOME["community"], **RESOURCE}
    assert _post(grid, "/resources", body).status_code == 403


# --- Livelihood projects ---------------------------------------------------------------------------

PROJECT = {"title": "路灯更新", "responsible_party": "社区居委会", "budget": "20000"}


def test_staff_register_a_project_from_a_topic_of_their_community(staff: Any, home: Any) -> None:
    topic, _author = propose(home)
    body = {"community_code": HOME["community"], **PROJECT, "topic_id": topic.pk}
    made = _post(client_for(staff), "/livelihood-projects", body)
    assert made.status_code == 201, made.json()
    assert made.json()["topic_id"] == topic.pk and made.json()["status"] == "planned"
    assert made.json()["budget"] in ("20000.00", 20000)


def test_a_project_from_another_communitys_topic_names_the_field(staff: Any, away: Any) -> None:
    topic, _author = propose(away)
    body = {"community_code": HOME["community"], **PROJECT, "topic_id": topic.pk}
    refused = _post(client_for(staff), "/livelihood-projects", body)
    assert refused.status_code == 422 and _fields(refused) == ["topic_id"], refused.json()
    assert not LivelihoodProject.objects.exists()


def test_a_project_ending_before_it_starts_names_the_field(staff: Any) -> None:
    body = {
        "community_code": HOME["community"],
        **PROJECT,
        "start_on": "2026-05-01",
        "end_on": "2026-04-01",
    }
    refused = _post(client_for(staff), "/livelihood-projects", body)
    assert refused.status_code == 422 and _fields(refused) == ["end_on"]


def test_staff_move_a_project_on_and_clear_its_topic(staff: Any, home: Any) -> None:
    topic, _author = propose(home)
    project = make_project(home, staff, topic=topic)
    client = client_for(staff)
    changed = _patch(
        client,
        f"/livelihood-projects/{project.pk}",
        {"status": "in_progress", "topic_id": None},
    )
    assert changed.status_code == 200, changed.json()
    assert changed.json()["status"] == "in_progress" and changed.json()["topic_id"] is None
    read = client.get(f"{API}/livelihood-projects/{project.pk}").json()
    assert read["status"] == "in_progress" and read["title"] == "老旧小区路灯更新"


def test_projects_of_another_county_are_out_of_reach(staff: Any, world: World, away: Any) -> None:
    theirs = make_project(away, world.outsider)
    client = client_for(staff)
    assert client.get(f"{API}/livelihood-projects/{theirs.pk}").status_code == 404
    refused = _patch(client, f"/livelihood-projects/{theirs.pk}", {"status": "completed"})
    assert refused.status_code == 404 and _fields(refused) == ["livelihood_project_id"]
    theirs.refresh_from_db()
    assert theirs.status == "planned"


# --- Micro-renewal ---------------------------------------------------------------------------------

RENEWAL = {"title": "口袋公园", "budget": "1000"}


def test_staff_register_a_renewal_fundraising(staff: Any) -> None:
    made = _post(client_for(staff), "/renewals", {"community_code": HOME["community"], **RENEWAL})
    assert made.status_code == 201, made.json()
    body = made.json()
    assert body["status"] == "fundraising" and float(body["budget"]) == 1000
    assert float(body["received"]) == 0 and body["version"] == 0 and body["is_published"] is True
    assert MicroRenewal.objects.get(pk=body["id"]).created_by == staff


def test_a_renewal_needs_a_budget_above_zero(staff: Any) -> None:
    body = {"community_code": HOME["community"], **RENEWAL, "budget": "0"}
    refused = _post(client_for(staff), "/renewals", body)
    assert refused.status_code == 422 and _fields(refused) == ["budget"]


def test_a_renewal_of_another_county_cannot_be_registered(world: World) -> None:
    client = client_for(world.users["community_staff"])
    refused = _post(client, "/renewals", {"community_code": AWAY, **RENEWAL})
    assert refused.status_code == 404 and not MicroRenewal.objects.exists()
    grid = client_for(world.users["grid_worker"])
    body = {"community_code": HOME["community"], **RENEWAL}
    assert _post(grid, "/renewals", body).status_code == 403


def test_a_renewal_budget_never_drops_below_the_funds(staff: Any, home: Any) -> None:
    renewal = make_renewal(home, staff, budget="1000")
    give(renewal, staff, "600")
    client = client_for(staff)
    low = _patch(client, f"/renewals/{renewal.pk}", {"version": 0, "budget": "500"})
    assert low.status_code == 422 and _fields(low) == ["budget"]
    ok = _patch(client, f"/renewals/{renewal.pk}", {"version": 0, "budget": "600"})
    assert ok.status_code == 200 and float(ok.json()["budget"]) == 600, ok.json()
    assert ok.json()["version"] == 1 and float(ok.json()["received"]) == 600


def test_a_renewal_change_from_a_stale_version_is_a_conflict(staff: Any, home: Any) -> None:
    renewal = make_renewal(home, staff, title="旧名")
    client = client_for(staff)
    assert (
        _patch(client, f"/renewals/{renewal.pk}", {"version": 0, "title": "新名"}).status_code
        == 200
    )
    stale = _patch(client, f"/renewals/{renewal.pk}", {"version": 0, "is_published": False})
    assert stale.status_code == 409 and _fields(stale) == ["version"]
    renewal.refresh_from_db()
    assert renewal.title == "新名" and renewal.is_published is True


def test_a_renewal_of_another_county_cannot_be_changed(staff: Any, world: World, away: Any) -> None:
    theirs = make_renewal(away, world.outsider, title="外县")
    client = client_for(staff)
    refused = _patch(client, f"/renewals/{theirs.pk}", {"version": 0, "title": "改"})
    assert refused.status_code == 404 and _fields(refused) == ["renewal_id"]
    moved = _post(client, f"/renewals/{theirs.pk}/transitions", {"transition": "start"})
    assert moved.status_code == 404
    theirs.refresh_from_db()
    assert theirs.title == "外县" and theirs.status == RenewalStatus.FUNDRAISING


def test_a_completed_renewal_takes_no_more_money(staff: Any, home: Any) -> None:
    renewal = make_renewal(home, staff, budget="1000")
    give(renewal, staff, "500")
    client = client_for(staff)
    started = _post(client, f"/renewals/{renewal.pk}/transitions", {"transition": "start"})
    assert started.status_code == 200 and started.json()["status"] == "in_progress"
    done = _post(client, f"/renewals/{renewal.pk}/transitions", {"transition": "complete"})
    assert done.status_code == 200 and done.json()["status"] == "completed"
    gift = {
        "source": "government",
        "contributor": "街道",
        "amount": "100",
        "received_on": calendar.localdate().isoformat(),
    }
    refused = _post(client, f"/renewals/{renewal.pk}/contributions", gift)
    assert refused.status_code == 422 and "项目已完成，不能再登记出资" in refused.json()["message"]
    line = {"item": "座椅", "amount": "100", "spent_on": calendar.localdate().isoformat()}
    refused = _post(client, f"/renewals/{renewal.pk}/spendings", line)
    assert refused.status_code == 422 and "项目已完成，不能再登记支出" in refused.json()["message"]
    again = _post(client, f"/renewals/{renewal.pk}/transitions", {"transition": "start"})
    assert again.status_code == 422
    assert Contribution.objects.count() == 1 and not Spending.objects.exists()


def test_renewal_transitions_need_the_permission_and_a_known_name(world: World, home: Any) -> None:
    renewal = make_renewal(home, world.users["community_staff"])
    grid = client_for(world.users["grid_worker"])
    body = {"transition": "start"}
    assert _post(grid, f"/renewals/{renewal.pk}/transitions", body).status_code == 403
    staff = client_for(world.users["community_staff"])
    unknown = _post(staff, f"/renewals/{renewal.pk}/transitions", {"transition": "finish"})
    assert unknown.status_code == 422 and _fields(unknown) == ["transition"]
    renewal.refresh_from_db()
    assert renewal.status == RenewalStatus.FUNDRAISING


def test_a_contribution_reports_every_problem_in_order(staff: Any, home: Any) -> None:
    renewal = make_renewal(home, staff)
    body = {
        "source": "lottery",
        "contributor": "  ",
        "amount": "0",
        "received_on": _tomorrow(),
        "households": -1,
    }
    refused = _post(client_for(staff), f"/renewals/{renewal.pk}/contributions", body)
    assert refused.status_code == 422
    assert _fields(refused) == ["source", "contributor", "amount", "received_on", "households"]


def test_residents_funds_name_the_households(staff: Any, home: Any) -> None:
    renewal = make_renewal(home, staff, budget="1000")
    client = client_for(staff)
    today = calendar.localdate().isoformat()
    body = {"source": "residents", "contributor": "3号楼", "amount": "200", "received_on": today}
    missing = _post(client, f"/renewals/{renewal.pk}/contributions", body)
    assert missing.status_code == 422 and _fields(missing) == ["households"]
    made = _post(client, f"/renewals/{renewal.pk}/contributions", {**body, "households": 8})
    assert made.status_code == 201 and made.json()["households"] == 8
    firm = {**body, "source": "enterprise", "contributor": "物业公司", "households": 8}
    other = _post(client, f"/renewals/{renewal.pk}/contributions", firm)
    assert other.status_code == 201 and other.json()["households"] == 0
    over = _post(client, f"/renewals/{renewal.pk}/contributions", {**firm, "amount": "600.01"})
    assert over.status_code == 422 and "最多还能登记600.00元" in over.json()["message"]


def test_a_spending_reports_every_problem_in_order(staff: Any, home: Any) -> None:
    renewal = make_renewal(home, staff)
    body = {"item": "", "amount": "1.001", "spent_on": _tomorrow()}
    refused = _post(client_for(staff), f"/renewals/{renewal.pk}/spendings", body)
    assert refused.status_code == 422 and _fields(refused) == ["item", "amount", "spent_on"]
    assert not Spending.objects.exists()
