"""Home services over HTTP: a resident asks for a home cleaning for an elderly member of their
household, staff schedule it with a provider serving the community and mark it delivered, the
resident confirms and rates it (once). Bad input: a person under 60 or in another county, a delivery
dated in the future, a rating outside 1–5, confirming twice, a retried request, two staff scheduling
at once (``test_homeservices_concurrency``). Scope: another county's order is a 404; lists cost one query whatever the rows."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from shequ.care.actions import homeservices as actions
from shequ.care.demo_homeservices import delete_demo_homeservices, load_demo_homeservices
from shequ.care.models.homeservices import HomeServiceOrder, HomeServiceStatus
from shequ.care.queries.homeservices import home_service_coverage
from shequ.care.tests.factories_homeservices import care_provider, elder, make_order
from shequ.core import calendar
from shequ.core.models import Notification
from shequ.registry.models import Relation
from shequ.registry.tests import factories as people
from shequ.volunteering.tests.factories_party import resident_user
from tests.pages import client_for, html
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db

AWAY = "320303001001"
LIST = reverse("care:home_service_list")
MINE = reverse("care:my_home_services")
NEW = reverse("care:request_home_service")
S = HomeServiceStatus


@pytest.fixture
def world() -> World:
    return build_world()


def home(world: World) -> Any:
    return world.regions[HOME["community"]]


def detail(order: HomeServiceOrder, step: str = "") -> str:
    url = reverse("care:home_service_detail", kwargs={"order_id": order.pk})
    return url + (f"{step}/" if step else "")


def mine(order: HomeServiceOrder, step: str = "") -> str:
    url = reverse("care:my_home_service", kwargs={"order_id": order.pk})
    return url + (f"{step}/" if step else "")


def family(world: World) -> tuple[Any, Any]:
    """A household: a 45-year-old head (with an account) and their 78-year-old mother."""
    house = people.household(
        home(world),
        [
            people.member("钱建国", Relation.HEAD, born=people.years_ago(45)),
            people.member("孙秀英", Relation.PARENT, born=people.years_ago(78), sex="female"),
        ],
    )
    head, mother = people.members_of(house)
    return head, mother


def local(dt: Any) -> str:
    return calendar.localtime(dt).strftime("%Y-%m-%dT%H:%M")


def test_from_request_to_the_residents_rating(world: World) -> None:
    head, mother = family(world)
    provider = care_provider(world.regions["320302"])
    user = resident_user(head)
    resident = client_for(user)
    page = html(resident.get(NEW))
    assert "孙秀英" in page and "助洁" in page
    posted = resident.post(
        NEW, {"kind": "cleaning", "served": mother.pk, "details": "打扫厨房", "request_key": "k1"}
    )
    order = HomeServiceOrder.objects.get()
    assert posted.status_code == 302 and order.resident == mother
    assert order.number.startswith("JF") and not order.on_behalf
    # The retry of the same form lands once.
    resident.post(NEW, {"kind": "cleaning", "served": mother.pk, "request_key": "k1"})
    assert HomeServiceOrder.objects.count() == 1
    assert "孙秀英" in html(resident.get(MINE))

    staff = client_for(world.users["community_staff"])
    assert order.number in html(staff.get(LIST))
    when = calendar.now() + timedelta(days=1)
    staff.post(detail(order, "schedule"), {"provider": provider.pk, "scheduled_for": local(when)})
    order.refresh_from_db()
    assert order.status == S.SCHEDULED and order.provider == provider
    assert Notification.objects.filter(recipient=user).count() == 1

    future = calendar.now() + timedelta(hours=2)
    staff.post(detail(order, "deliver"), {"delivered_at": local(future), "minutes": 60})
    order.refresh_from_db()
    assert order.status == S.SCHEDULED  # refused: in the future
    with calendar.frozen_time(when + timedelta(hours=2)):
        staff.post(
            detail(order, "deliver"),
            {"delivered_at": local(when), "minutes": 60, "note": "好"},
        )
    order.refresh_from_db()
    assert order.status == S.DELIVERED
    assert Notification.objects.filter(recipient=user).count() == 2

    resident.post(mine(order, "confirm"), {"rating": 9})
    order.refresh_from_db()
    assert order.status == S.DELIVERED
    resident.post(mine(order, "confirm"), {"rating": 5, "comment": "很干净"})
    order.refresh_from_db()
    assert order.status == S.CONFIRMED and order.rating == 5
    with pytest.raises(ValidationError, match="已经确认"):
        actions.confirm_and_rate(order=order, by=user, rating=4)
    assert "很干净" in html(resident.get(mine(order)))


def test_who_may_be_served(world: World) -> None:
    head, mother = family(world)
    user = resident_user(head)
    with pytest.raises(ValidationError, match="60"):
        actions.request_service(resident=head, by=user, kind="cleaning")
    stranger = elder(home(world), "周大爷")
    with pytest.raises(PermissionDenied):
        actions.request_service(resident=stranger, by=user, kind="cleaning")
    away = elder(world.regions[AWAY], "吴奶奶")
    with pytest.raises(PermissionDenied):
        actions.request_service(resident=away, by=world.users["grid_worker"], kind="cleaning")
    with pytest.raises(ValidationError) as bad:
        actions.request_service(resident=mother, by=user, kind="massage")
    assert "kind" in bad.value.message_dict
    # The resident's page offers only the elderly member, not the 45-year-old head.
    page = html(client_for(user).get(NEW))
    assert "孙秀英" in page and "本人（钱建国）" not in page


def test_an_unlinked_resident_is_asked_to_link(world: World) -> None:
    from shequ.accounts import actions as accounts

    user = accounts.create_resident_user(
        phone="19811112222", full_name="未关联", password="Pw-12345678"
    )
    assert "去关联" in html(client_for(user).get(MINE))
    assert "去关联" in html(client_for(user).get(NEW))


def test_staff_request_on_behalf_and_scope(world: World) -> None:
    person = elder(home(world), "郑奶奶")
    staff = client_for(world.users["community_staff"])
    found = html(staff.get(reverse("care:home_service_create"), {"q": "郑奶奶"}))
    assert "郑奶奶" in found
    staff.post(
        reverse("care:home_service_create"),
        {"resident": person.pk, "kind": "meal", "request_key": "s1"},
    )
    order = HomeServiceOrder.objects.get()
    assert order.on_behalf
    away = make_order(resident=elder(world.regions[AWAY], "冯大爷"))
    assert staff.get(detail(away)).status_code == 404
    assert "冯大爷" not in html(staff.get(LIST))
    staff.post(detail(order, "decline"), {"reason": ""})
    order.refresh_from_db()
    assert order.status == S.REQUESTED
    staff.post(detail(order, "decline"), {"reason": "已享受其他服务"})
    order.refresh_from_db()
    assert order.status == S.DECLINED


def test_a_provider_elsewhere_or_a_past_time_is_refused(world: World) -> None:
    order = make_order(resident=elder(home(world)))
    elsewhere = care_provider(world.regions["320303"], name="别处养老")
    with pytest.raises(ValidationError) as bad:
        actions.schedule(
            order=order, by=None, provider=elsewhere, scheduled_for=calendar.now() - timedelta(1)
        )
    assert {"provider", "scheduled_for"} <= set(bad.value.message_dict)


def test_the_list_costs_the_same_for_many_rows(
    world: World, django_assert_max_num_queries: Any
) -> None:
    for i in range(12):
        make_order(resident=elder(home(world), f"老人{i}"))
    staff = client_for(world.users["community_staff"])
    staff.get(LIST)
    with django_assert_max_num_queries(12):
        assert html(staff.get(LIST, {"status": "requested", "kind": "cleaning"}))
    response = staff.get("/api/v1/care/home-services")
    assert response.status_code == 200 and response.json()["count"] == 12


def test_coverage_and_statistics(world: World) -> None:
    people_ = [elder(home(world), f"覆盖{i}") for i in range(4)]
    order = make_order(resident=people_[0])
    provider = care_provider(world.regions["320302"])
    actions.schedule(
        order=order, by=None, provider=provider, scheduled_for=calendar.now() + timedelta(1)
    )
    with calendar.frozen_time(calendar.now() + timedelta(days=2)):
        actions.mark_delivered(order=order, by=None, delivered_at=calendar.now(), minutes=30)
        today = calendar.localdate()
        found = home_service_coverage(world.regions[HOME["township"]], today.replace(day=1), today)
    assert found.total.elderly >= 4 and found.total.served == 1
    head = client_for(world.users["community_head"])
    assert head.get(reverse("care:home_service_statistics")).status_code == 200
    api = head.get(f"/api/v1/care/home-services/coverage?region={HOME['community']}")
    assert api.status_code == 200 and api.json()["total"]["elderly"] >= 4
    assert head.get(f"/api/v1/care/home-services/coverage?region={AWAY}").status_code == 422


def test_the_demo_loader_on_a_small_world(world: World) -> None:
    for i in range(6):
        elder(home(world), f"演示{i}")
    from shequ.registry.models import Resident

    Resident.objects.update(is_synthetic=True)
    care_provider(world.regions["320302"])
    counts = load_demo_homeservices(
        county=world.regions["320302"], seed=1, community=home(world), orders=40
    )
    assert counts["home_service_orders"] == 40 and counts["home_services_delivered"] > 0
    assert HomeServiceOrder.objects.filter(status=S.CONFIRMED).exists()
    assert delete_demo_homeservices()["home_service_orders"] == 40


def test_staff_call_back_after_seven_days_and_record_the_answer(world: World) -> None:
    order = make_order(resident=elder(home(world), "欧阳奶奶"))
    provider = care_provider(world.regions["320302"])
    when = calendar.now() + timedelta(days=1)
    actions.schedule(order=order, by=None, provider=provider, scheduled_for=when)
    with calendar.frozen_time(when + timedelta(hours=1)):
        actions.mark_delivered(order=order, by=None, delivered_at=when, minutes=40)
    staff = client_for(world.users["community_staff"])
    with calendar.frozen_time(when + timedelta(days=3)):
        assert "欧阳奶奶" not in html(staff.get(LIST, {"callback": "on"}))
    with calendar.frozen_time(when + timedelta(days=8)):
        assert "欧阳奶奶" in html(staff.get(LIST, {"callback": "on"}))
        assert "请电话回访" in html(staff.get(detail(order)))
        staff.post(detail(order, "confirm"), {"rating": 4, "comment": "电话回访，满意"})
    order.refresh_from_db()
    assert order.status == S.CONFIRMED and order.rating == 4
