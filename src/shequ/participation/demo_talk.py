"""Demo suggestions, forum and neighbour circle: a moderation policy with a few sensitive words at the
county, forum threads and neighbour posts (lend, borrow, help wanted, lost and found) with replies in
the home community, one post hidden pending review after reports by three neighbours, and
suggestions with and without the community's reply.

Everything goes through ``participation.actions.talk``; posts, comments and suggestions carry
request keys derived from the seed, so loading twice adds nothing. A few extra synthetic resident
accounts (phones 1964004xxxx) are linked to synthetic residents of the home community, so that
several neighbours can write and report."""

from __future__ import annotations

import secrets
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from shequ.accounts import actions as accounts
from shequ.accounts.models import User, UserKind
from shequ.core import calendar, crypto
from shequ.participation.actions import talk as actions
from shequ.participation.models import (
    Ban,
    Board,
    Comment,
    ModerationDecision,
    ModerationPolicy,
    Post,
    PostKind,
    Suggestion,
)
from shequ.registry.actions.own import link_account
from shequ.registry.models import LifeStatus, Resident
from shequ.territory.models import Level, Region

EXTRA_RESIDENTS = 5
PHONE_PREFIX = "1964004"
DEMO_WORDS = ("代开发票", "刷单返利", "网络赌博")

THREADS = [
    ("小区夜间照明讨论", "3号楼到5号楼之间的小路晚上很黑，大家觉得需要加装路灯吗？",
     ["确实很黑，老人晚上出门不方便。", "支持加装，可以向社区提建议。", "我也去议事会反映一下。"]),
    ("周末社区篮球赛约起来", "周六下午三点在社区篮球场，欢迎邻居们来打球。",
     ["算我一个！", "带孩子去看。"]),
    ("垃圾分类投放点位置建议", "希望把厨余垃圾桶挪到离楼道远一点的地方，夏天有味道。",
     ["同意，物业可以考虑一下。"]),
]  # fmt: skip
NEIGHBOUR_POSTS = [
    (PostKind.LEND, "闲置婴儿推车可借用", "孩子大了，婴儿推车闲置，有需要的邻居可以借去用。",
     ["谢谢，下周想借用几天。"], False),
    (PostKind.HELP_WANTED, "谁家有打气筒", "自行车没气了，想借打气筒用一下，在2号楼。",
     ["我家有，晚上给您送过去。"], False),
    (PostKind.LOST_FOUND, "捡到一串钥匙", "今天早上在小区南门捡到一串钥匙，已交到社区服务站。",
     [], False),
    (PostKind.BORROW, "求借电钻一用", "装窗帘需要打两个孔，求借电钻，用完马上还。",
     ["我有，来6号楼拿。", "已借到，谢谢邻居！"], True),
]  # fmt: skip
HIDDEN_POST = ("低价代办各类证件", "各类证件加急代办，价格优惠，私信联系。")
SUGGESTIONS = [
    ("建议在小区门口增设非机动车停车棚", "电动车停放杂乱，下雨天也没有遮挡，建议增设停车棚。",
     "已列入今年微更新项目，预计下季度施工。"),
    ("建议增加老年人健身器材", "社区广场的健身器材较少，老人排队等候。",
     "已向街道申请，器材到位后会在公告栏通知。"),
    ("希望开设周末儿童托管", "双职工家庭周末照看孩子有困难，希望社区考虑。", ""),
]  # fmt: skip


def _community(county: Region, community: Region | None) -> Region | None:
    if community is not None:
        return community
    return (
        Region.objects.filter(path__under=county.path, level=Level.COMMUNITY)
        .order_by("path")
        .first()
    )


def _verified(user: Any, community: Region) -> bool:
    return Resident.objects.filter(
        account=user, community=community, status=LifeStatus.ACTIVE
    ).exists()


def _extra_residents(community: Region) -> list[User]:
    """Synthetic resident accounts linked to synthetic residents of ``community`` (reused if there)."""
    found: list[User] = []
    free = (
        Resident.objects.filter(
            community=community,
            status=LifeStatus.ACTIVE,
            account__isnull=True,
            is_synthetic=True,
            birth_date__lte=date(calendar.localdate().year - 20, 1, 1),
        )
        .select_related("community", "grid")
        .order_by("pk")
    )
    candidates = iter(list(free[: EXTRA_RESIDENTS * 2]))
    for i in range(EXTRA_RESIDENTS):
        phone = f"{PHONE_PREFIX}{i + 1:04d}"
        user = User.objects.filter(
            kind=UserKind.RESIDENT, phone_index=crypto.blind_index("phone", phone)
        ).first()
        if user is not None and _verified(user, community):
            found.append(user)
            continue
        resident = next(candidates, None)
        if resident is None:
            break
        if user is None:
            user = accounts.create_resident_user(
                phone=phone,
                full_name=resident.name,
                password=f"Dm1-{secrets.token_urlsafe(18)}",
                is_synthetic=True,
            )
        if Resident.objects.filter(account=user).exists():
            continue
        link_account(resident=resident, phone=phone, by=None)
        found.append(user)
    return found


