"""Residents who take part, suggestions, posts, comments, reports and policies, made through the
real actions of ``participation.actions.talk``."""

from __future__ import annotations

import itertools
from typing import Any

from shequ.accounts import actions as accounts
from shequ.participation.actions import talk as actions
from shequ.participation.models import Board, Comment, ModerationPolicy, Post, PostKind, Suggestion
from shequ.registry.models import Resident
from shequ.registry.tests import factories as registry
from shequ.territory.models import Region

_phones = itertools.count(1)


def neighbour(community: Region, name: str = "张三") -> Any:
    """A verified resident of ``community``: a registry record with a linked sign-in account."""
    resident = registry.resident(community, name)
    user = accounts.create_resident_user(
        phone=f"194{next(_phones) + 44000000:08d}", full_name=name, password="Resident-pass-1"
    )
    Resident.objects.filter(pk=resident.pk).update(account=user)
    return user


def suggestion(by: Any, title: str = "建议在小区门口增设非机动车停车棚", **kw: Any) -> Suggestion:
    kw.setdefault("body", "电动车停放杂乱，影响通行。")
    return actions.create_suggestion(by=by, title=title, **kw)


def post(
    by: Any,
    title: str = "求借梯子",
    *,
    board: str = Board.NEIGHBOURS,
    kind: str = PostKind.BORROW,
    body: str = "家里换灯泡，想借一个两米左右的梯子，用完当天归还。",
    **kw: Any,
) -> Post:
    return actions.create_post(by=by, board=board, kind=kind, title=title, body=body, **kw)


def thread(by: Any, title: str = "小区夜间照明讨论", **kw: Any) -> Post:
    return post(by, title, board=Board.FORUM, kind="", body="大家觉得路灯够亮吗？", **kw)


def comment(item: Post, by: Any, body: str = "我家有，可以借给您。", **kw: Any) -> Comment:
    return actions.add_comment(post=item, by=by, body=body, **kw)


def policy(
    region: Region, *, hide_after: int = 3, words: str = "", links: bool = False
) -> ModerationPolicy:
    return actions.save_policy(
        region=region,
        by=None,
        hide_after_reports=hide_after,
        sensitive_words=words,
        allow_links=links,
    )
