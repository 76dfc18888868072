"""Every read of community charity (V4): funds with their balances summed from the ledger in one
query, a fund's ledger, trial balance and Excel export, the public summary (no login), disbursement
requests, and needs with the funds and projects they may be matched to."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import DecimalField, Prefetch, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from shequ.core import audit
from shequ.core.exports import stamped_sheet
from shequ.core.scoping import get_scoped_or_404, scoped
from shequ.organizations.models import (
    CharityEntry,
    CharityFund,
    CharityLine,
    CharityNeed,
    DisbursementRequest,
    DonorKind,
    EntryKind,
    LedgerAccount,
    NeedMatch,
    NeedStatus,
    ProjectStatus,
    RequestStatus,
    ServiceProject,
)
from shequ.organizations.permissions import OrganizationsPerm
from shequ.territory.models import Level, Region
from shequ.territory.queries import region_in_scope

MAX_EXPORT_ROWS = 50_000
ZERO = Decimal("0.00")


def _money() -> DecimalField:
    return DecimalField(max_digits=14, decimal_places=2)


def _sum(column: str, condition: Q) -> Coalesce:
    return Coalesce(Sum(column, filter=condition), Value(ZERO), output_field=_money())


def with_balances(funds: QuerySet[CharityFund], year: int | None = None) -> QuerySet[CharityFund]:
    """Each fund annotated with ``cash``, ``goods`` (asset balances), and ``donated`` and
    ``disbursed`` in ``year`` (this year by default; reversals count against them), all from the
    ledger lines in the same query."""
    year = year or timezone.localdate().year
    lines = "entries__lines"
    cash = Q(**{f"{lines}__account": LedgerAccount.CASH})
    goods = Q(**{f"{lines}__account": LedgerAccount.GOODS})
    in_year = Q(entries__posted_on__year=year)
    donations = Q(**{f"{lines}__account": LedgerAccount.DONATIONS}) & in_year
    disbursements = Q(**{f"{lines}__account": LedgerAccount.DISBURSEMENTS}) & in_year
    return funds.annotate(
        cash=_sum(f"{lines}__debit", cash) - _sum(f"{lines}__credit", cash),
        goods=_sum(f"{lines}__debit", goods) - _sum(f"{lines}__credit", goods),
        donated=_sum(f"{lines}__credit", donations) - _sum(f"{lines}__debit", donations),
        disbursed=_sum(f"{lines}__debit", disbursements) - _sum(f"{lines}__credit", disbursements),
    )


# --- Funds -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FundFilters:
    q: str = ""
    kind: str = ""
    region_path: str = ""


def funds(user: Any, filters: FundFilters | None = None) -> QuerySet[CharityFund]:
    filters = filters or FundFilters()
    found = scoped(CharityFund.objects.all(), user, OrganizationsPerm.VIEW_CHARITY)
    if filters.q:
        found = found.filter(
            Q(name__icontains=filters.q)
            | Q(code__icontains=filters.q)
            | Q(custodian__icontains=filters.q)
        )
    if filters.kind:
        found = found.filter(kind=filters.kind)
    if filters.region_path:
        found = found.filter(region__path__under=filters.region_path)
    return with_balances(found.select_related("region")).order_by("region__path", "name", "pk")


def fund_detail(user: Any, fund_id: Any, perm: str = OrganizationsPerm.VIEW_CHARITY) -> CharityFund:
    return get_scoped_or_404(CharityFund.objects.select_related("region"), user, perm, pk=fund_id)


def filter_regions(user: Any) -> QuerySet[Region]:
    """The townships and communities the user may filter funds and needs by."""
    return (
        scoped(Region.objects.all(), user, OrganizationsPerm.VIEW_CHARITY)
        .filter(level__in=(Level.TOWNSHIP, Level.COMMUNITY))
        .order_by("path")
    )


def postable_communities(user: Any) -> QuerySet[Region]:
    return (
        scoped(Region.objects.all(), user, OrganizationsPerm.POST_CHARITY)
        .filter(level=Level.COMMUNITY)
        .order_by("path")
    )


def ledger(fund: CharityFund) -> QuerySet[CharityEntry]:
    """The fund's entries, newest first, with their lines, reversal links and approver in a constant
    number of queries however long the page."""
    return (
        CharityEntry.objects.filter(fund=fund)
        .select_related("approver", "reverses", "reversed_by", "need")
        .prefetch_related(Prefetch("lines", queryset=CharityLine.objects.order_by("pk")))
        .order_by("-number")
    )


@dataclass(frozen=True)
class Balances:
    cash: Decimal
    goods: Decimal
    donations: Decimal
    disbursements: Decimal

    def of(self, account: str) -> Decimal:
        return self.cash if account == LedgerAccount.CASH else self.goods


def balances(fund: CharityFund) -> Balances:
    """Each account's balance on its normal side, summed over the fund's lines (one query)."""
    totals = {
        row["account"]: (row["debit"] or Decimal(0)) - (row["credit"] or Decimal(0))
        for row in CharityLine.objects.filter(entry__fund=fund)
        .values("account")
        .annotate(debit=Sum("debit"), credit=Sum("credit"))
        .order_by()
    }
    zero = Decimal("0.00")
    return Balances(
        cash=totals.get(LedgerAccount.CASH, zero),
        goods=totals.get(LedgerAccount.GOODS, zero),
        donations=-totals.get(LedgerAccount.DONATIONS, zero),
        disbursements=totals.get(LedgerAccount.DISBURSEMENTS, zero),
    )


@dataclass
class TrialRow:
    account: str
    label: str
    debit: Decimal
    credit: Decimal

    @property
    def balance(self) -> Decimal:
        return self.debit - self.credit


@dataclass
class TrialBalance:
    rows: list[TrialRow] = field(default_factory=list)

    @property
    def debit(self) -> Decimal:
        return sum((row.debit for row in self.rows), ZERO)

    @property
    def credit(self) -> Decimal:
        return sum((row.credit for row in self.rows), ZERO)

    @property
    def balanced(self) -> bool:
        return self.debit == self.credit

    def _net(self, account: str) -> Decimal:
        return next((row.balance for row in self.rows if row.account == account), ZERO)

    @property
    def assets(self) -> Decimal:
        return self._net(LedgerAccount.CASH) + self._net(LedgerAccount.GOODS)

    @property
    def net_donations(self) -> Decimal:
        return -self._net(LedgerAccount.DONATIONS)

    @property
    def net_disbursements(self) -> Decimal:
        return self._net(LedgerAccount.DISBURSEMENTS)

    @property
    def equation_holds(self) -> bool:
        return self.assets == self.net_donations - self.net_disbursements


def trial_balance(fund: CharityFund) -> TrialBalance:
    """Total debits and credits per account (one query): they must agree, and the assets must equal
    donations less disbursements."""
    totals = {
        row["account"]: row
        for row in CharityLine.objects.filter(entry__fund=fund)
        .values("account")
        .annotate(debit=Sum("debit"), credit=Sum("credit"))
        .order_by()
    }
    result = TrialBalance()
    for account, label in LedgerAccount.choices:
        row = totals.get(account, {})
        result.rows.append(
            TrialRow(
                account=account,
                label=str(label),
                debit=row.get("debit") or ZERO,
                credit=row.get("credit") or ZERO,
            )
        )
    return result


def entry_for(user: Any, entry_id: Any, perm: str = OrganizationsPerm.VIEW_CHARITY) -> CharityEntry:
    return get_scoped_or_404(
        CharityEntry.objects.select_related("fund__region", "approver", "reverses"),
        user,
        perm,
        pk=entry_id,
    )


def receipt(user: Any, entry_id: Any) -> CharityEntry:
    """A donation's receipt, to those who may see its fund; anything else is a 404."""
    entry = entry_for(user, entry_id)
    if entry.kind != EntryKind.DONATION or not entry.receipt_number:
        raise Http404
    return entry


