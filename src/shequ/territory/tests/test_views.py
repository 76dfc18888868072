"""Territory pages, driven over HTTP with users holding real roles on a mini territory.

测试市 329900 → 甲区 329901 (甲一街道 329901001, 甲二镇 329901101) and 乙县 329921 (乙一街道 329921001,
乙二镇 329921101), two communities under each township.
"""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from shequ.territory.loading import load_divisions
from shequ.territory.models import Estate, Region, VillagerGroup
from shequ.territory.permissions import TerritoryPerm
from shequ.territory.tests.helpers import csv_bytes, load_mini_territory, make_grid, user_at
from tests.pages import client_for

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def regions() -> dict[str, Region]:
    return load_mini_territory()


def region_url(code: str) -> str:
    return reverse("territory:region", kwargs={"code": code})


def children_url(code: str) -> str:
    return reverse("territory:children", kwargs={"code": code})


class TestAccess:
    def test_anonymous_is_sent_to_sign_in(self, regions) -> None:
        response = Client().get(reverse("territory:browser"))

        assert response.status_code == 302
        assert reverse("accounts:login") in response["Location"]

    @pytest.mark.parametrize(
        "url",
        [
            reverse("territory:browser"),
            reverse("territory:search") + "?q=甲",
            region_url("329901"),
            children_url("329901"),
            reverse("territory:grid", kwargs={"grid_code": "329901001001001"}),
        ],
    )
    def test_without_view_permission_every_page_is_403(self, regions, url: str) -> None:
        user = user_at(regions["329900"], permissions=(TerritoryPerm.MANAGE_GRIDS,))

        assert client_for(user).get(url).status_code == 403

    def test_township_user_sees_own_communities_only(self, regions) -> None:
        client = client_for(user_at(regions["329901001"]))

        page = client.get(region_url("329901001"))
        assert page.status_code == 200
        assert "甲一一社区居委会" in page.content.decode()
        assert "甲一二社区居委会" in page.content.decode()
        assert client.get(region_url("329901001001")).status_code == 200
        # Another township of the same district, its community, the district and the other county.
        for code in ("329901101", "329901101001", "329901", "329921", "329921101202", "329900"):
            assert client.get(region_url(code)).status_code == 404, code
            assert client.get(children_url(code), **HX).status_code == 404, code

    @pytest.mark.parametrize(
        "code", ["32990A", "abc", "3299", "3299010010019", "329901001001%00", "999999"]
    )
    def test_malformed_or_unknown_codes_are_404(self, regions, code: str) -> None:
        client = client_for(user_at(regions["329900"]))

        assert client.get(f"/territory/{code}/").status_code == 404
        assert client.get(f"/territory/{code}/children/", **HX).status_code == 404
        assert client.get(f"/territory/grids/{code}/").status_code == 404

    def test_ancestors_are_shown_but_not_linked_outside_the_jurisdiction(self, regions) -> None:
        client = client_for(user_at(regions["329901001"]))

        html = client.get(region_url("329901001001")).content.decode()

        assert "测试市" in html and "甲区" in html
        assert f'href="{region_url("329900")}"' not in html
        assert f'href="{region_url("329901")}"' not in html
        assert f'href="{region_url("329901001")}"' in html


