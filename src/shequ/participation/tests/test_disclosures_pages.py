"""Open affairs over HTTP. Staff: the scoped list in a bounded number of queries, drafting,
editing, attachments checked by their bytes, publishing with the objection deadline in working days,
correcting, deleting drafts, and 404 outside the jurisdiction. Residents: their community's
disclosures, objecting (a double submit lands once; refused after the deadline, from another
community, with markup or links), their objections. The supervision committee: the queue and the
answer, published under the objection with the name masked. The public archive and the file view."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from shequ.core import calendar
from shequ.participation.actions import disclosures as actions
from shequ.participation.models.disclosures import (
    Disclosure,
    DisclosureAttachment,
    DisclosureStatus,
    Objection,
    ObjectionStatus,
)
from shequ.participation.tests.factories_disclosures import (
    make_disclosure,
    object_to,
    pdf_bytes,
    png_bytes,
    resident_user,
    upload,
)
from tests.pages import client_for, html
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db
AWAY = "320303001001"


def url(name: str, **kwargs: Any) -> str:
    return reverse(f"participation:{name}", kwargs=kwargs)


@pytest.fixture
def world() -> World:
    return build_world()


def home(world: World) -> Any:
    return world.regions[HOME["community"]]


def staff(world: World) -> Any:
    return world.users["community_staff"]


def messages_of(response: Any) -> str:
    return " ".join(str(m) for m in response.context["messages"]) if response.context else ""


# --- Staff -----------------------------------------------------------------------------------------


def test_staff_draft_edit_attach_publish_with_working_day_deadline(world: World) -> None:
    client = client_for(staff(world))
    today = calendar.localdate()
    response = client.post(
        url("disclosure_create"),
        {
            "community": home(world).pk,
            "category": "finances",
            "title": "第三季度财务收支",
            "body": "收入10万元，支出8万元。",
            "period_start": "2026-07-01",
            "period_end": "2026-09-30",
        },
    )
    item = Disclosure.objects.get(title="第三季度财务收支")
    assert response.status_code == 302 and item.status == DisclosureStatus.DRAFT
    edited = client.post(
        url("disclosure_edit", disclosure_id=item.pk),
        {
            "category": "finances",
            "title": "第三季度财务收支公开",
            "body": "收入10万元，支出8万元。",
            "period_start": "2026-07-01",
            "period_end": "2026-09-30",
            "version": item.version,
        },
    )
    assert edited.status_code == 302
    client.post(
        url("disclosure_attach", disclosure_id=item.pk),
        {"files": [upload("明细.pdf", pdf_bytes()), upload("照片.png", png_bytes())]},
    )
    files = list(DisclosureAttachment.objects.filter(disclosure=item).order_by("pk"))
    assert [(f.content_type, f.name) for f in files] == [
        ("application/pdf", "明细.pdf"),
        ("image/jpeg", "照片.jpg"),
    ]
    item.refresh_from_db()
    done = client.post(
        url("disclosure_publish", disclosure_id=item.pk),
        {"objection_days": "5", "version": item.version},
        follow=True,
    )
    item.refresh_from_db()
    assert "已公开" in messages_of(done)
    assert item.status == DisclosureStatus.PUBLISHED and item.number.startswith("GK")
    assert item.objection_deadline is not None
    assert calendar.working_days_between(today, item.objection_deadline) == 5
    # A double click: the second publication is refused, nothing changes.
    again = client.post(
        url("disclosure_publish", disclosure_id=item.pk),
        {"objection_days": "5", "version": 0},
        follow=True,
    )
    assert "刷新页面" in messages_of(again) or "当前状态" in messages_of(again)
    # Published: never edited, deleted or given files.
    assert client.get(url("disclosure_edit", disclosure_id=item.pk)).status_code == 302
    refused = client.post(url("disclosure_delete", disclosure_id=item.pk), follow=True)
    assert "更正" in messages_of(refused) and Disclosure.objects.filter(pk=item.pk).exists()
    refused = client.post(
        url("disclosure_attach", disclosure_id=item.pk),
        {"files": [upload("b.png", png_bytes())]},
        follow=True,
    )
    assert "更正" in messages_of(refused)


def test_bad_input_on_the_draft_is_named_on_the_field(world: World) -> None:
    client = client_for(staff(world))
    response = client.post(
        url("disclosure_create"),
        {
            "community": home(world).pk,
            "category": "finances",
            "title": "",
            "body": "x",
            "period_start": "2026-09-30",
            "period_end": "2026-07-01",
        },
    )
    page = html(response)
    assert response.status_code == 200
    assert "截止日期不能早于起始日期" in page
    assert not Disclosure.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("evil.pdf", b"<html><script>alert(1)</script></html>", "不是PDF、JPEG或PNG文件"),
        ("photo.png", b"GIF89a" + b"\x00" * 40, "不是PDF、JPEG或PNG文件"),
        ("fake.png", b"\x89PNG\r\n\x1a\n" + b"garbage" * 10, "不是可识别的图片"),
        ("cut.pdf", b"%PDF-1.4 no end", "不是完整的PDF文件"),
        ("big.pdf", b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024) + b"%%EOF", "不能超过10 MB"),
    ],
)
def test_bad_attachments_are_refused_naming_the_file(
    world: World, name: str, content: bytes, message: str
) -> None:
    item = make_disclosure(home(world))
    client = client_for(staff(world))
    response = client.post(
        url("disclosure_attach", disclosure_id=item.pk),
        {"files": [upload("ok.png", png_bytes()), upload(name, content)]},
        follow=True,
    )
    said = messages_of(response)
    assert message in said and name in said
    assert not DisclosureAttachment.objects.exists()  # nothing half-written


def test_at_most_ten_attachments(world: World) -> None:
    item = make_disclosure(home(world))
    actions.attach(
        disclosure=item, by=None, uploads=[upload(f"{i}.png", png_bytes()) for i in range(9)]
    )
    client = client_for(staff(world))
    response = client.post(
        url("disclosure_attach", disclosure_id=item.pk),
        {"files": [upload("a.png", png_bytes()), upload("b.png", png_bytes())]},
        follow=True,
    )
    assert "最多10个附件" in messages_of(response)
    assert DisclosureAttachment.objects.filter(disclosure=item).count() == 9


def test_drafts_may_be_deleted_with_their_files(world: World) -> None:
    item = make_disclosure(home(world))
    actions.attach(disclosure=item, by=None, uploads=[upload("a.png", png_bytes())])
    client = client_for(staff(world))
    response = client.post(url("disclosure_delete", disclosure_id=item.pk))
    assert response.status_code == 302
    assert not Disclosure.objects.exists() and not DisclosureAttachment.objects.exists()


def test_correction_supersedes_and_both_stay_in_the_archive(world: World) -> None:
    old = make_disclosure(home(world), title="道路修缮工程", publish=True)
    client = client_for(staff(world))
    made = client.post(url("disclosure_correct", disclosure_id=old.pk))
    fixed = Disclosure.objects.get(supersedes=old)
    assert made.status_code == 302 and fixed.status == DisclosureStatus.DRAFT
    twice = client.post(url("disclosure_correct", disclosure_id=old.pk), follow=True)
    assert "已有更正" in messages_of(twice)
    actions.update_disclosure(disclosure=fixed, by=None, title="道路修缮工程（更正）")
    fixed.refresh_from_db()
    client.post(
        url("disclosure_publish", disclosure_id=fixed.pk),
        {"objection_days": "7", "version": fixed.version},
    )
    old.refresh_from_db()
    assert actions.is_corrected(old)
    public = html(Client().get(url("public_disclosure", disclosure_id=old.pk)))
    assert "本公开事项已更正" in public
    assert url("public_disclosure", disclosure_id=fixed.pk) in public
    archive = html(Client().get(url("public_disclosures", code=home(world).code)))
    assert "道路修缮工程（更正）" in archive and "已更正" in archive


def test_staff_outside_the_jurisdiction_get_404(world: World) -> None:
    away = make_disclosure(world.regions[AWAY], title="别处的草稿")
    client = client_for(staff(world))
    for name in ("disclosure_detail", "disclosure_edit"):
        assert client.get(url(name, disclosure_id=away.pk)).status_code == 404
    for name in ("disclosure_publish", "disclosure_delete", "disclosure_correct"):
        assert client.post(url(name, disclosure_id=away.pk)).status_code == 404
    assert "别处的草稿" not in html(client.get(url("disclosure_list")))
    response = client.post(
        url("disclosure_create"),
        {
            "community": world.regions[AWAY].pk,
            "category": "finances",
            "title": "越权",
            "body": "x",
            "period_start": "2026-07-01",
            "period_end": "2026-09-30",
        },
    )
    assert response.status_code == 200 and not Disclosure.objects.filter(title="越权").exists()


def test_the_staff_list_reads_in_a_bounded_number_of_queries(
    world: World, django_assert_max_num_queries: Any
) -> None:
    for i in range(12):
        make_disclosure(home(world), title=f"公开{i}", publish=i % 2 == 0)
    client = client_for(
        world.users["township_staff"] if "township_staff" in world.users else staff(world)
    )
    client = client_for(staff(world))
    with django_assert_max_num_queries(15):
        page = html(client.get(url("disclosure_list")))
    assert "公开11" in page


def test_grid_worker_reads_but_cannot_publish(world: World) -> None:
    item = make_disclosure(home(world), title="网格员可见")
    client = client_for(world.users["grid_worker"])
    assert "网格员可见" in html(client.get(url("disclosure_detail", disclosure_id=item.pk)))
    assert client.post(url("disclosure_publish", disclosure_id=item.pk)).status_code == 403


# --- Residents -------------------------------------------------------------------------------------


def test_a_resident_objects_once_and_sees_the_answer(world: World) -> None:
    item = make_disclosure(home(world), title="第三季度财务", publish=True)
    _me, user = resident_user(home(world), "王小明")
    client = client_for(user)
    listing = html(client.get(url("community_disclosures") + "?category=finances"))
    assert "第三季度财务" in listing
    assert "第三季度财务" not in html(
        client.get(url("community_disclosures") + "?category=subsidies")
    )
    page = html(client.get(url("disclosure_page", disclosure_id=item.pk)))
    assert "提交异议" in page
    data = {"body": "维修费偏高，请公开明细。", "request_key": "k-1"}
    first = client.post(url("objection_create", disclosure_id=item.pk), data)
    second = client.post(url("objection_create", disclosure_id=item.pk), data)
    assert first.status_code == second.status_code == 302
    assert Objection.objects.count() == 1
    objection = Objection.objects.get()
    supervisor = client_for(world.users["supervision_member"])
    queue = html(supervisor.get(url("objection_queue")))
    assert "王小明" in queue  # staff see the name
    empty = supervisor.post(url("objection_respond", objection_id=objection.pk), {"response": ""})
    assert "请填写答复内容" in html(empty)
    supervisor.post(
        url("objection_respond", objection_id=objection.pk),
        {"response": "已核实，明细张贴在公告栏。", "version": objection.version},
    )
    objection.refresh_from_db()
    assert objection.status == ObjectionStatus.ANSWERED
    twice = supervisor.post(
        url("objection_respond", objection_id=objection.pk),
        {"response": "再答一次", "version": 0},
    )
    assert "已经答复" in html(twice) or "已被他人答复" in html(twice)
    shown = html(client.get(url("disclosure_page", disclosure_id=item.pk)))
    assert "已核实，明细张贴在公告栏。" in shown and "王** 于" in shown
    mine = html(client.get(url("my_objections")))
    assert "已核实，明细张贴在公告栏。" in mine
    public = html(Client().get(url("public_disclosure", disclosure_id=item.pk)))
    assert "已核实，明细张贴在公告栏。" in public and "王小明" not in public


def test_an_objection_after_the_deadline_is_refused(world: World) -> None:
    item = make_disclosure(home(world), publish=True, objection_days=1)
    _me, user = resident_user(home(world))
    client = client_for(user)
    assert item.objection_deadline is not None
    later = calendar.localtime() + timedelta(
        days=(item.objection_deadline - calendar.localdate()).days + 1
    )
    with calendar.frozen_time(later):
        response = client.post(
            url("objection_create", disclosure_id=item.pk), {"body": "有异议"}, follow=True
        )
    said = messages_of(response)
    assert "异议期已于" in said and f"{item.objection_deadline:%Y-%m-%d}" in said
    assert not Objection.objects.exists()


def test_residents_of_another_community_cannot_object_or_read(world: World) -> None:
    item = make_disclosure(home(world), publish=True)
    _me, user = resident_user(world.regions[AWAY], "赵六")
    client = client_for(user)
    assert client.get(url("disclosure_page", disclosure_id=item.pk)).status_code == 404
    response = client.post(
        url("objection_create", disclosure_id=item.pk), {"body": "我有异议"}, follow=True
    )
    assert "的居民才能参与" in messages_of(response)
    assert not Objection.objects.exists()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("<script>alert(1)</script>", "网页代码"),
        ("点此领取补贴 http://phish.example.top/x", "网址链接"),
        ("", "请填写异议内容"),
    ],
)
def test_objection_text_is_checked(world: World, body: str, message: str) -> None:
    item = make_disclosure(home(world), publish=True)
    _me, user = resident_user(home(world))
    response = client_for(user).post(
        url("objection_create", disclosure_id=item.pk), {"body": body}, follow=True
    )
    assert message in messages_of(response)
    assert not Objection.objects.exists()


def test_staff_and_unlinked_accounts_cannot_use_resident_pages(world: World) -> None:
    item = make_disclosure(home(world), publish=True)
    assert client_for(staff(world)).get(url("community_disclosures")).status_code == 403
    unlinked = client_for(world.users["resident"])
    page = unlinked.get(url("community_disclosures"))
    assert page.status_code == 403 and "关联居民信息" in html(page)
    response = unlinked.post(
        url("objection_create", disclosure_id=item.pk), {"body": "异议"}, follow=True
    )
    assert not Objection.objects.exists() and "关联居民信息" in response.content.decode()


def test_supervision_outside_the_subtree_gets_404(world: World) -> None:
    away = make_disclosure(world.regions[AWAY], publish=True)
    _me, user = resident_user(world.regions[AWAY], "钱七")
    objection = object_to(away, user)
    supervisor = client_for(world.users["supervision_member"])
    assert supervisor.get(url("objection_respond", objection_id=objection.pk)).status_code == 404
    assert "钱七" not in html(supervisor.get(url("objection_queue")))
    # Community staff publish but do not answer objections.
    staff_client = client_for(staff(world))
    assert staff_client.get(url("objection_queue")).status_code == 403


# --- Public pages and files ------------------------------------------------------------------------


def test_public_pages_never_show_drafts(world: World) -> None:
    draft = make_disclosure(home(world), title="还没公开的草稿")
    away_draft = make_disclosure(world.regions[AWAY], title="别处草稿")
    published = make_disclosure(home(world), title="已公开的事项", publish=True)
    anonymous = Client()
    archive = html(anonymous.get(url("public_disclosures", code=home(world).code)))
    assert "已公开的事项" in archive and "还没公开的草稿" not in archive
    assert anonymous.get(url("public_disclosure", disclosure_id=draft.pk)).status_code == 404
    assert anonymous.get(url("public_disclosure", disclosure_id=away_draft.pk)).status_code == 404
    assert anonymous.get(url("public_disclosure", disclosure_id=published.pk)).status_code == 200
    assert anonymous.get(url("public_disclosures", code="999999999999")).status_code == 404


def test_the_file_view_checks_who_may_see_it(world: World) -> None:
    draft = make_disclosure(home(world))
    [image] = actions.attach(disclosure=draft, by=None, uploads=[upload("图.png", png_bytes())])
    [pdf] = actions.attach(disclosure=draft, by=None, uploads=[upload("表.pdf", pdf_bytes())])
    anonymous = Client()
    assert anonymous.get(url("disclosure_attachment", attachment_id=image.pk)).status_code == 404
    staff_client = client_for(staff(world))
    response = staff_client.get(url("disclosure_attachment", attachment_id=image.pk))
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("inline")
    outsider = client_for(world.outsider)
    assert outsider.get(url("disclosure_attachment", attachment_id=image.pk)).status_code == 404
    actions.publish(disclosure=draft, by=None)
    response = anonymous.get(url("disclosure_attachment", attachment_id=pdf.pk) + "?download=1")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    page = html(anonymous.get(url("public_disclosure", disclosure_id=draft.pk)))
    assert '<object data="' in page and "<img src=" in page


def test_period_end_before_start_is_refused_by_the_action(world: World) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as caught:
        make_disclosure(home(world), period_start=date(2026, 9, 1), period_end=date(2026, 8, 1))
    assert "period_end" in caught.value.message_dict
