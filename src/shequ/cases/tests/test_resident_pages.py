"""The resident's case pages over HTTP: submitting online (materials first), my cases, the public
timeline, confirming and rating, following a case by number with an SMS code, and the kiosk."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from html import escape, unescape
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from shequ.accounts import actions as account_actions
from shequ.cases import actions as catalog_actions
from shequ.cases.actions import handling
from shequ.cases.actions.intake import Intake, submit_case, submit_once
from shequ.cases.kiosk import CASES_PER_HOUR
from shequ.cases.models import Callback, Case, CaseStatus, Channel, IdempotencyRecord
from shequ.cases.numbers import grouped
from shequ.cases.tests.factories import make_item
from shequ.core import calendar
from shequ.core.models import Delivery
from tests.pages import client_for, html
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db

COMMUNITY = HOME["community"]
FOLLOW_PHONE = "13912345678"
ATTRIBUTES = [
    {
        "code": "payout",
        "description": "发放方式",
        "datatype": "singlevaluelist",
        "required": True,
        "values": [{"key": "card", "name": "社保卡"}, {"key": "cash", "name": "现金"}],
    },
    {"code": "age", "description": "年龄", "datatype": "number", "required": False},
]


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def world() -> World:
    return build_world()


@pytest.fixture
def item(world: World) -> Any:
    return make_item(
        region=world.regions[COMMUNITY],
        code="T-ALLOWANCE",
        status="admitted",
        channels=["window", "online", "kiosk"],
        attributes=ATTRIBUTES,
        legal_basis="徐州市高龄津贴发放办法",
        fee="免费",
    )


def _photo(name: str = "scene.jpg") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), "blue").save(out, "JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def _token(body: str) -> str:
    match = re.search(r'name="token" value="([^"]+)"', body)
    assert match, "the form carries no one-time token"
    return match.group(1)


def _item_url(item: Any) -> str:
    return reverse("cases:submit_item", kwargs={"item_id": item.pk}) + f"?community={COMMUNITY}"


def _fields(token: str, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "token": token,
        "community": COMMUNITY,
        "attribute_payout": "card",
        "attribute_age": "82",
        "description": "母亲今年82岁，申请高龄津贴",
        "address": "3号楼2单元",
        "requester_phone": "19900000001",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def _submit_online(client: Client, item: Any, **overrides: Any) -> Any:
    token = _token(html(client.get(_item_url(item))))
    return client.post(_item_url(item), _fields(token, **overrides))


def _resident_case(world: World, user: Any = None, **overrides: Any) -> Case:
    values: dict[str, Any] = dict(
        channel=Channel.ONLINE,
        kind="complaint",
        category="environment",
        description="小区门口路灯不亮",
        region=world.regions[COMMUNITY],
        requester=user or world.users["resident"],
    )
    values.update(overrides)
    return submit_case(Intake(**values))


def _to_closed(world: World, case: Case) -> Case:
    desk = world.users["community_staff"]
    handling.accept(case=case, by=desk, note="已受理，马上安排")
    handling.start_self(case=case, by=desk)
    handling.handle(case=case, by=desk, result="已更换灯泡")
    handling.verify(case=case, by=desk, passed=True)
    handling.close(case=case, by=desk)
    return case


# --- Submitting online ---------------------------------------------------------------------------


def test_anonymous_is_sent_to_resident_sign_in_keeping_next(world: World, item: Any) -> None:
    response = Client().get(_item_url(item))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:resident_login") + "?next=")
    assert f"/cases/submit/{item.pk}/" in response["Location"]


def test_staff_cannot_use_the_resident_pages(world: World) -> None:
    client = client_for(world.users["community_staff"])
    assert client.get(reverse("cases:submit")).status_code == 403
    assert client.get(reverse("cases:my_cases")).status_code == 403


def test_choose_lists_the_communitys_online_items_and_the_other_kinds(
    world: World, item: Any
) -> None:
    window_only = make_item(
        region=world.regions[COMMUNITY], code="T-WINDOW", status="admitted",
        name="仅窗口事项", channels=["window"],
    )  # fmt: skip
    client = client_for(world.users["resident"])
    picker = html(client.get(reverse("cases:submit")))
    assert "请先输入您所在的村(社区)名称" in picker, "no linked record: the resident picks first"
    body = html(client.get(reverse("cases:submit") + f"?community={COMMUNITY}"))
    assert item.name in body and window_only.name not in body
    assert reverse("cases:submit_other") in body


def test_the_materials_list_comes_first_then_the_form(world: World, item: Any) -> None:
    body = html(client_for(world.users["resident"]).get(_item_url(item)))
    materials, form = body.index("一次告知：所需材料"), body.index('enctype="multipart/form-data"')
    assert materials < form
    assert body.index("居民身份证") < form and body.index("徐州市高龄津贴发放办法") < form
    assert "打印材料清单" in body and "免费" in body
    assert 'accept="image/*"' in body and "multiple" in body
    assert "发放方式" in body and 'value="19900000001"' in body, "phone defaults to the account's"


def test_submit_online_makes_one_case_with_photo_and_shows_the_number(
    world: World, item: Any
) -> None:
    client = client_for(world.users["resident"])
    token = _token(html(client.get(_item_url(item))))
    response = client.post(_item_url(item), _fields(token, photos=[_photo(), _photo("b.jpg")]))
    body = html(response)
    case = Case.objects.get()
    assert response.status_code == 200
    assert case.channel == "online" and case.kind == "service_request"
    assert case.requester == world.users["resident"] and case.service_item == item
    assert case.attributes == {"payout": "card", "age": 82.0}
    assert case.photos.count() == 2
    assert grouped(case.number) in body
    assert "受理、派遣、办理完成和办结时给您发短信" in body
    assert reverse("cases:my_case", kwargs={"case_id": case.pk}) in body


def test_a_form_sent_twice_makes_one_case_and_shows_the_first(world: World, item: Any) -> None:
    client = client_for(world.users["resident"])
    token = _token(html(client.get(_item_url(item))))
    first = html(client.post(_item_url(item), _fields(token)))
    second = html(client.post(_item_url(item), _fields(token, description="改了内容再点一次")))
    case = Case.objects.get()
    assert grouped(case.number) in first and grouped(case.number) in second
    assert "没有重复提交" in second


def test_a_token_not_issued_to_this_session_makes_nothing(world: World, item: Any) -> None:
    client = client_for(world.users["resident"])
    response = client.post(_item_url(item), _fields("forged-token"))
    assert response.status_code == 200 and "页面已过期" in html(response)
    assert not Case.objects.exists()
    assert _token(html(response)) != "forged-token", "a fresh token comes back with the form"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"description": ""}, "请填写具体情况"),
        ({"attribute_payout": ""}, "请填写“发放方式”"),
        ({"attribute_payout": "gold"}, "发放方式"),
        ({"requester_phone": "12345"}, "请输入11位中国大陆手机号码"),
        (
            {"photos": [SimpleUploadedFile("x.jpg", b"not an image", "image/jpeg")]},
            "不是可识别的图片",
        ),
        ({"community": "999999999999"}, "请先选择所在村(社区)"),
    ],
)
def test_bad_input_is_named_and_writes_nothing(
    world: World, item: Any, overrides: dict[str, Any], message: str
) -> None:
    client = client_for(world.users["resident"])
    response = _submit_online(client, item, **overrides)
    assert response.status_code == 200
    assert message in html(response)
    assert not Case.objects.exists()


def test_html_in_the_description_is_never_rendered(world: World, item: Any) -> None:
    client = client_for(world.users["resident"])
    attack = "<script>alert(1)</script><b>路灯</b>"
    again = html(_submit_online(client, item, description=attack, requester_phone="1"))
    assert "<script>alert(1)" not in again and "&lt;script&gt;" in again
    _submit_online(client, item, description=attack)
    case = Case.objects.get()
    page = html(client.get(reverse("cases:my_case", kwargs={"case_id": case.pk})))
    assert "<script>alert(1)" not in page and "<b>路灯</b>" not in page


def test_other_kinds_need_a_category_and_become_complaints_or_suggestions(world: World) -> None:
    client = client_for(world.users["resident"])
    url = reverse("cases:submit_other") + f"?community={COMMUNITY}"
    token = _token(html(client.get(url)))
    data = {"token": token, "community": COMMUNITY, "description": "楼道灯坏了",
            "requester_phone": "19900000001", "kind": "problem"}  # fmt: skip
    refused = html(client.post(url, data))
    assert "请选择类别" in refused and not Case.objects.exists()
    client.post(url, {**data, "category": "environment"})
    case = Case.objects.get()
    assert case.kind == "complaint" and case.category == "environment" and case.service_item is None


def test_an_abolished_certificate_is_answered_with_its_reason(world: World, item: Any) -> None:
    catalog_actions.add_abolished_certificate(
        region=world.regions[COMMUNITY],
        name="居住证明",
        reason="请到派出所办理居住证，社区不再开具。",
        by=None,
    )
    client = client_for(world.users["resident"])
    body = html(_submit_online(client, item, description="我要开一份居住证明"))
    assert "居住证明" in body and "请到派出所办理居住证" in body and "已经取消" in body
    assert not Case.objects.exists()


# --- My cases ------------------------------------------------------------------------------------


def _other_resident() -> Any:
    return account_actions.create_resident_user(
        phone="19900000002", full_name="居民乙", password="Resident-pass-456"
    )


def test_my_cases_lists_only_mine(world: World) -> None:
    mine = _resident_case(world, description="我家门口的垃圾")
    theirs = _resident_case(world, _other_resident(), description="别人家门口的垃圾")
    body = html(client_for(world.users["resident"]).get(reverse("cases:my_cases")))
    assert grouped(mine.number) in body and grouped(theirs.number) not in body
    assert "待受理" in body


@pytest.mark.parametrize("rows", [2, 20])
def test_my_cases_costs_the_same_whatever_its_length(
    world: World, rows: int, django_assert_max_num_queries: Any
) -> None:
    for n in range(rows):
        _resident_case(world, description=f"第{n}件事")
    client = client_for(world.users["resident"])
    client.get(reverse("cases:my_cases"))  # session warm-up
    with django_assert_max_num_queries(6):
        response = client.get(reverse("cases:my_cases"))
    assert response.status_code == 200
    assert html(response).count('href="/cases/mine/') == rows


def test_my_cases_query_count_does_not_grow(world: World) -> None:
    client = client_for(world.users["resident"])
    client.get(reverse("cases:my_cases"))  # session warm-up
    counts = []
    for rows in (2, 20):
        while Case.objects.count() < rows:
            _resident_case(world)
        with CaptureQueriesContext(connection) as queries:
            client.get(reverse("cases:my_cases"))
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_another_residents_case_and_photos_are_not_found(world: World) -> None:
    theirs = _resident_case(world, _other_resident(), photos=[_photo()])
    client = client_for(world.users["resident"])
    assert client.get(reverse("cases:my_case", kwargs={"case_id": theirs.pk})).status_code == 404
    photo = theirs.photos.get()
    url = reverse("cases:my_photo", kwargs={"case_id": theirs.pk, "photo_id": photo.pk})
    assert client.get(url).status_code == 404
    rated = client.post(
        reverse("cases:my_case", kwargs={"case_id": theirs.pk}), {"do": "rate", "stars": "5"}
    )
    assert rated.status_code == 404 and "不是用您的账号提交的" in html(rated)
    assert not theirs.ratings.exists()


def test_my_photo_is_served_only_under_its_own_case(world: World) -> None:
    mine = _resident_case(world, photos=[_photo()])
    other = _resident_case(world, description="第二件")
    photo = mine.photos.get()
    client = client_for(world.users["resident"])
    ok = client.get(reverse("cases:my_photo", kwargs={"case_id": mine.pk, "photo_id": photo.pk}))
    assert ok.status_code == 200 and ok["Content-Type"] == "image/jpeg"
    assert "no-store" in ok["Cache-Control"]
    wrong = reverse("cases:my_photo", kwargs={"case_id": other.pk, "photo_id": photo.pk})
    assert client.get(wrong).status_code == 404


def test_the_public_timeline_hides_internal_notes_and_staff_names(world: World) -> None:
    case = _resident_case(world)
    desk, township = world.users["community_staff"], world.users["township_staff"]
    handling.accept(case=case, by=desk, note="已受理，马上安排")
    handling.add_note(case=case, by=desk, note="内部备注：此人多次投诉")
    handling.dispatch(case=case, by=township, lead=world.units["320302"])
    body = html(client_for(world.users["resident"]).get(
        reverse("cases:my_case", kwargs={"case_id": case.pk})
    ))  # fmt: skip
    assert "已受理，马上安排" in body and "派遣" in body
    assert world.units["320302"].name in body and "工作人员" in body
    assert "内部备注" not in body
    assert desk.full_name not in body and township.full_name not in body


def test_withdraw_while_submitted(world: World) -> None:
    case = _resident_case(world)
    client = client_for(world.users["resident"])
    url = reverse("cases:my_case", kwargs={"case_id": case.pk})
    assert "撤回诉求" in html(client.get(url))
    response = client.post(url, {"do": "withdraw", "reason": "已自行解决"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.WITHDRAWN
    assert "撤回诉求" not in html(client.get(url))


def test_requester_confirms_or_disputes_the_result(world: World) -> None:
    case = _resident_case(world)
    desk = world.users["community_staff"]
    handling.accept(case=case, by=desk)
    handling.start_self(case=case, by=desk)
    handling.handle(case=case, by=desk, result="已更换灯泡")
    client = client_for(world.users["resident"])
    url = reverse("cases:my_case", kwargs={"case_id": case.pk})
    assert "问题已解决" in html(client.get(url))
    refused = client.post(url, {"do": "verify", "passed": "0", "note": ""})
    assert refused.status_code == 400 and "请填写此项" in html(refused)
    client.post(url, {"do": "verify", "passed": "0", "note": "灯还是不亮"})
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_PROGRESS
    handling.handle(case=case, by=desk, result="换了整套灯具")
    client.post(url, {"do": "verify", "passed": "1"})
    case.refresh_from_db()
    assert case.status == CaseStatus.VERIFIED


def test_rating_one_star_opens_a_callback_and_a_second_rating_is_refused(world: World) -> None:
    case = _to_closed(world, _resident_case(world))
    client = client_for(world.users["resident"])
    url = reverse("cases:my_case", kwargs={"case_id": case.pk})
    page = html(client.get(url))
    assert 'type="radio" name="stars" value="1"' in page and "1星 非常不满意" in page
    missing = client.post(url, {"do": "rate", "comment": "没选星"})
    assert "请选择一到五星" in html(missing)
    response = client.post(url, {"do": "rate", "stars": "1", "comment": "灯又坏了"})
    assert response.status_code == 302
    assert "一个工作日内给您打电话" in html(client.get(url))
    assert Callback.objects.filter(case=case, done_at__isnull=True).count() == 1
    again = client.post(url, {"do": "rate", "stars": "5"})
    assert again.status_code == 400 and "每次办结只能评价一次" in html(again)
    assert case.ratings.count() == 1


# --- Following a case by number ------------------------------------------------------------------


def _window_case(world: World) -> Case:
    return submit_case(
        Intake(
            channel=Channel.WINDOW,
            kind="complaint",
            category="environment",
            description="楼下烧烤油烟扰民",
            region=world.regions[COMMUNITY],
            requester_name="王大妈",
            requester_phone=FOLLOW_PHONE,
        ),
        by=world.users["community_staff"],
    )


def _send(client: Client, number: str, phone: str, capture: Any) -> Any:
    with capture(execute=True):
        return client.post(
            reverse("cases:follow"), {"step": "send", "number": number, "phone": phone}
        )


def _code(caplog: Any) -> str:
    for record in reversed(caplog.records):
        match = re.search(r"验证码是(\d{6})", record.getMessage())
        if match:
            return match.group(1)
    raise AssertionError("no follow code was sent")


def _follow_codes_sent() -> int:
    return Delivery.objects.filter(topic="cases.follow_code").count()


def test_follow_by_number_with_the_sms_code(
    world: World, settings: Any, caplog: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.SHEQU_SMS_BACKEND = "console"
    caplog.set_level("INFO")
    case = _window_case(world)
    client = Client()
    followed = reverse("cases:followed_case", kwargs={"case_id": case.pk})
    assert client.get(followed).status_code == 404
    sent = html(
        _send(client, grouped(case.number), FOLLOW_PHONE, django_capture_on_commit_callbacks)
    )
    assert "验证码短信已经发到这个手机上" in sent
    assert FOLLOW_PHONE not in caplog.text, "the full number is never logged"
    response = client.post(
        reverse("cases:follow"),
        {"step": "verify", "number": grouped(case.number), "code": _code(caplog)},
    )
    assert response.status_code == 302 and response["Location"] == followed
    body = html(client.get(followed))
    assert grouped(case.number) in body and "楼下烧烤油烟扰民" in body
    assert world.users["community_staff"].full_name not in body
    # Another case stays closed to this browser.
    other = _window_case(world)
    assert (
        client.get(reverse("cases:followed_case", kwargs={"case_id": other.pk})).status_code == 404
    )


def test_a_wrong_phone_gets_the_same_answer_and_nothing_is_sent(
    world: World, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.SHEQU_SMS_BACKEND = "database"
    case = _window_case(world)
    wrong = html(_send(Client(), case.number, "13800000000", django_capture_on_commit_callbacks))
    assert _follow_codes_sent() == 0
    right = html(_send(Client(), case.number, FOLLOW_PHONE, django_capture_on_commit_callbacks))
    assert _follow_codes_sent() == 1

    def answer(body: str) -> str:
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", body).split("<main", 1)[1]

    assert answer(wrong) == answer(right)


def test_a_mistyped_number_is_caught_by_its_check_digit(world: World) -> None:
    case = _window_case(world)
    typo = case.number[:-1] + str((int(case.number[-1]) + 1) % 10)
    response = Client().post(
        reverse("cases:follow"), {"step": "send", "number": typo, "phone": FOLLOW_PHONE}
    )
    assert "工单号不正确" in html(response)


def test_five_wrong_codes_void_the_code(
    world: World, settings: Any, caplog: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.SHEQU_SMS_BACKEND = "console"
    caplog.set_level("INFO")
    case = _window_case(world)
    client = Client()
    _send(client, case.number, FOLLOW_PHONE, django_capture_on_commit_callbacks)
    code = _code(caplog)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        refused = client.post(
            reverse("cases:follow"), {"step": "verify", "number": case.number, "code": wrong}
        )
        assert "验证码不正确或已过期" in html(refused)
    late = client.post(
        reverse("cases:follow"), {"step": "verify", "number": case.number, "code": code}
    )
    assert late.status_code == 400 and "验证码不正确或已过期" in html(late)
    assert (
        client.get(reverse("cases:followed_case", kwargs={"case_id": case.pk})).status_code == 404
    )


def test_codes_asked_too_often_are_not_sent_and_the_answer_does_not_change(
    world: World, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.SHEQU_SMS_BACKEND = "database"
    case = _window_case(world)
    first = _send(Client(), case.number, FOLLOW_PHONE, django_capture_on_commit_callbacks)
    again = _send(Client(), case.number, FOLLOW_PHONE, django_capture_on_commit_callbacks)
    wrong = _send(Client(), case.number, "13800000000", django_capture_on_commit_callbacks)
    assert Delivery.objects.filter(topic="cases.follow_code").count() == 1
    # The same page whether the code was sent, held back by the limit, or the phone was wrong:
    # a different answer would tell a prober that the number and the phone match.
    assert first.status_code == again.status_code == wrong.status_code
    assert "验证码短信已经发到这个手机上" in html(again) and "验证码短信已经发到这个手机上" in html(
        wrong
    )


def _follow(client: Client, case: Case, caplog: Any, capture: Any) -> str:
    _send(client, case.number, FOLLOW_PHONE, capture)
    client.post(
        reverse("cases:follow"), {"step": "verify", "number": case.number, "code": _code(caplog)}
    )
    return reverse("cases:followed_case", kwargs={"case_id": case.pk})


def test_a_follower_rates_and_the_session_forgets_after_thirty_minutes(
    world: World, settings: Any, caplog: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.SHEQU_SMS_BACKEND = "console"
    caplog.set_level("INFO")
    case = _window_case(world)
    _to_closed(world, case)
    client = Client()
    start = calendar.now()
    with calendar.frozen_time(start) as clock:
        url = _follow(client, case, caplog, django_capture_on_commit_callbacks)
        assert "提交评价" in html(client.get(url))
        response = client.post(url, {"do": "rate", "stars": "2", "comment": "太慢"})
        assert response.status_code == 302
        assert Callback.objects.filter(case=case).count() == 1
        clock.tick(timedelta(minutes=31))
        assert client.get(url).status_code == 404


def test_followed_photos_only_with_a_verified_session(
    world: World, settings: Any, caplog: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.SHEQU_SMS_BACKEND = "console"
    caplog.set_level("INFO")
    case = _window_case(world)
    desk = world.users["community_staff"]
    handling.accept(case=case, by=desk)
    handling.start_self(case=case, by=desk)
    handling.handle(case=case, by=desk, result="已清理", photos=[_photo()])
    photo = case.photos.get()
    photo_url = reverse("cases:followed_photo", kwargs={"case_id": case.pk, "photo_id": photo.pk})
    assert Client().get(photo_url).status_code == 404
    client = Client()
    url = _follow(client, case, caplog, django_capture_on_commit_callbacks)
    assert photo_url in html(client.get(url)) and "办理结果照片" in html(client.get(url))
    assert client.get(photo_url).status_code == 200


# --- The kiosk -------------------------------------------------------------------------------------

TERMINAL = "万通社区便民服务大厅 1号机"
UNSET = "此终端尚未设置，请联系工作人员"


def _terminal_url(world: World, label: str = TERMINAL, community: str = COMMUNITY) -> str:
    """The start URL of a terminal, as the staff setup page shows it (a path, for the test client)."""
    staff = world.users["township_staff"]
    page = client_for(staff).post(
        reverse("cases:kiosk_setup"),
        {"community": str(world.regions[community].pk), "label": label},
    )
    match = re.search(r'id="kiosk-url" type="text" value="([^"]+)"', html(page))
    assert match, "the setup page shows the terminal's URL"
    parts = urlsplit(match.group(1))
    return f"{parts.path}?{parts.query}"


def _confirm_answers(client: Client, url: str) -> dict[str, str]:
    """Everything the last step sends, with a fresh one-time token from this kiosk's session."""
    answers = {"category": "environment", "description": "垃圾桶满了没人清",
               "requester_name": "李", "requester_phone": "13812345678"}  # fmt: skip
    confirm = client.post(url, {"step": "contact", **answers})
    return {"step": "confirm", **answers, "token": _token(html(confirm))}