class TestBrowser:
    def test_tree_starts_at_the_users_places(self, regions) -> None:
        user = user_at(regions["329901001"])
        client = client_for(user)

        html = client.get(reverse("territory:browser")).content.decode()

        assert "甲一街道" in html
        assert children_url("329901001") in html
        # A single root opens at once and loads its children; deeper nodes load when opened.
        assert 'open hx-trigger="load"' in html
        assert region_url("329901001") in html  # works without JavaScript
        # The names above the root are shown for orientation, not linked.
        assert "测试市 甲区</span>" in html
        assert f'href="{region_url("329901")}"' not in html
        assert "乙县" not in html and "甲二镇" not in html

    def test_nested_places_collapse_into_one_root(self, regions) -> None:
        user = user_at(regions["329901"])
        user_at_township = user_at(regions["329901001"])
        # Give the same user a second role lower in the same subtree.
        user_at_township.assignments.update(user=user)
        user.forget_assignments()

        html = client_for(user).get(reverse("territory:browser")).content.decode()

        assert html.count('class="shequ-tree-node') == 1

    def test_children_fragment_lists_children_with_counts(self, regions) -> None:
        client = client_for(user_at(regions["329900"]))

        response = client.get(children_url("329901"), **HX)

        html = response.content.decode()
        assert response.status_code == 200
        assert html.lstrip().startswith("<ul")
        assert "<html" not in html
        assert "甲一街道" in html and "甲二镇" in html and "乙一街道" not in html
        assert "下级 2 个" in html
        assert 'hx-trigger="toggle once"' in html and "open" not in html  # deeper levels wait

    def test_children_without_htmx_redirects_to_the_region_page(self, regions) -> None:
        client = client_for(user_at(regions["329900"]))

        response = client.get(children_url("329901"))

        assert response.status_code == 302 and response["Location"] == region_url("329901")

    def test_grid_holder_starts_at_their_community_and_sees_only_their_grid(self, regions) -> None:
        community = regions["329901001001"]
        mine, other = make_grid(community, 1), make_grid(community, 2)
        client = client_for(user_at(mine))

        html = client.get(reverse("territory:browser")).content.decode()
        assert "甲一一社区居委会" in html and "网格 1 个" in html
        fragment = client.get(children_url(community.code), **HX).content.decode()
        assert mine.name in fragment and other.name not in fragment
        page = client.get(region_url(community.code)).content.decode()
        assert mine.name in page and other.name not in page
        assert (
            client.get(reverse("territory:grid", kwargs={"grid_code": other.code})).status_code
            == 404
        )
        assert client.get(region_url("329901001002")).status_code == 404
        assert client.get(region_url("329901001")).status_code == 404

    def test_browser_and_children_use_a_constant_number_of_queries(self, regions) -> None:
        client = client_for(user_at(regions["329900"]))
        client.get(reverse("territory:browser"))  # warm the session

        def queries_for(url: str, **extra: str) -> int:
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(url, **extra).status_code == 200
            return len(ctx.captured_queries)

        few_browser = queries_for(reverse("territory:browser"))
        few_children = queries_for(children_url("329921"), **HX)
        # Ten more townships under 乙县, each with a community.
        rows = [("329900", "测试市", "city", "320000"), ("329921", "乙县", "county", "329900")]
        for n in range(102, 112):
            rows.append((f"329921{n}", f"乙{n}镇", "township", "329921"))
            rows.append((f"329921{n}201", f"乙{n}村委会", "village", f"329921{n}"))
        load_divisions(csv_bytes(rows))

        assert queries_for(reverse("territory:browser")) == few_browser
        assert queries_for(children_url("329921"), **HX) == few_children

    def test_list_pages_have_bounded_query_counts(
        self, regions, django_assert_max_num_queries
    ) -> None:
        community = regions["329901001001"]
        for n in range(1, 6):
            grid = make_grid(community, n)
            make_grid(community, 1, parent=grid)
            Estate.objects.create(community=community, grid=grid, name=f"小区{n}")
            VillagerGroup.objects.create(community=community, grid=grid, name=f"第{n}组")
        client = client_for(user_at(regions["329900"]))
        client.get(reverse("territory:browser"))

        # Measured: 5, 6, 9, 11, 8 and 5 (session, user, roles and the shell's unread count included).
        with django_assert_max_num_queries(8):
            client.get(reverse("territory:browser"))
        with django_assert_max_num_queries(8):
            client.get(children_url("329901"), **HX)
        with django_assert_max_num_queries(11):
            client.get(region_url("329901"))
        with django_assert_max_num_queries(13):
            client.get(region_url(community.code))
        with django_assert_max_num_queries(10):
            client.get(reverse("territory:grid", kwargs={"grid_code": f"{community.code}001"}))
        with django_assert_max_num_queries(8):
            client.get(reverse("territory:search") + "?q=社区", **HX)


class TestSearch:
    def test_search_stays_inside_the_jurisdiction(self, regions) -> None:
        client = client_for(user_at(regions["329901001"]))

        html = client.get(reverse("territory:search") + "?q=社区", **HX).content.decode()

        assert "甲一一社区居委会" in html and "甲一二社区居委会" in html
        assert "甲二一社区居委会" not in html and "乙一一社区居委会" not in html

    def test_search_by_code_prefix(self, regions) -> None:
        client = client_for(user_at(regions["329900"]))

        html = client.get(reverse("territory:search") + "?q=329921101", **HX).content.decode()

        assert "乙二一村委会" in html and "乙二二村委会" in html and "甲二镇" not in html

    def test_search_outside_the_jurisdiction_finds_nothing(self, regions) -> None:
        client = client_for(user_at(regions["329901001"]))

        for q in ("乙县", "329921", "测试市"):
            html = client.get(reverse("territory:search") + f"?q={q}", **HX).content.decode()
            assert "没有找到" in html, q

    def test_search_without_htmx_is_a_full_page(self, regions) -> None:
        client = client_for(user_at(regions["329900"]))

        html = client.get(reverse("territory:search") + "?q=甲").content.decode()

        assert "<html" in html and "甲区" in html

    def test_search_is_capped_with_a_note(self, regions) -> None:
        rows = [("329900", "测试市", "city", "320000"), ("329921", "乙县", "county", "329900")]
        rows.append(("329921102", "丁镇", "township", "329921"))
        rows += [(f"329921102{n:03d}", f"丁{n}社区", "village", "329921102") for n in range(1, 61)]
        load_divisions(csv_bytes(rows))
        client = client_for(user_at(regions["329900"]))

        html = client.get(reverse("territory:search") + "?q=丁", **HX).content.decode()

        assert html.count('class="py-1"') == 50
        assert "只显示前 50 条结果" in html


