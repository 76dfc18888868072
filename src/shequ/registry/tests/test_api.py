"""/api/v1/registry over HTTP: masked output, search, reveal, edits with a version, registration, and
the error codes — 403 without the permission, 404 outside the jurisdiction, 409 on a stale edit, 422
with field names."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from shequ.accounts.models import Role, RoleAssignment, User
from shequ.core.masking import mask_id_number, mask_phone
from shequ.core.models import AuditEvent
from shequ.registry import actions
from shequ.registry.models import CareGroup, Household, LifeStatus, Relation, Resident
from shequ.registry.permissions import RegistryPerm
from shequ.registry.tests import factories as f
from shequ.territory.models import Building, Estate, VillagerGroup
from shequ.territory.permissions import TerritoryPerm
from tests.pages import client_for
from tests.world import World, build_world

pytestmark = pytest.mark.django_db

API = "/api/v1/registry"
HOME_C, HOME_G, HOME_G2 = "320302001001", "320302001001001", "320302001001002"
VILLAGE, VILLAGE_G = "320302001201", "320302001201001"
AWAY_C, AWAY_G = "320303001001", "320303001001001"
NUMBER_X = f.id_number_ending_in_x(date(1948, 10, 1))
PHONE = "13912345678"
DETAIL = "12单元1203室"


@pytest.fixture
def world() -> World:
    return build_world()


def as_role(world: World, role: str) -> Client:
    return client_for(world.outsider if role == "outsider" else world.users[role])


def user_with(grants: list[tuple[tuple[str, ...], Any]]) -> User:
    """A staff user holding one custom role per (permissions, region) pair."""
    user = User.objects.create(username=f"custom{User.objects.count()}", full_name="自定义")
    for n, (perms, region) in enumerate(grants):
        role = Role.objects.create(
            code=f"{user.username}_{n}",
            name=f"{user.username}{n}",
            permissions=[TerritoryPerm.VIEW, *perms],
        )
        RoleAssignment.objects.create(user=user, role=role, region=region)
    return user


def post(client: Client, path: str, body: dict[str, Any]) -> Any:
    return client.post(API + path, json.dumps(body), content_type="application/json")


def patch(client: Client, path: str, body: dict[str, Any]) -> Any:
    return client.patch(API + path, json.dumps(body), content_type="application/json")


def error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code and body["message"], body
    return {e["field"]: e["message"] for e in body["errors"]}


def the_family(world: World, by: Any = None) -> Household:
    """张三 (head, 78, dibao), 李梅 (spouse), 张小宝 (a child of 5), in the home grid, with a door."""
    today = timezone.localdate()
    household = f.household(
        world.regions[HOME_C],
        [
            f.member("张三", number=NUMBER_X, phone=PHONE),
            f.member("李梅", Relation.SPOUSE, born=date(1950, 2, 2), sex="female"),
            f.member("张小宝", Relation.GRANDCHILD, born=f.years_ago(5, today)),
        ],
        grid=world.grids[HOME_G],
        address_detail=DETAIL,
        by=by,
    )
    head = household.head
    assert head is not None
    actions.tag_care_group(resident=head, group=CareGroup.DIBAO, start_date=date(2020, 1, 1))
    actions.tag_care_group(
        resident=head,
        group=CareGroup.VETERAN,
        start_date=date(2000, 1, 1),
        end_date=date(2010, 1, 1),
    )
    return household


def assert_no_clear_values(content: bytes, *values: str) -> None:
    text = content.decode()
    for value in values or (NUMBER_X, NUMBER_X.lower(), PHONE, DETAIL):
        assert value not in text


# --- Residents: list and search ------------------------------------------------------------------


class TestResidentList:
    def test_rows_are_masked_and_carry_age_sex_household_and_care_groups(self, world) -> None:
        household = the_family(world)

        response = as_role(world, "community_staff").get(f"{API}/residents", {"sort": "-age"})

        assert response.status_code == 200
        body = response.json()
        assert body["count"] == 3 and body["page"] == 1 and body["page_size"] == 50
        rows = {row["name"]: row for row in body["results"]}
        head = rows["张三"]
        assert (
            head["id_number_masked"]
            == mask_id_number(NUMBER_X)
            == "320302********" + (NUMBER_X[-4:])
        )
        assert head["phone_masked"] == mask_phone(PHONE) == "139****5678"
        assert head["age"] == f.age_of(date(1948, 10, 1))
        assert (head["sex"], head["sex_label"]) == ("male", "男")
        assert head["household_number"] == household.number
        assert head["household_id"] == household.pk and head["relation"] == "head"
        assert head["care_groups"] == ["dibao"]  # the ended veteran tag is not current
        assert head["is_sensitive"] is True and head["is_minor"] is False
        assert rows["李梅"]["is_sensitive"] is False and rows["李梅"]["care_groups"] == []
        assert rows["张小宝"]["is_minor"] is True and rows["张小宝"]["is_sensitive"] is True
        assert [row["name"] for row in body["results"]] == ["张三", "李梅", "张小宝"]
        assert "birth_date" not in head and "id_number" not in head and "phone" not in head
        assert_no_clear_values(response.content)

    @pytest.mark.parametrize(
        ("params", "found"),
        [
            ({"q": "zs"}, ["张三"]),
            ({"q": "zhangsan"}, ["张三"]),
            ({"q": "lm"}, ["李梅"]),
            ({"q": NUMBER_X.lower()}, ["张三"]),
            ({"q": "+86 139 1234 5678"}, ["张三"]),
            ({"care_group": "dibao"}, ["张三"]),
            ({"care_group": "veteran"}, []),
            ({"age_max": 13}, ["张小宝"]),
            ({"age_min": 70}, ["张三", "李梅"]),
            ({"residence_status": "migrant"}, []),
            ({"status": "deceased"}, []),
            ({"status": "all"}, ["张三", "李梅", "张小宝"]),
        ],
    )
    def test_search_parameters(self, world, params, found) -> None:
        the_family(world)

        body = as_role(world, "community_staff").get(f"{API}/residents", params).json()

        assert sorted(row["name"] for row in body["results"]) == sorted(found)

    def test_by_estate_and_building(self, world) -> None:
        estate = Estate.objects.get(grid=world.grids[HOME_G])
        building = Building.objects.get(estate=estate)
        f.household(
            world.regions[HOME_C],
            [f.member("王五")],
            grid=world.grids[HOME_G],
            estate=estate,
            building=building,
        )
        the_family(world)
        client = as_role(world, "community_staff")

        by_estate = client.get(f"{API}/residents", {"estate": estate.pk}).json()
        by_building = client.get(f"{API}/residents", {"building": building.pk}).json()

        assert [row["name"] for row in by_estate["results"]] == ["王五"]
        assert [row["name"] for row in by_building["results"]] == ["王五"]

    def test_departed_residents_only_when_asked(self, world) -> None:
        household = the_family(world)
        head = household.head
        assert head is not None
        actions.record_departure(resident=head, status=LifeStatus.DECEASED, on=timezone.localdate())
        client = as_role(world, "community_staff")

        default = client.get(f"{API}/residents").json()
        deceased = client.get(f"{API}/residents", {"status": "deceased"}).json()

        assert sorted(r["name"] for r in default["results"]) == ["张小宝", "李梅"]
        assert [(r["name"], r["status"]) for r in deceased["results"]] == [("张三", "deceased")]

    def test_pages(self, world) -> None:
        the_family(world)
        client = as_role(world, "community_staff")

        first = client.get(f"{API}/residents", {"page_size": 2}).json()
        second = client.get(f"{API}/residents", {"page_size": 2, "page": 2}).json()

        assert first["count"] == second["count"] == 3
        assert len(first["results"]) == 2 and len(second["results"]) == 1

    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"care_group": "vip"}, "care_group"),
            ({"status": "gone"}, "status"),
            ({"residence_status": "tourist"}, "residence_status"),
            ({"sort": "id_number"}, "sort"),
            ({"age_min": 50, "age_max": 40}, "age_max"),
            ({"age_min": -1}, "age_min"),
            ({"age_max": "old"}, "age_max"),
            ({"page_size": 500}, "page_size"),
        ],
    )
    def test_bad_parameters_are_422_naming_the_field(self, world, params, field) -> None:
        response = as_role(world, "community_staff").get(f"{API}/residents", params)

        assert field in error(response, 422, "invalid")

    def test_each_role_sees_its_own_territory_only(self, world) -> None:
        the_family(world)
        f.resident(world.regions[HOME_C], "网格二", grid=world.grids[HOME_G2])
        f.resident(world.regions[AWAY_C], "外县", grid=world.grids[AWAY_G])

        def found(role: str) -> list[str]:
            body = as_role(world, role).get(f"{API}/residents").json()
            return sorted(row["name"] for row in body["results"])

        assert found("grid_worker") == sorted(["张三", "李梅", "张小宝"])
        assert found("township_staff") == sorted(["张三", "李梅", "张小宝", "网格二"])
        assert found("outsider") == ["外县"]

    @pytest.mark.parametrize("role", ["county_official", "resident", "auditor", "unit_handler"])
    def test_without_the_view_permission_is_403(self, world, role) -> None:
        for path in ("/residents", "/households"):
            error(as_role(world, role).get(API + path), 403, "forbidden")

    def test_anonymous_is_401(self, world) -> None:
        error(Client().get(f"{API}/residents"), 401, "unauthenticated")

    def test_the_number_of_queries_does_not_grow_with_rows(self, world) -> None:
        client = as_role(world, "community_staff")
        the_family(world)
        client.get(f"{API}/residents")
        with CaptureQueriesContext(connection) as few:
            assert client.get(f"{API}/residents").json()["count"] == 3
        for n in range(5):
            the_family_member = f.resident(
                world.regions[HOME_C], f"居民{n}", grid=world.grids[HOME_G]
            )
            actions.tag_care_group(
                resident=the_family_member,
                group=CareGroup.PARTY_MEMBER,
                start_date=date(2020, 1, 1),
            )

        with CaptureQueriesContext(connection) as many:
            assert client.get(f"{API}/residents").json()["count"] == 8
        with CaptureQueriesContext(connection) as households:
            assert client.get(f"{API}/households").json()["count"] == 6

        # Session, user, roles, count, page, the page's current tags — whatever the number of rows.
        assert len(many) == len(few) <= 6, [q["sql"] for q in many.captured_queries]
        assert len(households) <= 5


# --- Residents: detail, reveal, edit -------------------------------------------------------------


class TestResidentDetail:
    def test_detail_is_masked_with_current_tags_and_membership_history(self, world) -> None:
        household = the_family(world)
        head = household.head
        assert head is not None
        other = f.household(world.regions[HOME_C], [f.member("王五")], grid=world.grids[HOME_G])
        actions.move_member(resident=head, to_household=other, relation=Relation.PARENT)

        response = as_role(world, "community_staff").get(f"{API}/residents/{head.pk}")

        assert response.status_code == 200
        body = response.json()
        assert body["id_number_masked"] == mask_id_number(NUMBER_X)
        assert body["household_number"] == other.number and body["relation"] == "parent"
        assert [(t["group"], t["group_label"], t["end_date"]) for t in body["care_tags"]] == [
            ("dibao", "低保对象", None)
        ]
        history = [
            (m["household_number"], m["relation"], m["left_on"]) for m in body["memberships"]
        ]
        today = timezone.localdate().isoformat()
        assert history == [(household.number, "head", today), (other.number, "parent", None)]
        assert body["legal_basis"] == "statutory_duty" and body["version"] == 2
        assert_no_clear_values(response.content)

    def test_the_address_shows_the_place_and_hides_the_door(self, world) -> None:
        estate = Estate.objects.get(grid=world.grids[HOME_G])
        household = f.household(
            world.regions[HOME_C],
            [f.member("王五")],
            grid=world.grids[HOME_G],
            estate=estate,
            address_detail=DETAIL,
        )

        body = as_role(world, "community_staff").get(f"{API}/residents/{household.head_id}").json()

        assert body["address"] == f"{estate.name} ****"

    @pytest.mark.parametrize(
        ("role", "where"),
        [("outsider", HOME_G), ("grid_worker", HOME_G2), ("community_staff", AWAY_G)],
    )
    def test_outside_the_jurisdiction_is_404_like_a_missing_id(self, world, role, where) -> None:
        community = AWAY_C if where == AWAY_G else HOME_C
        person = f.resident(world.regions[community], grid=world.grids[where])
        client = as_role(world, role)

        for resident_id in (person.pk, 999999):
            error(client.get(f"{API}/residents/{resident_id}"), 404, "not_found")
            error(
                post(
                    client,
                    f"/residents/{resident_id}/reveal",
                    {"field": "phone", "reason": "办理事项"},
                ),
                404 if role != "grid_worker" else 403,  # a grid worker lacks the reveal permission
                "not_found" if role != "grid_worker" else "forbidden",
            )
            error(patch(client, f"/residents/{resident_id}", {"version": 1}), 404, "not_found")

    def test_without_the_view_permission_is_403(self, world) -> None:
        person = f.resident(world.regions[HOME_C])

        error(
            as_role(world, "county_official").get(f"{API}/residents/{person.pk}"), 403, "forbidden"
        )


class TestReveal:
    def test_a_reasoned_reveal_answers_the_clear_value_and_is_audited(self, world) -> None:
        household = the_family(world)
        staff = world.users["community_staff"]
        client = client_for(staff)

        answers = {
            field: post(
                client,
                f"/residents/{household.head_id}/reveal",
                {"field": field, "reason": "办理低保年审"},
            )
            for field in ("id_number", "phone", "address_detail")
        }

        assert {k: r.json() for k, r in answers.items()} == {
            "id_number": {"field": "id_number", "value": NUMBER_X},
            "phone": {"field": "phone", "value": PHONE},
            "address_detail": {"field": "address_detail", "value": DETAIL},
        }
        assert all(r["Cache-Control"] == "no-store" for r in answers.values())
        reveals = AuditEvent.objects.filter(action="registry.reveal").order_by("id")
        assert [(e.fields, e.reason, e.actor, e.object_type) for e in reveals] == [
            (["id_number"], "办理低保年审", staff, "registry.Resident"),
            (["phone"], "办理低保年审", staff, "registry.Resident"),
            (["address_detail"], "办理低保年审", staff, "registry.Household"),
        ]
        for event in AuditEvent.objects.values():
            assert_no_clear_values(json.dumps(event, default=str, ensure_ascii=False).encode())

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"field": "id_number", "reason": "查"}, "reason"),
            ({"field": "id_number", "reason": "    "}, "reason"),
            ({"field": "name", "reason": "办理事项"}, "field"),
            ({"field": "note", "reason": "办理事项"}, "field"),
            ({"field": "id_number"}, "reason"),
            ({"field": "id_number", "reason": "办理事项", "value": "x"}, "value"),
        ],
    )
    def test_a_bad_request_is_422_and_not_audited(self, world, body, field) -> None:
        person = f.resident(world.regions[HOME_C])

        response = post(as_role(world, "community_staff"), f"/residents/{person.pk}/reveal", body)

        assert field in error(response, 422, "invalid")
        assert not AuditEvent.objects.filter(action="registry.reveal").exists()

    @pytest.mark.parametrize("role", ["grid_worker", "township_staff", "county_official"])
    def test_without_the_reveal_permission_is_403(self, world, role) -> None:
        person = f.resident(world.regions[HOME_C], grid=world.grids[HOME_G])

        response = post(
            as_role(world, role),
            f"/residents/{person.pk}/reveal",
            {"field": "phone", "reason": "办理事项"},
        )

        error(response, 403, "forbidden")

    def test_visible_but_outside_where_the_user_may_reveal_is_403(self, world) -> None:
        viewer = user_with(
            [
                ((RegistryPerm.VIEW,), world.regions["320302001"]),
                ((RegistryPerm.REVEAL,), world.regions["320302002001"]),
            ]
        )
        person = f.resident(world.regions[HOME_C])

        response = post(
            client_for(viewer),
            f"/residents/{person.pk}/reveal",
            {"field": "phone", "reason": "办理事项"},
        )

        error(response, 403, "forbidden")
        assert not AuditEvent.objects.filter(action="registry.reveal").exists()


class TestPatchResident:
    def test_an_edit_with_the_current_version(self, world) -> None:
        person = f.resident(world.regions[HOME_C], "张三", grid=world.grids[HOME_G])
        new_number = f.id_number(date(1966, 6, 6), sex="female")
        client = as_role(world, "grid_worker")

        response = patch(
            client,
            f"/residents/{person.pk}",
            {"version": 1, "name": "李四", "id_number": new_number, "phone": "+86 13800001111"},
        )

        assert response.status_code == 200, response.content
        body = response.json()
        assert (body["name"], body["version"], body["sex"]) == ("李四", 2, "female")
        assert body["id_number_masked"] == mask_id_number(new_number)
        assert body["phone_masked"] == "138****1111"
        assert_no_clear_values(response.content, new_number, "13800001111")
        person.refresh_from_db()
        assert person.phone == "13800001111"
        found = client.get(f"{API}/residents", {"q": new_number}).json()
        assert [row["id"] for row in found["results"]] == [person.pk]
        event = AuditEvent.objects.get(action="registry.update_resident")
        assert event.actor == world.users["grid_worker"]

    def test_null_clears_a_text_field(self, world) -> None:
        person = f.resident(world.regions[HOME_C])

        body = patch(
            as_role(world, "community_staff"),
            f"/residents/{person.pk}",
            {"version": 1, "phone": None},
        ).json()

        assert body["phone_masked"] == ""
        person.refresh_from_db()
        assert (person.phone, person.phone_index) == ("", "")

    def test_a_stale_version_is_409_and_changes_nothing(self, world) -> None:
        person = f.resident(world.regions[HOME_C], "张三")
        client = as_role(world, "community_staff")
        assert (
            patch(client, f"/residents/{person.pk}", {"version": 1, "name": "张叁"}).status_code
            == 200
        )

        response = patch(client, f"/residents/{person.pk}", {"version": 1, "name": "李四"})

        assert "version" in error(response, 409, "conflict")
        person.refresh_from_db()
        assert (person.name, person.version) == ("张叁", 2)

    def test_an_edit_that_commits_in_between_is_409(self, world, monkeypatch) -> None:
        """The version matched when read, but another edit committed before the row was locked."""
        person = f.resident(world.regions[HOME_C], "张三")
        real = actions.update_resident

        def racing(**kwargs: Any) -> Resident:
            real(resident=kwargs["resident"], changes={"name": "王五"})  # the other editor
            return real(**kwargs)

        monkeypatch.setattr(actions, "update_resident", racing)

        response = patch(
            as_role(world, "community_staff"),
            f"/residents/{person.pk}",
            {"version": 1, "name": "李四"},
        )

        error(response, 409, "conflict")
        person.refresh_from_db()
        assert (person.name, person.version) == ("王五", 2)

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"phone": "12345"}, "phone"),
            ({"id_number": "320302195003071234"}, "id_number"),
            ({"name": ""}, "name"),
            ({"relation": "boss"}, "relation"),
            ({"legal_basis": "whim"}, "legal_basis"),
            ({"status": "deceased"}, "status"),  # not editable here
            ({"name": "张" * 61}, "name"),
        ],
    )
    def test_invalid_values_are_422_naming_the_field(self, world, body, field) -> None:
        person = f.resident(world.regions[HOME_C])

        response = patch(
            as_role(world, "community_staff"), f"/residents/{person.pk}", {"version": 1, **body}
        )

        assert field in error(response, 422, "invalid")
        person.refresh_from_db()
        assert person.version == 1

    def test_a_missing_version_is_422(self, world) -> None:
        person = f.resident(world.regions[HOME_C])

        response = patch(
            as_role(world, "community_staff"), f"/residents/{person.pk}", {"name": "李四"}
        )

        assert "version" in error(response, 422, "invalid")

    def test_an_id_number_of_someone_else_is_422(self, world) -> None:
        f.resident(world.regions[HOME_C], "王五", number=NUMBER_X)
        person = f.resident(world.regions[HOME_C], "张三")

        response = patch(
            as_role(world, "community_staff"),
            f"/residents/{person.pk}",
            {"version": 1, "id_number": NUMBER_X.lower()},
        )

        assert "王五" in error(response, 422, "invalid")["id_number"]

    def test_without_the_edit_permission_is_403(self, world) -> None:
        person = f.resident(world.regions[HOME_C])

        error(
            patch(as_role(world, "township_staff"), f"/residents/{person.pk}", {"version": 1}),
            403,
            "forbidden",
        )

    def test_visible_but_outside_where_the_user_may_edit_is_403(self, world) -> None:
        editor = user_with(
            [
                ((RegistryPerm.VIEW,), world.regions["320302001"]),
                ((RegistryPerm.EDIT,), world.regions["320302002001"]),
            ]
        )
        person = f.resident(world.regions[HOME_C])

        response = patch(
            client_for(editor), f"/residents/{person.pk}", {"version": 1, "name": "李四"}
        )

        error(response, 403, "forbidden")
        person.refresh_from_db()
        assert person.name == "张三"


# --- Households -----------------------------------------------------------------------------------


def registration(**extra: Any) -> dict[str, Any]:
    return {
        "community_code": HOME_C,
        "grid_code": HOME_G,
        "address_detail": DETAIL,
        "members": [
            {"name": "张三", "relation": "head", "id_number": NUMBER_X.lower(), "phone": PHONE},
            {"name": "李梅", "relation": "spouse", "id_number": f.id_number(sex="female")},
            {
                "name": "Anna Li",
                "relation": "child_in_law",
                "id_type": "passport",
                "id_number": "e7654321",
                "sex": "female",
                "birth_date": "1992-03-04",
                "residence_status": "migrant",
            },
        ],
        **extra,
    }


class TestCreateHousehold:
    def test_a_household_is_registered_and_answered_masked(self, world) -> None:
        estate = Estate.objects.get(grid=world.grids[HOME_G])
        building = Building.objects.get(estate=estate)
        staff = world.users["community_staff"]

        response = post(
            client_for(staff),
            "/households",
            registration(estate_id=estate.pk, building_id=building.pk),
        )

        assert response.status_code == 201, response.content
        body = response.json()
        household = Household.objects.get(pk=body["id"])
        assert body["number"] == household.number == f"{HOME_C}-00001"
        assert (body["community_code"], body["grid_code"]) == (HOME_C, HOME_G)
        assert (body["estate_id"], body["building_id"]) == (estate.pk, building.pk)
        assert body["address"] == f"{estate.name} {building.number} ****"
        assert body["head_name"] == "张三" and body["head_id"] == household.head_id
        members = {m["name"]: m for m in body["members"]}
        assert members["张三"]["id_number_masked"] == mask_id_number(NUMBER_X)
        assert members["张三"]["age"] == f.age_of(date(1948, 10, 1))
        assert members["Anna Li"]["residence_status"] == "migrant"
        assert members["Anna Li"]["id_type"] == "passport"
        assert_no_clear_values(
            response.content, NUMBER_X, NUMBER_X.lower(), PHONE, DETAIL, "E7654321"
        )
        assert household.address_detail == DETAIL
        event = AuditEvent.objects.get(action="registry.register_household")
        assert event.actor == staff

    def test_a_grid_worker_registers_in_their_grid_only(self, world) -> None:
        client = as_role(world, "grid_worker")

        assert post(client, "/households", registration()).status_code == 201
        refused = post(client, "/households", registration(grid_code=None))
        elsewhere = post(client, "/households", registration(grid_code=HOME_G2))

        error(refused, 403, "forbidden")  # the community is visible to them, not theirs to edit
        assert "grid_code" in error(elsewhere, 404, "not_found")
        assert Household.objects.count() == 1

    @pytest.mark.parametrize(
        ("extra", "field"),
        [
            ({"community_code": AWAY_C, "grid_code": None}, "community_code"),
            ({"community_code": "320302001", "grid_code": None}, "community_code"),  # a township
            ({"community_code": "999999999999", "grid_code": None}, "community_code"),
            ({"grid_code": AWAY_G}, "grid_code"),
            ({"estate_id": 999999}, "estate_id"),
            ({"villager_group_id": 999999}, "villager_group_id"),
        ],
    )
    def test_places_outside_the_jurisdiction_are_404_naming_the_field(
        self, world, extra, field
    ) -> None:
        response = post(as_role(world, "community_staff"), "/households", registration(**extra))

        assert field in error(response, 404, "not_found")
        assert not Household.objects.exists()

    def test_places_that_do_not_fit_together_are_422_under_the_body_names(self, world) -> None:
        estate = Estate.objects.get(grid=world.grids[HOME_G])
        other_building = Building.objects.get(grid=world.grids[HOME_G2])
        group = VillagerGroup.objects.get(community__code=VILLAGE)
        township_editor = user_with(
            [((RegistryPerm.VIEW, RegistryPerm.EDIT), world.regions["320302001"])]
        )
        client = client_for(township_editor)

        wrong_grid = post(client, "/households", registration(grid_code=VILLAGE_G))
        wrong_group = post(client, "/households", registration(villager_group_id=group.pk))
        wrong_building = post(
            client, "/households", registration(estate_id=estate.pk, building_id=other_building.pk)
        )
        building_alone = post(client, "/households", registration(building_id=other_building.pk))

        assert "grid_code" in error(wrong_grid, 422, "invalid")
        assert "villager_group_id" in error(wrong_group, 404, "not_found")
        assert "building_id" in error(wrong_building, 404, "not_found")
        assert "building_id" in error(building_alone, 422, "invalid")
        assert not Household.objects.exists()

    def test_member_errors_keep_the_actions_field_names(self, world) -> None:
        body = registration()
        body["members"][1]["id_number"] = "320302195003071234"
        body["members"][2]["phone"] = "12345"
        client = as_role(world, "community_staff")

        errors = error(post(client, "/households", body), 422, "invalid")
        assert list(errors) == ["members.2.id_number"] and "校验位" in errors["members.2.id_number"]

        body["members"][1]["relation"] = "head"
        assert "relation" in error(post(client, "/households", body), 422, "invalid")

        body = registration()
        body["members"][2]["phone"] = "12345"
        assert list(error(post(client, "/households", body), 422, "invalid")) == ["members.3.phone"]
        assert not Household.objects.exists() and not Resident.objects.exists()

    def test_format_errors_number_members_like_the_action(self, world) -> None:
        body = registration()
        body["members"][1]["birth_date"] = "1950-02-30"
        body["members"][2]["shoe_size"] = 42

        errors = error(post(as_role(world, "community_staff"), "/households", body), 422, "invalid")

        assert set(errors) == {"members.2.birth_date", "members.3.shoe_size"}

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"members": []}, "members"),
            ({"community_code": None}, "community_code"),
            ({"colour": "red"}, "colour"),
        ],
    )
    def test_malformed_bodies_are_422(self, world, body, field) -> None:
        response = post(as_role(world, "community_staff"), "/households", registration(**body))

        assert field in error(response, 422, "invalid")

    def test_a_duplicate_from_elsewhere_is_refused_without_saying_whose(self, world) -> None:
        existing = f.resident(world.regions[AWAY_C], "外县人", number=NUMBER_X)

        response = post(as_role(world, "community_staff"), "/households", registration())

        message = error(response, 422, "invalid")["members.1.id_number"]
        assert "外县人" not in message and existing.household.number not in message

    @pytest.mark.parametrize("role", ["township_staff", "county_official", "resident"])
    def test_without_the_edit_permission_is_403(self, world, role) -> None:
        error(post(as_role(world, role), "/households", registration()), 403, "forbidden")


class TestHouseholds:
    def test_list_and_detail_are_masked_and_scoped(self, world) -> None:
        household = the_family(world)
        other = f.household(world.regions[HOME_C], [f.member("王五")], grid=world.grids[HOME_G2])
        f.household(world.regions[AWAY_C], [f.member("外县人")])
        client = as_role(world, "grid_worker")

        listing = client.get(f"{API}/households")
        detail = client.get(f"{API}/households/{household.pk}")

        assert [row["number"] for row in listing.json()["results"]] == [household.number]
        assert listing.json()["results"][0]["address"] == "****"
        body = detail.json()
        assert sorted(m["name"] for m in body["members"]) == ["张三", "张小宝", "李梅"]
        assert body["head_name"] == "张三"
        assert_no_clear_values(listing.content)
        assert_no_clear_values(detail.content)
        error(client.get(f"{API}/households/{other.pk}"), 404, "not_found")
        error(client.get(f"{API}/households/999999"), 404, "not_found")

    def test_departed_members_stay_in_the_household_detail(self, world) -> None:
        household = the_family(world)
        head = household.head
        assert head is not None
        actions.record_departure(
            resident=head, status=LifeStatus.MOVED_OUT, on=timezone.localdate()
        )

        body = as_role(world, "community_staff").get(f"{API}/households/{household.pk}").json()

        statuses = {m["name"]: m["status"] for m in body["members"]}
        assert statuses == {"张三": "moved_out", "李梅": "active", "张小宝": "active"}
        assert body["head_name"] is None

    def test_filters(self, world) -> None:
        estate = Estate.objects.get(grid=world.grids[HOME_G])
        first = f.household(world.regions[HOME_C], grid=world.grids[HOME_G], estate=estate)
        second = f.household(world.regions[HOME_C], grid=world.grids[HOME_G2])
        village = f.household(world.regions[VILLAGE], grid=world.grids[VILLAGE_G])
        f.household(world.regions[AWAY_C])
        client = as_role(world, "township_staff")

        def numbers(**params: Any) -> list[str]:
            return [
                row["number"] for row in client.get(f"{API}/households", params).json()["results"]
            ]

        assert numbers() == [first.number, second.number, village.number]
        assert numbers(community=VILLAGE) == [village.number]
        assert numbers(grid=HOME_G2) == [second.number]
        assert numbers(estate=estate.pk) == [first.number]
        assert numbers(q="-00002") == [second.number]
        assert numbers(community=AWAY_C) == []


def test_every_error_has_the_common_shape(world) -> None:
    person = f.resident(world.regions[HOME_C])
    staff = as_role(world, "community_staff")
    responses = [
        Client().get(f"{API}/residents"),
        as_role(world, "resident").get(f"{API}/residents"),
        staff.get(f"{API}/residents/{person.pk + 1000}"),
        patch(staff, f"/residents/{person.pk}", {"version": 7}),
        patch(staff, f"/residents/{person.pk}", {"version": 1, "phone": "1"}),
    ]

    assert [r.status_code for r in responses] == [401, 403, 404, 409, 422]
    for response in responses:
        assert set(response.json()) == {"code", "message", "errors"}


def test_a_minor_is_flagged_sensitive_in_every_shape(world) -> None:
    child_born = timezone.localdate() - timedelta(days=365 * 13 + 10)
    household = f.household(
        world.regions[HOME_C],
        [f.member("家长"), f.member("孩子", Relation.CHILD, born=child_born)],
    )
    client = as_role(world, "community_staff")
    child = Resident.objects.get(name="孩子")

    listing = client.get(f"{API}/residents", {"q": "孩子"}).json()["results"][0]
    detail = client.get(f"{API}/residents/{child.pk}").json()
    member = next(
        m
        for m in client.get(f"{API}/households/{household.pk}").json()["members"]
        if m["name"] == "孩子"
    )

    assert listing["is_minor"] and detail["is_minor"] and member["is_minor"]
    assert listing["is_sensitive"] and detail["is_sensitive"] and member["is_sensitive"]
