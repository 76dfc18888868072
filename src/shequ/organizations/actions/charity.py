"""Every write to community charity (V4): funds, the double-entry ledger (donations with their donor
receipts, disbursements by request and approval, reversals), and needs matched to donors, funds and
projects.

The ledger is append-only (see ``models.charity``). Each posting locks its fund's row
(``select_for_update``) before it reads the balances and the last entry number, so two postings to one
fund at once are serialised: numbers stay gapless and no pair of approvals can overdraw the fund."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core import audit
from shequ.core.scoping import require_place
from shequ.core.validators import validate_phone
from shequ.organizations.models import (
    ASSET_ACCOUNTS,
    CharityEntry,
    CharityFund,
    CharityLine,
    CharityNeed,
    DisbursementRequest,
    DonorKind,
    EntryKind,
    FundKind,
    LedgerAccount,
    NeedKind,
    NeedMatch,
    NeedStatus,
    ProjectStatus,
    RequestStatus,
    ServiceProject,
)
from shequ.organizations.permissions import OrganizationsPerm
from shequ.organizations.queries.charity import balances
from shequ.territory.models import Level, Region

MAX_AMOUNT = Decimal("9999999999.99")


def _refusal() -> str:
    return _("该慈善基金或需求不在您的管辖范围内，或您没有此项权限。")


def _require(by: Any, perm: str, region: Region) -> None:
    require_place(by, perm, region.path, _refusal())


# --- Checking ------------------------------------------------------------------------------------


def clean_amount(value: Any, field: str = "amount", label: str = "") -> Decimal:
    """A positive sum of money in 元 with at most two decimals (分)."""
    label = label or _("金额")
    if value in (None, ""):
        raise ValidationError({field: _("请填写%(label)s。") % {"label": label}})
    try:
        amount = Decimal(str(value).replace(",", "").strip())
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError(
            {field: _("%(label)s应为数字，例如 200 或 35.50。") % {"label": label}}
        ) from exc
    if not amount.is_finite():
        raise ValidationError(
            {field: _("%(label)s应为数字，例如 200 或 35.50。") % {"label": label}}
        )
    if amount <= 0:
        raise ValidationError({field: _("%(label)s应大于 0。") % {"label": label}})
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2 and amount != amount.quantize(Decimal("0.01")):
        raise ValidationError({field: _("%(label)s最多精确到分（两位小数）。") % {"label": label}})
    if amount > MAX_AMOUNT:
        raise ValidationError({field: _("%(label)s过大，请检查。") % {"label": label}})
    return amount.quantize(Decimal("0.01"))


def clean_quantity(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        quantity = Decimal(str(value).replace(",", "").strip())
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError({"quantity": _("数量应为数字。")}) from exc
    if not quantity.is_finite() or quantity <= 0:
        raise ValidationError({"quantity": _("数量应大于 0。")})
    if quantity != quantity.quantize(Decimal("0.01")):
        raise ValidationError({"quantity": _("数量最多保留两位小数。")})
    if quantity > MAX_AMOUNT:
        raise ValidationError({"quantity": _("数量过大，请检查。")})
    return quantity


def _clean_posting_date(fund: CharityFund, posted_on: Any) -> date:
    if posted_on in (None, ""):
        return timezone.localdate()
    if not isinstance(posted_on, date):
        try:
            posted_on = date.fromisoformat(str(posted_on))
        except ValueError as exc:
            raise ValidationError({"posted_on": _("记账日期格式应为 2025-03-01。")}) from exc
    if posted_on > timezone.localdate():
        raise ValidationError({"posted_on": _("记账日期不能晚于今天。")})
    if posted_on < fund.established_on:
        raise ValidationError(
            {
                "posted_on": _("记账日期不能早于基金设立日期（%(day)s）。")
                % {"day": fund.established_on.isoformat()}
            }
        )
    return posted_on


FUND_CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]*$")
LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")


def _clean_contact(value: Any) -> str:
    """A mobile number (normalised) or a landline with its area code (0516-83801234)."""
    text = str(value or "").strip().replace(" ", "")
    if not text:
        return ""
    if LANDLINE.match(text):
        return text
    try:
        return validate_phone(text)
    except ValidationError as exc:
        raise ValidationError(
            {"donor_contact": _("联系电话应为11位手机号码或带区号的固定电话，例如 0516-83801234。")}
        ) from exc


def _text(value: Any, field: str, max_length: int, label: str, *, required: bool = False) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise ValidationError({field: _("请填写%(label)s。") % {"label": label}})
    if len(text) > max_length:
        raise ValidationError(
            {field: _("%(label)s最多 %(n)s 个字。") % {"label": label, "n": max_length}}
        )
    return text


# --- Balances --------------------------------------------------------------------------------------


def _locked(fund: CharityFund) -> CharityFund:
    """The fund's row, locked until the transaction ends: every posting to it waits here."""
    return CharityFund.objects.select_for_update().get(pk=fund.pk)