class TestDetailPages:
    def test_region_page_shows_facts_counts_and_children(self, regions) -> None:
        client = client_for(user_at(regions["329900"]))

        html = client.get(region_url("329901")).content.decode()

        assert "<code>329901</code>" in html
        assert "街道" in html and "镇" in html
        assert "甲一街道" in html and "甲二镇" in html
        assert "下级区划（2 个）" in html

    def test_children_are_paginated_by_100(self, regions) -> None:
        rows = [("329900", "测试市", "city", "320000"), ("329921", "乙县", "county", "329900")]
        rows.append(("329921102", "丁镇", "township", "329921"))
        rows += [(f"329921102{n:03d}", f"丁{n}社区", "village", "329921102") for n in range(1, 121)]
        load_divisions(csv_bytes(rows))
        client = client_for(user_at(regions["329900"]))

        first = client.get(region_url("329921102")).content.decode()
        second = client.get(region_url("329921102") + "?page=2").content.decode()

        assert len(set(re.findall(r"丁\d+社区", first))) == 100
        assert set(re.findall(r"丁\d+社区", second)) == {f"丁{n}社区" for n in range(101, 121)}

    def test_community_page_lists_grids_estates_and_groups(self, regions) -> None:
        community = regions["329901101201"]
        grid = make_grid(community, 1)
        make_grid(community, 1, parent=grid)
        Estate.objects.create(community=community, grid=grid, name="幸福小区", address="幸福路1号")
        VillagerGroup.objects.create(community=community, name="第一村民小组")
        client = client_for(user_at(regions["329901101"]))

        html = client.get(region_url(community.code)).content.decode()

        assert grid.name in html and "微网格 1 个" in html
        assert "幸福小区" in html and "幸福路1号" in html
        assert "第一村民小组" in html

    def test_grid_page_lists_micro_grids_and_estates(self, regions) -> None:
        community = regions["329901101201"]
        grid = make_grid(community, 1)
        micro = make_grid(community, 1, parent=grid)
        Estate.objects.create(community=community, grid=micro, name="幸福小区")
        Estate.objects.create(community=community, name="别的小区")
        client = client_for(user_at(regions["329901101"]))

        html = client.get(
            reverse("territory:grid", kwargs={"grid_code": grid.code})
        ).content.decode()

        assert micro.name in html and "幸福小区" in html and "别的小区" not in html
        assert region_url(community.code) in html

    def test_micro_grid_holder_sees_their_micro_grid_but_not_its_parent(self, regions) -> None:
        community = regions["329901101201"]
        grid = make_grid(community, 1)
        micro = make_grid(community, 1, parent=grid)
        client = client_for(user_at(micro))

        page = client.get(reverse("territory:grid", kwargs={"grid_code": micro.code}))
        community_page = client.get(region_url(community.code)).content.decode()

        assert page.status_code == 200
        assert (
            reverse("territory:grid", kwargs={"grid_code": grid.code}) not in page.content.decode()
        )
        assert (
            client.get(reverse("territory:grid", kwargs={"grid_code": grid.code})).status_code
            == 404
        )
        assert micro.name in community_page

    def test_virtual_unit_is_flagged(self, regions) -> None:
        rows = [
            ("329900", "测试市", "city", "320000"),
            ("329921", "乙县", "county", "329900"),
            ("329921401", "经济开发区", "township", "329921"),
            ("329921401498", "开发区虚拟社区", "village", "329921401"),
        ]
        load_divisions(csv_bytes(rows))
        client = client_for(user_at(regions["329900"]))

        html = client.get(region_url("329921401498")).content.decode()

        assert "虚拟单位" in html and "开发区" in html
