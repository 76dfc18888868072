"""The talk API: residents post, comment, report (once; 422 naming the problem) and read their own
community only with names masked; staff lists are scoped, moderation needs MODERATE, outside is 404."""

from __future__ import annotations

import pytest

from shequ.participation.models import Post, Visibility
from shequ.participation.tests.factories_talk import neighbour, policy, post, suggestion
from tests.pages import client_for
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db
API = "/api/v1/participation/talk"
AWAY = "320303001001"


@pytest.fixture
def world() -> World:
    return build_world()


def test_residents_write_and_read_their_community(world: World) -> None:
    policy(world.regions[HOME["county"]], hide_after=2)
    community = world.regions[HOME["community"]]
    me, other = neighbour(community, "张三"), neighbour(community, "欧阳娜娜")
    client = client_for(me)
    body = {
        "board": "neighbours",
        "kind": "borrow",
        "title": "求借梯子",
        "body": "换灯泡",
        "request_key": "k",
    }
    made = client.post(f"{API}/posts", body, content_type="application/json")
    assert made.status_code == 201
    again = client.post(f"{API}/posts", body, content_type="application/json")
    assert again.status_code == 200 and again.json()["id"] == made.json()["id"]
    bad = client.post(
        f"{API}/posts",
        {**body, "body": "<script>x</script>", "request_key": "k2"},
        content_type="application/json",
    )
    assert bad.status_code == 422 and "脚本" in bad.json()["message"]
    bad = client.post(
        f"{API}/posts", {**body, "kind": "x", "request_key": "k3"}, content_type="application/json"
    )
    assert bad.status_code == 422
    post_id = made.json()["id"]
    theirs = post(other, "出借推车", kind="lend")
    listing = client.get(f"{API}/posts?board=neighbours").json()
    assert {r["title"] for r in listing["results"]} == {"求借梯子", "出借推车"}
    assert any(r["author_name"] == "欧阳**" for r in listing["results"])
    away = post(neighbour(world.regions[AWAY], "外人"), "外社区")
    assert client.get(f"{API}/posts/{away.pk}").status_code == 404

    reply = client_for(other).post(
        f"{API}/posts/{post_id}/comments", {"body": "我有"}, content_type="application/json"
    )
    assert reply.status_code == 201
    comments = client.get(f"{API}/posts/{post_id}/comments").json()
    assert comments[0]["author_name"] == "欧阳**"

    first = client.post(
        f"{API}/posts/{theirs.pk}/reports", {"reason": "广告"}, content_type="application/json"
    )
    assert first.status_code == 201
    twice = client.post(
        f"{API}/posts/{theirs.pk}/reports", {"reason": "广告"}, content_type="application/json"
    )
    assert twice.status_code == 422 and "您已举报过" in twice.json()["message"]
    client_for(neighbour(community, "李四")).post(
        f"{API}/posts/{theirs.pk}/reports", {"reason": "广告"}, content_type="application/json"
    )
    theirs.refresh_from_db()
    assert theirs.visibility == Visibility.HIDDEN

    s = client.post(
        f"{API}/suggestions",
        {"title": "增设停车棚", "body": "电动车乱停"},
        content_type="application/json",
    )
    assert s.status_code == 201
    assert client.post(f"{API}/posts/{post_id}/resolve").json()["is_resolved"] is True


def test_staff_lists_are_scoped_and_moderation_needs_the_permission(world: World) -> None:
    policy(world.regions[HOME["county"]], hide_after=1)
    community = world.regions[HOME["community"]]
    author = neighbour(community, "王五")
    item = post(author, "可疑帖子")
    reporter = neighbour(community, "赵一")
    client_for(reporter).post(
        f"{API}/posts/{item.pk}/reports", {"reason": "诈骗"}, content_type="application/json"
    )
    away = post(neighbour(world.regions[AWAY], "外人"), "外县帖子")
    s = suggestion(author)
    staff = client_for(world.users["community_staff"])
    titles = {r["title"] for r in staff.get(f"{API}/posts").json()["results"]}
    assert "可疑帖子" in titles and "外县帖子" not in titles
    assert staff.get(f"{API}/posts/{away.pk}").status_code == 404
    assert staff.get(f"{API}/posts?region=320303").status_code == 422
    item.refresh_from_db()
    no_reason = staff.post(
        f"{API}/posts/{item.pk}/decision",
        {"outcome": "remove", "reason": ""},
        content_type="application/json",
    )
    assert no_reason.status_code == 422
    done = staff.post(
        f"{API}/posts/{item.pk}/decision",
        {"outcome": "remove", "reason": "诈骗", "version": item.version},
        content_type="application/json",
    )
    assert done.status_code == 200 and done.json()["visibility"] == "removed"
    assert Post.objects.get(pk=item.pk).visibility == Visibility.REMOVED
    outsider = client_for(world.outsider)
    assert (
        outsider.post(
            f"{API}/posts/{item.pk}/decision",
            {"outcome": "restore", "reason": "x"},
            content_type="application/json",
        ).status_code
        == 404
    )
    assert (
        client_for(world.users["grid_worker"])
        .post(
            f"{API}/posts/{item.pk}/decision",
            {"outcome": "restore", "reason": "x"},
            content_type="application/json",
        )
        .status_code
        == 403
    )
    replied = staff.post(
        f"{API}/suggestions/{s.pk}/reply", {"reply": "已安排"}, content_type="application/json"
    )
    assert replied.status_code == 200 and replied.json()["status"] == "replied"
    assert outsider.get(f"{API}/suggestions/{s.pk}").status_code == 404
    assert (
        staff.post(
            f"{API}/posts",
            {"board": "forum", "title": "t", "body": "b"},
            content_type="application/json",
        ).status_code
        == 403
    )
