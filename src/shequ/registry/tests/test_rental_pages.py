"""The rental-housing pages (出租房屋, 流动人口管理), driven over HTTP.

The world's roles sit at 320302…: community staff at 320302001001, the grid worker at its grid 001,
township staff (view only) at 320302001. 320303 is the other county.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from shequ.core.models import AuditEvent
from shequ.registry import actions
from shequ.registry.actions import MemberInput
from shequ.registry.models import (
    Household,
    Relation,
    Rental,
    ResidenceStatus,
    Resident,
    Tenancy,
)
from shequ.registry.tests.url_params import synthetic_id
from shequ.territory.models import Building
from tests.pages import client_for, html
from tests.world import World, build_world

pytestmark = pytest.mark.django_db

HOME_COMMUNITY = "320302001001"
HOME_GRID = "320302001001001"
SIBLING_GRID = "320302001001002"
OTHER_GRID = "320303001001001"
BORN = date(1970, 7, 8)


@pytest.fixture
def world() -> World:
    return build_world()


def person(world: World, name: str, serial: int, *, grid: str = HOME_GRID) -> Resident:
    household = actions.register_household(
        community=world.regions[grid[:12]],
        grid=world.grids[grid],
        members=[
            MemberInput(
                name=name, relation=Relation.HEAD, id_number=synthetic_id(grid[:6], serial, BORN)
            )
        ],
    )
    assert household.head is not None
    return household.head


def rental_for(world: World, landlord: Resident, *, grid: str = HOME_GRID, **extra: Any) -> Rental:
    building = Building.objects.get(grid=world.grids[grid])
    return actions.register_rental(
        community=world.regions[grid[:12]],
        grid=world.grids[grid],
        estate=building.estate,
        building=building,
        landlord=landlord,
        registered_on=date(2024, 1, 1),
        address_detail=extra.pop("address_detail", "7单元701室"),
        **extra,
    )


def new_rental_post(world: World, **fields: str) -> dict[str, str]:
    building = Building.objects.get(grid=world.grids[HOME_GRID])
    return {
        "community": str(world.regions[HOME_COMMUNITY].pk),
        "grid": str(world.grids[HOME_GRID].pk),
        "estate": str(building.estate_id),
        "building": str(building.pk),
        "address_detail": "3单元302室",
        "registered_on": "2025-03-01",
        **fields,
    }


def rental_url(name: str, rental: Rental) -> str:
    return reverse(f"registry:{name}", kwargs={"rental_id": rental.pk})


# --- Registering a rental ---------------------------------------------------------------------------


class TestRegister:
    def test_a_rental_is_registered_with_the_landlords_id_number(self, world) -> None:
        landlord = person(world, "房东赵", 1)
        client = client_for(world.users["community_staff"])

        response = client.post(
            reverse("registry:rental_new"),
            new_rental_post(world, landlord_id_number=landlord.id_number, note="两室一厅"),
        )

        rental = Rental.objects.get()
        assert response.status_code == 302
        assert response["Location"] == rental_url("rental", rental)
        assert rental.landlord_id == landlord.pk
        assert rental.address_detail == "3单元302室"
        assert rental.registered_on == date(2025, 3, 1)
        page = html(client.get(response["Location"]))
        assert "房东赵" in page
        assert "****" in page
        assert "3单元302室" not in page
        assert landlord.id_number not in page
        assert AuditEvent.objects.filter(action="registry.register_rental").count() == 1

    def test_the_landlord_can_come_from_their_resident_page(self, world) -> None:
        landlord = person(world, "房东钱", 2)
        client = client_for(world.users["community_staff"])

        form = html(client.get(reverse("registry:rental_new"), {"landlord": landlord.pk}))
        assert "房东钱" in form
        assert 'name="landlord_id_number"' not in form
        response = client.post(
            reverse("registry:rental_new"), new_rental_post(world, landlord=str(landlord.pk))
        )

        assert response.status_code == 302
        assert Rental.objects.get().landlord_id == landlord.pk

    def test_a_landlord_out_of_scope_is_neither_shown_nor_accepted(self, world) -> None:
        elsewhere = person(world, "【R320303】房东", 3, grid=OTHER_GRID)
        client = client_for(world.users["community_staff"])

        form = html(client.get(reverse("registry:rental_new"), {"landlord": elsewhere.pk}))
        by_number = client.post(
            reverse("registry:rental_new"),
            new_rental_post(world, landlord_id_number=elsewhere.id_number),
        )
        by_id = client.post(
            reverse("registry:rental_new"), new_rental_post(world, landlord=str(elsewhere.pk))
        )

        assert "【R320303】" not in form
        assert "在您的管辖范围内没有找到持此证件号码的居民" in html(by_number)
        assert "所选房东不在您的管辖范围内" in html(by_id)
        assert "【R320303】" not in html(by_number) + html(by_id)
        assert not Rental.objects.exists()

    def test_bad_input_is_named_in_chinese_and_nothing_is_written(self, world) -> None:
        landlord = person(world, "房东孙", 4)
        client = client_for(world.users["community_staff"])
        tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()

        missing = html(client.post(reverse("registry:rental_new"), new_rental_post(world)))
        future = html(
            client.post(
                reverse("registry:rental_new"),
                new_rental_post(
                    world, landlord_id_number=landlord.id_number, registered_on=tomorrow
                ),
            )
        )
        wrong_place = html(
            client.post(
                reverse("registry:rental_new"),
                new_rental_post(
                    world,
                    landlord_id_number=landlord.id_number,
                    grid=str(world.grids[OTHER_GRID].pk),
                ),
            )
        )

        assert "请填写房东的证件号码" in missing
        assert "日期不能晚于今天" in future
        assert "is-invalid" in wrong_place
        assert not Rental.objects.exists()
        # The number typed is kept in its input for correction, and appears nowhere else.
        typed_back = re.sub(r'value="[^"]*"', "", missing + future + wrong_place)
        assert landlord.id_number not in typed_back

    def test_view_only_staff_may_list_but_not_register(self, world) -> None:
        rental_for(world, person(world, "房东李", 5))
        client = client_for(world.users["township_staff"])

        page = html(client.get(reverse("registry:rentals")))

        assert "房东李" in page
        assert reverse("registry:rental_new") not in page
        assert client.get(reverse("registry:rental_new")).status_code == 403


# --- Tenants ----------------------------------------------------------------------------------------


class TestTenants:
    def test_an_existing_resident_becomes_a_tenant_by_id_number(self, world) -> None:
        rental = rental_for(world, person(world, "房东周", 10))
        tenant = person(world, "租户吴", 11)
        client = client_for(world.users["community_staff"])

        response = client.post(
            rental_url("tenant_new", rental),
            {"id_type": "resident_id", "id_number": tenant.id_number, "start_date": "2025-04-01"},
        )

        assert response.status_code == 302
        tenancy = Tenancy.objects.get()
        assert (tenancy.tenant_id, tenancy.start_date) == (tenant.pk, date(2025, 4, 1))
        page = html(client.get(rental_url("rental", rental)))
        assert "租户吴" in page
        assert tenant.id_number not in page
        assert f"{tenant.id_number[:6]}********{tenant.id_number[-4:]}" in page

    def test_a_newcomer_is_registered_as_a_migrant_at_the_rented_home(self, world) -> None:
        rental = rental_for(world, person(world, "房东郑", 12), address_detail="9单元901室")
        client = client_for(world.users["community_staff"])
        number = synthetic_id("320303", 13, date(1995, 5, 5))

        response = client.post(
            rental_url("tenant_new", rental),
            {
                "id_type": "resident_id",
                "id_number": number,
                "name": "新租户",
                "phone": "19900001313",
                "start_date": "2025-05-01",
            },
        )

        assert response.status_code == 302
        tenant = Resident.objects.get(name="新租户")
        assert tenant.residence_status == ResidenceStatus.MIGRANT
        assert tenant.birth_date == date(1995, 5, 5)
        assert tenant.phone == "19900001313"
        home = Household.objects.get(pk=tenant.household_id)
        assert (home.community_id, home.grid_id, home.building_id) == (
            rental.community_id,
            rental.grid_id,
            rental.building_id,
        )
        assert home.address_detail == "9单元901室"
        assert home.head_id == tenant.pk
        assert Tenancy.objects.get().tenant_id == tenant.pk

    def test_an_unknown_number_without_a_name_asks_for_the_name(self, world) -> None:
        rental = rental_for(world, person(world, "房东冯", 14))
        client = client_for(world.users["community_staff"])

        page = html(
            client.post(
                rental_url("tenant_new", rental),
                {
                    "id_type": "resident_id",
                    "id_number": synthetic_id("320303", 15),
                    "start_date": "2025-05-01",
                },
            )
        )

        assert "新租户请填写姓名" in page
        assert not Tenancy.objects.exists()

    def test_a_bad_or_foreign_number_writes_nothing(self, world) -> None:
        rental = rental_for(world, person(world, "房东陈", 16))
        elsewhere = person(world, "【R320303】外地", 17, grid=OTHER_GRID)
        client = client_for(world.users["community_staff"])
        residents, households = Resident.objects.count(), Household.objects.count()

        bad = html(
            client.post(
                rental_url("tenant_new", rental),
                {
                    "id_type": "resident_id",
                    "id_number": "320302197001010000",
                    "name": "错号",
                    "start_date": "2025-05-01",
                },
            )
        )
        foreign = html(
            client.post(
                rental_url("tenant_new", rental),
                {
                    "id_type": "resident_id",
                    "id_number": elsewhere.id_number,
                    "name": "外地",
                    "start_date": "2025-05-01",
                },
            )
        )
        future = html(
            client.post(
                rental_url("tenant_new", rental),
                {
                    "id_type": "passport",
                    "id_number": "E12345678",
                    "name": "未来人",
                    "start_date": (timezone.localdate() + timedelta(days=3)).isoformat(),
                },
            )
        )

        assert "is-invalid" in bad
        assert "已在其他村(社区)登记" in foreign
        assert "【R320303】" not in foreign
        assert "日期不能晚于今天" in future
        assert (Resident.objects.count(), Household.objects.count()) == (residents, households)
        assert not Tenancy.objects.exists()

    def test_a_name_that_does_not_match_the_number_is_refused(self, world) -> None:
        rental = rental_for(world, person(world, "房东褚", 18))
        tenant = person(world, "租户卫", 19)
        client = client_for(world.users["community_staff"])

        page = html(
            client.post(
                rental_url("tenant_new", rental),
                {
                    "id_type": "resident_id",
                    "id_number": tenant.id_number,
                    "name": "别人",
                    "start_date": "2025-05-01",
                },
            )
        )

        assert "与填写的姓名不符" in page
        assert not Tenancy.objects.exists()

    def test_ending_a_tenancy_moves_it_to_the_past(self, world) -> None:
        rental = rental_for(world, person(world, "房东蒋", 20))
        tenancy = actions.add_tenant(
            rental=rental, tenant=person(world, "租户沈", 21), start_date=date(2025, 1, 1)
        )
        client = client_for(world.users["community_staff"])

        early = client.post(
            reverse("registry:tenancy_end", kwargs={"tenancy_id": tenancy.pk}),
            {"end_date": "2024-12-01"},
            follow=True,
        )
        tenancy.refresh_from_db()
        assert "退租日期不能早于入住日期" in html(early)
        assert tenancy.end_date is None

        response = client.post(
            reverse("registry:tenancy_end", kwargs={"tenancy_id": tenancy.pk}),
            {"end_date": "2025-06-30"},
        )

        tenancy.refresh_from_db()
        assert response.status_code == 302
        assert tenancy.end_date == date(2025, 6, 30)
        page = html(client.get(rental_url("rental", rental)))
        assert "以往租户" in page
        assert "目前没有租户" in page

    def test_stopping_letting_ends_every_tenancy(self, world) -> None:
        rental = rental_for(world, person(world, "房东韩", 22))
        for serial in (23, 24):
            actions.add_tenant(
                rental=rental,
                tenant=person(world, f"租户{serial}", serial),
                start_date=date(2025, 1, 1),
            )
        client = client_for(world.users["community_staff"])

        confirm = html(client.get(rental_url("rental_end", rental)))
        refused = html(client.post(rental_url("rental_end", rental), {"ended_on": "2024-12-31"}))
        assert not Rental.objects.get().ended_on
        response = client.post(rental_url("rental_end", rental), {"ended_on": "2025-07-01"})

        assert "2 名租户" in confirm
        assert "不能早于现有租户的入住日期" in refused
        assert response.status_code == 302
        assert Rental.objects.get().ended_on == date(2025, 7, 1)
        assert set(Tenancy.objects.values_list("end_date", flat=True)) == {date(2025, 7, 1)}
        page = html(client.get(rental_url("rental", rental)))
        assert "已停止出租" in page
        assert rental_url("tenant_new", rental) not in page
        assert client.get(rental_url("tenant_new", rental)).status_code == 302


# --- Scope, lists and the resident page's section ---------------------------------------------------


class TestScopeAndLists:
    def test_a_rental_elsewhere_is_404_everywhere(self, world) -> None:
        rental = rental_for(
            world, person(world, "【R320303】房东", 30, grid=OTHER_GRID), grid=OTHER_GRID
        )
        tenancy = actions.add_tenant(
            rental=rental,
            tenant=person(world, "【R320303】租户", 31, grid=OTHER_GRID),
            start_date=date(2025, 1, 1),
        )
        client = client_for(world.users["community_staff"])

        for name in ("rental", "tenant_new", "rental_end"):
            assert client.get(rental_url(name, rental)).status_code == 404, name
        assert (
            client.post(rental_url("rental_end", rental), {"ended_on": "2025-02-01"}).status_code
            == 404
        )
        end = client.post(
            reverse("registry:tenancy_end", kwargs={"tenancy_id": tenancy.pk}),
            {"end_date": "2025-02-01"},
        )
        assert end.status_code == 404
        assert Tenancy.objects.get().end_date is None
        assert "【R320303】" not in html(client.get(reverse("registry:rentals"), {"state": "all"}))

    def test_a_grid_worker_sees_their_grid_only(self, world) -> None:
        mine = rental_for(world, person(world, "本格房东", 32))
        theirs = rental_for(
            world, person(world, "邻格房东", 33, grid=SIBLING_GRID), grid=SIBLING_GRID
        )
        client = client_for(world.users["grid_worker"])

        page = html(client.get(reverse("registry:rentals")))

        assert "本格房东" in page
        assert "邻格房东" not in page
        assert client.get(rental_url("rental", mine)).status_code == 200
        assert client.get(rental_url("rental", theirs)).status_code == 404

    def test_filters_by_state_and_landlord_pinyin(self, world) -> None:
        rental_for(world, person(world, "张房东", 34))
        ended = rental_for(world, person(world, "李房东", 35))
        rental_end_day = date(2025, 1, 2)
        from shequ.registry.actions.rentals import end_rental

        end_rental(rental=ended, ended_on=rental_end_day)
        client = client_for(world.users["community_staff"])

        default = html(client.get(reverse("registry:rentals")))
        gone = html(client.get(reverse("registry:rentals"), {"state": "ended"}))
        by_pinyin = html(
            client.get(reverse("registry:rentals"), {"state": "all", "landlord": "zfd"})
        )

        assert "张房东" in default and "李房东" not in default
        assert "李房东" in gone and "张房东" not in gone
        assert "张房东" in by_pinyin and "李房东" not in by_pinyin

    def test_the_list_takes_the_same_number_of_queries_for_more_rows(
        self, world, django_assert_max_num_queries
    ) -> None:
        client = client_for(world.users["community_staff"])
        list_url = reverse("registry:rentals")

        def add(count: int, start: int) -> None:
            for i in range(count):
                rental = rental_for(world, person(world, f"房东{start + i}", start + 2 * i))
                actions.add_tenant(
                    rental=rental,
                    tenant=person(world, f"租户{start + i}", start + 2 * i + 1),
                    start_date=date(2025, 1, 1),
                )

        add(2, 100)
        client.get(list_url)
        with CaptureQueriesContext(connection) as few:
            assert client.get(list_url).status_code == 200
        add(20, 200)

        with django_assert_max_num_queries(len(few)):
            page = html(client.get(list_url))
        assert "共 22 处" in page

    def test_the_resident_section_lists_lettings_and_stays_in_scope(self, world) -> None:
        landlord = person(world, "房东何", 40)
        tenant = person(world, "租户吕", 41)
        rental = rental_for(world, landlord)
        actions.add_tenant(rental=rental, tenant=tenant, start_date=date(2025, 1, 1))
        elsewhere = rental_for(
            world, person(world, "【R320303】房东", 42, grid=OTHER_GRID), grid=OTHER_GRID
        )
        actions.add_tenant(rental=elsewhere, tenant=tenant, start_date=date(2024, 1, 1))
        template = Template("{% load registry_rentals %}{% resident_rentals resident user %}")
        staff = world.users["community_staff"]

        lets = template.render(Context({"resident": landlord, "user": staff}))
        stays = template.render(Context({"resident": tenant, "user": staff}))
        outsider = template.render(Context({"resident": tenant, "user": world.outsider}))

        assert rental_url("rental", rental) in lets
        assert "1 名租户" in lets
        assert f"?landlord={landlord.pk}" in lets
        assert rental_url("rental", rental) in stays
        assert "房东何" in stays
        assert rental_url("rental", elsewhere) not in stays
        assert "【R320303】" not in stays
        assert rental_url("rental", elsewhere) in outsider
        assert rental_url("rental", rental) not in outsider