def _overdraw_message(account: str, balance: Decimal, amount: Decimal) -> str:
    if account == LedgerAccount.CASH:
        return _(
            "资金余额不足：当前余额 %(balance)s 元，本笔需 %(amount)s 元，记账后将为负数。"
        ) % {"balance": f"{balance:,.2f}", "amount": f"{amount:,.2f}"}
    return _(
        "物资结存不足：当前物资价值 %(balance)s 元，本笔需 %(amount)s 元，记账后将为负数。"
    ) % {"balance": f"{balance:,.2f}", "amount": f"{amount:,.2f}"}


def _post(
    fund: CharityFund, lines: list[tuple[str, Decimal, Decimal]], **values: Any
) -> CharityEntry:
    """Post one entry with its lines to a fund already locked by the caller: the next number, and a
    refusal when an asset account would go below zero."""
    assert sum(d for _a, d, _c in lines) == sum(c for _a, _d, c in lines)
    current = balances(fund)
    for account, debit, credit in lines:
        if account in ASSET_ACCOUNTS and current.of(account) + debit - credit < 0:
            raise ValidationError(
                {"amount": _overdraw_message(account, current.of(account), credit)}
            )
    last = CharityEntry.objects.filter(fund=fund).aggregate(n=Max("number"))["n"] or 0
    entry = CharityEntry(fund=fund, number=last + 1, **values)
    entry.save(force_insert=True)
    CharityLine.objects.bulk_create(
        [
            CharityLine(entry=entry, account=account, debit=debit, credit=credit)
            for account, debit, credit in lines
        ]
    )
    return entry


def _asset(in_goods: bool) -> str:
    return LedgerAccount.GOODS if in_goods else LedgerAccount.CASH


# --- Funds -----------------------------------------------------------------------------------------


def _next_fund_code(region: Region) -> str:
    prefix = f"{region.code}-"
    taken = CharityFund.objects.filter(code__startswith=prefix).values_list("code", flat=True)
    numbers = [int(code[len(prefix) :]) for code in taken if code[len(prefix) :].isdigit()]
    return f"{prefix}{max(numbers, default=0) + 1:02d}"


