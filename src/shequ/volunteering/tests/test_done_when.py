"""Issue #7's "done when", as one story through the pages on the demo: a resident registers as a
volunteer, signs up, signs in by the QR code and out, the organiser confirms the hours, the hours
appear in the time account and in the published statistics and are spent on a service; a party
member checks in and takes a resident's wish through to the resident's confirmation; the ledger
audit balances.

Everything a person does goes through the pages (the django test Client), reading what they would
read: ids and numbers come from links and text on the pages, the sign-in address from the
organiser's QR page. The platform clock (``calendar.frozen_time``) is held so that the activity can
be published and signed up for before it starts, and then be 30 minutes under way at sign-in."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from html import unescape
from typing import Any
from urllib.parse import urlparse

import pytest
from django.test import Client

from shequ.accounts.models import User
from shequ.core import calendar
from shequ.demo.generator import generate
from shequ.demo.tests.test_demo import HOME_COMMUNITY, territory  # noqa: F401 (fixture)
from shequ.volunteering.models import (
    ActivitySignUp,
    PartyMemberCheckin,
    Volunteer,
    VolunteerStatus,
    Wish,
)
from shequ.volunteering.models.timebank import TimeTransfer
from tests.pages import client_for, html

pytestmark = pytest.mark.django_db

V = "/volunteering"


def _accounts() -> dict[str, User]:
    report = generate(scale=0.05)
    return {a.role: User.objects.get(username=a.username) for a in report.accounts}


def _ok(response: Any) -> str:
    assert response.status_code == 200, (response.status_code, response.get("Location"))
    return html(response)


def _follow(client: Client, url: str, data: dict[str, Any]) -> str:
    """POST like a browser: follow the redirect and return the page shown."""
    response = client.post(url, data, follow=True)
    return _ok(response)


def _one(pattern: str, text: str) -> str:
    found = re.findall(pattern, text)
    assert found, f"{pattern!r} not on the page"
    return str(found[0])


def _text(body: str) -> str:
    """The page's text without tags, as a reader sees it (roughly)."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", body)))


def _hours_in_statistics(anonymous: Client, year: int) -> Decimal:
    page = _text(_ok(anonymous.get(f"{V}/statistics/", {"region": HOME_COMMUNITY, "period": year})))
    return Decimal(_one(r"服务时长（小时） ([\d.]+)", page))


def _balance(page: str) -> Decimal:
    return Decimal(_one(r"余额 ([-\d.]+) 小时", page))


def _request_key(body: str) -> str:
    return _one(r'name="request_key" value="([^"]+)"', body)


