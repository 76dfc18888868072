"""Micro-wishes over HTTP: a resident posts a wish, the community opens or assigns it, a checked-in
party member takes it (once: a second taker, or two at once, is told), fulfils it with a note and a
photo (a file that is not a picture is refused), the resident confirms and rates; staff post for a
resident by ID number, decline with a reason, refer it to a service request, confirm for a resident
without a phone. Scope: another county's wish is a 404; someone else's wish is not theirs to confirm."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from PIL import Image

from shequ.cases.models import Case
from shequ.core.models import Notification
from shequ.registry.tests import factories as people
from shequ.volunteering.actions import wishes as actions
from shequ.volunteering.models import Wish, WishEvent, WishStatus
from shequ.volunteering.tests.factories_party import make_org, make_wish, member_user, resident_user
from tests.concurrency import at_once
from tests.pages import client_for, html
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db

AWAY = "320303001001"
BOARD = reverse("volunteering:wish_board")
MINE = reverse("volunteering:my_wishes")
OPEN = reverse("volunteering:my_open_wishes")


@pytest.fixture
def world() -> World:
    return build_world()


def home(world: World) -> Any:
    return world.regions[HOME["community"]]


def staff_url(wish: Wish, step: str = "") -> str:
    return reverse("volunteering:wish_detail", kwargs={"wish_number": wish.number}) + (
        f"{step}/" if step else ""
    )


def jpeg() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(out, "JPEG")
    return SimpleUploadedFile("done.jpg", out.getvalue(), content_type="image/jpeg")


def taker(world: World, name: str = "王党员") -> Any:
    org = make_org(region=world.regions["320302"], name=f"{name}所在党委")
    user, _member = member_user(org=org, community=home(world), name=name, checked_in=True)
    return user


# --- The whole journey ------------------------------------------------------------------------------


def test_a_wish_from_posting_to_the_residents_confirmation(world: World) -> None:
    person = people.resident(home(world), "赵奶奶")
    resident = client_for(resident_user(person))
    posted = resident.post(
        MINE, {"category": "repair", "title": "厨房水龙头漏水", "description": ""}
    )
    wish = Wish.objects.get()
    assert posted.status_code == 302 and wish.channel == "self" and wish.resident == person

    staff = client_for(world.users["community_staff"])
    assert "厨房水龙头漏水" in html(staff.get(BOARD))
    staff.post(staff_url(wish, "open"), {"note": ""})
    wish.refresh_from_db()
    assert wish.status == WishStatus.OPEN

    member = client_for(taker(world))
    assert "厨房水龙头漏水" in html(member.get(OPEN)) and "赵奶奶" not in html(member.get(OPEN))
    took = member.post(reverse("volunteering:my_wish_take", kwargs={"wish_number": wish.number}))
    assert took.status_code == 302
    wish.refresh_from_db()
    assert wish.status == WishStatus.TAKEN and wish.assigned_member is not None
    task = reverse("volunteering:my_task", kwargs={"wish_number": wish.number})
    member.post(task, {"note": "已更换水龙头", "photo": jpeg()})
    wish.refresh_from_db()
    assert wish.status == WishStatus.FULFILLED and wish.fulfilment_photo

    mine = reverse("volunteering:my_wish", kwargs={"wish_number": wish.number})
    assert "已更换水龙头" in html(resident.get(mine))
    resident.post(mine + "confirm/", {"rating": "5", "comment": "谢谢"})
    wish.refresh_from_db()
    assert wish.status == WishStatus.CONFIRMED and wish.resident_rating == 5
    assert list(WishEvent.objects.values_list("action", flat=True)) == [
        "post",
        "open",
        "take",
        "fulfil",
        "confirm",
    ]
    topics = Notification.objects.filter(recipient=person.account).values_list("subject", flat=True)
    assert any("认领" in s for s in topics) and any("完成" in s for s in topics)


# --- Bad input --------------------------------------------------------------------------------------


def test_taking_a_wish_someone_has_taken_is_refused(world: World) -> None:
    wish = make_wish(community=home(world), opened=True)
    first, second = client_for(taker(world, "甲党员")), client_for(taker(world, "乙党员"))
    url = reverse("volunteering:my_wish_take", kwargs={"wish_number": wish.number})
    first.post(url)
    again = second.post(url, follow=True)
    assert "已被认领" in html(again)
    wish.refresh_from_db()
    assert wish.assigned_member.resident.name == "甲党员"


def test_a_resident_who_is_neither_member_nor_volunteer_cannot_take(world: World) -> None:
    wish = make_wish(community=home(world), opened=True)
    user = resident_user(people.resident(home(world), "路人"))
    with pytest.raises(PermissionDenied):
        actions.take_wish(wish=wish, by=user)
    assert (
        client_for(user)
        .post(reverse("volunteering:my_wish_take", kwargs={"wish_number": wish.number}))
        .status_code
        == 404
    )


def test_confirming_someone_elses_wish_is_refused(world: World) -> None:
    wish = make_wish(community=home(world), opened=True)
    actions.take_wish(wish=wish, by=taker(world))
    neighbour = resident_user(people.resident(home(world), "邻居"))
    other = client_for(neighbour)
    url = reverse("volunteering:my_wish", kwargs={"wish_number": wish.number})
    assert other.get(url).status_code == 404
    assert other.post(url + "confirm/", {"rating": "5"}).status_code == 404
    with pytest.raises(PermissionDenied):
        actions.confirm_wish(wish=wish, by=neighbour, rating=5)


def test_fulfilling_by_someone_not_assigned_is_refused(world: World) -> None:
    wish = make_wish(community=home(world), opened=True)
    actions.take_wish(wish=wish, by=taker(world, "甲党员"))
    stranger = taker(world, "乙党员")
    with pytest.raises(PermissionDenied):
        actions.fulfil_wish(wish=wish, by=stranger, note="做完了")
    task = reverse("volunteering:my_task", kwargs={"wish_number": wish.number})
    assert client_for(stranger).post(task, {"note": "做完了"}).status_code == 404


def test_a_photo_that_is_not_a_picture_is_refused(world: World) -> None:
    wish = make_wish(community=home(world), opened=True)
    user = taker(world)
    actions.take_wish(wish=wish, by=user)
    task = reverse("volunteering:my_task", kwargs={"wish_number": wish.number})
    fake = SimpleUploadedFile("virus.jpg", b"MZ not an image", content_type="image/jpeg")
    response = client_for(user).post(task, {"note": "已完成", "photo": fake})
    assert response.status_code == 422 and "不是可识别的图片" in html(response)
    wish.refresh_from_db()
    assert wish.status == WishStatus.TAKEN and not wish.fulfilment_photo


def test_declining_needs_a_reason(world: World) -> None:
    wish = make_wish(community=home(world))
    staff = client_for(world.users["community_staff"])
    assert "请填写" in html(staff.post(staff_url(wish, "decline"), {"reason": ""}, follow=True))
    wish.refresh_from_db()
    assert wish.status == WishStatus.POSTED
    staff.post(staff_url(wish, "decline"), {"reason": "不属于微心愿范围"})
    wish.refresh_from_db()
    assert wish.status == WishStatus.DECLINED


def test_withdrawing_after_it_was_taken_is_refused(world: World) -> None:
    person = people.resident(home(world), "钱阿姨")
    user = resident_user(person)
    wish = make_wish(community=home(world), resident=person, opened=True)
    actions.take_wish(wish=wish, by=taker(world))
    url = reverse("volunteering:my_wish", kwargs={"wish_number": wish.number})
    after = client_for(user).post(url + "withdraw/", {}, follow=True)
    assert "不能撤回" in html(after)
    wish.refresh_from_db()
    assert wish.status == WishStatus.TAKEN


def test_a_past_wanted_by_date_is_refused(world: World) -> None:
    user = resident_user(people.resident(home(world), "孙大爷"))
    response = client_for(user).post(
        MINE, {"category": "repair", "title": "修灯", "wanted_by": "2000-01-01"}
    )
    assert "不能早于今天" in html(response)
    assert not Wish.objects.exists()


# --- Staff ------------------------------------------------------------------------------------------


def test_staff_post_for_a_resident_by_id_number_and_assign_it(world: World) -> None:
    person = people.resident(home(world), "周爷爷", phone="")
    staff = client_for(world.users["community_staff"])
    response = staff.post(
        reverse("volunteering:wish_new"),
        {"id_number": person.id_number, "category": "companionship", "title": "想有人陪聊天"},
    )
    wish = Wish.objects.get()
    assert response.status_code == 302 and wish.channel == "staff" and wish.resident == person
    member_user_ = taker(world, "李党员")
    member = member_user_.resident_record.party_member
    staff.post(staff_url(wish, "assign"), {"assignee": f"m{member.pk}", "note": "请本周上门"})
    wish.refresh_from_db()
    assert wish.status == WishStatus.ASSIGNED and wish.assigned_member == member
    assert Notification.objects.filter(recipient=member_user_).exists()
    # The assignee fulfils; the resident has no phone, so staff confirm for them.
    actions.fulfil_wish(wish=wish, by=member_user_, note="陪聊一小时")
    staff.post(staff_url(wish, "confirm"), {"rating": "", "comment": ""})
    wish.refresh_from_db()
    assert wish.status == WishStatus.CONFIRMED
    assert wish.events.filter(action="staff_confirm").exists()


def test_staff_cannot_post_for_a_resident_outside_their_jurisdiction(world: World) -> None:
    person = people.resident(world.regions[AWAY], "外县居民")
    response = client_for(world.users["community_staff"]).post(
        reverse("volunteering:wish_new"),
        {"id_number": person.id_number, "category": "repair", "title": "修灯"},
    )
    assert "没有该身份证号码的在册居民" in html(response)
    assert not Wish.objects.exists()


def test_assigning_to_a_member_not_checked_in_is_refused(world: World) -> None:
    wish = make_wish(community=home(world))
    org = make_org(region=home(world))
    _user, member = member_user(org=org, community=home(world))
    with pytest.raises(ValidationError, match="未到本社区报到"):
        actions.assign_wish(wish=wish, by=None, member=member)


def test_referring_a_wish_makes_a_case(world: World) -> None:
    person = people.resident(home(world), "吴奶奶")
    wish = make_wish(community=home(world), resident=person, title="需要上门看病")
    client_for(world.users["community_staff"]).post(staff_url(wish, "refer"), {"note": ""})
    wish.refresh_from_db()
    assert wish.status == WishStatus.REFERRED
    case = Case.objects.get()
    assert wish.case == case and case.requester_resident == person


def test_another_countys_wish_is_a_404(world: World) -> None:
    wish = make_wish(community=world.regions[AWAY])
    staff = client_for(world.users["community_staff"])
    assert staff.get(staff_url(wish)).status_code == 404
    assert staff.post(staff_url(wish, "open")).status_code == 404
    wish.refresh_from_db()
    assert wish.status == WishStatus.POSTED


def test_the_board_costs_a_fixed_number_of_queries(
    world: World, django_assert_max_num_queries: Any
) -> None:
    user = taker(world)
    for n in range(35):
        wish = make_wish(community=home(world), title=f"心愿{n}", opened=n % 2 == 0)
        if n % 4 == 0:
            actions.take_wish(wish=wish, by=user)
    client = client_for(world.users["community_staff"])
    with django_assert_max_num_queries(16):
        response = client.get(BOARD + "?status=&category=")
    assert "共 35 个心愿" in html(response)
    assert "共 9 个心愿" in html(client.get(BOARD + "?status=taken"))


# --- Concurrency (PostgreSQL) -----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_takers_at_once_one_wins() -> None:
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; the conditional UPDATE is exercised on PostgreSQL")
    world = build_world()
    wish = make_wish(community=home(world), opened=True)
    users = [taker(world, "甲党员"), taker(world, "乙党员")]
    results = at_once(
        *[lambda u=u: actions.take_wish(wish=Wish.objects.get(pk=wish.pk), by=u) for u in users]
    )
    assert results.count("ok") == 1, results
    assert any("认领" in r for r in results if r != "ok")
    assert WishEvent.objects.filter(action="take").count() == 1