@transaction.atomic
def create_fund(
    *,
    region: Region,
    by: Any,
    name: str,
    kind: str,
    established_on: Any,
    custodian: str = "",
    publish_summary: bool = True,
    code: str = "",
    is_synthetic: bool = False,
) -> CharityFund:
    """Register a community's charity fund, store or room. Without a code it is numbered after the
    community: ``<community code>-01``, ``-02`` …"""
    if region.level != Level.COMMUNITY:
        raise ValidationError({"region": _("慈善基金应登记到具体的村(社区)。")})
    _require(by, OrganizationsPerm.POST_CHARITY, region)
    name = _text(name, "name", 120, _("名称"), required=True)
    if kind not in FundKind.values:
        raise ValidationError({"kind": _("请选择类型：社区慈善基金、慈善超市或慈善爱心屋。")})
    if established_on in (None, ""):
        raise ValidationError({"established_on": _("请填写设立日期。")})
    if not isinstance(established_on, date):
        try:
            established_on = date.fromisoformat(str(established_on))
        except ValueError as exc:
            raise ValidationError({"established_on": _("设立日期格式应为 2025-03-01。")}) from exc
    if established_on > timezone.localdate():
        raise ValidationError({"established_on": _("设立日期不能晚于今天。")})
    custodian = _text(custodian, "custodian", 120, _("管理方"))
    code = _text(code, "code", 20, _("编号")).upper()
    if code and not FUND_CODE.match(code):
        raise ValidationError({"code": _("编号只能包含字母、数字和连字符“-”。")})
    if code and CharityFund.objects.filter(code=code).exists():
        raise ValidationError({"code": _("编号“%(code)s”已被使用。") % {"code": code}})
    # The community's row serialises two registrations there, so generated codes do not collide.
    Region.objects.select_for_update().filter(pk=region.pk).first()
    fund = CharityFund(
        region=region,
        code=code or _next_fund_code(region),
        name=name,
        kind=kind,
        established_on=established_on,
        custodian=custodian,
        publish_summary=bool(publish_summary),
        is_synthetic=is_synthetic,
    )
    try:
        with transaction.atomic():
            fund.save(force_insert=True)
    except IntegrityError as exc:
        raise ValidationError(
            {"code": _("编号“%(code)s”已被使用。") % {"code": fund.code}}
        ) from exc
    audit.record("organizations.charity.fund_create", obj=fund, actor=by, region=region)
    return fund


@transaction.atomic
def update_fund(
    *,
    fund: CharityFund,
    by: Any,
    name: str,
    custodian: str = "",
    publish_summary: bool = True,
    is_active: bool = True,
) -> CharityFund:
    """Rename a fund, change its custodian, publish or withdraw its summary, close or reopen it. Its
    code, kind, community and establishment date are fixed once entries exist."""
    _require(by, OrganizationsPerm.POST_CHARITY, fund.region)
    locked = _locked(fund)
    before = {
        "name": locked.name,
        "custodian": locked.custodian,
        "publish_summary": locked.publish_summary,
        "is_active": locked.is_active,
    }
    locked.name = _text(name, "name", 120, _("名称"), required=True)
    locked.custodian = _text(custodian, "custodian", 120, _("管理方"))
    locked.publish_summary = bool(publish_summary)
    locked.is_active = bool(is_active)
    after = {key: getattr(locked, key) for key in before}
    locked.save(update_fields=list(before))
    audit.record(
        "organizations.charity.fund_update",
        obj=locked,
        actor=by,
        fields=audit.changed_fields(before, after),
    )
    return locked


# --- Donations -------------------------------------------------------------------------------------


def _receipt_number(fund: CharityFund, year: int) -> str:
    prefix = f"{fund.code}-{year}-"
    issued = CharityEntry.objects.filter(fund=fund, receipt_number__startswith=prefix).count()
    return f"{prefix}{issued + 1:05d}"


