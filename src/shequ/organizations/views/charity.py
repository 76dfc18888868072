"""The charity pages (V4): funds with their balances, a fund's ledger, trial balance and Excel export,
donations with their printable receipts, disbursement requests and their approval, reversals, the
public summary of a fund (no sign-in), and needs matched to donors, funds and projects.

Every read goes through ``organizations.queries.charity`` (a fund outside the jurisdiction answers
404, as one that does not exist), every write is one action of ``organizations.actions.charity``."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shequ.core.decorators import permission_required
from shequ.core.masking import mask_phone
from shequ.core.page_views import flash_errors, submit, xlsx_response
from shequ.organizations.actions import charity as actions
from shequ.organizations.forms import charity as forms
from shequ.organizations.models import (
    CharityEntry,
    DonorKind,
    EntryKind,
    NeedStatus,
    RequestStatus,
)
from shequ.organizations.permissions import OrganizationsPerm
from shequ.organizations.queries import charity as queries

PER_PAGE = 50
GET_POST = ["GET", "POST"]
Perm = OrganizationsPerm


# --- Funds -----------------------------------------------------------------------------------------


@permission_required(Perm.VIEW_CHARITY)
@require_GET
def funds(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = forms.FundFilterForm(request.GET, user=user)
    page = Paginator(queries.funds(user, form.filters()), PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "organizations/charity/fund_list.html",
        {
            "form": form,
            "page_obj": page,
            "can_post": user.has_permission(Perm.POST_CHARITY),
            "can_approve": user.has_permission(Perm.APPROVE_CHARITY),
        },
    )


@permission_required(Perm.POST_CHARITY)
@require_http_methods(GET_POST)
def fund_new(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    communities = queries.postable_communities(user)
    if request.method == "POST":
        form = forms.FundForm(request.POST, communities=communities)
        done = submit(
            request,
            form,
            lambda data: actions.create_fund(by=user, **data),
            lambda made: _("已登记“%(name)s”。") % {"name": made.name},
            lambda made: redirect("organizations:fund_detail", fund_id=made.pk),
        )
        if done:
            return done
    else:
        form = forms.FundForm(communities=communities)
    return render(request, "organizations/charity/fund_form.html", {"form": form, "fund": None})


@permission_required(Perm.POST_CHARITY)
@require_http_methods(GET_POST)
def fund_edit(request: HttpRequest, fund_id: int) -> HttpResponse:
    user: Any = request.user
    fund = queries.fund_detail(user, fund_id, Perm.POST_CHARITY)
    if request.method == "POST":
        form = forms.FundEditForm(request.POST)
        done = submit(
            request,
            form,
            lambda data: actions.update_fund(fund=fund, by=user, **data),
            _("已保存。"),
            lambda _r: redirect("organizations:fund_detail", fund_id=fund.pk),
        )
        if done:
            return done
    else:
        form = forms.FundEditForm(
            initial={
                "name": fund.name,
                "custodian": fund.custodian,
                "publish_summary": fund.publish_summary,
                "is_active": fund.is_active,
            }
        )
    return render(request, "organizations/charity/fund_form.html", {"form": form, "fund": fund})


@permission_required(Perm.VIEW_CHARITY)
@require_GET
def fund_detail(request: HttpRequest, fund_id: int) -> HttpResponse:
    user: Any = request.user
    fund = queries.fund_detail(user, fund_id)
    page = Paginator(queries.ledger(fund), PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "organizations/charity/fund_detail.html",
        {
            "fund": fund,
            "page_obj": page,
            "balances": queries.balances(fund),
            "trial": queries.trial_balance(fund),
            "requests": list(queries.requests_of(fund).filter(status=RequestStatus.PENDING)),
            "can_post": queries.may(user, Perm.POST_CHARITY, fund.region),
            "can_approve": queries.may(user, Perm.APPROVE_CHARITY, fund.region),
        },
    )


@permission_required(Perm.VIEW_CHARITY)
@require_GET
@never_cache
def fund_export(request: HttpRequest, fund_id: int) -> HttpResponse:
    user: Any = request.user
    fund = queries.fund_detail(user, fund_id)
    try:
        filename, content = queries.ledger_export(user=user, fund=fund)
    except ValueError:
        messages.error(request, _("账目过多，无法一次导出，请联系管理员。"))
        return redirect("organizations:fund_detail", fund_id=fund.pk)
    return xlsx_response(content, filename)


# --- Donations and disbursements -------------------------------------------------------------------


@permission_required(Perm.POST_CHARITY)
@require_http_methods(GET_POST)
def donation_new(request: HttpRequest, fund_id: int) -> HttpResponse:
    user: Any = request.user
    fund = queries.fund_detail(user, fund_id, Perm.POST_CHARITY)
    if request.method == "POST":
        form = forms.DonationForm(request.POST)
        done = submit(
            request,
            form,
            lambda data: actions.post_donation(fund=fund, by=user, **form.values()),
            lambda made: _("已登记捐赠，捐赠票据号 %(number)s。") % {"number": made.receipt_number},
            lambda made: redirect("organizations:receipt", charity_entry_id=made.pk),
        )
        if done:
            return done
    else:
        form = forms.DonationForm()
    return render(
        request,
        "organizations/charity/entry_form.html",
        {"form": form, "fund": fund, "title": _("登记捐赠")},
    )


@permission_required(Perm.POST_CHARITY)
@require_http_methods(GET_POST)
def disbursement_new(request: HttpRequest, fund_id: int) -> HttpResponse:
    user: Any = request.user
    fund = queries.fund_detail(user, fund_id, Perm.POST_CHARITY)
    if request.method == "POST":
        form = forms.DisbursementForm(request.POST)
        done = submit(
            request,
            form,
            lambda data: actions.request_disbursement(fund=fund, by=user, **form.values()),
            _("支出申请已提交，等待其他有审批权限的人员审批。"),
            lambda made: redirect("organizations:disbursement_request", charity_request_id=made.pk),
        )
        if done:
            return done
    else:
        form = forms.DisbursementForm()
    return render(
        request,
        "organizations/charity/entry_form.html",
        {
            "form": form,
            "fund": fund,
            "title": _("申请慈善支出"),
            "balances": queries.balances(fund),
        },
    )


@permission_required(Perm.VIEW_CHARITY)
@require_GET
def disbursement_requests(request: HttpRequest) -> HttpResponse:
    """By default the requests waiting for the user's decision, oldest first; ``?status=`` shows the
    requests of the user's places in that state (``all`` for every one), newest first."""
    user: Any = request.user
    status = request.GET.get("status", "")
    if status == "all":
        found = queries.requests(user)
    elif status in RequestStatus.values:
        found = queries.requests(user, status)
    else:
        status = ""
        found = queries.pending_requests(user)
    page = Paginator(found, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "organizations/charity/request_list.html",
        {
            "page_obj": page,
            "status": status,
            "statuses": [("", _("待我审批")), *RequestStatus.choices, ("all", _("全部"))],
        },
    )


