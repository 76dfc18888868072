"""Staff case pages: the inbox (with bulk dispatch), a case with only the actions the user may take,
the dispatch board, a department's inbox, and case photos served through the case's scope.

Every read goes through ``queries`` (a case outside the jurisdiction answers 404); every write is
one action of ``actions.handling`` or ``actions.ratings``. Which buttons a case shows comes from the
declared workflow (``CASE.available``) and the user's permissions over the case.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from shequ.cases.actions import handling, ratings
from shequ.cases.forms import staff as forms
from shequ.cases.models import ApprovalKind, Case, CaseKind, CaseStatus, Category, UnitRole
from shequ.cases.numbers import grouped
from shequ.cases.permissions import CasesPerm
from shequ.cases.queries import cases as queries
from shequ.cases.queries import dispatch as dispatch_queries
from shequ.cases.queries import staff as staff_queries
from shequ.cases.workflow import CASE
from shequ.core.decorators import permission_required
from shequ.core.forms import apply_action_errors
from shequ.core.masking import mask_address, mask_name, mask_phone

PER_PAGE = 50
COUNT_CAP = 10_000
DEFAULT_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
DEFAULT_ATTRIBUTION = "© OpenStreetMap"
DISPATCH_SOURCES = CASE.get("dispatch").sources


# --- The inbox, the dispatch board and bulk dispatch ---------------------------------------------


def _label(cases: Any) -> None:
    """``case.kind_label`` and ``case.category_label`` for the rows of a list (``_row.html``).

    ``get_category_display()`` translates each of the 29 categories on every call; for a page of 50
    rows the displays took 7 ms of the inbox's time (bench_case_inbox). Translated once here."""
    kinds = {value: str(label) for value, label in CaseKind.choices}
    categories = {value: str(label) for value, label in Category.choices}
    for case in cases:
        case.kind_label = kinds.get(case.kind, case.kind)
        case.category_label = categories.get(case.category, case.category)


def _bulk_form(user: Any, back: str) -> forms.BulkDispatchForm | None:
    if not user.has_permission(CasesPerm.DISPATCH):
        return None
    return forms.BulkDispatchForm(
        units=dispatch_queries.dispatcher_units(user), initial={"back": back}
    )


@permission_required(CasesPerm.VIEW)
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = forms.InboxFilterForm(request.GET, user=user)
    filters = form.filters()
    found = queries.as_rows(queries.inbox(user, filters))
    # Open cases (the default) are counted exactly; lists that take in finished cases up to a cap.
    cap = None if filters.status == "open" else COUNT_CAP
    page = queries.CasePaginator(found, PER_PAGE, count_cap=cap).get_page(request.GET.get("page"))
    _label(page.object_list)
    return render(
        request,
        "cases/staff/inbox.html",
        {
            "form": form,
            "page_obj": page,
            "bulk_form": _bulk_form(user, "inbox"),
            "dispatch_sources": DISPATCH_SOURCES,
        },
    )


