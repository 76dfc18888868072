"""Community social organisations over HTTP: the scoped list with filters and a constant number of
queries, registering (USCC checked, duplicates refused, filing number required), editing, brand
designation and revocation, status changes (including two clicks at once), activities (date not in
the future, community in the township), the Excel export with masked phones."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from shequ.core.models import AuditEvent
from shequ.organizations.actions import social as actions
from shequ.organizations.models import OrgActivity, OrgStatus, SocialOrganization
from shequ.organizations.tests.factories_social import bad_uscc, make_activity, make_org, uscc
from tests.pages import client_for, html
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db

LIST = reverse("organizations:organization_list")
NEW = reverse("organizations:organization_new")
AWAY = "320303001001"
VILLAGE = "320302001201"
OTHER_TOWNSHIP_COMMUNITY = "320302002001"


@pytest.fixture
def world() -> World:
    return build_world()


def home(world: World) -> Any:
    return world.regions[HOME["community"]]


def detail(org: SocialOrganization) -> str:
    return reverse("organizations:organization_detail", kwargs={"org_id": org.pk})


def form(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "region": HOME["community"],
        "name": "夕阳红互助会",
        "kind": "mutual_help",
        "registration": "registered",
        "uscc": uscc(7),
        "filing_number": "",
        "founded_on": "2019-03-01",
        "leader_name": "周丽",
        "contact_phone": "13812345678",
        "members": "30",
        "services": "助老",
    }
    data.update(overrides)
    return data


# --- The list -------------------------------------------------------------------------------------


def test_the_list_shows_my_territory_only_and_filters(world: World) -> None:
    make_org(region=home(world), name="幸福社区志愿队", serial=1)
    make_org(region=home(world), name="幸福文体队", serial=2, kind="culture")
    make_org(region=world.regions[AWAY], name="【X320303】外县组织", serial=3)

    body = html(client_for(world.users["community_staff"]).get(LIST))
    culture = html(client_for(world.users["community_staff"]).get(LIST + "?kind=culture"))

    assert "幸福社区志愿队" in body and "幸福文体队" in body and "外县组织" not in body
    assert "幸福文体队" in culture and "幸福社区志愿队" not in culture


def test_the_list_costs_the_same_queries_for_many_rows(
    world: World, django_assert_max_num_queries: Any
) -> None:
    for n in range(60):
        make_org(region=home(world), name=f"组织{n}", serial=n + 1)
    client = client_for(world.users["county_official"])
    with django_assert_max_num_queries(14):
        response = client.get(LIST)
    assert response.status_code == 200 and "共 60 个社会组织" in html(response)


def test_another_countys_organisation_is_a_404(world: World) -> None:
    away = make_org(region=world.regions[AWAY], serial=9)
    client = client_for(world.users["community_staff"])
    assert client.get(detail(away)).status_code == 404
    assert client.get(detail(away) + "edit/").status_code == 404


# --- Registering ----------------------------------------------------------------------------------


def test_registering_an_organisation_with_a_valid_uscc(world: World) -> None:
    client = client_for(world.users["community_staff"])
    response = client.post(NEW, form())
    org = SocialOrganization.objects.get()
    assert response.status_code == 302 and response.url == detail(org)
    assert org.uscc == uscc(7) and org.contact_phone == "13812345678"
    page = html(client.get(detail(org)))
    assert "13812345678" not in page and "138****5678" in page
    assert AuditEvent.objects.filter(action="organizations.org_register").exists()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"uscc": bad_uscc(7)}, "uscc", "校验位不正确"),
        ({"uscc": ""}, "uscc", "应填写统一社会信用代码"),
        ({"registration": "filed", "uscc": ""}, "filing_number", "应填写备案编号"),
        (
            {"founded_on": (timezone.localdate() + timedelta(days=3)).isoformat()},
            "founded_on",
            "不能晚于今天",
        ),
        ({"region": AWAY}, "region", ""),
        ({"contact_phone": "12345"}, "contact_phone", "11位"),
    ],
)
def test_bad_registrations_are_refused_with_the_reason(
    world: World, overrides: dict[str, Any], field: str, message: str
) -> None:
    response = client_for(world.users["community_staff"]).post(NEW, form(**overrides))
    body = html(response)
    assert response.status_code == 200
    assert message in body
    assert not SocialOrganization.objects.exists()


def test_a_duplicate_uscc_is_refused(world: World) -> None:
    make_org(region=home(world), registration="registered", uscc=uscc(7), serial=1)
    response = client_for(world.users["community_staff"]).post(NEW, form(name="另一个组织"))
    assert "已被另一个社会组织登记" in html(response)
    assert SocialOrganization.objects.count() == 1


def test_editing_keeps_the_checks(world: World) -> None:
    org = make_org(region=home(world), serial=1)
    client = client_for(world.users["community_staff"])
    url = detail(org) + "edit/"
    page = html(client.get(url))
    assert "13912345678" not in page and "留空则不修改" in page
    data = form(
        registration="filed", uscc="", filing_number="", version=org.version, contact_phone=""
    )
    data.pop("region")
    response = client.post(url, data)
    assert "应填写备案编号" in html(response)
    data["filing_number"] = "街备-2026-01"
    response = client.post(url, data)
    assert response.status_code == 302
    org.refresh_from_db()
    assert org.filing_number == "街备-2026-01" and org.name == "夕阳红互助会"
    assert org.contact_phone == "13912345678"  # left blank: kept


# --- Brand and status -----------------------------------------------------------------------------


def test_brand_designation_and_revocation(world: World) -> None:
    org = make_org(region=home(world), serial=1)
    client = client_for(world.users["community_staff"])
    url = reverse("organizations:organization_brand", kwargs={"org_id": org.pk})
    assert client.post(url, {"since": ""}).status_code == 302
    org.refresh_from_db()
    assert org.is_brand and org.brand_since == timezone.localdate()
    assert "品牌社会组织" in html(client.get(LIST + "?brand=yes"))
    refused = client.post(url, {"action": "revoke", "reason": ""})
    assert refused.status_code == 422 and "撤销品牌认定的原因" in html(refused)
    assert client.post(url, {"action": "revoke", "reason": "年检不合格"}).status_code == 302
    org.refresh_from_db()
    assert not org.is_brand and org.brand_since is None


def test_status_changes_follow_the_workflow(world: World) -> None:
    org = make_org(region=home(world), serial=1)
    client = client_for(world.users["community_staff"])
    url = reverse("organizations:organization_status", kwargs={"org_id": org.pk})
    assert client.post(url, {"transition": "suspend"}).status_code == 302
    org.refresh_from_db()
    assert org.status == OrgStatus.DORMANT
    wrong = client.post(url, {"transition": "suspend"})
    assert wrong.status_code == 422 and "当前状态下不能进行此操作" in html(wrong)
    no_reason = client.post(url, {"transition": "dissolve"})
    assert "请填写注销原因" in html(no_reason)
    assert client.post(url, {"transition": "dissolve", "reason": "成员解散"}).status_code == 302
    org.refresh_from_db()
    assert org.status == OrgStatus.DISSOLVED


def test_two_clicks_at_once_change_the_status_once(world: World) -> None:
    org = make_org(region=home(world), serial=1)
    stale = SocialOrganization.objects.get(pk=org.pk)
    actions.change_organization_status(organization=org, transition="suspend", by=None)
    with pytest.raises(Exception, match="刚刚已被他人处理"):
        actions.change_organization_status(organization=stale, transition="suspend", by=None)
    assert SocialOrganization.objects.get(pk=org.pk).version == 2


# --- Activities -----------------------------------------------------------------------------------


def test_recording_an_activity_lists_it_on_the_detail_page(world: World) -> None:
    """A township official records a community organisation's activity in a neighbouring village
    of the same township (a community worker is offered only their own community)."""
    org = make_org(region=home(world), serial=1)
    offered = html(
        client_for(world.users["community_staff"]).get(
            reverse("organizations:activity_new", kwargs={"org_id": org.pk})
        )
    )
    assert VILLAGE not in offered
    client = client_for(world.users["township_staff"])
    url = reverse("organizations:activity_new", kwargs={"org_id": org.pk})
    response = client.post(
        url,
        {
            "title": "垃圾分类宣传",
            "held_on": timezone.localdate().isoformat(),
            "community": VILLAGE,
            "participants": "35",
            "description": "入户宣传",
        },
    )
    assert response.status_code == 302
    assert "垃圾分类宣传" in html(client.get(detail(org)))


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"held_on": "2099-01-01"}, "不能晚于今天"),
        ({"community": OTHER_TOWNSHIP_COMMUNITY}, "选择一个有效的选项"),
        ({"held_on": "2010-01-01"}, "不能早于组织成立日期"),
    ],
)
def test_bad_activities_are_refused(world: World, overrides: dict[str, Any], message: str) -> None:
    org = make_org(region=home(world), serial=1)
    data = {
        "title": "义诊",
        "held_on": timezone.localdate().isoformat(),
        "community": HOME["community"],
        "participants": "10",
    }
    data.update(overrides)
    client = client_for(world.users["community_staff"])
    response = client.post(reverse("organizations:activity_new", kwargs={"org_id": org.pk}), data)
    assert response.status_code == 200 and message in html(response)
    assert not OrgActivity.objects.exists()


def test_the_action_refuses_a_community_outside_the_township(world: World) -> None:
    org = make_org(region=home(world), serial=1)
    with pytest.raises(Exception, match="不在其中"):
        make_activity(org=org, community=world.regions[OTHER_TOWNSHIP_COMMUNITY])


# --- Export ---------------------------------------------------------------------------------------


def test_the_export_has_my_rows_with_masked_phones(world: World) -> None:
    make_org(region=home(world), name="幸福社区志愿队", serial=1)
    make_org(region=world.regions[AWAY], name="外县组织", serial=2)
    response = client_for(world.users["community_staff"]).get(
        reverse("organizations:organization_export")
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = [str(c) for row in sheet.iter_rows(values_only=True) for c in row if c]
    assert "幸福社区志愿队" in cells and "外县组织" not in cells
    assert "139****5678" in cells and "13912345678" not in cells
    assert AuditEvent.objects.filter(action="organizations.org_export").exists()
