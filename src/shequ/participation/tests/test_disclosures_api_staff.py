"""The open-affairs API for staff who publish: drafting, editing (a stale version is a 409) and
deleting drafts, attaching files (PDF, JPEG or PNG only, size and count limited, nothing written on a
bad one) and deleting them, publishing and correcting. Each needs DISCLOSE over the disclosure's
community: without the permission 403, another county's disclosure 404, a published one refused."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from shequ.core import calendar
from shequ.participation.actions import disclosures as actions
from shequ.participation.models.disclosures import (
    Disclosure,
    DisclosureAttachment,
    DisclosureStatus,
)
from shequ.participation.tests.factories_disclosures import (
    make_disclosure,
    object_to,
    pdf_bytes,
    png_bytes,
    resident_user,
    upload,
)
from tests.pages import client_for
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db
API = "/api/v1/participation"
AWAY = "320303001001"


@pytest.fixture
def world() -> World:
    return build_world()


@pytest.fixture
def staff(world: World) -> Any:
    return client_for(world.users["community_staff"])


def _json(client: Any, method: str, path: str, body: dict[str, Any]) -> Any:
    return getattr(client, method)(path, json.dumps(body), content_type="application/json")


def _fields(response: Any) -> list[str]:
    return [e["field"] for e in response.json()["errors"]]


def _new(**values: Any) -> dict[str, Any]:
    today = calendar.localdate()
    return {
        "community_code": HOME["community"],
        "category": "finances",
        "title": "2026年第一季度财务收支",
        "body": "收入10万元，支出8万元。",
        "period_start": (today - timedelta(days=90)).isoformat(),
        "period_end": (today - timedelta(days=1)).isoformat(),
        **values,
    }


def _draft(world: World, code: str = HOME["community"], **kw: Any) -> Disclosure:
    return make_disclosure(world.regions[code], **kw)


# --- Drafts ------------------------------------------------------------------------------------------


def test_staff_create_a_draft(world: World, staff: Any) -> None:
    made = _json(staff, "post", f"{API}/disclosures", _new())
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["status"] == DisclosureStatus.DRAFT and body["number"] is None
    assert body["community_code"] == HOME["community"]
    item = Disclosure.objects.get(pk=body["id"])
    assert item.title == "2026年第一季度财务收支"
    assert item.created_by == world.users["community_staff"]


def test_creating_needs_the_permission(world: World) -> None:
    supervisor = client_for(world.users["supervision_member"])
    refused = _json(supervisor, "post", f"{API}/disclosures", _new())
    assert refused.status_code == 403
    assert not Disclosure.objects.exists()


def test_creating_in_another_county_is_404(world: World, staff: Any) -> None:
    refused = _json(staff, "post", f"{API}/disclosures", _new(community_code=AWAY))
    assert refused.status_code == 404 and _fields(refused) == ["community_code"]
    assert not Disclosure.objects.exists()


def test_creating_checks_the_fields(world: World, staff: Any) -> None:
    today = calendar.localdate()
    backwards = _json(
        staff,
        "post",
        f"{API}/disclosures",
        _new(period_start=today.isoformat(), period_end=(today - timedelta(days=5)).isoformat()),
    )
    assert backwards.status_code == 422 and _fields(backwards) == ["period_end"]
    assert "截止日期不能早于起始日期" in backwards.json()["message"]
    category = _json(staff, "post", f"{API}/disclosures", _new(category="gossip"))
    assert category.status_code == 422 and _fields(category) == ["category"]
    blank = _json(staff, "post", f"{API}/disclosures", _new(title="  "))
    assert blank.status_code == 422 and _fields(blank) == ["title"]
    no_date = _new()
    del no_date["period_start"]
    missing = _json(staff, "post", f"{API}/disclosures", no_date)
    assert missing.status_code == 422 and _fields(missing) == ["period_start"]
    assert not Disclosure.objects.exists()


def test_staff_edit_a_draft(world: World, staff: Any) -> None:
    item = _draft(world)
    done = _json(
        staff,
        "patch",
        f"{API}/disclosures/{item.pk}",
        {"title": "更正后的标题", "version": item.version},
    )
    assert done.status_code == 200, done.content
    assert done.json()["title"] == "更正后的标题"
    assert done.json()["version"] == item.version + 1
    item.refresh_from_db()
    assert item.title == "更正后的标题" and item.body.startswith("本季度收入")


def test_an_edit_over_a_stale_version_is_a_conflict(world: World, staff: Any) -> None:
    item = _draft(world)
    actions.update_disclosure(disclosure=item, by=None, title="别人先改了")
    stale = _json(
        staff, "patch", f"{API}/disclosures/{item.pk}", {"title": "我的修改", "version": 0}
    )
    assert stale.status_code == 409 and _fields(stale) == ["version"]
    item.refresh_from_db()
    assert item.title == "别人先改了"


def test_an_edit_checks_the_fields(world: World, staff: Any) -> None:
    item = _draft(world)
    bad = _json(
        staff, "patch", f"{API}/disclosures/{item.pk}", {"body": "", "version": item.version}
    )
    assert bad.status_code == 422 and _fields(bad) == ["body"]
    no_version = _json(staff, "patch", f"{API}/disclosures/{item.pk}", {"title": "x"})
    assert no_version.status_code == 422 and _fields(no_version) == ["version"]


def test_a_published_disclosure_is_not_edited(world: World, staff: Any) -> None:
    item = _draft(world, publish=True)
    item.refresh_from_db()
    refused = _json(
        staff, "patch", f"{API}/disclosures/{item.pk}", {"title": "改", "version": item.version}
    )
    assert refused.status_code == 422 and "已公开的事项不能修改" in refused.json()["message"]


def test_editing_another_countys_draft_is_404(world: World, staff: Any) -> None:
    away = _draft(world, AWAY)
    refused = _json(staff, "patch", f"{API}/disclosures/{away.pk}", {"title": "x", "version": 0})
    assert refused.status_code == 404 and _fields(refused) == ["disclosure_id"]
    away.refresh_from_db()
    assert away.title != "x"


def test_staff_delete_a_draft_with_its_files(world: World, staff: Any) -> None:
    item = _draft(world)
    actions.attach(disclosure=item, by=None, uploads=[upload("a.png", png_bytes())])
    gone = staff.delete(f"{API}/disclosures/{item.pk}")
    assert gone.status_code == 204
    assert not Disclosure.objects.filter(pk=item.pk).exists()
    assert not DisclosureAttachment.objects.exists()


def test_a_published_disclosure_is_not_deleted(world: World, staff: Any) -> None:
    item = _draft(world, publish=True)
    refused = staff.delete(f"{API}/disclosures/{item.pk}")
    assert refused.status_code == 422
    assert Disclosure.objects.filter(pk=item.pk).exists()


def test_deleting_needs_the_permission_and_the_place(world: World, staff: Any) -> None:
    mine, away = _draft(world), _draft(world, AWAY)
    assert staff.delete(f"{API}/disclosures/{away.pk}").status_code == 404
    supervisor = client_for(world.users["supervision_member"])
    assert supervisor.delete(f"{API}/disclosures/{mine.pk}").status_code == 403
    assert Disclosure.objects.filter(pk__in=[mine.pk, away.pk]).count() == 2


# --- Attachments -------------------------------------------------------------------------------------


def _attach(client: Any, item: Disclosure, *files: Any) -> Any:
    return client.post(f"{API}/disclosures/{item.pk}/attachments", {"files": list(files)})


def test_staff_attach_pdf_and_image_files(world: World, staff: Any) -> None:
    item = _draft(world)
    done = _attach(staff, item, upload("明细.pdf", pdf_bytes()), upload("票据.png", png_bytes()))
    assert done.status_code == 201, done.content
    rows = done.json()
    assert [r["content_type"] for r in rows] == ["application/pdf", "image/jpeg"]
    assert [r["name"] for r in rows] == ["明细.pdf", "票据.jpg"]
    assert DisclosureAttachment.objects.filter(disclosure=item).count() == 2
    listed = staff.get(f"{API}/disclosures/{item.pk}/attachments").json()
    assert [r["id"] for r in listed] == [r["id"] for r in rows]


def test_a_file_of_another_type_is_refused_and_nothing_is_written(world: World, staff: Any) -> None:
    item = _draft(world)
    refused = _attach(
        staff,
        item,
        upload("ok.png", png_bytes()),
        upload("病毒.exe", b"MZ\x90\x00 not a document"),
    )
    assert refused.status_code == 422 and _fields(refused) == ["files"]
    assert "病毒.exe" in refused.json()["message"]
    assert not DisclosureAttachment.objects.exists()


def test_a_file_over_the_size_limit_is_refused(world: World, staff: Any) -> None:
    item = _draft(world)
    big = b"%PDF-1.4\n" + b"0" * actions.MAX_ATTACHMENT_BYTES + b"\n%%EOF"
    refused = _attach(staff, item, upload("大文件.pdf", big))
    assert refused.status_code == 422 and _fields(refused) == ["files"]
    assert "10 MB" in refused.json()["message"]
    assert not DisclosureAttachment.objects.exists()


def test_attaching_needs_files_and_respects_the_count(world: World, staff: Any) -> None:
    item = _draft(world)
    none = staff.post(f"{API}/disclosures/{item.pk}/attachments", {})
    assert none.status_code == 422 and _fields(none) == ["files"]
    too_many = [upload(f"{i}.png", png_bytes()) for i in range(actions.MAX_ATTACHMENTS + 1)]
    refused = _attach(staff, item, *too_many)
    assert refused.status_code == 422 and _fields(refused) == ["files"]
    assert not DisclosureAttachment.objects.exists()


def test_attaching_to_a_published_disclosure_is_refused(world: World, staff: Any) -> None:
    item = _draft(world, publish=True)
    refused = _attach(staff, item, upload("a.png", png_bytes()))
    assert refused.status_code == 422 and "已公开的事项不能修改" in refused.json()["message"]
    assert not DisclosureAttachment.objects.exists()


def test_attaching_needs_the_permission_and_the_place(world: World, staff: Any) -> None:
    mine, away = _draft(world), _draft(world, AWAY)
    assert _attach(staff, away, upload("a.png", png_bytes())).status_code == 404
    supervisor = client_for(world.users["supervision_member"])
    assert _attach(supervisor, mine, upload("a.png", png_bytes())).status_code == 403
    assert not DisclosureAttachment.objects.exists()


def test_staff_delete_an_attachment(world: World, staff: Any) -> None:
    item = _draft(world)
    first, second = actions.attach(
        disclosure=item,
        by=None,
        uploads=[upload("a.png", png_bytes()), upload("b.pdf", pdf_bytes())],
    )
    gone = staff.delete(f"{API}/disclosures/files/{first.pk}")
    assert gone.status_code == 204
    assert list(DisclosureAttachment.objects.values_list("pk", flat=True)) == [second.pk]


def test_deleting_an_attachment_is_refused_outside_drafts_and_places(
    world: World, staff: Any
) -> None:
    away = _draft(world, AWAY)
    (away_file,) = actions.attach(disclosure=away, by=None, uploads=[upload("a.png", png_bytes())])
    outside = staff.delete(f"{API}/disclosures/files/{away_file.pk}")
    assert outside.status_code == 404 and _fields(outside) == ["attachment_id"]
    # A published disclosure's files are public, but still not the caller's to delete.
    actions.publish(disclosure=away, by=None)
    assert staff.delete(f"{API}/disclosures/files/{away_file.pk}").status_code == 404
    mine = _draft(world)
    (my_file,) = actions.attach(disclosure=mine, by=None, uploads=[upload("b.png", png_bytes())])
    actions.publish(disclosure=mine, by=None)
    published = staff.delete(f"{API}/disclosures/files/{my_file.pk}")
    assert published.status_code == 422
    supervisor = client_for(world.users["supervision_member"])
    assert supervisor.delete(f"{API}/disclosures/files/{my_file.pk}").status_code == 403
    assert DisclosureAttachment.objects.count() == 2


# --- Publication and correction ------------------------------------------------------------------------


def test_staff_publish_a_draft(world: World, staff: Any) -> None:
    item = _draft(world)
    done = _json(
        staff,
        "post",
        f"{API}/disclosures/{item.pk}/publish",
        {"objection_days": 5, "version": item.version},
    )
    assert done.status_code == 200, done.content
    body = done.json()
    assert body["status"] == DisclosureStatus.PUBLISHED
    assert body["number"].startswith("GK") and body["objection_deadline"]
    item.refresh_from_db()
    expected = actions.objection_deadline(item.published_at, 5)
    assert item.objection_deadline == expected


def test_publishing_checks_the_objection_window(world: World, staff: Any) -> None:
    item = _draft(world)
    for days in (0, actions.MAX_OBJECTION_DAYS + 1):
        bad = _json(staff, "post", f"{API}/disclosures/{item.pk}/publish", {"objection_days": days})
        assert bad.status_code == 422 and _fields(bad) == ["objection_days"]
    item.refresh_from_db()
    assert item.status == DisclosureStatus.DRAFT


def test_publishing_over_a_stale_version_is_a_conflict(world: World, staff: Any) -> None:
    item = _draft(world)
    read = item.version
    actions.update_disclosure(disclosure=item, by=None, title="别人改过")
    stale = _json(staff, "post", f"{API}/disclosures/{item.pk}/publish", {"version": read})
    assert stale.status_code == 409 and _fields(stale) == ["version"]
    item.refresh_from_db()
    assert item.status == DisclosureStatus.DRAFT


def test_publishing_twice_is_refused(world: World, staff: Any) -> None:
    item = _draft(world, publish=True)
    again = _json(staff, "post", f"{API}/disclosures/{item.pk}/publish", {})
    assert again.status_code == 422


def test_publishing_needs_the_permission_and_the_place(world: World, staff: Any) -> None:
    mine, away = _draft(world), _draft(world, AWAY)
    assert _json(staff, "post", f"{API}/disclosures/{away.pk}/publish", {}).status_code == 404
    supervisor = client_for(world.users["supervision_member"])
    assert _json(supervisor, "post", f"{API}/disclosures/{mine.pk}/publish", {}).status_code == 403
    _me, resident = resident_user(world.regions[HOME["community"]], "钱七")
    assert (
        _json(client_for(resident), "post", f"{API}/disclosures/{mine.pk}/publish", {}).status_code
        == 403
    )
    assert not Disclosure.objects.filter(status=DisclosureStatus.PUBLISHED).exists()


def test_staff_correct_a_published_disclosure(world: World, staff: Any) -> None:
    item = _draft(world, publish=True)
    made = staff.post(f"{API}/disclosures/{item.pk}/correction")
    assert made.status_code == 201, made.content
    draft = made.json()
    assert draft["status"] == DisclosureStatus.DRAFT and draft["supersedes_id"] == item.pk
    assert draft["title"] == item.title
    published = _json(staff, "post", f"{API}/disclosures/{draft['id']}/publish", {})
    assert published.status_code == 200
    item.refresh_from_db()
    assert actions.is_corrected(item)


def test_a_draft_or_a_corrected_disclosure_is_not_corrected_again(world: World, staff: Any) -> None:
    draft = _draft(world)
    refused = staff.post(f"{API}/disclosures/{draft.pk}/correction")
    assert refused.status_code == 422 and "草稿可以直接修改" in refused.json()["message"]
    item = _draft(world, publish=True)
    assert staff.post(f"{API}/disclosures/{item.pk}/correction").status_code == 201
    twice = staff.post(f"{API}/disclosures/{item.pk}/correction")
    assert twice.status_code == 422 and "已有更正" in twice.json()["message"]
    assert Disclosure.objects.filter(supersedes=item).count() == 1


def test_correcting_needs_the_permission_and_the_place(world: World, staff: Any) -> None:
    mine, away = _draft(world, publish=True), _draft(world, AWAY, publish=True)
    assert staff.post(f"{API}/disclosures/{away.pk}/correction").status_code == 404
    supervisor = client_for(world.users["supervision_member"])
    assert supervisor.post(f"{API}/disclosures/{mine.pk}/correction").status_code == 403
    assert not Disclosure.objects.filter(supersedes__isnull=False).exists()


# --- The committee's answer, with the version it read ------------------------------------------------


def test_an_answer_over_a_stale_version_is_refused(world: World) -> None:
    item = _draft(world, publish=True)
    _me, user = resident_user(world.regions[HOME["community"]], "吴十")
    objection = object_to(item, user)
    supervisor = client_for(world.users["supervision_member"])
    path = f"{API}/objections/{objection.pk}/response"
    stale = _json(
        supervisor, "post", path, {"response": "已核实", "version": objection.version + 1}
    )
    assert stale.status_code == 422 and "刚刚已被他人答复" in stale.json()["message"]
    done = _json(supervisor, "post", path, {"response": "已核实", "version": objection.version})
    assert done.status_code == 200 and done.json()["response"] == "已核实"
