"""URL parameter values for the every-URL-every-role test: the `talk` feature. Per county, at its
community: a suggestion 【SG…】, a neighbour post 【PO…】 with a comment 【CM…】 (reported, so it is
in the moderation queue), and a ban 【BN…】 of the post's author; plus ids that do not exist."""

from __future__ import annotations

from typing import Any

from shequ.participation.actions import talk as actions
from shequ.participation.tests.factories_talk import comment, neighbour, post, suggestion

PLACES = {"320302": "320302001001", "320303": "320303001001"}
NOWHERE = "99999999"


def _records(world: Any) -> list[dict[str, Any]]:
    found = getattr(world, "talk_records", None)
    if found is not None:
        return found
    found = []
    for county, community_code in PLACES.items():
        community = world.regions[community_code]
        moderator = world.users["community_staff"] if county == "320302" else world.outsider
        marks = {k: f"【{k}{county}】" for k in ("SG", "PO", "CM", "BN", "PA")}
        for mark in marks.values():
            world.all_tokens[mark] = community.path
        author = neighbour(community, f"{marks['PA']}居民")
        other = neighbour(community, "李四")
        made_suggestion = suggestion(author, title=f"{marks['SG']}建议", body=f"{marks['SG']}内容")
        made_post = post(author, f"{marks['PO']}求借梯子", body=f"{marks['PO']}内容")
        made_comment = comment(made_post, other, f"{marks['CM']}回复")
        actions.report_comment(comment=made_comment, by=author, reason=f"{marks['CM']}举报")
        ban = actions.ban_user(
            community=community, user=author, by=moderator, reason=f"{marks['BN']}理由"
        )
        found.append(
            {"suggestion": made_suggestion, "post": made_post, "comment": made_comment, "ban": ban}
        )
    world.talk_records = found
    return found


def _ids(key: str) -> Any:
    def provide(world: Any, model: Any) -> list[str]:
        return [str(r[key].pk) for r in _records(world)] + [NOWHERE]

    return provide


PROVIDERS: dict[str, Any] = {
    "suggestion_id": _ids("suggestion"),
    "post_id": _ids("post"),
    "comment_id": _ids("comment"),
    "ban_id": _ids("ban"),
}
