"""Staff hide a resident's opinion on a topic (and show it again), with a reason: the opinion leaves
the residents' page and API, stays on the staff page marked hidden with the reason, and both moves are
audited with the reason. Moderators (``participation.moderate``: community staff and heads, township
staff) do it within their jurisdiction; others are refused."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from shequ.core.models import AuditEvent
from shequ.participation.actions import deliberation as actions
from shequ.participation.models import DeliberationMode, TopicOpinion
from shequ.participation.tests.factories_deliberation import deliberating, neighbour
from tests.pages import client_for, html
from tests.world import HOME, World, build_world

pytestmark = pytest.mark.django_db
API = "/api/v1/participation"
AWAY = "320303001001"
RUDE = "隔壁老王就是个骗子"


@pytest.fixture
def world() -> World:
    return build_world()


def home(world: World) -> Any:
    return world.regions[HOME["community"]]


def staff(world: World) -> Any:
    return world.users["community_staff"]


def consulted(community: Any, by: Any) -> tuple[TopicOpinion, Any]:
    """A topic in online consultation with one resident's opinion; returns it and a neighbour."""
    topic = deliberating(community, by, mode=DeliberationMode.ONLINE)
    _p, author = neighbour(community, "赵居民")
    opinion = actions.give_opinion(topic, by=author, body=RUDE)
    _p, reader = neighbour(community)
    return opinion, reader


def moderate_url(opinion: TopicOpinion) -> str:
    return reverse(
        "participation:topic_opinion_moderate",
        kwargs={"topic_id": opinion.topic_id, "opinion_id": opinion.pk},
    )


def page(user: Any, opinion: TopicOpinion, name: str) -> str:
    return html(
        client_for(user).get(
            reverse(f"participation:{name}", kwargs={"topic_id": opinion.topic_id})
        )
    )


def test_hiding_through_the_staff_page_hides_it_from_residents_only(world: World) -> None:
    opinion, reader = consulted(home(world), staff(world))
    assert RUDE in page(reader, opinion, "topic_page")
    staff_page = page(staff(world), opinion, "topic_detail")
    assert moderate_url(opinion) in staff_page and "隐藏理由" in staff_page
    done = client_for(staff(world)).post(
        moderate_url(opinion), {"do": "hide", "reason": "人身攻击"}, follow=True
    )
    assert done.redirect_chain[-1][0] == reverse(
        "participation:topic_detail", kwargs={"topic_id": opinion.topic_id}
    )
    body = html(done)
    assert "已隐藏该意见" in body and RUDE in body and "人身攻击" in body and "已隐藏" in body
    opinion.refresh_from_db()
    assert opinion.is_hidden and opinion.hidden_reason == "人身攻击"
    assert RUDE not in page(reader, opinion, "topic_page")
    event = AuditEvent.objects.get(action="participation.topic_opinion_hide")
    assert event.reason == "人身攻击" and event.object_id == str(opinion.pk)
    assert event.region_path == home(world).path and RUDE not in event.object_repr


def test_restoring_through_the_page_shows_it_again(world: World) -> None:
    opinion, reader = consulted(home(world), staff(world))
    actions.hide_opinion(opinion, by=staff(world), reason="人身攻击")
    assert "恢复显示" in page(staff(world), opinion, "topic_detail")
    done = client_for(staff(world)).post(
        moderate_url(opinion), {"do": "restore", "reason": "核实后无不当内容"}, follow=True
    )
    assert "已恢复显示该意见" in html(done)
    opinion.refresh_from_db()
    assert not opinion.is_hidden and opinion.hidden_reason == ""
    assert RUDE in page(reader, opinion, "topic_page")
    event = AuditEvent.objects.get(action="participation.topic_opinion_restore")
    assert event.reason == "核实后无不当内容"


def test_a_reason_is_required(world: World) -> None:
    opinion, _reader = consulted(home(world), staff(world))
    done = client_for(staff(world)).post(
        moderate_url(opinion), {"do": "hide", "reason": "  "}, follow=True
    )
    assert "请填写理由" in html(done)
    opinion.refresh_from_db()
    assert not opinion.is_hidden
    assert not AuditEvent.objects.filter(action="participation.topic_opinion_hide").exists()


def test_hiding_twice_is_refused(world: World) -> None:
    opinion, _reader = consulted(home(world), staff(world))
    actions.hide_opinion(opinion, by=staff(world), reason="广告")
    done = client_for(staff(world)).post(
        moderate_url(opinion), {"do": "hide", "reason": "再次"}, follow=True
    )
    assert "该意见已经隐藏了" in html(done)
    opinion.refresh_from_db()
    assert opinion.hidden_reason == "广告"


def test_township_staff_moderate_their_communities(world: World) -> None:
    opinion, _reader = consulted(home(world), staff(world))
    township = world.users["township_staff"]
    done = client_for(township).post(moderate_url(opinion), {"do": "hide", "reason": "广告"})
    assert done.status_code == 302
    opinion.refresh_from_db()
    assert opinion.is_hidden


def test_without_the_moderate_permission_the_page_refuses(world: World) -> None:
    opinion, _reader = consulted(home(world), staff(world))
    grid_worker = world.users["grid_worker"]
    assert "隐藏理由" not in page(grid_worker, opinion, "topic_detail")
    done = client_for(grid_worker).post(moderate_url(opinion), {"do": "hide", "reason": "广告"})
    assert done.status_code == 403
    with pytest.raises(PermissionDenied, match="没有审核居民意见的权限"):
        actions.hide_opinion(opinion, by=grid_worker, reason="广告")
    opinion.refresh_from_db()
    assert not opinion.is_hidden


def test_another_countys_opinion_is_not_found(world: World) -> None:
    opinion, _reader = consulted(world.regions[AWAY], world.outsider)
    done = client_for(staff(world)).post(moderate_url(opinion), {"do": "hide", "reason": "广告"})
    assert done.status_code == 404
    opinion.refresh_from_db()
    assert not opinion.is_hidden


def test_residents_api_leaves_hidden_opinions_out_staff_see_them_marked(world: World) -> None:
    opinion, reader = consulted(home(world), staff(world))
    actions.hide_opinion(opinion, by=staff(world), reason="人身攻击")
    url = f"{API}/topics/{opinion.topic_id}/opinions"
    assert client_for(reader).get(url).json()["results"] == []
    rows = client_for(staff(world)).get(url).json()["results"]
    assert [(r["body"], r["is_hidden"], r["hidden_reason"]) for r in rows] == [
        (RUDE, True, "人身攻击")
    ]
    assert "赵" not in json.dumps(rows, ensure_ascii=False)