def test_done_when_the_whole_story_runs_through_the_pages(
    territory,  # noqa: F811
    django_capture_on_commit_callbacks,
) -> None:
    users = _accounts()
    resident, staff = users["resident"], users["community_staff"]
    member_account, party_account = users["volunteer"], users["party_member"]
    me, organiser = client_for(resident), client_for(staff)
    other, party = client_for(member_account), client_for(party_account)
    anonymous = Client()
    name = resident.resident_record.name

    start = calendar.now().replace(second=0, microsecond=0)
    year = calendar.localtime(start - timedelta(minutes=30)).year  # the activity's year
    hours_before = _hours_in_statistics(anonymous, year)

    # --- The resident registers as a volunteer; the community approves. -------------------------
    assert "注册志愿者" in _ok(me.get(f"{V}/me/"))
    page = _follow(
        me,
        f"{V}/me/register/",
        {
            "skills": ["elderly_care"],
            "availability": ["weekend", "weekday_evening"],
            "area": "community",
            "introduction": "退休教师，愿意陪老人聊天。",
        },
    )
    assert "已提交志愿者注册，请等待社区审核。" in page
    listing = _ok(organiser.get(f"{V}/volunteers/", {"q": name, "status": "pending"}))
    volunteer_id = _one(rf'href="{V}/volunteers/(\d+)/"', listing)
    page = _follow(
        organiser, f"{V}/volunteers/{volunteer_id}/decide/", {"decision": "approve", "note": ""}
    )
    assert "已审核" in page
    volunteer = Volunteer.objects.get(pk=volunteer_id)
    assert volunteer.resident_id == resident.resident_record.pk
    assert volunteer.status == VolunteerStatus.ACTIVE

    with calendar.frozen_time(start - timedelta(minutes=40)) as clock:
        # --- Staff post the activity (it starts in 10 minutes) and publish it. ------------------
        local = calendar.localtime(start)
        response = organiser.post(
            f"{V}/activities/new/",
            {
                "region": HOME_COMMUNITY,
                "title": "重阳节陪伴独居老人",
                "description": "上门陪伴、打扫卫生。",
                "place": "社区活动中心",
                "starts_at": (local - timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M"),
                "ends_at": (local + timedelta(minutes=90)).strftime("%Y-%m-%dT%H:%M"),
                "needed": "5",
                "skills": ["elderly_care"],
                "target_group": "elderly",
            },
        )
        assert response.status_code == 302, html(response)
        detail_url = response["Location"]
        code = _one(rf"^{V}/activities/([^/]+)/$", detail_url)
        page = _follow(organiser, f"{V}/activities/{code}/transition/", {"transition": "publish"})
        assert "已发布招募" in page

        # --- The resident finds it and signs up. -------------------------------------------------
        assert f"{V}/me/activities/{code}/" in _ok(me.get(f"{V}/me/activities/browse/"))
        page = _follow(me, f"{V}/me/activities/{code}/", {"do": "sign_up"})
        assert "报名成功" in page

        # --- 30 minutes after the start: sign in by the organiser's QR code. --------------------
        clock.move_to(start)
        qr_page = _ok(organiser.get(f"{V}/activities/{code}/attendance/"))
        assert "扫码签到" in qr_page and "<svg" in qr_page
        sign_in_url = urlparse(unescape(_one(r'data-attend-url="([^"]+)"', qr_page))).path
        assert sign_in_url.startswith(f"{V}/attend/")
        page = _ok(me.get(sign_in_url))
        assert "重阳节陪伴独居老人" in page and "确认签到" in page
        page = _follow(me, sign_in_url, {})
        assert "签到成功" in page

        # --- At the end: sign out the same way. --------------------------------------------------
        clock.move_to(start + timedelta(minutes=90))
        qr_page = _ok(organiser.get(f"{V}/activities/{code}/attendance/", {"mode": "out"}))
        assert "扫码签退" in qr_page
        sign_out_url = urlparse(unescape(_one(r'data-attend-url="([^"]+)"', qr_page))).path
        assert sign_out_url != sign_in_url
        assert "确认签退" in _ok(me.get(sign_out_url))
        page = _follow(me, sign_out_url, {})
        assert "签退成功，本次服务 1.50 小时" in page
        assert "已签到 1 人，已签退 1 人" in _ok(
            organiser.get(f"{V}/activities/{code}/attendance/")
        )

        # --- The organiser finishes the activity, confirms 2 hours and settles. -----------------
        page = _follow(
            organiser,
            f"{V}/activities/{code}/transition/",
            {"transition": "finish", "people_served": "6", "summary": "陪伴6位独居老人。"},
        )
        assert "活动已结束" in page
        signup_id = _one(rf"{V}/activities/{code}/roster/(\d+)/hours/", page)
        page = _follow(
            organiser, f"{V}/activities/{code}/roster/{signup_id}/hours/", {"hours": "2"}
        )
        assert f"已确认{name}的服务时长 2.00 小时" in page
        page = _follow(organiser, f"{V}/activities/{code}/transition/", {"transition": "settle"})
        assert "已确认全部时长" in page
    signup = ActivitySignUp.objects.get(pk=signup_id)
    assert signup.hours_computed == Decimal("1.50") and signup.hours_confirmed == Decimal("2.00")
    assert signup.sign_in_method == "qr" and signup.sign_out_method == "qr"

    # --- The hours are in the resident's time account, their activities, the statistics. ---------
    account_page = _text(_ok(me.get(f"{V}/me/time-account/")))
    assert _balance(account_page) == Decimal("2.00") and "+2.00 小时" in account_page
    assert "重阳节陪伴独居老人" in _ok(me.get(f"{V}/me/activities/"))
    assert _hours_in_statistics(anonymous, year) == hours_before + 2

    # --- The resident spends 1 hour on a service from another member. ----------------------------
    other_page = _text(_ok(other.get(f"{V}/me/time-account/")))
    other_number = _one(r"(SJZH\d+)", other_page)
    other_before = _balance(other_page)
    form = _ok(me.get(f"{V}/me/time-account/spend/"))
    spend = {
        "target_number": other_number,
        "hours": "1",
        "memo": "理发上门服务",
        "request_key": _request_key(form),
    }
    confirm = _ok(me.post(f"{V}/me/time-account/spend/", spend))
    masked = _one(r"([\u4e00-\u9fff]\*+[\u4e00-\u9fff]?)", _text(confirm))
    assert masked[0] == member_account.resident_record.name[0]
    page = _follow(me, f"{V}/me/time-account/spend/", {**spend, "confirmed": "True"})
    assert "已转出 1.00 小时" in page
    assert _balance(_text(_ok(me.get(f"{V}/me/time-account/")))) == Decimal("1.00")
    other_after = _balance(_text(_ok(other.get(f"{V}/me/time-account/"))))
    assert other_after == other_before + 1
    # A double click with the same key moves nothing more.
    me.post(f"{V}/me/time-account/spend/", {**spend, "confirmed": "True"})
    assert TimeTransfer.objects.filter(memo="理发上门服务").count() == 1

    # --- The party member checks in; staff confirm. ----------------------------------------------
    assert "报到" in _ok(party.get(f"{V}/me/party/"))
    page = _follow(party, f"{V}/me/party/check-in/", {"offer": "可以帮忙维修水电。"})
    assert "已提交报到，等待社区确认。" in page
    pending = _ok(organiser.get(f"{V}/party/checkins/", {"status": "pending"}))
    party_name = party_account.resident_record.name
    assert party_name in pending
    checkin_id = _one(r"/party/checkins/(\d+)/decide/", pending)
    page = _follow(organiser, f"{V}/party/checkins/{checkin_id}/decide/", {"approve": "1"})
    assert "已处理报到。" in page
    assert PartyMemberCheckin.objects.get(pk=checkin_id).status == "confirmed"

    # --- The resident posts a wish; staff open it; the party member takes and fulfils it. -------
    with django_capture_on_commit_callbacks(execute=True):
        response = me.post(
            f"{V}/me/wishes/",
            {"category": "repair", "title": "厨房水龙头漏水，想请人修一下", "description": ""},
        )
    assert response.status_code == 302, html(response)
    wish_number = _one(rf"^{V}/me/wishes/([^/]+)/$", response["Location"])
    page = _ok(me.get(response["Location"]))
    assert "心愿已提交，社区会尽快安排。" in page and "厨房水龙头漏水" in page
    assert "厨房水龙头漏水" in _ok(organiser.get(f"{V}/wishes/"))
    page = _follow(organiser, f"{V}/wishes/{wish_number}/open/", {"note": "请党员认领。"})
    assert "厨房水龙头漏水" in page

    open_list = _ok(party.get(f"{V}/me/wishes/open/"))
    assert "厨房水龙头漏水" in open_list and name not in open_list  # the name is masked
    with django_capture_on_commit_callbacks(execute=True):
        page = _follow(party, f"{V}/me/wishes/open/{wish_number}/take/", {})
    assert "认领成功" in page
    assert "您的微心愿已有人认领" in _ok(me.get("/inbox/"))
    with django_capture_on_commit_callbacks(execute=True):
        page = _follow(
            party, f"{V}/me/wishes/tasks/{wish_number}/", {"note": "已更换水龙头，试水正常。"}
        )
    assert "已提交完成情况，等待心愿人确认。" in page
    assert "您的微心愿已完成，请确认" in _ok(me.get("/inbox/"))

    # --- The resident confirms and rates. ---------------------------------------------------------
    mine = _ok(me.get(f"{V}/me/wishes/{wish_number}/"))
    assert "已更换水龙头，试水正常。" in mine
    page = _follow(
        me, f"{V}/me/wishes/{wish_number}/confirm/", {"rating": "5", "comment": "很及时，谢谢！"}
    )
    assert "感谢您的评价！" in page
    wish = Wish.objects.get(number=wish_number)
    assert wish.status == "confirmed" and wish.resident_rating == 5

    # --- The ledger audit balances. -----------------------------------------------------------------
    # The community's staff see their part of the bank; the county's official the whole of it.
    for viewer in (staff, users["county_official"]):
        audit = _text(_ok(client_for(viewer).get(f"{V}/timebank/audit/")))
        assert "每笔转账的两条流水相抵为零。" in audit
        assert "每个账户的余额与其流水合计一致。" in audit, audit
    assert "全部流水合计（小时） 0.00" in audit
    assert "全部账户合计为零：账目平衡。" in audit, audit