def ledger_export(*, user: Any, fund: CharityFund) -> tuple[str, bytes]:
    """The fund's ledger as an .xlsx workbook, oldest first, one row per line; donors' contacts never
    leave, and every export is audited and stamped with who made it."""
    entries = ledger(fund).order_by("number")
    total = entries.count()
    if total > MAX_EXPORT_ROWS:
        raise ValueError(total)
    out = stamped_sheet(
        user,
        _("%(fund)s 明细账") % {"fund": fund.name},
        [
            _("凭证号"),
            _("记账日期"),
            _("类型"),
            _("摘要"),
            _("捐赠方或受助对象"),
            _("捐赠票据号"),
            _("科目"),
            _("借方"),
            _("贷方"),
            _("审批人"),
        ],
        sheet_name=_("明细账"),
    )
    kinds = dict(EntryKind.choices)
    accounts = dict(LedgerAccount.choices)
    rows = 0
    for entry in entries:
        party = entry.recipient or (
            entry.donor_name if entry.donor_kind != DonorKind.ANONYMOUS else _("匿名")
        )
        for line in entry.lines.all():
            out.append(
                [
                    entry.number,
                    entry.posted_on.isoformat(),
                    str(kinds.get(entry.kind, entry.kind)),
                    entry.description,
                    party,
                    entry.receipt_number,
                    str(accounts.get(line.account, line.account)),
                    float(line.debit) if line.debit else None,
                    float(line.credit) if line.credit else None,
                    entry.approver.full_name if entry.approver else "",
                ]
            )
        rows += 1
    with transaction.atomic():
        audit.record(
            "organizations.charity.export",
            obj=fund,
            actor=user,
            object_repr=ngettext("%(fund)s 明细账 %(n)s 笔", "%(fund)s 明细账 %(n)s 笔", rows)
            % {"fund": fund.name, "n": rows},
        )
    return f"charity-{fund.code}-{out.now:%Y%m%d-%H%M%S}.xlsx", out.content()