@transaction.atomic
def post_donation(
    *,
    fund: CharityFund,
    by: Any,
    amount: Any,
    donor_kind: str,
    donor_name: str = "",
    donor_contact: str = "",
    publish_donor: bool = False,
    posted_on: Any = None,
    in_goods: bool = False,
    goods_description: str = "",
    quantity: Any = None,
    unit: str = "",
    description: str = "",
    need: CharityNeed | None = None,
    is_synthetic: bool = False,
) -> CharityEntry:
    """Receive a donation of money (debit cash, credit donations) or goods at a stated value (debit
    goods, credit donations), and issue its donor receipt (捐赠票据): ``<fund>-<year>-<sequence>``."""
    _require(by, OrganizationsPerm.POST_CHARITY, fund.region)
    if not fund.is_active:
        raise ValidationError(_("该慈善基金已停止运行，不能再登记捐赠。"))
    amount = clean_amount(amount, "amount", _("物资价值") if in_goods else _("捐赠金额"))
    posted_on = _clean_posting_date(fund, posted_on)
    if donor_kind not in DonorKind.values:
        raise ValidationError({"donor_kind": _("请选择捐赠方类型：个人、单位或匿名。")})
    donor_name = _text(donor_name, "donor_name", 120, _("捐赠方名称"))
    if donor_kind == DonorKind.ANONYMOUS:
        if donor_name:
            raise ValidationError(
                {"donor_name": _("匿名捐赠不登记捐赠方名称，请清空或改选捐赠方类型。")}
            )
        publish_donor = False
    elif not donor_name:
        raise ValidationError({"donor_name": _("请填写捐赠方名称（个人姓名或单位名称）。")})
    donor_contact = _clean_contact(donor_contact)
    goods_description = _text(goods_description, "goods_description", 200, _("物资名称及规格"))
    unit = _text(unit, "unit", 10, _("单位"))
    quantity_value = clean_quantity(quantity)
    if in_goods:
        if not goods_description:
            raise ValidationError({"goods_description": _("请填写捐赠物资的名称及规格。")})
        if quantity_value is None or not unit:
            raise ValidationError({"quantity": _("请填写物资数量和单位，例如 20 袋。")})
    else:
        goods_description, unit, quantity_value = "", "", None
    description = _text(description, "description", 200, _("摘要")) or (
        _("接收捐赠物资：%(goods)s") % {"goods": goods_description}
        if in_goods
        else _("接收捐赠资金")
    )
    if need is not None and need.community_id != fund.region_id:
        raise ValidationError({"need": _("该需求不属于本基金所在的村(社区)。")})
    fund = _locked(fund)
    asset = _asset(in_goods)
    entry = _post(
        fund,
        [
            (asset, amount, Decimal(0)),
            (LedgerAccount.DONATIONS, Decimal(0), amount),
        ],
        kind=EntryKind.DONATION,
        in_goods=in_goods,
        posted_on=posted_on,
        amount=amount,
        description=description,
        goods_description=goods_description,
        quantity=quantity_value,
        unit=unit,
        donor_kind=donor_kind,
        donor_name=donor_name,
        donor_contact=donor_contact,
        publish_donor=bool(publish_donor),
        receipt_number=_receipt_number(fund, posted_on.year),
        need=need,
        posted_by=by,
        is_synthetic=is_synthetic,
    )
    audit.record(
        "organizations.charity.donation",
        obj=entry,
        actor=by,
        region=fund.region,
        fields=["donor_contact"] if donor_contact else [],
    )
    return entry


# --- Disbursements ---------------------------------------------------------------------------------


@transaction.atomic
def request_disbursement(
    *,
    fund: CharityFund,
    by: Any,
    amount: Any,
    description: str,
    recipient: str = "",
    in_goods: bool = False,
    goods_description: str = "",
    quantity: Any = None,
    unit: str = "",
    need: CharityNeed | None = None,
    is_synthetic: bool = False,
) -> DisbursementRequest:
    """Ask for a disbursement of money or goods; someone else who may approve charity spending over the
    fund's community decides it. The balance is checked now as a courtesy and again, under the fund's
    lock, when it is approved."""
    _require(by, OrganizationsPerm.POST_CHARITY, fund.region)
    if not fund.is_active:
        raise ValidationError(_("该慈善基金已停止运行，不能再申请支出。"))
    amount = clean_amount(amount, "amount", _("物资价值") if in_goods else _("支出金额"))
    description = _text(description, "description", 200, _("用途"))
    recipient = _text(recipient, "recipient", 200, _("受助对象"))
    if not description and not recipient:
        raise ValidationError({"description": _("请填写支出用途或受助对象。")})
    description = description or _("慈善救助")
    goods_description = _text(goods_description, "goods_description", 200, _("物资名称及规格"))
    unit = _text(unit, "unit", 10, _("单位"))
    quantity_value = clean_quantity(quantity)
    if in_goods and not goods_description:
        raise ValidationError({"goods_description": _("请填写发放物资的名称及规格。")})
    if not in_goods:
        goods_description, unit, quantity_value = "", "", None
    if need is not None and need.community_id != fund.region_id:
        raise ValidationError({"need": _("该需求不属于本基金所在的村(社区)。")})
    current = balances(fund).of(_asset(in_goods))
    if current < amount:
        raise ValidationError({"amount": _overdraw_message(_asset(in_goods), current, amount)})
    request = DisbursementRequest.objects.create(
        fund=fund,
        in_goods=in_goods,
        amount=amount,
        recipient=recipient,
        description=description,
        goods_description=goods_description,
        quantity=quantity_value,
        unit=unit,
        need=need,
        requested_by=by,
        is_synthetic=is_synthetic,
    )
    audit.record(
        "organizations.charity.disbursement_request", obj=request, actor=by, region=fund.region
    )
    return request


