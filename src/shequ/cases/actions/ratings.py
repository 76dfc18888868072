"""好差评 (S4) and following a case by number.

Every closed case may be rated once per closing, one to five stars, by its requester. Two stars or
fewer is a bad rating: a callback (回访) is due within one working day, and the case goes back to work
(整改) under the same number, due within 15 working days, with its owner and lead unit told.

A requester without an account follows a case with its number and a code sent to the phone given at
intake. The answer is the same whether the number or the phone is wrong, so numbers cannot be probed.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shequ.cases import deadlines
from shequ.cases.actions.handling import (
    _require_requester,
    clean_text,
    log,
    move,
    require_case,
    responsible,
    tell_staff,
    unit_handlers,
)
from shequ.cases.models import (
    BAD_RATING_MAX,
    Callback,
    Case,
    CaseStatus,
    EventKind,
    FollowCode,
    Rating,
)
from shequ.cases.numbers import grouped, parse
from shequ.cases.permissions import CasesPerm
from shequ.core import audit, calendar, crypto, notifications
from shequ.core.validators import normalize_phone

FOLLOW_CODE_TTL = timedelta(minutes=10)
FOLLOW_CODE_INTERVAL = timedelta(minutes=1)
FOLLOW_CODES_PER_DAY = 5
FOLLOW_CODE_TRIES = 5


def rate(*, case: Case, requester: Any, stars: int, comment: str = "") -> Rating:
    _require_requester(case, requester)
    try:
        stars = int(stars)
    except (TypeError, ValueError):
        stars = 0
    if not 1 <= stars <= 5:
        raise ValidationError({"stars": _("请选择一到五星。")})
    comment = clean_text(comment, field="comment", limit=500)
    if case.status != CaseStatus.CLOSED:
        raise ValidationError(_("只能评价已办结的工单，且每次办结只能评价一次。"))
    at = calendar.now()
    rated_by = requester if getattr(requester, "pk", None) else None
    with transaction.atomic():
        move(case, "rate", by=None, at=at, note=comment)
        rating = Rating.objects.create(
            case=case, stars=stars, comment=comment, rated_at=at, rated_by=rated_by
        )
        log(case, EventKind.RATING, at=at, label=f"{stars}★", public=True)
        audit.record("cases.rate", obj=case, actor=rated_by, object_repr=case.number)
        if stars <= BAD_RATING_MAX:
            _after_bad_rating(case, rating, at)
    return rating


def _after_bad_rating(case: Case, rating: Rating, at: Any) -> None:
    Callback.objects.create(case=case, rating=rating, due_at=deadlines.CALLBACK.due(at))
    due = deadlines.RECTIFICATION.due(at)
    move(
        case,
        "reopen",
        by=None,
        at=at,
        note=_("差评整改"),
        due_at=due,
        rectification=True,
        closed_at=None,
        handled_at=None,
    )
    people = [case.owner] if case.owner_id else []
    if case.lead_unit_id:
        people += unit_handlers([case.lead_unit])
    tell_staff(
        people or responsible(case),
        case,
        gettext_lazy("差评工单：请一个工作日内回访并整改"),
        sms=True,
    )


def record_callback(*, callback: Callback, by: Any, note: str) -> Callback:
    require_case(by, CasesPerm.ACCEPT, callback.case)
    note = clean_text(note, field="note", required=True)
    at = calendar.now()
    with transaction.atomic():
        updated = Callback.objects.filter(pk=callback.pk, done_at__isnull=True).update(
            done_at=at, done_by=by, note=note
        )
        if updated != 1:
            raise ValidationError(_("该回访刚刚已被他人登记，请刷新页面查看最新状态。"))
        callback.refresh_from_db()
        log(callback.case, EventKind.CALLBACK, by=by, at=at, note=note, public=False)
        audit.record(
            "cases.callback", obj=callback.case, actor=by, object_repr=callback.case.number
        )
    return callback


# --- Following by number ---------------------------------------------------------------------------


def case_by_number(text: str) -> Case | None:
    """The case a typed number names, or ``None``: the check digit and the day must both match."""
    parsed = parse(text)
    if parsed is None:
        return None
    pk, _day = parsed
    case = Case.objects.filter(pk=pk).select_related("region").first()
    if case is None or case.number != "".join(ch for ch in text if ch.isdigit()):
        return None
    return case


def _code_hash(case_id: int, code: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"follow:{case_id}:{code}".encode(), hashlib.sha256).hexdigest()


def send_follow_code(*, number: str, phone: str) -> None:
    """Text a code to ``phone`` if it is the phone given for case ``number`` and the limits allow (one a
    minute, five a day); otherwise do nothing. Either way the caller shows the same answer."""
    case = case_by_number(number)
    try:
        index = crypto.blind_index("phone", normalize_phone(phone))
    except ValidationError:
        index = ""
    if case is None or not index or case.requester_phone_index != index:
        return
    now = calendar.now()
    with transaction.atomic():
        recent = FollowCode.objects.filter(case=case, created_at__gte=now - timedelta(days=1))
        # Over the limits nothing is sent, silently: a different answer would tell a prober that
        # the number and phone match. The page always states the limits.
        if recent.filter(created_at__gte=now - FOLLOW_CODE_INTERVAL).exists():
            return
        if recent.count() >= FOLLOW_CODES_PER_DAY:
            return
        code = f"{secrets.randbelow(10**6):06d}"
        FollowCode.objects.create(
            case=case,
            code_hash=_code_hash(case.pk, code),
            created_at=now,
            expires_at=now + FOLLOW_CODE_TTL,
        )
        text = _("【社区服务平台】查询工单 %(number)s 的验证码是%(code)s，10分钟内有效。") % {
            "number": grouped(case.number),
            "code": code,
        }
        target = case.requester_phone
        transaction.on_commit(lambda: notifications.send_sms(target, text, "cases.follow_code"))


def verify_follow_code(*, number: str, code: str) -> Case | None:
    """The case, when ``code`` is the latest unexpired code sent for it; five wrong tries void it."""
    case = case_by_number(number)
    if case is None:
        return None
    now = calendar.now()
    with transaction.atomic():
        row = (
            FollowCode.objects.select_for_update()
            .filter(case=case, used_at__isnull=True, expires_at__gt=now)
            .order_by("-created_at")
            .first()
        )
        if row is None or row.attempts >= FOLLOW_CODE_TRIES:
            return None
        if not hmac.compare_digest(row.code_hash, _code_hash(case.pk, (code or "").strip())):
            FollowCode.objects.filter(pk=row.pk).update(attempts=row.attempts + 1)
            return None
        FollowCode.objects.filter(pk=row.pk).update(used_at=now)
    return case