@permission_required(Perm.VIEW_CHARITY)
@require_GET
def disbursement_request(request: HttpRequest, charity_request_id: int) -> HttpResponse:
    user: Any = request.user
    asked = queries.request_for(user, charity_request_id)
    may_decide = (
        asked.status == RequestStatus.PENDING
        and queries.may(user, Perm.APPROVE_CHARITY, asked.fund.region)
        and asked.requested_by_id != user.pk
    )
    return render(
        request,
        "organizations/charity/request_detail.html",
        {
            "asked": asked,
            "balances": queries.balances(asked.fund),
            "approve_form": forms.ApproveForm(initial={"version": asked.version})
            if may_decide
            else None,
            "reject_form": forms.RejectForm(initial={"version": asked.version})
            if may_decide
            else None,
            "own_request": asked.requested_by_id == user.pk,
        },
    )


@permission_required(Perm.APPROVE_CHARITY)
@require_POST
def disbursement_approve(request: HttpRequest, charity_request_id: int) -> HttpResponse:
    user: Any = request.user
    asked = queries.request_for(user, charity_request_id, Perm.APPROVE_CHARITY)
    form = forms.ApproveForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect("organizations:disbursement_request", charity_request_id=asked.pk)
    if form.cleaned_data["version"] != asked.version:
        messages.error(request, _("该支出申请已被他人处理或已变更，请刷新后查看。"))
        return redirect("organizations:disbursement_request", charity_request_id=asked.pk)
    try:
        entry = actions.approve_disbursement(
            request=asked,
            by=user,
            posted_on=form.cleaned_data.get("posted_on"),
            reason=form.cleaned_data.get("reason") or "",
        )
    except ValidationError as exc:
        flash_errors(request, exc)
        return redirect("organizations:disbursement_request", charity_request_id=asked.pk)
    messages.success(request, _("已批准并记账，凭证号 %(n)s。") % {"n": entry.number})
    return redirect("organizations:fund_detail", fund_id=asked.fund_id)