@permission_required(CasesPerm.DISPATCH)
@require_GET
def dispatch_board(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    by_category = request.GET.get("sort") == "category"
    found = queries.dispatch_board(user)
    if by_category:
        found = found.order_by("category", "stage_due_at", "id")
    page = Paginator(found, PER_PAGE).get_page(request.GET.get("page"))
    _label(page.object_list)
    suggestions = dispatch_queries.routing_suggestions(page.object_list)
    rows = [(case, suggestions.get(case.pk)) for case in page.object_list]
    return render(
        request,
        "cases/staff/dispatch_board.html",
        {
            "page_obj": page,
            "rows": rows,
            "by_category": by_category,
            "bulk_form": _bulk_form(user, "dispatch_board"),
            "dispatch_sources": DISPATCH_SOURCES,
        },
    )


@permission_required(CasesPerm.DISPATCH)
@require_POST
def bulk_dispatch(request: HttpRequest) -> HttpResponse:
    """Dispatch every ticked case the user may dispatch; say how many went and why the others did
    not. Each case is its own transaction: one refusal does not undo the rest."""
    user: Any = request.user
    form = forms.BulkDispatchForm(request.POST, units=dispatch_queries.dispatcher_units(user))
    back = request.POST.get("back")
    target = "cases:dispatch_board" if back == "dispatch_board" else "cases:inbox"
    if not form.is_valid():
        for name, errors in form.errors.items():
            label = form.fields[name].label if name in form.fields else ""
            for error in errors:
                text = _("%(field)s：%(error)s") % {"field": label, "error": error}
                messages.error(request, text if label else str(error))
        return redirect(target)
    data = form.cleaned_data
    done: list[str] = []
    for case_id in data["cases"]:
        try:
            case = queries.case_detail(user, case_id)
        except Http404:
            messages.warning(
                request,
                _("第 %(id)s 号记录：找不到该工单，或它不在您的管辖范围内。") % {"id": case_id},
            )
            continue
        try:
            handling.dispatch(
                case=case,
                by=user,
                lead=data["lead"],
                co_units=list(data["co_units"]),
                note=data["note"],
            )
        except (ValidationError, PermissionDenied) as exc:
            reason = (
                "；".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            ) or _("您没有此项权限。")
            messages.warning(
                request,
                _("工单 %(number)s（%(status)s）未派遣：%(reason)s")
                % {
                    "number": grouped(case.number),
                    "status": case.get_status_display(),
                    "reason": reason,
                },
            )
        else:
            done.append(grouped(case.number))
    if done:
        messages.success(
            request,
            ngettext(
                "已派遣 %(n)d 个工单至%(unit)s：%(numbers)s",
                "已派遣 %(n)d 个工单至%(unit)s：%(numbers)s",
                len(done),
            )
            % {"n": len(done), "unit": data["lead"].name, "numbers": ", ".join(done)},
        )
    else:
        messages.error(request, _("没有工单被派遣。"))
    return redirect(target)


@permission_required(CasesPerm.HANDLE)
@require_GET
def unit_inbox(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    unit_ids = user.jurisdiction(CasesPerm.HANDLE).unit_ids
    found = staff_queries.with_unit_links(queries.unit_inbox(user), unit_ids)
    page = Paginator(found, PER_PAGE).get_page(request.GET.get("page"))
    _label(page.object_list)
    rows = []
    for case in page.object_list:
        names = {t.name for t in CASE.available(case, user)}
        roles = {link.role for link in case.my_links}
        rows.append(
            {
                "case": case,
                "links": case.my_links,
                "can_sign": "sign" in names and case.lead_unit_id in unit_ids,
                "can_report_in": any(
                    link.role == UnitRole.SUMMONED and link.reported_at is None
                    for link in case.my_links
                ),
                "is_lead": UnitRole.LEAD in roles,
            }
        )
    return render(request, "cases/staff/unit_inbox.html", {"page_obj": page, "rows": rows})


# --- The case page -------------------------------------------------------------------------------


@dataclass
class CasePage:
    """What the case page knows about the case and the user, computed once per request."""

    case: Case
    user: Any
    links: list[Any]
    transitions: set[str]
    unit_ids: tuple[int, ...]
    approvals: list[Any] = field(default_factory=list)
    callbacks: list[Any] = field(default_factory=list)

    def holds(self, perm: str) -> bool:
        """The user holds ``perm`` over this case: at its place, or at a unit working on it."""
        if not self.user.has_permission(perm):
            return False
        where = self.user.jurisdiction(perm)
        if where.covers_path(handling.case_path(self.case)):
            return True
        active = {link.unit_id for link in self.links if link.ended_at is None}
        return bool(active & set(where.unit_ids))

    @property
    def my_unit_leads(self) -> bool:
        return not self.unit_ids or self.case.lead_unit_id in self.unit_ids

    @property
    def awaiting(self) -> list[Any]:
        return [
            link
            for link in self.links
            if link.role == UnitRole.SUMMONED and link.reported_at is None
        ]

    @property
    def approval_kinds(self) -> list[str]:
        kinds = []
        if self.case.status == CaseStatus.IN_PROGRESS:
            kinds.append(ApprovalKind.SUSPENSION.value)
        if self.case.is_open and self.case.due_at is not None:
            kinds.append(ApprovalKind.EXTENSION.value)
        return kinds

    @property
    def to_decide(self) -> list[Any]:
        return [
            a for a in self.approvals if a.status == "pending" and a.requested_by_id != self.user.pk
        ]

    @property
    def open_callbacks(self) -> list[Any]:
        return [c for c in self.callbacks if c.done_at is None]


def _transition(name: str) -> Callable[[CasePage], bool]:
    def shown(page: CasePage) -> bool:
        return name in page.transitions and page.holds(CASE.get(name).permission)

    return shown


def _lead_transition(name: str) -> Callable[[CasePage], bool]:
    def shown(page: CasePage) -> bool:
        return _transition(name)(page) and page.my_unit_leads

    return shown


def _handle_shown(page: CasePage) -> bool:
    if page.case.lead_unit_id is None:
        return _transition("handle_self")(page)
    return _lead_transition("handle")(page)


def _open_and(perm: str) -> Callable[[CasePage], bool]:
    return lambda page: page.case.is_open and page.holds(perm)


def _approval_shown(page: CasePage) -> bool:
    if not page.approval_kinds:
        return False
    unit_may = page.case.lead_unit_id is not None and page.my_unit_leads
    return page.holds(CasesPerm.ACCEPT) or (unit_may and page.holds(CasesPerm.HANDLE))


def _report_in_shown(page: CasePage) -> bool:
    return page.holds(CasesPerm.HANDLE) and any(
        link.unit_id in page.unit_ids for link in page.awaiting
    )


@dataclass(frozen=True)
class Act:
    """One action on the case page: its form, who may take it, when it shows, and what it calls."""

    slug: str
    label: Any
    form: type[forms.CaseForm]
    perms: tuple[str, ...]  # holding none of these anywhere: 403
    shown: Callable[[CasePage], bool]
    run: Callable[[Case, Any, dict[str, Any], Any], Any]
    style: str = "primary"
    form_kwargs: Callable[[CasePage], dict[str, Any]] = lambda page: {}


def _dispatch_kwargs(page: CasePage) -> dict[str, Any]:
    return {"suggestion": queries.routing_for(page.case.region, page.case.category)}


def _decide(case: Case, by: Any, data: dict[str, Any], form: Any) -> Any:
    approval = form.approvals[data["approval"]]
    approval.case = case
    return handling.decide_approval(
        approval=approval, by=by, approve=data["decision"] == "approve", note=data["note"]
    )


def _callback(case: Case, by: Any, data: dict[str, Any], form: Any) -> Any:
    callback = form.callbacks[data["callback"]]
    callback.case = case
    return ratings.record_callback(callback=callback, by=by, note=data["note"])


P = CasesPerm
ACTS: tuple[Act, ...] = (
    Act("accept", CASE.get("accept").label, forms.AcceptForm, (P.ACCEPT,), _transition("accept"),
        lambda c, by, d, f: handling.accept(case=c, by=by, priority=d["priority"], note=d["note"])),
    Act("reject", CASE.get("reject").label, forms.ReasonForm, (P.ACCEPT,), _transition("reject"),
        lambda c, by, d, f: handling.reject(case=c, by=by, reason=d["reason"]), "danger"),
    Act("dispatch", CASE.get("dispatch").label, forms.DispatchForm, (P.DISPATCH,),
        _transition("dispatch"),
        lambda c, by, d, f: handling.dispatch(
            case=c, by=by, lead=d["lead"], co_units=list(d["co_units"]), note=d["note"]),
        form_kwargs=_dispatch_kwargs),
    Act("start_self", CASE.get("start_self").label, forms.NoteForm, (P.ACCEPT,),
        _transition("start_self"),
        lambda c, by, d, f: handling.start_self(case=c, by=by, note=d["note"])),
    Act("sign", CASE.get("sign").label, forms.EmptyForm, (P.HANDLE,), _lead_transition("sign"),
        lambda c, by, d, f: handling.sign(case=c, by=by)),
    Act("return", CASE.get("return").label, forms.ReasonForm, (P.HANDLE,),
        _lead_transition("return"),
        lambda c, by, d, f: handling.return_case(case=c, by=by, reason=d["reason"]), "danger"),
    Act("handle", CASE.get("handle").label, forms.HandleForm, (P.HANDLE, P.ACCEPT), _handle_shown,
        lambda c, by, d, f: handling.handle(case=c, by=by, result=d["result"], photos=d["photos"])),
    Act("verify", CASE.get("verify").label, forms.VerifyForm, (P.VERIFY,), _transition("verify"),
        lambda c, by, d, f: handling.verify(
            case=c, by=by, passed=True, note=d["note"], photos=d["photos"])),
    Act("verify_fail", CASE.get("verify_fail").label, forms.VerifyFailForm, (P.VERIFY,),
        _transition("verify_fail"),
        lambda c, by, d, f: handling.verify(
            case=c, by=by, passed=False, note=d["note"], photos=d["photos"]), "danger"),
    Act("close", CASE.get("close").label, forms.NoteForm, (P.ACCEPT,), _transition("close"),
        lambda c, by, d, f: handling.close(case=c, by=by, note=d["note"])),
    Act("resume", CASE.get("resume").label, forms.NoteForm, (P.APPROVE,), _transition("resume"),
        lambda c, by, d, f: handling.resume(case=c, by=by, note=d["note"])),
    Act("report_in", gettext_lazy("报到"), forms.NoteForm, (P.HANDLE,), _report_in_shown,
        lambda c, by, d, f: handling.report_in(case=c, by=by, note=d["note"])),
    Act("whistle", gettext_lazy("吹哨召集部门"), forms.WhistleForm, (P.DISPATCH,),
        _open_and(P.DISPATCH),
        lambda c, by, d, f: handling.whistle(
            case=c, by=by, units=list(d["units"]), note=d["note"])),
    Act("merge", CASE.get("merge").label, forms.MergeForm, (P.DISPATCH,), _transition("merge"),
        lambda c, by, d, f: handling.merge(case=c, into=d["into"], by=by, note=d["note"])),
    Act("urge", gettext_lazy("催办"), forms.RequiredNoteForm, (P.DISPATCH,), _open_and(P.DISPATCH),
        lambda c, by, d, f: handling.urge(case=c, by=by, note=d["note"])),
    Act("supervise", gettext_lazy("督办"), forms.RequiredNoteForm, (P.SUPERVISE,),
        _open_and(P.SUPERVISE),
        lambda c, by, d, f: handling.supervise(case=c, by=by, note=d["note"])),
    Act("approval", gettext_lazy("申请挂起或延期"), forms.ApprovalForm, (P.ACCEPT, P.HANDLE),
        _approval_shown,
        lambda c, by, d, f: handling.request_approval(
            case=c, by=by, kind=d["kind"], reason=d["reason"],
            extra_working_days=d["extra_working_days"] or 0),
        form_kwargs=lambda page: {"kinds": page.approval_kinds}),
    Act("decide", gettext_lazy("审批申请"), forms.DecideForm, (P.APPROVE,),
        lambda page: bool(page.to_decide) and page.holds(P.APPROVE), _decide,
        form_kwargs=lambda page: {"approvals": page.to_decide}),
    Act("callback", gettext_lazy("登记回访"), forms.CallbackForm, (P.ACCEPT,),
        lambda page: bool(page.open_callbacks) and page.holds(P.ACCEPT), _callback,
        form_kwargs=lambda page: {"callbacks": page.open_callbacks}),
    Act("note", gettext_lazy("添加内部备注"), forms.RequiredNoteForm, (P.VIEW,),
        lambda page: page.holds(P.VIEW),
        lambda c, by, d, f: handling.add_note(case=c, by=by, note=d["note"])),
)  # fmt: skip
ACTS_BY_SLUG = {act.slug: act for act in ACTS}


def _case_page(user: Any, case: Case) -> CasePage:
    return CasePage(
        case=case,
        user=user,
        links=list(queries.case_units(case)),
        transitions={t.name for t in CASE.available(case, user)},
        unit_ids=user.jurisdiction(CasesPerm.HANDLE).unit_ids,
        approvals=list(staff_queries.case_approvals(case)),
        callbacks=list(staff_queries.case_callbacks(case)),
    )


def _make_form(act: Act, page: CasePage, data: Any = None, files: Any = None) -> Any:
    return act.form(
        data,
        files,
        case=page.case,
        user=page.user,
        prefix=act.slug,
        **act.form_kwargs(page),
    )


def _requester(case: Case) -> dict[str, Any]:
    """The requester as staff see them: masked (docs/privacy.md), anonymous shown as such."""
    return {
        "anonymous": case.anonymous,
        "name": mask_name(case.requester_name),
        "phone": mask_phone(case.requester_phone),
        "has_account": case.requester_id is not None,
        "proxy": mask_name(case.proxy_name),
    }


def _may_reveal(page: CasePage) -> bool:
    if page.case.anonymous:
        return False
    return any(page.holds(p) for p in (CasesPerm.ACCEPT, CasesPerm.HANDLE, CasesPerm.VERIFY))


def _render_case(
    request: HttpRequest,
    case: Case,
    page: CasePage,
    bound: tuple[str, Any] | None = None,
    *,
    reveal_form: Any = None,
    revealed: dict[str, Any] | None = None,
) -> HttpResponse:
    user: Any = request.user
    acts = []
    for act in ACTS:
        if bound is not None and bound[0] == act.slug:
            acts.append((act, bound[1]))
        elif act.shown(page):
            acts.append((act, _make_form(act, page)))
    shown = {act.slug for act, _form in acts}
    duplicates = queries.nearby_open_cases(
        category=case.category,
        latitude=case.latitude,
        longitude=case.longitude,
        user=user,
        exclude=case.pk,
    )
    return render(
        request,
        "cases/staff/case.html",
        {
            "case": case,
            "acts": acts,
            "open_act": bound[0] if bound is not None else "",
            "lead_co": [
                link for link in page.links if link.role != UnitRole.SUMMONED and not link.ended_at
            ],
            "summoned": [link for link in page.links if link.role == UnitRole.SUMMONED],
            "awaiting": page.awaiting,
            "requester": _requester(case),
            "address": mask_address(case.address),
            "photos": list(staff_queries.case_photos(case)),
            "events": list(queries.timeline(case)),
            "approvals": page.approvals,
            "callbacks": page.callbacks,
            "duplicates": duplicates,
            "can_merge": "merge" in shown,
            "map_tiles": getattr(settings, "SHEQU_MAP_TILE_URL", DEFAULT_TILES),
            "map_attribution": getattr(settings, "SHEQU_MAP_TILE_ATTRIBUTION", DEFAULT_ATTRIBUTION),
            "reveal_form": reveal_form or (forms.RevealForm() if _may_reveal(page) else None),
            "revealed": revealed,
        },
    )


@permission_required(CasesPerm.VIEW)
@require_GET
def case(request: HttpRequest, case_id: int) -> HttpResponse:
    found = queries.case_detail(request.user, case_id)
    return _render_case(request, found, _case_page(request.user, found))


@permission_required(CasesPerm.VIEW)
@require_POST
def case_act(request: HttpRequest, case_id: int, action: str) -> HttpResponse:
    act = ACTS_BY_SLUG.get(action)
    if act is None:
        raise Http404
    user: Any = request.user
    found = queries.case_detail(user, case_id)
    if not any(user.has_permission(perm) for perm in act.perms):
        raise PermissionDenied
    page = _case_page(user, found)
    form = _make_form(act, page, request.POST, request.FILES)
    if not form.is_valid():
        return _render_case(request, found, page, bound=(act.slug, form))
    try:
        act.run(found, user, form.cleaned_data, form)
    except ValidationError as exc:
        if hasattr(exc, "error_dict") and any(key in form.fields for key in exc.error_dict):
            apply_action_errors(form, exc)
            return _render_case(request, found, page, bound=(act.slug, form))
        # The case moved on under the user (someone else acted first) or the state forbids it now.
        for message in exc.messages:
            messages.error(request, message)
        return redirect("cases:case", case_id=found.pk)
    messages.success(request, _("已完成：%(label)s。") % {"label": act.label})
    if request.POST.get("back") == "unit_inbox" and user.has_permission(CasesPerm.HANDLE):
        return redirect("cases:unit_inbox")
    return redirect("cases:case", case_id=found.pk)


@permission_required(CasesPerm.VIEW)
@require_POST
@never_cache
def case_reveal(request: HttpRequest, case_id: int) -> HttpResponse:
    """The clear value of one requester field, shown only in the answer to this POST (never in a URL),
    with the reason recorded in the audit trail."""
    user: Any = request.user
    found = queries.case_detail(user, case_id)
    page = _case_page(user, found)
    form = forms.RevealForm(request.POST)
    if not form.is_valid():
        return _render_case(request, found, page, reveal_form=form)
    try:
        value = handling.reveal(
            case=found,
            by=user,
            field=form.cleaned_data["field"],
            reason=form.cleaned_data["reason"],
        )
    except ValidationError as exc:
        apply_action_errors(form, exc)
        return _render_case(request, found, page, reveal_form=form)
    label = dict(form.fields["field"].choices)[form.cleaned_data["field"]]  # type: ignore[attr-defined]
    return _render_case(request, found, page, revealed={"label": label, "value": value})


@permission_required(CasesPerm.VIEW)
@require_GET
def photo(request: HttpRequest, photo_id: int) -> HttpResponseBase:
    found = staff_queries.photo_for(request.user, photo_id)
    try:
        handle = found.image.open("rb")
    except (FileNotFoundError, ValueError) as exc:
        raise Http404 from exc
    content_type = mimetypes.guess_type(found.image.name)[0] or "image/jpeg"
    response = FileResponse(handle, content_type=content_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


urls: list[URLPattern] = [
    path("inbox/", inbox, name="inbox"),
    path("inbox/dispatch/", bulk_dispatch, name="bulk_dispatch"),
    path("dispatch/", dispatch_board, name="dispatch_board"),
    path("unit/", unit_inbox, name="unit_inbox"),
    path("<int:case_id>/", case, name="case"),
    path("<int:case_id>/act/<slug:action>/", case_act, name="case_act"),
    path("<int:case_id>/reveal/", case_reveal, name="case_reveal"),
    path("photos/<int:photo_id>/", photo, name="photo"),
]
