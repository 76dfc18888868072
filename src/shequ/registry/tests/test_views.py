"""The registry's staff pages, driven over HTTP by users holding the built-in roles in tests/world.py.

The world's roles sit at 320302…: community staff at 320302001001, the grid worker at its grid 001,
township staff at 320302001, the county official at 320302. 320303 is the other county.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from shequ.core.models import AuditEvent
from shequ.registry import actions
from shequ.registry.actions import MemberInput
from shequ.registry.actions.rights import submit_rights_request
from shequ.registry.models import (
    CareGroup,
    CareGroupTag,
    Household,
    LifeStatus,
    Relation,
    Resident,
    RightsRequestKind,
)
from shequ.registry.tests.url_params import synthetic_id
from shequ.territory.models import Estate
from tests.pages import client_for, html
from tests.world import World, build_world

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}
HOME_COMMUNITY = "320302001001"
HOME_GRID = "320302001001001"
SIBLING_GRID = "320302001001002"
OTHER_COMMUNITY = "320303001001"
OTHER_GRID = "320303001001001"
MISSING = "!!MISSING"

HEAD_ID = synthetic_id("320302", 11, date(1970, 5, 6))
SPOUSE_ID = synthetic_id("320302", 12, date(1972, 8, 9))
CHILD_ID = synthetic_id("320302", 13, date(2016, 3, 4))
HEAD_PHONE = "19900001111"


@pytest.fixture
def world() -> World:
    return build_world()


def register(
    world: World,
    names: list[str],
    *,
    grid: str = HOME_GRID,
    serial: int = 100,
    address_detail: str = "",
) -> Household:
    """A household registered through the action, the first name as head."""
    community = grid[:12]
    members = [
        MemberInput(
            name=name,
            relation=Relation.HEAD if i == 0 else Relation.CHILD,
            id_number=synthetic_id(grid[:6], serial + i),
        )
        for i, name in enumerate(names)
    ]
    return actions.register_household(
        community=world.regions[community],
        grid=world.grids[grid],
        members=members,
        address_detail=address_detail,
    )


def member_rows(rows: list[dict[str, str]]) -> dict[str, str]:
    data = {
        "members-TOTAL_FORMS": str(len(rows)),
        "members-INITIAL_FORMS": "1",
        "members-MIN_NUM_FORMS": "0",
        "members-MAX_NUM_FORMS": "20",
    }
    defaults = {"id_type": "resident_id", "residence_status": "registered"}
    for i, row in enumerate(rows):
        for key, value in {**defaults, **row}.items():
            data[f"members-{i}-{key}"] = value
    return data


def household_post(world: World, rows: list[dict[str, str]], **place: str) -> dict[str, str]:
    estate = Estate.objects.get(grid=world.grids[HOME_GRID])
    return {
        "community": str(world.regions[HOME_COMMUNITY].pk),
        "grid": str(world.grids[HOME_GRID].pk),
        "estate": str(estate.pk),
        "address_detail": "2单元301室",
        **place,
        **member_rows(rows),
    }


THREE_MEMBERS = [
    {"name": "张三", "relation": "head", "id_number": HEAD_ID, "phone": HEAD_PHONE},
    {"name": "李四", "relation": "spouse", "id_number": SPOUSE_ID},
    {"name": "张小明", "relation": "child", "id_number": CHILD_ID},
]


# --- Registering a household and finding its members ----------------------------------------------


class TestRegisterAndFind:
    def test_community_staff_registers_three_members_and_finds_them_by_pinyin(self, world) -> None:
        client = client_for(world.users["community_staff"])

        response = client.post(
            reverse("registry:household_new"), household_post(world, THREE_MEMBERS)
        )

        household = Household.objects.get()
        assert response.status_code == 302
        assert response["Location"] == reverse(
            "registry:household", kwargs={"household_id": household.pk}
        )
        assert household.head is not None and household.head.name == "张三"
        assert sorted(household.members.values_list("name", flat=True)) == [
            "张三",
            "张小明",
            "李四",
        ]
        page = html(client.get(response["Location"]))
        assert "已登记户" in page
        for name in ("张三", "李四", "张小明"):
            assert name in page
        assert "****" in page  # the address detail, hidden
        assert "2单元301室" not in page

        found = html(client.get(reverse("registry:residents"), {"q": "zs"}))
        assert "张三" in found
        assert "李四" not in found
        assert "张小明" in html(client.get(reverse("registry:residents"), {"q": "zxm"}))
        assert "李四" in html(client.get(reverse("registry:residents"), {"q": "李"}))

    def test_clear_numbers_never_in_list_household_resident_or_edit_pages(self, world) -> None:
        client = client_for(world.users["community_staff"])
        client.post(reverse("registry:household_new"), household_post(world, THREE_MEMBERS))
        head = Resident.objects.get(name="张三")

        pages = [
            client.get(reverse("registry:residents")),
            client.get(reverse("registry:household", kwargs={"household_id": head.household_id})),
            client.get(reverse("registry:resident", kwargs={"resident_id": head.pk})),
            client.get(reverse("registry:resident_edit", kwargs={"resident_id": head.pk})),
        ]

        for response in pages:
            body = html(response)
            assert response.status_code == 200
            for secret in (HEAD_ID, SPOUSE_ID, CHILD_ID, HEAD_PHONE, "2单元301室"):
                assert secret not in body
        assert f"{HEAD_ID[:6]}********{HEAD_ID[-4:]}" in html(pages[0])
        assert "199****1111" in html(pages[2])

    def test_a_child_under_14_is_flagged_sensitive(self, world) -> None:
        client = client_for(world.users["community_staff"])
        client.post(reverse("registry:household_new"), household_post(world, THREE_MEMBERS))
        child = Resident.objects.get(name="张小明")

        page = html(client.get(reverse("registry:resident", kwargs={"resident_id": child.pk})))

        assert "未满14周岁" in page

    def test_add_member_button_redraws_the_form_with_one_more_row_and_saves_nothing(
        self, world
    ) -> None:
        client = client_for(world.users["community_staff"])
        data = household_post(world, THREE_MEMBERS[:1])
        data["add_member"] = "1"

        response = client.post(reverse("registry:household_new"), data)

        body = html(response)
        assert response.status_code == 200
        assert not Household.objects.exists()
        assert 'name="members-TOTAL_FORMS" value="2"' in body
        assert 'name="members-1-name"' in body
        assert 'value="张三"' in body
        assert 'value="2单元301室"' in body  # typed by the user on this very form: kept
        management = dict(re.findall(r'name="(members-[A-Z_]+)" value="(\d+)"', body))
        data.pop("add_member")
        data.update(management)
        data.update({f"members-1-{k}": v for k, v in THREE_MEMBERS[1].items()})
        data.update(
            {"members-1-id_type": "resident_id", "members-1-residence_status": "registered"}
        )

        saved = client.post(reverse("registry:household_new"), data)

        assert saved.status_code == 302
        assert sorted(Resident.objects.values_list("name", flat=True)) == ["张三", "李四"]

    def test_the_new_household_page_offers_the_users_own_community_and_grids_only(
        self, world
    ) -> None:
        page = html(
            client_for(world.users["community_staff"]).get(reverse("registry:household_new"))
        )

        assert "【320302001001】" in page
        assert "【320302001001001】" in page and "【320302001001002】" in page
        assert "【320303" not in page

    def test_a_grid_worker_registers_in_their_own_grid_only(self, world) -> None:
        client = client_for(world.users["grid_worker"])
        page = html(client.get(reverse("registry:household_new")))
        assert "【320302001001002】" not in page

        refused = client.post(
            reverse("registry:household_new"),
            household_post(world, THREE_MEMBERS, grid=str(world.grids[SIBLING_GRID].pk)),
        )

        assert refused.status_code == 200
        assert not Household.objects.exists()
        assert (
            client.post(
                reverse("registry:household_new"), household_post(world, THREE_MEMBERS)
            ).status_code
            == 302
        )

    def test_exactly_one_head_is_required(self, world) -> None:
        rows = [
            dict(row, relation="spouse") if i == 0 else row for i, row in enumerate(THREE_MEMBERS)
        ]
        response = client_for(world.users["community_staff"]).post(
            reverse("registry:household_new"), household_post(world, rows)
        )

        assert "一户必须有且只有一名户主" in html(response)
        assert not Resident.objects.exists()


# --- Bad input ------------------------------------------------------------------------------------


class TestBadInput:
    def test_an_id_number_with_a_wrong_check_digit_is_named_in_chinese(self, world) -> None:
        wrong = HEAD_ID[:17] + ("0" if HEAD_ID[17] != "0" else "1")
        rows = [dict(THREE_MEMBERS[0], id_number=wrong)]

        response = client_for(world.users["community_staff"]).post(
            reverse("registry:household_new"), household_post(world, rows)
        )

        body = html(response)
        assert response.status_code == 200
        error = re.search(r'id="id_members-0-id_number_error"[^>]*>([^<]+)<', body)
        assert error is not None and "身份证号码校验位不正确" in error[1]
        assert 'aria-describedby="id_members-0-id_number_error"' in body
        assert not Household.objects.exists()

    def test_a_duplicate_id_in_the_users_territory_points_to_the_existing_record(
        self, world
    ) -> None:
        existing = actions.register_household(
            community=world.regions[HOME_COMMUNITY],
            grid=world.grids[HOME_GRID],
            members=[MemberInput(name="王五", relation=Relation.HEAD, id_number=HEAD_ID)],
        )

        response = client_for(world.users["community_staff"]).post(
            reverse("registry:household_new"), household_post(world, THREE_MEMBERS)
        )

        body = html(response)
        assert "该证件号码已登记：王五" in body
        assert existing.number in body
        resident = Resident.objects.get(name="王五")
        assert reverse("registry:resident", kwargs={"resident_id": resident.pk}) in body
        assert Household.objects.count() == 1

    def test_a_duplicate_id_elsewhere_is_refused_without_saying_whose(self, world) -> None:
        other = synthetic_id("320303", 5)
        register(world, ["【R320303】乙"], grid=OTHER_GRID, serial=5)
        rows = [dict(THREE_MEMBERS[0], id_number=other)]

        response = client_for(world.users["community_staff"]).post(
            reverse("registry:household_new"), household_post(world, rows)
        )

        body = html(response)
        assert "该证件号码已在其他村(社区)登记" in body
        assert "【R320303】" not in body
        assert Household.objects.count() == 1

    def test_an_edit_from_a_stale_version_is_refused(self, world) -> None:
        household = register(world, ["赵六"])
        resident = household.head
        client = client_for(world.users["community_staff"])
        url = reverse("registry:resident_edit", kwargs={"resident_id": resident.pk})
        form_page = html(client.get(url))
        version = re.search(r'name="version" value="(\d+)"', form_page)
        assert version is not None
        actions.update_resident(resident=resident, changes={"name": "赵六六"})  # someone else

        response = client.post(
            url,
            {
                "version": version[1],
                "name": "赵七",
                "relation": "head",
                "id_type": "resident_id",
                "sex": "male",
                "residence_status": "registered",
                "legal_basis": "statutory_duty",
            },
        )

        assert "刚被其他人修改过" in html(response)
        assert Resident.objects.get(pk=resident.pk).name == "赵六六"

    def test_an_edit_from_the_current_version_is_saved(self, world) -> None:
        resident = register(world, ["赵六"]).head
        client = client_for(world.users["community_staff"])

        response = client.post(
            reverse("registry:resident_edit", kwargs={"resident_id": resident.pk}),
            {
                "version": str(resident.version),
                "name": "赵七",
                "relation": "head",
                "id_type": "resident_id",
                "sex": "male",
                "residence_status": "migrant",
                "legal_basis": "statutory_duty",
                "phone": "19900002222",
            },
        )

        assert response.status_code == 302
        resident.refresh_from_db()
        assert (resident.name, resident.residence_status, resident.phone) == (
            "赵七",
            "migrant",
            "19900002222",
        )
        assert resident.id_number == synthetic_id("320302", 100)  # left empty: unchanged


# --- Who sees what --------------------------------------------------------------------------------


class TestAccess:
    def test_a_grid_worker_sees_only_their_grids_residents(self, world) -> None:
        register(world, ["本格甲"], grid=HOME_GRID, serial=1)
        sibling = register(world, ["邻格乙"], grid=SIBLING_GRID, serial=2)
        client = client_for(world.users["grid_worker"])

        page = html(client.get(reverse("registry:residents")))

        assert "本格甲" in page
        assert "邻格乙" not in page
        assert (
            client.get(
                reverse("registry:resident", kwargs={"resident_id": sibling.head_id})
            ).status_code
            == 404
        )
        assert (
            client.get(
                reverse("registry:household", kwargs={"household_id": sibling.pk})
            ).status_code
            == 404
        )

    def test_township_staff_view_but_may_not_register(self, world) -> None:
        register(world, ["街道可见"])
        client = client_for(world.users["township_staff"])

        page = client.get(reverse("registry:residents"))

        assert page.status_code == 200
        assert "街道可见" in html(page)
        assert "登记新户" not in html(page)
        assert client.get(reverse("registry:household_new")).status_code == 403

    def test_a_county_official_with_statistics_only_gets_403(self, world) -> None:
        resident = register(world, ["县里看不到"]).head
        client = client_for(world.users["county_official"])

        assert client.get(reverse("registry:residents")).status_code == 403
        assert (
            client.get(
                reverse("registry:resident", kwargs={"resident_id": resident.pk})
            ).status_code
            == 403
        )

    def test_anonymous_is_sent_to_sign_in(self, world) -> None:
        response = Client().get(reverse("registry:residents"))

        assert response.status_code == 302
        assert reverse("accounts:login") in response["Location"]

    def test_a_resident_in_the_other_county_is_404_everywhere(self, world) -> None:
        other = register(world, ["【R320303】乙"], grid=OTHER_GRID, serial=5)
        client = client_for(world.users["community_staff"])
        rid = {"resident_id": other.head_id}

        for name in ("registry:resident", "registry:resident_edit", "registry:departure"):
            assert client.get(reverse(name, kwargs=rid)).status_code == 404, name
        assert (
            client.get(reverse("registry:household", kwargs={"household_id": other.pk})).status_code
            == 404
        )
        reveal = client.post(
            reverse("registry:reveal", kwargs=rid), {"field": "id_number", "reason": "核对低保资格"}
        )
        assert reveal.status_code == 404
        assert not AuditEvent.objects.filter(action="registry.reveal").exists()
        assert "【R320303】" not in html(
            client.get(reverse("registry:residents"), {"status": "all"})
        )


# --- Reveal ---------------------------------------------------------------------------------------


class TestReveal:
    @pytest.fixture
    def head(self, world) -> Resident:
        household = actions.register_household(
            community=world.regions[HOME_COMMUNITY],
            grid=world.grids[HOME_GRID],
            address_detail="5单元502室",
            members=[
                MemberInput(
                    name="张三", relation=Relation.HEAD, id_number=HEAD_ID, phone=HEAD_PHONE
                )
            ],
        )
        assert household.head is not None
        return household.head

    def test_a_reason_is_required(self, world, head) -> None:
        client = client_for(world.users["community_staff"])

        response = client.post(
            reverse("registry:reveal", kwargs={"resident_id": head.pk}),
            {"field": "id_number", "reason": ""},
            **HX,
        )

        body = html(response)
        assert response.status_code == 200
        assert HEAD_ID not in body
        assert "reveal-id_number-reason" in body
        assert not AuditEvent.objects.filter(action="registry.reveal").exists()

    def test_a_short_reason_shows_the_actions_message(self, world, head) -> None:
        response = client_for(world.users["community_staff"]).post(
            reverse("registry:reveal", kwargs={"resident_id": head.pk}),
            {"field": "id_number", "reason": "看看"},
            **HX,
        )

        assert "请说明查看的事由" in html(response)
        assert HEAD_ID not in html(response)

    def test_htmx_reveal_returns_the_value_and_audits_the_reason_without_it(
        self, world, head
    ) -> None:
        client = client_for(world.users["community_staff"])

        response = client.post(
            reverse("registry:reveal", kwargs={"resident_id": head.pk}),
            {"field": "id_number", "reason": "办理高龄津贴核对身份"},
            **HX,
        )

        body = html(response)
        assert response.status_code == 200
        assert HEAD_ID in body
        assert "<html" not in body
        assert "审计日志" in body
        assert "no-store" in response["Cache-Control"]
        event = AuditEvent.objects.get(action="registry.reveal")
        assert event.reason == "办理高龄津贴核对身份"
        assert event.fields == ["id_number"]
        assert event.object_id == str(head.pk)
        for row in AuditEvent.objects.values():
            for value in row.values():
                assert HEAD_ID not in str(value)

    def test_without_htmx_the_page_shows_the_value_once(self, world, head) -> None:
        client = client_for(world.users["community_staff"])
        url = reverse("registry:reveal", kwargs={"resident_id": head.pk})

        shown = client.post(url, {"field": "phone", "reason": "联系本人办理业务"})
        again = client.get(reverse("registry:resident", kwargs={"resident_id": head.pk}))

        assert shown.status_code == 200
        assert HEAD_PHONE in html(shown)
        assert "<html" in html(shown)
        assert HEAD_PHONE not in html(again)

    def test_the_households_address_detail_can_be_revealed(self, world, head) -> None:
        response = client_for(world.users["community_staff"]).post(
            reverse("registry:reveal", kwargs={"resident_id": head.pk}),
            {"field": "address_detail", "reason": "上门走访核对地址"},
            **HX,
        )

        assert "5单元502室" in html(response)
        event = AuditEvent.objects.get(action="registry.reveal")
        assert event.object_type.lower().endswith("household")

    def test_reveal_is_post_only_and_needs_the_permission(self, world, head) -> None:
        url = reverse("registry:reveal", kwargs={"resident_id": head.pk})

        assert client_for(world.users["community_staff"]).get(url).status_code == 405
        refused = client_for(world.users["grid_worker"]).post(
            url, {"field": "id_number", "reason": "办理高龄津贴核对身份"}
        )
        assert refused.status_code == 403
        assert not AuditEvent.objects.filter(action="registry.reveal").exists()

    def test_reveal_forms_only_for_holders_of_the_permission(self, world, head) -> None:
        url = reverse("registry:resident", kwargs={"resident_id": head.pk})

        assert "reveal-id_number" in html(client_for(world.users["community_staff"]).get(url))
        assert "reveal-id_number" not in html(client_for(world.users["grid_worker"]).get(url))


# --- The list -------------------------------------------------------------------------------------


class TestList:
    def test_search_by_id_number_is_posted_and_never_put_in_a_url(self, world) -> None:
        register(world, ["钱八"], serial=21)
        number = synthetic_id("320302", 21)
        client = client_for(world.users["community_staff"])

        response = client.post(reverse("registry:residents"), {"q": number})
        htmx = client.post(reverse("registry:residents"), {"q": number}, **HX)

        assert response.status_code == 200
        assert "钱八" in html(response)
        # Only in the search box the user typed it into; the result shows it masked.
        assert html(response).count(number) == 1
        assert f'value="{number}"' in html(response)
        assert f"{number[:6]}********{number[-4:]}" in html(response)
        assert "no-store" in response["Cache-Control"]
        assert "钱八" in html(htmx)
        assert number not in html(htmx)
        assert "HX-Push-Url" not in htmx

    def test_a_name_search_posted_becomes_a_plain_url(self, world) -> None:
        client = client_for(world.users["community_staff"])

        response = client.post(reverse("registry:residents"), {"q": "zs", "care_group": ""})
        htmx = client.post(reverse("registry:residents"), {"q": "zs"}, **HX)

        assert response.status_code == 302
        assert response["Location"] == reverse("registry:residents") + "?q=zs"
        assert htmx["HX-Push-Url"] == reverse("registry:residents") + "?q=zs"
        assert "<html" not in html(htmx)

    def test_filters_by_care_group_and_age(self, world) -> None:
        old = register(world, ["孙老"], serial=31).head
        register(world, ["孙少"], serial=32)
        actions.tag_care_group(resident=old, group=CareGroup.VETERAN, start_date=date(2021, 1, 1))
        client = client_for(world.users["community_staff"])

        by_group = html(client.get(reverse("registry:residents"), {"care_group": "veteran"}))
        too_young = html(client.get(reverse("registry:residents"), {"age_min": "60"}))
        bad_range = html(
            client.get(reverse("registry:residents"), {"age_min": "50", "age_max": "10"})
        )

        assert "孙老" in by_group and "孙少" not in by_group
        assert "退役军人" in by_group
        assert "孙老" not in too_young  # both were born in 1980
        assert "最大年龄不能小于最小年龄" in bad_range

    def test_an_empty_territory_shows_the_empty_state_with_the_register_button(self, world) -> None:
        page = html(client_for(world.users["community_staff"]).get(reverse("registry:residents")))

        assert "您的管辖范围内还没有登记居民" in page
        assert reverse("registry:household_new") in page

    def test_the_number_of_queries_does_not_grow_with_the_rows(
        self, world, django_assert_max_num_queries
    ) -> None:
        client = client_for(world.users["community_staff"])
        url = reverse("registry:residents")

        def add(count: int, start: int) -> None:
            for i in range(count):
                household = register(world, [f"居民{start + i}"], serial=start + i)
                assert household.head is not None
                actions.tag_care_group(
                    resident=household.head, group=CareGroup.DIBAO, start_date=date(2022, 1, 1)
                )

        add(3, 200)
        client.get(url)  # warm the session and the user's roles
        with CaptureQueriesContext(connection) as few:
            assert client.get(url).status_code == 200
        add(27, 300)

        with django_assert_max_num_queries(len(few)):
            page = client.get(url)
        assert html(page).count('class="badge rounded-pill text-bg-warning') >= 30


# --- Changes to a resident ------------------------------------------------------------------------


class TestChanges:
    def test_departure_leaves_the_default_list_but_the_page_stays(self, world) -> None:
        resident = register(world, ["周九"]).head
        client = client_for(world.users["community_staff"])

        response = client.post(
            reverse("registry:departure", kwargs={"resident_id": resident.pk}),
            {"status": "moved_out", "status_date": date.today().isoformat(), "reason": "迁往外地"},
        )

        assert response.status_code == 302
        assert "不再列入在册居民" in html(client.get(response["Location"]))
        assert Resident.objects.get(pk=resident.pk).status == LifeStatus.MOVED_OUT
        assert "周九" not in html(client.get(reverse("registry:residents")))
        assert "周九" in html(client.get(reverse("registry:residents"), {"status": "all"}))
        page = client.get(reverse("registry:resident", kwargs={"resident_id": resident.pk}))
        assert page.status_code == 200
        assert "已迁出" in html(page)

    def test_a_future_departure_date_is_refused_on_the_field(self, world) -> None:
        resident = register(world, ["周九"]).head

        response = client_for(world.users["community_staff"]).post(
            reverse("registry:departure", kwargs={"resident_id": resident.pk}),
            {"status": "deceased", "status_date": "2999-01-01"},
        )

        assert 'id="id_status_date_error"' in html(response)
        assert Resident.objects.get(pk=resident.pk).status == LifeStatus.ACTIVE

    def test_a_disabled_person_needs_category_and_grade(self, world) -> None:
        resident = register(world, ["吴十"]).head
        client = client_for(world.users["community_staff"])
        url = reverse("registry:care_tag_new", kwargs={"resident_id": resident.pk})

        missing = client.post(url, {"group": "disabled", "start_date": "2024-01-01"})
        saved = client.post(
            url,
            {
                "group": "disabled",
                "start_date": "2024-01-01",
                "disability_category": "physical",
                "disability_grade": "2",
            },
        )

        assert "残疾人须填写残疾类别和等级" in html(missing)
        assert saved.status_code == 302
        tag = CareGroupTag.objects.get(resident=resident)
        assert (tag.disability_category, tag.disability_grade) == ("physical", 2)
        page = html(client.get(reverse("registry:resident", kwargs={"resident_id": resident.pk})))
        assert "肢体残疾" in page and "敏感信息" in page

    def test_ending_a_care_group_moves_it_to_the_past(self, world) -> None:
        resident = register(world, ["吴十"]).head
        tag = actions.tag_care_group(
            resident=resident, group=CareGroup.VETERAN, start_date=date(2020, 1, 1)
        )
        client = client_for(world.users["community_staff"])

        response = client.post(
            reverse("registry:care_tag_end", kwargs={"tag_id": tag.pk}), {"end_date": "2021-01-01"}
        )

        assert response.status_code == 302
        tag.refresh_from_db()
        assert tag.end_date == date(2021, 1, 1)
        page = html(client.get(response["Location"]))
        assert "以往的关爱类别" in page and "退役军人" in page

    def test_a_care_tag_elsewhere_cannot_be_ended(self, world) -> None:
        other = register(world, ["【R320303】乙"], grid=OTHER_GRID, serial=5).head
        tag = actions.tag_care_group(
            resident=other, group=CareGroup.VETERAN, start_date=date(2020, 1, 1)
        )

        response = client_for(world.users["community_staff"]).post(
            reverse("registry:care_tag_end", kwargs={"tag_id": tag.pk}), {"end_date": "2021-01-01"}
        )

        assert response.status_code == 404
        tag.refresh_from_db()
        assert tag.end_date is None

    def test_moving_a_member_to_another_household_by_its_number(self, world) -> None:
        first = register(world, ["郑一", "郑二"], serial=41)
        second = register(world, ["冯一"], serial=51)
        mover = Resident.objects.get(name="郑二")
        client = client_for(world.users["community_staff"])
        url = reverse("registry:member_move", kwargs={"resident_id": mover.pk})

        unknown = client.post(url, {"household_number": "nope", "relation": "child"})
        moved = client.post(url, {"household_number": second.number, "relation": "spouse"})

        assert "没有找到这个户编号" in html(unknown)
        assert moved.status_code == 302
        mover.refresh_from_db()
        assert mover.household_id == second.pk
        assert mover.relation == Relation.SPOUSE
        page = html(client.get(reverse("registry:resident", kwargs={"resident_id": mover.pk})))
        assert first.number in page and second.number in page

    def test_a_household_elsewhere_is_not_a_move_target(self, world) -> None:
        register(world, ["郑一", "郑二"], serial=41)
        elsewhere = register(world, ["【R320303】乙"], grid=OTHER_GRID, serial=5)
        mover = Resident.objects.get(name="郑二")

        response = client_for(world.users["community_staff"]).post(
            reverse("registry:member_move", kwargs={"resident_id": mover.pk}),
            {"household_number": elsewhere.number, "relation": "child"},
        )

        assert "没有找到这个户编号" in html(response)
        assert Resident.objects.get(pk=mover.pk).household_id != elsewhere.pk

    def test_adding_a_member_to_a_household(self, world) -> None:
        household = register(world, ["陈一"], serial=61)
        client = client_for(world.users["community_staff"])

        response = client.post(
            reverse("registry:member_add", kwargs={"household_id": household.pk}),
            {
                "name": "Anna Smith",
                "relation": "spouse",
                "id_type": "passport",
                "id_number": "E12345678",
                "residence_status": "migrant",
                "sex": "female",
                "birth_date": "1985-02-03",
            },
        )

        assert response.status_code == 302
        anna = Resident.objects.get(name="Anna Smith")
        assert (anna.household_id, anna.birth_date, anna.sex) == (
            household.pk,
            date(1985, 2, 3),
            "female",
        )
        page = html(client.get(response["Location"]))
        assert "Anna Smith" in page and "E12345678" not in page


# --- Console and navigation -----------------------------------------------------------------------


class TestConsole:
    def test_the_menu_offers_the_registry_to_those_who_may_view_it(self, world) -> None:
        staff = html(client_for(world.users["community_staff"]).get(reverse("web:home")))
        county = html(client_for(world.users["county_official"]).get(reverse("web:home")))

        assert 'href="/registry/"' in staff
        assert 'href="/registry/"' not in county
        for page in ("/registry/rentals/", "/registry/duplicates/", "/registry/rights/"):
            assert f'href="{page}"' in staff
            assert f'href="{page}"' not in county

    def test_likely_duplicates_and_open_rights_requests_need_attention(self, world) -> None:
        client = client_for(world.users["community_staff"])
        home = html(client.get(reverse("web:home")))
        assert "待核查的疑似重复记录" not in home and "待答复的个人信息权利请求" not in home

        first = register(world, ["孙重"], serial=81).head
        register(world, ["孙重"], serial=82)  # the same birth date (synthetic_id)
        submit_rights_request(
            resident=first, kind=RightsRequestKind.COPY, by=world.users["community_staff"]
        )

        home = html(client.get(reverse("web:home")))
        assert "待核查的疑似重复记录" in home and "待答复的个人信息权利请求" in home
        assert 'href="/registry/duplicates/"' in home and 'href="/registry/rights/"' in home
        township = html(client_for(world.users["township_staff"]).get(reverse("web:home")))
        assert "待核查的疑似重复记录" not in township

    def test_a_household_whose_head_left_needs_attention(self, world) -> None:
        household = register(world, ["钱一", "钱二"], serial=71)
        client = client_for(world.users["community_staff"])
        assert "没有户主的户" not in html(client.get(reverse("web:home")))

        actions.record_departure(
            resident=household.head, status=LifeStatus.DECEASED, on=date(2024, 5, 1)
        )

        assert "没有户主的户" in html(client.get(reverse("web:home")))
        assert "没有户主的户" not in html(
            client_for(world.users["township_staff"]).get(reverse("web:home"))
        )
