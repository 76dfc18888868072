"""Talk pages over HTTP. Residents: suggestions, boards with a kind filter (paginated, bounded
queries), a post with replies, masked names, reporting, "审核中" for the author, bans, refusals on
the form. Staff: the scoped post and suggestion lists, the moderation queue and decisions, bans,
the policy with inheritance shown; anything outside the jurisdiction is a 404."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from shequ.participation.actions import talk as actions
from shequ.participation.models import Ban, Post, Suggestion, Visibility
from shequ.participation.tests.factories_talk import (
    comment,
    neighbour,
    policy,
    post,
    suggestion,
    thread,
)
from tests.pages import client_for, html
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db
AWAY = "320303001001"


@pytest.fixture
def world() -> World:
    return build_world()


def home(world: World) -> Any:
    return world.regions[HOME["community"]]


def url(name: str, **kw: Any) -> str:
    return reverse(f"participation:{name}", kwargs=kw or None)


def test_resident_boards_posts_and_comments(
    world: World, django_assert_max_num_queries: Any
) -> None:
    community = home(world)
    me = neighbour(community, "张三丰")
    other = neighbour(community, "欧阳娜娜")
    for i in range(25):
        post(other, f"求借工具{i}", request_key=f"p{i}")
    thread(other, "夜间照明")
    client = client_for(me)
    with django_assert_max_num_queries(14):
        page = html(client.get(url("neighbour_list")))
    assert "欧阳**" in page and "欧阳娜娜" not in page and "第 1 页" in page
    assert "夜间照明" not in page
    assert "夜间照明" in html(client.get(url("forum_list")))
    assert "求借工具" not in html(client.get(url("neighbour_list") + "?kind=lend"))
    assert html(client.get(url("neighbour_list") + "?kind=bogus")).count("求借工具") == 20

    form = html(client.get(url("neighbour_create")))
    key = re.findall(r'name="request_key" value="([^"]+)"', form)[0]
    data = {"kind": "borrow", "title": "求借梯子", "body": "换灯泡用", "request_key": key}
    first = client.post(url("neighbour_create"), data)
    client.post(url("neighbour_create"), data)
    assert Post.objects.filter(title="求借梯子").count() == 1
    made = Post.objects.get(title="求借梯子")
    assert first.status_code == 302 and first["Location"] == url("post_page", post_id=made.pk)

    bad = html(
        client.post(
            url("neighbour_create"), {**data, "body": "<script>x</script>", "request_key": "b1"}
        )
    )
    assert "脚本" in bad and "invalid-feedback" in bad
    bad = html(
        client.post(
            url("forum_create"),
            {"title": "补贴", "body": "点 http://phish.xyz/a", "request_key": "b2"},
        )
    )
    assert "网址链接" in bad
    bad = html(
        client.post(url("neighbour_create"), {"title": "t", "body": "b", "request_key": "b3"})
    )
    assert "kind" in bad and Post.objects.count() == 27

    reply = client_for(other).post(
        url("post_comment", post_id=made.pk), {"body": "我有梯子", "request_key": "c1"}, follow=True
    )
    assert "已回复" in html(reply)
    page = html(client.get(url("post_page", post_id=made.pk)))
    assert "我有梯子" in page and "欧阳**" in page and "标记为已解决" in page
    done = client.post(url("post_resolve", post_id=made.pk), follow=True)
    assert "已标记为已解决" in html(done)

    away = post(neighbour(world.regions[AWAY], "外人"), "外社区的帖子")
    assert client.get(url("post_page", post_id=away.pk)).status_code == 404
    assert client.post(url("post_report", post_id=away.pk), {"reason": "x"}).status_code == 404


def test_reports_hide_and_the_author_sees_pending(world: World) -> None:
    policy(world.regions[HOME["county"]], hide_after=2)
    community = home(world)
    author = neighbour(community, "王五")
    item = post(author, "低价代办证件")
    a, b = neighbour(community, "赵一"), neighbour(community, "钱二")
    client_a = client_for(a)
    ok = client_a.post(url("post_report", post_id=item.pk), {"reason": "诈骗"}, follow=True)
    assert "已收到您的举报" in html(ok)
    again = client_a.post(url("post_report", post_id=item.pk), {"reason": "诈骗"}, follow=True)
    assert "您已举报过" in html(again)
    empty = client_a.post(url("post_report", post_id=item.pk), {"reason": ""}, follow=True)
    assert "举报理由" in html(empty) or "必填" in html(empty) or "This field" in html(empty)
    client_for(b).post(url("post_report", post_id=item.pk), {"reason": "广告"})
    item.refresh_from_db()
    assert item.visibility == Visibility.HIDDEN and item.report_count == 2
    assert "低价代办证件" not in html(client_a.get(url("neighbour_list")))
    assert client_a.get(url("post_page", post_id=item.pk)).status_code == 404
    mine = html(client_for(author).get(url("neighbour_list")))
    assert "低价代办证件" in mine and "审核中" in mine
    assert "审核中" in html(client_for(author).get(url("post_page", post_id=item.pk)))


def test_suggestions_pages(world: World) -> None:
    community = home(world)
    me = neighbour(community, "张三")
    client = client_for(me)
    form = html(client.get(url("suggestion_create")))
    key = re.findall(r'name="request_key" value="([^"]+)"', form)[0]
    data = {"title": "增设停车棚", "body": "电动车乱停", "is_public": "on", "request_key": key}
    client.post(url("suggestion_create"), data)
    client.post(url("suggestion_create"), data)
    assert Suggestion.objects.count() == 1
    bad = html(
        client.post(url("suggestion_create"), {"title": "", "body": "x", "request_key": "z"})
    )
    assert "is-invalid" in bad
    suggestion(neighbour(community, "李四"), title="私下的建议", is_public=False)
    mine = html(client.get(url("my_suggestions")))
    assert "增设停车棚" in mine and "私下的建议" not in mine
    public = html(client.get(url("community_suggestions")))
    assert "增设停车棚" in public and "私下的建议" not in public

    staff = client_for(world.users["community_staff"])
    listing = html(staff.get(url("suggestion_list") + "?status=open"))
    assert "增设停车棚" in listing and "私下的建议" in listing
    s = Suggestion.objects.get(title="增设停车棚")
    empty = html(staff.post(url("suggestion_reply", suggestion_id=s.pk), {"reply": ""}))
    assert "is-invalid" in empty
    staff.post(url("suggestion_reply", suggestion_id=s.pk), {"reply": "已列入微更新项目"})
    assert "已列入微更新项目" in html(client.get(url("community_suggestions")))
    outsider = client_for(world.outsider)
    assert outsider.get(url("suggestion_reply", suggestion_id=s.pk)).status_code == 404
    assert "增设停车棚" not in html(outsider.get(url("suggestion_list")))
    # A resident not linked to the registry is told why.
    assert "关联居民信息" in html(client_for(world.users["resident"]).get(url("forum_list")))


def test_moderation_queue_decide_and_ban(world: World, django_assert_max_num_queries: Any) -> None:
    policy(world.regions[HOME["county"]], hide_after=1)
    community = home(world)
    author = neighbour(community, "王五")
    reporter = neighbour(community, "赵一")
    item = post(author, "可疑的帖子")
    note = comment(post(reporter, "正常的帖子"), author, "可疑的回复")
    actions.report_post(post=item, by=reporter, reason="诈骗")
    actions.report_comment(comment=note, by=reporter, reason="广告")
    staff = client_for(world.users["community_staff"])
    with django_assert_max_num_queries(16):
        queue = html(staff.get(url("moderation_queue")))
    assert "可疑的帖子" in queue and "可疑的回复" in queue
    assert "可疑的帖子" not in html(client_for(world.outsider).get(url("moderation_queue")))
    assert (
        client_for(world.outsider).get(url("moderation_decide_post", post_id=item.pk)).status_code
        == 404
    )
    item.refresh_from_db()
    page = html(staff.get(url("moderation_decide_post", post_id=item.pk)))
    assert "诈骗" in page and "赵一" in page
    no_reason = html(
        staff.post(
            url("moderation_decide_post", post_id=item.pk),
            {"outcome": "remove", "reason": "", "version": item.version},
        )
    )
    assert "is-invalid" in no_reason
    done = staff.post(
        url("moderation_decide_post", post_id=item.pk),
        {"outcome": "remove", "reason": "诈骗广告", "version": item.version},
    )
    assert done.status_code == 302
    twice = html(
        staff.post(
            url("moderation_decide_post", post_id=item.pk),
            {"outcome": "restore", "reason": "x", "version": item.version},
        )
    )
    assert "刚刚已被他人处理" in twice
    item.refresh_from_db()
    assert item.visibility == Visibility.REMOVED
    note.refresh_from_db()
    staff.post(
        url("moderation_decide_comment", comment_id=note.pk),
        {"outcome": "restore", "reason": "正常", "version": note.version},
    )
    note.refresh_from_db()
    assert note.visibility == Visibility.VISIBLE and note.report_count == 0

    form = html(staff.get(url("ban_create") + f"?post={item.pk}"))
    assert "王五" in form
    staff.post(url("ban_create"), {"post": item.pk, "reason": "多次发布诈骗广告", "until": ""})
    ban = Ban.objects.get(user=author)
    twice = html(staff.post(url("ban_create"), {"post": item.pk, "reason": "x", "until": ""}))
    assert "已被禁言" in twice
    assert "多次发布诈骗广告" in html(staff.get(url("ban_list")))
    banned = html(client_for(author).get(url("neighbour_create")))
    assert "您已被禁言（长期），原因：多次发布诈骗广告" in banned
    refused = html(
        client_for(author).post(
            url("neighbour_create"), {"kind": "lend", "title": "t", "body": "b", "request_key": "q"}
        )
    )
    assert "您已被禁言" in refused
    assert client_for(world.outsider).post(url("ban_lift", ban_id=ban.pk)).status_code == 404
    staff.post(url("ban_lift", ban_id=ban.pk))
    ban.refresh_from_db()
    assert ban.lifted_at is not None
    assert staff.get(url("ban_create")).status_code == 400


def test_staff_post_list_and_policy(world: World, django_assert_max_num_queries: Any) -> None:
    community = home(world)
    author = neighbour(community, "王五")
    for i in range(5):
        post(author, f"邻里帖{i}", request_key=f"x{i}")
    post(neighbour(world.regions[AWAY], "外人"), "外县帖子")
    staff = client_for(world.users["community_staff"])
    with django_assert_max_num_queries(14):
        listing = html(staff.get(url("post_list")))
    assert "邻里帖4" in listing and "外县帖子" not in listing and "王五" in listing
    assert "外县帖子" not in html(staff.get(url("post_list") + "?region=320303"))
    assert client_for(world.users["resident"]).get(url("post_list")).status_code == 403

    official = client_for(world.users["county_official"])
    page = html(official.get(url("moderation_policy")))
    assert "系统默认规则" in page
    bad = html(
        official.post(url("moderation_policy") + "?region=320302", {"hide_after_reports": "0"})
    )
    assert "is-invalid" in bad
    official.post(
        url("moderation_policy") + "?region=320302",
        {"hide_after_reports": "4", "sensitive_words": "赌博\n代开发票"},
    )
    inherited = html(official.get(url("moderation_policy") + f"?region={HOME['community']}"))
    assert "沿用" in inherited and "代开发票" in inherited
    assert official.get(url("moderation_policy") + "?region=320303").status_code == 404
    head = client_for(world.users["community_head"])
    assert "沿用" in html(head.get(url("moderation_policy")))
    assert staff.get(url("moderation_policy")).status_code == 403
