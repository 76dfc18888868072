"""Talk actions: verified residents only, text checks (scripts, phishing links, sensitive words), a
retried request lands once, reports once per user with automatic hiding at the policy's threshold
(nearest policy up the territory), moderator decisions with reasons and versions, bans."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from shequ.core import calendar
from shequ.participation.actions import talk as actions
from shequ.participation.models import (
    Board,
    Comment,
    ModerationDecision,
    Post,
    Report,
    Suggestion,
    SuggestionStatus,
    Visibility,
)
from shequ.participation.tests.factories_talk import (
    comment,
    neighbour,
    policy,
    post,
    suggestion,
    thread,
)
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db
AWAY = "320303001001"


@pytest.fixture
def world() -> World:
    return build_world()


def home(world: World) -> Any:
    return world.regions[HOME["community"]]


def messages_of(exc: Any) -> str:
    return " ".join(exc.value.messages)


def test_only_verified_residents_write(world: World) -> None:
    with pytest.raises(PermissionDenied, match="居民本人"):
        post(world.users["community_staff"])
    with pytest.raises(PermissionDenied, match="关联居民信息"):
        post(world.users["resident"])
    assert not Post.objects.exists()


def test_scripts_phishing_links_and_sensitive_words_are_refused(world: World) -> None:
    me = neighbour(home(world))
    with pytest.raises(ValidationError) as exc:
        post(me, body="<script>alert(1)</script>")
    assert "脚本" in messages_of(exc)
    with pytest.raises(ValidationError) as exc:
        post(me, body="领取补贴请点 http://gov-butie.top/login")
    assert "网址链接" in messages_of(exc)
    policy(world.regions[HOME["county"]], words="刷单返利\n赌博")
    with pytest.raises(ValidationError) as exc:
        thread(me, title="刷单返利，日赚千元")
    assert "刷单返利" in messages_of(exc)
    with pytest.raises(ValidationError) as exc:
        suggestion(me, body="<img src=x onerror=alert(1)>")
    assert "脚本" in messages_of(exc)
    made = post(me)
    with pytest.raises(ValidationError):
        comment(made, neighbour(home(world), "李四"), "javascript:alert(1)")
    assert Post.objects.count() == 1 and not Comment.objects.exists()
    assert not Suggestion.objects.exists()


def test_links_allowed_when_the_community_policy_says_so(world: World) -> None:
    me = neighbour(home(world))
    policy(world.regions[HOME["county"]], links=False)
    policy(home(world), links=True)
    assert post(me, body="活动报名见 www.example.com").pk


def test_a_retried_request_lands_once(world: World) -> None:
    me = neighbour(home(world))
    first = post(me, request_key="k1")
    again = post(me, request_key="k1")
    assert first.pk == again.pk and Post.objects.count() == 1
    s1 = suggestion(me, request_key="s1")
    assert suggestion(me, request_key="s1").pk == s1.pk
    other = neighbour(home(world), "李四")
    c1 = comment(first, other, request_key="c1")
    assert comment(first, other, request_key="c1").pk == c1.pk
    assert Comment.objects.count() == 1
    with pytest.raises(ValidationError, match="请求标识"):
        post(other, request_key="k1")


def test_neighbour_posts_need_a_kind(world: World) -> None:
    me = neighbour(home(world))
    with pytest.raises(ValidationError) as exc:
        post(me, kind="discussion")
    assert "出借" in messages_of(exc)
    with pytest.raises(ValidationError):
        actions.create_post(by=me, board="x", title="t", body="b")
    with pytest.raises(ValidationError) as exc:
        post(me, title="  ")
    assert "请填写" in messages_of(exc)


def test_reports_once_per_user_and_hide_at_the_threshold(world: World) -> None:
    policy(world.regions[HOME["county"]], hide_after=3)
    community = home(world)
    author = neighbour(community, "王五")
    item = post(author)
    first = neighbour(community, "赵一")
    actions.report_post(post=item, by=first, reason="广告")
    for _i in range(5):
        with pytest.raises(ValidationError, match="您已举报过"):
            actions.report_post(post=item, by=first, reason="广告")
    item.refresh_from_db()
    assert item.report_count == 1 and item.visibility == Visibility.VISIBLE
    with pytest.raises(ValidationError, match="自己"):
        actions.report_post(post=item, by=author, reason="x")
    actions.report_post(post=item, by=neighbour(community, "钱二"), reason="诈骗")
    actions.report_post(post=item, by=neighbour(community, "孙三"), reason="诈骗")
    item.refresh_from_db()
    assert item.report_count == 3 and item.visibility == Visibility.HIDDEN
    assert Report.objects.filter(post=item).count() == 3
    with pytest.raises(ValidationError, match="审核中"):
        actions.report_post(post=item, by=neighbour(community, "李六"), reason="x")


def test_the_nearest_policy_applies(world: World) -> None:
    policy(world.regions[HOME["county"]], hide_after=5)
    policy(home(world), hide_after=1)
    community = home(world)
    item = post(neighbour(community))
    actions.report_post(post=item, by=neighbour(community, "李四"), reason="广告")
    item.refresh_from_db()
    assert item.visibility == Visibility.HIDDEN


def test_a_resident_of_another_community_cannot_report_or_comment(world: World) -> None:
    item = post(neighbour(home(world)))
    stranger = neighbour(world.regions[AWAY], "外人")
    with pytest.raises(PermissionDenied, match="的居民才能参与"):
        actions.report_post(post=item, by=stranger, reason="x")
    with pytest.raises(PermissionDenied):
        comment(item, stranger)


def test_moderator_restores_or_removes_with_a_reason_once(world: World) -> None:
    policy(world.regions[HOME["county"]], hide_after=1)
    community = home(world)
    item = post(neighbour(community))
    actions.report_post(post=item, by=neighbour(community, "李四"), reason="广告")
    item.refresh_from_db()
    staff = world.users["community_staff"]
    with pytest.raises(ValidationError) as exc:
        actions.decide(by=staff, post=item, outcome="restore", reason=" ")
    assert "请填写" in messages_of(exc)
    with pytest.raises(ValidationError):
        actions.decide(by=staff, post=item, outcome="burn", reason="x")
    seen = item.version
    actions.decide(by=staff, post=item, outcome="restore", reason="内容正常", version=seen)
    with pytest.raises(ValidationError, match="刚刚已被他人处理"):
        actions.decide(by=staff, post=item, outcome="remove", reason="x", version=seen)
    item.refresh_from_db()
    assert item.visibility == Visibility.VISIBLE and item.report_count == 0
    assert ModerationDecision.objects.filter(post=item).count() == 1
    with pytest.raises(PermissionDenied):
        actions.decide(by=world.outsider, post=item, outcome="remove", reason="x")


def test_ban_stops_posting_and_commenting(world: World) -> None:
    community = home(world)
    me = neighbour(community)
    staff = world.users["community_staff"]
    until = calendar.localdate() + timedelta(days=7)
    with pytest.raises(ValidationError, match="不能早于今天"):
        actions.ban_user(
            community=community, user=me, by=staff, reason="辱骂", until=until - timedelta(days=30)
        )
    ban = actions.ban_user(community=community, user=me, by=staff, reason="辱骂他人", until=until)
    with pytest.raises(ValidationError, match="已被禁言"):
        actions.ban_user(community=community, user=me, by=staff, reason="again")
    with pytest.raises(PermissionDenied, match=f"您已被禁言至{until.isoformat()}，原因：辱骂他人"):
        post(me)
    other = post(neighbour(community, "李四"))
    with pytest.raises(PermissionDenied, match="禁言"):
        comment(other, me)
    with pytest.raises(PermissionDenied):
        actions.ban_user(community=community, user=me, by=world.outsider, reason="x")
    actions.lift_ban(ban=ban, by=staff)
    with pytest.raises(ValidationError, match="已经解除"):
        actions.lift_ban(ban=ban, by=staff)
    assert post(me, title="又能发帖了").pk


def test_suggestion_reply_once_and_only_by_moderators(world: World) -> None:
    s = suggestion(neighbour(home(world)))
    with pytest.raises(PermissionDenied):
        actions.reply_suggestion(suggestion=s, by=world.outsider, reply="x")
    with pytest.raises(ValidationError):
        actions.reply_suggestion(suggestion=s, by=world.users["community_staff"], reply="")
    actions.reply_suggestion(suggestion=s, by=world.users["community_staff"], reply="已安排")
    with pytest.raises(ValidationError, match="已经回复"):
        actions.reply_suggestion(suggestion=s, by=world.users["township_staff"], reply="x")
    s.refresh_from_db()
    assert s.status == SuggestionStatus.REPLIED and s.reply == "已安排"


def test_policy_is_checked(world: World) -> None:
    county = world.regions[HOME["county"]]
    official = world.users["county_official"]
    with pytest.raises(ValidationError, match="1到100"):
        actions.save_policy(region=county, by=official, hide_after_reports=0)
    with pytest.raises(PermissionDenied):
        actions.save_policy(region=world.regions["320303"], by=official, hide_after_reports=2)
    saved = actions.save_policy(
        region=county, by=official, hide_after_reports=2, sensitive_words=" 赌博 \n\n赌博\n代开发票"
    )
    assert saved.sensitive_words == "赌博\n代开发票"


def test_only_the_author_resolves_a_neighbour_post(world: World) -> None:
    me = neighbour(home(world))
    item = post(me)
    with pytest.raises(PermissionDenied):
        actions.resolve_post(post=item, by=neighbour(home(world), "李四"))
    actions.resolve_post(post=item, by=me)
    with pytest.raises(ValidationError, match="已经标记"):
        actions.resolve_post(post=item, by=me)
    forum = thread(me)
    assert forum.board == Board.FORUM
    with pytest.raises(ValidationError, match="邻里圈"):
        actions.resolve_post(post=forum, by=me)
