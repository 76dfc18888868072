"""The staff case pages over HTTP: the inbox and its filters, the case page and every action on it
as the role that takes it, bulk dispatch, the dispatch board, a department's inbox, and case
photos."""

from __future__ import annotations

import io
import re
from datetime import datetime
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from shequ.cases import deadlines
from shequ.cases.actions import handling, ratings
from shequ.cases.actions.intake import Intake, submit_case
from shequ.cases.actions.photos import prepare_photos, store_photos
from shequ.cases.actions.sweep import sweep_deadlines
from shequ.cases.models import (
    OPEN_STATUSES,
    Callback,
    Case,
    CaseApproval,
    CaseEvent,
    CasePhoto,
    CaseStatus,
    EventKind,
    Priority,
    RoutingRule,
)
from shequ.cases.numbers import grouped
from shequ.cases.queries import cases as case_queries
from shequ.cases.views import staff as staff_views
from shequ.core import calendar
from tests.pages import client_for, html
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db

OTHER_COMMUNITY = "320303001001"
SECOND_TOWNSHIP_COMMUNITY = "320302002001"


@pytest.fixture
def world() -> World:
    return build_world()


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> Any:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _jpeg(name: str = "scene.jpg") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "blue").save(out, "JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def _submit(world: World, *, title: str = "路灯不亮", **overrides: Any) -> Case:
    """A complaint entered at the window, in the home grid unless told otherwise."""
    values: dict[str, Any] = dict(
        channel="window",
        kind="complaint",
        category="environment",
        title=title,
        description=f"{title}，已经三天了",
        grid=world.grids[HOME["grid"]],
        requester_name="张三丰",
        requester_phone="13912345678",
        address="徐州市鼓楼区示例小区3号楼2单元301",
        latitude=34.26,
        longitude=117.18,
    )
    by = overrides.pop("by", world.users["community_staff"])
    values.update(overrides)
    return submit_case(Intake(**values), by=by)


def _elsewhere(world: World, title: str = "外县工单") -> Case:
    return _submit(
        world,
        title=title,
        grid=None,
        region=world.regions[OTHER_COMMUNITY],
        latitude=None,
        longitude=None,
        by=world.outsider,
    )


def _case_url(case: Case) -> str:
    return reverse("cases:case", kwargs={"case_id": case.pk})


def _act(case: Case, action: str) -> str:
    return reverse("cases:case_act", kwargs={"case_id": case.pk, "action": action})


def _accepted(world: World, **kwargs: Any) -> Case:
    case = _submit(world, **kwargs)
    return handling.accept(case=case, by=world.users["community_staff"])


def _dispatched(world: World, **kwargs: Any) -> Case:
    case = _accepted(world, **kwargs)
    return handling.dispatch(
        case=case, by=world.users["township_staff"], lead=world.units["320302"]
    )


def _fresh(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


# --- The inbox -----------------------------------------------------------------------------------


def test_the_inbox_lists_my_territory_only_and_open_cases_by_default(world: World) -> None:
    mine = _submit(world, title="路灯不亮")
    rejected = _submit(world, title="重复反映的事")
    handling.reject(case=rejected, by=world.users["community_staff"], reason="重复")
    _elsewhere(world, title="【X320303】外县工单")
    client = client_for(world.users["community_staff"])

    default = html(client.get(reverse("cases:inbox")))
    everything = html(client.get(reverse("cases:inbox"), {"status": ""}))

    assert "路灯不亮" in default and grouped(mine.number) in default
    assert "重复反映的事" not in default and "重复反映的事" in everything
    assert "外县工单" not in everything and "【X320303】" not in everything
    assert "外县工单" in html(client_for(world.outsider).get(reverse("cases:inbox")))


def test_the_inbox_filters_by_category_kind_number_words_and_status(world: World) -> None:
    lamp = _submit(world, title="路灯不亮")
    _submit(world, title="楼道漏水", category="housing", kind="suggestion")
    accepted = _accepted(world, title="井盖缺失")
    client = client_for(world.users["community_staff"])

    def titles(**params: str) -> set[str]:
        body = html(client.get(reverse("cases:inbox"), params))
        return {t for t in ("路灯不亮", "楼道漏水", "井盖缺失") if t in body}

    assert titles() == {"路灯不亮", "楼道漏水", "井盖缺失"}
    assert titles(category="housing") == {"楼道漏水"}
    assert titles(kind="suggestion") == {"楼道漏水"}
    assert titles(q=grouped(lamp.number)) == {"路灯不亮"}
    assert titles(q="漏水") == {"楼道漏水"}
    assert titles(status="accepted") == {"井盖缺失"}
    assert titles(mine="on") == {"井盖缺失"}
    assert accepted.owner == world.users["community_staff"]
    supervisor = world.users["township_staff"]
    handling.supervise(case=accepted, by=supervisor, note="请加快")
    assert titles(supervised="on") == {"井盖缺失"}


def test_the_inbox_narrows_to_a_place_inside_the_jurisdiction_only(world: World) -> None:
    _submit(world, title="本镇工单")
    _submit(
        world,
        title="邻镇工单",
        grid=None,
        region=world.regions[SECOND_TOWNSHIP_COMMUNITY],
        by=None,
        channel="online",
        requester_name="",
        requester_phone="",
        latitude=None,
        longitude=None,
    )
    _elsewhere(world)
    client = client_for(world.users["county_official"])

    narrowed = html(client.get(reverse("cases:inbox"), {"region": SECOND_TOWNSHIP_COMMUNITY}))
    probing = html(client.get(reverse("cases:inbox"), {"region": "320303"}))

    assert "邻镇工单" in narrowed and "本镇工单" not in narrowed
    assert "外县工单" not in probing and "本镇工单" in probing
    assert f'<option value="{SECOND_TOWNSHIP_COMMUNITY}" selected>' in narrowed
    assert "320303" not in re.findall(r'<option value="(\d+)"', probing)


def test_the_inbox_filters_by_submission_date_and_shows_local_due_times(world: World) -> None:
    with calendar.frozen_time(datetime(2026, 3, 2, 8, 30)):
        early = _submit(world, title="三月二日的工单")
    with calendar.frozen_time(datetime(2026, 3, 10, 23, 30)):
        late = _submit(world, title="三月十日深夜的工单")
    client = client_for(world.users["community_staff"])

    body = html(
        client.get(
            reverse("cases:inbox"), {"submitted_from": "2026-03-10", "submitted_to": "2026-03-10"}
        )
    )
    wrong_way = html(
        client.get(
            reverse("cases:inbox"), {"submitted_from": "2026-03-10", "submitted_to": "2026-03-01"}
        )
    )

    assert "三月十日深夜的工单" in body and "三月二日的工单" not in body
    assert calendar.localtime(late.stage_due_at).strftime("%Y-%m-%d %H:%M") in body
    assert early.stage_due_at is not None
    assert "结束日期不能早于开始日期" in wrong_way


def test_overdue_and_due_soon_rows_are_coloured(world: World) -> None:
    with calendar.frozen_time(datetime(2026, 3, 2, 9, 0)) as clock:
        late = _submit(world, title="超期的工单")
        clock.move_to(datetime(2026, 3, 9, 9, 0))
        _submit(world, title="刚提交的工单")
        sweep_deadlines()
    client = client_for(world.users["community_staff"])

    body = html(client.get(reverse("cases:inbox")))
    overdue = html(client.get(reverse("cases:inbox"), {"deadline": "overdue"}))

    assert _fresh(late).deadline_state == "overdue"
    row = next(r for r in body.split("<tr ") if grouped(late.number) in r)
    assert row.startswith('class="table-danger"')
    assert "已超期" in body
    assert "超期的工单" in overdue and "刚提交的工单" not in overdue


def _measure(client: Any, url: str) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_inbox_costs_the_same_queries_for_2_and_20_rows(
    world: World, django_assert_max_num_queries: Any
) -> None:
    client = client_for(world.users["community_staff"])
    for i in range(2):
        _accepted(world, title=f"工单{i}")
    few = _measure(client, reverse("cases:inbox"))
    for i in range(18):
        _accepted(world, title=f"更多工单{i}")

    with django_assert_max_num_queries(few):
        body = html(client.get(reverse("cases:inbox")))
    assert "共 20 件" in body


# The inbox's queries, pinned: session, user, the user's roles, the places of the filter, the
# count, the page's ids, the page's rows, the unread-notification badge, and the bulk-dispatch
# form's units (once for the lead unit, once for the co-handling units). One or two more for a page
# that reaches past the cases with a running stage (``queries.cases.page_ids``); never one per row.
INBOX_QUERIES = 10


def test_the_inbox_answers_in_a_fixed_number_of_queries(
    world: World, django_assert_num_queries: Any
) -> None:
    client = client_for(world.users["community_staff"])
    for i in range(2):
        _accepted(world, title=f"工单{i}")
    client.get(reverse("cases:inbox"))

    with django_assert_num_queries(INBOX_QUERIES):
        few = html(client.get(reverse("cases:inbox")))
    for i in range(18):
        _accepted(world, title=f"更多工单{i}")
    with django_assert_num_queries(INBOX_QUERIES):
        many = html(client.get(reverse("cases:inbox")))
    with django_assert_num_queries(INBOX_QUERIES):
        everything = html(client.get(reverse("cases:inbox"), {"status": ""}))

    assert "共 2 件" in few and "共 20 件" in many and "共 20 件" in everything
    assert many.count("更多工单") == 18


def test_every_status_lists_running_cases_by_deadline_then_the_rest_newest_first(
    world: World, monkeypatch: Any
) -> None:
    staff = world.users["community_staff"]
    for day in range(6):
        with calendar.frozen_time(datetime(2026, 3, 2 + day, 9, 0)):
            _submit(world, title=f"待办{day}")
            handling.reject(case=_submit(world, title=f"不予受理{day}"), by=staff, reason="重复")
    client = client_for(staff)

    body = html(client.get(reverse("cases:inbox"), {"status": ""}))

    assert "共 12 件" in body
    assert body.index("待办5") < body.index("不予受理5") < body.index("不予受理0")
    for status in ("", "open"):
        cases = case_queries.inbox(staff, case_queries.CaseFilters(status=status))
        whole = list(cases.values_list("pk", flat=True))
        for start in range(len(whole) + 1):
            for stop in (start + 1, start + 5):
                assert case_queries.page_ids(cases, start, stop) == whole[start:stop], (start, stop)
                rows = case_queries.rows_for(cases, whole[start:stop])
                assert [case.pk for case in rows] == whole[start:stop]
    monkeypatch.setattr(staff_views, "PER_PAGE", 5)
    paged = []
    for page in (1, 2, 3):
        text = html(client.get(reverse("cases:inbox"), {"status": "", "page": page}))
        paged += [int(pk) for pk in re.findall(r'href="/cases/(\d+)/"', text)]
    everything = case_queries.inbox(staff, case_queries.CaseFilters())
    assert paged == list(everything.values_list("pk", flat=True))


@pytest.mark.parametrize("priority", Priority.values)
def test_no_finished_status_runs_a_stage_clock(priority: str) -> None:
    """``queries.cases.page_ids`` relies on it: only open cases have a stage deadline."""
    case = Case(priority=priority, due_at=calendar.now())
    for status in set(CaseStatus.values) - set(OPEN_STATUSES):
        assert deadlines.stage_times(case, status, calendar.now()).due is None, status
    assert deadlines.stage_times(case, CaseStatus.SUBMITTED, calendar.now()).due is not None


def test_the_dispatch_board_costs_the_same_queries_and_suggests_the_routed_unit(
    world: World, django_assert_max_num_queries: Any
) -> None:
    unit = world.units["320302"]
    RoutingRule.objects.create(
        region=world.regions[HOME["county"]], category="environment", unit=unit
    )
    client = client_for(world.users["township_staff"])
    for i in range(2):
        _accepted(world, title=f"待派工单{i}")
    few = _measure(client, reverse("cases:dispatch_board"))
    for i in range(18):
        _accepted(world, title=f"更多待派工单{i}", category="housing" if i % 2 else "environment")

    with django_assert_max_num_queries(few):
        body = html(client.get(reverse("cases:dispatch_board")))
    grouped_body = html(client.get(reverse("cases:dispatch_board"), {"sort": "category"}))

    assert "共 20 件" in body
    assert body.count(unit.name) >= 11  # the suggestion on every environment row
    assert "无分拨规则" in body
    assert grouped_body.count('scope="colgroup"') == 2


def test_the_unit_inbox_costs_the_same_queries_and_shows_the_units_part(
    world: World, django_assert_max_num_queries: Any
) -> None:
    client = client_for(world.users["unit_handler"])
    for i in range(2):
        _dispatched(world, title=f"派给本单位{i}")
    few = _measure(client, reverse("cases:unit_inbox"))
    for i in range(18):
        _dispatched(world, title=f"更多派给本单位{i}")

    with django_assert_max_num_queries(few):
        body = html(client.get(reverse("cases:unit_inbox")))
    assert "共 20 件" in body
    assert body.count("主办</span>") == 20
    assert body.count("/act/sign/") == 20


# --- Scope ---------------------------------------------------------------------------------------


def test_a_case_of_another_county_is_not_found(world: World) -> None:
    elsewhere = _elsewhere(world)
    client = client_for(world.users["community_staff"])

    assert client.get(_case_url(elsewhere)).status_code == 404
    assert client.post(_act(elsewhere, "note"), {"note-note": "看看"}).status_code == 404
    assert client_for(world.outsider).get(_case_url(elsewhere)).status_code == 200
    assert not CaseEvent.objects.filter(case=elsewhere, kind=EventKind.NOTE).exists()


def test_photos_are_served_only_within_the_jurisdiction(world: World) -> None:
    home = _submit(world, photos=[_jpeg()])
    elsewhere = _elsewhere(world)
    store_photos(elsewhere, prepare_photos([_jpeg()]), stage="reported", by=None, at=calendar.now())
    home_photo = CasePhoto.objects.get(case=home)
    other_photo = CasePhoto.objects.get(case=elsewhere)
    client = client_for(world.users["community_staff"])

    served = client.get(reverse("cases:photo", kwargs={"photo_id": home_photo.pk}))
    refused = client.get(reverse("cases:photo", kwargs={"photo_id": other_photo.pk}))
    page = html(client.get(_case_url(home)))

    assert served.status_code == 200
    assert served["Content-Type"] == "image/jpeg"
    assert "private" in served["Cache-Control"]
    assert b"".join(served.streaming_content)[:2] == b"\xff\xd8"
    assert refused.status_code == 404
    assert reverse("cases:photo", kwargs={"photo_id": home_photo.pk}) in page
    assert client.get(reverse("cases:photo", kwargs={"photo_id": 999999})).status_code == 404


# --- The case page -------------------------------------------------------------------------------


def test_the_case_page_masks_the_requester_and_shows_place_and_map(
    world: World, settings: Any
) -> None:
    settings.SHEQU_MAP_TILE_URL = "https://tiles.example.test/{z}/{x}/{y}.png"
    case = _submit(world, proxy_name="李四", channel="proxy")
    anonymous = _submit(
        world, title="匿名反映", anonymous=True, requester_name="", requester_phone=""
    )
    client = client_for(world.users["community_staff"])

    body = html(client.get(_case_url(case)))
    hidden = html(client.get(_case_url(anonymous)))

    assert grouped(case.number) in body
    assert "张三丰" not in body and "13912345678" not in body and "3号楼2单元301" not in body
    assert "张**" in body and "139****5678" in body and "示例小区****" in body
    assert "李*" in body and "社区工作者甲" in body  # proxy (masked) and who entered it
    assert 'data-tiles="https://tiles.example.test/{z}/{x}/{y}.png"' in body
    assert "纬度 34.26，经度 117.18" in body
    assert "vendor/leaflet/leaflet.js" in body
    assert "匿名" in hidden
    assert "尚未受理" in body


def test_the_whole_flow_through_the_forms_as_the_right_roles(world: World) -> None:
    """accept → dispatch (pre-filled by routing) → sign → handle with a photo → verify → close."""
    unit = world.units["320302"]
    RoutingRule.objects.create(
        region=world.regions[HOME["county"]], category="environment", unit=unit
    )
    case = _submit(world)
    desk = client_for(world.users["community_staff"])
    township = client_for(world.users["township_staff"])
    department = client_for(world.users["unit_handler"])
    grid = client_for(world.users["grid_worker"])

    page = html(desk.get(_case_url(case)))
    assert _act(case, "accept") in page and _act(case, "close") not in page
    response = desk.post(
        _act(case, "accept"), {"accept-priority": "urgent", "accept-note": "马上办"}
    )
    assert response.status_code == 302 and response["Location"] == _case_url(case)
    case = _fresh(case)
    assert case.status == CaseStatus.ACCEPTED and case.owner == world.users["community_staff"]
    assert case.priority == "urgent"

    page = html(township.get(_case_url(case)))
    assert f'<option value="{unit.pk}" selected>' in page
    assert "社区工作者甲" in page  # 首问负责人
    response = township.post(_act(case, "dispatch"), {"dispatch-lead": unit.pk})
    assert response.status_code == 302
    assert _fresh(case).status == CaseStatus.DISPATCHED

    inbox = html(department.get(reverse("cases:unit_inbox")))
    assert grouped(case.number) in inbox and _act(case, "sign") in inbox
    response = department.post(_act(case, "sign"), {"back": "unit_inbox"})
    assert response["Location"] == reverse("cases:unit_inbox")
    assert _fresh(case).status == CaseStatus.IN_PROGRESS

    response = department.post(
        _act(case, "handle"), {"handle-result": "已更换灯泡", "handle-photos": [_jpeg()]}
    )
    assert response.status_code == 302
    assert _fresh(case).status == CaseStatus.HANDLED
    assert CasePhoto.objects.filter(case=case, stage="handled").count() == 1

    response = grid.post(_act(case, "verify"), {"verify-note": "现场已亮"})
    assert response.status_code == 302 and _fresh(case).status == CaseStatus.VERIFIED

    response = desk.post(_act(case, "close"), {"close-note": ""}, follow=True)
    assert _fresh(case).status == CaseStatus.CLOSED
    body = html(response)
    assert "已完成：办结。" in body
    for label in ("受理", "派遣", "签收", "办理完成", "核查通过", "办结", "已更换灯泡", "马上办"):
        assert label in body


def test_actions_a_role_may_not_take_are_hidden_and_refused(world: World) -> None:
    case = _submit(world)
    grid = client_for(world.users["grid_worker"])
    department = client_for(world.users["unit_handler"])
    county = client_for(world.users["county_official"])

    page = html(grid.get(_case_url(case)))
    assert _act(case, "accept") not in page and _act(case, "reject") not in page
    assert grid.post(_act(case, "accept"), {"accept-priority": "normal"}).status_code == 403
    assert county.post(_act(case, "reject"), {"reject-reason": "不管"}).status_code == 403
    handling.accept(case=case, by=world.users["community_staff"])
    county_page = html(county.get(_case_url(case)))
    assert _act(case, "dispatch") not in county_page and _act(case, "supervise") in county_page
    assert (
        county.post(_act(case, "dispatch"), {"dispatch-lead": world.units["320302"].pk}).status_code
        == 403
    )
    handling.dispatch(case=case, by=world.users["township_staff"], lead=world.units["320302"])
    unit_page = html(department.get(_case_url(case)))
    assert _act(case, "sign") in unit_page and _act(case, "accept") not in unit_page
    assert _act(case, "dispatch") not in unit_page
    assert department.post(_act(case, "close"), {}).status_code == 403
    assert (
        client_for(world.users["community_staff"]).post(_act(case, "nonsense"), {}).status_code
        == 404
    )
    assert _fresh(case).status == CaseStatus.DISPATCHED


def test_a_stale_second_accept_gets_a_clear_message_and_one_owner(world: World) -> None:
    case = _submit(world)
    first = client_for(world.users["community_staff"])
    second = client_for(world.users["community_head"])
    assert _act(case, "accept") in html(second.get(_case_url(case)))

    first.post(_act(case, "accept"), {"accept-priority": "normal"})
    response = second.post(_act(case, "accept"), {"accept-priority": "normal"}, follow=True)

    body = html(response)
    assert response.redirect_chain[-1][0] == _case_url(case)
    assert "请刷新页面查看最新状态" in body
    assert _fresh(case).owner == world.users["community_staff"]
    assert case.events.filter(action="accept").count() == 1


def test_bad_input_is_shown_on_the_form_and_writes_nothing(world: World) -> None:
    case = _submit(world)
    client = client_for(world.users["community_staff"])

    response = client.post(_act(case, "reject"), {"reject-reason": "   "})

    body = html(response)
    assert response.status_code == 200
    assert 'id="id_reject-reason_error"' in body
    assert '<details class="card mb-2" open>' in body
    assert _fresh(case).status == CaseStatus.SUBMITTED


def test_html_in_a_note_is_escaped_on_the_timeline(world: World) -> None:
    case = _submit(world)
    client = client_for(world.users["community_staff"])

    client.post(_act(case, "note"), {"note-note": "<script>alert(1)</script>请注意 a<b & c"})
    # A note stored by older code, never cleaned: the page must escape it all the same.
    handling.log(case, EventKind.NOTE, note='<img src=x onerror="alert(2)">旧备注', public=False)
    body = html(client.get(_case_url(case)))

    assert "<script>alert(1)" not in body and '<img src=x onerror="alert(2)">' not in body
    assert "&lt;img src=x onerror=&quot;alert(2)&quot;&gt;旧备注" in body
    assert "内部" in body


def test_reject_and_return(world: World) -> None:
    rejected = _submit(world, title="不归社区管的事")
    client_for(world.users["community_staff"]).post(
        _act(rejected, "reject"), {"reject-reason": "属于法院管辖"}
    )
    assert _fresh(rejected).status == CaseStatus.REJECTED
    case = _dispatched(world)

    client_for(world.users["unit_handler"]).post(
        _act(case, "return"), {"return-reason": "不属本单位"}
    )

    assert _fresh(case).status == CaseStatus.RETURNED
    board = html(client_for(world.users["township_staff"]).get(reverse("cases:dispatch_board")))
    assert grouped(case.number) in board and grouped(rejected.number) not in board


def test_handling_it_oneself_and_a_failed_verification(world: World) -> None:
    case = _accepted(world)
    desk = client_for(world.users["community_staff"])

    desk.post(_act(case, "start_self"), {"start_self-note": ""})
    assert _fresh(case).status == CaseStatus.IN_PROGRESS
    desk.post(_act(case, "handle"), {"handle-result": "社区已清理"})
    assert _fresh(case).status == CaseStatus.HANDLED
    grid = client_for(world.users["grid_worker"])
    missing = grid.post(_act(case, "verify_fail"), {"verify_fail-note": ""})
    assert missing.status_code == 200 and _fresh(case).status == CaseStatus.HANDLED
    grid.post(
        _act(case, "verify_fail"), {"verify_fail-note": "仍有垃圾", "verify_fail-photos": [_jpeg()]}
    )

    assert _fresh(case).status == CaseStatus.IN_PROGRESS
    assert CasePhoto.objects.filter(case=case, stage="verified").count() == 1


def test_whistle_then_report_in_from_the_unit_inbox(world: World) -> None:
    case = _accepted(world)
    unit = world.units["320302"]
    township = client_for(world.users["township_staff"])

    township.post(_act(case, "whistle"), {"whistle-units": [unit.pk], "whistle-note": "请到场"})
    page = html(township.get(_case_url(case)))
    assert "尚未报到" in page and unit.name in page
    department = client_for(world.users["unit_handler"])
    inbox = html(department.get(reverse("cases:unit_inbox")))
    assert _act(case, "report_in") in inbox and "报到时限" in inbox

    department.post(_act(case, "report_in"), {"back": "unit_inbox"})

    page = html(township.get(_case_url(case)))
    assert "尚未报到" not in page and "已于" in page
    assert grouped(case.number) not in html(department.get(reverse("cases:unit_inbox")))


def test_merging_a_likely_duplicate(world: World) -> None:
    first = _accepted(world, title="垃圾堆积")
    second = _submit(world, title="垃圾又堆起来了", latitude=34.2601, longitude=117.1801)
    client = client_for(world.users["community_staff"])

    page = html(client.get(_case_url(second)))
    assert "附近可能重复的工单" in page and grouped(first.number) in page
    wrong = client.post(_act(second, "merge"), {"merge-into": "123"})
    assert wrong.status_code == 200 and "工单号不正确" in html(wrong)
    client.post(_act(second, "merge"), {"merge-into": grouped(first.number)})

    second = _fresh(second)
    assert second.status == CaseStatus.MERGED and second.duplicate_of == first
    assert "本工单已合并至" in html(client.get(_case_url(second)))


def test_urge_and_supervise(world: World) -> None:
    case = _dispatched(world)

    client_for(world.users["township_staff"]).post(_act(case, "urge"), {"urge-note": "请尽快"})
    client_for(world.users["county_official"]).post(
        _act(case, "supervise"), {"supervise-note": "县里督办"}
    )

    assert case.events.filter(kind=EventKind.URGE).exists()
    assert _fresh(case).supervised
    body = html(client_for(world.users["community_staff"]).get(_case_url(case)))
    assert "县里督办" in body and "督办中" in body


def test_suspension_and_extension_requested_approved_and_resumed(world: World) -> None:
    case = _dispatched(world)
    handling.sign(case=case, by=world.users["unit_handler"])
    department = client_for(world.users["unit_handler"])
    head = client_for(world.users["community_head"])
    due = _fresh(case).due_at
    assert due is not None

    department.post(
        _act(case, "approval"),
        {
            "approval-kind": "extension",
            "approval-reason": "需采购配件",
            "approval-extra_working_days": "3",
        },
    )
    extension = CaseApproval.objects.get(case=case, kind="extension")
    head.post(_act(case, "decide"), {"decide-approval": extension.pk, "decide-decision": "approve"})
    assert _fresh(case).due_at > due

    department.post(
        _act(case, "approval"), {"approval-kind": "suspension", "approval-reason": "等待鉴定"}
    )
    suspension = CaseApproval.objects.get(case=case, kind="suspension")
    assert _act(case, "decide") not in html(department.get(_case_url(case)))
    head.post(
        _act(case, "decide"), {"decide-approval": suspension.pk, "decide-decision": "approve"}
    )
    assert _fresh(case).status == CaseStatus.SUSPENDED
    page = html(head.get(_case_url(case)))
    assert "挂起与延期申请" in page and "需采购配件" in page
    head.post(_act(case, "resume"), {"resume-note": "鉴定完成"})

    assert _fresh(case).status == CaseStatus.IN_PROGRESS


def test_a_callback_after_a_bad_rating(world: World) -> None:
    resident = world.users["resident"]
    case = _submit(
        world,
        channel="online",
        by=None,
        requester=resident,
        requester_name="",
        requester_phone="",
    )
    desk = world.users["community_staff"]
    handling.accept(case=case, by=desk)
    handling.start_self(case=case, by=desk)
    handling.handle(case=case, by=desk, result="已处理")
    handling.verify(case=case, by=world.users["grid_worker"], passed=True)
    handling.close(case=case, by=desk)
    ratings.rate(case=case, requester=resident, stars=1, comment="没修好")
    callback = Callback.objects.get(case=case)
    client = client_for(desk)

    assert _act(case, "callback") in html(client.get(_case_url(case)))
    client.post(
        _act(case, "callback"), {"callback-callback": callback.pk, "callback-note": "已致电"}
    )

    callback.refresh_from_db()
    assert callback.done_at is not None and callback.note == "已致电"
    assert _act(case, "callback") not in html(client.get(_case_url(case)))


# --- Bulk dispatch -------------------------------------------------------------------------------


def test_bulk_dispatch_dispatches_what_it_may_and_says_why_not_for_the_rest(world: World) -> None:
    ready = [_accepted(world, title=f"可派遣{i}") for i in range(2)]
    waiting = _submit(world, title="还没受理")
    elsewhere = _elsewhere(world)
    unit = world.units["320302"]
    client = client_for(world.users["township_staff"])
    inbox = html(client.get(reverse("cases:inbox")))
    assert f'value="{ready[0].pk}" id="pick-{ready[0].pk}"' in inbox
    assert f'id="pick-{waiting.pk}"' not in inbox

    response = client.post(
        reverse("cases:bulk_dispatch"),
        {
            "cases": [ready[0].pk, ready[1].pk, waiting.pk, elsewhere.pk],
            "lead": unit.pk,
            "back": "dispatch_board",
        },
        follow=True,
    )

    body = html(response)
    assert response.redirect_chain[-1][0] == reverse("cases:dispatch_board")
    assert "已派遣 2 个工单" in body
    assert f"工单 {grouped(waiting.number)}（待受理）未派遣" in body
    assert "当前状态下不能进行此操作" in body
    assert f"第 {elsewhere.pk} 号记录：找不到该工单" in body
    assert all(_fresh(c).status == CaseStatus.DISPATCHED for c in ready)
    assert _fresh(waiting).status == CaseStatus.SUBMITTED
    assert _fresh(elsewhere).status == CaseStatus.SUBMITTED


def test_bulk_dispatch_needs_a_unit_and_a_case_and_the_permission(world: World) -> None:
    case = _accepted(world)
    client = client_for(world.users["township_staff"])

    body = html(client.post(reverse("cases:bulk_dispatch"), {"cases": [case.pk]}, follow=True))

    assert "主办单位：" in body and _fresh(case).status == CaseStatus.ACCEPTED
    assert "请至少勾选一个工单" in html(
        client.post(reverse("cases:bulk_dispatch"), {"lead": world.units["320302"].pk}, follow=True)
    )
    refused = client_for(world.users["grid_worker"]).post(
        reverse("cases:bulk_dispatch"), {"cases": [case.pk], "lead": world.units["320302"].pk}
    )
    assert refused.status_code == 403


def test_requester_phone_is_revealed_only_with_a_reason_and_audited(world) -> None:
    from shequ.core.models import AuditEvent
    from tests.pages import client_for, html

    case = _case_for_reveal(world)
    desk = world.users["community_staff"]
    client = client_for(desk)
    page = html(client.get(f"/cases/{case.pk}/"))
    assert "13912345678" not in page and "139****5678" in page
    refused = html(
        client.post(f"/cases/{case.pk}/reveal/", {"field": "requester_phone", "reason": ""})
    )
    assert "13912345678" not in refused
    shown = html(
        client.post(f"/cases/{case.pk}/reveal/", {"field": "requester_phone", "reason": "差评回访"})
    )
    assert "13912345678" in shown
    event = AuditEvent.objects.get(action="cases.reveal")
    assert event.reason == "差评回访" and event.fields == ["requester_phone"]
    outsider = client_for(world.outsider)
    assert outsider.post(
        f"/cases/{case.pk}/reveal/", {"field": "requester_phone", "reason": "x"}
    ).status_code in (403, 404)


def _case_for_reveal(world):
    from shequ.cases.actions.intake import Intake, submit_case

    return submit_case(
        Intake(
            channel="window",
            kind="complaint",
            category="environment",
            description="楼道灯不亮",
            region=world.regions["320302001001"],
            requester_name="李四",
            requester_phone="13912345678",
        ),
        by=world.users["community_staff"],
    )


def test_lists_with_finished_cases_count_up_to_a_cap(world: World, monkeypatch: Any) -> None:
    from shequ.cases.views import staff as staff_views

    for n in range(3):
        _submit(world, title=f"路灯不亮{n}")
    monkeypatch.setattr(staff_views, "COUNT_CAP", 2)
    client = client_for(world.users["township_staff"])
    every = html(client.get("/cases/inbox/?status="))
    assert "超过 2 件" in every
    # Open cases (the default list) are counted exactly.
    assert "共 3 件" in html(client.get("/cases/inbox/"))
