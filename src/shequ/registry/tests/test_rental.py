"""Rental housing (出租房屋) and its tenants."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from shequ.core.validators import id_check_character
from shequ.registry import actions
from shequ.registry.actions import MemberInput
from shequ.registry.models import Rental, Tenancy
from tests.world import build_world

pytestmark = pytest.mark.django_db


def _id(serial: int, born: str = "19800101", area: str = "320302") -> str:
    body = f"{area}{born}{serial:03d}"
    return body + id_check_character(body)


def _person(world, community: str, grid: str, name: str, serial: int, relation: str = "head"):
    household = actions.register_household(
        community=world.regions[community],
        grid=world.grids[grid],
        members=[MemberInput(name=name, relation=relation, id_number=_id(serial))],
    )
    return household.head


def test_a_rental_with_tenants_keeps_its_history() -> None:
    world = build_world()
    landlord = _person(world, "320302001001", "320302001001001", "房东甲", 11)
    tenant = _person(world, "320302001001", "320302001001001", "租户乙", 12)
    staff = world.users["community_staff"]
    rental = actions.register_rental(
        community=world.regions["320302001001"],
        grid=world.grids["320302001001001"],
        landlord=landlord,
        registered_on=timezone.localdate(),
        address_detail="1单元101",
        by=staff,
    )
    tenancy = actions.add_tenant(
        rental=rental, tenant=tenant, start_date=timezone.localdate(), by=staff
    )
    with pytest.raises(ValidationError):
        actions.add_tenant(rental=rental, tenant=tenant, start_date=timezone.localdate(), by=staff)
    with pytest.raises(ValidationError):
        actions.add_tenant(
            rental=rental, tenant=landlord, start_date=timezone.localdate(), by=staff
        )
    ended = actions.end_tenancy(tenancy=tenancy, end_date=timezone.localdate(), by=staff)
    assert ended.end_date == timezone.localdate()
    with pytest.raises(ValidationError):
        actions.end_tenancy(tenancy=tenancy, end_date=timezone.localdate(), by=staff)
    assert Tenancy.objects.filter(rental=rental).count() == 1
    assert Rental.objects.get(pk=rental.pk).address_detail == "1单元101"


def test_rentals_outside_the_jurisdiction_are_refused() -> None:
    world = build_world()
    landlord = _person(world, "320303001001", "320303001001001", "房东丙", 21)
    with pytest.raises(PermissionDenied):
        actions.register_rental(
            community=world.regions["320303001001"],
            landlord=landlord,
            registered_on=timezone.localdate(),
            by=world.users["community_staff"],
        )


def test_bad_dates_are_refused() -> None:
    world = build_world()
    landlord = _person(world, "320302001001", "320302001001001", "房东丁", 31)
    with pytest.raises(ValidationError):
        actions.register_rental(
            community=world.regions["320302001001"],
            landlord=landlord,
            registered_on=timezone.localdate() + timedelta(days=1),
        )
    rental = actions.register_rental(
        community=world.regions["320302001001"], landlord=landlord, registered_on=date(2025, 1, 1)
    )
    tenant = _person(world, "320302001001", "320302001001001", "租户戊", 32)
    tenancy = actions.add_tenant(rental=rental, tenant=tenant, start_date=date(2025, 3, 1))
    with pytest.raises(ValidationError):
        actions.end_tenancy(tenancy=tenancy, end_date=date(2025, 2, 1))


def test_change_head_after_the_head_moves_out(client) -> None:
    from shequ.registry.models import Household, Resident

    world = build_world()
    household = actions.register_household(
        community=world.regions["320302001001"],
        grid=world.grids["320302001001001"],
        members=[
            MemberInput(name="老户主", relation="head", id_number=_id(41)),
            MemberInput(name="配偶", relation="spouse", id_number=_id(42)),
        ],
    )
    spouse = Resident.objects.get(household=household, relation="spouse")
    actions.record_departure(resident=household.head, status="deceased", on=timezone.localdate())
    assert Household.objects.get(pk=household.pk).head_id is None
    client.force_login(world.users["community_staff"])
    response = client.post(f"/registry/households/{household.pk}/head/", {"resident": spouse.pk})
    assert response.status_code == 302
    assert Household.objects.get(pk=household.pk).head_id == spouse.pk
    assert Resident.objects.get(pk=spouse.pk).relation == "head"
    with pytest.raises(ValidationError):
        actions.update_resident(resident=spouse, changes={"relation": "spouse"})


def test_a_departed_resident_gets_no_new_care_group() -> None:
    world = build_world()
    household = actions.register_household(
        community=world.regions["320302001001"],
        grid=world.grids["320302001001001"],
        members=[MemberInput(name="赵六", relation="head", id_number=_id(51))],
    )
    head = household.head
    actions.record_departure(resident=head, status="moved_out", on=timezone.localdate())
    head.refresh_from_db()
    with pytest.raises(ValidationError):
        actions.tag_care_group(resident=head, group="veteran", start_date=timezone.localdate())


def test_phone_search_accepts_0086() -> None:
    from shequ.registry.queries import query_condition

    world = build_world()
    actions.register_household(
        community=world.regions["320302001001"],
        grid=world.grids["320302001001001"],
        members=[MemberInput(name="钱七", relation="head", id_number=_id(61), phone="13912345678")],
    )
    from shequ.registry.models import Resident

    assert Resident.objects.filter(query_condition("0086 139 1234 5678")).count() == 1
