"""The resident's own pages: linking the account to the record, my record and household, consents —
driven over HTTP as residents and as the staff roles of tests/world.py.

Community staff sit at 320302001001 (grid 001 is the home grid); 320303 is the other county.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.template import engines
from django.test import Client, RequestFactory
from django.urls import reverse

from shequ.accounts import actions as account_actions
from shequ.core.masking import mask_id_number, mask_phone
from shequ.core.models import AuditEvent, AuditOutcome
from shequ.registry import actions
from shequ.registry.actions import own as own_actions
from shequ.registry.actions.own import LINK_ACTION, LINK_ATTEMPTS_PER_DAY
from shequ.registry.actions.rights import submit_rights_request
from shequ.registry.models import (
    CareGroup,
    ConsentPurpose,
    ConsentRecord,
    LegalBasis,
    Relation,
    Resident,
)
from shequ.registry.queries import own as own_queries
from shequ.registry.tests import factories as f
from shequ.registry.tests.url_params import synthetic_id
from tests.pages import client_for, html
from tests.world import World, build_world

pytestmark = pytest.mark.django_db

HOME_C, HOME_G = "320302001001", "320302001001001"
AWAY_C, AWAY_G = "320303001001", "320303001001001"
MISSING = "!!MISSING"

HEAD_ID = synthetic_id("320302", 41, date(1960, 2, 3))
SPOUSE_ID = synthetic_id("320302", 42, date(1962, 4, 5))
CHILD_ID = synthetic_id("320302", 43, date(1990, 6, 7))
HEAD_PHONE, SPOUSE_PHONE, CHILD_PHONE = "19911110001", "19911110002", "19911110003"


@pytest.fixture
def world() -> World:
    return build_world()


def family(world: World) -> list[Resident]:
    """A head, a spouse and a child in one household of the home grid, each with a phone."""
    home = actions.register_household(
        community=world.regions[HOME_C],
        grid=world.grids[HOME_G],
        address_detail="3单元502室",
        members=[
            f.member("王建国", Relation.HEAD, number=HEAD_ID, phone=HEAD_PHONE),
            f.member("李秀英", Relation.SPOUSE, number=SPOUSE_ID, phone=SPOUSE_PHONE),
            f.member("王小明", Relation.CHILD, number=CHILD_ID, phone=CHILD_PHONE),
        ],
    )
    return f.members_of(home)


def account(phone: str, name: str = "居民") -> Any:
    """A resident account whose phone number was verified (as after SMS sign-up)."""
    return account_actions.create_resident_user(
        phone=phone, full_name=name, password="Resident-pass-123"
    )


def linked(world: World) -> tuple[Resident, Any]:
    head = family(world)[0]
    user = account(HEAD_PHONE, "王建国")
    own_actions.link_own_record(account=user, name="王建国", id_number=head.id_number)
    head.refresh_from_db()
    return head, user


def link_post(client: Client, name: str, id_number: str) -> Any:
    return client.post(reverse("registry:own_link"), {"name": name, "id_number": id_number})


def error_text(body: str) -> str:
    """The alert and field errors of a form page, which must not differ between kinds of failure."""
    return " ".join(
        re.findall(
            r'class="(?:alert alert-danger|invalid-feedback[^"]*)"[^>]*>(.*?)</div>', body, re.S
        )
    )


# --- Linking by the resident -------------------------------------------------------------------------


class TestLinkByResident:
    def test_name_and_id_link_when_the_record_has_the_accounts_phone(self, world) -> None:
        head = family(world)[0]
        user = account(HEAD_PHONE)
        client = client_for(user)
        page = html(client.get(reverse("registry:own")))
        assert 'action="/registry/me/link/"' in page

        response = link_post(client, "王建国", HEAD_ID.lower()[:-1] + HEAD_ID[-1].lower())

        assert response.status_code == 302
        head.refresh_from_db()
        assert head.account_id == user.pk
        event = AuditEvent.objects.get(action=LINK_ACTION)
        assert event.outcome == AuditOutcome.SUCCESS
        assert event.object_id == str(head.pk) and event.role == "resident"
        assert HEAD_ID not in event.object_repr + event.reason + " ".join(event.fields)
        record = html(client.get(reverse("registry:own")))
        assert "王建国" in record and mask_id_number(HEAD_ID) in record

    def test_unknown_id_and_mismatched_phone_get_the_same_answer(self, world) -> None:
        members = family(world)
        user = account("19922220000")  # not the phone of any record
        client = client_for(user)

        unknown = html(link_post(client, "王建国", synthetic_id("320302", 77)))
        other_phone = html(link_post(client, "王建国", HEAD_ID))
        wrong_name = html(link_post(client, "王建", HEAD_ID))

        assert error_text(unknown)
        assert error_text(unknown) == error_text(other_phone) == error_text(wrong_name)
        assert "便民服务窗口" in error_text(unknown)
        assert unknown.count("<form") == other_phone.count("<form")
        assert not Resident.objects.filter(account=user).exists()
        assert all(m.account_id is None for m in members)
        failures = AuditEvent.objects.filter(action=LINK_ACTION, outcome=AuditOutcome.FAILURE)
        assert failures.count() == 3
        assert set(failures.values_list("object_id", flat=True)) == {""}

    def test_a_record_with_an_account_already_is_not_linked_again(self, world) -> None:
        head = family(world)[0]
        first = account("19933330000")  # linked at the window to an account with another number
        own_actions.link_account(
            resident=head, phone="19933330000", by=world.users["community_staff"]
        )
        second = account(HEAD_PHONE)  # the record's own number, right name and ID

        page = html(link_post(client_for(second), "王建国", HEAD_ID))

        assert "便民服务窗口" in error_text(page)
        head.refresh_from_db()
        assert head.account_id == first.pk

    def test_attempts_are_limited_per_account_and_day(self, world) -> None:
        family(world)
        user = account(HEAD_PHONE)
        client = client_for(user)
        for _ in range(LINK_ATTEMPTS_PER_DAY):
            link_post(client, "王建国", synthetic_id("320302", 88))

        page = html(link_post(client, "王建国", HEAD_ID))  # right this time, but too late

        assert "尝试次数过多" in page
        assert not Resident.objects.filter(account=user).exists()
        assert "今天的尝试次数已用完" in html(client.get(reverse("registry:own")))
        # Another resident's attempts are their own.
        other = account("19944440000")
        assert own_actions.link_attempts_left(other) == LINK_ATTEMPTS_PER_DAY

    def test_a_malformed_id_number_is_a_clear_message_and_writes_nothing(self, world) -> None:
        family(world)
        client = client_for(account(HEAD_PHONE))
        page = html(link_post(client, "王建国", "12345"))
        assert re.search(r"[\u4e00-\u9fff]", error_text(page))
        assert not AuditEvent.objects.filter(action=LINK_ACTION).exists()
        assert not Resident.objects.filter(account__isnull=False).exists()

    def test_an_account_already_linked_is_sent_to_its_record(self, world) -> None:
        _head, user = linked(world)
        response = client_for(user).post(
            reverse("registry:own_link"), {"name": "王建国", "id_number": HEAD_ID}
        )
        assert response.status_code == 302
        assert AuditEvent.objects.filter(action=LINK_ACTION).count() == 1


# --- Linking by staff ------------------------------------------------------------------------------


class TestLinkByStaff:
    def test_staff_link_by_phone_and_unlink(self, world) -> None:
        head = family(world)[0]
        user = account("19955550000")  # the record holds another number: staff checked the ID card
        staff = client_for(world.users["community_staff"])
        url = reverse("registry:resident_account", kwargs={"resident_id": head.pk})

        response = staff.post(url, {"op": "link", "phone": "199 5555 0000"})

        assert response.status_code == 302
        head.refresh_from_db()
        assert head.account_id == user.pk
        assert AuditEvent.objects.filter(action="registry.link_account", role="staff").count() == 1

        staff.post(url, {"op": "unlink"})
        head.refresh_from_db()
        assert head.account_id is None
        assert AuditEvent.objects.filter(action="registry.unlink_account").count() == 1

    def test_an_unknown_phone_is_a_clear_message_and_links_nothing(self, world) -> None:
        head = family(world)[0]
        staff = client_for(world.users["community_staff"])
        url = reverse("registry:resident_account", kwargs={"resident_id": head.pk})
        response = staff.post(url, {"op": "link", "phone": "19966660000"}, follow=True)
        assert "没有使用该手机号注册的居民账号" in html(response)
        head.refresh_from_db()
        assert head.account_id is None
        assert not AuditEvent.objects.filter(action="registry.link_account").exists()

    def test_staff_of_another_county_get_404(self, world) -> None:
        head = family(world)[0]
        account("19955550000")
        assert world.outsider is not None
        url = reverse("registry:resident_account", kwargs={"resident_id": head.pk})
        response = client_for(world.outsider).post(url, {"op": "link", "phone": "19955550000"})
        assert response.status_code == 404
        head.refresh_from_db()
        assert head.account_id is None

    def test_the_panel_shows_account_consents_and_open_requests(
        self, world, django_assert_max_num_queries
    ) -> None:
        head, user = linked(world)
        own_actions.set_consent(
            resident=head, purpose=ConsentPurpose.ACTIVITY_NOTICES, granted=True, by=user
        )
        submit_rights_request(resident=head, kind="copy", by=user)
        staff = world.users["community_staff"]
        request = RequestFactory().get("/")
        request.user = staff
        template = engines["django"].from_string(
            "{% load registry_own %}{% resident_account resident %}"
        )
        resident = Resident.objects.select_related("community", "grid").get(pk=head.pk)
        staff.active_assignments()
        with django_assert_max_num_queries(3):
            body = template.render({"resident": resident, "request": request})
        assert mask_phone(HEAD_PHONE) in body and HEAD_PHONE not in body
        assert reverse("registry:resident_account", kwargs={"resident_id": head.pk}) in body
        assert "已同意" in body
        assert reverse("registry:rights_request_new", kwargs={"resident_id": head.pk}) in body
        assert "查阅、复制个人信息" in body


# --- Who reaches the pages ------------------------------------------------------------------------


class TestAccess:
    @pytest.mark.parametrize("role", ["community_staff", "grid_worker", "county_official"])
    def test_staff_have_no_own_record_pages(self, world, role) -> None:
        client = client_for(world.users[role])
        for name in ("own", "own_household", "own_consents", "own_requests", "own_request_new"):
            assert client.get(reverse(f"registry:{name}")).status_code == 403

    def test_anonymous_visitors_are_sent_to_sign_in(self, world) -> None:
        response = Client().get(reverse("registry:own"))
        assert response.status_code == 302 and "login" in response["Location"]

    def test_residents_never_reach_staff_pages(self, world) -> None:
        head, user = linked(world)
        request = submit_rights_request(resident=head, kind="copy", by=user)
        client = client_for(user)
        for url in (
            reverse("registry:residents"),
            reverse("registry:resident", kwargs={"resident_id": head.pk}),
            reverse("registry:household", kwargs={"household_id": head.household_id}),
            reverse("registry:rights_queue"),
            reverse("registry:rights_request", kwargs={"request_id": request.pk}),
            reverse("registry:rights_request_new", kwargs={"resident_id": head.pk}),
        ):
            assert client.get(url).status_code == 403, url
        consent_url = reverse("registry:resident_consent", kwargs={"resident_id": head.pk})
        assert (
            client.post(consent_url, {"purpose": "activity_notices", "granted": "1"}).status_code
            == 403
        )

    def test_unlinked_residents_are_sent_to_the_link_form(self, world) -> None:
        client = client_for(account("19977770000"))
        for name in ("own_household", "own_consents", "own_requests", "own_request_new"):
            response = client.get(reverse(f"registry:{name}"))
            assert response.status_code == 302 and response["Location"] == reverse("registry:own")


# --- My record and household ------------------------------------------------------------------------


class TestOwnPages:
    def test_my_record_is_masked_explains_the_basis_and_hides_care_groups(self, world) -> None:
        head, user = linked(world)
        actions.tag_care_group(resident=head, group=CareGroup.DIBAO, start_date=date(2020, 1, 1))
        response = client_for(user).get(reverse("registry:own"))
        page = html(response)
        assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
        assert mask_id_number(HEAD_ID) in page and HEAD_ID not in page
        assert mask_phone(HEAD_PHONE) in page and HEAD_PHONE not in page
        assert "3单元502室" not in page and "****" in page
        assert "1960-02-03" in page
        assert "履行法定职责" in page and "不需要您另外同意" in page
        assert "低保对象" not in page

    def test_the_consent_basis_is_explained_in_its_own_words(self, world) -> None:
        head, user = linked(world)
        actions.update_resident(resident=head, changes={"legal_basis": LegalBasis.CONSENT})
        page = html(client_for(user).get(reverse("registry:own")))
        assert "经您本人同意" in page

    def test_my_household_shows_names_and_relations_only(self, world) -> None:
        _head, user = linked(world)
        page = html(client_for(user).get(reverse("registry:own_household")))
        assert "李秀英" in page and "配偶" in page and "王小明" in page and "子女" in page
        for number in (SPOUSE_ID, CHILD_ID):
            assert number not in page and mask_id_number(number) not in page
        for phone in (SPOUSE_PHONE, CHILD_PHONE):
            assert phone not in page and mask_phone(phone) not in page
        assert "1962" not in page and "1990" not in page

    def test_a_resident_of_another_household_sees_none_of_this_one(self, world) -> None:
        head, user = linked(world)
        own_actions.set_consent(
            resident=head, purpose=ConsentPurpose.PHOTO_PUBLICITY, granted=True, by=user
        )
        mine = submit_rights_request(
            resident=head, kind="correction", subject="phone", details="应为王家的新号码", by=user
        )
        neighbour = f.resident(
            world.regions[HOME_C], "赵四", grid=world.grids[HOME_G], phone="19988880000"
        )
        other = account("19988880000", "赵四")
        own_actions.link_own_record(account=other, name="赵四", id_number=neighbour.id_number)
        client = client_for(other)
        for name in ("own", "own_household", "own_consents", "own_requests"):
            page = html(client.get(reverse(f"registry:{name}")))
            for text in ("王建国", "李秀英", "王小明", "王家的新号码", mask_id_number(HEAD_ID)):
                assert text not in page, (name, text)
        for name in ("own_request", "own_copy"):
            url = reverse(f"registry:{name}", kwargs={"request_id": mine.pk})
            assert client.get(url).status_code == 404
        withdraw = reverse("registry:own_request_withdraw", kwargs={"request_id": mine.pk})
        assert client.post(withdraw).status_code == 404
        mine.refresh_from_db()
        assert mine.status == "submitted"


# --- Consents -------------------------------------------------------------------------------------


class TestConsents:
    def test_each_change_is_a_new_record_and_the_newest_is_current(self, world) -> None:
        head, user = linked(world)
        client = client_for(user)
        url = reverse("registry:own_consents")
        purpose = ConsentPurpose.VOLUNTEER_MATCHING

        client.post(url, {"purpose": purpose, "granted": "1"})
        client.post(url, {"purpose": purpose, "granted": "1"})  # a double click changes nothing
        client.post(url, {"purpose": purpose, "granted": "0"})
        client.post(url, {"purpose": ConsentPurpose.PHOTO_PUBLICITY, "granted": "1"})

        history = list(
            ConsentRecord.objects.filter(resident=head, purpose=purpose).order_by(
                "recorded_at", "pk"
            )
        )
        assert [r.granted for r in history] == [True, False]
        assert all(r.recorded_by_id == user.pk for r in history)
        current = own_queries.current_consents(head)
        assert current[purpose] is not None and current[purpose].granted is False
        assert current[ConsentPurpose.PHOTO_PUBLICITY].granted is True
        assert current[ConsentPurpose.ACTIVITY_NOTICES] is None
        assert list(current) == list(ConsentPurpose.values)
        events = AuditEvent.objects.filter(
            action__in=["registry.grant_consent", "registry.withdraw_consent"]
        )
        assert events.count() == 3 and set(events.values_list("role", flat=True)) == {"resident"}
        page = html(client.get(url))
        assert page.count(">撤回同意</button>") == 1  # only photo publicity is granted now

    def test_staff_record_a_consent_on_the_residents_behalf(self, world) -> None:
        head, _user = linked(world)
        staff = world.users["community_staff"]
        url = reverse("registry:resident_consent", kwargs={"resident_id": head.pk})
        client_for(staff).post(url, {"purpose": "satisfaction_surveys", "granted": "1"})
        record = ConsentRecord.objects.get(resident=head)
        assert record.granted and record.recorded_by_id == staff.pk
        assert AuditEvent.objects.get(action="registry.grant_consent").role == "staff"

    def test_staff_elsewhere_get_404_and_residents_only_set_their_own(self, world) -> None:
        head, user = linked(world)
        assert world.outsider is not None
        url = reverse("registry:resident_consent", kwargs={"resident_id": head.pk})
        response = client_for(world.outsider).post(
            url, {"purpose": "photo_publicity", "granted": "1"}
        )
        assert response.status_code == 404
        neighbour = f.resident(world.regions[HOME_C], "赵四", grid=world.grids[HOME_G])
        with pytest.raises(PermissionDenied):
            own_actions.set_consent(
                resident=neighbour, purpose="photo_publicity", granted=True, by=user
            )
        assert not ConsentRecord.objects.exists()

    def test_an_unknown_purpose_writes_nothing(self, world) -> None:
        _head, user = linked(world)
        response = client_for(user).post(
            reverse("registry:own_consents"),
            {"purpose": "sell_my_data", "granted": "1"},
            follow=True,
        )
        assert "请重新选择" in html(response)
        assert not ConsentRecord.objects.exists()

    def test_residents_consenting_to_a_purpose_within_the_jurisdiction(self, world) -> None:
        head, user = linked(world)
        spouse = Resident.objects.get(name="李秀英")
        staff = world.users["community_staff"]
        own_actions.set_consent(resident=head, purpose="activity_notices", granted=True, by=user)
        own_actions.set_consent(resident=spouse, purpose="activity_notices", granted=True, by=staff)
        own_actions.set_consent(
            resident=spouse, purpose="activity_notices", granted=False, by=staff
        )
        found = own_queries.consenting_residents(staff, "activity_notices")
        assert list(found) == [head]
        assert world.outsider is not None
        assert not own_queries.consenting_residents(world.outsider, "activity_notices").exists()
