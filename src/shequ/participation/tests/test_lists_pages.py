"""The three lists and micro-renewal pages through the client: staff lists, forms and matching, the
overview per child region (query count bounded), jurisdiction (another county's rows are 404),
residents' read-only lists and need reports, and the public micro-renewal page without names."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from shequ.participation.actions import lists as actions
from shequ.participation.models.lists import (
    Contribution,
    FundSource,
    LivelihoodProject,
    MicroRenewal,
    NeedItem,
    NeedStatus,
    ResourceItem,
    Spending,
)
from shequ.participation.tests.factories_lists import (
    give,
    make_need,
    make_project,
    make_renewal,
    make_resource,
    resident_with_account,
    spend,
)
from tests.pages import client_for, html
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db
AWAY = "320303001001"


@pytest.fixture
def world() -> World:
    return build_world()


def staff(world: World) -> Any:
    return world.users["community_staff"]


def home(world: World) -> Any:
    return world.regions[HOME["community"]]


def url(name: str, **kwargs: Any) -> str:
    return reverse(f"participation:{name}", kwargs=kwargs)


def test_staff_record_a_need_match_it_and_mark_it_met(world: World) -> None:
    client = client_for(staff(world))
    bad = client.post(url("need_create"), {"community": home(world).pk, "category": "x"})
    assert bad.status_code == 200 and NeedItem.objects.count() == 0
    assert "需求" in html(bad)
    done = client.post(
        url("need_create"),
        {
            "community": home(world).pk,
            "category": "elderly",
            "title": "老人助餐",
            "households": "20",
            "source": "入户走访",
        },
    )
    need = NeedItem.objects.get()
    assert done.status_code == 302 and done["Location"] == url("need_edit", need_id=need.pk)
    resource = make_resource(home(world), staff(world), title="长者食堂")
    project = make_project(home(world), staff(world), title="助餐点建设")
    empty = client.post(url("need_match", need_id=need.pk), {"note": "x"})
    assert "请至少选择一项服务资源或民生项目" in html(empty)
    client.post(url("need_match", need_id=need.pk), {"resource": resource.pk})
    client.post(url("need_match", need_id=need.pk), {"project": project.pk, "note": "纳入项目"})
    page = html(client.get(url("need_edit", need_id=need.pk)))
    assert "长者食堂" in page and "助餐点建设" in page and "已对接" in page
    client.post(url("need_status", need_id=need.pk), {"transition": "meet"})
    again = client.post(url("need_status", need_id=need.pk), {"transition": "meet"}, follow=True)
    assert "当前状态下不能进行此操作" in html(again)
    need.refresh_from_db()
    assert need.status == NeedStatus.MET
    edited = client.post(
        url("need_edit", need_id=need.pk),
        {"category": "elderly", "title": "老人助餐（午餐）", "version": need.version},
    )
    assert edited.status_code == 302
    stale = client.post(
        url("need_edit", need_id=need.pk),
        {"category": "elderly", "title": "旧版本", "version": 0},
    )
    assert "刚刚已被他人修改" in html(stale)


def test_resources_and_projects_are_created_and_edited(world: World) -> None:
    client = client_for(staff(world))
    client.post(
        url("resource_create"),
        {
            "community": home(world).pk,
            "kind": "volunteers",
            "title": "红马甲志愿队",
            "provider": "社区志愿者协会",
            "is_available": "on",
        },
    )
    resource = ResourceItem.objects.get()
    client.post(
        url("resource_edit", resource_id=resource.pk),
        {"kind": "volunteers", "title": "红马甲志愿服务队", "provider": "社区志愿者协会"},
    )
    resource.refresh_from_db()
    assert resource.title == "红马甲志愿服务队" and not resource.is_available
    bad = client.post(
        url("project_create"),
        {
            "community": home(world).pk,
            "title": "加装电梯",
            "responsible_party": "街道",
            "status": "planned",
            "budget": "abc",
            "start_on": "2026-05-01",
            "end_on": "2026-04-01",
        },
    )
    text = html(bad)
    assert "金额须为数字" in text and "完成期限不能早于开始日期" in text
    assert LivelihoodProject.objects.count() == 0
    client.post(
        url("project_create"),
        {
            "community": home(world).pk,
            "title": "加装电梯",
            "responsible_party": "街道",
            "status": "planned",
            "budget": "350000",
        },
    )
    project = LivelihoodProject.objects.get()
    listing = html(client.get(url("project_list")))
    assert "加装电梯" in listing and "350000.00" in listing
    page = client.get(url("project_edit", livelihood_project_id=project.pk))
    assert page.status_code == 200


def test_lists_are_scoped_and_other_countys_rows_are_404(world: World) -> None:
    away = world.regions[AWAY]
    theirs = make_need(away, world.outsider, title="外县需求")
    mine = make_need(home(world), staff(world), title="本社区需求")
    their_renewal = make_renewal(away, world.outsider, title="外县微更新")
    client = client_for(staff(world))
    listing = html(client.get(url("need_list")))
    assert "本社区需求" in listing and "外县需求" not in listing
    assert client.get(url("need_edit", need_id=theirs.pk)).status_code == 404
    assert client.get(url("renewal_detail", renewal_id=their_renewal.pk)).status_code == 404
    assert client.post(url("need_match", need_id=theirs.pk), {}).status_code == 404
    grid = client_for(world.users["grid_worker"])
    assert "本社区需求" in html(grid.get(url("need_list")))
    assert grid.get(url("need_create")).status_code == 403
    viewer = html(grid.get(url("need_edit", need_id=mine.pk)))
    assert "对接资源或项目" not in viewer


def test_list_pages_use_a_bounded_number_of_queries(
    world: World, django_assert_max_num_queries: Any
) -> None:
    by = staff(world)
    for n in range(8):
        need = make_need(home(world), by, title=f"需求{n}")
        resource = make_resource(home(world), by, title=f"资源{n}")
        make_project(home(world), by, title=f"项目{n}")
        actions.match_need(need=need, by=by, resource=resource)
        renewal = make_renewal(home(world), by, title=f"微更新{n}")
        give(renewal, by, "100")
    client = client_for(world.users["county_official"])
    for name in ("need_list", "resource_list", "project_list", "renewal_list", "lists_overview"):
        client.get(url(name))
        with django_assert_max_num_queries(25):
            assert client.get(url(name)).status_code == 200


def test_the_overview_counts_per_child_region(world: World) -> None:
    by = staff(world)
    need = make_need(home(world), by, title="甲")
    make_need(home(world), by, title="乙")
    actions.match_need(need=need, by=by, resource=make_resource(home(world), by))
    client = client_for(world.users["county_official"])
    page = html(client.get(url("lists_overview") + "?region=" + HOME["township"]))
    assert home(world).name in page and "50.0%" in page
    community = html(client.get(url("lists_overview") + "?region=" + HOME["community"]))
    assert "乙" in community
    assert client.get(url("lists_overview") + "?region=" + AWAY).status_code == 404


def test_a_renewal_with_contributions_spending_and_bad_amounts(world: World) -> None:
    client = client_for(staff(world))
    bad = client.post(
        url("renewal_create"), {"community": home(world).pk, "title": "口袋公园", "budget": "0"}
    )
    assert "金额须大于零" in html(bad) and MicroRenewal.objects.count() == 0
    client.post(
        url("renewal_create"),
        {"community": home(world).pk, "title": "口袋公园", "budget": "10000", "is_published": "on"},
    )
    renewal = MicroRenewal.objects.get()
    add = url("contribution_add", renewal_id=renewal.pk)
    for amount, message in (
        ("abc", "金额须为数字"),
        ("-1", "金额不能为负数"),
        ("0", "金额须大于零"),
        ("1234567890123", "金额过大"),
        ("10000.01", "出资合计将超过总预算"),
    ):
        page = client.post(
            add,
            {
                "source": "government",
                "contributor": "街道办事处",
                "amount": amount,
                "received_on": "2026-01-05",
            },
        )
        assert page.status_code == 200 and message in html(page), amount
    assert Contribution.objects.count() == 0
    client.post(
        add,
        {
            "source": "residents",
            "contributor": "王大爷",
            "households": "12",
            "amount": "3000",
            "received_on": "2026-01-05",
        },
    )
    client.post(
        add,
        {
            "source": "government",
            "contributor": "街道办事处",
            "amount": "5000",
            "received_on": "2026-01-06",
        },
    )
    over = client.post(
        url("spending_add", renewal_id=renewal.pk),
        {"item": "铺装", "amount": "8000.01", "spent_on": "2026-01-07"},
    )
    assert "支出合计将超过已到账资金" in html(over)
    client.post(
        url("spending_add", renewal_id=renewal.pk),
        {"item": "铺装", "amount": "2000", "spent_on": "2026-01-07"},
    )
    assert Spending.objects.count() == 1
    client.post(url("renewal_transition", renewal_id=renewal.pk), {"transition": "start"})
    detail = html(client.get(url("renewal_detail", renewal_id=renewal.pk)))
    assert "实施中" in detail and "王大爷" in detail and "37.5%" in detail and "30.0%" in detail
    public = html(Client().get(url("public_renewals", code=HOME["community"])))
    assert "口袋公园" in public and "居民自筹（12户）" in public and "铺装" in public
    assert "王大爷" not in public and "37.5%" in public and "6000.00" in public
    assert "街道办事处" not in public


def test_residents_read_their_lists_and_report_a_need(world: World) -> None:
    by = staff(world)
    make_resource(home(world), by, title="老年活动室")
    make_project(home(world), by, title="雨污分流改造")
    make_need(world.regions[AWAY], world.outsider, title="外县需求")
    hidden = make_renewal(home(world), by, title="未公开项目", is_published=False)
    _me, user = resident_with_account(home(world), "赵丽华")
    client = client_for(user)
    form = html(client.get(url("need_report")))
    key = re.findall(r'name="request_key" value="([^"]+)"', form)[0]
    script = client.post(
        url("need_report"),
        {"category": "environment", "title": "<script>alert(1)</script>", "request_key": key},
    )
    assert "脚本" in html(script) and NeedItem.objects.filter(source="居民提出").count() == 0
    data = {"category": "environment", "title": "单元门禁损坏", "request_key": key}
    done = client.post(url("need_report"), data, follow=True)
    client.post(url("need_report"), data)
    assert "已收到您反映的需求" in html(done)
    assert NeedItem.objects.filter(title="单元门禁损坏").count() == 1
    lists = html(client.get(url("community_lists")))
    assert "单元门禁损坏" in lists and "老年活动室" in lists and "雨污分流改造" in lists
    assert "外县需求" not in lists and "赵丽华" not in lists.split("您好")[-1].split("</p>", 1)[-1]
    assert client.get(url("renewal_page", renewal_id=hidden.pk)).status_code == 404
    assert "未公开项目" not in html(client.get(url("community_renewals")))
    assert client_for(staff(world)).get(url("community_lists")).status_code == 403


def test_a_resident_without_a_registry_link_is_told_why(world: World) -> None:
    page = client_for(world.users["resident"]).get(url("community_lists"))
    assert page.status_code == 403 and "还没有关联居民信息" in html(page)


def test_the_public_page_of_a_community_without_projects_and_an_unknown_code(world: World) -> None:
    anonymous = Client()
    assert anonymous.get(url("public_renewals", code="99999999")).status_code == 404
    assert anonymous.get(url("public_renewals", code=HOME["township"])).status_code == 404
    page = anonymous.get(url("public_renewals", code=HOME["community"]))
    assert page.status_code == 200 and "暂无公开的微更新项目" in html(page)
    renewal = make_renewal(home(world), staff(world), title="楼道微更新")
    give(renewal, staff(world), "500", source=FundSource.CHARITY, contributor="慈善总会")
    spend(renewal, staff(world), "100", item="灯具")
    assert "楼道微更新" in html(anonymous.get(url("public_renewals", code=HOME["community"])))