def test_kiosk_without_a_terminal_token_takes_no_case(world: World) -> None:
    client = Client()
    kiosk = reverse("cases:kiosk")
    for url in (kiosk, f"{kiosk}?community={COMMUNITY}", f"{kiosk}?terminal=nonsense"):
        response = client.get(url)
        body = html(response)
        assert response.status_code == 200 and UNSET in body, url
        assert 'name="step"' not in body and "<form" not in body, "no form without a terminal"
    # Naming the community in the query, as the kiosk once took it, makes no case either.
    posted = client.post(
        f"{kiosk}?community={COMMUNITY}",
        {"step": "confirm", "category": "environment", "description": "垃圾桶满了",
         "requester_name": "李", "requester_phone": "13812345678", "token": "x" * 24},
    )  # fmt: skip
    assert posted.status_code == 200 and UNSET in html(posted)
    assert not Case.objects.exists()


def test_a_tampered_or_foreign_token_is_refused(world: World) -> None:
    url = _terminal_url(world)
    client = Client()
    answers = _confirm_answers(client, url)
    token = parse_qs(urlsplit(url).query)["terminal"][0]
    other = world.regions["320303001001"]
    forged = [
        # One character of the signed value changed.
        token[:5] + ("A" if token[5] != "A" else "B") + token[6:],
        # The same payload for another county's community, signed with another salt.
        signing.dumps({"c": other.code, "l": TERMINAL, "b": 1, "t": 0}, salt="other"),
        # Signed without the kiosk's salt.
        signing.dumps({"c": other.code, "l": TERMINAL, "b": 1, "t": 0}),
    ]
    for bad in forged:
        forged_url = reverse("cases:kiosk") + "?" + urlencode({"terminal": bad})
        start = client.get(forged_url)
        assert start.status_code == 200 and UNSET in html(start)
        posted = client.post(forged_url, answers)
        assert posted.status_code == 200 and UNSET in html(posted)
    assert not Case.objects.exists()
    # The genuine token still works with the same answers.
    assert "已提交，谢谢您" in html(client.post(url, answers))
    assert Case.objects.get().region == world.regions[COMMUNITY]


