"""URL parameter values for the every-URL test: deliberation. Per county, at its community: a
committee topic 【TP…】 awaiting admission (not on the public page), and the community's own
workflow (named after the community); a topic in online consultation with a resident's opinion
【OP…】; the default workflow's steps; plus ids that do not exist."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from shequ.participation.actions import deliberation as actions
from shequ.participation.models import DeliberationMode, TopicOpinion, TopicStep
from shequ.participation.tests.factories_deliberation import deliberating, neighbour

PLACES = {"320302": "320302001001", "320303": "320303001001"}
NOWHERE = "99999999"


def _records(world: Any) -> list[dict[str, Any]]:
    found = getattr(world, "topic_records", None)
    if found is not None:
        return found
    found = []
    for county, community_code in PLACES.items():
        community = world.regions[community_code]
        mark = f"【TP{county}】"
        world.all_tokens[mark] = community.path
        topic = actions.propose_staff(
            by=None, community=community, title=f"{mark}议题", body=f"{mark}内容"
        )
        workflow = actions.copy_workflow(community=community, by=None)
        found.append({"topic": topic, "workflow": workflow})
    world.topic_records = found
    return found


def _topic_ids(world: Any, model: Any) -> list[str]:
    consulted = [str(o.topic_id) for o in _opinions(world)]
    return [str(r["topic"].pk) for r in _records(world)] + consulted + [NOWHERE]


def _step_ids(world: Any, model: Any) -> list[str]:
    _records(world)
    default = actions.default_workflow()
    return [str(s.pk) for s in TopicStep.objects.filter(workflow=default).order_by("pk")[:2]] + [
        NOWHERE
    ]


def _workflow_ids(world: Any, model: Any) -> list[str]:
    return [str(r["workflow"].pk) for r in _records(world)] + [NOWHERE]


def _opinions(world: Any) -> list[TopicOpinion]:
    found = getattr(world, "topic_opinions", None)
    if found is not None:
        return found
    found = []
    for county, community_code in PLACES.items():
        community = world.regions[community_code]
        mark = f"【OP{county}】"
        world.all_tokens[mark] = community.path
        topic = deliberating(community, None, mode=DeliberationMode.ONLINE)
        _person, user = neighbour(community)
        found.append(actions.give_opinion(topic, by=user, body=f"{mark}意见"))
    world.topic_opinions = found
    return found


def _opinion_ids(world: Any, model: Any) -> list[str]:
    return [str(o.pk) for o in _opinions(world)] + [NOWHERE]


PROVIDERS: dict[str, Callable[[Any, Any], Any]] = {
    "topic_id": _topic_ids,
    "step_id": _step_ids,
    "workflow_id": _workflow_ids,
    "opinion_id": _opinion_ids,
}
