"""Staff pages for the duplicate-candidate review queue."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from shequ.core.decorators import permission_required
from shequ.core.forms import apply_action_errors
from shequ.registry.actions.duplicates import (
    DUPLICATE_WORKFLOW,
    dismiss_duplicate,
    merge_duplicate,
)
from shequ.registry.display import address_of, masked
from shequ.registry.forms.duplicates import DismissForm, MergeForm
from shequ.registry.models import SENSITIVE_CARE_GROUPS, DuplicateCandidate, Resident
from shequ.registry.permissions import RegistryPerm
from shequ.registry.queries import duplicates as queries
from shequ.registry.views import PER_PAGE


@permission_required(RegistryPerm.VIEW)
@require_GET
def duplicate_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(queries.open_candidates(request.user), PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "registry/duplicate_list.html", {"page_obj": page})


@permission_required(RegistryPerm.VIEW)
@require_GET
def duplicate_history(request: HttpRequest) -> HttpResponse:
    page = Paginator(queries.decided_candidates(request.user), PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "registry/duplicate_history.html", {"page_obj": page})


def _side(resident: Resident, form: MergeForm | None) -> dict[str, Any]:
    household = resident.household
    return {
        "resident": resident,
        "mask": masked(resident, today=timezone.localdate()),
        "address": address_of(household) if household else "",
        "form": form,
    }


def _render_detail(
    request: HttpRequest,
    candidate: DuplicateCandidate,
    *,
    merge_form: MergeForm | None = None,
    dismiss_form: DismissForm | None = None,
) -> HttpResponse:
    user = request.user
    transitions = (
        {t.name: t for t in DUPLICATE_WORKFLOW.available(candidate, user)}
        if queries.may_decide(user, candidate)
        else {}
    )
    sides = []
    for resident in (candidate.resident, candidate.other):
        form = None
        if "merge" in transitions:
            posted = merge_form is not None and merge_form["keep"].value() == str(resident.pk)
            form = (
                merge_form
                if posted and merge_form is not None
                else MergeForm(
                    candidate=candidate,
                    initial={"keep": resident.pk},
                    auto_id=f"merge-{resident.pk}-%s",
                )
            )
        sides.append(_side(resident, form))
    if "dismiss" in transitions and dismiss_form is None:
        dismiss_form = DismissForm(auto_id="dismiss-%s")
    return render(
        request,
        "registry/duplicate_detail.html",
        {
            "candidate": candidate,
            "sides": sides,
            "merge": transitions.get("merge"),
            "dismiss": transitions.get("dismiss"),
            "dismiss_form": dismiss_form if "dismiss" in transitions else None,
            "sensitive_groups": SENSITIVE_CARE_GROUPS,
        },
    )


@permission_required(RegistryPerm.VIEW)
@require_GET
def duplicate_detail(request: HttpRequest, candidate_id: int) -> HttpResponse:
    return _render_detail(request, queries.candidate_detail(request.user, candidate_id))


def _show_errors(request: HttpRequest, form: Any, exc: ValidationError) -> None:
    """A field's error on the form; a refusal of the whole decision (already decided) as a message."""
    if hasattr(exc, "error_dict"):
        apply_action_errors(form, exc)
    else:
        messages.error(request, " ".join(exc.messages))


def _decidable(request: HttpRequest, candidate_id: int) -> DuplicateCandidate:
    candidate = queries.candidate_detail(request.user, candidate_id)
    if not queries.may_decide(request.user, candidate):
        raise Http404
    return candidate


@permission_required(RegistryPerm.EDIT)
@require_POST
def duplicate_merge(request: HttpRequest, candidate_id: int) -> HttpResponse:
    candidate = _decidable(request, candidate_id)
    form = MergeForm(
        request.POST,
        candidate=candidate,
        auto_id=f"merge-{request.POST.get('keep', '')}-%s",
    )
    if form.is_valid():
        kept = form.kept()
        try:
            merge_duplicate(
                candidate=candidate, keep=kept, by=request.user, note=form.cleaned_data["note"]
            )
        except ValidationError as exc:
            _show_errors(request, form, exc)
        except PermissionDenied as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("已合并，保留了 %(name)s 的记录。") % {"name": kept.name})
            return redirect("registry:duplicate_list")
    elif "keep" in form.errors:
        messages.error(request, _("请选择要保留的记录。"))
    fresh = queries.candidate_detail(request.user, candidate_id)
    return _render_detail(request, fresh, merge_form=form)


@permission_required(RegistryPerm.EDIT)
@require_POST
def duplicate_dismiss(request: HttpRequest, candidate_id: int) -> HttpResponse:
    candidate = _decidable(request, candidate_id)
    form = DismissForm(request.POST, auto_id="dismiss-%s")
    if form.is_valid():
        try:
            dismiss_duplicate(candidate=candidate, by=request.user, note=form.cleaned_data["note"])
        except ValidationError as exc:
            _show_errors(request, form, exc)
        except PermissionDenied as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("已记录：这两条记录不是同一人。"))
            return redirect("registry:duplicate_list")
    fresh = queries.candidate_detail(request.user, candidate_id)
    return _render_detail(request, fresh, dismiss_form=form)
