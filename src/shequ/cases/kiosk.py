"""Kiosk terminals (自助终端) of community service halls, set up by staff.

A terminal is known by its start URL, which carries a token signed with the site's secret key: the
community, the terminal's label, who set it up and when. Only a page opened from such a URL takes in
cases, for the community in the token (never one named in the query string), so the kiosk is not an
open case-creation endpoint for the internet.

Tokens do not expire and there is no terminal registry: a terminal's URL stops working only when the
secret key is rotated (which stops every terminal). Revoking one terminal needs a registry of
terminals, which this module does not have yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _

from shequ.cases import queries
from shequ.cases.queries import intake as intake_queries
from shequ.core import audit, calendar
from shequ.territory.models import Region

SALT = "cases.kiosk"
LABEL_MAX = 40
# A hall's terminal takes a few cases an hour; 30 in an hour is a script, not a queue of residents.
CASES_PER_HOUR = 30
# The kiosk goes back to its start screen after this long without a touch.
IDLE_SECONDS = 60
# Far longer than any token this module signs; anything longer is not ours and is not decoded.
TOKEN_MAX = 1000


@dataclass(frozen=True)
class Terminal:
    """A kiosk terminal, as its signed token describes it."""

    token: str
    community: Region
    label: str
    set_up_by: int | None
    set_up_at: datetime

    @property
    def owner(self) -> str:
        """The idempotency owner of the terminal's cases: one namespace per community and label."""
        return f"kiosk:{self.community.code}:{self.label}"

    @property
    def start_url(self) -> str:
        return kiosk_start_url(self.token)


def kiosk_start_url(token: str) -> str:
    """The path a terminal opens at start and returns to when idle."""
    return f"{reverse('cases:kiosk')}?{urlencode({'terminal': token})}"


def kiosk_token(*, community: Region, label: str, by: Any) -> str:
    """Set up a terminal: the signed token of its start URL. ``by`` takes in cases (``cases.intake``)
    in ``community``; the setting-up is audited (nothing else is stored)."""
    label = " ".join(label.split())
    if not label:
        raise ValidationError({"label": _("请填写终端名称。")})
    if len(label) > LABEL_MAX:
        raise ValidationError({"label": _("终端名称最多 %(n)d 个字。") % {"n": LABEL_MAX}})
    if not intake_queries.intake_communities(by).filter(pk=community.pk).exists():
        raise PermissionDenied(_("所选村(社区)不在您的管辖范围内。"))
    now = calendar.now()
    token = signing.dumps(
        {"c": community.code, "l": label, "b": by.pk, "t": int(now.timestamp())},
        salt=SALT,
        compress=True,
    )
    audit.record(
        "cases.kiosk_setup",
        actor=by,
        region=community,
        object_type="cases.kiosk_terminal",
        object_id=community.code,
        object_repr=label,
    )
    return token


def kiosk_terminal(token: str) -> Terminal | None:
    """The terminal a token describes; ``None`` for a missing, malformed or tampered token, or one
    whose community no longer exists."""
    if not token or len(token) > TOKEN_MAX:
        return None
    try:
        data = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict):
        return None
    code, label, by, at = data.get("c"), data.get("l"), data.get("b"), data.get("t")
    if not isinstance(code, str) or not isinstance(label, str) or not label:
        return None
    if not isinstance(at, int) or not (by is None or isinstance(by, int)):
        return None
    try:
        community = queries.community(code)
    except Http404:
        return None
    return Terminal(
        token=token,
        community=community,
        label=label,
        set_up_by=by,
        set_up_at=datetime.fromtimestamp(at, tz=UTC),
    )


def terminal_busy(terminal: Terminal, *, key: str) -> bool:
    """Whether the terminal has made ``CASES_PER_HOUR`` cases in the last hour, not counting the one
    form ``key`` names (sent again, it answers with its case rather than being refused)."""
    since = calendar.now() - timedelta(hours=1)
    return intake_queries.keyed_cases_since(terminal.owner, since, besides=key) >= CASES_PER_HOUR
