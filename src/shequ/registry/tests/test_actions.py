"""The registry's actions and searches: registration, duplicates, edits, moves, departures, care groups,
reveal, and the scoped search — each with its audit event, none of which holds a clear identifier."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from shequ.core.models import AuditEvent
from shequ.registry import actions, queries
from shequ.registry.actions import MemberInput
from shequ.registry.models import (
    CareGroup,
    CareGroupTag,
    DisabilityCategory,
    Household,
    HouseholdMembership,
    IdType,
    LifeStatus,
    Relation,
    Resident,
    Sex,
)
from shequ.registry.queries import ResidentFilters
from shequ.registry.tests import factories as f
from shequ.territory.models import Estate
from tests.world import World, build_world

pytestmark = pytest.mark.django_db

HOME_C, HOME_G, HOME_G2 = "320302001001", "320302001001001", "320302001001002"
AWAY_C, AWAY_G = "320303001001", "320303001001001"
NEIGHBOUR_C = "320302002001"  # another township of the home county


@pytest.fixture
def world() -> World:
    return build_world()


@pytest.fixture
def staff(world: World) -> Any:
    return world.users["community_staff"]


def home(world: World) -> dict[str, Any]:
    return {"community": world.regions[HOME_C], "grid": world.grids[HOME_G]}


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def messages(exc: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return exc.value.message_dict


def search(user: Any, **filters: Any) -> list[Resident]:
    return list(queries.search_residents(user, ResidentFilters(**filters)))


def names(residents: list[Resident]) -> list[str]:
    return sorted(r.name for r in residents)


def years_ago(years: int, day: date | None = None) -> date:
    day = day or timezone.localdate()
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


# --- Registration ---------------------------------------------------------------------------------


class TestRegisterHousehold:
    def test_members_head_memberships_and_what_the_id_number_says(self, world, staff) -> None:
        head_id = f.id_number(date(1950, 3, 7), sex="male")
        wife_id = f.id_number(date(1952, 8, 1), sex="female")
        members = [
            # Sex and birth date typed wrongly: the ID number is the source of truth.
            MemberInput(
                name="张三",
                relation=Relation.HEAD,
                id_number=head_id.lower(),
                phone="+86 139-0000-1111",
                sex=Sex.FEMALE,
                birth_date=date(2000, 1, 1),
            ),
            MemberInput(name="李梅", relation=Relation.SPOUSE, id_number=wife_id),
            MemberInput(
                name="John Smith",
                relation=Relation.NON_RELATIVE,
                id_type=IdType.PASSPORT,
                id_number="e1234567",
                sex=Sex.MALE,
                birth_date=date(1990, 5, 5),
            ),
        ]

        household = actions.register_household(
            members=members, address_detail=" 3单元502室 ", by=staff, **home(world)
        )

        residents = {r.name: r for r in Resident.objects.filter(household=household)}
        assert household.number == f"{HOME_C}-00001"
        assert household.address_detail == "3单元502室"
        assert household.head == residents["张三"]
        head = residents["张三"]
        assert (head.birth_date, head.sex) == (date(1950, 3, 7), Sex.MALE)
        assert head.id_number == head_id  # normalised: upper-case X
        assert head.phone == "13900001111"
        assert head.relation == Relation.HEAD and head.status == LifeStatus.ACTIVE
        assert (head.community, head.grid) == (world.regions[HOME_C], world.grids[HOME_G])
        assert " zs " in head.name_keys and " zhangsan " in head.name_keys
        assert (residents["李梅"].birth_date, residents["李梅"].sex) == (
            date(1952, 8, 1),
            Sex.FEMALE,
        )
        foreigner = residents["John Smith"]
        assert foreigner.id_number == "E1234567" and foreigner.birth_date == date(1990, 5, 5)
        memberships = HouseholdMembership.objects.filter(household=household)
        assert {(m.resident.name, m.relation, m.left_on) for m in memberships} == {
            ("张三", Relation.HEAD, None),
            ("李梅", Relation.SPOUSE, None),
            ("John Smith", Relation.NON_RELATIVE, None),
        }
        assert {m.joined_on for m in memberships} == {timezone.localdate()}
        [event] = events("registry.register_household")
        assert event.actor == staff and event.object_id == str(household.pk)
        assert event.region_code == HOME_G
        assert len(events("registry.register_resident")) == 3

    def test_household_numbers_count_up_within_a_community(self, world) -> None:
        first = f.household(world.regions[HOME_C])
        second = f.household(world.regions[HOME_C])
        elsewhere = f.household(world.regions[AWAY_C])

        assert (first.number, second.number) == (f"{HOME_C}-00001", f"{HOME_C}-00002")
        assert elsewhere.number == f"{AWAY_C}-00001"

    @pytest.mark.parametrize(
        "relations",
        [
            [Relation.SPOUSE, Relation.CHILD],
            [Relation.HEAD, Relation.HEAD],
        ],
        ids=["no head", "two heads"],
    )
    def test_exactly_one_head(self, world, staff, relations) -> None:
        members = [f.member(f"成员{i}", relation) for i, relation in enumerate(relations)]

        with pytest.raises(ValidationError) as exc:
            actions.register_household(members=members, by=staff, **home(world))

        assert "户主" in messages(exc)["relation"][0]
        assert not Household.objects.exists() and not Resident.objects.exists()

    def test_no_members_is_refused(self, world, staff) -> None:
        with pytest.raises(ValidationError):
            actions.register_household(members=[], by=staff, **home(world))

    @pytest.mark.parametrize(
        ("number", "says"),
        [
            ("320302195003071234", "校验位"),
            ("320302500307123", "15位"),
            ("32030219501307123X", "出生日期"),
            ("990302195003071237", "地址码"),
            ("32030219500307", "18位"),
        ],
    )
    def test_an_invalid_id_number_is_refused_naming_the_member_and_field(
        self, world, staff, number: str, says: str
    ) -> None:
        members = [f.member("张三"), f.member("张小三", Relation.CHILD, number=number)]

        with pytest.raises(ValidationError) as exc:
            actions.register_household(members=members, by=staff, **home(world))

        assert list(messages(exc)) == ["members.2.id_number"]
        assert says in messages(exc)["members.2.id_number"][0]
        assert not Resident.objects.exists()

    def test_a_resident_id_type_needs_a_number(self, world, staff) -> None:
        with pytest.raises(ValidationError) as exc:
            actions.register_household(
                members=[f.member("张三", number="")], by=staff, **home(world)
            )

        assert "身份证号码" in messages(exc)["members.1.id_number"][0]

    def test_a_person_without_an_id_number_is_allowed(self, world, staff) -> None:
        members = [
            f.member("张三"),
            f.member(
                "小明",
                Relation.CHILD,
                id_type=IdType.NONE,
                birth_date=date(2020, 2, 2),
                sex=Sex.MALE,
            ),
        ]

        household = actions.register_household(members=members, by=staff, **home(world))

        child = Resident.objects.get(household=household, name="小明")
        assert (child.id_number, child.id_number_index) == ("", "")
        assert (child.birth_date, child.sex) == (date(2020, 2, 2), Sex.MALE)

    @pytest.mark.parametrize("phone", ["1390000111", "23900001111", "电话"])
    def test_an_invalid_phone_is_refused_naming_the_field(self, world, staff, phone) -> None:
        with pytest.raises(ValidationError) as exc:
            actions.register_household(
                members=[f.member("张三", phone=phone)], by=staff, **home(world)
            )

        assert "手机号码" in messages(exc)["members.1.phone"][0]

    @pytest.mark.parametrize(
        ("fields", "field"),
        [
            ({"name": "张" * 61}, "name"),
            ({"id_type": IdType.PASSPORT, "number": "E1", "sex": "x"}, "sex"),
            ({"relation": "boss"}, "relation"),
            ({"id_type": "card"}, "id_type"),
            ({"residence_status": "tourist"}, "residence_status"),
        ],
    )
    def test_values_outside_the_fields_choices_or_length_are_refused(
        self, world, staff, fields, field
    ) -> None:
        fields = {"relation": Relation.CHILD, **fields}
        name = fields.pop("name", "张小")
        relation = fields.pop("relation")
        members = [f.member("张三"), f.member(name, relation, **fields)]

        with pytest.raises(ValidationError) as exc:
            actions.register_household(members=members, by=staff, **home(world))

        assert list(messages(exc)) == [f"members.2.{field}"]

    def test_a_place_of_another_community_is_refused(self, world, staff) -> None:
        with pytest.raises(ValidationError) as exc:
            actions.register_household(
                community=world.regions[HOME_C],
                grid=world.grids[AWAY_G],
                members=[f.member("张三")],
            )

        assert "grid" in messages(exc)

    def test_the_same_id_twice_in_one_household(self, world, staff) -> None:
        number = f.id_number_ending_in_x()
        members = [
            f.member("张三", number=number),
            f.member("张三三", Relation.CHILD, number=number.lower()),
        ]

        with pytest.raises(ValidationError) as exc:
            actions.register_household(members=members, by=staff, **home(world))

        assert "两次" in messages(exc)["members.2.id_number"][0]
        assert not Resident.objects.exists()

    def test_an_id_already_registered_points_to_the_record_inside_the_jurisdiction(
        self, world, staff
    ) -> None:
        number = f.id_number_ending_in_x()
        existing = f.resident(
            world.regions[HOME_C], "王大明", grid=world.grids[HOME_G2], number=number
        )

        with pytest.raises(ValidationError) as exc:
            actions.register_household(
                members=[f.member("王小明", number=number.lower())], by=staff, **home(world)
            )

        message = messages(exc)["members.1.id_number"][0]
        assert "王大明" in message and existing.household.number in message
        assert Resident.objects.count() == 1

    @pytest.mark.parametrize("who", ["outsider", "grid_worker"])
    def test_an_id_registered_outside_the_jurisdiction_is_not_revealed(
        self, world, who: str
    ) -> None:
        number = f.id_number()
        existing = f.resident(
            world.regions[HOME_C], "王大明", grid=world.grids[HOME_G2], number=number
        )
        if who == "outsider":
            user, place = world.outsider, {"community": world.regions[AWAY_C]}
        else:  # a grid worker of the sibling grid
            user, place = world.users["grid_worker"], home(world)

        with pytest.raises(ValidationError) as exc:
            actions.register_household(
                members=[f.member("王小明", number=number)], by=user, **place
            )

        message = messages(exc)["members.1.id_number"][0]
        assert "已在其他村(社区)登记" in message
        assert "王大明" not in message and existing.household.number not in message

    def test_a_racing_registration_of_the_same_id_is_refused_by_the_database(self, world) -> None:
        number = f.id_number()
        first = f.household(world.regions[HOME_C], [f.member("张三", number=number)])
        # The second registration checked before the first committed: only the constraint is left.
        values = actions._clean_member(
            MemberInput(name="张三", relation=Relation.CHILD, id_number=number.lower()),
            today=timezone.localdate(),
        )
        second = f.household(world.regions[HOME_C], [f.member("李四")])

        with pytest.raises(ValidationError) as exc:
            actions._create_resident(second, values, is_synthetic=False, on=timezone.localdate())

        assert "已登记" in messages(exc)["id_number"][0]
        assert Resident.objects.filter(household=second).count() == 1
        assert first.head is not None
        with pytest.raises(IntegrityError), transaction.atomic():
            Resident.objects.create(
                community=world.regions[AWAY_C], name="王五", id_number=number.lower()
            )

    def test_several_people_without_id_numbers_do_not_collide(self, world) -> None:
        none = {"id_type": IdType.NONE}
        f.household(
            world.regions[HOME_C], [f.member("甲", **none), f.member("乙", "child", **none)]
        )

        assert Resident.objects.filter(id_number_index="").count() == 2

    @pytest.mark.parametrize(
        ("role", "place"),
        [
            ("outsider", HOME_G),
            ("township_staff", HOME_G),  # may view, not edit
            ("grid_worker", HOME_G2),  # a sibling grid
            ("grid_worker", None),  # the community itself, not the worker's grid
            ("resident", HOME_G),
        ],
    )
    def test_outside_the_jurisdiction_or_without_permission_is_refused(
        self, world, role: str, place: str | None
    ) -> None:
        user = world.outsider if role == "outsider" else world.users[role]
        grid = world.grids[place] if place else None

        with pytest.raises(PermissionDenied):
            f.household(world.regions[HOME_C], grid=grid, by=user)

        assert not Household.objects.exists()
        assert not events("registry.register_household")

    def test_a_grid_worker_registers_in_their_grid(self, world) -> None:
        worker = world.users["grid_worker"]

        household = f.household(world.regions[HOME_C], grid=world.grids[HOME_G], by=worker)

        assert household.grid == world.grids[HOME_G]
        assert events("registry.register_household")[0].actor == worker


class TestAddMember:
    def test_a_member_joins_with_a_membership(self, world, staff) -> None:
        household = f.household(world.regions[HOME_C], grid=world.grids[HOME_G])

        child = actions.add_member(
            household=household, member=f.member("张小", Relation.CHILD), by=staff
        )

        assert child.household == household and child.grid == world.grids[HOME_G]
        assert child.memberships.get().relation == Relation.CHILD
        assert events("registry.register_resident")[-1].object_id == str(child.pk)

    def test_a_second_head_is_refused(self, world, staff) -> None:
        household = f.household(world.regions[HOME_C])

        with pytest.raises(ValidationError) as exc:
            actions.add_member(household=household, member=f.member("李四"), by=staff)

        assert "relation" in messages(exc)


# --- Edits ----------------------------------------------------------------------------------------


class TestUpdateResident:
    def test_an_edit_bumps_the_version_and_is_audited(self, world, staff) -> None:
        person = f.resident(world.regions[HOME_C], "张三", grid=world.grids[HOME_G])
        new_id = f.id_number(date(1961, 4, 30), sex="female")

        updated = actions.update_resident(
            resident=person,
            changes={"name": "李四", "id_number": new_id, "phone": "13812345678"},
            expected_version=1,
            by=staff,
        )

        assert updated.version == 2 and updated.name == "李四"
        assert " ls " in updated.name_keys
        assert (updated.birth_date, updated.sex) == (date(1961, 4, 30), Sex.FEMALE)
        assert search(staff, q=new_id) == [updated]
        [event] = events("registry.update_resident")
        assert event.actor == staff
        assert {"name", "id_number", "phone", "birth_date", "sex"} <= set(event.fields)

    def test_an_edit_that_changes_nothing_keeps_the_version(self, world, staff) -> None:
        person = f.resident(world.regions[HOME_C], "张三")

        same = actions.update_resident(
            resident=person, changes={"name": "张三"}, expected_version=1, by=staff
        )

        assert same.version == 1 and not events("registry.update_resident")

    def test_a_stale_version_is_refused_and_nothing_changes(self, world, staff) -> None:
        person = f.resident(world.regions[HOME_C], "张三")
        actions.update_resident(resident=person, changes={"name": "张叁"}, expected_version=1)

        with pytest.raises(ValidationError) as exc:
            actions.update_resident(
                resident=person,
                changes={"name": "李四", "phone": "13812345678"},
                expected_version=1,
                by=staff,
            )

        assert "刚被其他人修改" in exc.value.messages[0]
        person.refresh_from_db()
        assert (person.name, person.version) == ("张叁", 2)
        assert person.phone != "13812345678"
        assert len(events("registry.update_resident")) == 1

    @pytest.mark.parametrize(
        ("changes", "field"),
        [
            ({"phone": "12345"}, "phone"),
            ({"id_number": "320302195003071234"}, "id_number"),
            ({"name": "  "}, "name"),
            ({"residence_status": "tourist"}, "residence_status"),
            ({"legal_basis": "whim"}, "legal_basis"),
            ({"name": "张" * 61}, "name"),
            ({"id_type": IdType.PASSPORT, "id_number": "E1", "sex": "other"}, "sex"),
        ],
    )
    def test_invalid_values_name_the_field(self, world, staff, changes, field) -> None:
        person = f.resident(world.regions[HOME_C])

        with pytest.raises(ValidationError) as exc:
            actions.update_resident(resident=person, changes=changes, expected_version=1, by=staff)

        assert field in messages(exc)
        person.refresh_from_db()
        assert person.version == 1

    def test_an_id_number_of_someone_else_is_refused(self, world, staff) -> None:
        other = f.resident(world.regions[HOME_C], "王五")
        person = f.resident(world.regions[HOME_C], "张三")

        with pytest.raises(ValidationError) as exc:
            actions.update_resident(
                resident=person, changes={"id_number": other.id_number.lower()}, by=staff
            )

        assert "王五" in messages(exc)["id_number"][0]

    def test_keeping_ones_own_id_number_is_no_duplicate(self, world, staff) -> None:
        person = f.resident(world.regions[HOME_C], "张三")

        actions.update_resident(
            resident=person, changes={"id_number": person.id_number.lower()}, by=staff
        )

    def test_fields_that_are_not_editable_are_refused(self, world, staff) -> None:
        person = f.resident(world.regions[HOME_C])

        with pytest.raises(ValidationError):
            actions.update_resident(resident=person, changes={"status": "deceased"}, by=staff)

    def test_outside_the_jurisdiction_is_refused(self, world) -> None:
        person = f.resident(world.regions[HOME_C])

        with pytest.raises(PermissionDenied):
            actions.update_resident(resident=person, changes={"name": "李四"}, by=world.outsider)

        person.refresh_from_db()
        assert person.name == "张三"


class TestMoveMember:
    def test_a_move_ends_the_old_membership_and_starts_a_new_one(self, world, staff) -> None:
        old = f.household(
            world.regions[HOME_C],
            [f.member("张三"), f.member("张小", Relation.CHILD)],
            grid=world.grids[HOME_G],
        )
        new = f.household(world.regions[HOME_C], [f.member("李四")], grid=world.grids[HOME_G2])
        child = Resident.objects.get(name="张小")
        day = timezone.localdate() - timedelta(days=3)

        moved = actions.move_member(
            resident=child, to_household=new, relation=Relation.CHILD_IN_LAW, by=staff, on=day
        )

        assert (moved.household, moved.relation) == (new, Relation.CHILD_IN_LAW)
        assert (moved.community, moved.grid) == (world.regions[HOME_C], world.grids[HOME_G2])
        assert moved.version == 2
        history = list(moved.memberships.order_by("pk"))
        assert [(m.household, m.left_on) for m in history] == [(old, day), (new, None)]
        assert history[0].left_reason and history[1].joined_on == day
        old.refresh_from_db()
        assert old.head is not None and old.head.name == "张三"
        [event] = events("registry.move_member")
        assert event.actor == staff and event.region_code == HOME_G2

    def test_moving_the_head_leaves_the_old_household_without_one(self, world, staff) -> None:
        old = f.household(
            world.regions[HOME_C], [f.member("张三"), f.member("张小", Relation.CHILD)]
        )
        new = f.household(world.regions[HOME_C], [f.member("李四")])
        head = old.head
        assert head is not None

        actions.move_member(resident=head, to_household=new, relation=Relation.SPOUSE, by=staff)

        old.refresh_from_db()
        assert old.head is None
        assert HouseholdMembership.objects.filter(household=old, resident=head).get().left_on

    def test_moving_in_as_head_where_there_is_one_is_refused(self, world, staff) -> None:
        person = f.resident(world.regions[HOME_C], "张三")
        new = f.household(world.regions[HOME_C], [f.member("李四")])

        with pytest.raises(ValidationError) as exc:
            actions.move_member(resident=person, to_household=new, relation=Relation.HEAD)

        assert "relation" in messages(exc)
        assert person.memberships.get().left_on is None

    def test_a_move_into_the_same_household_is_refused(self, world) -> None:
        person = f.resident(world.regions[HOME_C])
        assert person.household is not None

        with pytest.raises(ValidationError):
            actions.move_member(
                resident=person, to_household=person.household, relation=Relation.CHILD
            )

    def test_a_departed_resident_cannot_move(self, world) -> None:
        person = f.resident(world.regions[HOME_C])
        new = f.household(world.regions[HOME_C], [f.member("李四")])
        actions.record_departure(
            resident=person, status=LifeStatus.DECEASED, on=timezone.localdate()
        )

        with pytest.raises(ValidationError):
            actions.move_member(resident=person, to_household=new, relation=Relation.CHILD)

    def test_a_move_into_a_household_outside_the_jurisdiction_is_refused(
        self, world, staff
    ) -> None:
        person = f.resident(world.regions[HOME_C])
        away = f.household(world.regions[AWAY_C], [f.member("李四")])

        with pytest.raises(PermissionDenied):
            actions.move_member(
                resident=person, to_household=away, relation=Relation.CHILD, by=staff
            )

        person.refresh_from_db()
        assert person.community == world.regions[HOME_C]


class TestRecordDeparture:
    @pytest.mark.parametrize("status", [LifeStatus.MOVED_OUT, LifeStatus.DECEASED])
    def test_a_departure_keeps_the_record_and_ends_what_was_open(
        self, world, staff, status: str
    ) -> None:
        household = f.household(
            world.regions[HOME_C], [f.member("张三"), f.member("张小", Relation.CHILD)]
        )
        head = household.head
        assert head is not None
        day = timezone.localdate() - timedelta(days=2)
        tag = actions.tag_care_group(
            resident=head, group=CareGroup.VETERAN, start_date=date(2020, 1, 1)
        )
        ended = actions.tag_care_group(
            resident=head,
            group=CareGroup.DIBAO,
            start_date=date(2019, 1, 1),
            end_date=date(2019, 12, 31),
        )

        gone = actions.record_departure(
            resident=head, status=status, on=day, reason="迁往南京", by=staff
        )

        assert (gone.status, gone.status_date, gone.version) == (status, day, 2)
        assert Resident.objects.filter(pk=head.pk).exists()
        tag.refresh_from_db()
        ended.refresh_from_db()
        assert tag.end_date == day and ended.end_date == date(2019, 12, 31)
        membership = gone.memberships.get()
        assert (membership.left_on, membership.left_reason) == (day, "迁往南京")
        household.refresh_from_db()
        assert household.head is None
        assert names(search(staff)) == ["张小"]
        assert names(search(staff, status=status)) == ["张三"]
        assert names(search(staff, status="")) == ["张三", "张小"]
        [event] = events(f"registry.record_{status}")
        assert event.actor == staff and set(event.fields) == {"status", "status_date"}

    def test_a_departure_before_a_tag_began_still_ends_it(self, world) -> None:
        person = f.resident(world.regions[HOME_C])
        today = timezone.localdate()
        tag = actions.tag_care_group(resident=person, group=CareGroup.VETERAN, start_date=today)

        actions.record_departure(
            resident=person, status=LifeStatus.DECEASED, on=today - timedelta(days=5)
        )

        tag.refresh_from_db()
        assert tag.end_date is not None and tag.end_date >= tag.start_date

    def test_a_second_departure_a_future_date_or_another_status_is_refused(self, world) -> None:
        person = f.resident(world.regions[HOME_C])
        today = timezone.localdate()

        with pytest.raises(ValidationError):
            actions.record_departure(resident=person, status=LifeStatus.ACTIVE, on=today)
        with pytest.raises(ValidationError):
            actions.record_departure(
                resident=person, status=LifeStatus.MOVED_OUT, on=today + timedelta(days=1)
            )
        actions.record_departure(resident=person, status=LifeStatus.MOVED_OUT, on=today)
        with pytest.raises(ValidationError):
            actions.record_departure(resident=person, status=LifeStatus.DECEASED, on=today)

        person.refresh_from_db()
        assert person.status == LifeStatus.MOVED_OUT and person.version == 2

    def test_outside_the_jurisdiction_is_refused(self, world) -> None:
        person = f.resident(world.regions[HOME_C])

        with pytest.raises(PermissionDenied):
            actions.record_departure(
                resident=person,
                status=LifeStatus.MOVED_OUT,
                on=timezone.localdate(),
                by=world.users["grid_worker"],  # the person is registered at community level
            )


# --- Care groups ----------------------------------------------------------------------------------


class TestCareGroups:
    def test_a_disability_tag_needs_category_and_grade(self, world, staff) -> None:
        person = f.resident(world.regions[HOME_C])
        start = date(2024, 1, 1)

        for missing in (
            {"disability_category": DisabilityCategory.PHYSICAL},
            {"disability_grade": 2},
        ):
            with pytest.raises(ValidationError) as exc:
                actions.tag_care_group(
                    resident=person, group=CareGroup.DISABLED, start_date=start, **missing
                )
            assert "disability_category" in messages(exc)
        with pytest.raises(ValidationError):
            actions.tag_care_group(
                resident=person,
                group=CareGroup.DISABLED,
                start_date=start,
                disability_category=DisabilityCategory.PHYSICAL,
                disability_grade=5,
            )

        tag = actions.tag_care_group(
            resident=person,
            group=CareGroup.DISABLED,
            start_date=start,
            disability_category=DisabilityCategory.PHYSICAL,
            disability_grade=2,
            source="残联名册",
            note="轮椅",
            by=staff,
        )

        assert (tag.disability_category, tag.disability_grade) == ("physical", 2)
        [event] = events("registry.tag_care_group")
        assert event.actor == staff and event.object_id == str(tag.pk)
        assert event.region_code == HOME_C

    def test_other_groups_take_no_disability_details(self, world) -> None:
        person = f.resident(world.regions[HOME_C])

        with pytest.raises(ValidationError) as exc:
            actions.tag_care_group(
                resident=person,
                group=CareGroup.DIBAO,
                start_date=date(2024, 1, 1),
                disability_grade=1,
            )

        assert "disability_category" in messages(exc)

    def test_an_unknown_group_is_refused(self, world) -> None:
        person = f.resident(world.regions[HOME_C])

        with pytest.raises(ValidationError) as exc:
            actions.tag_care_group(resident=person, group="vip", start_date=date(2024, 1, 1))

        assert "group" in messages(exc)

    @pytest.mark.parametrize("second_start", [date(2024, 1, 1), date(2025, 1, 1), date(2023, 1, 1)])
    def test_no_second_open_tag_of_the_same_group(self, world, second_start: date) -> None:
        person = f.resident(world.regions[HOME_C])
        actions.tag_care_group(resident=person, group=CareGroup.DIBAO, start_date=date(2024, 1, 1))

        with pytest.raises(ValidationError) as exc:
            actions.tag_care_group(resident=person, group=CareGroup.DIBAO, start_date=second_start)

        assert "group" in messages(exc)
        assert CareGroupTag.objects.filter(resident=person).count() == 1

    def test_a_group_may_be_joined_again_after_its_tag_ended(self, world) -> None:
        person = f.resident(world.regions[HOME_C])
        first = actions.tag_care_group(
            resident=person, group=CareGroup.DIBAO, start_date=date(2022, 1, 1)
        )
        actions.end_care_group(tag=first, end_date=date(2022, 12, 31))

        again = actions.tag_care_group(
            resident=person, group=CareGroup.DIBAO, start_date=date(2024, 1, 1)
        )

        assert again.end_date is None
        # A different group is independent.
        actions.tag_care_group(
            resident=person, group=CareGroup.VETERAN, start_date=date(2024, 1, 1)
        )

    def test_an_end_before_the_start_is_refused(self, world) -> None:
        person = f.resident(world.regions[HOME_C])

        with pytest.raises(ValidationError) as exc:
            actions.tag_care_group(
                resident=person,
                group=CareGroup.DIBAO,
                start_date=date(2024, 1, 1),
                end_date=date(2023, 12, 31),
            )

        assert "end_date" in messages(exc)
        with pytest.raises(IntegrityError), transaction.atomic():
            CareGroupTag.objects.create(
                resident=person,
                group=CareGroup.DIBAO,
                start_date=date(2024, 1, 1),
                end_date=date(2023, 12, 31),
            )

    def test_ending_a_tag_once_and_only_once(self, world, staff) -> None:
        person = f.resident(world.regions[HOME_C])
        tag = actions.tag_care_group(
            resident=person, group=CareGroup.VETERAN, start_date=date(2024, 1, 1)
        )

        with pytest.raises(ValidationError):
            actions.end_care_group(tag=tag, end_date=date(2023, 1, 1), by=staff)
        ended = actions.end_care_group(tag=tag, end_date=date(2024, 6, 30), by=staff)
        with pytest.raises(ValidationError):
            actions.end_care_group(tag=tag, end_date=date(2024, 7, 31), by=staff)

        assert ended.end_date == date(2024, 6, 30)
        tag.refresh_from_db()
        assert tag.end_date == date(2024, 6, 30)
        [event] = events("registry.end_care_group")
        assert event.actor == staff

    def test_tagging_outside_the_jurisdiction_is_refused(self, world) -> None:
        person = f.resident(world.regions[HOME_C])

        with pytest.raises(PermissionDenied):
            actions.tag_care_group(
                resident=person,
                group=CareGroup.VETERAN,
                start_date=date(2024, 1, 1),
                by=world.outsider,
            )


# --- Reveal ---------------------------------------------------------------------------------------


class TestReveal:
    @pytest.mark.parametrize("reason", ["", "   ", "核查", " 核 查 "])
    def test_a_reason_of_at_least_four_characters_is_needed(self, world, staff, reason) -> None:
        person = f.resident(world.regions[HOME_C])

        with pytest.raises(ValidationError) as exc:
            actions.reveal(obj=person, field_name="id_number", reason=reason, by=staff)

        assert "reason" in messages(exc)
        assert not events("registry.reveal")

    @pytest.mark.parametrize("field", ["name", "note", "address_detail", "id_number_index"])
    def test_only_identifiers_of_the_record_can_be_revealed(self, world, staff, field) -> None:
        person = f.resident(world.regions[HOME_C])

        with pytest.raises(ValidationError) as exc:
            actions.reveal(obj=person, field_name=field, reason="办理低保核查", by=staff)

        assert "field" in messages(exc)

    @pytest.mark.parametrize("who", ["grid_worker", "township_staff", "outsider", "auditor"])
    def test_without_the_permission_there_or_outside_is_refused(self, world, who: str) -> None:
        person = f.resident(world.regions[HOME_C], grid=world.grids[HOME_G])
        user = world.outsider if who == "outsider" else world.users[who]

        with pytest.raises(PermissionDenied):
            actions.reveal(obj=person, field_name="id_number", reason="办理低保核查", by=user)

        assert not events("registry.reveal")

    def test_a_reasoned_reveal_gives_the_value_and_audits_the_reason_not_the_value(
        self, world, staff
    ) -> None:
        number = f.id_number_ending_in_x()
        person = f.resident(
            world.regions[HOME_C], number=number, phone="13912345678", address_detail="7单元1102室"
        )
        household = person.household
        assert household is not None

        assert (
            actions.reveal(obj=person, field_name="id_number", reason="办理低保核查", by=staff)
            == number
        )
        assert actions.reveal(obj=person, field_name="phone", reason="联系本人复核", by=staff) == (
            "13912345678"
        )
        assert (
            actions.reveal(obj=household, field_name="address_detail", reason="上门走访", by=staff)
            == "7单元1102室"
        )

        reveals = events("registry.reveal")
        assert [(e.fields, e.reason, e.actor) for e in reveals] == [
            (["id_number"], "办理低保核查", staff),
            (["phone"], "联系本人复核", staff),
            (["address_detail"], "上门走访", staff),
        ]
        assert reveals[0].object_id == str(person.pk) and reveals[2].object_id == str(household.pk)
        assert_no_clear_values_in_audit([number, "13912345678", "7单元1102室"])


# --- Search ---------------------------------------------------------------------------------------


class TestSearch:
    def test_by_pinyin_initials_full_pinyin_or_part_of_the_name(self, world, staff) -> None:
        f.resident(world.regions[HOME_C], "张三")
        f.resident(world.regions[HOME_C], "李四")
        f.resident(world.regions[HOME_C], "欧阳娜娜")

        assert names(search(staff, q="zs")) == ["张三"]
        assert names(search(staff, q="ZS")) == ["张三"]
        assert names(search(staff, q="zhangsan")) == ["张三"]
        assert names(search(staff, q="zhang san")) == ["张三"]
        assert names(search(staff, q="zhang")) == ["张三"]
        assert names(search(staff, q="oynn")) == ["欧阳娜娜"]
        assert names(search(staff, q="三")) == ["张三"]
        assert names(search(staff, q="sz")) == []
        assert names(search(staff, q="")) == ["张三", "李四", "欧阳娜娜"]

    def test_by_exact_id_number_in_any_case(self, world, staff) -> None:
        number = f.id_number_ending_in_x()
        person = f.resident(world.regions[HOME_C], "张三", number=number)
        f.resident(world.regions[HOME_C], "李四")

        for query in (number, number.lower(), f" {number[:6]} {number[6:14]} {number[14:]} "):
            assert search(staff, q=query) == [person], query
        assert search(staff, q=number[:-1] + "0") == []

    def test_by_exact_phone_in_any_common_format(self, world, staff) -> None:
        person = f.resident(world.regions[HOME_C], "张三", phone="13912345678")
        f.resident(world.regions[HOME_C], "李四", phone="13912345679")

        for query in ("13912345678", "+8613912345678", "+86 139 1234 5678", "86-139-1234-5678"):
            assert search(staff, q=query) == [person], query
        assert search(staff, q="1391234567") == []

    def test_by_age_range_with_birthdays_today(self, world, staff) -> None:
        today = timezone.localdate()
        if (today.month, today.day) == (2, 29):
            pytest.skip("birthdays on 29 February have no anniversary in most years")
        born = {
            "六十整": years_ago(60),  # 60 today
            "明天六十": years_ago(60) + timedelta(days=1),  # 59 until tomorrow
            "昨天六十": years_ago(60) - timedelta(days=1),  # 60 since yesterday
            "明天六十一": years_ago(61) + timedelta(days=1),  # 60 until tomorrow
            "六十一整": years_ago(61),  # 61 today
        }
        for name, day in born.items():
            f.resident(world.regions[HOME_C], name, born=day)

        assert names(search(staff, age_min=60)) == sorted(
            ["六十整", "昨天六十", "明天六十一", "六十一整"]
        )
        assert names(search(staff, age_max=59)) == ["明天六十"]
        assert names(search(staff, age_min=60, age_max=60)) == sorted(
            ["六十整", "昨天六十", "明天六十一"]
        )
        assert names(search(staff, age_min=61, age_max=61)) == ["六十一整"]

    def test_by_care_group_counts_current_tags_only(self, world, staff) -> None:
        today = timezone.localdate()
        groups = {
            "现在": (today - timedelta(days=10), None),
            "今天结束": (today - timedelta(days=10), today),
            "已结束": (date(2020, 1, 1), today - timedelta(days=1)),
            "明天开始": (today + timedelta(days=1), None),
        }
        for name, (start, end) in groups.items():
            person = f.resident(world.regions[HOME_C], name)
            actions.tag_care_group(
                resident=person, group=CareGroup.DIBAO, start_date=start, end_date=end
            )
        veteran = f.resident(world.regions[HOME_C], "老兵")
        actions.tag_care_group(
            resident=veteran, group=CareGroup.VETERAN, start_date=date(2000, 1, 1)
        )

        assert names(search(staff, care_group=CareGroup.DIBAO)) == sorted(["现在", "今天结束"])
        assert names(search(staff, care_group=CareGroup.VETERAN)) == ["老兵"]

    def test_by_residence_status_and_estate(self, world, staff) -> None:
        estate = Estate.objects.get(grid=world.grids[HOME_G])
        f.household(
            world.regions[HOME_C],
            [f.member("张三", residence_status="migrant")],
            grid=world.grids[HOME_G],
            estate=estate,
        )
        f.resident(world.regions[HOME_C], "李四")

        assert names(search(staff, residence_status="migrant")) == ["张三"]
        assert names(search(staff, estate_id=estate.pk)) == ["张三"]

    def test_sorting(self, world, staff) -> None:
        f.resident(world.regions[HOME_C], "张三", born=date(1990, 1, 1))
        f.resident(world.regions[HOME_C], "李四", born=date(1950, 1, 1))
        f.resident(world.regions[HOME_C], "王五", born=date(1970, 1, 1))

        assert [r.name for r in search(staff, sort="name")] == ["李四", "王五", "张三"]
        assert [r.name for r in search(staff, sort="-name")] == ["张三", "王五", "李四"]
        assert [r.name for r in search(staff, sort="age")] == ["张三", "王五", "李四"]
        assert [r.name for r in search(staff, sort="-age")] == ["李四", "王五", "张三"]

    def test_each_role_finds_only_its_territory(self, world) -> None:
        f.resident(world.regions[HOME_C], "网格一", grid=world.grids[HOME_G])
        f.resident(world.regions[HOME_C], "网格二", grid=world.grids[HOME_G2])
        f.resident(world.regions[HOME_C], "社区直属")
        f.resident(world.regions[NEIGHBOUR_C], "邻镇")
        f.resident(world.regions[AWAY_C], "外县", grid=world.grids[AWAY_G])
        home_community = ["社区直属", "网格一", "网格二"]

        assert names(search(world.users["grid_worker"])) == ["网格一"]
        assert names(search(world.users["community_staff"])) == sorted(home_community)
        assert names(search(world.users["township_staff"])) == sorted(home_community)
        assert names(search(world.outsider)) == ["外县"]
        for role in ("county_official", "resident", "auditor", "security_admin"):
            assert search(world.users[role]) == [], role
        # An exact ID number from elsewhere finds nothing either.
        away = Resident.objects.get(name="外县")
        assert search(world.users["community_staff"], q=away.id_number) == []


# --- Audit ----------------------------------------------------------------------------------------


def assert_no_clear_values_in_audit(values: list[str]) -> None:
    wanted = {v for value in values for v in (value, value.lower(), value.upper())}
    for row in AuditEvent.objects.values():
        for column, cell in row.items():
            text = str(cell)
            for value in wanted:
                assert value not in text, f"AuditEvent {row['id']}.{column} holds {value!r}"


def test_every_action_is_audited_and_no_event_holds_a_clear_identifier(world, staff) -> None:
    number = f.id_number_ending_in_x()
    phone = "13987654321"
    household = actions.register_household(
        members=[
            f.member("张三", number=number, phone=phone),
            f.member("张小", Relation.CHILD, phone="+86 13887654321"),
        ],
        address_detail="9单元909室",
        by=staff,
        **home(world),
    )
    child = Resident.objects.get(name="张小")
    other = f.household(world.regions[HOME_C], [f.member("李四")], by=staff)
    head = household.head
    assert head is not None
    new_number = f.id_number(date(1955, 5, 5))
    actions.update_resident(
        resident=head,
        changes={"id_number": new_number, "phone": "13700001111"},
        expected_version=1,
        by=staff,
    )
    actions.add_member(
        household=household, member=f.member("张二", Relation.CHILD, phone="13600001111"), by=staff
    )
    tag = actions.tag_care_group(
        resident=head, group=CareGroup.OLDEST_OLD, start_date=date(2024, 1, 1), by=staff
    )
    actions.end_care_group(tag=tag, end_date=date(2024, 2, 1), by=staff)
    actions.move_member(resident=child, to_household=other, relation=Relation.CHILD, by=staff)
    actions.reveal(obj=head, field_name="id_number", reason="办理高龄津贴", by=staff)
    actions.record_departure(
        resident=head, status=LifeStatus.DECEASED, on=timezone.localdate(), by=staff
    )

    assert {e.action for e in AuditEvent.objects.filter(action__startswith="registry.")} == {
        "registry.register_household",
        "registry.register_resident",
        "registry.update_resident",
        "registry.tag_care_group",
        "registry.end_care_group",
        "registry.move_member",
        "registry.reveal",
        "registry.record_deceased",
    }
    registry_events = AuditEvent.objects.filter(action__startswith="registry.")
    assert all(e.actor == staff for e in registry_events), [
        (e.action, e.actor) for e in registry_events
    ]
    assert all(e.region_code.startswith(HOME_C) for e in registry_events)
    assert_no_clear_values_in_audit(
        [number, new_number, phone, "13887654321", "13700001111", "13600001111", "9单元909室"]
    )