def _decide(
    request: DisbursementRequest, by: Any, status: str, **values: Any
) -> DisbursementRequest:
    """Move a pending request to ``status`` with a conditional update: of two decisions at once, only
    the first finds it pending."""
    changed = DisbursementRequest.objects.filter(
        pk=request.pk, status=RequestStatus.PENDING, version=request.version
    ).update(status=status, decided_at=timezone.now(), version=F("version") + 1, **values)
    if not changed:
        raise ValidationError(_("该支出申请已被他人处理或已变更，请刷新后查看。"))
    return DisbursementRequest.objects.select_related("fund__region", "entry").get(pk=request.pk)


def _require_approver(request: DisbursementRequest, by: Any, approver: Any) -> Any:
    if by is not None:
        _require(by, OrganizationsPerm.APPROVE_CHARITY, request.fund.region)
        approver = by
    elif approver is None:
        raise ValidationError(_("慈善支出须由审批人批准。"))
    if request.requested_by_id is not None and approver.pk == request.requested_by_id:
        raise ValidationError(_("申请人不能审批自己提出的支出申请，请由其他有审批权限的人员审批。"))
    return approver


@transaction.atomic
def approve_disbursement(
    *,
    request: DisbursementRequest,
    by: Any,
    posted_on: Any = None,
    reason: str = "",
    approver: Any = None,
) -> CharityEntry:
    """Approve a pending request and post its disbursement (debit disbursements, credit cash or goods)
    in the same transaction, refused when the fund's balance does not cover it.

    ``by`` is the approver and must hold ``approve_charity`` over the fund's community. The system
    (``by=None``: imports of paper approvals, the demo) must name the ``approver`` who signed."""
    approver = _require_approver(request, by, approver)
    reason = _text(reason, "reason", 300, _("审批意见"))
    fund = _locked(request.fund)
    posted_on = _clean_posting_date(fund, posted_on)
    request.refresh_from_db()
    if request.status != RequestStatus.PENDING:
        raise ValidationError(_("该支出申请已被他人处理或已变更，请刷新后查看。"))
    asset = _asset(request.in_goods)
    now = timezone.now()
    entry = _post(
        fund,
        [
            (LedgerAccount.DISBURSEMENTS, request.amount, Decimal(0)),
            (asset, Decimal(0), request.amount),
        ],
        kind=EntryKind.DISBURSEMENT,
        in_goods=request.in_goods,
        posted_on=posted_on,
        amount=request.amount,
        description=request.description,
        goods_description=request.goods_description,
        quantity=request.quantity,
        unit=request.unit,
        recipient=request.recipient,
        approver=approver,
        approved_at=now,
        need=request.need,
        posted_by=request.requested_by,
        is_synthetic=request.is_synthetic,
    )
    _decide(
        request, approver, RequestStatus.APPROVED, decided_by=approver, reason=reason, entry=entry
    )
    audit.record(
        "organizations.charity.disbursement_approve", obj=entry, actor=approver, region=fund.region
    )
    return entry


@transaction.atomic
def reject_disbursement(
    *, request: DisbursementRequest, by: Any, reason: str
) -> DisbursementRequest:
    if by is not None:
        _require_approver(request, by, None)
    reason = _text(reason, "reason", 300, _("驳回理由"), required=True)
    decided = _decide(request, by, RequestStatus.REJECTED, decided_by=by, reason=reason)
    audit.record(
        "organizations.charity.disbursement_reject",
        obj=decided,
        actor=by,
        region=request.fund.region,
        reason=reason,
    )
    return decided


# --- Reversals -------------------------------------------------------------------------------------


