"""Staff pages for handling residents' PIPL rights requests, and for a resident's account and consents.

The queue and the request page read through ``queries.rights`` (scoped with ``registry.handle_rights``),
so a request outside the user's territory answers 404. The buttons shown are the workflow transitions
the user may fire (``actions.rights.staff_transitions``).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shequ.core.decorators import permission_required
from shequ.core.forms import apply_action_errors
from shequ.registry import queries
from shequ.registry.actions import own as own_actions
from shequ.registry.actions import rights as rights_actions
from shequ.registry.forms.own import ConsentForm, RightsRequestForm
from shequ.registry.forms.rights import AccountLinkForm, HandleForm, RightsFilterForm
from shequ.registry.models import (
    ConsentPurpose,
    LegalBasis,
    RightsRequest,
    RightsRequestKind,
    RightsRequestStatus,
)
from shequ.registry.permissions import RegistryPerm
from shequ.registry.queries import rights as rights_queries
from shequ.registry.views import _editable_resident, _may

PER_PAGE = 30
GET_POST = ("GET", "POST")


@permission_required(RegistryPerm.HANDLE_RIGHTS)
@require_GET
def rights_queue(request: HttpRequest) -> HttpResponse:
    form = RightsFilterForm(request.GET or None)
    found = rights_queries.rights_queue(request.user, form.filters())
    page = Paginator(found, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "registry/rights_queue.html",
        {
            "form": form,
            "page_obj": page,
            "subject_labels": dict(rights_queries.CORRECTABLE_ITEMS),
        },
    )


def _render_request(
    request: HttpRequest, rights_request: RightsRequest, form: HandleForm | None = None
) -> HttpResponse:
    user = request.user
    transitions = rights_actions.staff_transitions(rights_request, user)
    resident = rights_request.resident
    statutory_deletion = (
        rights_request.kind == RightsRequestKind.DELETION
        and resident.legal_basis == LegalBasis.STATUTORY_DUTY
    )
    if form is None:
        initial = (
            {"response": rights_actions.statutory_refusal_reason()} if statutory_deletion else {}
        )
        form = HandleForm(initial=initial)
    return render(
        request,
        "registry/rights_request.html",
        {
            "rights_request": rights_request,
            "resident": resident,
            "subject_label": rights_queries.correction_subject_label(rights_request.subject),
            "transitions": transitions,
            "needs_response": any(t.name in rights_actions.NEEDS_RESPONSE for t in transitions),
            "form": form,
            "statutory_deletion": statutory_deletion,
            "is_correction": rights_request.kind == RightsRequestKind.CORRECTION,
            "in_progress": rights_request.status == RightsRequestStatus.IN_PROGRESS,
            "can_edit_resident": _may(user, RegistryPerm.EDIT, resident),
        },
    )


@never_cache
@permission_required(RegistryPerm.HANDLE_RIGHTS)
@require_http_methods(GET_POST)
def rights_request(request: HttpRequest, request_id: int) -> HttpResponse:
    found = rights_queries.rights_request_detail(request.user, request_id)
    if request.method == "GET":
        return _render_request(request, found)
    form = HandleForm(request.POST)
    if form.is_valid():
        transition = request.POST.get("transition", "")
        try:
            rights_actions.handle_rights_request(
                rights_request=found,
                transition=transition,
                response=form.cleaned_data["response"],
                by=request.user,
            )
        except ValidationError as exc:
            apply_action_errors(form, exc)
        except PermissionDenied:
            raise Http404 from None
        else:
            messages.success(request, _("已办理。"))
            return redirect("registry:rights_request", request_id=found.pk)
    return _render_request(request, found, form)


@permission_required(RegistryPerm.HANDLE_RIGHTS)
@require_http_methods(GET_POST)
def rights_request_new(request: HttpRequest, resident_id: int) -> HttpResponse:
    """Staff at the window record a request the resident makes in person, on their behalf."""
    resident = queries.resident_detail(request.user, resident_id)
    kind = request.POST.get("kind") or request.GET.get("kind", "")
    if kind not in RightsRequestKind.values:
        kind = RightsRequestKind.COPY
    form = RightsRequestForm(request.POST or None, kind=kind)
    if request.method == "POST" and form.is_valid():
        try:
            created = rights_actions.submit_rights_request(
                resident=resident,
                kind=kind,
                subject=form.cleaned_data.get("subject", ""),
                details=form.cleaned_data["details"],
                by=request.user,
            )
        except ValidationError as exc:
            apply_action_errors(form, exc)
        except PermissionDenied:
            raise Http404 from None
        else:
            messages.success(request, _("已登记该请求。"))
            return redirect("registry:rights_request", request_id=created.pk)
    return render(
        request,
        "registry/rights_request_new.html",
        {"resident": resident, "form": form, "kind": kind, "kinds": RightsRequestKind.choices},
    )


# --- The resident's account and consents (the forms of the {% resident_account %} panel) ---------


@permission_required(RegistryPerm.EDIT)
@require_POST
def resident_account(request: HttpRequest, resident_id: int) -> HttpResponse:
    resident = _editable_resident(request.user, resident_id)
    if request.POST.get("op") == "unlink":
        try:
            own_actions.unlink_account(resident=resident, by=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("已解除账号关联。"))
        return redirect("registry:resident", resident_id=resident.pk)
    form = AccountLinkForm(request.POST)
    if form.is_valid():
        try:
            own_actions.link_account(
                resident=resident, phone=form.cleaned_data["phone"], by=request.user
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("已关联居民账号。"))
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect("registry:resident", resident_id=resident.pk)


@permission_required(RegistryPerm.EDIT)
@require_POST
def resident_consent(request: HttpRequest, resident_id: int) -> HttpResponse:
    resident = _editable_resident(request.user, resident_id)
    form = ConsentForm(request.POST)
    if form.is_valid():
        granted = form.cleaned_data["granted"]
        own_actions.set_consent(
            resident=resident,
            purpose=form.cleaned_data["purpose"],
            granted=granted,
            by=request.user,
        )
        label = ConsentPurpose(form.cleaned_data["purpose"]).label
        messages.success(
            request,
            (_("已代为登记同意：%(purpose)s") if granted else _("已代为登记撤回：%(purpose)s"))
            % {"purpose": label},
        )
    else:
        messages.error(request, _("请重新选择。"))
    return redirect("registry:resident", resident_id=resident.pk)