@permission_required(Perm.APPROVE_CHARITY)
@require_POST
def disbursement_reject(request: HttpRequest, charity_request_id: int) -> HttpResponse:
    user: Any = request.user
    asked = queries.request_for(user, charity_request_id, Perm.APPROVE_CHARITY)
    form = forms.RejectForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写驳回理由。"))
        return redirect("organizations:disbursement_request", charity_request_id=asked.pk)
    if form.cleaned_data["version"] != asked.version:
        messages.error(request, _("该支出申请已被他人处理或已变更，请刷新后查看。"))
        return redirect("organizations:disbursement_request", charity_request_id=asked.pk)
    try:
        actions.reject_disbursement(request=asked, by=user, reason=form.cleaned_data["reason"])
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("已驳回该支出申请。"))
    return redirect("organizations:disbursement_request", charity_request_id=asked.pk)


# --- Entries, reversals and receipts ---------------------------------------------------------------


def _party(entry: CharityEntry) -> str:
    if entry.kind == EntryKind.DONATION:
        return entry.donor_name if entry.donor_kind != DonorKind.ANONYMOUS else _("匿名")
    return entry.recipient


@permission_required(Perm.VIEW_CHARITY)
@require_GET
def charity_entry(request: HttpRequest, charity_entry_id: int) -> HttpResponse:
    user: Any = request.user
    entry = queries.entry_for(user, charity_entry_id)
    reversed_by = CharityEntry.objects.filter(reverses=entry).first()
    may_reverse = (
        entry.kind != EntryKind.REVERSAL
        and reversed_by is None
        and queries.may(user, Perm.APPROVE_CHARITY, entry.fund.region)
    )
    return render(
        request,
        "organizations/charity/entry_detail.html",
        {
            "entry": entry,
            "lines": list(entry.lines.all()),
            "party": _party(entry),
            "contact": mask_phone(entry.donor_contact) if entry.donor_contact else "",
            "reversed_by": reversed_by,
            "reverse_form": forms.ReverseForm() if may_reverse else None,
        },
    )


@permission_required(Perm.APPROVE_CHARITY)
@require_POST
def entry_reverse(request: HttpRequest, charity_entry_id: int) -> HttpResponse:
    user: Any = request.user
    entry = queries.entry_for(user, charity_entry_id, Perm.APPROVE_CHARITY)
    form = forms.ReverseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写冲销原因。"))
        return redirect("organizations:charity_entry", charity_entry_id=entry.pk)
    try:
        reversal = actions.reverse_entry(entry=entry, by=user, reason=form.cleaned_data["reason"])
    except ValidationError as exc:
        flash_errors(request, exc)
        return redirect("organizations:charity_entry", charity_entry_id=entry.pk)
    messages.success(
        request,
        _("已冲销第 %(n)s 号凭证（冲销凭证第 %(m)s 号）。")
        % {"n": entry.number, "m": reversal.number},
    )
    return redirect("organizations:fund_detail", fund_id=entry.fund_id)