# --- Disbursement requests -------------------------------------------------------------------------


def requests_of(fund: CharityFund) -> QuerySet[DisbursementRequest]:
    return (
        DisbursementRequest.objects.filter(fund=fund)
        .select_related("requested_by", "decided_by", "entry")
        .order_by("-requested_at", "-pk")
    )


def pending_requests(user: Any) -> QuerySet[DisbursementRequest]:
    """Requests waiting for a decision in the places the user may approve."""
    return (
        scoped(DisbursementRequest.objects.all(), user, OrganizationsPerm.APPROVE_CHARITY)
        .filter(status=RequestStatus.PENDING)
        .select_related("fund__region", "requested_by")
        .order_by("requested_at", "pk")
    )


def request_for(
    user: Any, request_id: Any, perm: str = OrganizationsPerm.VIEW_CHARITY
) -> DisbursementRequest:
    return get_scoped_or_404(
        DisbursementRequest.objects.select_related("fund__region", "requested_by", "entry"),
        user,
        perm,
        pk=request_id,
    )


def may(user: Any, perm: str, region: Region) -> bool:
    return bool(user.has_permission(perm) and user.jurisdiction(perm).covers_path(region.path))


# --- The public summary ----------------------------------------------------------------------------


@dataclass
class MonthRow:
    month: date
    money_in: Decimal = ZERO
    goods_in: Decimal = ZERO
    money_out: Decimal = ZERO
    goods_out: Decimal = ZERO


