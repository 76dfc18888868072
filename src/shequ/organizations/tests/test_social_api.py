"""The social-organisation API over HTTP: scoped lists at a constant number of queries with phones
masked, creation with every bad input refused (422 naming the field, nothing written), a stale PATCH
(409), another county's objects (404), sites and staff, projects with their workflow, milestones and
evaluation, and five-party linkage."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from shequ.organizations.models import (
    OrgActivity,
    ServiceProject,
    SiteStaff,
    SocialOrganization,
    SocialWorkSite,
)
from shequ.organizations.tests.factories_social import (
    bad_uscc,
    make_org,
    make_project,
    make_site,
    uscc,
)
from tests.pages import client_for
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db

BASE = "/api/v1/organizations"
AWAY = "320303001001"


@pytest.fixture
def world() -> World:
    return build_world()


def post(client: Any, url: str, body: dict[str, Any]) -> Any:
    return client.post(BASE + url, json.dumps(body, default=str), content_type="application/json")


def patch(client: Any, url: str, body: dict[str, Any]) -> Any:
    return client.patch(BASE + url, json.dumps(body, default=str), content_type="application/json")


def org_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "region_code": HOME["community"],
        "name": "夕阳红互助会",
        "kind": "mutual_help",
        "registration": "registered",
        "uscc": uscc(11),
        "founded_on": "2019-03-01",
        "contact_phone": "13812345678",
        "members": 12,
    }
    body.update(overrides)
    return body


def fields(response: Any) -> list[str]:
    return [e["field"] for e in response.json()["errors"]]


# --- Organisations --------------------------------------------------------------------------------


def test_the_list_is_scoped_masked_and_constant(
    world: World, django_assert_max_num_queries: Any
) -> None:
    for n in range(60):
        make_org(region=world.regions[HOME["community"]], name=f"组织{n}", serial=n + 1)
    make_org(region=world.regions[AWAY], name="【X320303】外县组织", serial=99)
    client = client_for(world.users["county_official"])
    with django_assert_max_num_queries(10):
        response = client.get(BASE + "/social-organizations?page_size=100")
    body = response.json()
    assert body["count"] == 60
    assert all(r["contact_phone"] == "139****5678" for r in body["results"])
    assert "外县组织" not in response.content.decode()


def test_creating_and_the_bad_inputs(world: World) -> None:
    client = client_for(world.users["community_staff"])
    created = post(client, "/social-organizations", org_body())
    assert created.status_code == 201 and created.json()["contact_phone"] == "138****5678"
    cases = [
        (org_body(name="甲", uscc=bad_uscc(12)), "uscc", "校验位"),
        (org_body(name="乙"), "uscc", "已被另一个社会组织登记"),
        (org_body(name="丙", uscc=""), "uscc", "应填写统一社会信用代码"),
        (org_body(name="丁", registration="filed", uscc=""), "filing_number", "备案编号"),
        (org_body(name="庚", uscc=uscc(14), contact_phone="123"), "contact_phone", "11位"),
        (
            org_body(
                name="戊",
                uscc=uscc(13),
                founded_on=(timezone.localdate() + timedelta(days=1)).isoformat(),
            ),
            "founded_on",
            "不能晚于今天",
        ),
    ]
    for body, field, message in cases:
        response = post(client, "/social-organizations", body)
        assert response.status_code == 422, body
        assert field in fields(response) and message in response.json()["message"]
    outside = post(client, "/social-organizations", org_body(name="己", region_code=AWAY))
    assert outside.status_code == 404
    assert SocialOrganization.objects.count() == 1


def test_a_stale_patch_is_a_conflict(world: World) -> None:
    org = make_org(region=world.regions[HOME["community"]])
    client = client_for(world.users["community_staff"])
    ok = patch(client, f"/social-organizations/{org.pk}", {"version": 1, "members": 40})
    assert ok.status_code == 200 and ok.json()["members"] == 40
    stale = patch(client, f"/social-organizations/{org.pk}", {"version": 1, "members": 50})
    assert stale.status_code == 409


def test_another_countys_organisation_is_a_404(world: World) -> None:
    away = make_org(region=world.regions[AWAY], serial=5)
    client = client_for(world.users["county_official"])
    assert client.get(f"{BASE}/social-organizations/{away.pk}").status_code == 404
    assert (
        post(
            client, f"/social-organizations/{away.pk}/status", {"transition": "suspend"}
        ).status_code
        == 404
    )


def test_status_brand_and_activities(world: World) -> None:
    org = make_org(region=world.regions[HOME["community"]])
    client = client_for(world.users["community_staff"])
    assert post(client, f"/social-organizations/{org.pk}/brand", {}).json()["is_brand"]
    revoke = post(client, f"/social-organizations/{org.pk}/brand/revoke", {"reason": ""})
    assert revoke.status_code == 422 and "reason" in fields(revoke)
    wrong = post(client, f"/social-organizations/{org.pk}/status", {"transition": "resume"})
    assert wrong.status_code == 422
    url = f"/social-organizations/{org.pk}/activities"
    future = (timezone.localdate() + timedelta(days=2)).isoformat()
    bad = post(
        client, url, {"community_code": HOME["community"], "title": "义诊", "held_on": future}
    )
    assert bad.status_code == 422 and "held_on" in fields(bad)
    far_body = {"community_code": "320302002001", "title": "义诊", "held_on": "2026-01-05"}
    assert post(client, url, far_body).status_code == 404  # not even visible to this user
    county = client_for(world.users["county_official"])
    far = post(county, url, far_body)
    assert far.status_code == 422 and "community_code" in fields(far)
    assert not OrgActivity.objects.exists()
    good = post(
        client,
        url,
        {
            "community_code": HOME["community"],
            "title": "义诊",
            "held_on": "2026-01-05",
            "participants": 30,
        },
    )
    assert good.status_code == 201
    assert client.get(BASE + url).json()["count"] == 1


# --- Sites ----------------------------------------------------------------------------------------


def test_sites_and_staff(world: World) -> None:
    client = client_for(world.users["township_staff"])
    wrong = post(
        client, "/sites", {"region_code": HOME["community"], "kind": "station", "name": "站"}
    )
    assert wrong.status_code == 422 and "region_code" in fields(wrong)
    created = post(
        client, "/sites", {"region_code": HOME["township"], "kind": "station", "name": "社工站"}
    )
    assert created.status_code == 201
    site_id = created.json()["id"]
    backwards = post(
        client,
        f"/sites/{site_id}/staff",
        {
            "name": "李",
            "qualification": "assistant",
            "started_on": "2025-05-01",
            "ended_on": "2025-01-01",
        },
    )
    assert backwards.status_code == 422 and "ended_on" in fields(backwards)
    assert not SiteStaff.objects.exists()
    added = post(client, f"/sites/{site_id}/staff", {"name": "李", "started_on": "2025-05-01"})
    assert added.status_code == 201 and added.json()["staff"][0]["name"] == "李"
    staff_id = added.json()["staff"][0]["id"]
    ended = post(client, f"/sites/{site_id}/staff/{staff_id}/end", {"ended_on": "2025-06-01"})
    assert ended.status_code == 200 and ended.json()["staff"][0]["ended_on"] == "2025-06-01"
    renamed = patch(client, f"/sites/{site_id}", {"version": 1, "name": "某街道社会工作服务站"})
    assert renamed.status_code == 200 and renamed.json()["name"] == "某街道社会工作服务站"
    assert patch(client, f"/sites/{site_id}", {"version": 1, "name": "x"}).status_code == 409
    closed = post(client, f"/sites/{site_id}/active", {"active": False})
    assert closed.status_code == 200 and closed.json()["is_active"] is False
    make_site(region=world.regions[AWAY], kind="room", name="【X320303】外县室")
    listed = client.get(BASE + "/sites").json()
    assert listed["count"] == 1 and SocialWorkSite.objects.count() == 2


# --- Projects -------------------------------------------------------------------------------------


def test_projects_workflow_milestones_and_evaluation(world: World) -> None:
    provider = make_org(region=world.regions[HOME["township"]], name="彭城社工服务中心")
    away = make_org(region=world.regions[AWAY], name="外县机构", serial=2)
    client = client_for(world.users["township_staff"])
    today = timezone.localdate()
    body = {
        "region_code": HOME["township"],
        "kind": "venture",
        "title": "儿童之家",
        "buyer": "某街道",
        "provider_id": provider.pk,
        "community_codes": [HOME["community"]],
        "budget": "50000",
        "starts_on": (today - timedelta(days=30)).isoformat(),
        "ends_on": (today + timedelta(days=30)).isoformat(),
    }
    for bad, field in [
        ({"provider_id": away.pk}, "provider_id"),
        ({"budget": "-5"}, "budget"),
        ({"ends_on": (today - timedelta(days=60)).isoformat()}, "ends_on"),
    ]:
        response = post(client, "/projects", {**body, **bad})
        assert response.status_code == 422 and field in fields(response), bad
    assert post(client, "/projects", {**body, "community_codes": [AWAY]}).status_code == 404
    assert not ServiceProject.objects.exists()
    created = post(client, "/projects", body)
    assert created.status_code == 201
    pid = created.json()["id"]
    early = post(client, f"/projects/{pid}/evaluation", {"score": 90})
    assert early.status_code == 422 and "已结项" in early.json()["message"]
    outside = post(client, f"/projects/{pid}/milestones", {"title": "中期", "due_on": "2000-01-01"})
    assert outside.status_code == 422 and "due_on" in fields(outside)
    added = post(
        client, f"/projects/{pid}/milestones", {"title": "中期", "due_on": today.isoformat()}
    )
    milestone_id = added.json()["milestones"][0]["id"]
    assert post(client, f"/projects/{pid}/transitions", {"transition": "finish"}).status_code == 422
    assert post(client, f"/projects/{pid}/transitions", {"transition": "start"}).status_code == 200
    before = post(
        client,
        f"/projects/{pid}/milestones/{milestone_id}/done",
        {"done_on": (today - timedelta(days=31)).isoformat()},
    )
    assert before.status_code == 422 and "done_on" in fields(before)
    done = post(
        client, f"/projects/{pid}/milestones/{milestone_id}/done", {"done_on": today.isoformat()}
    )
    assert done.json()["milestones"][0]["done_on"] == today.isoformat()
    assert post(client, f"/projects/{pid}/transitions", {"transition": "finish"}).status_code == 200
    evaluated = post(client, f"/projects/{pid}/evaluation", {"score": 85})
    assert evaluated.status_code == 200 and evaluated.json()["evaluation_grade"] == "good"
    assert post(client, f"/projects/{pid}/evaluation", {"score": 95}).status_code == 422
    assert client.get(BASE + "/projects").json()["count"] == 1


def test_another_countys_project_is_a_404(world: World) -> None:
    away = make_org(region=world.regions[AWAY], name="外县机构")
    project = make_project(region=world.regions[AWAY], provider=away)
    client = client_for(world.users["county_official"])
    assert client.get(f"{BASE}/projects/{project.pk}").status_code == 404


# --- Linkage --------------------------------------------------------------------------------------


def test_linkage(world: World) -> None:
    client = client_for(world.users["county_official"])
    response = client.get(BASE + "/linkage?period=2026Q3")
    body = response.json()
    assert response.status_code == 200 and body["region_code"] == "320302"
    assert body["total"]["communities"] == 3 and body["total"]["covered"] == 0
    assert body["total"]["lacking"]["volunteer"] == 3
    # The volunteering app answers for volunteers; none served in these communities in the quarter.
    assert {p["code"]: p["answered"] for p in body["parties"]}["volunteer"] is True
    township = client.get(BASE + "/linkage?region=320302001&period=2026").json()
    assert len(township["communities"]) == 2
    missing = " ".join(township["communities"][0]["missing"])
    assert "尚未接入" not in missing and "社区志愿者" in missing
    malformed = client.get(BASE + "/linkage?period=2026Q9")
    assert malformed.status_code == 422 and "period" in fields(malformed)
    assert client.get(BASE + "/linkage?region=320303").status_code == 404


def test_patching_a_project(world: World) -> None:
    provider = make_org(region=world.regions[HOME["township"]], name="彭城社工服务中心")
    project = make_project(region=world.regions[HOME["township"]], provider=provider)
    client = client_for(world.users["township_staff"])
    url = f"/projects/{project.pk}"
    backwards = patch(client, url, {"version": 1, "ends_on": "2000-01-01"})
    assert backwards.status_code == 422 and "ends_on" in fields(backwards)
    ok = patch(
        client, url, {"version": 1, "budget": "99000", "community_codes": [HOME["community"]]}
    )
    assert ok.status_code == 200 and ok.json()["community_codes"] == [HOME["community"]]
    assert patch(client, url, {"version": 1, "budget": "1"}).status_code == 409
    project.refresh_from_db()
    assert project.budget == 99000