@permission_required(Perm.VIEW_CHARITY)
@require_GET
def receipt(request: HttpRequest, charity_entry_id: int) -> HttpResponse:
    """The printable donor receipt (捐赠票据) of a donation."""
    user: Any = request.user
    entry = queries.receipt(user, charity_entry_id)
    reversed_by = CharityEntry.objects.filter(reverses=entry).first()
    return render(
        request,
        "organizations/charity/receipt.html",
        {"entry": entry, "fund": entry.fund, "party": _party(entry), "reversed_by": reversed_by},
    )


# --- The public summary ----------------------------------------------------------------------------


@require_GET
def fund_summary(request: HttpRequest, fund_code: str) -> HttpResponse:
    """A published fund's income and spending (慈善信息公开), for everyone: donors' names only where
    they allowed it, never contacts, never the recipients of disbursements."""
    fund = queries.published_fund(fund_code)
    donations = Paginator(queries.public_donations(fund), PER_PAGE).get_page(
        request.GET.get("page")
    )
    for entry in donations.object_list:
        entry.public_name = queries.public_name(entry)  # type: ignore[attr-defined]
    return render(
        request,
        "organizations/charity/summary.html",
        {
            "fund": fund,
            "months": queries.monthly_totals(fund),
            "balances": queries.balances(fund),
            "page_obj": donations,
            "disbursements": list(queries.public_disbursements(fund)[:PER_PAGE]),
        },
    )


# --- Needs -----------------------------------------------------------------------------------------


