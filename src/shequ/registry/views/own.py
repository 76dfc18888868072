"""The resident's own pages: their record and household, consents, and rights requests.

Only residents reach them (``resident_only``); what each shows is found through the signed-in
account (``queries.own``, ``queries.rights.own_*``), never through an id that could name someone else's
record. Identifiers are shown masked, and the pages are never cached.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shequ.core.decorators import resident_only
from shequ.core.forms import apply_action_errors
from shequ.core.masking import mask_id_number, mask_phone
from shequ.registry.actions import own as own_actions
from shequ.registry.actions import rights as rights_actions
from shequ.registry.display import address_of
from shequ.registry.forms.own import ConsentForm, LinkForm, RightsRequestForm
from shequ.registry.models import ConsentPurpose, LegalBasis, Resident, RightsRequestKind
from shequ.registry.queries import own as own_queries
from shequ.registry.queries import rights as rights_queries

GET_POST = ("GET", "POST")


def _linked(request: HttpRequest) -> Resident | None:
    return own_queries.own_record(request.user)


def _link_page(request: HttpRequest, form: LinkForm | None = None) -> HttpResponse:
    return render(
        request,
        "registry/own_link.html",
        {
            "form": form or LinkForm(),
            "attempts_left": own_actions.link_attempts_left(request.user),  # type: ignore[arg-type]
        },
    )


def legal_basis_explained(basis: str) -> str:
    if basis == LegalBasis.CONSENT:
        return _("您的信息是经您本人同意后登记的。您可以随时撤回同意，并申请删除手机号等信息。")
    return _(
        "村(社区)依照法律法规登记人口、提供社区服务，这是履行法定职责所必需的，"
        "不需要您另外同意。您的信息只用于这些工作，并按规定加密保护。"
        "您可以查阅、复制，发现错误可以申请更正。"
    )


# --- My record and household ---------------------------------------------------------------------


@resident_only
@require_GET
def own_record(request: HttpRequest) -> HttpResponse:
    resident = _linked(request)
    if resident is None:
        return _link_page(request)
    household = resident.household
    return render(
        request,
        "registry/own_record.html",
        {
            "resident": resident,
            "id_number": mask_id_number(resident.id_number) if resident.id_number else "",
            "phone": mask_phone(resident.phone) if resident.phone else "",
            "address": address_of(household) if household else "",
            "legal_basis_text": legal_basis_explained(resident.legal_basis),
        },
    )


@resident_only
@require_http_methods(GET_POST)
def own_link(request: HttpRequest) -> HttpResponse:
    if _linked(request) is not None or request.method == "GET":
        return redirect("registry:own")
    form = LinkForm(request.POST)
    if form.is_valid():
        try:
            own_actions.link_own_record(
                account=request.user,  # type: ignore[arg-type]
                name=form.cleaned_data["name"],
                id_number=form.cleaned_data["id_number"],
            )
        except ValidationError as exc:
            apply_action_errors(form, exc)
        else:
            messages.success(request, _("已关联您的居民信息。"))
            return redirect("registry:own")
    return _link_page(request, form)


@resident_only
@require_GET
def own_household(request: HttpRequest) -> HttpResponse:
    resident = _linked(request)
    if resident is None:
        return redirect("registry:own")
    household = resident.household
    return render(
        request,
        "registry/own_household.html",
        {
            "resident": resident,
            "household": household,
            "address": address_of(household) if household else "",
            "members": own_queries.own_household_members(resident),
        },
    )


# --- Consents ------------------------------------------------------------------------------------


@resident_only
@require_http_methods(GET_POST)
def own_consents(request: HttpRequest) -> HttpResponse:
    resident = _linked(request)
    if resident is None:
        return redirect("registry:own")
    if request.method == "POST":
        form = ConsentForm(request.POST)
        if form.is_valid():
            granted = form.cleaned_data["granted"]
            try:
                own_actions.set_consent(
                    resident=resident,
                    purpose=form.cleaned_data["purpose"],
                    granted=granted,
                    by=request.user,
                )
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                label = ConsentPurpose(form.cleaned_data["purpose"]).label
                messages.success(
                    request,
                    (_("已同意：%(purpose)s") if granted else _("已撤回同意：%(purpose)s"))
                    % {"purpose": label},
                )
        else:
            messages.error(request, _("请重新选择。"))
        return redirect("registry:own_consents")
    current = own_queries.current_consents(resident)
    rows = [
        {
            "purpose": purpose,
            "label": label,
            "help": own_queries.PURPOSE_HELP.get(ConsentPurpose(purpose), ""),
            "granted": bool(current[purpose] and current[purpose].granted),  # type: ignore[union-attr]
            "record": current[purpose],
        }
        for purpose, label in ConsentPurpose.choices
    ]
    return render(request, "registry/own_consents.html", {"rows": rows})


# --- Rights requests -----------------------------------------------------------------------------

KIND_HELP = {
    RightsRequestKind.COPY: gettext_lazy("查看并下载社区保存的您本人的全部信息。"),
    RightsRequestKind.CORRECTION: gettext_lazy("您的信息有错误或缺少，请社区更正、补充。"),
    RightsRequestKind.DELETION: gettext_lazy("请社区删除您的个人信息（依法必须保存的除外）。"),
    RightsRequestKind.EXPLANATION: gettext_lazy("请社区说明为什么、怎样使用您的信息。"),
}
KIND_ICONS = {
    RightsRequestKind.COPY: "file-earmark-arrow-down",
    RightsRequestKind.CORRECTION: "pencil-square",
    RightsRequestKind.DELETION: "eraser",
    RightsRequestKind.EXPLANATION: "question-circle",
}


@resident_only
@require_GET
def own_requests(request: HttpRequest) -> HttpResponse:
    if _linked(request) is None:
        return redirect("registry:own")
    return render(
        request,
        "registry/own_requests.html",
        {"requests": rights_queries.own_rights_requests(request.user)},
    )


@resident_only
@require_http_methods(GET_POST)
def own_request_new(request: HttpRequest) -> HttpResponse:
    resident = _linked(request)
    if resident is None:
        return redirect("registry:own")
    kind = request.POST.get("kind") or request.GET.get("kind", "")
    if kind not in RightsRequestKind.values:
        kinds = [
            {"kind": value, "label": label, "help": KIND_HELP[value], "icon": KIND_ICONS[value]}
            for value, label in RightsRequestKind.choices
        ]
        return render(request, "registry/own_request_kinds.html", {"kinds": kinds})
    initial = {"subject": request.GET.get("subject", "")}
    form = RightsRequestForm(request.POST or None, kind=kind, initial=initial)
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
        else:
            messages.success(
                request,
                _("已提交。我们将在 %(due)s 前答复您。") % {"due": created.due_on.isoformat()},
            )
            return redirect("registry:own_request", request_id=created.pk)
    return render(
        request,
        "registry/own_request_new.html",
        {
            "form": form,
            "kind_label": RightsRequestKind(kind).label,
            "kind_help": KIND_HELP[RightsRequestKind(kind)],
            "is_deletion": kind == RightsRequestKind.DELETION,
            "statutory": resident.legal_basis == LegalBasis.STATUTORY_DUTY,
        },
    )


@resident_only
@require_GET
def own_request(request: HttpRequest, request_id: int) -> HttpResponse:
    rights_request = rights_queries.own_rights_request(request.user, request_id)
    return render(
        request,
        "registry/own_request.html",
        {
            "rights_request": rights_request,
            "subject_label": rights_queries.correction_subject_label(rights_request.subject),
            "may_withdraw": rights_actions.may_withdraw(rights_request, request.user),
            "may_download": rights_actions.may_download_copy(rights_request, request.user),
        },
    )


@resident_only
@require_POST
def own_request_withdraw(request: HttpRequest, request_id: int) -> HttpResponse:
    rights_request = rights_queries.own_rights_request(request.user, request_id)
    try:
        rights_actions.withdraw_rights_request(rights_request=rights_request, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("已撤回。"))
    return redirect("registry:own_request", request_id=rights_request.pk)


@resident_only
@require_GET
def own_copy(request: HttpRequest, request_id: int) -> HttpResponse:
    rights_request = rights_queries.own_rights_request(request.user, request_id)
    try:
        copy = rights_actions.download_copy(rights_request=rights_request, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("registry:own_request", request_id=rights_request.pk)
    response = HttpResponse(copy.content, content_type=copy.content_type)
    response["Content-Disposition"] = f'attachment; filename="{copy.filename}"'
    response["Cache-Control"] = "no-store"
    return response