@transaction.atomic
def reverse_entry(
    *, entry: CharityEntry, by: Any, reason: str, posted_on: Any = None
) -> CharityEntry:
    """Undo a posted entry by posting its mirror (冲销): every line on the other side. An entry is
    reversed at most once, a reversal never; reversing a donation already spent is refused."""
    fund = entry.fund
    _require(by, OrganizationsPerm.APPROVE_CHARITY, fund.region)
    reason = _text(reason, "reason", 150, _("冲销原因"), required=True)
    fund = _locked(fund)
    if entry.kind == EntryKind.REVERSAL:
        raise ValidationError(_("冲销凭证不能再冲销；如有错误，请重新登记正确的账目。"))
    if CharityEntry.objects.filter(reverses=entry).exists():
        raise ValidationError(_("第 %(n)s 号凭证已经冲销过，不能重复冲销。") % {"n": entry.number})
    posted_on = _clean_posting_date(fund, posted_on)
    if posted_on < entry.posted_on:
        raise ValidationError({"posted_on": _("冲销日期不能早于原凭证的记账日期。")})
    lines = [
        (line.account, line.credit, line.debit) for line in CharityLine.objects.filter(entry=entry)
    ]
    reversal = _post(
        fund,
        lines,
        kind=EntryKind.REVERSAL,
        in_goods=entry.in_goods,
        posted_on=posted_on,
        amount=entry.amount,
        description=_("冲销第 %(n)s 号凭证：%(reason)s") % {"n": entry.number, "reason": reason},
        goods_description=entry.goods_description,
        quantity=entry.quantity,
        unit=entry.unit,
        reverses=entry,
        approver=by,
        approved_at=timezone.now() if by is not None else None,
        posted_by=by,
        is_synthetic=entry.is_synthetic,
    )
    audit.record(
        "organizations.charity.reverse", obj=reversal, actor=by, region=fund.region, reason=reason
    )
    return reversal


# --- Needs -----------------------------------------------------------------------------------------


NEED_FIELDS = ("title", "description", "kind", "amount", "quantity", "needed_by", "is_public")


@transaction.atomic
def post_need(
    *,
    community: Region,
    by: Any,
    title: str,
    kind: str,
    description: str = "",
    amount: Any = None,
    quantity: str = "",
    needed_by: Any = None,
    is_public: bool = True,
    is_synthetic: bool = False,
) -> CharityNeed:
    """A community posts a need (微心愿、困难帮扶): money with an amount, goods with a quantity, or a
    service; the date it is needed by is not in the past."""
    if community.level != Level.COMMUNITY:
        raise ValidationError({"community": _("需求应发布到具体的村(社区)。")})
    _require(by, OrganizationsPerm.POST_CHARITY, community)
    title = _text(title, "title", 120, _("需求"), required=True)
    description = _text(description, "description", 2000, _("需求说明"))
    if kind not in NeedKind.values:
        raise ValidationError({"kind": _("请选择需求类型：资金、物资或服务。")})
    amount_value = None
    if kind == NeedKind.MONEY or amount not in (None, ""):
        amount_value = clean_amount(amount, "amount", _("所需金额"))
    quantity = _text(quantity, "quantity", 60, _("所需数量"))
    if kind == NeedKind.GOODS and not quantity:
        raise ValidationError({"quantity": _("请填写所需物资的数量，例如 大米 2 袋。")})
    if needed_by not in (None, ""):
        if not isinstance(needed_by, date):
            try:
                needed_by = date.fromisoformat(str(needed_by))
            except ValueError as exc:
                raise ValidationError({"needed_by": _("需要日期格式应为 2025-03-01。")}) from exc
        if needed_by < timezone.localdate():
            raise ValidationError({"needed_by": _("需要日期不能早于今天。")})
    else:
        needed_by = None
    need = CharityNeed.objects.create(
        community=community,
        title=title,
        description=description,
        kind=kind,
        amount=amount_value,
        quantity=quantity,
        needed_by=needed_by,
        is_public=bool(is_public),
        posted_by=by,
        is_synthetic=is_synthetic,
    )
    audit.record("organizations.charity.need_post", obj=need, actor=by, region=community)
    return need


