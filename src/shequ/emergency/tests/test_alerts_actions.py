"""Issuing an alert, its checklist and fan-out, closing it and confirming reach — through the actions,
with the bad input the issue lists: an empty area, targets outside the jurisdiction, a community-level
issuer, a retried issue, two confirmations at once, a confirmation after closing, an invalid polygon."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from shequ.core.models import AuditEvent, Delivery, Notification
from shequ.emergency.actions import alerts as actions
from shequ.emergency.models import Alert, AlertDispatch, DispatchStatus, ReachItem, ReachStatus
from shequ.emergency.tests.factories_alerts import SQUARE, family, issue, tagged
from shequ.registry.models import CareGroup
from shequ.registry.tests import factories as people
from shequ.territory.models import Grid, Region
from tests.concurrency import at_once, postgres_only
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> World:
    return build_world()


def township(world: World) -> Region:
    return world.regions[HOME["township"]]


def home(world: World) -> Region:
    return world.regions[HOME["community"]]


def grid(world: World) -> Grid:
    return world.grids[HOME["grid"]]


def populate(world: World) -> dict[str, Any]:
    c, g = home(world), grid(world)
    return {
        "dibao": tagged(c, "低保甲", CareGroup.DIBAO, grid=g),
        "disabled": tagged(c, "残疾乙", CareGroup.DISABLED, grid=g),
        "alone": people.resident(c, "独居丙", grid=g),
        "veteran": tagged(c, "退役丁", CareGroup.VETERAN, grid=g),  # not vulnerable by itself
        "family": family(c, "普通户", grid=world.grids[HOME["community"] + "002"]),
        "away": tagged(world.regions["320303001001"], "外区戊"),
    }


def test_issue_builds_the_checklist_and_the_batches(
    world: World, django_capture_on_commit_callbacks
):
    people_ = populate(world)
    staff = world.users["township_staff"]
    with django_capture_on_commit_callbacks(execute=True):
        alert = issue(township(world), by=staff)
    items = {i.resident_id: i for i in ReachItem.objects.filter(alert=alert)}
    assert set(items) == {people_["dibao"].pk, people_["disabled"].pk, people_["alone"].pk}
    assert items[people_["dibao"].pk].reasons == ["care_group"]
    assert items[people_["disabled"].pk].reasons == ["disability"]
    assert items[people_["alone"].pk].reasons == ["living_alone"]
    assert all(i.grid_id == grid(world).pk for i in items.values())
    alert.refresh_from_db()
    # 低保甲+家属, 残疾乙+家属, 独居丙, 退役丁+家属, 普通户+家属 = 9 in the township; 外区戊 is elsewhere.
    assert alert.resident_count == 9 and alert.checklist_count == 3
    assert alert.number.startswith("YJ")
    dispatches = list(AlertDispatch.objects.filter(alert=alert))
    assert len(dispatches) == 1 and dispatches[0].resident_count == 9
    # The tasks ran at commit (no broker): everyone with a phone was told by SMS.
    assert dispatches[0].status == DispatchStatus.SENT and dispatches[0].sent_count == 9
    assert alert.notified_count == 9
    assert Delivery.objects.filter(topic=actions.TOPIC).count() == 9
    # The grid worker got one inbox message pointing at the checklist.
    worker = world.users["grid_worker"]
    assert Notification.objects.filter(recipient=worker, url=actions.CHECKLIST_URL).count() == 1
    assert AuditEvent.objects.filter(action="emergency.issue_alert").count() == 1


def test_a_batch_sent_twice_tells_nobody_twice(world: World, django_capture_on_commit_callbacks):
    populate(world)
    alert = issue(township(world), by=world.users["township_staff"])
    dispatch = AlertDispatch.objects.get(alert=alert)
    assert actions.send_batch(dispatch.pk) == 9
    assert actions.send_batch(dispatch.pk) == 0
    alert.refresh_from_db()
    assert alert.notified_count == 9


def test_large_communities_are_split_into_batches(world: World, monkeypatch):
    monkeypatch.setattr(actions, "BATCH", 2)
    populate(world)
    alert = issue(township(world), targets=[home(world)], by=None)
    counts = list(
        AlertDispatch.objects.filter(alert=alert).values_list("resident_count", flat=True)
    )
    assert counts == [2, 2, 2, 2, 1]


def test_a_drawn_area_reaches_the_grids_whose_centre_is_inside(world: World):
    people_ = populate(world)
    inside = grid(world)
    Grid.objects.filter(pk=inside.pk).update(centre_lat=34.1, centre_lng=117.1)
    Grid.objects.exclude(pk=inside.pk).update(centre_lat=30.0, centre_lng=110.0)
    alert = issue(township(world), area=SQUARE, by=world.users["township_staff"])
    assert alert.target_regions.count() == 0 and alert.area["type"] == "Polygon"
    assert alert.resident_count == 7  # the home grid only, not 普通户 in the other grid
    assert people_["family"][0].pk not in set(
        ReachItem.objects.filter(alert=alert).values_list("resident_id", flat=True)
    )


def test_a_grid_without_centre_counts_by_its_community(world: World):
    populate(world)
    Region.objects.filter(pk=home(world).pk).update(centre_lat=34.1, centre_lng=117.1)
    alert = issue(township(world), area=SQUARE, by=None)
    assert alert.resident_count == 9


def test_an_alert_to_an_empty_area_is_refused_and_nothing_written(world: World):
    populate(world)
    with pytest.raises(ValidationError) as refused:
        issue(township(world), area=SQUARE, by=world.users["township_staff"])
    assert "没有在册居民" in refused.value.message_dict["area"][0]
    assert not Alert.objects.exists() and not ReachItem.objects.exists()


def test_an_alert_to_a_place_without_residents_is_refused(world: World):
    empty = world.regions["320302001201"]
    with pytest.raises(ValidationError) as refused:
        issue(township(world), targets=[empty], by=None)
    assert "target_regions" in refused.value.message_dict
    assert not Alert.objects.exists()


def test_targets_outside_the_jurisdiction_are_refused(world: World):
    populate(world)
    with pytest.raises(ValidationError) as refused:
        issue(
            township(world),
            targets=[world.regions["320303001001"]],
            by=world.users["township_staff"],
        )
    assert "超出您的辖区" in refused.value.message_dict["target_regions"][0]
    assert not Alert.objects.exists()


def test_a_community_level_issuer_or_a_foreign_region_is_refused(world: World):
    populate(world)
    with pytest.raises(PermissionDenied):
        issue(home(world), by=world.users["community_head"])
    with pytest.raises(PermissionDenied):
        issue(world.regions["320302002"], by=world.users["township_staff"])
    assert not Alert.objects.exists()


def test_an_invalid_polygon_is_refused(world: World):
    populate(world)
    bow_tie = {
        "type": "Polygon",
        "coordinates": [
            [[117.0, 34.0], [117.2, 34.2], [117.2, 34.0], [117.0, 34.2], [117.0, 34.0]]
        ],
    }
    for area in (bow_tie, {"type": "Point", "coordinates": [117, 34]}, "{not json"):
        with pytest.raises(ValidationError) as refused:
            issue(township(world), area=area, by=None)
        assert "划定范围有误" in refused.value.message_dict["area"][0]
    assert not Alert.objects.exists()


def test_missing_fields_are_named(world: World):
    with pytest.raises(ValidationError) as refused:
        actions.issue_alert(region=township(world), kind="meteor", severity="", title="",
                            instructions="", by=None)  # fmt: skip
    assert set(refused.value.message_dict) >= {"kind", "severity", "title", "instructions"}


def test_a_retried_issue_lands_once(world: World):
    populate(world)
    staff = world.users["township_staff"]
    first = issue(township(world), by=staff, request_key="k-1")
    again = issue(township(world), by=staff, request_key="k-1")
    assert again.pk == first.pk and Alert.objects.count() == 1
    assert ReachItem.objects.count() == 3


@pytest.mark.django_db(transaction=True)
def test_a_retried_issue_at_once_lands_once():
    postgres_only("concurrent issues")
    world = build_world()
    populate(world)
    staff = world.users["township_staff"]
    results = at_once(*[lambda: issue(township(world), by=staff, request_key="k-2")] * 2)
    assert results == ["ok", "ok"]
    assert Alert.objects.count() == 1 and ReachItem.objects.count() == 3


def test_confirming_reach_and_the_loser_is_told_who(world: World):
    populate(world)
    alert = issue(township(world), by=None)
    item = ReachItem.objects.filter(alert=alert).first()
    worker = world.users["grid_worker"]
    stale = ReachItem.objects.get(pk=item.pk)
    actions.confirm_reach(item=item, status=ReachStatus.REACHED_PHONE, note="", by=worker)
    with pytest.raises(ValidationError) as told:
        actions.confirm_reach(item=stale, status=ReachStatus.ESCALATED, note="联系不上", by=worker)
    assert "已由" in told.value.messages[0] and "已电话联系" in told.value.messages[0]
    item.refresh_from_db()
    assert item.status == ReachStatus.REACHED_PHONE and item.confirmed_by == worker


@pytest.mark.django_db(transaction=True)
def test_two_confirmations_at_once_one_wins():
    postgres_only("the conditional update")
    world = build_world()
    populate(world)
    alert = issue(township(world), by=None)
    item = ReachItem.objects.filter(alert=alert).first()
    worker, staff = world.users["grid_worker"], world.users["community_staff"]
    results = at_once(
        lambda: actions.confirm_reach(item=ReachItem.objects.get(pk=item.pk),
                                      status=ReachStatus.REACHED_PHONE, by=worker),
        lambda: actions.confirm_reach(item=ReachItem.objects.get(pk=item.pk),
                                      status=ReachStatus.REACHED_IN_PERSON, by=staff),
    )  # fmt: skip
    assert sorted(r == "ok" for r in results) == [False, True]
    assert any("已由" in r for r in results)


def test_escalating_needs_a_note_and_a_confirmation_outside_the_grid_is_refused(world: World):
    populate(world)
    alert = issue(township(world), by=None)
    item = ReachItem.objects.filter(alert=alert).first()
    with pytest.raises(ValidationError) as refused:
        actions.confirm_reach(item=item, status=ReachStatus.ESCALATED, note="", by=None)
    assert "note" in refused.value.message_dict
    with pytest.raises(PermissionDenied):
        actions.confirm_reach(item=item, status=ReachStatus.REACHED_PHONE, by=world.outsider)
    actions.confirm_reach(item=item, status=ReachStatus.ESCALATED, note="无人应答", by=None)
    item.refresh_from_db()
    actions.confirm_reach(item=item, status=ReachStatus.REACHED_IN_PERSON, by=None)


def test_closing_and_then_confirming_is_refused(world: World):
    populate(world)
    staff = world.users["township_staff"]
    alert = issue(township(world), by=staff)
    with pytest.raises(ValidationError) as refused:
        actions.close_alert(alert=alert, reason="", by=staff)
    assert "reason" in refused.value.message_dict
    with pytest.raises(PermissionDenied):
        actions.close_alert(alert=alert, reason="雨停了", by=world.users["community_head"])
    actions.close_alert(alert=alert, reason="降雨结束，预警解除", by=staff)
    item = ReachItem.objects.filter(alert=alert).first()
    with pytest.raises(ValidationError) as refused:
        actions.confirm_reach(item=item, status=ReachStatus.REACHED_PHONE, by=None)
    assert "已解除" in refused.value.messages[0]
    with pytest.raises(ValidationError):
        actions.close_alert(alert=alert, reason="再次解除", by=staff)


def test_reveal_phone_is_audited_and_scoped(world: World):
    populate(world)
    alert = issue(township(world), by=None)
    item = (
        ReachItem.objects.select_related("resident", "alert", "grid", "community")
        .filter(alert=alert)
        .first()
    )
    phone = actions.reveal_phone(item=item, by=world.users["grid_worker"])
    assert phone == item.resident.phone
    event = AuditEvent.objects.get(action="emergency.reveal_phone")
    assert event.fields == ["phone"] and phone not in event.reason
    with pytest.raises(PermissionDenied):
        actions.reveal_phone(item=item, by=world.outsider)