@permission_required(Perm.VIEW_CHARITY)
@require_GET
def needs(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = forms.NeedFilterForm(request.GET, user=user)
    page = Paginator(queries.needs(user, form.filters()), PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "organizations/charity/need_list.html",
        {"form": form, "page_obj": page, "can_post": user.has_permission(Perm.POST_CHARITY)},
    )


@permission_required(Perm.POST_CHARITY)
@require_http_methods(GET_POST)
def need_new(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    communities = queries.postable_communities(user)
    if request.method == "POST":
        form = forms.NeedForm(request.POST, communities=communities)
        done = submit(
            request,
            form,
            lambda data: actions.post_need(by=user, **data),
            lambda made: _("已发布需求“%(title)s”。") % {"title": made.title},
            lambda made: redirect("organizations:need_detail", charity_need_id=made.pk),
        )
        if done:
            return done
    else:
        form = forms.NeedForm(communities=communities)
    return render(request, "organizations/charity/need_form.html", {"form": form})


def _need_forms(user: Any, need: Any, data: Any = None, which: str = "") -> dict[str, Any]:
    if need.status not in (NeedStatus.OPEN, NeedStatus.MATCHED) or not queries.may(
        user, Perm.POST_CHARITY, need.community
    ):
        return {}
    return {
        "match_form": forms.MatchForm(
            data if which == "match" else None,
            funds=queries.matchable_funds(user),
            projects=queries.matchable_projects(user, need.community),
        ),
        "fulfil_form": forms.FulfilForm(
            data if which == "fulfil" else None, entries=queries.fulfilling_entries(need)
        ),
        "withdraw_form": forms.WithdrawForm(data if which == "withdraw" else None),
    }


def _render_need(request: HttpRequest, need: Any, **extra: Any) -> HttpResponse:
    user: Any = request.user
    context = {
        "need": need,
        "matches": list(queries.need_matches(need)),
        "entries": list(queries.need_entries(need)),
        **_need_forms(user, need),
        **extra,
    }
    return render(request, "organizations/charity/need_detail.html", context)


@permission_required(Perm.VIEW_CHARITY)
@require_GET
def need_detail(request: HttpRequest, charity_need_id: int) -> HttpResponse:
    need = queries.need_detail(request.user, charity_need_id)
    return _render_need(request, need)


@permission_required(Perm.POST_CHARITY)
@require_POST
def need_match(request: HttpRequest, charity_need_id: int) -> HttpResponse:
    user: Any = request.user
    need = queries.need_detail(user, charity_need_id, Perm.POST_CHARITY)
    form = forms.MatchForm(
        request.POST,
        funds=queries.matchable_funds(user),
        projects=queries.matchable_projects(user, need.community),
    )
    done = submit(
        request,
        form,
        lambda data: actions.match_need(need=need, by=user, **data),
        _("已对接该需求。"),
        lambda _r: redirect("organizations:need_detail", charity_need_id=need.pk),
        refusal_on_form=True,
    )
    return done or _render_need(request, need, match_form=form)


@permission_required(Perm.POST_CHARITY)
@require_POST
def need_fulfil(request: HttpRequest, charity_need_id: int) -> HttpResponse:
    user: Any = request.user
    need = queries.need_detail(user, charity_need_id, Perm.POST_CHARITY)
    form = forms.FulfilForm(request.POST, entries=queries.fulfilling_entries(need))
    done = submit(
        request,
        form,
        lambda data: actions.fulfil_need(need=need, by=user, **data),
        _("需求已标记为完成。"),
        lambda _r: redirect("organizations:need_detail", charity_need_id=need.pk),
    )
    return done or _render_need(request, need, fulfil_form=form)


@permission_required(Perm.POST_CHARITY)
@require_POST
def need_withdraw(request: HttpRequest, charity_need_id: int) -> HttpResponse:
    user: Any = request.user
    need = queries.need_detail(user, charity_need_id, Perm.POST_CHARITY)
    form = forms.WithdrawForm(request.POST)
    done = submit(
        request,
        form,
        lambda data: actions.withdraw_need(need=need, by=user, reason=data.get("reason") or ""),
        _("需求已撤回。"),
        lambda _r: redirect("organizations:need_detail", charity_need_id=need.pk),
    )
    return done or _render_need(request, need, withdraw_form=form)


@require_GET
def public_needs(request: HttpRequest, need_community_code: str) -> HttpResponse:
    """A community's open public needs (微心愿), for everyone."""
    found = queries.public_needs(need_community_code)
    page = Paginator(found, PER_PAGE).get_page(request.GET.get("page"))
    if not page.object_list and not queries.community_exists(need_community_code):
        raise Http404
    return render(request, "organizations/charity/public_needs.html", {"page_obj": page})


urls: list[URLPattern] = [
    path("charity/", funds, name="funds"),
    path("charity/new/", fund_new, name="fund_new"),
    path("charity/<int:fund_id>/", fund_detail, name="fund_detail"),
    path("charity/<int:fund_id>/edit/", fund_edit, name="fund_edit"),
    path("charity/<int:fund_id>/ledger.xlsx", fund_export, name="fund_export"),
    path("charity/<int:fund_id>/donations/new/", donation_new, name="donation_new"),
    path("charity/<int:fund_id>/disbursements/new/", disbursement_new, name="disbursement_new"),
    path("charity/requests/", disbursement_requests, name="disbursement_requests"),
    path(
        "charity/requests/<int:charity_request_id>/",
        disbursement_request,
        name="disbursement_request",
    ),
    path(
        "charity/requests/<int:charity_request_id>/approve/",
        disbursement_approve,
        name="disbursement_approve",
    ),
    path(
        "charity/requests/<int:charity_request_id>/reject/",
        disbursement_reject,
        name="disbursement_reject",
    ),
    path("charity/entries/<int:charity_entry_id>/", charity_entry, name="charity_entry"),
    path("charity/entries/<int:charity_entry_id>/reverse/", entry_reverse, name="entry_reverse"),
    path("charity/entries/<int:charity_entry_id>/receipt/", receipt, name="receipt"),
    path("charity/public/<str:fund_code>/", fund_summary, name="fund_summary"),
    path("charity/needs/", needs, name="needs"),
    path("charity/needs/new/", need_new, name="need_new"),
    path("charity/needs/<int:charity_need_id>/", need_detail, name="need_detail"),
    path("charity/needs/<int:charity_need_id>/match/", need_match, name="need_match"),
    path("charity/needs/<int:charity_need_id>/fulfil/", need_fulfil, name="need_fulfil"),
    path("charity/needs/<int:charity_need_id>/withdraw/", need_withdraw, name="need_withdraw"),
    path("charity/public/needs/<str:need_community_code>/", public_needs, name="public_needs"),
]
