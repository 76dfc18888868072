"""The provider pages over HTTP: the scoped list (a county's providers seen from its communities, a
neighbouring county's never) with its filters, a constant number of queries and the Excel export;
registering and editing (an invalid or duplicate USCC, red property for a non-property provider and a
stale edit refused with the reason and nothing written); the phone masked; revoking red property;
linking complaint cases (not a complaint, outside the jurisdiction, already linked refused); and the
public directory."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from shequ.core.masking import mask_phone
from shequ.core.models import AuditEvent
from shequ.organizations.actions import providers as actions
from shequ.organizations.models import Provider, ProviderCase
from shequ.organizations.tests.factories_providers import (
    make_case,
    make_estate,
    make_provider,
    provider_values,
    uscc,
)
from tests.pages import client_for, html
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db

LIST = reverse("organizations:providers")
NEW = reverse("organizations:provider_new")
EXPORT = reverse("organizations:provider_export")
DIRECTORY = reverse("organizations:provider_directory")
AWAY_COUNTY = "320303"
AWAY = "320303001001"


@pytest.fixture
def world() -> World:
    return build_world()


def county(world: World) -> Any:
    return world.regions[HOME["county"]]


def detail_url(provider: Provider) -> str:
    return reverse("organizations:provider_detail", kwargs={"provider_id": provider.pk})


def edit_url(provider: Provider) -> str:
    return reverse("organizations:provider_edit", kwargs={"provider_id": provider.pk})


def link_url(provider: Provider) -> str:
    return reverse("organizations:provider_link_case", kwargs={"provider_id": provider.pk})


def form_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "region": HOME["county"],
        "kind": "property",
        "name": "汉韵物业管理有限公司",
        "uscc": uscc(),
        "legal_representative": "刘德华",
        "contact_phone": "0516-83801234",
        "address": "淮海路 2 号",
        "services": "住宅物业、保洁、绿化",
        "handling_unit": "",
        "social_organization": "",
        "red_property_since": "",
        "is_active": "on",
    }
    data.update(overrides)
    return data


# --- The list -------------------------------------------------------------------------------------


def test_the_list_shows_my_county_and_the_county_above_me_but_never_the_neighbour(
    world: World,
) -> None:
    make_provider(region=county(world), name="彭城物业服务有限公司")
    make_provider(region=world.regions[AWAY_COUNTY], name="外县物业有限公司")

    community = html(client_for(world.users["community_staff"]).get(LIST))
    outsider = html(client_for(world.outsider).get(LIST))

    assert "彭城物业服务有限公司" in community and "外县物业有限公司" not in community
    assert "外县物业有限公司" in outsider and "彭城物业服务有限公司" not in outsider


def test_the_list_filters_by_kind_credit_level_and_red_property(world: World) -> None:
    make_provider(region=county(world), name="红色物业甲", is_red_property=True,
                  red_property_since="2024-07-01")  # fmt: skip
    make_provider(region=county(world), name="普通物业乙")
    make_provider(region=county(world), name="夕阳红养老院", kind="elderly_care")
    client = client_for(world.users["county_official"])

    red = html(client.get(LIST, {"red_property": "on"}))
    elderly = html(client.get(LIST, {"kind": "elderly_care"}))
    level_d = html(client.get(LIST, {"credit_level": "D"}))

    assert "红色物业甲" in red and "普通物业乙" not in red
    assert "夕阳红养老院" in elderly and "红色物业甲" not in elderly
    assert "共 0 个服务主体" in level_d


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_list_costs_the_same_queries_for_2_and_30_rows(
    world: World, django_assert_max_num_queries: Any
) -> None:
    client = client_for(world.users["county_official"])
    for i in range(2):
        make_provider(region=county(world), name=f"物业{i}")
    few = _queries(client, LIST)
    for i in range(2, 30):
        make_provider(region=world.regions[HOME["township"]], name=f"物业{i}")

    with django_assert_max_num_queries(few):
        body = html(client.get(LIST))
    assert "共 30 个服务主体" in body


def test_the_export_lists_the_filtered_providers_with_phones_masked(world: World) -> None:
    make_provider(region=county(world), name="彭城物业服务有限公司")
    make_provider(region=world.regions[AWAY_COUNTY], name="外县物业有限公司")

    response = client_for(world.users["county_official"]).get(EXPORT)

    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = [str(c) for row in sheet.iter_rows(values_only=True) for c in row if c]
    assert "彭城物业服务有限公司" in cells and "外县物业有限公司" not in cells
    assert "138****5678" in cells and "13812345678" not in cells
    assert AuditEvent.objects.filter(action="organizations.provider.export").exists()


# --- Registering and editing ------------------------------------------------------------------------


def test_a_county_official_registers_a_property_company(world: World) -> None:
    client = client_for(world.users["county_official"])

    response = client.post(NEW, form_data())

    provider = Provider.objects.get(name="汉韵物业管理有限公司")
    assert response.status_code == 302 and response["Location"] == detail_url(provider)
    assert provider.contact_phone == "0516-83801234" and provider.region.code == HOME["county"]
    body = html(client.get(detail_url(provider)))
    assert "0516-83801234" not in body and mask_phone("0516-83801234") in body
    assert AuditEvent.objects.filter(action="organizations.provider.register").exists()


def _wrong_check_digit() -> str:
    good = uscc()
    return good[:-1] + ("0" if good[-1] != "0" else "1")


@pytest.mark.parametrize(
    ("uscc_typed", "message"),
    [
        ("91320302MA1XYZ12", "统一社会信用代码应为18位"),
        ("WRONG-CHECK-DIGIT", "校验位不正确"),
        ("91320302OOOOOOOO1X", "含有不允许的字符"),
        ("", "这个字段是必填项"),
    ],
)
def test_an_invalid_uscc_is_refused_with_the_reason(
    world: World, uscc_typed: str, message: str
) -> None:
    typed = _wrong_check_digit() if uscc_typed == "WRONG-CHECK-DIGIT" else uscc_typed

    body = html(client_for(world.users["county_official"]).post(NEW, form_data(uscc=typed)))

    assert message in body
    assert not Provider.objects.exists()


def test_a_duplicate_uscc_is_refused_naming_the_provider_it_belongs_to(world: World) -> None:
    first = make_provider(region=county(world), name="彭城物业服务有限公司")

    body = html(
        client_for(world.users["county_official"]).post(NEW, form_data(uscc=first.uscc.lower()))
    )

    assert "已登记为“彭城物业服务有限公司”" in body
    assert Provider.objects.count() == 1


def test_a_duplicate_of_a_provider_elsewhere_is_refused_without_naming_it(world: World) -> None:
    away = make_provider(region=world.regions[AWAY_COUNTY], name="外县物业有限公司")

    body = html(client_for(world.users["county_official"]).post(NEW, form_data(uscc=away.uscc)))

    assert "已在其他地区登记" in body and "外县物业有限公司" not in body
    assert Provider.objects.count() == 1


def test_red_property_is_for_property_companies_only_and_needs_its_date(world: World) -> None:
    client = client_for(world.users["county_official"])

    not_property = html(
        client.post(NEW, form_data(kind="housekeeping", is_red_property="on",
                                   red_property_since="2024-01-01"))
    )  # fmt: skip
    no_date = html(client.post(NEW, form_data(is_red_property="on")))

    assert "只有物业服务企业可以认定为红色物业" in not_property
    assert "请填写红色物业认定日期" in no_date
    assert not Provider.objects.exists()


def test_a_community_worker_cannot_register_a_provider(world: World) -> None:
    client = client_for(world.users["community_staff"])

    assert "登记服务主体</a>" not in html(client.get(LIST))
    assert client.get(NEW).status_code == 403
    assert client.post(NEW, form_data()).status_code == 403
    assert not Provider.objects.exists()


def test_a_township_official_registers_only_at_their_township(world: World) -> None:
    client = client_for(world.users["township_staff"])

    at_county = html(client.post(NEW, form_data()))
    at_township = client.post(NEW, form_data(region=HOME["township"]))

    assert "选择一个有效的选项" in at_county
    assert at_township.status_code == 302
    assert Provider.objects.get().region.code == HOME["township"]


def test_an_edit_saves_keeps_the_phone_when_left_blank_and_bumps_the_version(
    world: World,
) -> None:
    provider = make_provider(region=county(world))
    client = client_for(world.users["county_official"])

    response = client.post(
        edit_url(provider),
        form_data(uscc=provider.uscc, name="彭城物业（集团）有限公司", contact_phone="",
                  version=provider.version),
    )  # fmt: skip

    provider.refresh_from_db()
    assert response.status_code == 302
    assert provider.name == "彭城物业（集团）有限公司" and provider.version == 2
    assert provider.contact_phone == "13812345678"


def test_a_stale_edit_is_refused_and_changes_nothing(world: World) -> None:
    provider = make_provider(region=county(world))
    official = world.users["county_official"]
    actions.update_provider(provider=provider, by=official, version=1, name="先改的名字")

    body = html(
        client_for(official).post(
            edit_url(provider), form_data(uscc=provider.uscc, name="后改的名字", version=1)
        )
    )

    provider.refresh_from_db()
    assert "刚刚已被他人修改" in body
    assert provider.name == "先改的名字" and provider.version == 2


def test_a_provider_of_another_county_answers_404(world: World) -> None:
    away = make_provider(region=world.regions[AWAY_COUNTY])
    client = client_for(world.users["county_official"])

    assert client.get(detail_url(away)).status_code == 404
    assert client.get(edit_url(away)).status_code == 404


def test_a_community_worker_sees_the_county_provider_but_may_not_edit_it(world: World) -> None:
    provider = make_provider(region=county(world))
    client = client_for(world.users["community_staff"])

    assert client.get(detail_url(provider)).status_code == 200
    assert client.get(edit_url(provider)).status_code == 404


def test_revoking_red_property_needs_a_reason_and_happens_once(world: World) -> None:
    provider = make_provider(region=county(world), is_red_property=True,
                             red_property_since="2024-07-01")  # fmt: skip
    client = client_for(world.users["county_official"])
    url = reverse("organizations:provider_revoke_red", kwargs={"provider_id": provider.pk})

    no_reason = html(client.post(url, {"reason": "", "version": provider.version}))
    client.post(url, {"reason": "发生重大安全责任事故", "version": provider.version})
    again = html(client.post(url, {"reason": "重复提交", "version": provider.version}))

    provider.refresh_from_db()
    assert "这个字段是必填项" in no_reason or "请填写撤销" in no_reason
    assert provider.is_red_property is False and provider.red_property_since is None
    assert "不是红色物业" in again
    event = AuditEvent.objects.get(action="organizations.provider.revoke_red_property")
    assert event.reason == "发生重大安全责任事故"


# --- Complaint cases ------------------------------------------------------------------------------


def test_a_complaint_is_linked_by_its_number_and_listed_with_its_status(world: World) -> None:
    staff = world.users["community_staff"]
    community = world.regions[HOME["community"]]
    provider = make_provider(region=county(world))
    estate = make_estate(community, "锦绣花园")
    case = make_case(community, by=staff)
    client = client_for(staff)

    response = client.post(link_url(provider), {"case_number": case.number,
                                                 "estate_name": "锦绣花园"})  # fmt: skip

    assert response.status_code == 302
    link = ProviderCase.objects.get()
    assert link.case == case and link.link == "complaint" and link.estate == estate
    body = html(client.get(detail_url(provider)))
    assert case.number in body and "待受理" in body and "锦绣花园" in body


def test_linking_refuses_a_case_that_is_not_a_complaint(world: World) -> None:
    staff = world.users["community_staff"]
    provider = make_provider(region=county(world))
    case = make_case(world.regions[HOME["community"]], by=staff, kind="suggestion")

    body = html(client_for(staff).post(link_url(provider), {"case_number": case.number}))

    assert "不是投诉" in body
    assert not ProviderCase.objects.exists()


def test_linking_a_case_outside_the_jurisdiction_answers_as_not_found(world: World) -> None:
    provider = make_provider(region=county(world))
    away_case = make_case(world.regions[AWAY], by=world.outsider)

    body = html(
        client_for(world.users["community_staff"]).post(
            link_url(provider), {"case_number": away_case.number}
        )
    )

    assert "找不到该工单" in body
    assert not ProviderCase.objects.exists()


def test_linking_the_same_case_twice_is_refused(world: World) -> None:
    staff = world.users["community_staff"]
    provider = make_provider(region=county(world))
    case = make_case(world.regions[HOME["community"]], by=staff)
    client = client_for(staff)
    client.post(link_url(provider), {"case_number": case.number})

    body = html(client.post(link_url(provider), {"case_number": case.number}))

    assert "已关联到该服务主体" in body
    assert ProviderCase.objects.count() == 1


def test_linking_with_an_estate_of_another_community_is_refused(world: World) -> None:
    staff = world.users["community_staff"]
    provider = make_provider(region=county(world))
    make_estate(world.regions["320302002001"], "别处小区")
    case = make_case(world.regions[HOME["community"]], by=staff)

    body = html(
        client_for(staff).post(
            link_url(provider), {"case_number": case.number, "estate_name": "别处小区"}
        )
    )

    assert "没有名为“别处小区”的小区" in body
    assert not ProviderCase.objects.exists()


# --- The public directory --------------------------------------------------------------------------


def test_the_directory_is_public_and_shows_no_phone_or_internal_detail(world: World) -> None:
    make_provider(region=county(world), name="红色物业甲", legal_representative="内部联系人",
                  is_red_property=True, red_property_since="2024-07-01")  # fmt: skip
    make_provider(region=county(world), name="已歇业物业", is_active=False)
    make_provider(region=county(world), name="新登记物业")
    actions.reassess_provider(provider=Provider.objects.get(name="红色物业甲"))

    body = html(Client().get(DIRECTORY))

    assert "红色物业甲" in body and "红色物业" in body and "信用 A 级" in body
    assert "新登记物业" in body and "信用待评定" in body
    assert "已歇业物业" not in body
    assert "13812345678" not in body and "138****5678" not in body
    assert "内部联系人" not in body


def test_the_directory_filters_by_kind_and_place(world: World) -> None:
    make_provider(region=county(world), name="夕阳红养老院", kind="elderly_care")
    make_provider(region=world.regions[AWAY_COUNTY], name="外县家政", kind="housekeeping")
    client = Client()

    elderly = html(client.get(DIRECTORY, {"kind": "elderly_care"}))
    away = html(client.get(DIRECTORY, {"region": AWAY_COUNTY}))

    assert "夕阳红养老院" in elderly and "外县家政" not in elderly
    assert "外县家政" in away and "夕阳红养老院" not in away


def test_provider_values_make_a_registrable_provider(world: World) -> None:
    values = provider_values(county(world), name="测试物业")
    provider = actions.register_provider(region=county(world), by=None, **values)
    assert provider.pk and provider.uscc == values["uscc"]


@pytest.mark.django_db(transaction=True)
def test_two_edits_from_the_same_version_at_once_only_one_wins() -> None:
    import threading

    from django.core.exceptions import ValidationError
    from django.db import connection

    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; the stale edit is exercised above")
    world = build_world()
    provider = make_provider(region=county(world))
    official = world.users["county_official"]
    results: list[str] = []

    def click(name: str) -> None:
        try:
            actions.update_provider(
                provider=Provider.objects.get(pk=provider.pk), by=official, version=1, name=name
            )
            results.append("ok")
        except ValidationError:
            results.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=click, args=(n,)) for n in ("甲名称", "乙名称")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results) == ["ok", "refused"]
    provider.refresh_from_db()
    assert provider.version == 2