def test_kiosk_flow_creates_a_case_with_channel_kiosk(world: World, item: Any) -> None:
    client = Client()
    url = _terminal_url(world)
    start = html(client.get(url))
    assert item.name in start and "环境卫生" in start and "60秒没有操作" in start
    home = re.search(r'data-shequ-kiosk-home="([^"]+)"', start)
    assert home and unescape(home.group(1)) == url, "the idle timer returns to the terminal's URL"
    describe = html(client.post(url, {"step": "what", "item": str(item.pk)}))
    assert "请说明具体情况" in describe and "一次告知：所需材料" in describe
    assert "发放方式" in describe, "the item's online fields are asked with the description"
    assert f'action="{escape(url)}"' in describe, "every step posts back to the terminal's URL"
    described = {"step": "describe", "item": str(item.pk), "description": "申请高龄津贴"}
    unanswered = client.post(url, described)
    assert unanswered.status_code == 400 and "请填写“发放方式”" in html(unanswered)
    contact = html(client.post(url, {**described, "attribute_payout": "cash"}))
    assert "请留下您的姓名和手机号" in contact
    answers = {"item": str(item.pk), "description": "申请高龄津贴", "attribute_payout": "cash",
               "requester_name": "王大爷", "requester_phone": "13812345678"}  # fmt: skip
    missing = client.post(url, {"step": "contact", **answers, "requester_phone": ""})
    assert missing.status_code == 400 and "请填写您的手机号" in html(missing)
    confirm = html(client.post(url, {"step": "contact", **answers}))
    assert "请核对后提交" in confirm and "王大爷" in confirm and "现金" in confirm
    token = _token(confirm)
    done = html(client.post(url, {"step": "confirm", **answers, "token": token}))
    case = Case.objects.get()
    assert case.channel == "kiosk" and case.service_item == item and case.requester is None
    assert case.requester_phone == "13812345678" and case.requester_name == "王大爷"
    assert case.attributes == {"payout": "cash"}
    assert grouped(case.number) in done and "按工单号查询" in done
    record = IdempotencyRecord.objects.get(case=case)
    assert record.owner == f"kiosk:{COMMUNITY}:{TERMINAL}", "the terminal's label is its namespace"
    again = html(client.post(url, {"step": "confirm", **answers, "token": token}))
    assert Case.objects.count() == 1 and grouped(case.number) in again


