"""The time-bank pages (V1). Residents: their own account with its history, and spending, giving to a
family member or to the community pool. Staff (VIEW to see, TIMEBANK to act, CONFIGURE for rules):
accounts with their balances, an account's history, a transfer and its reversal, paper-cheque entry,
grants from the pool, clearing a flag, the rules, and the audit report.

Every read goes through ``volunteering.queries.timebank`` (outside the jurisdiction: 404), every
write is one action of ``volunteering.actions.timebank``."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shequ.core.decorators import permission_required, resident_only
from shequ.core.masking import mask_name
from shequ.core.page_views import flash_errors, paged, run_action, submit
from shequ.territory.queries import narrowing_regions
from shequ.volunteering.actions import timebank as actions
from shequ.volunteering.actions.volunteers import own_resident
from shequ.volunteering.forms import timebank as forms
from shequ.volunteering.models.timebank import AccountKind, TimeAccount
from shequ.volunteering.permissions import VolunteeringPerm
from shequ.volunteering.queries import timebank as queries

Perm = VolunteeringPerm
PER_PAGE = 30
GET_POST = ["GET", "POST"]
RESIDENT = "volunteering/timebank/resident"
STAFF = "volunteering/timebank/staff"


def _rows(account: TimeAccount, movements: Any) -> list[dict[str, Any]]:
    """History rows: the other side of each movement is shown as a masked name or the account kind."""
    rows = []
    for movement in movements:
        transfer = movement.transfer
        other = transfer.target if movement.amount < 0 else transfer.source
        if other.kind == AccountKind.MEMBER and other.holder is not None:
            counterpart = mask_name(other.holder.name)
        else:
            counterpart = f"{other.community.name}{other.get_kind_display()}"
        rows.append({"movement": movement, "transfer": transfer, "counterpart": counterpart})
    return rows


# --- Residents -------------------------------------------------------------------------------------


def _resident_context(request: HttpRequest) -> tuple[Any, TimeAccount | None]:
    resident = own_resident(request.user)
    return resident, queries.own_account(resident)


@resident_only
@require_GET
def my_time_account(request: HttpRequest) -> HttpResponse:
    resident, account = _resident_context(request)
    page, query = (None, "")
    if account is not None:
        page, query = paged(request, queries.history(account), PER_PAGE)
    return render(
        request,
        f"{RESIDENT}/account.html",
        {
            "resident": resident,
            "account": account,
            "account_number": actions.account_number(account) if account else "",
            "page_obj": page,
            "rows": _rows(account, page.object_list) if account and page else [],
            "query": query,
        },
    )


def _no_record(request: HttpRequest) -> HttpResponse:
    return render(request, f"{RESIDENT}/account.html", {"resident": None, "account": None})


@resident_only
@require_http_methods(GET_POST)
def my_time_spend(request: HttpRequest) -> HttpResponse:
    resident, account = _resident_context(request)
    if resident is None:
        return _no_record(request)
    confirm_name = ""
    if request.method == "POST":
        form = forms.SpendForm(request.POST)
        if form.is_valid() and not form.cleaned_data.get("confirmed"):
            # First step: show whom the hours go to (masked) before anything is posted.
            target = actions.find_member_account(form.cleaned_data["target_number"])
            if target is None:
                form.add_error("target_number", _("找不到该账户号，请核对对方提供的账户号。"))
            elif target.holder_id == resident.pk:
                form.add_error("target_number", _("不能向自己的账户转账。"))
            else:
                try:
                    form.cleaned_data["hours"] = actions.clean_hours(form.cleaned_data["hours"])
                except ValidationError as exc:
                    form.add_error("hours", exc.message_dict["hours"])
                else:
                    assert target.holder is not None
                    confirm_name = mask_name(target.holder.name)
                    data = request.POST.copy()
                    data["confirmed"] = "True"
                    form = forms.SpendForm(data)
                    form.is_valid()
        else:
            done = submit(
                request,
                form,
                lambda data: actions.spend_hours(
                    by=request.user,
                    target_number=data["target_number"],
                    hours=data["hours"],
                    memo=data["memo"],
                    request_key=data["request_key"],
                ),
                lambda made: (
                    _("已转出 %(hours)s 小时，流水号 %(number)s。")
                    % {"hours": made.hours, "number": made.number}
                ),
                lambda _made: redirect("volunteering:my_time_account"),
            )
            if done:
                return done
    else:
        form = forms.SpendForm()
    return render(
        request,
        f"{RESIDENT}/spend.html",
        {"form": form, "account": account, "confirm_name": confirm_name},
    )


@resident_only
@require_http_methods(GET_POST)
def my_time_family(request: HttpRequest) -> HttpResponse:
    resident, account = _resident_context(request)
    if resident is None:
        return _no_record(request)
    family = actions.family_members(resident)
    if request.method == "POST":
        form = forms.FamilyForm(request.POST, family=family)
        done = submit(
            request,
            form,
            lambda data: actions.donate_to_family(by=request.user, **data),
            lambda made: (
                _("已赠与家人 %(hours)s 小时，流水号 %(number)s。")
                % {"hours": made.hours, "number": made.number}
            ),
            lambda _made: redirect("volunteering:my_time_account"),
        )
        if done:
            return done
    else:
        form = forms.FamilyForm(family=family)
    return render(
        request, f"{RESIDENT}/family.html", {"form": form, "account": account, "family": family}
    )


@resident_only
@require_http_methods(GET_POST)
def my_time_pool(request: HttpRequest) -> HttpResponse:
    resident, account = _resident_context(request)
    if resident is None:
        return _no_record(request)
    if request.method == "POST":
        form = forms.PoolForm(request.POST)
        done = submit(
            request,
            form,
            lambda data: actions.donate_to_pool(by=request.user, **data),
            lambda made: _("已向社区互助池捐赠 %(hours)s 小时，谢谢您！") % {"hours": made.hours},
            lambda _made: redirect("volunteering:my_time_account"),
        )
        if done:
            return done
    else:
        form = forms.PoolForm()
    return render(request, f"{RESIDENT}/pool.html", {"form": form, "account": account})


# --- Staff -----------------------------------------------------------------------------------------


@permission_required(Perm.VIEW)
@require_GET
def timebank_accounts(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    regions = list(narrowing_regions(user, Perm.VIEW).values_list("code", "name", "path"))
    form = forms.AccountFilterForm(request.GET, regions=regions)
    page, query = paged(request, queries.accounts(user, form.filters()), PER_PAGE)
    for account in page.object_list:
        account.number = actions.account_number(account)
    return render(
        request,
        f"{STAFF}/account_list.html",
        {
            "form": form,
            "page_obj": page,
            "query": query,
            "can_act": user.has_permission(Perm.TIMEBANK),
            "can_configure": user.has_permission(Perm.CONFIGURE),
        },
    )


@permission_required(Perm.VIEW)
@require_GET
def timebank_account(request: HttpRequest, account_id: int) -> HttpResponse:
    user: Any = request.user
    account = queries.account_detail(user, account_id)
    page, query = paged(request, queries.history(account), PER_PAGE)
    can_act = queries.may(user, Perm.TIMEBANK, account.community)
    return render(
        request,
        f"{STAFF}/account_detail.html",
        {
            "account": account,
            "account_number": actions.account_number(account),
            "page_obj": page,
            "rows": _rows(account, page.object_list),
            "query": query,
            "can_act": can_act,
            "grant_form": forms.GrantForm() if account.kind == AccountKind.MEMBER else None,
            "flag_form": forms.ClearFlagForm(),
            "rule": queries.rule_in_force(account.community),
        },
    )


@permission_required(Perm.TIMEBANK)
@require_POST
def timebank_grant(request: HttpRequest, account_id: int) -> HttpResponse:
    user: Any = request.user
    account = queries.account_detail(user, account_id, Perm.TIMEBANK)
    if account.kind != AccountKind.MEMBER or account.holder is None:
        raise Http404
    holder = account.holder
    run_action(
        request,
        forms.GrantForm(request.POST),
        lambda data: actions.grant_hours(by=user, resident=holder, **data),
        lambda made: _("已从社区互助池发放 %(hours)s 小时。") % {"hours": made.hours},
    )
    return redirect("volunteering:timebank_account", account_id=account.pk)


@permission_required(Perm.TIMEBANK)
@require_POST
def timebank_clear_flag(request: HttpRequest, account_id: int) -> HttpResponse:
    user: Any = request.user
    account = queries.account_detail(user, account_id, Perm.TIMEBANK)
    run_action(
        request,
        forms.ClearFlagForm(request.POST),
        lambda data: actions.clear_flag(account=account, by=user, **data),
        _("已解除关注标记。"),
    )
    return redirect("volunteering:timebank_account", account_id=account.pk)


@permission_required(Perm.VIEW)
@require_GET
def timebank_transfer(request: HttpRequest, transfer_number: str) -> HttpResponse:
    user: Any = request.user
    transfer = queries.transfer_detail(user, transfer_number)
    reversal = getattr(transfer, "reversed_by", None)
    return render(
        request,
        f"{STAFF}/transfer_detail.html",
        {
            "transfer": transfer,
            "reversal": reversal,
            "source_name": _side(transfer.source),
            "target_name": _side(transfer.target),
            "can_reverse": transfer.kind != "reversal"
            and reversal is None
            and queries.may(user, Perm.TIMEBANK, transfer.source.community),
            "form": forms.ReverseForm(),
        },
    )


def _side(account: TimeAccount) -> str:
    if account.kind == AccountKind.MEMBER and account.holder is not None:
        return mask_name(account.holder.name)
    return f"{account.community.name}{account.get_kind_display()}"


@permission_required(Perm.TIMEBANK)
@require_POST
def timebank_reverse(request: HttpRequest, transfer_number: str) -> HttpResponse:
    user: Any = request.user
    transfer = queries.transfer_detail(user, transfer_number)
    run_action(
        request,
        forms.ReverseForm(request.POST),
        lambda data: actions.reverse_transfer(transfer=transfer, by=user, **data),
        lambda made: _("已冲正，冲正流水号 %(number)s。") % {"number": made.number},
    )
    return redirect("volunteering:timebank_transfer", transfer_number=transfer.number)


@permission_required(Perm.TIMEBANK)
@require_http_methods(GET_POST)
def timebank_manual(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if request.method == "POST":
        form = forms.ManualForm(request.POST)

        def act(data: dict[str, Any]) -> Any:
            source = _account_by_number(user, data["source_number"], "source_number")
            target = _account_by_number(user, data["target_number"], "target_number")
            return actions.manual_transfer(
                by=user,
                source=source,
                target=target,
                hours=data["hours"],
                memo=data["memo"],
                request_key=data["request_key"],
            )

        done = submit(
            request,
            form,
            act,
            lambda made: _("已补录纸质凭证，流水号 %(number)s。") % {"number": made.number},
            lambda made: redirect("volunteering:timebank_transfer", transfer_number=made.number),
        )
        if done:
            return done
    else:
        form = forms.ManualForm()
    return render(request, f"{STAFF}/manual.html", {"form": form})


def _account_by_number(user: Any, number: str, field: str) -> TimeAccount:
    text = str(number or "").strip().upper().removeprefix("SJZH")
    found = None
    if text.isdigit():
        found = queries.accounts(user).filter(pk=int(text)).first()
    if found is None or not queries.may(user, Perm.TIMEBANK, found.community):
        raise ValidationError({field: _("找不到该账户号，或该账户不在您的管辖范围内。")})
    return found


@permission_required(Perm.VIEW)
@require_http_methods(GET_POST)
def timebank_rules(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    regions = list(narrowing_regions(user, Perm.VIEW).values_list("code", "name", "path"))
    code = request.GET.get("region") or (regions[0][0] if regions else "")
    region = queries.rule_detail(user, code) if code else None
    in_force = queries.rule_in_force(region) if region is not None else None
    can_configure = region is not None and queries.may(user, Perm.CONFIGURE, region)
    form = None
    if can_configure and region is not None:
        own = in_force.rule if in_force is not None and in_force.own else None
        if request.method == "POST":
            form = forms.RuleForm(request.POST)
            done = submit(
                request,
                form,
                lambda data: actions.set_rule(region=region, by=user, **data),
                _("已保存时间银行规则。"),
                lambda _r: redirect(f"{request.path}?region={region.code}"),
            )
            if done:
                return done
        else:
            form = forms.RuleForm(
                initial={
                    "overdraft_limit": own.overdraft_limit if own else "0",
                    "max_balance": own.max_balance if own else "",
                    "yearly_donation_limit": own.yearly_donation_limit if own else "",
                    "expiry_months": own.expiry_months if own else "",
                }
            )
    elif request.method == "POST":
        flash_errors(request, ValidationError(_("您没有修改该区域时间银行规则的权限。")))
    return render(
        request,
        f"{STAFF}/rules.html",
        {
            "regions": regions,
            "region": region,
            "in_force": in_force,
            "rules": queries.rules(user),
            "form": form,
        },
    )


@permission_required(Perm.VIEW)
@require_GET
def timebank_audit(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    return render(request, f"{STAFF}/audit.html", {"report": queries.audit_report(user)})


urls: list[URLPattern] = [
    path("me/time-account/", my_time_account, name="my_time_account"),
    path("me/time-account/spend/", my_time_spend, name="my_time_spend"),
    path("me/time-account/family/", my_time_family, name="my_time_family"),
    path("me/time-account/pool/", my_time_pool, name="my_time_pool"),
    path("timebank/", timebank_accounts, name="timebank_accounts"),
    path("timebank/accounts/<int:account_id>/", timebank_account, name="timebank_account"),
    path("timebank/accounts/<int:account_id>/grant/", timebank_grant, name="timebank_grant"),
    path(
        "timebank/accounts/<int:account_id>/clear-flag/",
        timebank_clear_flag,
        name="timebank_clear_flag",
    ),
    path("timebank/transfers/<str:transfer_number>/", timebank_transfer, name="timebank_transfer"),
    path(
        "timebank/transfers/<str:transfer_number>/reverse/",
        timebank_reverse,
        name="timebank_reverse",
    ),
    path("timebank/manual/", timebank_manual, name="timebank_manual"),
    path("timebank/rules/", timebank_rules, name="timebank_rules"),
    path("timebank/audit/", timebank_audit, name="timebank_audit"),
]