def _transition(need: CharityNeed, sources: tuple[str, ...], status: str) -> None:
    changed = CharityNeed.objects.filter(
        pk=need.pk, status__in=sources, version=need.version
    ).update(status=status, version=F("version") + 1)
    if not changed:
        raise ValidationError(_("该需求已被他人处理或已变更，请刷新后查看。"))
    need.status = status
    need.version += 1


@transaction.atomic
def match_need(
    *,
    need: CharityNeed,
    by: Any,
    donor_name: str = "",
    fund: CharityFund | None = None,
    project: ServiceProject | None = None,
    note: str = "",
) -> NeedMatch:
    """Match an open need to who meets it: a donor by name, a charity fund or a charity project (公益创投
    first) of the actor's jurisdiction."""
    _require(by, OrganizationsPerm.POST_CHARITY, need.community)
    donor_name = _text(donor_name, "donor_name", 120, _("认领方"))
    note = _text(note, "note", 200, _("说明"))
    if not donor_name and fund is None and project is None:
        raise ValidationError(
            {"donor_name": _("请填写认领的爱心人士或单位，或选择慈善基金、慈善项目。")}
        )
    if fund is not None:
        if not fund.is_active:
            raise ValidationError({"fund": _("该慈善基金已停止运行。")})
        require_place(
            by,
            OrganizationsPerm.VIEW_CHARITY,
            fund.region.path,
            _("所选慈善基金不在您的管辖范围内。"),
        )
    if project is not None:
        serves_here = project.communities.filter(pk=need.community_id).exists()
        if not serves_here:
            require_place(
                by,
                OrganizationsPerm.VIEW,
                project.region.path,
                _("所选慈善项目不在您的管辖范围内，也不服务该村(社区)。"),
            )
        if project.status in (ProjectStatus.FINISHED, ProjectStatus.TERMINATED):
            raise ValidationError({"project": _("该项目已结项或终止，不能再对接需求。")})
    _transition(need, (NeedStatus.OPEN, NeedStatus.MATCHED), NeedStatus.MATCHED)
    match = NeedMatch.objects.create(
        need=need, fund=fund, project=project, donor_name=donor_name, note=note, matched_by=by
    )
    audit.record("organizations.charity.need_match", obj=need, actor=by, region=need.community)
    return match


@transaction.atomic
def fulfil_need(
    *, need: CharityNeed, by: Any, entry: CharityEntry | None = None, note: str = ""
) -> CharityNeed:
    """Mark a matched (or open) need fulfilled, optionally naming the disbursement that met it."""
    _require(by, OrganizationsPerm.POST_CHARITY, need.community)
    if entry is not None:
        if entry.kind != EntryKind.DISBURSEMENT:
            raise ValidationError({"entry": _("只能关联慈善支出凭证。")})
        if entry.fund.region_id != need.community_id:
            raise ValidationError({"entry": _("该支出凭证不属于本需求所在的村(社区)。")})
        if CharityEntry.objects.filter(reverses=entry).exists():
            raise ValidationError({"entry": _("该支出凭证已被冲销。")})
    _transition(need, (NeedStatus.OPEN, NeedStatus.MATCHED), NeedStatus.FULFILLED)
    if entry is not None and entry.need_id is None:
        # The need is the one link a posted entry may still receive: an annotation, not an amount.
        CharityEntry.objects.filter(pk=entry.pk, need__isnull=True).update(need=need)
    audit.record(
        "organizations.charity.need_fulfil", obj=need, actor=by, region=need.community, reason=note
    )
    return need


@transaction.atomic
def withdraw_need(*, need: CharityNeed, by: Any, reason: str = "") -> CharityNeed:
    _require(by, OrganizationsPerm.POST_CHARITY, need.community)
    _transition(need, (NeedStatus.OPEN, NeedStatus.MATCHED), NeedStatus.WITHDRAWN)
    audit.record(
        "organizations.charity.need_withdraw",
        obj=need,
        actor=by,
        region=need.community,
        reason=_text(reason, "reason", 300, _("撤回原因")),
    )
    return need