def published_fund(code: str) -> CharityFund:
    """A fund whose summary is published; any other code (unpublished, unknown) is a 404."""
    try:
        return CharityFund.objects.get(code=code, publish_summary=True)
    except (CharityFund.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


def monthly_totals(fund: CharityFund, months: int = 12) -> list[MonthRow]:
    """Received (money, goods value) and disbursed per month over the last ``months`` months, net of
    reversals: from the donation and disbursement accounts' lines, split by the entry's kind of asset."""
    today = timezone.localdate()
    index = today.year * 12 + today.month - 1 - (months - 1)
    first = date(index // 12, index % 12 + 1, 1)
    rows = (
        CharityLine.objects.filter(
            entry__fund=fund,
            entry__posted_on__gte=first,
            account__in=(LedgerAccount.DONATIONS, LedgerAccount.DISBURSEMENTS),
        )
        .annotate(month=TruncMonth("entry__posted_on"))
        .values("month", "account", "entry__in_goods")
        .annotate(debit=Sum("debit"), credit=Sum("credit"))
        .order_by()
    )
    by_month: dict[date, MonthRow] = {}
    year, month = first.year, first.month
    while (year, month) <= (today.year, today.month):
        by_month[date(year, month, 1)] = MonthRow(month=date(year, month, 1))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    for row in rows:
        key = row["month"]
        key = date(key.year, key.month, 1)
        target = by_month.get(key)
        if target is None:
            continue
        debit, credit = row["debit"] or ZERO, row["credit"] or ZERO
        goods = row["entry__in_goods"]
        if row["account"] == LedgerAccount.DONATIONS:
            if goods:
                target.goods_in += credit - debit
            else:
                target.money_in += credit - debit
        elif goods:
            target.goods_out += debit - credit
        else:
            target.money_out += debit - credit
    return list(by_month.values())


def public_donations(fund: CharityFund) -> QuerySet[CharityEntry]:
    """The fund's donations not reversed, newest first, each with ``public_name``: the donor's name
    only where they allowed it."""
    return (
        CharityEntry.objects.filter(fund=fund, kind=EntryKind.DONATION, reversed_by__isnull=True)
        .only(
            "pk",
            "posted_on",
            "amount",
            "in_goods",
            "goods_description",
            "quantity",
            "unit",
            "donor_kind",
            "donor_name",
            "publish_donor",
            "receipt_number",
        )
        .order_by("-posted_on", "-number")
    )


def public_name(entry: CharityEntry) -> str:
    if entry.publish_donor and entry.donor_kind != DonorKind.ANONYMOUS and entry.donor_name:
        return entry.donor_name
    return _("爱心人士")


def public_disbursements(fund: CharityFund) -> QuerySet[CharityEntry]:
    """Disbursements not reversed: date, purpose and amount only (never the recipient)."""
    return (
        CharityEntry.objects.filter(
            fund=fund, kind=EntryKind.DISBURSEMENT, reversed_by__isnull=True
        )
        .only("pk", "posted_on", "amount", "in_goods", "description", "goods_description")
        .order_by("-posted_on", "-number")
    )


# --- Needs -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NeedFilters:
    q: str = ""
    status: str = ""
    kind: str = ""
    region_path: str = ""


def needs(user: Any, filters: NeedFilters | None = None) -> QuerySet[CharityNeed]:
    filters = filters or NeedFilters()
    found = scoped(CharityNeed.objects.all(), user, OrganizationsPerm.VIEW_CHARITY)
    if filters.q:
        found = found.filter(Q(title__icontains=filters.q) | Q(description__icontains=filters.q))
    if filters.status:
        found = found.filter(status=filters.status)
    if filters.kind:
        found = found.filter(kind=filters.kind)
    if filters.region_path:
        found = found.filter(community__path__under=filters.region_path)
    return found.select_related("community").order_by("-posted_at", "-pk")


def need_detail(user: Any, need_id: Any, perm: str = OrganizationsPerm.VIEW_CHARITY) -> CharityNeed:
    return get_scoped_or_404(
        CharityNeed.objects.select_related("community", "posted_by"), user, perm, pk=need_id
    )


def need_matches(need: CharityNeed) -> QuerySet[NeedMatch]:
    return need.matches.select_related("fund", "project", "matched_by").order_by("-matched_at")


def need_entries(need: CharityNeed) -> QuerySet[CharityEntry]:
    return need.entries.select_related("fund").order_by("-posted_on", "-pk")


def matchable_funds(user: Any) -> QuerySet[CharityFund]:
    return scoped(
        CharityFund.objects.filter(is_active=True), user, OrganizationsPerm.VIEW_CHARITY
    ).order_by("region__path", "name")


def matchable_projects(user: Any, community: Region | None = None) -> QuerySet[ServiceProject]:
    """Planned or running projects of the user's jurisdiction, and those bought higher up that serve
    the need's community; charity ventures (公益创投) first."""
    visible = scoped(ServiceProject.objects.all(), user, OrganizationsPerm.VIEW).values("pk")
    where = Q(pk__in=visible)
    if community is not None:
        where |= Q(communities=community)
    return (
        ServiceProject.objects.filter(where)
        .filter(status__in=(ProjectStatus.PLANNED, ProjectStatus.RUNNING))
        .distinct()
        # "venture" sorts after "purchase": descending puts the charity ventures first.
        .order_by("-kind", "title")
    )


def fulfilling_entries(need: CharityNeed) -> QuerySet[CharityEntry]:
    """Disbursements of the need's community not reversed, newest first: what may have met it."""
    return (
        CharityEntry.objects.filter(
            fund__region=need.community,
            kind=EntryKind.DISBURSEMENT,
            reversed_by__isnull=True,
        )
        .select_related("fund")
        .order_by("-posted_on", "-pk")
    )


def public_needs(community_code: str) -> QuerySet[CharityNeed]:
    return CharityNeed.objects.filter(
        community__code=community_code,
        is_public=True,
        status__in=(NeedStatus.OPEN, NeedStatus.MATCHED),
    ).order_by("needed_by", "-posted_at")


def community_exists(code: str) -> bool:
    return Region.objects.filter(code=code, level=Level.COMMUNITY).exists()


def community_in_scope(user: Any, code: str, perm: str) -> Region:
    return region_in_scope(user, code, perm)


def project_in_scope(user: Any, project_id: Any, community: Region | None = None) -> ServiceProject:
    try:
        return matchable_projects(user, community).select_related("region").get(pk=project_id)
    except (ServiceProject.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def requests(user: Any, status: str = "") -> QuerySet[DisbursementRequest]:
    found = scoped(DisbursementRequest.objects.all(), user, OrganizationsPerm.VIEW_CHARITY)
    if status:
        found = found.filter(status=status)
    return found.select_related("fund__region", "requested_by", "decided_by").order_by(
        "-requested_at", "-pk"
    )