def _quietly(act: Any) -> Any:
    try:
        return act()
    except (ValidationError, PermissionDenied):
        return None


@transaction.atomic
def load_demo_talk(
    *,
    county: Region,
    seed: int = 0,
    community: Region | None = None,
    grid: Any = None,
    users: dict[str, Any] | None = None,
    **_ignored: Any,
) -> dict[str, int]:
    users = users or {}
    home = _community(county, community)
    if home is None:
        return {}
    actions.save_policy(
        region=county,
        by=None,
        hide_after_reports=3,
        sensitive_words="\n".join(DEMO_WORDS),
        allow_links=False,
    )
    people = [u for u in [users.get("resident")] if u is not None and _verified(u, home)]
    people += _extra_residents(home)
    if len(people) < 2:
        return {"policies": 1}
    staff = users.get("community_staff")
    if staff is not None and not staff.jurisdiction(actions.Perm.MODERATE).covers_path(home.path):
        staff = None
    key = f"demo-talk-{seed}"
    counter = {"posts": 0, "comments": 0, "suggestions": 0}

    def writer(n: int) -> User:
        return people[n % len(people)]

    def add_post(n: int, board: str, kind: str, title: str, body: str, replies: list[str]) -> Post:
        author = writer(n)
        made = actions.create_post(
            by=author,
            board=board,
            kind=kind,
            title=title,
            body=body,
            request_key=f"{key}-post-{n}",
            is_synthetic=True,
        )
        counter["posts"] += 1
        for j, text in enumerate(replies):
            replier = writer(n + j + 1)
            if replier.pk == author.pk:
                replier = writer(n + j + 2)
            _quietly(
                lambda r=replier, t=text, j=j: actions.add_comment(
                    post=made, by=r, body=t, request_key=f"{key}-comment-{n}-{j}"
                )
            )
            counter["comments"] += 1
        return made

    n = 0
    for title, body, replies in THREADS:
        add_post(n, Board.FORUM, "", title, body, replies)
        n += 1
    for kind, title, body, replies, resolved in NEIGHBOUR_POSTS:
        made = add_post(n, Board.NEIGHBOURS, kind, title, body, replies)
        if resolved:
            _quietly(
                lambda m=made: actions.resolve_post(post=m, by=User.objects.get(pk=m.author_id))
            )
        n += 1
    hidden = add_post(n, Board.NEIGHBOURS, PostKind.HELP_WANTED, *HIDDEN_POST, [])
    for reporter in people:
        if reporter.pk != hidden.author_id:
            _quietly(
                lambda r=reporter: actions.report_post(post=hidden, by=r, reason="疑似诈骗广告")
            )
    for i, (title, body, reply) in enumerate(SUGGESTIONS):
        made_s = actions.create_suggestion(
            by=writer(i),
            title=title,
            body=body,
            is_public=True,
            request_key=f"{key}-suggestion-{i}",
            is_synthetic=True,
        )
        counter["suggestions"] += 1
        if reply and made_s.status == "open":
            actions.reply_suggestion(suggestion=made_s, by=staff, reply=reply)
    return {"policies": 1, **counter}


@transaction.atomic
def delete_demo_talk() -> dict[str, int]:
    posts = Post.objects.filter(is_synthetic=True)
    decisions = ModerationDecision.objects.filter(post__in=posts).delete()[0]
    decisions += ModerationDecision.objects.filter(comment__post__in=posts).delete()[0]
    comments = Comment.objects.filter(post__in=posts).delete()[0]
    deleted_posts = posts.delete()[0]
    suggestions = Suggestion.objects.filter(is_synthetic=True).delete()[0]
    synthetic_users = User.objects.filter(is_synthetic=True)
    bans = Ban.objects.filter(user__in=synthetic_users).delete()[0]
    policies = ModerationPolicy.objects.filter(sensitive_words="\n".join(DEMO_WORDS)).delete()[0]
    return {
        "posts": deleted_posts,
        "comments": comments,
        "decisions": decisions,
        "suggestions": suggestions,
        "bans": bans,
        "policies": policies,
    }
