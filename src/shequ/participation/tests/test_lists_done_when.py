"""Issue #9's "done when", the three lists part, on the real demo: in the home community a resident
reports a need through the page; staff match it to a resource and another need to a project; the
demo's micro-renewal project co-funded by residents records a contribution and spending through the
pages, bad amounts are refused, and the public page shows the residents' share and the spending."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from shequ.accounts.models import User
from shequ.core import calendar
from shequ.demo.generator import DEFAULT_SEED, generate
from shequ.demo.tests.test_demo import HOME_COMMUNITY, territory  # noqa: F401 (fixture)
from shequ.participation.demo_lists import load_demo_lists
from shequ.participation.models.lists import MicroRenewal, NeedItem, NeedMatch, NeedStatus
from shequ.registry.models import Resident
from shequ.territory.models import Level, Region
from tests.pages import client_for, html

pytestmark = pytest.mark.django_db


def _ok(response: Any) -> str:
    assert response.status_code == 200, (response.status_code, response.get("Location"))
    return html(response)


def _one(pattern: str, text: str) -> str:
    found = re.findall(pattern, text, re.S)
    assert found, f"{pattern!r} not on the page"
    return str(found[0])


def test_the_three_lists_and_a_co_funded_micro_renewal_in_the_demo(
    territory,  # noqa: F811
) -> None:
    report = generate(scale=0.05)
    users = {a.role: User.objects.get(username=a.username) for a in report.accounts}
    home = Region.objects.get(code=HOME_COMMUNITY)
    if not MicroRenewal.objects.filter(is_synthetic=True).exists():  # until the generator calls it
        county = Region.objects.get(
            level=Level.COUNTY, path=home.path[: home.path.index("/", 7) + 1]
        )
        load_demo_lists(county=county, seed=DEFAULT_SEED, community=home, users=users)
    assert Resident.objects.get(account=users["resident"]).community == home

    # A resident reports a need through the page.
    resident = client_for(users["resident"])
    form = _ok(resident.get("/participation/me/lists/report/"))
    key = _one(r'name="request_key" value="([^"]+)"', form)
    done = resident.post(
        "/participation/me/lists/report/",
        {"category": "environment", "title": "单元楼道灯不亮", "request_key": key},
        follow=True,
    )
    assert "已收到您反映的需求" in _ok(done) and "单元楼道灯不亮" in _ok(done)
    reported = NeedItem.objects.get(title="单元楼道灯不亮")
    assert reported.community == home and reported.source == "居民提出"

    # Staff match it to a resource, and another (open) need to a project, through the pages.
    staff = client_for(users["community_staff"])
    listing = _ok(staff.get("/participation/lists/needs/?status=open"))
    need_url = _one(r'href="(/participation/lists/needs/\d+/)">单元楼道灯不亮', listing)
    page = _ok(staff.get(need_url))
    resource = _one(r'name="resource".*?<option value="(\d+)"', page)
    _ok(
        staff.post(need_url + "match/", {"resource": resource, "note": "物业当天维修"}, follow=True)
    )
    other_url = _one(r'href="(/participation/lists/needs/\d+/)">小区缺少休憩座椅', listing)
    other = _ok(staff.get(other_url))
    project = _one(r'name="project".*?<option value="(\d+)"', other)
    _ok(staff.post(other_url + "match/", {"project": project}, follow=True))
    reported.refresh_from_db()
    assert reported.status == NeedStatus.MATCHED
    assert NeedMatch.objects.filter(need=reported, resource_id=int(resource)).exists()
    assert NeedMatch.objects.filter(
        need__title="小区缺少休憩座椅", project_id=int(project)
    ).exists()

    # The demo micro-renewal project: a contribution and spending, bad amounts refused.
    renewals = _ok(staff.get("/participation/renewals/"))
    detail_url = _one(r'href="(/participation/renewals/\d+/)">口袋公园微更新', renewals)
    today = calendar.localdate().isoformat()
    add = detail_url + "contributions/"
    for bad, message in (
        ("abc", "金额须为数字"),
        ("-100", "金额不能为负数"),
        ("0", "金额须大于零"),
    ):
        refused = staff.post(
            add,
            {
                "source": "residents",
                "contributor": "5号楼居民",
                "households": "6",
                "amount": bad,
                "received_on": today,
            },
        )
        assert message in _ok(refused)
    _ok(
        staff.post(
            add,
            {
                "source": "residents",
                "contributor": "5号楼居民",
                "households": "6",
                "amount": "1800",
                "received_on": today,
            },
            follow=True,
        )
    )
    too_much = staff.post(
        detail_url + "spending/", {"item": "花坛", "amount": "999999", "spent_on": today}
    )
    assert "支出合计将超过已到账资金" in _ok(too_much)
    _ok(
        staff.post(
            detail_url + "spending/",
            {"item": "花坛砌筑", "amount": "3200.50", "spent_on": today},
            follow=True,
        )
    )
    renewal = MicroRenewal.objects.get(title="口袋公园微更新", community=home)
    public = _ok(Client().get(f"/participation/public/renewals/{home.code}/"))
    households = renewal.contributions.filter(source="residents").values_list(
        "households", flat=True
    )
    assert f"居民自筹（{sum(households)}户）" in public
    # 12000 + 1800 of 48800 received, of 50000 budget.
    assert "28.3%" in public and "27.6%" in public
    assert "花坛砌筑" in public and "3200.50" in public and "步道铺装材料" in public
    assert "5号楼居民" not in public and "小区居民" not in public
