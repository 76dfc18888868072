"""The catalogue's pages and API, driven over HTTP by users holding the built-in roles."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from shequ.cases import actions
from shequ.cases.models import ItemStatus, ServiceItem
from shequ.cases.tests.factories import make_item
from tests.pages import client_for, html
from tests.world import World, build_world

pytestmark = pytest.mark.django_db

HOME = "320302001001"
OTHER = "320303001001"


@pytest.fixture
def world() -> World:
    return build_world()


def _form(**overrides: str) -> dict[str, str]:
    data = {
        "code": "ELD-ALLOWANCE",
        "region": "",
        "name": "高龄津贴申领",
        "name_en": "Old-age allowance",
        "category": "elderly_care",
        "time_limit_value": "5",
        "time_limit_unit": "working_days",
        "channels": ["window", "online"],
        "fee": "免费",
        "materials-TOTAL_FORMS": "3",
        "materials-INITIAL_FORMS": "0",
        "materials-0-name": "居民身份证",
        "materials-0-copies": "1",
        "materials-0-original_required": "on",
        "materials-1-name": "户口簿",
        "materials-1-copies": "1",
        "materials-2-name": "",
        "attributes-TOTAL_FORMS": "1",
        "attributes-INITIAL_FORMS": "0",
        "attributes-0-code": "bank",
        "attributes-0-description": "发放方式",
        "attributes-0-datatype": "singlevaluelist",
        "attributes-0-values": "card=社保卡\ncash=现金",
    }
    data.update(overrides)
    return data  # type: ignore[return-value]


def test_community_staff_create_an_item_through_the_form_with_material_rows(world: World) -> None:
    client = client_for(world.users["community_staff"])
    assert client.get(reverse("cases:item_new")).status_code == 200
    response = client.post(reverse("cases:item_new"), _form(region=str(world.regions[HOME].pk)))
    item = ServiceItem.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "cases:item", kwargs={"item_id": item.pk}
    )
    assert [m["name"] for m in item.required_materials] == ["居民身份证", "户口簿"]
    assert item.required_materials[0]["original_required"] is True
    assert item.attributes[0]["values"] == [
        {"key": "card", "name": "社保卡"},
        {"key": "cash", "name": "现金"},
    ]
    assert item.channels == ["window", "online"]
    body = html(client.get(response["Location"]))
    assert "居民身份证" in body and "提交准入审核" in body and ">发布<" not in body


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"code": "高龄"}, "事项编码只能由字母"),
        ({"time_limit_value": "-1"}, "办理时限应为正整数"),
        ({"attributes-0-values": ""}, "请填写可选项"),
        ({"materials-0-name": "", "materials-0-note": "本人"}, "没有填写名称"),
    ],
)
def test_the_form_shows_the_actions_messages_and_writes_nothing(
    world: World, overrides: dict[str, str], message: str
) -> None:
    client = client_for(world.users["community_staff"])
    response = client.post(
        reverse("cases:item_new"), _form(region=str(world.regions[HOME].pk), **overrides)
    )
    assert response.status_code == 200
    assert message in html(response)
    assert not ServiceItem.objects.exists()


def test_a_region_outside_the_jurisdiction_cannot_be_chosen(world: World) -> None:
    client = client_for(world.users["community_staff"])
    response = client.post(reverse("cases:item_new"), _form(region=str(world.regions[OTHER].pk)))
    assert response.status_code == 200
    assert not ServiceItem.objects.exists()


def test_edit_keeps_rows_and_submit_then_admission_queue_admit_and_refuse(world: World) -> None:
    staff = client_for(world.users["community_staff"])
    item = make_item(region=world.regions[HOME], code="E-1")
    edit = html(staff.get(reverse("cases:item_edit", kwargs={"item_id": item.pk})))
    assert 'value="居民身份证"' in edit
    url = reverse("cases:item_transition", kwargs={"item_id": item.pk})
    assert staff.post(url, {"transition": "submit"}).status_code == 302
    item.refresh_from_db()
    assert item.status == ItemStatus.PENDING_ADMISSION
    county = client_for(world.users["county_official"])
    queue = html(county.get(reverse("cases:admission")))
    assert item.name in queue
    response = county.post(url, {"transition": "refuse", "reason": "", "next": "admission"})
    item.refresh_from_db()
    assert item.status == ItemStatus.PENDING_ADMISSION
    assert "请填写不予准入的理由" in html(county.get(response["Location"]))
    county.post(url, {"transition": "admit", "next": "admission"})
    item.refresh_from_db()
    assert item.status == ItemStatus.ADMITTED
    # Staff cannot admit even by posting the transition by hand.
    other = make_item(region=world.regions[HOME], code="E-2", status="pending_admission")
    staff.post(
        reverse("cases:item_transition", kwargs={"item_id": other.pk}), {"transition": "admit"}
    )
    other.refresh_from_db()
    assert other.status == ItemStatus.PENDING_ADMISSION


def test_other_county_items_answer_404_to_staff(world: World) -> None:
    item = make_item(region=world.regions[OTHER], code="O-1", status="pending_admission")
    for role in ("community_staff", "township_staff", "county_official"):
        client = client_for(world.users[role])
        for name in ("cases:item", "cases:item_edit"):
            assert client.get(reverse(name, kwargs={"item_id": item.pk})).status_code in (404, 403)
        response = client.post(
            reverse("cases:item_transition", kwargs={"item_id": item.pk}), {"transition": "admit"}
        )
        assert response.status_code in (403, 404)
    item.refresh_from_db()
    assert item.status == ItemStatus.PENDING_ADMISSION
    certificate = actions.add_abolished_certificate(
        region=world.regions[OTHER], name="居住证明", reason="凭居住证。", by=None
    )
    client = client_for(world.users["county_official"])
    edit = reverse("cases:certificate_edit", kwargs={"certificate_id": certificate.pk})
    assert client.get(edit).status_code == 404


def test_catalogue_list_filters_and_runs_a_constant_number_of_queries(world: World) -> None:
    client = client_for(world.users["county_official"])
    url = reverse("cases:catalog")
    make_item(region=world.regions[HOME], code="A-1")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for n in range(2, 12):
        make_item(region=world.regions[HOME], code=f"A-{n}", category="employment")
    make_item(region=world.regions[OTHER], code="O-1", name="外县事项")
    with CaptureQueriesContext(connection) as many:
        body = html(client.get(url))
    assert len(many) == len(few)
    assert "A-11" in body and "外县事项" not in body
    filtered = html(client.get(url, {"category": "employment", "status": "draft"}))
    assert "A-2" in filtered and "A-1<" not in filtered


def test_residents_browse_admitted_items_without_signing_in_materials_first(world: World) -> None:
    item = make_item(region=world.regions[HOME], code="P-1", status="admitted")
    make_item(region=world.regions[HOME], code="P-2", name="还在草稿的事项")
    make_item(region=world.regions["320302"], code="C-1", name="县级事项", status="admitted")
    actions.add_abolished_certificate(
        region=world.regions["320302"], name="亲属关系证明", reason="凭户口簿等证明。", by=None
    )
    client = Client()
    body = html(client.get(reverse("cases:services"), {"community": HOME}))
    assert item.name in body and "县级事项" in body and "还在草稿的事项" not in body
    page = html(client.get(reverse("cases:service", kwargs={"item_id": item.pk})))
    assert page.index("居民身份证") < page.index("办理时限")
    assert "data-shequ-print" in page and "cases/resident.js" in page and "print.css" in page
    certificates = html(client.get(reverse("cases:public_certificates"), {"community": HOME}))
    assert "亲属关系证明" in certificates and "凭户口簿等证明。" in certificates
    draft = ServiceItem.objects.get(code="P-2")
    assert client.get(reverse("cases:service", kwargs={"item_id": draft.pk})).status_code == 404


def test_api_lists_admitted_items_with_constant_queries_and_one_item(world: World) -> None:
    user = world.users["community_staff"]
    client = client_for(user)
    make_item(region=world.regions[HOME], code="P-1", status="admitted")
    make_item(region=world.regions[HOME], code="D-1")
    make_item(region=world.regions[OTHER], code="O-1", status="admitted")
    client.get("/api/v1/cases/catalog")
    with CaptureQueriesContext(connection) as few:
        response = client.get("/api/v1/cases/catalog")
    assert response.status_code == 200, response.content
    codes = [row["code"] for row in response.json()["results"]]
    assert codes == ["P-1"]
    for n in range(2, 8):
        make_item(region=world.regions[HOME], code=f"P-{n}", status="admitted")
    with CaptureQueriesContext(connection) as many:
        client.get("/api/v1/cases/catalog")
    assert len(many) == len(few)
    other = client.get("/api/v1/cases/catalog", {"community": OTHER}).json()
    assert [row["code"] for row in other["results"]] == ["O-1"]
    item = ServiceItem.objects.get(code="P-1")
    detail = client.get(f"/api/v1/cases/catalog/{item.pk}").json()
    assert detail["required_materials"][0]["name"] == "居民身份证"
    draft = ServiceItem.objects.get(code="D-1")
    assert client.get(f"/api/v1/cases/catalog/{draft.pk}").status_code == 404
    assert client.get("/api/v1/cases/catalog", {"category": "nope"}).status_code == 422
    assert Client().get("/api/v1/cases/catalog").status_code == 401


def test_certificate_pages_add_and_edit_within_the_place(world: World) -> None:
    client = client_for(world.users["township_staff"])
    township = world.regions["320302001"]
    response = client.post(
        reverse("cases:certificate_new"),
        {"region": str(township.pk), "name": "亲属关系证明", "reason": ""},
    )
    assert response.status_code == 200
    assert not township.abolished_certificates.exists()
    response = client.post(
        reverse("cases:certificate_new"),
        {"region": str(township.pk), "name": "亲属关系证明", "reason": "凭户口簿证明。"},
    )
    assert response.status_code == 302
    listing = html(client.get(reverse("cases:certificates")))
    assert "亲属关系证明" in listing
    certificate = township.abolished_certificates.get()
    edit = reverse("cases:certificate_edit", kwargs={"certificate_id": certificate.pk})
    client.post(edit, {"name": "亲属关系证明", "reason": "到派出所开具。", "keywords": "亲属"})
    certificate.refresh_from_db()
    assert certificate.reason == "到派出所开具。"
    # Community staff below may read the township's list but not edit it.
    below = client_for(world.users["community_staff"])
    assert below.get(edit).status_code == 404


@pytest.mark.parametrize("name", ["cases:admission", "cases:certificates"])
def test_other_lists_run_a_constant_number_of_queries(world: World, name: str) -> None:
    client = client_for(world.users["county_official"])
    url = reverse(name)
    make_item(region=world.regions[HOME], code="Q-first", status="pending_admission")
    actions.add_abolished_certificate(
        region=world.regions[HOME], name="证明甲", reason="不再开具。", by=None
    )
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for n in range(10):
        make_item(region=world.regions[HOME], code=f"Q-{n}", status="pending_admission")
        actions.add_abolished_certificate(
            region=world.regions[HOME], name=f"证明{n}", reason="不再开具。", by=None
        )
    with CaptureQueriesContext(connection) as many:
        body = html(client.get(url))
    assert len(many) == len(few)
    if name == "cases:admission":
        assert body.count("不予准入</button>") == 11
    else:
        assert "证明9" in body
