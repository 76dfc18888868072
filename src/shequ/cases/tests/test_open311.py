"""Open311 GeoReport v2 at /open311/v2/ over HTTP, in JSON and XML: discovery, the service list and
definitions, POST with an api_key (idempotent with an Idempotency-Key), the public request list with
its 90-day window, one request; the spec's error codes; every JSON answer checked against the
published JSON Schemas (tests/open311_schemas). Then the client systems' keys: the staff pages, the
actions and the `shequ open311-key` command."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from shequ.cases.actions import handling
from shequ.cases.actions import open311 as actions
from shequ.cases.actions.intake import Intake, submit_case
from shequ.cases.models import Case, Channel, Open311Client
from shequ.cases.tests.factories import make_item
from shequ.core import calendar
from shequ.core.models import AuditEvent
from shequ.territory.models import Grid
from tests.pages import html
from tests.world import HOME, World, build_world, verify_second_factor

pytestmark = pytest.mark.django_db

BASE = "/open311/v2"
COUNTY, AWAY = HOME["county"], "320303"
SCHEMAS = Path(__file__).parent / "open311_schemas"
REGISTRY: Registry = Registry().with_resources(
    (p.name, Resource.from_contents(json.loads(p.read_text()), default_specification=DRAFT7))
    for p in SCHEMAS.glob("*.json")
)
# W3C/ISO 8601 with the offset of Asia/Shanghai.
LOCAL_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$")
ATTRIBUTES = [
    {"code": "pole", "datatype": "string", "required": True, "description": "灯杆编号"},
    {
        "code": "fault",
        "datatype": "singlevaluelist",
        "required": False,
        "description": "故障类型",
        "values": [{"key": "dark", "name": "不亮"}, {"key": "flicker", "name": "闪烁"}],
    },
    {
        "code": "when",
        "datatype": "multivaluelist",
        "required": False,
        "description": "出现时段",
        "values": [{"key": "night", "name": "夜间"}, {"key": "day", "name": "白天"}],
    },
]


@pytest.fixture
def world() -> World:
    return build_world()


def validate(document: Any, schema: str) -> None:
    """Fails with the schema's complaint when ``document`` does not conform."""
    Draft7Validator(json.loads((SCHEMAS / schema).read_text()), registry=REGISTRY).validate(
        document
    )


def xml(response: Any) -> ElementTree.Element:
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    return ElementTree.fromstring(response.content)  # noqa: S314 — our own answer