def test_the_community_comes_from_the_token_not_the_query(world: World) -> None:
    url = _terminal_url(world)
    elsewhere = f"{url}&community=320303001001"
    client = Client()
    start = html(client.get(elsewhere))
    assert world.regions[COMMUNITY].name in start
    assert world.regions["320303001001"].name not in start
    client.post(elsewhere, _confirm_answers(client, elsewhere))
    assert Case.objects.get().region == world.regions[COMMUNITY]


def test_kiosk_problem_report_and_going_back(world: World) -> None:
    client = Client()
    url = _terminal_url(world)
    client.get(url)
    answers = {"category": "environment", "description": "垃圾桶满了没人清"}
    back = html(client.post(url, {"step": "contact", **answers, "back": "1"}))
    assert "请说明具体情况" in back and "垃圾桶满了没人清" in back
    empty = client.post(url, {"step": "describe", "category": "environment", "description": " "})
    assert empty.status_code == 400 and "请说明具体情况。" in html(empty)
    client.post(url, _confirm_answers(client, url))
    case = Case.objects.get()
    assert case.channel == "kiosk" and case.kind == "complaint" and case.category == "environment"


def _fill_the_hour(world: World, owner: str, n: int) -> None:
    """``n`` cases made by a terminal in the last few minutes, through the same intake action."""
    for i in range(n):
        submit_once(
            Intake(channel=Channel.KIOSK, kind="complaint", category="environment",
                   description=f"第{i}件", region=world.regions[COMMUNITY],
                   requester_name="李", requester_phone="13812345678"),
            key=f"earlier-{i}", owner=owner, fingerprint="cases.web_form",
        )  # fmt: skip


