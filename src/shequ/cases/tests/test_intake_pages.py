"""The intake pages over HTTP: the window (一窗受理 / 代办) with its duplicate check and receipt, the grid
worker's report from the phone, the routing table, and the approval and callback queues."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from PIL import ExifTags, Image

from shequ.accounts import actions as accounts_actions
from shequ.accounts.models import HandlingUnit, Role
from shequ.cases import actions as catalogue_actions
from shequ.cases.actions import handling, ratings
from shequ.cases.actions.intake import Intake, submit_case
from shequ.cases.actions.routing import set_routing_rule
from shequ.cases.kiosk import kiosk_terminal, kiosk_token
from shequ.cases.models import (
    ApprovalStatus,
    Callback,
    Case,
    CaseApproval,
    CasePhoto,
    CaseStatus,
    IdempotencyRecord,
    RoutingRule,
)
from shequ.cases.numbers import grouped
from shequ.cases.tests.factories import make_item
from shequ.core import images
from shequ.core.audit import AuditEvent
from tests.pages import client_for, html
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db

GRID_1, GRID_2 = HOME["grid"], HOME["community"] + "002"
CENTRE_1, CENTRE_2 = (34.2600, 117.1800), (34.3000, 117.2500)


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> Any:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def world() -> World:
    world = build_world()
    for code, (lat, lng) in ((GRID_1, CENTRE_1), (GRID_2, CENTRE_2)):
        grid = world.grids[code]
        grid.centre_lat, grid.centre_lng = lat, lng
        grid.save(update_fields=["centre_lat", "centre_lng"])
    return world


def _jpeg(size: tuple[int, int] = (64, 48), *, exif: Any = None, noise: bool = False) -> bytes:
    image = Image.effect_noise(size, 80).convert("RGB") if noise else Image.new("RGB", size, "red")
    out = io.BytesIO()
    image.save(out, "JPEG", **({"exif": exif} if exif is not None else {}))
    return out.getvalue()


def _upload(content: bytes | None = None, name: str = "scene.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content or _jpeg(), content_type="image/jpeg")


def _token(client: Client, url: str) -> str:
    body = html(client.get(url))
    match = re.search(r'name="form_token" value="([^"]+)"', body)
    assert match, "the form carries a one-time token"
    return match.group(1)


def _intake_form(world: World, token: str, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "form_token": token,
        "channel": "window",
        "kind": "complaint",
        "category": "environment",
        "priority": "normal",
        "community": str(world.regions[HOME["community"]].pk),
        "grid": "",
        "address": "幸福路 8 号",
        "latitude": "",
        "longitude": "",
        "title": "",
        "description": "楼道堆放杂物，影响通行",
        "requester_name": "张三",
        "requester_phone": "13912345678",
        "proxy_name": "",
    }
    data.update(overrides)
    return data


def _nothing_written(media: Any) -> None:
    assert Case.objects.count() == 0
    assert CasePhoto.objects.count() == 0
    assert IdempotencyRecord.objects.count() == 0
    assert not AuditEvent.objects.filter(action="cases.submit").exists()
    assert not any(p.is_file() for p in media.rglob("*"))


# --- 一窗受理 / 代办 ----------------------------------------------------------------------------------


def test_proxy_intake_for_someone_without_an_account_makes_one_case_with_its_number(
    world: World,
) -> None:
    community = world.regions[HOME["community"]]
    item = make_item(
        region=community, code="ELD-1", status="admitted", channels=["window", "proxy"]
    )
    client = client_for(world.users["community_staff"])
    url = reverse("cases:intake")
    token = _token(client, f"{url}?item={item.pk}")
    response = client.post(
        url,
        _intake_form(
            world,
            token,
            channel="proxy",
            kind="service_request",
            category="",
            service_item=str(item.pk),
            description="老人行动不便，由女儿代办高龄津贴申领",
            requester_name="王秀英",
            requester_phone="139 1234 5678",
            proxy_name="李丽",
        ),
    )
    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:receipt", kwargs={"case_id": case.pk})
    assert case.channel == "proxy" and case.requester is None and case.proxy_name == "李丽"
    assert case.service_item == item and case.entered_by == world.users["community_staff"]
    assert case.requester_phone == "13912345678"

    body = html(client.get(response["Location"]))
    assert grouped(case.number) in body and "shequ-case-number" in body
    assert "居民身份证" in body and "5 工作日" in body  # 一次告知: materials and the time limit
    assert "13912345678" not in body and "139****5678" in body  # masked on a staff page
    assert "王秀英" not in body

    # Stored encrypted: neither the phone digits nor the name are in the table.
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM cases_case")
        raw = repr(cursor.fetchall())
    assert "13912345678" not in raw and "王秀英" not in raw


def test_an_abolished_certificate_is_answered_and_no_case_is_made(world: World, media: Any) -> None:
    community = world.regions[HOME["community"]]
    catalogue_actions.add_abolished_certificate(
        region=community,
        name="居住证明",
        reason="凭不动产权证或租赁合同即可办理，社区不再开具。",
        keywords="住址证明",
        by=None,
    )
    client = client_for(world.users["community_staff"])
    url = reverse("cases:intake")
    response = client.post(
        url,
        _intake_form(
            world,
            _token(client, url),
            kind="service_request",
            category="certification",
            description="孩子入学需要社区开具住址证明",
        ),
    )
    body = html(response)
    assert response.status_code == 200
    assert "shequ-abolished" in body and "“居住证明”已取消" in body
    assert "凭不动产权证或租赁合同即可办理" in body and "本次没有登记工单" in body
    _nothing_written(media)


def _draft_item(world: World) -> Any:
    return make_item(region=world.regions[HOME["community"]], code="ELD-DRAFT")


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("unknown_item", "所选服务事项不存在或尚未准入"),
        ("draft_item", "所选服务事项不存在或尚未准入"),
        ("no_place", "请选择诉求所在的村(社区)。"),
        ("other_county", "选择一个有效的选项"),
        ("html_only", "请填写此项。"),
        ("not_an_image", "“notes.txt”不是可识别的图片"),
        ("bad_phone", "手机号"),
    ],
)
def test_bad_intake_input_gives_a_clear_message_and_writes_nothing(
    world: World, media: Any, case: str, message: str
) -> None:
    client = client_for(world.users["community_staff"])
    url = reverse("cases:intake")
    overrides: dict[str, Any] = {
        "unknown_item": {"service_item": "999999", "kind": "service_request"},
        "draft_item": {"service_item": str(_draft_item(world).pk) if case == "draft_item" else ""},
        "no_place": {"community": ""},
        "other_county": {"community": str(world.regions["320303001001"].pk)},
        "html_only": {"description": "<img src=x onerror=alert(1)><script></script>"},
        "not_an_image": {
            "photos": [SimpleUploadedFile("notes.txt", b"hello, not a photo", "text/plain")]
        },
        "bad_phone": {"requester_phone": "12345"},
    }[case]
    response = client.post(url, _intake_form(world, _token(client, url), **overrides))
    body = html(response)
    assert response.status_code == 200
    assert message in body
    _nothing_written(media)


def test_oversize_photo_gets_our_message_not_an_upload_crash(world: World, media: Any) -> None:
    """A photo over the limit reaches the action (file data is streamed, not counted against the
    request-body limit), which refuses it by size; scaled down here from 50 MB."""
    big = _jpeg() + b"\0" * (1100 * 1024)
    client = client_for(world.users["community_staff"])
    url = reverse("cases:intake")
    token = _token(client, url)
    with override_settings(
        SHEQU_PHOTO_MAX_BYTES=1024 * 1024,
        DATA_UPLOAD_MAX_MEMORY_SIZE=64 * 1024,
        FILE_UPLOAD_MAX_MEMORY_SIZE=64 * 1024,
    ):
        response = client.post(url, _intake_form(world, token, photos=[_upload(big)]))
    body = html(response)
    assert response.status_code == 200
    assert "“scene.jpg”太大（1 MB），照片不能超过 1 MB。" in body
    _nothing_written(media)


def test_default_photo_limit_is_below_fifty_megabytes() -> None:
    assert images.max_bytes() < 50 * 1024 * 1024


def test_html_in_the_description_is_stripped_and_escaped(world: World) -> None:
    client = client_for(world.users["community_staff"])
    url = reverse("cases:intake")
    response = client.post(
        url,
        _intake_form(
            world,
            _token(client, url),
            title="<b>路灯</b>不亮",
            description="<script>alert(1)</script>路灯<b>不亮</b>",
        ),
    )
    case = Case.objects.get()
    assert case.title == "路灯不亮" and case.description == "alert(1)路灯不亮"
    body = html(client.get(response["Location"]))
    assert "<script>alert" not in body and "<b>路灯" not in body


def test_a_double_submitted_form_makes_one_case_and_shows_the_first(world: World) -> None:
    client = client_for(world.users["community_staff"])
    url = reverse("cases:intake")
    data = _intake_form(world, _token(client, url), latitude="34.2601", longitude="117.1801")
    first = client.post(url, data)
    second = client.post(url, data)
    case = Case.objects.get()
    receipt = reverse("cases:receipt", kwargs={"case_id": case.pk})
    assert first["Location"] == receipt and second["Location"] == receipt
    body = html(client.get(receipt))
    assert "这份表单已经提交过，没有重复登记" in body and grouped(case.number) in body


def test_a_form_without_a_valid_token_is_not_saved(world: World, media: Any) -> None:
    client = client_for(world.users["community_staff"])
    response = client.post(reverse("cases:intake"), _intake_form(world, "short"))
    body = html(response)
    assert "表单已失效" in body
    assert re.search(r'name="form_token" value="[A-Za-z0-9_-]{16,}"', body)
    _nothing_written(media)


def test_likely_duplicates_are_listed_before_saving(world: World) -> None:
    desk = world.users["community_staff"]
    existing = submit_case(
        Intake(
            channel="window",
            kind="complaint",
            category="environment",
            description="垃圾桶满溢",
            region=world.regions[HOME["community"]],
            requester_name="赵六",
            requester_phone="13800000000",
            latitude=34.2600,
            longitude=117.1800,
        ),
        by=desk,
    )
    client = client_for(desk)
    nearby = client.get(
        reverse("cases:intake_nearby"),
        {"category": "environment", "latitude": "34.2610", "longitude": "117.1805"},
        headers={"HX-Request": "true"},
    )
    assert grouped(existing.number) in html(nearby)
    far = client.get(
        reverse("cases:intake_nearby"),
        {"category": "environment", "latitude": "34.2650", "longitude": "117.1850"},
    )
    assert grouped(existing.number) not in html(far)

    url = reverse("cases:intake")
    data = _intake_form(world, _token(client, url), latitude="34.2610", longitude="117.1805")
    check = client.post(url, data)
    body = html(check)
    assert check.status_code == 200 and grouped(existing.number) in body
    assert "仍作为新诉求提交" in body and Case.objects.count() == 1
    confirmed = client.post(url, {**data, "confirm_new": "on"})
    assert confirmed.status_code == 302 and Case.objects.count() == 2


def test_item_attributes_are_asked_and_stored(world: World) -> None:
    community = world.regions[HOME["community"]]
    item = make_item(
        region=community,
        code="ELD-ATTR",
        status="admitted",
        attributes=[
            {
                "code": "bank",
                "datatype": "singlevaluelist",
                "required": True,
                "description": "发放方式",
                "values": [{"key": "card", "name": "社保卡"}, {"key": "cash", "name": "现金"}],
            },
            {"code": "age", "datatype": "number", "required": False, "description": "年龄"},
        ],
    )
    client = client_for(world.users["community_staff"])
    url = reverse("cases:intake")
    page = html(client.get(url, {"item": item.pk}))
    assert "发放方式" in page and "社保卡" in page and "居民身份证" in page
    token = re.search(r'name="form_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    base = _intake_form(
        world, token, kind="service_request", category="", service_item=str(item.pk)
    )
    missing = html(client.post(url, base))
    assert 'id="id_attribute_bank_error"' in missing and Case.objects.count() == 0
    wrong = client.post(url, {**base, "attribute_bank": "card", "attribute_age": "八十"})
    assert "“年龄”应为数字。" in html(wrong) and Case.objects.count() == 0
    client.post(url, {**base, "attribute_bank": "card", "attribute_age": "82"})
    case = Case.objects.get()
    assert case.attributes == {"bank": "card", "age": 82.0}


def test_a_resident_account_is_linked_by_phone(world: World) -> None:
    resident = world.users["resident"]
    client = client_for(world.users["community_staff"])
    url = reverse("cases:intake")
    unknown = client.post(
        url,
        _intake_form(world, _token(client, url), requester_phone="13700000000", link_account="on"),
    )
    assert "没有找到使用该手机号注册的居民账号" in html(unknown) and not Case.objects.exists()
    client.post(
        url,
        _intake_form(world, _token(client, url), requester_phone="19900000001", link_account="on"),
    )
    assert Case.objects.get().requester == resident


def test_intake_offers_only_places_in_the_jurisdiction(world: World) -> None:
    body = html(client_for(world.users["community_staff"]).get(reverse("cases:intake")))
    assert "【320302001001】" in body and "【320303001001】" not in body
    assert client_for(world.users["unit_handler"]).get(reverse("cases:intake")).status_code == 403


# --- 自助终端设置 -------------------------------------------------------------------------------------

KIOSK_LABEL = "万通社区便民服务大厅 1号机"


def _kiosk_url(body: str) -> str:
    match = re.search(r'id="kiosk-url" type="text" value="([^"]+)"', body)
    assert match, "the page shows the terminal's URL"
    return match.group(1)


def test_kiosk_setup_offers_only_communities_in_the_jurisdiction(world: World) -> None:
    url = reverse("cases:kiosk_setup")
    desk = html(client_for(world.users["community_staff"]).get(url))
    assert "【320302001001】" in desk and "【320302001201】" not in desk
    assert "【320303001001】" not in desk and "【320302002001】" not in desk
    township = html(client_for(world.users["township_staff"]).get(url))
    assert "【320302001001】" in township and "【320302001201】" in township
    assert "【320303001001】" not in township and "【320302002001】" not in township
    for role in ("unit_handler", "county_official"):
        assert client_for(world.users[role]).get(url).status_code == 403, role


def test_kiosk_setup_shows_the_terminal_url_and_audits_it(world: World) -> None:
    staff = world.users["community_staff"]
    community = world.regions[HOME["community"]]
    response = client_for(staff).post(
        reverse("cases:kiosk_setup"),
        {"community": str(community.pk), "label": f"  {KIOSK_LABEL} "},
    )
    body = html(response)
    assert response.status_code == 200 and "终端网址" in body and KIOSK_LABEL in body
    assert "data-shequ-print" in body and "no-cache" in response["Cache-Control"]
    start = urlsplit(_kiosk_url(body))
    assert start.scheme == "http" and start.path == reverse("cases:kiosk")
    terminal = kiosk_terminal(parse_qs(start.query)["terminal"][0])
    assert terminal is not None and terminal.community == community
    assert terminal.label == KIOSK_LABEL and terminal.set_up_by == staff.pk
    event = AuditEvent.objects.get(action="cases.kiosk_setup")
    assert event.actor == staff and event.region_code == community.code
    assert event.object_repr == KIOSK_LABEL


def test_kiosk_setup_refuses_another_countys_community_and_a_blank_label(world: World) -> None:
    client = client_for(world.users["township_staff"])
    url = reverse("cases:kiosk_setup")
    elsewhere = world.regions["320303001001"]
    refused = client.post(url, {"community": str(elsewhere.pk), "label": KIOSK_LABEL})
    assert refused.status_code == 400 and "不在您的管辖范围内" in html(refused)
    blank = client.post(url, {"community": str(world.regions[HOME["community"]].pk), "label": " "})
    assert blank.status_code == 400 and "请填写终端名称" in html(blank)
    too_long = client.post(
        url, {"community": str(world.regions[HOME["community"]].pk), "label": "机" * 41}
    )
    assert too_long.status_code == 400 and "终端名称最多 40 个字" in html(too_long)
    for response in (refused, blank, too_long):
        assert 'id="kiosk-url"' not in html(response)
    assert not AuditEvent.objects.filter(action="cases.kiosk_setup").exists()
    # The action checks the place itself, whatever form calls it.
    with pytest.raises(PermissionDenied):
        kiosk_token(community=elsewhere, label=KIOSK_LABEL, by=world.users["township_staff"])


# --- 网格巡查上报 -------------------------------------------------------------------------------------


def _report_form(token: str, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "form_token": token,
        "category": "environment",
        "description": "路边井盖缺失",
        "latitude": "34.2602",
        "longitude": "117.1803",
        "grid": "",
        "result": "",
    }
    data.update(overrides)
    return data


def test_report_page_is_made_for_the_phone(world: World) -> None:
    body = html(client_for(world.users["grid_worker"]).get(reverse("cases:grid_report")))
    assert 'capture="environment"' in body and 'accept="image/*"' in body and "multiple" in body
    assert "cases/intake.js" in body and "data-shequ-locate-auto" in body
    assert (
        client_for(world.users["unit_handler"]).get(reverse("cases:grid_report")).status_code == 403
    )


def test_grid_report_with_gps_finds_the_grid(world: World) -> None:
    worker = world.users["grid_worker"]
    client = client_for(worker)
    url = reverse("cases:grid_report")
    response = client.post(url, _report_form(_token(client, url), photos=[_upload()]))
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.grid == world.grids[GRID_1] and case.kind == "grid_event"
    assert case.channel == "grid_patrol" and case.status == CaseStatus.SUBMITTED
    assert case.photos.get().stage == "reported"
    body = html(client.get(url))
    assert grouped(case.number) in body and "已上报" in body


def test_grid_report_without_a_position_says_so_and_the_grid_is_the_fallback(
    world: World, media: Any
) -> None:
    client = client_for(world.users["grid_worker"])
    url = reverse("cases:grid_report")
    response = client.post(url, _report_form(_token(client, url), latitude="", longitude=""))
    assert "没有位置：请打开手机定位" in html(response)
    _nothing_written(media)
    chosen = world.grids[GRID_1]
    client.post(
        url, _report_form(_token(client, url), latitude="", longitude="", grid=str(chosen.pk))
    )
    case = Case.objects.get()
    assert case.grid == chosen and case.latitude is None


def test_a_position_outside_the_workers_grids_is_refused(world: World, media: Any) -> None:
    client = client_for(world.users["grid_worker"])
    url = reverse("cases:grid_report")
    response = client.post(
        url, _report_form(_token(client, url), latitude="34.3001", longitude="117.2501")
    )
    assert "定位不在您负责的网格内。" in html(response)
    _nothing_written(media)


def test_resolved_on_the_spot_closes_the_case_with_its_photo(world: World) -> None:
    client = client_for(world.users["grid_worker"])
    url = reverse("cases:grid_report")
    without_photo = client.post(
        url, _report_form(_token(client, url), resolved_on_spot="on", result="已放置警示标志")
    )
    assert "就地解决需要上传处理后的现场照片" in html(without_photo)
    assert not Case.objects.exists()
    client.post(
        url,
        _report_form(
            _token(client, url),
            resolved_on_spot="on",
            result="已放置警示标志并通知养护单位",
            photos=[_upload()],
        ),
    )
    case = Case.objects.get()
    assert case.status == CaseStatus.CLOSED and case.resolved_on_spot
    assert case.result == "已放置警示标志并通知养护单位" and case.closed_at is not None
    assert list(case.photos.values_list("stage", flat=True)) == ["handled"]
    assert "已上报并就地办结" in html(client.get(url))


def test_exif_gps_is_stripped_from_a_reported_photo(world: World) -> None:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "TestPhone"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (34.0, 15.0, 36.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (117.0, 10.0, 48.0)
    original = _jpeg(exif=exif)
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(ExifTags.IFD.GPSInfo)

    client = client_for(world.users["grid_worker"])
    url = reverse("cases:grid_report")
    client.post(url, _report_form(_token(client, url), photos=[_upload(original)]))
    photo = CasePhoto.objects.get()
    with photo.image.open("rb") as stored:
        content = stored.read()
    image = Image.open(io.BytesIO(content))
    assert not image.getexif() and "exif" not in image.info
    assert b"Exif" not in content and b"TestPhone" not in content


def test_grid_report_refuses_an_oversize_photo_with_our_message(world: World, media: Any) -> None:
    client = client_for(world.users["grid_worker"])
    url = reverse("cases:grid_report")
    token = _token(client, url)
    with override_settings(SHEQU_PHOTO_MAX_BYTES=1024 * 1024):
        response = client.post(
            url, _report_form(token, photos=[_upload(_jpeg() + b"\0" * (1100 * 1024))])
        )
    assert response.status_code == 200 and "照片不能超过 1 MB" in html(response)
    _nothing_written(media)


def _report(world: World, n: int, start: int = 0) -> None:
    worker = world.users["grid_worker"]
    for i in range(start, start + n):
        submit_case(
            Intake(
                channel="grid_patrol",
                kind="grid_event",
                category="environment",
                description=f"第{i}处垃圾",
                latitude=CENTRE_1[0],
                longitude=CENTRE_1[1],
            ),
            by=worker,
        )


def test_my_recent_reports_are_the_last_ten_at_constant_cost(
    world: World, django_assert_max_num_queries: Any
) -> None:
    client = client_for(world.users["grid_worker"])
    url = reverse("cases:grid_report")
    _report(world, 2)
    with CaptureQueriesContext(connection) as two:
        assert html(client.get(url)).count("第") >= 2
    _report(world, 18, start=2)
    with django_assert_max_num_queries(len(two.captured_queries)):
        body = html(client.get(url))
    assert body.count("处垃圾") == 10, re.findall("第\\d+处垃圾", body)
    assert "第19处垃圾" in body and "第9处垃圾" not in body  # newest ten only


# --- 分拨规则 -----------------------------------------------------------------------------------------


def _manager_elsewhere(world: World) -> Any:
    user = accounts_actions.create_staff_user(
        username="head-elsewhere", full_name="外县书记", password=None
    )
    accounts_actions.assign_role(
        user=user,
        role=Role.objects.get(code="community_head"),
        region=world.regions["320303001001"],
    )
    return user


def test_routing_rules_are_created_changed_and_deleted(world: World) -> None:
    head = world.users["community_head"]
    community = world.regions[HOME["community"]]
    client = client_for(head)
    assert "还没有分拨规则" in html(client.get(reverse("cases:routing")))
    form = html(client.get(reverse("cases:routing_new")))
    assert "【320302U】" in form and "【320303U】" not in form
    response = client.post(
        reverse("cases:routing_new"),
        {
            "region": str(community.pk),
            "category": "environment",
            "unit": str(world.units["320302"].pk),
            "co_units": [str(world.units["320300"].pk)],
        },
    )
    assert response.status_code == 302
    rule = RoutingRule.objects.get()
    assert rule.unit == world.units["320302"]
    assert list(rule.co_units.all()) == [world.units["320300"]]
    assert AuditEvent.objects.filter(action="cases.routing_created").exists()
    listing = html(client.get(reverse("cases:routing")))
    assert "【320302U】" in listing and "环境卫生" in listing

    edit = reverse("cases:routing_edit", kwargs={"rule_id": rule.pk})
    assert "环境卫生" in html(client.get(edit))
    client.post(edit, {"unit": str(world.units["320300"].pk)})
    rule.refresh_from_db()
    assert rule.unit == world.units["320300"] and not rule.co_units.exists()

    delete = reverse("cases:routing_delete", kwargs={"rule_id": rule.pk})
    assert "确定删除" in html(client.get(delete)) and RoutingRule.objects.exists()
    assert client.post(delete).status_code == 302
    assert not RoutingRule.objects.exists()
    assert AuditEvent.objects.filter(action="cases.routing_removed").exists()


def test_a_rule_names_only_units_that_serve_its_place(world: World) -> None:
    county = world.regions[HOME["county"]]
    township_unit = HandlingUnit.objects.create(
        code="320302001-cg", name="街道城管科", region=world.regions[HOME["township"]]
    )
    client = client_for(world.users["county_official"])
    response = client.post(
        reverse("cases:routing_new"),
        {"region": str(county.pk), "category": "environment", "unit": str(township_unit.pk)},
    )
    assert "不负责" in html(response) and "只能选择该区域或其上级区域的单位" in html(response)
    assert not RoutingRule.objects.exists()


def test_an_outsider_cannot_see_or_change_another_countys_rule(world: World) -> None:
    rule = set_routing_rule(
        region=world.regions[HOME["community"]],
        category="environment",
        unit=world.units["320302"],
        by=world.users["community_head"],
    )
    outsider = client_for(_manager_elsewhere(world))
    assert "【320302001001】" not in html(outsider.get(reverse("cases:routing")))
    for name in ("routing_edit", "routing_delete"):
        url = reverse(f"cases:{name}", kwargs={"rule_id": rule.pk})
        assert outsider.get(url).status_code == 404
        assert outsider.post(url, {"unit": str(world.units["320303"].pk)}).status_code == 404
    rule.refresh_from_db()
    assert rule.unit == world.units["320302"]
    community_staff = client_for(world.users["community_staff"])  # no cases.manage_routing
    assert community_staff.get(reverse("cases:routing")).status_code == 403


def test_routing_list_costs_the_same_for_two_or_twenty_rules(
    world: World, django_assert_max_num_queries: Any
) -> None:
    county = world.regions[HOME["county"]]
    regions = [county, world.regions[HOME["township"]], world.regions[HOME["community"]]]
    categories = [
        "environment",
        "public_safety",
        "housing",
        "health",
        "employment",
        "other",
        "disability",
    ]
    pairs = [(r, c) for c in categories for r in regions]
    official = world.users["county_official"]

    def add(n: int, start: int) -> None:
        for region, category in pairs[start : start + n]:
            set_routing_rule(
                region=region,
                category=category,
                unit=world.units["320302"],
                co_units=[world.units["320300"]],
                by=official,
            )

    client = client_for(official)
    add(2, 0)
    with CaptureQueriesContext(connection) as two:
        client.get(reverse("cases:routing"))
    add(18, 2)
    with django_assert_max_num_queries(len(two.captured_queries)):
        body = html(client.get(reverse("cases:routing")))
    assert "共 20 条规则" in body


# --- 挂起、延期审批 -------------------------------------------------------------------------------------


def _accepted_case(world: World, title: str = "夜间施工噪音") -> Case:
    desk = world.users["community_staff"]
    case = submit_case(
        Intake(
            channel="window",
            kind="complaint",
            category="environment",
            title=title,
            description="工地夜间施工",
            region=world.regions[HOME["community"]],
            requester_name="钱七",
            requester_phone="13600000000",
        ),
        by=desk,
    )
    return handling.accept(case=case, by=desk)


def _approvals(world: World, n: int) -> list[CaseApproval]:
    desk = world.users["community_staff"]
    return [
        handling.request_approval(
            case=_accepted_case(world, f"施工噪音{i}"),
            by=desk,
            kind="extension",
            reason=f"等待配件{i}",
            extra_working_days=3,
        )
        for i in range(n)
    ]


def test_approvals_are_decided_from_the_queue(world: World) -> None:
    first, second = _approvals(world, 2)
    head = client_for(world.users["community_head"])
    body = html(head.get(reverse("cases:approvals")))
    assert grouped(first.case.number) in body and "等待配件0" in body and "3 个工作日" in body
    due_before = first.case.due_at

    decide = reverse("cases:approval_decide", kwargs={"approval_id": first.pk})
    head.post(decide, {"decision": "approve", "note": "同意延期"})
    first.refresh_from_db()
    first.case.refresh_from_db()
    assert first.status == ApprovalStatus.APPROVED and first.case.due_at > due_before

    refuse = reverse("cases:approval_decide", kwargs={"approval_id": second.pk})
    answer = html(head.post(refuse, {"decision": "refuse", "note": ""}, follow=True))
    assert "审批意见：请填写此项。" in answer and "已批准" in answer
    second.refresh_from_db()
    assert second.status == ApprovalStatus.PENDING
    queue = html(head.get(reverse("cases:approvals")))
    assert grouped(first.case.number) not in queue  # decided: gone from the queue
    assert grouped(second.case.number) in queue

    # The requester cannot approve (no cases.approve); a head elsewhere does not find it.
    assert (
        client_for(world.users["community_staff"]).get(reverse("cases:approvals")).status_code
        == 403
    )
    elsewhere = client_for(_manager_elsewhere(world))
    assert elsewhere.post(refuse, {"decision": "approve"}).status_code == 404
    assert grouped(second.case.number) not in html(elsewhere.get(reverse("cases:approvals")))


def test_approval_queue_costs_the_same_for_two_or_twenty(
    world: World, django_assert_max_num_queries: Any
) -> None:
    client = client_for(world.users["community_head"])
    _approvals(world, 2)
    with CaptureQueriesContext(connection) as two:
        client.get(reverse("cases:approvals"))
    _approvals(world, 18)
    with django_assert_max_num_queries(len(two.captured_queries)):
        body = html(client.get(reverse("cases:approvals")))
    assert "待审批 20 件" in body


# --- 差评回访 -----------------------------------------------------------------------------------------


def _bad_ratings(world: World, n: int) -> list[Callback]:
    desk = world.users["community_staff"]
    found = []
    for i in range(n):
        case = _accepted_case(world, f"路灯不亮{i}")
        handling.start_self(case=case, by=desk)
        handling.handle(case=case, by=desk, result="已更换灯泡")
        handling.verify(case=case, by=desk, passed=True)
        handling.close(case=case, by=desk)
        requester = SimpleNamespace(pk=None, follow_case_id=case.pk)
        rating = ratings.rate(case=case, requester=requester, stars=1, comment=f"又坏了{i}")
        found.append(rating.callback)
    return found


def test_callbacks_are_listed_with_their_due_time_and_recorded(world: World) -> None:
    late, on_time = _bad_ratings(world, 2)
    Callback.objects.filter(pk=late.pk).update(due_at=late.due_at - timedelta(days=3))
    client = client_for(world.users["community_staff"])
    body = html(client.get(reverse("cases:callbacks")))
    assert grouped(late.case.number) in body and "又坏了0" in body
    assert body.count("回访已超期") == 1 and "shequ-overdue" in body
    assert "136****0000" in body and "13600000000" not in body

    record = reverse("cases:callback_record", kwargs={"callback_id": on_time.pk})
    empty = html(client.post(record, {"note": "  "}, follow=True))
    assert "请填写回访情况。" in empty
    done = html(client.post(record, {"note": "已电话联系，居民同意再观察两天"}, follow=True))
    assert "回访已登记" in done
    on_time.refresh_from_db()
    assert on_time.done_at is not None and on_time.done_by == world.users["community_staff"]
    body = html(client.get(reverse("cases:callbacks")))
    assert grouped(on_time.case.number) not in body and grouped(late.case.number) in body
    assert client.post(record, {"note": "再次登记"}).status_code == 404  # no longer open

    assert (
        client_for(world.outsider)
        .post(reverse("cases:callback_record", kwargs={"callback_id": late.pk}), {"note": "x"})
        .status_code
        == 404
    )


def test_callback_queue_costs_the_same_for_two_or_twenty(
    world: World, django_assert_max_num_queries: Any
) -> None:
    client = client_for(world.users["community_staff"])
    _bad_ratings(world, 2)
    with CaptureQueriesContext(connection) as two:
        client.get(reverse("cases:callbacks"))
    _bad_ratings(world, 18)
    with django_assert_max_num_queries(len(two.captured_queries)):
        body = html(client.get(reverse("cases:callbacks")))
    assert "待回访 20 件" in body