def as_json(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.content.decode()
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return json.loads(response.content)


def errors(response: Any, status: int) -> list[str]:
    """The descriptions of a spec error answer (JSON or XML), after checking its shape."""
    assert response.status_code == status, response.content.decode()
    if response["Content-Type"].startswith("text/xml"):
        root = xml(response)
        assert root.tag == "errors"
        found = root.findall("error")
        assert found and all(e.findtext("code") == str(status) for e in found)
        return [e.findtext("description") or "" for e in found]
    body = as_json(response, status)
    assert isinstance(body, list) and body
    assert all(set(e) == {"code", "description"} and e["code"] == status for e in body)
    return [e["description"] for e in body]


def lamp_item(world: World, code: str = "LAMP", region: str = COUNTY, **overrides: Any) -> Any:
    values: dict[str, Any] = {
        "name": "路灯故障",
        "category": "environment",
        "description": "路灯不亮、闪烁或损坏",
        "attributes": ATTRIBUTES,
        "channels": ["online"],
    }
    values.update(overrides)
    return make_item(region=world.regions[region], code=code, status="admitted", **values)


def issued(world: World, region: str = COUNTY, name: str = "12345 热线") -> tuple[Any, str]:
    return actions.issue_client(name=name, region=world.regions[region], contact="值班室", by=None)


def lamp_post(key: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "api_key": key,
        "service_code": "LAMP",
        "address_id": HOME["community"],
        "address_string": "幸福路 8 号",
        "description": "幸福路口路灯整夜不亮",
        "first_name": "三",
        "last_name": "张",
        "phone": "13912345678",
        "attribute[pole]": "XF-017",
        "attribute[fault]": "dark",
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


def public_case(world: World, community: str = HOME["community"], **overrides: Any) -> Case:
    values: dict[str, Any] = {
        "channel": "window",
        "kind": "complaint",
        "category": "environment",
        "description": "小区门口垃圾堆积三天无人清运",
        "region": world.regions[community],
        "address": "和平小区 3 栋",
        "requester_name": "李四",
        "requester_phone": "13900000002",
        "latitude": 34.26,
        "longitude": 117.18,
    }
    values.update(overrides)
    # Staff take in cases for their own places only: the other county's desk files its own.
    desk = (
        world.users["community_staff"] if community.startswith(HOME["county"]) else world.outsider
    )
    return submit_case(Intake(**values), by=desk)


# --- Discovery, services, definitions ------------------------------------------------------------------


def test_discovery_in_both_formats(world):
    lamp_item(world)
    body = as_json(Client().get(f"{BASE}/discovery.json"))
    assert set(body) == {"changeset", "contact", "key_service", "endpoints"}
    endpoint = body["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://testserver/open311/v2/"
    assert endpoint["type"] == "production"
    assert set(endpoint["formats"]) == {"text/xml", "application/json"}
    assert LOCAL_TIME.match(body["changeset"])
    root = xml(Client().get(f"{BASE}/discovery.xml"))
    assert root.tag == "discovery"
    assert root.findtext("endpoints/endpoint/url") == "http://testserver/open311/v2/"
    assert [f.text for f in root.findall("endpoints/endpoint/formats/format")] == [
        "text/xml",
        "application/json",
    ]


def test_services_lists_admitted_items_for_a_jurisdiction(world):
    lamp_item(world)
    lamp_item(world, code="AWAY-LAMP", region="320303001001", name="外区路灯")
    make_item(region=world.regions[COUNTY], code="DRAFT", name="草稿事项")
    everywhere = as_json(Client().get(f"{BASE}/services.json"))
    validate(everywhere, "services.json")
    assert {s["service_code"] for s in everywhere} == {"LAMP", "AWAY-LAMP"}
    lamp = next(s for s in everywhere if s["service_code"] == "LAMP")
    assert lamp == {
        "service_code": "LAMP",
        "service_name": "路灯故障",
        "description": "路灯不亮、闪烁或损坏",
        "metadata": True,
        "type": "realtime",
        "keywords": None,
        "group": "环境卫生",
    }
    # A community below the county gets the county's item, not the other county's.
    here = as_json(Client().get(f"{BASE}/services.json?jurisdiction_id={HOME['community']}"))
    validate(here, "services.json")
    assert [s["service_code"] for s in here] == ["LAMP"]
    root = xml(Client().get(f"{BASE}/services.xml?jurisdiction_id={HOME['community']}"))
    assert root.tag == "services"
    assert [s.findtext("service_code") for s in root.findall("service")] == ["LAMP"]
    assert root.findtext("service/metadata") == "true"
    assert root.find("service/keywords") is not None and root.findtext("service/keywords") == ""
    # An empty argument is the same as a missing one.
    assert len(as_json(Client().get(f"{BASE}/services.json?jurisdiction_id="))) == 2


def test_unknown_jurisdiction_is_404(world):
    lamp_item(world)
    assert "999999" in errors(Client().get(f"{BASE}/services.json?jurisdiction_id=999999"), 404)[0]
    errors(Client().get(f"{BASE}/services.xml?jurisdiction_id=999999"), 404)
    errors(Client().get(f"{BASE}/requests.json?jurisdiction_id=999999"), 404)


def test_services_list_costs_the_same_queries_for_2_and_20_items(
    world, django_assert_max_num_queries
):
    for n in range(2):
        lamp_item(world, code=f"L{n}")
    with CaptureQueriesContext(connection) as two:
        assert len(as_json(Client().get(f"{BASE}/services.json"))) == 2
    for n in range(2, 20):
        lamp_item(world, code=f"L{n}")
    with django_assert_max_num_queries(len(two)):
        response = Client().get(f"{BASE}/services.json")
    assert len(as_json(response)) == 20


def test_service_definition_in_both_formats(world):
    lamp_item(world)
    body = as_json(Client().get(f"{BASE}/services/LAMP.json"))
    validate(body, "service-definition.json")
    assert body["service_code"] == "LAMP"
    pole, fault, when = body["attributes"]
    assert pole == {
        "variable": True,
        "code": "pole",
        "datatype": "string",
        "required": True,
        "datatype_description": "单行文字",
        "order": 1,
        "description": "灯杆编号",
    }
    assert fault["values"] == [{"key": "dark", "name": "不亮"}, {"key": "flicker", "name": "闪烁"}]
    assert when["datatype"] == "multivaluelist" and when["order"] == 3
    root = xml(Client().get(f"{BASE}/services/LAMP.xml"))
    assert root.tag == "service_definition"
    assert root.findtext("service_code") == "LAMP"
    attributes = root.findall("attributes/attribute")
    assert [a.findtext("code") for a in attributes] == ["pole", "fault", "when"]
    assert attributes[0].findtext("required") == "true"
    assert [v.findtext("key") for v in attributes[1].findall("values/value")] == ["dark", "flicker"]


def test_unknown_or_unadmitted_service_definition_is_404(world):
    make_item(region=world.regions[COUNTY], code="DRAFT", name="草稿事项")
    lamp_item(world, code="AWAY-LAMP", region="320303001001")
    assert "NOPE" in errors(Client().get(f"{BASE}/services/NOPE.json"), 404)[0]
    errors(Client().get(f"{BASE}/services/DRAFT.xml"), 404)
    # Known, but not applicable in the jurisdiction asked about.
    errors(Client().get(f"{BASE}/services/AWAY-LAMP.json?jurisdiction_id={HOME['community']}"), 404)
    assert Client().get(f"{BASE}/services/AWAY-LAMP.json").status_code == 200


# --- POST Service Request ------------------------------------------------------------------------------


def test_post_creates_a_case_and_answers_with_its_number(world):
    lamp_item(world)
    client_system, key = issued(world)
    response = Client().post(
        f"{BASE}/requests.json",
        lamp_post(key, **{"attribute[when][]": ["night", "day"]}),
    )
    body = as_json(response)
    assert len(body) == 1 and set(body[0]) == {"service_request_id", "service_notice", "account_id"}
    case = Case.objects.get()
    assert body[0]["service_request_id"] == case.number
    assert "5" in body[0]["service_notice"] and "工作日" in body[0]["service_notice"]
    assert case.channel == Channel.OPEN311 and case.client == client_system
    assert case.service_item.code == "LAMP" and case.category == "environment"
    assert case.region == world.regions[HOME["community"]]
    assert case.attributes == {"pole": "XF-017", "fault": "dark", "when": ["night", "day"]}
    assert case.requester_name == "张三" and case.requester_phone == "13912345678"
    assert case.address == "幸福路 8 号" and case.is_public
    # The answer carries nothing personal.
    assert (
        "张三" not in response.content.decode() and "13912345678" not in response.content.decode()
    )


def test_post_in_xml_placed_by_position(world):
    lamp_item(world)
    Grid.objects.filter(code=HOME["grid"]).update(centre_lat=34.26, centre_lng=117.18)
    _client_system, key = issued(world)
    response = Client().post(
        f"{BASE}/requests.xml",
        lamp_post(key, address_id=None, address_string=None, lat="34.2605", long="117.1801"),
    )
    assert response.status_code == 200, response.content.decode()
    root = xml(response)
    assert root.tag == "service_requests"
    case = Case.objects.get()
    assert root.findtext("request/service_request_id") == case.number
    assert root.findtext("request/service_notice")
    assert case.grid.code == HOME["grid"] and case.latitude == 34.2605


@pytest.mark.parametrize(
    ("change", "status", "says"),
    [
        ({"api_key": None}, 403, "api_key"),
        ({"api_key": "o311_deadbeef_wrong"}, 403, "api_key"),
        ({"api_key": "not-a-key"}, 403, "api_key"),
        ({"service_code": None}, 400, "service_code"),
        ({"service_code": "NOPE"}, 400, "NOPE"),
        ({"address_id": None, "address_string": None}, 400, "lat/long"),
        ({"address_id": None, "lat": "34.26"}, 400, "long"),
        ({"address_id": "000000"}, 400, "address_id"),
        ({"address_id": "320303001001"}, 400, "受理区域"),
        ({"attribute[pole]": None}, 400, "attribute[pole]"),
        ({"attribute[fault]": "purple"}, 400, "attribute[fault]"),
        ({"phone": "12345"}, 400, "phone"),
        ({"jurisdiction_id": "999999"}, 404, "999999"),
    ],
)
def test_post_errors_write_nothing(world, change, status, says):
    lamp_item(world)
    _client_system, key = issued(world)
    body = lamp_post(key, **change)
    for fmt in ("json", "xml"):
        described = errors(Client().post(f"{BASE}/requests.{fmt}", body), status)
        assert any(says in d for d in described), described
    assert not Case.objects.exists()


def test_a_revoked_key_is_refused(world):
    lamp_item(world)
    client_system, key = issued(world)
    assert Client().post(f"{BASE}/requests.json", lamp_post(key)).status_code == 200
    actions.revoke_client(client=client_system, by=None)
    errors(Client().post(f"{BASE}/requests.json", lamp_post(key)), 403)
    assert actions.authenticate(key) is None
    assert Case.objects.count() == 1


def test_post_needs_no_csrf_token(world):
    lamp_item(world)
    _client_system, key = issued(world)
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(f"{BASE}/requests.json", lamp_post(key)).status_code == 200


def test_a_retry_with_the_same_idempotency_key_makes_no_second_case(world):
    lamp_item(world)
    client_system, key = issued(world)
    first = as_json(
        Client().post(f"{BASE}/requests.json", lamp_post(key), HTTP_IDEMPOTENCY_KEY="crm-4711")
    )
    again = as_json(
        Client().post(f"{BASE}/requests.json", lamp_post(key), HTTP_IDEMPOTENCY_KEY="crm-4711")
    )
    assert first == again
    case = Case.objects.get()
    assert case.external_id == "crm-4711" and case.client == client_system
    # The same key for a different request is refused; another client's key space is its own.
    changed = lamp_post(key, description="另一处路灯不亮")
    described = errors(
        Client().post(f"{BASE}/requests.json", changed, HTTP_IDEMPOTENCY_KEY="crm-4711"), 400
    )
    assert any("Idempotency-Key" in d for d in described)
    _other, other_key = issued(world, name="数字城管")
    Client().post(f"{BASE}/requests.json", lamp_post(other_key), HTTP_IDEMPOTENCY_KEY="crm-4711")
    assert Case.objects.count() == 2


# --- GET Service Requests ------------------------------------------------------------------------------


def test_requests_list_publishes_public_cases_only_without_personal_data(world):
    lamp_item(world)
    elderly = make_item(region=world.regions[COUNTY], code="ELD", status="admitted")
    _client_system, key = issued(world)
    public = as_json(Client().post(f"{BASE}/requests.json", lamp_post(key)))[0]
    personal = as_json(
        Client().post(
            f"{BASE}/requests.json",
            lamp_post(key, service_code=elderly.code, description="申请高龄津贴，身份证号码见材料"),
        )
    )[0]
    assert not Case.objects.get(client__isnull=False, service_item=elderly).is_public
    response = Client().get(f"{BASE}/requests.json")
    body = as_json(response)
    validate(body, "requests.json")
    assert [r["service_request_id"] for r in body] == [public["service_request_id"]]
    text = response.content.decode()
    for personal_data in ("张三", "13912345678", "幸福路 8 号", "高龄津贴"):
        assert personal_data not in text
    request = body[0]
    assert request["status"] == "open" and request["status_notes"] == "待受理"
    assert request["service_code"] == "LAMP" and request["service_name"] == "路灯故障"
    assert request["description"] == "幸福路口路灯整夜不亮"
    assert request["agency_responsible"] is None and request["expected_datetime"] is None
    assert LOCAL_TIME.match(request["requested_datetime"])
    assert "media_url" not in request
    # Never listed, not even by number, and not on its own.
    number = personal["service_request_id"]
    assert as_json(Client().get(f"{BASE}/requests.json?service_request_id={number}")) == []
    errors(Client().get(f"{BASE}/requests/{number}.json"), 404)
    root = xml(Client().get(f"{BASE}/requests.xml"))
    assert root.tag == "service_requests"
    assert [r.findtext("service_request_id") for r in root.findall("request")] == [
        public["service_request_id"]
    ]
    assert "张三" not in Client().get(f"{BASE}/requests.xml").content.decode()


def test_requests_show_progress_and_map_statuses_to_open_and_closed(world):
    dispatched = public_case(world, description="楼道灯坏了")
    rejected = public_case(world, description="重复反映")
    elsewhere = public_case(world, community="320303001001", description="外区的事")
    handling.accept(case=dispatched, by=world.users["community_staff"])
    handling.dispatch(case=dispatched, by=world.users["township_staff"], lead=world.units[COUNTY])
    handling.reject(case=rejected, by=world.users["community_staff"], reason="已在处理")
    body = as_json(Client().get(f"{BASE}/requests.json"))
    validate(body, "requests.json")
    by_number = {r["service_request_id"]: r for r in body}
    assert set(by_number) == {dispatched.number, rejected.number, elsewhere.number}
    shown = by_number[dispatched.number]
    dispatched.refresh_from_db()
    assert shown["status"] == "open" and shown["status_notes"] == "已派遣"
    assert shown["agency_responsible"] == world.units[COUNTY].name
    assert shown["expected_datetime"] == calendar.localtime(dispatched.due_at).isoformat(
        timespec="seconds"
    )
    assert shown["service_code"] == "environment" and shown["service_name"] == "环境卫生"
    assert shown["lat"] == 34.26 and shown["long"] == 117.18
    assert LOCAL_TIME.match(shown["updated_datetime"])
    closed = by_number[rejected.number]
    assert closed["status"] == "closed" and closed["status_notes"] == "不予受理"
    for status, expected in (
        ("open", {dispatched.number, elsewhere.number}),
        ("closed", {rejected.number}),
        ("open,closed", {dispatched.number, rejected.number, elsewhere.number}),
    ):
        found = as_json(Client().get(f"{BASE}/requests.json?status={status}"))
        assert {r["service_request_id"] for r in found} == expected, status
    county = as_json(Client().get(f"{BASE}/requests.json?jurisdiction_id={COUNTY}"))
    assert {r["service_request_id"] for r in county} == {dispatched.number, rejected.number}
    coded = as_json(Client().get(f"{BASE}/requests.json?service_code=environment,LAMP"))
    assert len(coded) == 3
    assert as_json(Client().get(f"{BASE}/requests.json?service_code=LAMP")) == []
    both = f"{dispatched.number},{elsewhere.number}"
    listed = as_json(Client().get(f"{BASE}/requests.json?service_request_id={both}&status=closed"))
    assert {r["service_request_id"] for r in listed} == {dispatched.number, elsewhere.number}
    root = xml(Client().get(f"{BASE}/requests.xml?status=closed"))
    assert root.findtext("request/status") == "closed"
    assert root.find("request/agency_responsible") is not None


def test_the_default_and_largest_window_is_90_days(world):
    now = calendar.now()
    with calendar.frozen_time(now - timedelta(days=100)):
        old = public_case(world, description="一百天前")
    with calendar.frozen_time(now - timedelta(days=80)):
        recent = public_case(world, description="八十天前")
    listed = as_json(Client().get(f"{BASE}/requests.json"))
    assert [r["service_request_id"] for r in listed] == [recent.number]
    start = calendar.localtime(now - timedelta(days=120)).isoformat(timespec="seconds")
    end = calendar.localtime(now - timedelta(days=40)).isoformat(timespec="seconds")
    window = Client().get(f"{BASE}/requests.json", {"start_date": start, "end_date": end})
    assert {r["service_request_id"] for r in as_json(window)} == {old.number, recent.number}
    # Only an end: the 90 days before it; only a start: the 90 days after it.
    before = calendar.localtime(now - timedelta(days=90)).isoformat(timespec="seconds")
    found = as_json(Client().get(f"{BASE}/requests.json", {"end_date": before}))
    assert [r["service_request_id"] for r in found] == [old.number]
    found = as_json(Client().get(f"{BASE}/requests.json", {"start_date": before}))
    assert [r["service_request_id"] for r in found] == [recent.number]
    # A number overrides the window.
    by_number = as_json(Client().get(f"{BASE}/requests.json?service_request_id={old.number}"))
    assert [r["service_request_id"] for r in by_number] == [old.number]
    too_long = calendar.localtime(now - timedelta(days=135)).isoformat(timespec="seconds")
    described = errors(
        Client().get(f"{BASE}/requests.json", {"start_date": too_long, "end_date": end[:10]}),
        400,
    )
    assert "90" in described[0]
    errors(Client().get(f"{BASE}/requests.xml", {"start_date": end, "end_date": start}), 400)


@pytest.mark.parametrize(
    "query",
    ["start_date=yesterday", "end_date=2025-13-01", "status=pending", "service_request_id=12345"],
)
def test_invalid_list_arguments_are_400(world, query):
    for fmt in ("json", "xml"):
        errors(Client().get(f"{BASE}/requests.{fmt}?{query}"), 400)


def test_the_list_stops_at_1000(world, monkeypatch):
    from shequ.cases.queries import open311 as queries

    monkeypatch.setattr(queries, "MAX_RESULTS", 3)
    for n in range(5):
        public_case(world, description=f"第{n}件")
    assert len(as_json(Client().get(f"{BASE}/requests.json"))) == 3


def test_requests_list_costs_the_same_queries_for_2_and_20_cases(
    world, django_assert_max_num_queries
):
    for _ in range(2):
        case = public_case(world)
    handling.accept(case=case, by=world.users["community_staff"])
    handling.dispatch(case=case, by=world.users["township_staff"], lead=world.units[COUNTY])
    with CaptureQueriesContext(connection) as two:
        assert len(as_json(Client().get(f"{BASE}/requests.json"))) == 2
    for _ in range(18):
        case = public_case(world)
        handling.accept(case=case, by=world.users["community_staff"])
        handling.dispatch(case=case, by=world.users["township_staff"], lead=world.units[COUNTY])
    with django_assert_max_num_queries(len(two)):
        response = Client().get(f"{BASE}/requests.json")
    assert len(as_json(response)) == 20
    with django_assert_max_num_queries(len(two)):
        assert len(xml(Client().get(f"{BASE}/requests.xml")).findall("request")) == 20


def test_one_request_in_both_formats(world):
    case = public_case(world)
    body = as_json(Client().get(f"{BASE}/requests/{case.number}.json"))
    validate(body, "requests.json")
    assert len(body) == 1 and body[0]["service_request_id"] == case.number
    assert "李四" not in json.dumps(body, ensure_ascii=False)
    root = xml(Client().get(f"{BASE}/requests/{case.number}.xml"))
    assert root.tag == "service_requests"
    assert root.findtext("request/service_request_id") == case.number
    assert root.findtext("request/description") == "小区门口垃圾堆积三天无人清运"
    # A control character typed into a description would make the XML unreadable: it is dropped.
    odd = public_case(world, description="井盖\x0b缺失\n请处理")
    root = xml(Client().get(f"{BASE}/requests/{odd.number}.xml"))
    assert root.findtext("request/description") == "井盖缺失\n请处理"


def test_unknown_or_private_request_is_404(world):
    case = public_case(world)
    private = public_case(world, is_public=False)
    wrong_digit = case.number[:-1] + str((int(case.number[-1]) + 1) % 10)
    wrong_day = "991231" + case.number[6:-1]
    from shequ.cases.numbers import luhn_digit

    for number in (private.number, wrong_digit, wrong_day + luhn_digit(wrong_day), "nonsense"):
        for fmt in ("json", "xml"):
            errors(Client().get(f"{BASE}/requests/{number}.{fmt}"), 404)


# --- Keys: actions -------------------------------------------------------------------------------------


def test_only_a_hash_of_the_key_is_kept_and_use_is_stamped_once_a_minute(world):
    client_system, key = issued(world)
    assert key.startswith(f"o311_{client_system.prefix}_")
    stored = Open311Client.objects.get()
    assert key not in (stored.key_hash, stored.prefix) and len(stored.key_hash) == 64
    with calendar.frozen_time("2025-03-03 10:00") as clock:
        assert actions.authenticate(key) == client_system
        first = Open311Client.objects.get().last_used_at
        clock.tick(timedelta(seconds=30))
        actions.authenticate(key)
        assert Open311Client.objects.get().last_used_at == first
        clock.tick(timedelta(seconds=31))
        actions.authenticate(key)
        assert Open311Client.objects.get().last_used_at > first
    assert actions.authenticate(key[:-1] + ("A" if key[-1] != "A" else "B")) is None
    assert actions.authenticate("") is None
    assert set(AuditEvent.objects.values_list("action", flat=True)) >= {
        "cases.open311_issue_client"
    }


def test_issue_refuses_a_duplicate_name_and_a_place_outside_the_jurisdiction(world):
    from django.core.exceptions import PermissionDenied, ValidationError

    issued(world)
    with pytest.raises(ValidationError):
        issued(world)
    with pytest.raises(ValidationError):
        actions.issue_client(name=" ", region=world.regions[COUNTY], by=None)
    township_admin = world.users["community_staff"]
    with pytest.raises(PermissionDenied):
        actions.issue_client(name="X", region=world.regions[COUNTY], by=township_admin)
    assert Open311Client.objects.count() == 1


def test_a_client_files_only_into_its_region(world):
    lamp_item(world, region="320300")
    _client_system, key = issued(world, region="320303")
    described = errors(Client().post(f"{BASE}/requests.json", lamp_post(key)), 400)
    assert any("受理区域" in d for d in described)
    ok = Client().post(f"{BASE}/requests.json", lamp_post(key, address_id="320303001001"))
    assert ok.status_code == 200 and Case.objects.get().region.code == "320303001001"


# --- Keys: staff pages ---------------------------------------------------------------------------------


def security_admin(world: World) -> Client:
    client = Client()
    verify_second_factor(client, world.users["security_admin"])
    return client


def test_security_admin_issues_a_key_shown_once_and_revokes_it(world):
    lamp_item(world)
    admin = security_admin(world)
    form = html(admin.get("/cases/open311-clients/new/"))
    assert 'for="id_name"' in form and 'for="id_region"' in form
    response = admin.post(
        "/cases/open311-clients/new/",
        {"name": "12345 热线", "region": world.regions[COUNTY].pk, "contact": "值班室"},
    )
    page = html(response)
    assert response["Cache-Control"] == "no-store"
    key = re.search(r'value="(o311_[^"]+)"', page)[1]  # type: ignore[index]
    client_system = Open311Client.objects.get()
    assert client_system.created_by == world.users["security_admin"]
    listing = html(admin.get("/cases/open311-clients/"))
    assert "12345 热线" in listing and "值班室" in listing and key not in listing
    assert f"o311_{client_system.prefix}_" in listing and "有效" in listing
    assert Client().post(f"{BASE}/requests.json", lamp_post(key)).status_code == 200
    revoked = admin.post(f"/cases/open311-clients/{client_system.pk}/revoke/", follow=True)
    assert "已吊销" in html(revoked)
    errors(Client().post(f"{BASE}/requests.json", lamp_post(key)), 403)
    assert AuditEvent.objects.filter(action="cases.open311_revoke_client").count() == 1


def test_bad_input_on_the_issue_page_writes_nothing(world):
    admin = security_admin(world)
    issued(world, name="数字城管")
    for data, says in (
        ({"name": "", "region": world.regions[COUNTY].pk}, "这个字段是必填项"),
        ({"name": "数字城管", "region": world.regions[COUNTY].pk}, "已有同名的对接系统"),
        ({"name": "新系统", "region": world.regions[HOME["community"]].pk}, "选择一个有效的选项"),
    ):
        page = html(admin.post("/cases/open311-clients/new/", data))
        assert says in page, says
    assert Open311Client.objects.count() == 1


def test_other_roles_cannot_manage_keys(world):
    client_system, _key = issued(world)
    for role in ("community_staff", "county_official", "system_admin", "resident"):
        user = world.users[role]
        client = Client()
        verify_second_factor(client, user)
        assert client.get("/cases/open311-clients/").status_code == 403, role
        assert client.post(f"/cases/open311-clients/{client_system.pk}/revoke/").status_code == 403
    assert Client().get("/cases/open311-clients/").status_code == 302
    assert Open311Client.objects.get().revoked_at is None


def test_client_list_costs_the_same_queries_for_2_and_20_clients(
    world, django_assert_max_num_queries
):
    admin = security_admin(world)
    for n in range(2):
        issued(world, name=f"系统{n}")
    with CaptureQueriesContext(connection) as two:
        assert html(admin.get("/cases/open311-clients/")).count("o311_") == 2
    for n in range(2, 20):
        client_system, _key = issued(world, name=f"系统{n}")
    actions.revoke_client(client=client_system, by=None)
    with django_assert_max_num_queries(len(two)):
        page = html(admin.get("/cases/open311-clients/"))
    assert page.count("o311_") == 20 and "已吊销" in page


# --- The command line ----------------------------------------------------------------------------------


def test_cli_prints_a_working_key_and_nothing_personal(world, capsys):
    """``shequ open311-key create`` is the ``open311_key`` management command (``cli`` passes it
    through, see the help test); called in-process here, since Django's command runner closes the
    database connection when it returns."""
    from django.core.management import CommandError, call_command

    lamp_item(world)
    call_command(
        "open311_key", "create", "网格化平台", "--region", COUNTY, "--contact", "王五 13800000000"
    )
    out, err = capsys.readouterr()
    key = out.strip()
    assert re.fullmatch(r"o311_[0-9a-f]{8}_[\w-]+", key), out
    assert "王五" not in out + err and "13800000000" not in out + err
    client_system = actions.authenticate(key)
    assert client_system is not None and client_system.name == "网格化平台"
    assert (
        client_system.region == world.regions[COUNTY]
        and client_system.contact == "王五 13800000000"
    )
    assert Client().post(f"{BASE}/requests.json", lamp_post(key)).status_code == 200
    # Without --region: the whole territory.
    call_command("open311_key", "create", "全市系统")
    assert Open311Client.objects.get(name="全市系统").region.code == HOME["city"]
    capsys.readouterr()
    with pytest.raises(CommandError, match="999999"):
        call_command("open311_key", "create", "另一个", "--region", "999999")
    assert not Open311Client.objects.filter(name="另一个").exists()


def test_cli_help_names_the_command(capsys):
    from shequ import cli

    with pytest.raises(SystemExit) as done:
        cli.main(["--help"])
    assert done.value.code == 0 and "open311-key" in capsys.readouterr().out