def test_a_terminal_takes_at_most_thirty_cases_an_hour(world: World) -> None:
    url = _terminal_url(world)
    owner = f"kiosk:{COMMUNITY}:{TERMINAL}"
    _fill_the_hour(world, owner, CASES_PER_HOUR - 1)
    client = Client()
    last = _confirm_answers(client, url)
    assert "已提交，谢谢您" in html(client.post(url, last))
    assert Case.objects.count() == CASES_PER_HOUR == 30
    one_more = _confirm_answers(client, url)
    refused = client.post(url, one_more)
    assert refused.status_code == 400
    assert "这台终端最近一小时提交的诉求太多" in html(refused) and "请核对后提交" in html(refused)
    assert Case.objects.count() == CASES_PER_HOUR
    # The form sent again before the limit still answers with its case, not the refusal.
    assert "这份内容刚才已经提交过了" in html(client.post(url, last))
    # Another terminal of the same hall has its own hour.
    other = _terminal_url(world, label="万通社区便民服务大厅 2号机")
    assert "已提交，谢谢您" in html(client.post(other, _confirm_answers(client, other)))
    # An hour later the first terminal takes cases again.
    IdempotencyRecord.objects.filter(owner=owner).update(
        created_at=calendar.now() - timedelta(hours=1, minutes=1)
    )
    assert "已提交，谢谢您" in html(client.post(url, one_more))
    assert Case.objects.count() == CASES_PER_HOUR + 2
