"""Time-bank reads: accounts with their balances (one query: a subquery of each account's latest
``balance_after``), an account's history, transfers, the rule in force and where it comes from, and
the audit report. Every staff read is scoped to the user's jurisdiction (outside it: 404)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import (
    Count,
    DecimalField,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Abs, Coalesce

from shequ.core.scoping import get_scoped_or_404, scoped
from shequ.registry.models import Resident
from shequ.territory.models import Region
from shequ.volunteering.actions.timebank import ancestor_paths, rule_for
from shequ.volunteering.models.timebank import (
    AccountKind,
    TimeAccount,
    TimeBankRule,
    TimeMovement,
    TimeTransfer,
    TransferKind,
)
from shequ.volunteering.permissions import VolunteeringPerm

ZERO = Decimal(0)
CENT = Decimal("0.01")
HALF_CENT = Decimal("0.005")
HOURS: Any = DecimalField(max_digits=12, decimal_places=2)


def _latest_balance() -> Subquery:
    latest = TimeMovement.objects.filter(account=OuterRef("pk")).order_by("-id")
    return Subquery(latest.values("balance_after")[:1], output_field=HOURS)


def balance_expr() -> Coalesce:
    """An account's balance: its latest movement's ``balance_after``, 0 with none."""
    return Coalesce(_latest_balance(), Value(ZERO), output_field=HOURS)


def with_balance(accounts: QuerySet[TimeAccount]) -> QuerySet[TimeAccount]:
    return accounts.annotate(balance=balance_expr())


@dataclass(frozen=True)
class AccountFilters:
    kind: str = ""
    flagged: bool = False
    region_path: str = ""
    q: str = ""


def accounts(user: Any, filters: AccountFilters | None = None) -> QuerySet[TimeAccount]:
    """The accounts of the user's jurisdiction with their balances, for the list page."""
    filters = filters or AccountFilters()
    qs = scoped(TimeAccount.objects.all(), user, VolunteeringPerm.VIEW)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.flagged:
        qs = qs.filter(flagged=True)
    if filters.region_path:
        qs = qs.filter(community__path__under=filters.region_path)
    if filters.q:
        text = filters.q.strip().upper().removeprefix("SJZH")
        condition = Q(holder__name__contains=filters.q.strip())
        if text.isdigit():
            condition |= Q(pk=int(text))
        qs = qs.filter(condition)
    return with_balance(
        qs.select_related("community", "holder").only(
            "kind",
            "flagged",
            "flag_reason",
            "opened_at",
            "community__name",
            "community__code",
            "community__path",
            "holder__name",
        )
    ).order_by("community__path", "kind", "pk")


def account_detail(user: Any, account_id: int, perm: str = VolunteeringPerm.VIEW) -> TimeAccount:
    return get_scoped_or_404(
        with_balance(TimeAccount.objects.select_related("community", "holder")),
        user,
        perm,
        pk=account_id,
    )


def history(account: TimeAccount) -> QuerySet[TimeMovement]:
    """The account's movements, newest first, with their transfer and the other side's account."""
    return (
        TimeMovement.objects.filter(account=account)
        .select_related(
            "transfer__source__holder",
            "transfer__target__holder",
            "transfer__source__community",
            "transfer__target__community",
        )
        .order_by("-id")
    )


def own_account(resident: Resident | None) -> TimeAccount | None:
    """A resident's own account with its balance (None before their first hour)."""
    if resident is None:
        return None
    return (
        with_balance(TimeAccount.objects.select_related("community"))
        .filter(holder=resident, kind=AccountKind.MEMBER)
        .first()
    )


def transfers(user: Any) -> QuerySet[TimeTransfer]:
    """Transfers the user may see: either side in their jurisdiction."""
    where = user.jurisdiction(VolunteeringPerm.VIEW)
    paths = [*where.region_paths, *where.grid_community_paths]
    if not paths:
        return TimeTransfer.objects.none()
    condition = Q()
    for path in paths:
        condition |= Q(source__community__path__under=path) | Q(target__community__path__under=path)
    return (
        TimeTransfer.objects.filter(condition)
        .select_related("source__holder", "target__holder", "source__community")
        .order_by("-created_at", "-pk")
    )


def transfer_detail(user: Any, number: str) -> TimeTransfer:
    from django.http import Http404

    found = transfers(user).filter(number=number).first()
    if found is None:
        raise Http404
    return found


def may(user: Any, perm: str, region: Region) -> bool:
    return bool(user.has_permission(perm) and user.jurisdiction(perm).covers_path(region.path))


