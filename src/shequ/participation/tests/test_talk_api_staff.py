"""The talk API for moderators and those who set the rules: the ban list (scoped, paged, a bounded
number of queries), banning a post's or a comment's author and lifting a ban (MODERATE over the
community: without it 403, another county's item 404), and reading and saving the moderation policy
(CONFIGURE over the region; a region elsewhere 404)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from shequ.core import calendar
from shequ.participation.actions import talk as actions
from shequ.participation.models import Ban, ModerationPolicy
from shequ.participation.tests.factories_talk import comment, neighbour, policy, post
from tests.pages import client_for
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db
API = "/api/v1/participation/talk"
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


def _home_post(world: World, name: str = "王五") -> Any:
    return post(neighbour(world.regions[HOME["community"]], name), "求借梯子")


def _ban(world: World, code: str, name: str, **kw: Any) -> Ban:
    author = neighbour(world.regions[code], name)
    moderator = world.users["community_staff"] if code == HOME["community"] else world.outsider
    return actions.ban_user(
        community=world.regions[code], user=author, by=moderator, reason=f"{name}刷屏", **kw
    )


# --- The ban list ------------------------------------------------------------------------------------


def test_the_ban_list_is_scoped(world: World, staff: Any) -> None:
    mine = _ban(world, HOME["community"], "王五")
    _ban(world, AWAY, "外人")
    found = staff.get(f"{API}/bans")
    assert found.status_code == 200
    rows = found.json()["results"]
    assert [r["id"] for r in rows] == [mine.pk]
    assert rows[0]["user_name"] == "王五" and rows[0]["reason"] == "王五刷屏"
    assert rows[0]["community_code"] == HOME["community"] and rows[0]["lifted_at"] is None
    assert rows[0]["by_name"] == world.users["community_staff"].full_name


def test_the_ban_list_can_show_only_live_bans(world: World, staff: Any) -> None:
    lifted = _ban(world, HOME["community"], "王五")
    actions.lift_ban(ban=lifted, by=None)
    live = _ban(world, HOME["community"], "赵六")
    every = [r["id"] for r in staff.get(f"{API}/bans").json()["results"]]
    assert sorted(every) == sorted([lifted.pk, live.pk])
    only = staff.get(f"{API}/bans?live=true").json()["results"]
    assert [r["id"] for r in only] == [live.pk]


def test_the_ban_list_is_paged(world: World, staff: Any) -> None:
    for i in range(3):
        _ban(world, HOME["community"], f"居民{i}")
    page = staff.get(f"{API}/bans?page=2&page_size=2").json()
    assert page["count"] == 3 and len(page["results"]) == 1


def test_the_ban_list_needs_the_permission(world: World) -> None:
    _ban(world, HOME["community"], "王五")
    assert client_for(world.users["grid_worker"]).get(f"{API}/bans").status_code == 403
    resident = neighbour(world.regions[HOME["community"]], "孙八")
    assert client_for(resident).get(f"{API}/bans").status_code == 403


def test_the_ban_list_takes_a_bounded_number_of_queries(
    world: World, staff: Any, django_assert_max_num_queries: Any
) -> None:
    for i in range(12):
        ban = _ban(world, HOME["community"], f"居民{i}")
        if i % 2:
            actions.lift_ban(ban=ban, by=world.users["community_staff"])
    with django_assert_max_num_queries(8):
        found = staff.get(f"{API}/bans")
    assert found.status_code == 200 and found.json()["count"] == 12


# --- Banning ---------------------------------------------------------------------------------------


def test_a_moderator_bans_a_posts_author(world: World, staff: Any) -> None:
    item = _home_post(world)
    until = calendar.localdate() + timedelta(days=7)
    made = _json(
        staff, "post", f"{API}/posts/{item.pk}/ban", {"reason": "散布广告", "until": str(until)}
    )
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["user_name"] == "王五" and body["until"] == until.isoformat()
    assert actions.live_ban(item.author, world.regions[HOME["community"]]) is not None
    refused = item.author
    again = _json(
        client_for(refused),
        "post",
        f"{API}/posts",
        {"board": "forum", "title": "再发一帖", "body": "内容"},
    )
    assert again.status_code == 403 and "禁言" in again.json()["message"]


def test_a_moderator_bans_a_comments_author(world: World, staff: Any) -> None:
    item = _home_post(world)
    reply = comment(item, neighbour(world.regions[HOME["community"]], "赵六"), "广告回复")
    made = _json(staff, "post", f"{API}/comments/{reply.pk}/ban", {"reason": "广告"})
    assert made.status_code == 201, made.content
    assert made.json()["user_name"] == "赵六" and made.json()["until"] is None
    assert Ban.objects.get().user == reply.author


def test_banning_twice_is_refused(world: World, staff: Any) -> None:
    item = _home_post(world)
    assert _json(staff, "post", f"{API}/posts/{item.pk}/ban", {"reason": "广告"}).status_code == 201
    twice = _json(staff, "post", f"{API}/posts/{item.pk}/ban", {"reason": "广告"})
    assert twice.status_code == 422 and _fields(twice) == ["post_id"]
    assert "已被禁言" in twice.json()["message"]
    assert Ban.objects.count() == 1


def test_banning_checks_the_fields(world: World, staff: Any) -> None:
    item = _home_post(world)
    yesterday = calendar.localdate() - timedelta(days=1)
    past = _json(
        staff, "post", f"{API}/posts/{item.pk}/ban", {"reason": "广告", "until": str(yesterday)}
    )
    assert past.status_code == 422 and _fields(past) == ["until"]
    blank = _json(staff, "post", f"{API}/posts/{item.pk}/ban", {"reason": "  "})
    assert blank.status_code == 422 and _fields(blank) == ["reason"]
    missing = _json(staff, "post", f"{API}/posts/{item.pk}/ban", {})
    assert missing.status_code == 422 and _fields(missing) == ["reason"]
    assert not Ban.objects.exists()


def test_banning_in_another_county_is_404(world: World, staff: Any) -> None:
    away_post = post(neighbour(world.regions[AWAY], "外人"), "外县帖子")
    away_reply = comment(away_post, neighbour(world.regions[AWAY], "外人乙"), "外县回复")
    refused = _json(staff, "post", f"{API}/posts/{away_post.pk}/ban", {"reason": "x"})
    assert refused.status_code == 404 and _fields(refused) == ["post_id"]
    refused = _json(staff, "post", f"{API}/comments/{away_reply.pk}/ban", {"reason": "x"})
    assert refused.status_code == 404 and _fields(refused) == ["comment_id"]
    assert not Ban.objects.exists()


def test_banning_needs_the_permission(world: World) -> None:
    item = _home_post(world)
    grid = client_for(world.users["grid_worker"])
    assert _json(grid, "post", f"{API}/posts/{item.pk}/ban", {"reason": "x"}).status_code == 403
    assert not Ban.objects.exists()


# --- Lifting ---------------------------------------------------------------------------------------


def test_a_moderator_lifts_a_ban(world: World, staff: Any) -> None:
    ban = _ban(world, HOME["community"], "王五")
    done = staff.post(f"{API}/bans/{ban.pk}/lift")
    assert done.status_code == 200, done.content
    assert done.json()["lifted_at"] is not None
    assert done.json()["lifted_by_name"] == world.users["community_staff"].full_name
    ban.refresh_from_db()
    assert ban.lifted_by == world.users["community_staff"]
    assert actions.live_ban(ban.user, ban.community) is None


def test_lifting_twice_is_refused(world: World, staff: Any) -> None:
    ban = _ban(world, HOME["community"], "王五")
    assert staff.post(f"{API}/bans/{ban.pk}/lift").status_code == 200
    twice = staff.post(f"{API}/bans/{ban.pk}/lift")
    assert twice.status_code == 422 and "已经解除" in twice.json()["message"]


def test_lifting_needs_the_permission_and_the_place(world: World, staff: Any) -> None:
    mine, away = _ban(world, HOME["community"], "王五"), _ban(world, AWAY, "外人")
    outside = staff.post(f"{API}/bans/{away.pk}/lift")
    assert outside.status_code == 404 and _fields(outside) == ["ban_id"]
    assert (
        client_for(world.users["grid_worker"]).post(f"{API}/bans/{mine.pk}/lift").status_code == 403
    )
    assert Ban.objects.filter(lifted_at__isnull=True).count() == 2


# --- The moderation policy ---------------------------------------------------------------------------


def test_the_policy_defaults_to_the_callers_region(world: World) -> None:
    county = client_for(world.users["county_official"])
    found = county.get(f"{API}/policy")
    assert found.status_code == 200, found.content
    body = found.json()
    assert body["region_code"] == HOME["county"] and body["own"] is False
    assert body["inherited_from_code"] is None and body["updated_at"] is None
    assert (body["hide_after_reports"], body["sensitive_words"], body["allow_links"]) == (
        3,
        [],
        False,
    )


def test_a_community_reads_the_policy_it_inherits(world: World) -> None:
    policy(world.regions[HOME["county"]], hide_after=5, words="赌博\n高利贷", links=True)
    head = client_for(world.users["community_head"])
    body = head.get(f"{API}/policy").json()
    assert body["region_code"] == HOME["community"] and body["own"] is False
    assert body["inherited_from_code"] == HOME["county"]
    assert body["hide_after_reports"] == 5 and body["sensitive_words"] == ["赌博", "高利贷"]
    assert body["allow_links"] is True


def test_the_policy_of_a_region_below(world: World) -> None:
    policy(world.regions[HOME["township"]], hide_after=2)
    county = client_for(world.users["county_official"])
    body = county.get(f"{API}/policy?region={HOME['township']}").json()
    assert body["region_code"] == HOME["township"] and body["own"] is True
    assert body["hide_after_reports"] == 2 and body["updated_at"] is not None


def test_a_region_elsewhere_is_404(world: World) -> None:
    county = client_for(world.users["county_official"])
    found = county.get(f"{API}/policy?region=320303")
    assert found.status_code == 404 and _fields(found) == ["region"]
    saved = _json(county, "put", f"{API}/policy?region=320303", {"hide_after_reports": 2})
    assert saved.status_code == 404 and _fields(saved) == ["region"]
    assert not ModerationPolicy.objects.exists()


def test_saving_the_policy(world: World) -> None:
    county = client_for(world.users["county_official"])
    saved = _json(
        county,
        "put",
        f"{API}/policy?region={HOME['county']}",
        {
            "hide_after_reports": 4,
            "sensitive_words": ["赌博", " 赌博 ", "传销"],
            "allow_links": True,
        },
    )
    assert saved.status_code == 200, saved.content
    body = saved.json()
    assert body["own"] is True and body["hide_after_reports"] == 4
    assert body["sensitive_words"] == ["赌博", "传销"] and body["allow_links"] is True
    stored = ModerationPolicy.objects.get(region=world.regions[HOME["county"]])
    assert stored.sensitive_words == "赌博\n传销"
    # The communities below now refuse the words.
    resident = neighbour(world.regions[HOME["community"]], "孙八")
    refused = _json(
        client_for(resident),
        "post",
        f"{API}/posts",
        {"board": "forum", "title": "来玩", "body": "线上赌博"},
    )
    assert refused.status_code == 422 and "不允许发布的词语" in refused.json()["message"]


def test_saving_the_policy_checks_the_fields(world: World) -> None:
    county = client_for(world.users["county_official"])
    path = f"{API}/policy?region={HOME['county']}"
    for value in (0, 101):
        bad = _json(county, "put", path, {"hide_after_reports": value})
        assert bad.status_code == 422 and _fields(bad) == ["hide_after_reports"]
    long_word = _json(
        county, "put", path, {"hide_after_reports": 3, "sensitive_words": ["长" * 51]}
    )
    assert long_word.status_code == 422 and _fields(long_word) == ["sensitive_words"]
    no_region = _json(county, "put", f"{API}/policy", {"hide_after_reports": 3})
    assert no_region.status_code == 422 and _fields(no_region) == ["region"]
    assert not ModerationPolicy.objects.exists()


def test_the_policy_needs_the_permission(world: World, staff: Any) -> None:
    assert staff.get(f"{API}/policy").status_code == 403
    refused = _json(
        staff, "put", f"{API}/policy?region={HOME['community']}", {"hide_after_reports": 2}
    )
    assert refused.status_code == 403
    assert not ModerationPolicy.objects.exists()
