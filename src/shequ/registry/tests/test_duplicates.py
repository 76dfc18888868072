"""Likely duplicates (疑似重复): detection, the review queue, merging and dismissing.

The world's roles sit at 320302…: community staff at 320302001001, the grid worker at its grid 001,
township staff (view only) at 320302001. 320303 is the other county.
"""

from __future__ import annotations

from datetime import date
from io import StringIO
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from shequ.core.models import AuditEvent
from shequ.registry import actions
from shequ.registry.actions import MemberInput
from shequ.registry.actions.duplicates import (
    DUPLICATE_WORKFLOW,
    detect_duplicates,
    dismiss_duplicate,
    merge_duplicate,
    scan_duplicates,
)
from shequ.registry.models import (
    CareGroup,
    CareGroupTag,
    DuplicateCandidate,
    DuplicateReason,
    DuplicateStatus,
    Household,
    HouseholdMembership,
    IdType,
    LifeStatus,
    Relation,
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
BORN = date(1975, 4, 5)


@pytest.fixture
def world() -> World:
    return build_world()


def person(
    world: World,
    name: str,
    serial: int,
    *,
    grid: str = HOME_GRID,
    born: date = BORN,
    phone: str = "",
    address_detail: str = "",
    building: Building | None = None,
    without_id: bool = False,
) -> Resident:
    """The head of a new one-person household, registered through the action."""
    if without_id:
        member = MemberInput(
            name=name, relation=Relation.HEAD, id_type=IdType.NONE, birth_date=born, phone=phone
        )
    else:
        member = MemberInput(
            name=name,
            relation=Relation.HEAD,
            id_number=synthetic_id(grid[:6], serial, born),
            phone=phone,
        )
    household = actions.register_household(
        community=world.regions[grid[:12]],
        grid=world.grids[grid],
        estate=building.estate if building else None,
        building=building,
        address_detail=address_detail,
        members=[member],
    )
    assert household.head is not None
    return household.head


def pair_of(
    world: World, name: str = "王五", serial: int = 10, **options: Any
) -> DuplicateCandidate:
    first = person(world, name, serial, **options)
    second = person(world, name, serial + 1, **options)
    # Registration proposes the pair.
    return DuplicateCandidate.objects.get(resident=first, other=second)


def forget_open_candidates() -> None:
    """Registration proposes pairs itself; a test of detection alone starts from records that were
    never checked (say, registered before detection existed)."""
    DuplicateCandidate.objects.filter(status=DuplicateStatus.OPEN).delete()


def redetect(resident_ids: list[int]) -> int:
    forget_open_candidates()
    return detect_duplicates(resident_ids=resident_ids)


def url(name: str, candidate: DuplicateCandidate) -> str:
    return reverse(f"registry:{name}", kwargs={"candidate_id": candidate.pk})


# --- Detection -------------------------------------------------------------------------------------


class TestDetection:
    def test_registering_a_household_or_a_member_proposes_pairs_at_once(self, world) -> None:
        first = person(world, "王五", 10)
        second = person(world, "王五", 11)
        assert DuplicateCandidate.objects.filter(resident=first, other=second).exists()

        member = actions.add_member(
            household=first.household,
            member=MemberInput(
                name="王五", relation=Relation.CHILD, id_number=synthetic_id("320302", 12, BORN)
            ),
        )
        assert DuplicateCandidate.objects.filter(other=member).count() == 2

        renamed = person(world, "王六", 13)
        actions.update_resident(resident=renamed, changes={"name": "王五"})
        assert DuplicateCandidate.objects.filter(other=renamed).count() == 3

    def test_same_name_and_birth_date_is_proposed_once_as_an_ordered_pair(self, world) -> None:
        first = person(world, "王五", 10)
        second = person(world, "王五", 11)
        person(world, "王五", 12, born=date(1990, 1, 1))  # another birth date
        person(world, "王六", 13)  # another name

        created = redetect([second.pk, first.pk])

        assert created == 1
        candidate = DuplicateCandidate.objects.get()
        assert (candidate.resident_id, candidate.other_id) == (first.pk, second.pk)
        assert candidate.reason == DuplicateReason.SAME_NAME_BIRTH_DATE
        assert candidate.status == DuplicateStatus.OPEN
        assert detect_duplicates(resident_ids=[first.pk, second.pk]) == 0
        assert DuplicateCandidate.objects.count() == 1

    def test_same_name_at_the_same_door_is_proposed(self, world) -> None:
        building = Building.objects.get(grid=world.grids[HOME_GRID])
        first = person(world, "赵敏", 20, building=building, address_detail="1单元101室")
        second = person(
            world,
            "赵敏",
            21,
            born=date(1980, 2, 2),
            building=building,
            address_detail="1单元101室",
        )
        person(world, "赵敏", 22, born=date(1981, 3, 3), building=building, address_detail="2单元")

        assert redetect([second.pk]) == 1

        candidate = DuplicateCandidate.objects.get()
        assert {candidate.resident_id, candidate.other_id} == {first.pk, second.pk}
        assert candidate.reason == DuplicateReason.SAME_NAME_ADDRESS

    def test_same_name_in_the_same_household_is_proposed(self, world) -> None:
        head = person(world, "孙丽", 30)
        twin = actions.add_member(
            household=head.household,
            member=MemberInput(
                name="孙丽",
                relation=Relation.CHILD,
                id_number=synthetic_id("320302", 31, date(2001, 1, 1)),
            ),
        )

        assert redetect([twin.pk]) == 1
        assert DuplicateCandidate.objects.get().reason == DuplicateReason.SAME_NAME_ADDRESS

    def test_a_dismissed_pair_is_never_proposed_again(self, world) -> None:
        candidate = pair_of(world)
        dismiss_duplicate(candidate=candidate, by=world.users["community_staff"], note="核实为两人")

        assert detect_duplicates(resident_ids=[candidate.resident_id, candidate.other_id]) == 0
        assert scan_duplicates() == 0
        assert DuplicateCandidate.objects.get().status == DuplicateStatus.DISMISSED

    def test_departed_and_merged_records_are_not_proposed(self, world) -> None:
        departed = person(world, "钱七", 40)
        actions.record_departure(
            resident=departed, status=LifeStatus.MOVED_OUT, on=timezone.localdate()
        )
        staying = person(world, "钱七", 41)
        assert detect_duplicates(resident_ids=[staying.pk, departed.pk]) == 0

        candidate = pair_of(world, "周八", 42)
        merge_duplicate(candidate=candidate, keep=candidate.resident, by=None)
        third = person(world, "周八", 44)
        assert redetect([third.pk]) == 1
        newest = DuplicateCandidate.objects.get(status=DuplicateStatus.OPEN)
        assert {newest.resident_id, newest.other_id} == {candidate.resident_id, third.pk}

    def test_scan_finds_every_pair_and_can_keep_to_a_region(self, world) -> None:
        person(world, "吴一", 50)
        person(world, "吴一", 51)
        person(world, "【R320303】吴二", 52, grid=OTHER_GRID)
        person(world, "【R320303】吴二", 53, grid=OTHER_GRID)
        forget_open_candidates()

        assert scan_duplicates(region=world.regions["320302"]) == 1
        assert scan_duplicates() == 1
        assert scan_duplicates() == 0
        assert DuplicateCandidate.objects.count() == 2

    def test_the_command_scans_and_prints_a_count_only(self, world) -> None:
        person(world, "郑三", 60)
        person(world, "郑三", 61)
        forget_open_candidates()
        out = StringIO()

        call_command("scan_duplicates", "--region", "320302001001", stdout=out)

        assert out.getvalue().strip() == "1 new duplicate candidate(s)"
        assert "郑三" not in out.getvalue()
        assert DuplicateCandidate.objects.count() == 1

    def test_detection_of_a_thousand_ids_takes_a_few_queries(
        self, world, django_assert_max_num_queries
    ) -> None:
        people = [person(world, f"批量{i}", 100 + i) for i in range(3)]
        twin = person(world, "批量0", 200)
        ids = [p.pk for p in people] + [twin.pk] + list(range(10**6, 10**6 + 1200))

        with django_assert_max_num_queries(12):
            assert redetect(ids) == 1


# --- Merging ----------------------------------------------------------------------------------------


class TestMerge:
    def test_merge_keeps_history_and_moves_tags_id_and_phone(self, world) -> None:
        keep = person(world, "王五", 0, without_id=True)
        gone = person(world, "王五", 70, phone="19900007070")
        number = gone.id_number
        actions.tag_care_group(resident=keep, group=CareGroup.DIBAO, start_date=date(2021, 1, 1))
        actions.tag_care_group(resident=gone, group=CareGroup.DIBAO, start_date=date(2022, 1, 1))
        actions.tag_care_group(resident=gone, group=CareGroup.VETERAN, start_date=date(2019, 5, 1))
        assert redetect([gone.pk]) == 1
        candidate = DuplicateCandidate.objects.get()
        client = client_for(world.users["community_staff"])

        response = client.post(
            url("duplicate_merge", candidate), {"keep": keep.pk, "note": "同一人"}
        )

        assert response.status_code == 302
        today = timezone.localdate()
        keep.refresh_from_db()
        gone.refresh_from_db()
        assert gone.status == LifeStatus.MERGED
        assert gone.merged_into_id == keep.pk
        assert gone.status_date == today
        assert keep.status == LifeStatus.ACTIVE
        assert keep.id_number == number and keep.id_type == IdType.RESIDENT_ID
        assert keep.phone == "19900007070"
        assert gone.id_number == "" and gone.id_number_index == ""
        assert gone.phone == ""
        assert Resident.objects.filter(id_number_index=keep.id_number_index).count() == 1
        open_groups = sorted(
            CareGroupTag.objects.filter(resident=keep, end_date__isnull=True).values_list(
                "group", "start_date"
            )
        )
        assert open_groups == [
            (CareGroup.DIBAO, date(2021, 1, 1)),
            (CareGroup.VETERAN, date(2019, 5, 1)),
        ]
        assert not CareGroupTag.objects.filter(resident=gone, end_date__isnull=True).exists()
        assert CareGroupTag.objects.filter(resident=gone).count() == 2  # ended, not deleted
        membership = HouseholdMembership.objects.get(resident=gone)
        assert membership.left_on == today
        assert membership.left_reason == "合并重复记录"
        assert Household.objects.get(pk=gone.household_id).head_id is None
        candidate.refresh_from_db()
        assert candidate.status == DuplicateStatus.MERGED
        assert candidate.kept_id == keep.pk
        assert candidate.decided_by == world.users["community_staff"]
        assert candidate.note == "同一人"
        actions_done = set(AuditEvent.objects.values_list("action", flat=True))
        assert {
            "registry.merge_duplicate",
            "registry.merge_resident",
            "registry.end_membership",
            "registry.tag_care_group",
            "registry.end_care_group",
        } <= actions_done
        for event in AuditEvent.objects.all():
            for value in (number, "19900007070"):
                assert value not in " ".join([event.object_repr, event.reason, *event.fields])

    def test_the_merged_record_stays_readable_and_leaves_active_lists(self, world) -> None:
        candidate = pair_of(world, "冯九", 80)
        keep, gone = candidate.resident, candidate.other
        client = client_for(world.users["community_staff"])
        client.post(url("duplicate_merge", candidate), {"keep": keep.pk})

        page = client.get(reverse("registry:resident", kwargs={"resident_id": gone.pk}))
        listed = html(client.get(reverse("registry:residents")))
        merged_list = html(client.get(reverse("registry:residents"), {"status": "merged"}))

        assert page.status_code == 200
        assert "已合并" in html(page)
        assert f'/registry/residents/{keep.pk}/"' in listed
        assert f'/registry/residents/{gone.pk}/"' not in listed
        assert f'/registry/residents/{gone.pk}/"' in merged_list
        notice = Template("{% load registry_duplicates %}{% merged_notice resident user %}").render(
            Context(
                {
                    "resident": Resident.objects.get(pk=gone.pk),
                    "user": world.users["community_staff"],
                }
            )
        )
        assert "已合并到" in notice
        assert reverse("registry:resident", kwargs={"resident_id": keep.pk}) in notice

    def test_the_merged_notice_does_not_name_a_record_out_of_sight(self, world) -> None:
        keep = person(world, "陈十", 90, grid=SIBLING_GRID)
        gone = person(world, "陈十", 91)
        redetect([gone.pk])
        candidate = DuplicateCandidate.objects.get()
        merge_duplicate(candidate=candidate, keep=keep, by=world.users["community_staff"])

        notice = Template("{% load registry_duplicates %}{% merged_notice resident user %}").render(
            Context(
                {"resident": Resident.objects.get(pk=gone.pk), "user": world.users["grid_worker"]}
            )
        )

        assert "管辖范围外" in notice
        assert reverse("registry:resident", kwargs={"resident_id": keep.pk}) not in notice

    def test_a_head_merged_into_a_member_of_the_same_household_hands_over_the_head(
        self, world
    ) -> None:
        head = person(world, "褚一", 100)
        member = actions.add_member(
            household=head.household,
            member=MemberInput(name="褚一", relation=Relation.CHILD, id_type=IdType.NONE),
        )
        redetect([member.pk])
        candidate = DuplicateCandidate.objects.get()

        merge_duplicate(candidate=candidate, keep=member, by=world.users["community_staff"])

        household = Household.objects.get(pk=head.household_id)
        assert household.head_id == member.pk
        assert Resident.objects.get(pk=member.pk).relation == Relation.HEAD
        assert HouseholdMembership.objects.get(resident=member, left_on__isnull=True).relation == (
            Relation.HEAD
        )

    def test_tenancies_and_lettings_follow_the_kept_record(self, world) -> None:
        candidate = pair_of(world, "卫二", 110)
        keep, gone = candidate.resident, candidate.other
        landlord = person(world, "房东甲", 112)
        rental = actions.register_rental(
            community=world.regions[HOME_COMMUNITY],
            grid=world.grids[HOME_GRID],
            landlord=landlord,
            registered_on=date(2024, 1, 1),
        )
        stay = actions.add_tenant(rental=rental, tenant=gone, start_date=date(2024, 3, 1))
        own = actions.register_rental(
            community=world.regions[HOME_COMMUNITY],
            grid=world.grids[HOME_GRID],
            landlord=gone,
            registered_on=date(2024, 1, 1),
        )

        merge_duplicate(candidate=candidate, keep=keep, by=world.users["community_staff"])

        stay.refresh_from_db()
        own.refresh_from_db()
        assert stay.end_date == timezone.localdate()
        moved = Tenancy.objects.get(tenant=keep)
        assert (moved.rental_id, moved.start_date, moved.end_date) == (
            rental.pk,
            date(2024, 3, 1),
            None,
        )
        assert own.landlord_id == keep.pk

    def test_other_open_candidates_of_the_merged_record_are_closed(self, world) -> None:
        first = person(world, "蒋三", 120)
        second = person(world, "蒋三", 121)
        third = person(world, "蒋三", 122)
        assert redetect([first.pk, second.pk, third.pk]) == 3
        candidate = DuplicateCandidate.objects.get(resident=first, other=second)

        merge_duplicate(candidate=candidate, keep=first, by=world.users["community_staff"])

        closed = DuplicateCandidate.objects.get(resident=second, other=third)
        assert closed.status == DuplicateStatus.MERGED
        assert closed.kept_id is None
        assert "自动关闭" in closed.note
        assert DuplicateCandidate.objects.get(resident=first, other=third).status == "open"

    def test_a_record_that_has_left_cannot_be_merged(self, world) -> None:
        candidate = pair_of(world, "沈四", 130)
        actions.record_departure(
            resident=candidate.other, status=LifeStatus.DECEASED, on=timezone.localdate()
        )

        with pytest.raises(ValidationError, match="已不在册"):
            merge_duplicate(
                candidate=candidate, keep=candidate.resident, by=world.users["community_staff"]
            )

        candidate.refresh_from_db()
        assert candidate.status == DuplicateStatus.OPEN

    def test_a_double_submit_merges_once_and_the_second_gets_a_clear_message(self, world) -> None:
        candidate = pair_of(world, "韩五", 140)
        actions.tag_care_group(
            resident=candidate.other, group=CareGroup.VETERAN, start_date=date(2020, 1, 1)
        )
        client = client_for(world.users["community_staff"])
        data = {"keep": candidate.resident_id}

        first = client.post(url("duplicate_merge", candidate), data)
        events = AuditEvent.objects.count()
        tags = CareGroupTag.objects.count()
        second = client.post(url("duplicate_merge", candidate), data)

        assert first.status_code == 302
        assert second.status_code == 200
        assert "请刷新页面查看最新状态" in html(second)
        assert AuditEvent.objects.count() == events
        assert CareGroupTag.objects.count() == tags

    def test_two_clicks_on_the_same_page_version_cannot_both_decide(self, world) -> None:
        candidate = pair_of(world, "杨六", 150)
        staff = world.users["community_staff"]
        seen_by_first = DuplicateCandidate.objects.get(pk=candidate.pk)
        seen_by_second = DuplicateCandidate.objects.get(pk=candidate.pk)

        merge_duplicate(candidate=seen_by_first, keep=seen_by_first.resident, by=staff)
        events = AuditEvent.objects.count()
        with pytest.raises(ValidationError, match="刚刚已被他人处理"):
            dismiss_duplicate(candidate=seen_by_second, by=staff, note="不是同一人")

        assert DuplicateCandidate.objects.get(pk=candidate.pk).status == DuplicateStatus.MERGED
        assert AuditEvent.objects.count() == events


# --- Dismissing and the workflow --------------------------------------------------------------------


class TestDismiss:
    def test_dismiss_needs_a_note_and_keeps_it(self, world) -> None:
        candidate = pair_of(world, "朱七", 160)
        client = client_for(world.users["community_staff"])

        refused = client.post(url("duplicate_dismiss", candidate), {"note": "  "})
        candidate.refresh_from_db()
        assert refused.status_code == 200
        assert "请说明为什么不是同一人" in html(refused)
        assert candidate.status == DuplicateStatus.OPEN

        done = client.post(
            url("duplicate_dismiss", candidate), {"note": "出生日期相同，身份证号不同"}
        )

        candidate.refresh_from_db()
        assert done.status_code == 302
        assert candidate.status == DuplicateStatus.DISMISSED
        assert candidate.note == "出生日期相同，身份证号不同"
        assert candidate.decided_by == world.users["community_staff"]
        assert Resident.objects.filter(status=LifeStatus.ACTIVE, name="朱七").count() == 2
        assert AuditEvent.objects.filter(action="registry.dismiss_duplicate").count() == 1
        history = html(client.get(reverse("registry:duplicate_history")))
        assert "出生日期相同，身份证号不同" in history
        assert "不是同一人" in history

    @pytest.mark.parametrize("name", ["merge", "dismiss"])
    def test_every_transition_leaves_open_only(self, world, name) -> None:
        transition = DUPLICATE_WORKFLOW.get(name)
        assert transition.sources == (DuplicateStatus.OPEN,)
        candidate = pair_of(world, "秦八", 170)
        staff = world.users["community_staff"]
        dismiss_duplicate(candidate=candidate, by=staff, note="核实为两人")
        for state in (DuplicateStatus.MERGED, DuplicateStatus.DISMISSED):
            candidate.status = state
            with pytest.raises(ValidationError, match="当前状态下不能进行此操作"):
                DUPLICATE_WORKFLOW.fire(candidate, name, by=staff)


# --- Pages and scope --------------------------------------------------------------------------------


class TestPages:
    def test_the_queue_shows_reason_names_and_community(self, world) -> None:
        candidate = pair_of(world, "尤九", 180)
        client = client_for(world.users["community_staff"])

        page = html(client.get(reverse("registry:duplicate_list")))

        assert "待核查 1 条" in page
        assert "尤九" in page
        assert "姓名和出生日期相同" in page
        assert world.regions[HOME_COMMUNITY].name in page
        assert url("duplicate_detail", candidate) in page

    def test_the_comparison_is_masked_and_offers_both_merges_and_dismiss(self, world) -> None:
        candidate = pair_of(world, "许十", 190, phone="19900001900")
        client = client_for(world.users["community_staff"])

        page = html(client.get(url("duplicate_detail", candidate)))

        for resident in (candidate.resident, candidate.other):
            assert resident.id_number not in page
            assert f"{resident.id_number[:6]}********{resident.id_number[-4:]}" in page
        assert "19900001900" not in page
        assert "199****1900" in page
        assert page.count("合并，保留此记录") == 2
        assert url("duplicate_dismiss", candidate) in page

    def test_view_only_staff_see_the_pair_but_no_decisions(self, world) -> None:
        candidate = pair_of(world, "何一", 200)
        client = client_for(world.users["township_staff"])

        page = html(client.get(url("duplicate_detail", candidate)))

        assert "何一" in page
        assert "合并，保留此记录" not in page
        assert url("duplicate_dismiss", candidate) not in page
        assert client.post(url("duplicate_dismiss", candidate), {"note": "x"}).status_code == 403

    def test_staff_of_another_place_get_404(self, world) -> None:
        candidate = pair_of(world, "【R320303】吕二", 210, grid=OTHER_GRID)
        client = client_for(world.users["community_staff"])

        assert client.get(url("duplicate_detail", candidate)).status_code == 404
        merge = client.post(url("duplicate_merge", candidate), {"keep": candidate.resident_id})
        dismiss = client.post(url("duplicate_dismiss", candidate), {"note": "不是同一人"})
        assert merge.status_code == dismiss.status_code == 404
        assert DuplicateCandidate.objects.get().status == DuplicateStatus.OPEN
        assert "【R320303】" not in html(client.get(reverse("registry:duplicate_list")))

    def test_a_pair_across_grids_is_hidden_from_a_worker_who_sees_one_of_them(self, world) -> None:
        mine = person(world, "施三", 220)
        theirs = person(world, "施三", 221, grid=SIBLING_GRID)
        redetect([theirs.pk])
        candidate = DuplicateCandidate.objects.get()
        worker = client_for(world.users["grid_worker"])

        assert "施三" not in html(worker.get(reverse("registry:duplicate_list")))
        assert worker.get(url("duplicate_detail", candidate)).status_code == 404
        assert worker.post(url("duplicate_merge", candidate), {"keep": mine.pk}).status_code == 404
        staff_page = html(
            client_for(world.users["community_staff"]).get(url("duplicate_detail", candidate))
        )
        assert "合并，保留此记录" in staff_page

    def test_the_queue_takes_the_same_number_of_queries_for_more_rows(
        self, world, django_assert_max_num_queries
    ) -> None:
        client = client_for(world.users["community_staff"])
        list_url = reverse("registry:duplicate_list")
        history_url = reverse("registry:duplicate_history")
        staff = world.users["community_staff"]

        def add(count: int, start: int) -> None:
            for i in range(count):
                candidate = pair_of(world, f"重复{start + i}", start + 2 * i)
                if i % 2:
                    dismiss_duplicate(candidate=candidate, by=staff, note="两人")

        add(2, 300)
        client.get(list_url)
        with CaptureQueriesContext(connection) as few:
            assert client.get(list_url).status_code == 200
        with CaptureQueriesContext(connection) as few_history:
            assert client.get(history_url).status_code == 200
        add(20, 400)

        with django_assert_max_num_queries(len(few)):
            page = html(client.get(list_url))
        with django_assert_max_num_queries(len(few_history)):
            history = html(client.get(history_url))
        assert "待核查 11 条" in page
        assert history.count("不是同一人") >= 11
