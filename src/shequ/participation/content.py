"""What residents may write: no markup, no links unless the community allows them, no sensitive words.

Text is stored as typed and always shown escaped; this check refuses, with a message naming the
problem, what should not be published at all: HTML or script, links (the usual phishing vector) where
the policy forbids them, and the words the region's moderators listed. The policy is the nearest one
up the territory (a community's own, else its township's, county's or the city's)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from shequ.core.text import enumerate_items
from shequ.participation.models import ModerationPolicy
from shequ.territory.models import Region

_MARKUP = re.compile(r"<\s*/?\s*[a-zA-Z!][^>]*>|javascript\s*:|on[a-z]+\s*=", re.IGNORECASE)
_LINK = re.compile(
    r"(?:https?://|ftp://|www\.)\S+"
    r"|\b[a-z0-9][a-z0-9-]{0,62}(?:\.[a-z0-9-]{1,63})*\.(?:com|cn|net|org|top|xyz|info|cc|vip|"
    r"shop|club|site|online|link|ru|io|me|tk|ml|app)\b(?:/\S*)?",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Policy:
    hide_after_reports: int = 3
    allow_links: bool = False
    sensitive_words: tuple[str, ...] = ()


def policy_for(community: Region) -> Policy:
    """The nearest moderation policy at or above ``community`` (one query), or the defaults."""
    paths = _ancestor_paths(community.path)
    found = (
        ModerationPolicy.objects.filter(region__path__in=paths)
        .select_related("region")
        .order_by("-region__path")
        .first()
    )
    if found is None:
        return Policy()
    words = tuple(dict.fromkeys(w.strip() for w in found.sensitive_words.splitlines() if w.strip()))
    return Policy(
        hide_after_reports=max(1, found.hide_after_reports),
        allow_links=found.allow_links,
        sensitive_words=words,
    )


def _ancestor_paths(path: str) -> list[str]:
    parts = [p for p in path.split("/") if p]
    return ["".join(f"{p}/" for p in parts[: i + 1]) for i in range(len(parts))]


def check_text(text: str, *, community: Region, field: str, policy: Policy | None = None) -> None:
    """Raise a ``ValidationError`` on ``field`` when ``text`` may not be published in ``community``."""
    if not text:
        return
    if _MARKUP.search(text):
        raise ValidationError({field: _("内容不能包含网页代码或脚本，请只填写文字。")})
    rules = policy if policy is not None else policy_for(community)
    if not rules.allow_links and _LINK.search(text):
        raise ValidationError({field: _("为防范诈骗，本社区不允许发布网址链接，请删除后再提交。")})
    lowered = text.lower()
    hits = [w for w in rules.sensitive_words if w.lower() in lowered]
    if hits:
        raise ValidationError(
            {field: _("内容含有不允许发布的词语：%(words)s。") % {"words": enumerate_items(hits)}}
        )
