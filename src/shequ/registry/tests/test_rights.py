"""Residents' rights requests (PIPL Arts. 44-48) as a workflow: submitted by the resident, accepted,
completed or refused by community staff, withdrawn by the resident — every transition enumerated, the
due date in Chinese working days, the copy only for its owner, deletion refused for statutory duty.

Community staff and the community head sit at 320302001001 (grid 001 is the home grid); the grid
worker and township staff do not handle rights requests; 320303 is the other county.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from shequ.accounts import actions as account_actions
from shequ.core import calendar
from shequ.core.models import AuditEvent, Notification
from shequ.registry import actions
from shequ.registry.actions import own as own_actions
from shequ.registry.actions import rights as rights_actions
from shequ.registry.actions.rights import RESPONSE_WORKING_DAYS, RIGHTS_WORKFLOW
from shequ.registry.models import (
    ConsentPurpose,
    ConsentRecord,
    LegalBasis,
    Resident,
    RightsRequest,
    RightsRequestKind,
    RightsRequestStatus,
)
from shequ.registry.queries import rights as rights_queries
from shequ.registry.queries.own import current_consents
from shequ.registry.tests import factories as f
from shequ.registry.tests.url_params import synthetic_id
from tests.pages import client_for, html
from tests.world import World, build_world

pytestmark = pytest.mark.django_db

HOME_C, HOME_G = "320302001001", "320302001001001"
AWAY_C, AWAY_G = "320303001001", "320303001001001"
MISSING = "!!MISSING"
PHONE = "19912340001"
NUMBER = synthetic_id("320302", 61, date(1958, 9, 10))


@pytest.fixture
def world() -> World:
    return build_world()


def resident_with_account(
    world: World,
    name: str = "孙桂兰",
    *,
    number: str = NUMBER,
    phone: str = PHONE,
    grid: str = HOME_G,
) -> tuple[Resident, Any]:
    """A registered resident whose own account is linked to the record (by name and ID number)."""
    resident = f.resident(
        world.regions[grid[:12]],
        name,
        grid=world.grids[grid],
        number=number,
        phone=phone,
        address_detail="5号楼201室",
    )
    user = account_actions.create_resident_user(
        phone=phone, full_name=name, password="Resident-pass-123"
    )
    own_actions.link_own_record(account=user, name=name, id_number=number)
    resident.refresh_from_db()
    return resident, user


def submitted(
    world: World, name: str, serial: int, phone: str, *, grid: str = HOME_G
) -> tuple[RightsRequest, Any]:
    """A copy request just submitted by a new linked resident of ``grid``."""
    resident, user = resident_with_account(
        world, name, number=synthetic_id(grid[:6], serial), phone=phone, grid=grid
    )
    return rights_actions.submit_rights_request(resident=resident, kind="copy", by=user), user


def staff(world: World) -> Any:
    return world.users["community_staff"]


def inbox(user: Any) -> list[str]:
    return list(
        Notification.objects.filter(recipient=user).order_by("pk").values_list("subject", flat=True)
    )


# --- Submitting ------------------------------------------------------------------------------------


class TestSubmit:
    def test_due_in_fifteen_working_days_across_national_day(self, world) -> None:
        resident, user = resident_with_account(world)
        # 2026: 1-7 October are the National Day holiday and Saturday 10 October a make-up working day.
        with calendar.frozen_time(datetime(2026, 9, 30, 10, 0)):
            request = rights_actions.submit_rights_request(resident=resident, kind="copy", by=user)
        # Working days after Wed 30 Sep: 8, 9, 10 (Sat, 调休), 12-16, 19-23, 26, 27 October.
        assert RESPONSE_WORKING_DAYS == 15
        assert request.due_on == date(2026, 10, 27)
        assert calendar.localtime(request.submitted_at).date() == date(2026, 9, 30)
        # Counting Monday to Friday only would have given 21 October.
        assert request.due_on != date(2026, 10, 21)

    def test_the_resident_asks_for_a_correction_on_the_page(self, world) -> None:
        resident, user = resident_with_account(world)
        client = client_for(user)
        new = reverse("registry:own_request_new")
        kinds = html(client.get(new))
        for kind in RightsRequestKind.values:
            assert f"?kind={kind}" in kinds
        form = html(client.get(new + "?kind=correction"))
        assert 'name="subject"' in form

        response = client.post(
            new, {"kind": "correction", "subject": "phone", "details": "手机号应为 19912340009"}
        )

        request = RightsRequest.objects.get(resident=resident)
        assert response.status_code == 302
        assert response["Location"] == reverse(
            "registry:own_request", kwargs={"request_id": request.pk}
        )
        assert (request.kind, request.subject, request.status) == (
            "correction",
            "phone",
            "submitted",
        )
        assert request.submitted_by_id == user.pk
        event = AuditEvent.objects.get(action="registry.submit_rights_request")
        assert event.role == "resident" and "19912340009" not in event.object_repr
        assert inbox(user) == ["已收到您的请求：更正、补充个人信息"]
        page = html(client.get(response["Location"]))
        assert "手机号应为" in page and request.due_on.isoformat() in page

    def test_a_correction_without_the_item_or_the_right_value_writes_nothing(self, world) -> None:
        _resident, user = resident_with_account(world)
        new = reverse("registry:own_request_new")
        page = html(
            client_for(user).post(new, {"kind": "correction", "subject": "", "details": ""})
        )
        assert "请选择哪一项信息需要更正" in page and "请写明正确的内容" in page
        page = html(
            client_for(user).post(new, {"kind": "correction", "subject": "phone", "details": " "})
        )
        assert "请写明正确的内容" in page
        assert not RightsRequest.objects.exists()
        assert not AuditEvent.objects.filter(action="registry.submit_rights_request").exists()

    def test_one_open_request_of_a_kind_at_a_time(self, world) -> None:
        resident, user = resident_with_account(world)
        rights_actions.submit_rights_request(resident=resident, kind="copy", by=user)
        with pytest.raises(ValidationError) as exc:
            rights_actions.submit_rights_request(resident=resident, kind="copy", by=user)
        assert "同类请求" in str(exc.value)
        rights_actions.submit_rights_request(
            resident=resident, kind="explanation", details="为什么需要手机号", by=user
        )
        assert RightsRequest.objects.count() == 2

    def test_a_resident_submits_only_for_themself(self, world) -> None:
        _resident, user = resident_with_account(world)
        other = f.resident(world.regions[HOME_C], "钱七", grid=world.grids[HOME_G])
        with pytest.raises(PermissionDenied):
            rights_actions.submit_rights_request(resident=other, kind="copy", by=user)
        assert not RightsRequest.objects.exists()

    def test_staff_record_a_request_on_the_residents_behalf(self, world) -> None:
        resident, user = resident_with_account(world)
        url = reverse("registry:rights_request_new", kwargs={"resident_id": resident.pk})
        client = client_for(staff(world))
        assert "代为登记" in html(client.get(url + "?kind=deletion"))
        response = client.post(url, {"kind": "deletion", "details": "已搬走"})
        request = RightsRequest.objects.get()
        assert response.status_code == 302 and request.submitted_by_id == staff(world).pk
        assert AuditEvent.objects.get(action="registry.submit_rights_request").role == "staff"
        assert inbox(user) == ["已收到您的请求：删除个人信息"]
        assert world.outsider is not None
        assert client_for(world.outsider).get(url).status_code == 404


# --- The workflow, every transition from every state -----------------------------------------------

ALLOWED = {
    ("submitted", "accept"): "in_progress",
    ("submitted", "withdraw"): "withdrawn",
    ("in_progress", "complete"): "completed",
    ("in_progress", "refuse"): "refused",
}
STATES = list(RightsRequestStatus.values)
TRANSITIONS = ["accept", "complete", "refuse", "withdraw"]


def in_state(world: World, state: str) -> tuple[RightsRequest, Any]:
    resident, user = resident_with_account(world)
    request = rights_actions.submit_rights_request(
        resident=resident, kind="explanation", details="请解释", by=user
    )
    handler = staff(world)
    if state == "withdrawn":
        rights_actions.withdraw_rights_request(rights_request=request, by=user)
    elif state != "submitted":
        rights_actions.accept_rights_request(rights_request=request, by=handler)
        if state == "completed":
            rights_actions.complete_rights_request(
                rights_request=request, response="答复", by=handler
            )
        elif state == "refused":
            rights_actions.refuse_rights_request(
                rights_request=request, response="理由", by=handler
            )
    request.refresh_from_db()
    assert request.status == state
    return request, user


def fire(world: World, request: RightsRequest, name: str, user: Any) -> None:
    if name == "withdraw":
        rights_actions.withdraw_rights_request(rights_request=request, by=user)
    else:
        rights_actions.handle_rights_request(
            rights_request=request, transition=name, response="答复内容", by=staff(world)
        )


def test_the_declared_transitions_are_the_ones_enumerated_here() -> None:
    declared = {
        (source, t.name): t.target for t in RIGHTS_WORKFLOW.transitions for source in t.sources
    }
    assert declared == ALLOWED
    assert {t.name for t in RIGHTS_WORKFLOW.transitions} == set(TRANSITIONS)


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("name", TRANSITIONS)
def test_each_transition_from_each_state(world, state: str, name: str) -> None:
    request, user = in_state(world, state)
    notified = Notification.objects.filter(recipient=user).count()
    events = AuditEvent.objects.count()
    if (state, name) in ALLOWED:
        fire(world, request, name, user)
        request.refresh_from_db()
        assert request.status == ALLOWED[(state, name)]
        assert Notification.objects.filter(recipient=user).count() == notified + 1
        assert AuditEvent.objects.count() == events + 1
        if request.status in ("completed", "refused", "withdrawn"):
            assert request.closed_at is not None
    else:
        with pytest.raises(ValidationError):
            fire(world, request, name, user)
        request.refresh_from_db()
        assert request.status == state
        assert Notification.objects.filter(recipient=user).count() == notified
        assert AuditEvent.objects.count() == events


def test_staff_cannot_withdraw_and_residents_cannot_handle(world) -> None:
    request, user = in_state(world, "submitted")
    with pytest.raises(PermissionDenied):
        rights_actions.withdraw_rights_request(rights_request=request, by=staff(world))
    with pytest.raises(PermissionDenied):
        rights_actions.accept_rights_request(rights_request=request, by=user)
    with pytest.raises(PermissionDenied):
        rights_actions.accept_rights_request(rights_request=request, by=world.users["grid_worker"])
    assert world.outsider is not None
    with pytest.raises(PermissionDenied):
        rights_actions.accept_rights_request(rights_request=request, by=world.outsider)
    request.refresh_from_db()
    assert request.status == "submitted"
    assert rights_actions.staff_transitions(request, user) == []
    assert [t.name for t in rights_actions.staff_transitions(request, staff(world))] == ["accept"]


def test_two_staff_accepting_at_once_only_one_succeeds(world) -> None:
    request, user = in_state(world, "submitted")
    first = RightsRequest.objects.get(pk=request.pk)
    second = RightsRequest.objects.get(pk=request.pk)  # the same page, open in another browser
    head = world.users["community_head"]

    rights_actions.accept_rights_request(rights_request=first, by=staff(world))
    with pytest.raises(ValidationError) as exc:
        rights_actions.accept_rights_request(rights_request=second, by=head)

    assert "已被他人处理" in " ".join(exc.value.messages)
    request.refresh_from_db()
    assert request.handled_by_id == staff(world).pk and request.version == 2
    assert AuditEvent.objects.filter(action="registry.accept_rights_request").count() == 1
    assert inbox(user).count("您的请求已受理：解释处理规则") == 1


def test_a_second_click_on_the_page_gets_a_clear_message(world) -> None:
    request, _user = in_state(world, "submitted")
    client = client_for(staff(world))
    url = reverse("registry:rights_request", kwargs={"request_id": request.pk})
    assert client.post(url, {"transition": "accept"}).status_code == 302
    page = html(client.post(url, {"transition": "accept"}))
    assert "当前状态下不能进行此操作" in page
    assert AuditEvent.objects.filter(action="registry.accept_rights_request").count() == 1


# --- Staff pages ------------------------------------------------------------------------------------


class TestStaffPages:
    def test_accept_then_complete_with_an_answer(self, world) -> None:
        resident, user = resident_with_account(world)
        request = rights_actions.submit_rights_request(
            resident=resident, kind="explanation", details="手机号给谁看", by=user
        )
        client = client_for(staff(world))
        url = reverse("registry:rights_request", kwargs={"request_id": request.pk})
        page = html(client.get(url))
        assert 'value="accept"' in page and 'value="complete"' not in page
        assert reverse("registry:resident", kwargs={"resident_id": resident.pk}) in page
        client.post(url, {"transition": "accept"})

        page = html(client.post(url, {"transition": "complete", "response": "  "}))
        assert "请填写答复内容" in page
        request.refresh_from_db()
        assert request.status == "in_progress" and request.response == ""

        client.post(url, {"transition": "complete", "response": "只有本社区工作人员可以看到。"})
        request.refresh_from_db()
        assert request.status == "completed" and request.closed_at is not None
        mine = html(
            client_for(user).get(reverse("registry:own_request", kwargs={"request_id": request.pk}))
        )
        assert "只有本社区工作人员可以看到。" in mine
        assert inbox(user) == [
            "已收到您的请求：解释处理规则",
            "您的请求已受理：解释处理规则",
            "您的请求已办结：解释处理规则",
        ]
        assert "只有本社区" not in " ".join(Notification.objects.values_list("body", flat=True))

    def test_refusing_needs_a_reason(self, world) -> None:
        request, _user = in_state(world, "in_progress")
        client = client_for(staff(world))
        url = reverse("registry:rights_request", kwargs={"request_id": request.pk})
        page = html(client.post(url, {"transition": "refuse", "response": ""}))
        assert "请写明不予办理的理由" in page
        request.refresh_from_db()
        assert request.status == "in_progress"

    def test_who_may_open_a_request(self, world) -> None:
        request, _user = in_state(world, "submitted")
        url = reverse("registry:rights_request", kwargs={"request_id": request.pk})
        assert client_for(world.users["community_head"]).get(url).status_code == 200
        for role in ("grid_worker", "township_staff", "county_official"):
            assert client_for(world.users[role]).get(url).status_code == 403, role
        assert world.outsider is not None
        outsider = client_for(world.outsider)
        assert outsider.get(url).status_code == 404
        assert outsider.post(url, {"transition": "accept"}).status_code == 404
        request.refresh_from_db()
        assert request.status == "submitted"

    def test_the_queue_is_scoped_filtered_and_flags_the_overdue(
        self, world, django_assert_max_num_queries
    ) -> None:
        with calendar.frozen_time(datetime(2026, 3, 2, 9, 0)):
            in_state(world, "submitted")  # 孙桂兰's explanation, due in March
        copy, neighbour = submitted(world, "周八", 62, "19912340002")
        away, _other = submitted(world, "【R320303】吴九", 63, "19912340003", grid=AWAY_G)
        client = client_for(staff(world))
        url = reverse("registry:rights_queue")

        with calendar.frozen_time(datetime(2026, 4, 30, 9, 0)):
            page = html(client.get(url))
            overdue = html(client.get(url + "?overdue=on"))
            copies = html(client.get(url + "?kind=copy"))
        assert "孙桂兰" in page and "周八" in page and "【R320303】" not in page
        assert page.count("table-danger") == 1 and "已超期" in page
        assert "孙桂兰" in overdue and "周八" not in overdue
        assert "周八" in copies and "孙桂兰" not in copies
        assert "【R320303】" in html(client_for(world.outsider).get(url))
        everything = rights_queries.rights_queue(
            staff(world), rights_queries.RightsFilters(status="all")
        )
        assert away.pk not in {r.pk for r in everything}

        rights_actions.withdraw_rights_request(rights_request=copy, by=neighbour)
        assert "周八" not in html(client.get(url))
        assert "周八" in html(client.get(url + "?status=withdrawn"))

        with django_assert_max_num_queries(20) as few:
            client.get(url + "?status=all")
        for i in range(12):
            submitted(world, f"居民{i}", 200 + i, f"199123410{i:02d}")
        with django_assert_max_num_queries(len(few)):
            page = html(client.get(url + "?status=all"))
        assert page.count('href="/registry/rights/') >= 14


# --- Copy, correction and deletion -------------------------------------------------------------------


def completed_copy(world: World) -> tuple[RightsRequest, Resident, Any]:
    resident, user = resident_with_account(world)
    own_actions.set_consent(resident=resident, purpose="activity_notices", granted=True, by=user)
    request = rights_actions.submit_rights_request(resident=resident, kind="copy", by=user)
    rights_actions.accept_rights_request(rights_request=request, by=staff(world))
    rights_actions.complete_rights_request(
        rights_request=request, response="副本已备好，请下载。", by=staff(world)
    )
    return request, resident, user


class TestCopy:
    def test_the_owner_downloads_their_data_and_each_download_is_audited(self, world) -> None:
        request, _resident, user = completed_copy(world)
        client = client_for(user)
        url = reverse("registry:own_copy", kwargs={"request_id": request.pk})
        assert url in html(
            client.get(reverse("registry:own_request", kwargs={"request_id": request.pk}))
        )

        first = client.get(url)
        second = client.get(url)

        assert first.status_code == 200 and first["Content-Disposition"].startswith("attachment")
        assert "no-store" in first["Cache-Control"]
        data = json.loads(first.content)
        assert data["本人信息"]["证件号码"] == NUMBER
        assert data["本人信息"]["手机号"] == PHONE
        assert data["入户与离户记录"][0]["与户主关系"] == "户主"
        assert data["授权记录"][0]["用途"] == "接收社区活动通知"
        assert data["个人信息权利请求"][0]["请求类型"] == "查阅、复制个人信息"
        assert "5号楼201室" in data["本人信息"]["住址"]
        assert second.status_code == 200
        events = AuditEvent.objects.filter(action="registry.download_copy")
        assert events.count() == 2 and {e.actor_id for e in events} == {user.pk}
        assert NUMBER not in " ".join(e.object_repr + " ".join(e.fields) for e in events)

    def test_only_the_owner_and_only_when_completed(self, world) -> None:
        request, _resident, _user = completed_copy(world)
        url = reverse("registry:own_copy", kwargs={"request_id": request.pk})
        assert client_for(staff(world)).get(url).status_code == 403
        neighbour, other = resident_with_account(
            world, "郑十", number=synthetic_id("320302", 64), phone="19912340004"
        )
        assert client_for(other).get(url).status_code == 404
        with pytest.raises(PermissionDenied):
            rights_actions.download_copy(rights_request=request, by=other)
        pending = rights_actions.submit_rights_request(resident=neighbour, kind="copy", by=other)
        response = client_for(other).get(
            reverse("registry:own_copy", kwargs={"request_id": pending.pk})
        )
        assert response.status_code == 302
        assert not AuditEvent.objects.filter(action="registry.download_copy").exists()


class TestDeletion:
    def test_refused_for_data_held_under_a_statutory_duty(self, world) -> None:
        resident, user = resident_with_account(world)
        assert resident.legal_basis == LegalBasis.STATUTORY_DUTY
        request = rights_actions.submit_rights_request(resident=resident, kind="deletion", by=user)
        client = client_for(staff(world))
        url = reverse("registry:rights_request", kwargs={"request_id": request.pk})
        client.post(url, {"transition": "accept"})
        page = html(client.get(url))
        assert "依法不能删除" in page and "第十三条" in page  # the reason is ready to send
        assert 'value="refuse"' in page and 'value="complete"' not in page

        page = html(client.post(url, {"transition": "complete", "response": "已删除"}))
        assert "依法不能删除" in page
        resident.refresh_from_db()
        assert resident.phone == PHONE and resident.account_id == user.pk

        client.post(
            url, {"transition": "refuse", "response": rights_actions.statutory_refusal_reason()}
        )
        request.refresh_from_db()
        assert request.status == "refused" and "第十三条" in request.response

    def test_completing_erases_the_optional_data_of_a_consent_record(self, world) -> None:
        resident, user = resident_with_account(world)
        actions.update_resident(
            resident=resident, changes={"legal_basis": LegalBasis.CONSENT, "note": "腿脚不便"}
        )
        for purpose in (ConsentPurpose.ACTIVITY_NOTICES, ConsentPurpose.PHOTO_PUBLICITY):
            own_actions.set_consent(resident=resident, purpose=purpose, granted=True, by=user)
        request = rights_actions.submit_rights_request(resident=resident, kind="deletion", by=user)
        rights_actions.accept_rights_request(rights_request=request, by=staff(world))

        rights_actions.complete_rights_request(
            rights_request=request, response="已删除手机号和备注。", by=staff(world)
        )

        resident.refresh_from_db()
        assert resident.phone == "" and resident.phone_index == "" and resident.note == ""
        assert resident.account_id is None
        assert resident.id_number == NUMBER and resident.name == "孙桂兰"
        assert ConsentRecord.objects.filter(resident=resident).count() == 4
        assert not any(r and r.granted for r in current_consents(resident).values())
        event = AuditEvent.objects.get(action="registry.erase_optional_data")
        assert {"phone", "note", "account"} <= set(event.fields)
        assert PHONE not in event.object_repr
        assert (
            "已删除手机号和备注。"
            in Notification.objects.filter(recipient=user).order_by("pk").last().body
        )
        assert client_for(user).get(reverse("registry:own")).status_code == 200  # the link form
        assert not Resident.objects.filter(account=user).exists()


class TestResidentSide:
    def test_the_resident_withdraws_while_submitted_only(self, world) -> None:
        resident, user = resident_with_account(world)
        request = rights_actions.submit_rights_request(resident=resident, kind="copy", by=user)
        client = client_for(user)
        detail = reverse("registry:own_request", kwargs={"request_id": request.pk})
        withdraw = reverse("registry:own_request_withdraw", kwargs={"request_id": request.pk})
        assert withdraw in html(client.get(detail))
        client.post(withdraw)
        request.refresh_from_db()
        assert request.status == "withdrawn"
        assert withdraw not in html(client.get(detail))

        second = rights_actions.submit_rights_request(resident=resident, kind="copy", by=user)
        rights_actions.accept_rights_request(rights_request=second, by=staff(world))
        url = reverse("registry:own_request_withdraw", kwargs={"request_id": second.pk})
        page = html(client.post(url, follow=True))
        assert "当前状态下不能进行此操作" in page
        second.refresh_from_db()
        assert second.status == "in_progress"

    def test_my_requests_list_shows_status_and_due_date(self, world) -> None:
        resident, user = resident_with_account(world)
        request = rights_actions.submit_rights_request(
            resident=resident, kind="correction", subject="address", details="应为6号楼", by=user
        )
        page = html(client_for(user).get(reverse("registry:own_requests")))
        assert "更正、补充个人信息" in page and "已提交" in page
        assert request.due_on.isoformat() in page
