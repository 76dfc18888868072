"""Every write to the time bank (时间银行, V1): accounts opened on first need, transfers with their two
movements, reversals, flags, rules and the expiry of unspent hours.

The ledger is append-only (see ``models.timebank``). A posting locks the rows of the accounts it
touches, in primary-key order (``select_for_update``), before it reads their balances: two postings
that share an account are serialised, so no pair of them can overdraw it, and each movement's
``balance_after`` continues the chain of that account. A transfer carries a one-time ``request_key``
(the form's hidden key, or one derived from what it credits): the same key again returns the transfer
already made, so a double click or a retried request posts once.

``credit_hours`` is what the activities feature calls when the organiser confirms a volunteer's hours;
it works inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Max, OuterRef, Q, Subquery, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core import audit
from shequ.registry.models import LifeStatus, Resident
from shequ.territory.models import Region
from shequ.volunteering.actions.volunteers import own_resident, require
from shequ.volunteering.models import ActivitySignUp
from shequ.volunteering.models.timebank import (
    AccountKind,
    TimeAccount,
    TimeBankRule,
    TimeMovement,
    TimeTransfer,
    TransferKind,
)
from shequ.volunteering.permissions import VolunteeringPerm

MAX_HOURS = Decimal("1000")
CENT = Decimal("0.01")
ZERO = Decimal(0)
DONATIONS = (TransferKind.DONATE_FAMILY, TransferKind.DONATE_POOL)
# What counts as hours earned for expiry: credits a member received, not refunds of its own spending.
EARNED = (
    TransferKind.EARN,
    TransferKind.GRANT,
    TransferKind.DONATE_FAMILY,
    TransferKind.MANUAL,
)
# Which kinds of account each kind of transfer moves hours between (source kinds, target kinds).
ROUTES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    TransferKind.EARN: ((AccountKind.ISSUING,), (AccountKind.MEMBER,)),
    TransferKind.SPEND: ((AccountKind.MEMBER,), (AccountKind.MEMBER,)),
    TransferKind.DONATE_FAMILY: ((AccountKind.MEMBER,), (AccountKind.MEMBER,)),
    TransferKind.DONATE_POOL: ((AccountKind.MEMBER,), (AccountKind.POOL,)),
    TransferKind.GRANT: ((AccountKind.POOL,), (AccountKind.MEMBER,)),
    TransferKind.EXPIRE: ((AccountKind.MEMBER,), (AccountKind.ISSUING,)),
    TransferKind.MANUAL: (tuple(AccountKind.values), tuple(AccountKind.values)),
    TransferKind.REVERSAL: (tuple(AccountKind.values), tuple(AccountKind.values)),
}


def _refusal() -> str:
    return _("该时间账户不在您的管辖范围内，或您没有此项权限。")


# --- Checking --------------------------------------------------------------------------------------


def clean_hours(value: Any, field: str = "hours") -> Decimal:
    """Hours to move: more than 0, at most two decimals, at most 1,000 in one transfer."""
    if value in (None, ""):
        raise ValidationError({field: _("请填写时长（小时）。")})
    try:
        hours = Decimal(str(value).replace(",", "").strip())
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError({field: _("时长应为数字，例如 2 或 1.5。")}) from exc
    if not hours.is_finite():
        raise ValidationError({field: _("时长应为数字，例如 2 或 1.5。")})
    if hours <= 0:
        raise ValidationError({field: _("时长应大于 0 小时。")})
    if hours != hours.quantize(CENT):
        raise ValidationError({field: _("时长最多保留两位小数，例如 1.25。")})
    if hours > MAX_HOURS:
        raise ValidationError({field: _("一次转账的时长不能超过 1000 小时。")})
    return hours.quantize(CENT)


def _clean_key(request_key: Any) -> str:
    key = str(request_key or "").strip()
    if not key or len(key) > 64:
        raise ValidationError({"request_key": _("表单已失效，请刷新页面后重新提交。")})
    return key


def _clean_memo(memo: Any, *, required: bool = False, label: str = "") -> str:
    text = " ".join(str(memo or "").split())
    if required and not text:
        raise ValidationError({"memo": _("请填写%(label)s。") % {"label": label or _("事由")}})
    if len(text) > 200:
        raise ValidationError({"memo": _("事由不能超过 200 个字。")})
    return text


# --- Rules and accounts ----------------------------------------------------------------------------


def ancestor_paths(path: str) -> list[str]:
    """The path of a region and of every region above it, nearest first."""
    parts = [p for p in path.split("/") if p]
    return ["/".join(parts[:n]) + "/" for n in range(len(parts), 0, -1)]


def rule_for(region: Region) -> TimeBankRule | None:
    """The rule in force for a place: the nearest ``TimeBankRule`` up the region tree."""
    paths = ancestor_paths(region.path)
    rules = {
        r.region.path: r
        for r in TimeBankRule.objects.select_related("region").filter(region__path__in=paths)
    }
    for path in paths:
        if path in rules:
            return rules[path]
    return None


def _open(kind: str, community: Region, holder: Resident | None = None) -> TimeAccount:
    """The account of that kind (a member's by holder), opened now when there is none. A concurrent
    opening of the same account finds the other's row (the unique constraints decide)."""
    lookup: dict[str, Any] = {"holder": holder} if holder is not None else {}
    if holder is None:
        lookup = {"community": community, "kind": kind}
    found = TimeAccount.objects.filter(**lookup).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            account = TimeAccount.objects.create(
                kind=kind,
                community=community,
                holder=holder,
                is_synthetic=bool(getattr(holder, "is_synthetic", False)),
            )
    except IntegrityError:
        return TimeAccount.objects.get(**lookup)
    audit.record("volunteering.timebank.open", obj=account, region=community)
    return account


def issuing_account(community: Region) -> TimeAccount:
    return _open(AccountKind.ISSUING, community)


def pool_account(community: Region) -> TimeAccount:
    return _open(AccountKind.POOL, community)


def member_account(resident: Resident) -> TimeAccount:
    return _open(AccountKind.MEMBER, resident.community, holder=resident)


# --- Posting ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TransferSpec:
    """One transfer to post: ``hours`` already checked or not (``post_transfers`` checks them)."""

    source: TimeAccount
    target: TimeAccount
    hours: Any
    kind: str
    memo: str
    request_key: str
    signup: ActivitySignUp | None = None
    reverses: TimeTransfer | None = None


def _numbers(count: int, day: date) -> list[tuple[int, str]]:
    """(id, number) for ``count`` new transfers: the id drawn from the table's own sequence on
    PostgreSQL (concurrent postings never collide, no shared counter row to wait on), so the readable
    number "SJ" + date + id is unique too. SQLite serialises writers, so the next ids are safe there."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [TimeTransfer._meta.db_table, count],
            )
            ids = [row[0] for row in cursor.fetchall()]
    else:
        last = TimeTransfer.objects.aggregate(last=Max("id"))["last"] or 0
        ids = list(range(last + 1, last + count + 1))
    stamp = day.strftime("%Y%m%d")
    return [(pk, f"SJ{stamp}{pk:08d}") for pk in ids]


def _balances(account_ids: Iterable[int]) -> dict[int, Decimal]:
    """Each account's balance: its latest movement's ``balance_after`` (0 with none). Read under the
    accounts' locks."""
    latest = TimeMovement.objects.filter(account=OuterRef("pk")).order_by("-id")
    rows = TimeAccount.objects.filter(pk__in=list(account_ids)).annotate(
        balance=Subquery(latest.values("balance_after")[:1])
    )
    return {pk: balance or ZERO for pk, balance in rows.values_list("pk", "balance")}


def _lock(account_ids: Iterable[int]) -> dict[int, TimeAccount]:
    """Lock the accounts' rows in primary-key order (so two postings never wait on each other in a
    cycle) and return them fresh."""
    ids = sorted(set(account_ids))
    rows = (
        TimeAccount.objects.select_for_update(of=("self",))
        .select_related("community")
        .filter(pk__in=ids)
        .order_by("pk")
    )
    return {a.pk: a for a in rows}


def _floor(account: TimeAccount, rules: dict[int, TimeBankRule | None]) -> Decimal | None:
    """How low the account may go: a member to −overdraft limit, the pool to 0, the issuing account
    without a floor (its negative balance is the hours the community owes)."""
    if account.kind == AccountKind.ISSUING:
        return None
    if account.kind == AccountKind.POOL:
        return ZERO
    rule = _rule_of(account, rules)
    return -(rule.overdraft_limit if rule is not None else ZERO)


def _rule_of(account: TimeAccount, rules: dict[int, TimeBankRule | None]) -> TimeBankRule | None:
    if account.community_id not in rules:
        rules[account.community_id] = rule_for(account.community)
    return rules[account.community_id]


def _same(existing: TimeTransfer, spec: TransferSpec, hours: Decimal) -> bool:
    return (
        existing.source_id == spec.source.pk
        and existing.target_id == spec.target.pk
        and existing.hours == hours
        and existing.kind == spec.kind
    )


def _check_route(spec: TransferSpec, source: TimeAccount, target: TimeAccount) -> None:
    if source.pk == target.pk:
        raise ValidationError({"target": _("转出和转入不能是同一个账户。")})
    if spec.kind not in ROUTES:
        raise ValidationError({"kind": _("转账类型不正确。")})
    sources, targets = ROUTES[spec.kind]
    if source.kind not in sources or target.kind not in targets:
        raise ValidationError(
            {"target": _("“%(kind)s”不能在这两类账户之间转账。") % {"kind": _kind_label(spec.kind)}}
        )


def _kind_label(kind: str) -> str:
    return str(TransferKind(kind).label) if kind in TransferKind.values else kind


def _overdraw_message(account: TimeAccount, balance: Decimal, hours: Decimal) -> str:
    if account.kind == AccountKind.POOL:
        return _("社区互助池余额 %(balance)s 小时，不足 %(hours)s 小时。") % {
            "balance": balance,
            "hours": hours,
        }
    return _("账户余额 %(balance)s 小时，不足以转出 %(hours)s 小时（超出透支额度）。") % {
        "balance": balance,
        "hours": hours,
    }


def _post_many(specs: Sequence[TransferSpec], by: Any) -> list[tuple[TimeTransfer, bool]]:
    """Post the transfers in order under one lock of every account involved. Returns each transfer
    with whether it is new (a repeated request_key returns the one already posted). The caller holds
    the transaction."""
    cleaned = [(spec, clean_hours(spec.hours), _clean_key(spec.request_key)) for spec in specs]
    accounts = _lock(a for spec in specs for a in (spec.source.pk, spec.target.pk))
    existing = {
        t.request_key: t
        for t in TimeTransfer.objects.filter(request_key__in=[key for _s, _h, key in cleaned])
    }
    balances = _balances(accounts)
    rules: dict[int, TimeBankRule | None] = {}
    now = timezone.now()
    # (spec, hours, key, source's balance after, target's balance after)
    to_post: list[tuple[TransferSpec, Decimal, str, Decimal, Decimal]] = []
    results: list[TimeTransfer | None] = []
    seen: set[str] = set()
    for spec, hours, key in cleaned:
        known = existing.get(key)
        if known is not None or key in seen:
            if known is None or not _same(known, spec, hours):
                raise ValidationError(
                    {"request_key": _("该表单已经提交过其他内容，请刷新页面后重新填写。")}
                )
            results.append(known)
            continue
        seen.add(key)
        source, target = accounts[spec.source.pk], accounts[spec.target.pk]
        _check_route(spec, source, target)
        floor = _floor(source, rules)
        after = balances[source.pk] - hours
        if floor is not None and after < floor:
            raise ValidationError({"hours": _overdraw_message(source, balances[source.pk], hours)})
        balances[source.pk] = after
        balances[target.pk] = balances[target.pk] + hours
        to_post.append((spec, hours, key, after, balances[target.pk]))
        results.append(None)
    if not to_post:
        return [(r, False) for r in results if r is not None]
    numbers = _numbers(len(to_post), timezone.localdate(now))
    created_by = by if getattr(by, "pk", None) else None
    transfers = [
        TimeTransfer(
            id=pk,
            number=number,
            kind=spec.kind,
            source=accounts[spec.source.pk],
            target=accounts[spec.target.pk],
            hours=hours,
            memo=_clean_memo(spec.memo),
            signup=spec.signup,
            reverses=spec.reverses,
            request_key=key,
            created_by=created_by,
            created_at=now,
        )
        for (spec, hours, key, _a, _b), (pk, number) in zip(to_post, numbers, strict=True)
    ]
    try:
        with transaction.atomic():
            TimeTransfer.objects.bulk_create(transfers)
    except IntegrityError:
        # Another request with the same key (or crediting the same attendance, or reversing the same
        # transfer) committed first, on other accounts than ours: answer as for a repeat.
        if len(to_post) == 1:
            spec, hours, key = to_post[0][:3]
            same = Q(request_key=key)
            if spec.signup is not None:
                same |= Q(signup=spec.signup)
            if spec.reverses is not None:
                same |= Q(reverses=spec.reverses)
            known = TimeTransfer.objects.filter(same).first()
            if known is not None and _same(known, spec, hours):
                return [(known, False)]
            if spec.reverses is not None:
                raise ValidationError(_("该转账已经冲正过，不能重复冲正。")) from None
        raise ValidationError(
            {"request_key": _("该表单已经提交过其他内容，请刷新页面后重新填写。")}
        ) from None
    movements: list[TimeMovement] = []
    for transfer, (_spec, hours, _key, source_after, target_after) in zip(
        transfers, to_post, strict=True
    ):
        movements.append(
            TimeMovement(
                transfer=transfer,
                account_id=transfer.source_id,
                amount=-hours,
                balance_after=source_after,
                at=now,
            )
        )
        movements.append(
            TimeMovement(
                transfer=transfer,
                account_id=transfer.target_id,
                amount=hours,
                balance_after=target_after,
                at=now,
            )
        )
    TimeMovement.objects.bulk_create(movements)
    _flag_soft_limits(transfers, accounts, balances, rules, now)
    posted = iter(transfers)
    return [(r, False) if r is not None else (next(posted), True) for r in results]


def _flag_soft_limits(
    transfers: list[TimeTransfer],
    accounts: dict[int, TimeAccount],
    balances: dict[int, Decimal],
    rules: dict[int, TimeBankRule | None],
    now: datetime,
) -> None:
    """Flag (never block) a member above the balance cap or past the yearly donation limit."""
    reasons: dict[int, str] = {}
    donors: set[int] = set()
    for transfer in transfers:
        target = accounts[transfer.target_id]
        if target.kind == AccountKind.MEMBER:
            rule = _rule_of(target, rules)
            cap = rule.max_balance if rule is not None else None
            if cap is not None and balances[target.pk] > cap:
                reasons[target.pk] = _("余额 %(balance)s 小时，超过上限 %(cap)s 小时。") % {
                    "balance": balances[target.pk],
                    "cap": cap,
                }
        if transfer.kind in DONATIONS:
            donors.add(transfer.source_id)
    for donor in donors:
        rule = _rule_of(accounts[donor], rules)
        if rule is None or rule.yearly_donation_limit is None:
            continue
        given = (
            TimeTransfer.objects.filter(
                source_id=donor, kind__in=DONATIONS, created_at__year=now.year, reversed_by=None
            ).aggregate(total=Sum("hours"))["total"]
            or ZERO
        )
        if given > rule.yearly_donation_limit:
            reasons[donor] = _("今年已赠与 %(given)s 小时，超过年度上限 %(cap)s 小时。") % {
                "given": given,
                "cap": rule.yearly_donation_limit,
            }
    for pk, reason in reasons.items():
        TimeAccount.objects.filter(pk=pk).update(flagged=True, flag_reason=reason[:200])
        audit.record(
            "volunteering.timebank.flag", obj=accounts[pk], fields=["flagged"], reason=reason
        )


def _record(transfer: TimeTransfer, by: Any) -> None:
    audit.record("volunteering.timebank.transfer", obj=transfer, actor=by, fields=["hours", "kind"])


@transaction.atomic
def post_transfer(
    *,
    source: TimeAccount,
    target: TimeAccount,
    hours: Any,
    kind: str,
    memo: str,
    request_key: str,
    by: Any,
    signup: ActivitySignUp | None = None,
    reverses: TimeTransfer | None = None,
) -> TimeTransfer:
    """Move ``hours`` from ``source`` to ``target``: the ledger's one posting path for a single
    transfer. Callers check who may move these hours (the resident actions, the staff actions);
    ``by`` is who is recorded as having posted it."""
    spec = TransferSpec(source, target, hours, kind, memo, request_key, signup, reverses)
    transfer, is_new = _post_many([spec], by)[0]
    if is_new:
        _record(transfer, by)
    return transfer


@transaction.atomic
def post_transfers(specs: Sequence[TransferSpec], by: Any) -> list[TimeTransfer]:
    """Post many transfers in one transaction, locking each account involved once (paying all of an
    activity's volunteers, the bench). All or nothing: one refused transfer refuses the batch."""
    if not specs:
        return []
    transfers = [transfer for transfer, _new in _post_many(specs, by)]
    audit.record(
        "volunteering.timebank.batch",
        actor=by,
        object_type=TimeTransfer._meta.label,
        object_repr=_("批量转账 %(n)s 笔") % {"n": len(transfers)},
        region=specs[0].source.community,
    )
    return transfers


# --- Crediting confirmed hours ---------------------------------------------------------------------


@transaction.atomic
def credit_hours(*, signup: ActivitySignUp, by: Any) -> TimeTransfer:
    """Credit a volunteer's confirmed hours of one activity to their time account, from the issuing
    account of the activity's community. Called by the activities feature inside its own transaction
    (it checks who may confirm hours); a second call for the same attendance returns the same transfer."""
    signup = ActivitySignUp.objects.select_related(
        "activity__region", "volunteer__resident__community"
    ).get(pk=signup.pk)
    already = TimeTransfer.objects.filter(signup=signup).first()
    if already is not None:
        return already
    if signup.hours_confirmed is None or signup.hours_confirmed <= 0:
        raise ValidationError({"hours": _("该志愿者的服务时长尚未确认，或确认时长为 0。")})
    activity = signup.activity
    source = issuing_account(activity.region)
    target = member_account(signup.volunteer.resident)
    memo = _("参加志愿服务活动“%(title)s”") % {"title": activity.title}
    return post_transfer(
        source=source,
        target=target,
        hours=signup.hours_confirmed,
        kind=TransferKind.EARN,
        memo=memo[:200],
        request_key=f"earn-{signup.pk}",
        by=by,
        signup=signup,
    )


# --- Reversal --------------------------------------------------------------------------------------


@transaction.atomic
def reverse_transfer(*, transfer: TimeTransfer, reason: str, by: Any) -> TimeTransfer:
    """Undo a transfer with a transfer the other way (冲正). A transfer is reversed at most once and a
    reversal never; refused when the account that received the hours no longer has them."""
    transfer = TimeTransfer.objects.select_related("source__community", "target__community").get(
        pk=transfer.pk
    )
    require(by, VolunteeringPerm.TIMEBANK, transfer.source.community)
    reason = _clean_memo(reason, required=True, label=_("冲正原因"))
    if transfer.kind == TransferKind.REVERSAL:
        raise ValidationError(_("冲正转账不能再冲正。"))
    if TimeTransfer.objects.filter(reverses=transfer).exists():
        raise ValidationError(_("该转账已经冲正过，不能重复冲正。"))
    memo = _("冲正 %(number)s：%(reason)s") % {"number": transfer.number, "reason": reason}
    try:
        reversal = post_transfer(
            source=transfer.target,
            target=transfer.source,
            hours=transfer.hours,
            kind=TransferKind.REVERSAL,
            memo=memo[:200],
            request_key=f"reverse-{transfer.pk}",
            by=by,
            reverses=transfer,
        )
    except ValidationError as exc:
        if hasattr(exc, "error_dict") and "hours" in exc.error_dict:
            raise ValidationError(
                _("转入账户的余额已不足 %(hours)s 小时，不能冲正。") % {"hours": transfer.hours}
            ) from exc
        raise
    return reversal


# --- Residents' own operations ---------------------------------------------------------------------


def _holder_account(by: Any) -> TimeAccount:
    """The time account of the signed-in resident (opened on first need)."""
    resident = own_resident(by)
    if resident is None:
        raise PermissionDenied(_("请先关联您的居民信息。"))
    return member_account(resident)


def find_member_account(number: str) -> TimeAccount | None:
    """A member account by the number its holder gives to others (``account_number``)."""
    text = str(number or "").strip().upper().removeprefix("SJZH")
    if not text.isdigit():
        return None
    return (
        TimeAccount.objects.select_related("holder", "community")
        .filter(pk=int(text), kind=AccountKind.MEMBER)
        .first()
    )


def account_number(account: TimeAccount) -> str:
    """The number a member gives to others so they can pay them for a service."""
    return f"SJZH{account.pk:08d}"


@transaction.atomic
def spend_hours(
    *, by: Any, target_number: str, hours: Any, memo: str, request_key: str
) -> TimeTransfer:
    """A resident pays another member for a service (兑换服务), by that member's account number."""
    source = _holder_account(by)
    target = find_member_account(target_number)
    if target is None:
        raise ValidationError({"target_number": _("找不到该账户号，请核对对方提供的账户号。")})
    if target.pk == source.pk:
        raise ValidationError({"target_number": _("不能向自己的账户转账。")})
    memo = _clean_memo(memo, required=True, label=_("所兑换的服务"))
    return post_transfer(
        source=source,
        target=target,
        hours=hours,
        kind=TransferKind.SPEND,
        memo=memo,
        request_key=request_key,
        by=by,
    )


def family_members(resident: Resident) -> list[Resident]:
    """The other members of the resident's registry household, who may receive donated hours."""
    if resident.household_id is None:
        return []
    return list(
        Resident.objects.filter(household_id=resident.household_id, status=LifeStatus.ACTIVE)
        .exclude(pk=resident.pk)
        .order_by("pk")
    )


@transaction.atomic
def donate_to_family(
    *, by: Any, member: Resident | int, hours: Any, memo: str = "", request_key: str
) -> TimeTransfer:
    """A resident gives hours to a member of the same registry household (赠与家人)."""
    source = _holder_account(by)
    resident = own_resident(by)
    assert resident is not None
    member_pk = member if isinstance(member, int) else member.pk
    family = {r.pk: r for r in family_members(resident)}
    if member_pk not in family:
        raise ValidationError({"member": _("只能赠与同一户的家庭成员。")})
    target = member_account(family[member_pk])
    memo = _clean_memo(memo) or _("赠与家人")
    return post_transfer(
        source=source,
        target=target,
        hours=hours,
        kind=TransferKind.DONATE_FAMILY,
        memo=memo,
        request_key=request_key,
        by=by,
    )


@transaction.atomic
def donate_to_pool(*, by: Any, hours: Any, memo: str = "", request_key: str) -> TimeTransfer:
    """A resident gives hours to the community pool (捐入社区互助池)."""
    source = _holder_account(by)
    target = pool_account(source.community)
    memo = _clean_memo(memo) or _("捐入社区互助池")
    return post_transfer(
        source=source,
        target=target,
        hours=hours,
        kind=TransferKind.DONATE_POOL,
        memo=memo,
        request_key=request_key,
        by=by,
    )


# --- Staff operations ------------------------------------------------------------------------------


@transaction.atomic
def manual_transfer(
    *,
    by: Any,
    source: TimeAccount,
    target: TimeAccount,
    hours: Any,
    memo: str,
    request_key: str,
) -> TimeTransfer:
    """Staff enter a paper time cheque (纸质凭证补录) between two accounts of their jurisdiction."""
    require(by, VolunteeringPerm.TIMEBANK, source.community)
    require(by, VolunteeringPerm.TIMEBANK, target.community)
    memo = _clean_memo(memo, required=True, label=_("凭证说明"))
    return post_transfer(
        source=source,
        target=target,
        hours=hours,
        kind=TransferKind.MANUAL,
        memo=memo,
        request_key=request_key,
        by=by,
    )


@transaction.atomic
def grant_hours(
    *, by: Any, resident: Resident, hours: Any, memo: str, request_key: str
) -> TimeTransfer:
    """Staff grant hours from the community pool to a resident in need (互助池发放)."""
    require(by, VolunteeringPerm.TIMEBANK, resident.community)
    memo = _clean_memo(memo, required=True, label=_("发放事由"))
    return post_transfer(
        source=pool_account(resident.community),
        target=member_account(resident),
        hours=hours,
        kind=TransferKind.GRANT,
        memo=memo,
        request_key=request_key,
        by=by,
    )


@transaction.atomic
def clear_flag(*, account: TimeAccount, note: str, by: Any) -> TimeAccount:
    """Staff looked at a flagged account: clear the flag, with a note."""
    require(by, VolunteeringPerm.TIMEBANK, account.community)
    note = " ".join(str(note or "").split())
    if not note:
        raise ValidationError({"note": _("请填写处理说明。")})
    if len(note) > 300:
        raise ValidationError({"note": _("处理说明不能超过 300 个字。")})
    if not TimeAccount.objects.filter(pk=account.pk, flagged=True).update(
        flagged=False, flag_reason=""
    ):
        raise ValidationError(_("该账户没有待关注的标记，或已被他人处理。"))
    account.refresh_from_db()
    audit.record(
        "volunteering.timebank.clear_flag", obj=account, actor=by, fields=["flagged"], reason=note
    )
    return account


RULE_FIELDS = ("overdraft_limit", "max_balance", "yearly_donation_limit", "expiry_months")


def _limit(value: Any, field: str, label: str, *, required: bool = False) -> Decimal | None:
    if value in (None, ""):
        if required:
            return ZERO
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError({field: _("%(label)s应为数字。") % {"label": label}}) from exc
    if not number.is_finite() or number < 0:
        raise ValidationError({field: _("%(label)s不能小于 0。") % {"label": label}})
    if number != number.quantize(CENT):
        raise ValidationError({field: _("%(label)s最多保留两位小数。") % {"label": label}})
    if number > Decimal("99999"):
        raise ValidationError({field: _("%(label)s过大，请检查。") % {"label": label}})
    return number


@transaction.atomic
def set_rule(
    *,
    region: Region,
    by: Any,
    overdraft_limit: Any = 0,
    max_balance: Any = None,
    yearly_donation_limit: Any = None,
    expiry_months: Any = None,
    is_synthetic: bool = False,
) -> TimeBankRule:
    """Set the time-bank limits for a region's subtree (CONFIGURE over the region)."""
    require(by, VolunteeringPerm.CONFIGURE, region)
    values: dict[str, Any] = {
        "overdraft_limit": _limit(overdraft_limit, "overdraft_limit", _("透支额度"), required=True),
        "max_balance": _limit(max_balance, "max_balance", _("余额上限")),
        "yearly_donation_limit": _limit(
            yearly_donation_limit, "yearly_donation_limit", _("年度赠与上限")
        ),
        "expiry_months": None,
    }
    if expiry_months not in (None, ""):
        try:
            months = int(str(expiry_months).strip())
        except ValueError as exc:
            raise ValidationError({"expiry_months": _("有效期应为整数月数。")}) from exc
        if not 1 <= months <= 240:
            raise ValidationError({"expiry_months": _("有效期应在 1 到 240 个月之间。")})
        values["expiry_months"] = months
    rule, created = TimeBankRule.objects.select_for_update().get_or_create(
        region=region, defaults={**values, "updated_by": by, "is_synthetic": is_synthetic}
    )
    if not created:
        for name, value in values.items():
            setattr(rule, name, value)
        rule.updated_by = by
        rule.updated_at = timezone.now()
        rule.save()
    audit.record(
        "volunteering.timebank.rule", obj=rule, actor=by, region=region, fields=RULE_FIELDS
    )
    return rule


@transaction.atomic
def delete_rule(*, rule: TimeBankRule, by: Any) -> None:
    """Remove a region's own rule: the rule above it applies again."""
    require(by, VolunteeringPerm.CONFIGURE, rule.region)
    audit.record("volunteering.timebank.rule_delete", obj=rule, actor=by, region=rule.region)
    TimeBankRule.objects.filter(pk=rule.pk).delete()


# --- Expiry ----------------------------------------------------------------------------------------


def _months_before(day: date, months: int) -> date:
    month_index = day.year * 12 + (day.month - 1) - months
    year, month = divmod(month_index, 12)
    month += 1
    # The same day of the month, or the month's last day (31 March − 1 month → 28/29 February).
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    return date(year, month, 28)


def expired_hours(account: TimeAccount, cutoff: datetime) -> Decimal:
    """FIFO: the hours earned before the cutoff that no debit (spending, giving, an earlier expiry)
    has used up since: max(0, credits before the cutoff − all debits ever)."""
    credits = (
        TimeMovement.objects.filter(
            account=account, amount__gt=0, at__lt=cutoff, transfer__kind__in=EARNED
        ).aggregate(total=Sum("amount"))["total"]
        or ZERO
    )
    debits = (
        TimeMovement.objects.filter(account=account, amount__lt=0).aggregate(total=Sum("amount"))[
            "total"
        ]
        or ZERO
    )
    return max(ZERO, credits + debits)


def expire_hours(*, on: date | None = None, by: Any = None) -> int:
    """Send hours earned before each rule's expiry cutoff and not spent back to the community's
    issuing account (过期回收). One transaction per account, so a long run never holds many locks;
    the request key names the account and the day, so running it twice on one day changes nothing.
    Returns how many accounts had hours expired."""
    on = on or timezone.localdate()
    rules: dict[int, TimeBankRule | None] = {}
    expired = 0
    members = TimeAccount.objects.filter(kind=AccountKind.MEMBER).select_related("community")
    for account in members.iterator():
        rule = _rule_of(account, rules)
        if rule is None or not rule.expiry_months:
            continue
        cutoff_day = _months_before(on, rule.expiry_months)
        cutoff = timezone.make_aware(datetime.combine(cutoff_day, datetime.min.time()))
        issuing = issuing_account(account.community)
        with transaction.atomic():
            # Both rows at once, in pk order, as every posting locks them: never a lock cycle.
            _lock([account.pk, issuing.pk])
            hours = expired_hours(account, cutoff)
            if hours <= 0:
                continue
            post_transfer(
                source=account,
                target=issuing,
                hours=min(hours, MAX_HOURS),
                kind=TransferKind.EXPIRE,
                memo=_("%(day)s 前获得、未使用的时长过期回收") % {"day": cutoff_day.isoformat()},
                request_key=f"expire-{account.pk}-{on.isoformat()}",
                by=by,
            )
            expired += 1
    return expired