# --- Rules -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleInForce:
    region: Region
    rule: TimeBankRule | None
    own: bool  # the rule is the region's own, not inherited from above


def rule_in_force(region: Region) -> RuleInForce:
    rule = rule_for(region)
    return RuleInForce(region, rule, rule is not None and rule.region_id == region.pk)


def rules(user: Any) -> QuerySet[TimeBankRule]:
    """The rules set inside the user's jurisdiction or above it (those above apply to it too)."""
    where = user.jurisdiction(VolunteeringPerm.VIEW)
    paths = [*where.region_paths, *where.grid_community_paths]
    above = {p for path in paths for p in ancestor_paths(path)}
    inside = scoped(TimeBankRule.objects.all(), user, VolunteeringPerm.VIEW)
    return (
        TimeBankRule.objects.filter(Q(pk__in=inside.values("pk")) | Q(region__path__in=above))
        .select_related("region", "updated_by")
        .order_by("region__path")
    )


def rule_detail(user: Any, region_code: str) -> Region:
    return get_scoped_or_404(Region.objects.all(), user, VolunteeringPerm.VIEW, code=region_code)


# --- The audit report ------------------------------------------------------------------------------


@dataclass
class AuditReport:
    accounts: int = 0
    transfers: int = 0
    movements_total: Decimal = ZERO
    whole_bank: bool = False
    kind_totals: list[dict[str, Any]] = field(default_factory=list)
    unbalanced_transfers: int = 0
    chain_mismatches: list[dict[str, Any]] = field(default_factory=list)
    issuing_outstanding: list[dict[str, Any]] = field(default_factory=list)
    outstanding_total: Decimal = ZERO


def audit_report(user: Any) -> AuditReport:
    """Checks of the ledger over the user's jurisdiction: counts, the sum of all movements (zero for
    the whole bank), per-kind totals of movements in scope, transfers whose two movements do not net
    to zero, accounts whose latest ``balance_after`` disagrees with the sum of their movements
    (expected: none), and what each issuing account owes its volunteers."""
    in_scope = scoped(TimeAccount.objects.all(), user, VolunteeringPerm.VIEW)
    movements = TimeMovement.objects.filter(account__in=in_scope.values("pk"))
    report = AuditReport()
    report.accounts = in_scope.count()
    report.whole_bank = report.accounts == TimeAccount.objects.count()
    report.transfers = TimeTransfer.objects.filter(
        Q(source__in=in_scope.values("pk")) | Q(target__in=in_scope.values("pk"))
    ).count()
    # Rounded to the cent: SQLite sums decimals in floating point and may leave a residue like 1e-15.
    total = movements.aggregate(total=Sum("amount"))["total"] or ZERO
    report.movements_total = Decimal(total).quantize(CENT)
    report.kind_totals = list(
        movements.values("transfer__kind")
        .annotate(
            credits=Coalesce(
                Sum("amount", filter=Q(amount__gt=0)), Value(ZERO), output_field=HOURS
            ),
            debits=Coalesce(Sum("amount", filter=Q(amount__lt=0)), Value(ZERO), output_field=HOURS),
            count=Count("id"),
        )
        .order_by("transfer__kind")
    )
    for row in report.kind_totals:
        row["label"] = TransferKind(row["transfer__kind"]).label
    transfer_ids = movements.values("transfer_id")
    report.unbalanced_transfers = (
        TimeMovement.objects.filter(transfer_id__in=transfer_ids)
        .values("transfer_id")
        .annotate(net=Sum("amount"), n=Count("id"))
        .exclude(net=0, n=2)
        .count()
    )
    sums = (
        TimeMovement.objects.filter(account=OuterRef("pk"))
        .values("account")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    report.chain_mismatches = list(
        in_scope.annotate(
            balance=balance_expr(),
            total=Coalesce(Subquery(sums, output_field=HOURS), Value(ZERO), output_field=HOURS),
        )
        .annotate(off=Abs(F("balance") - F("total"), output_field=HOURS))
        .filter(off__gte=HALF_CENT)  # a real difference, not SQLite's floating-point residue
        .values("pk", "kind", "community__name", "balance", "total")[:100]
    )
    report.issuing_outstanding = list(
        in_scope.filter(kind=AccountKind.ISSUING)
        .annotate(balance=balance_expr())
        .values("pk", "community__name", "community__code", "balance")
        .order_by("community__path")[:500]
    )
    owed = movements.filter(account__kind=AccountKind.ISSUING).aggregate(total=Sum("amount"))
    report.outstanding_total = -(owed["total"] or ZERO)
    return report
