"""Pages of open affairs (村(居)务公开). Staff: the list, a disclosure with its attachments and
objections, creating, editing and deleting drafts, attaching files, publishing and correcting. The
supervision committee: the queue of open objections and answering one. Residents (large text): their
community's published disclosures, a disclosure with its attachments and answered objections,
objecting while the window is open, and their own objections. Everyone: the public archive.

Every read goes through ``participation.queries.disclosures`` (outside the jurisdiction answers 404),
every write is one action of ``participation.actions.disclosures``."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shequ.core.decorators import permission_required, resident_only
from shequ.core.masking import mask_name
from shequ.core.page_views import flash_errors, flash_form_errors, list_page, submit
from shequ.participation.actions import disclosures as actions
from shequ.participation.eligibility import verified_resident
from shequ.participation.forms import disclosures as forms
from shequ.participation.models.disclosures import (
    Disclosure,
    DisclosureStatus,
    ObjectionStatus,
)
from shequ.participation.permissions import ParticipationPerm
from shequ.participation.queries import disclosures as queries
from shequ.participation.queries.public import public_community
from shequ.participation.views.refusals import not_linked

Perm = ParticipationPerm
PER_PAGE = 30
GET_POST = ["GET", "POST"]


def _detail_url(item: Disclosure) -> HttpResponse:
    return redirect("participation:disclosure_detail", disclosure_id=item.pk)


def _public_objections(item: Disclosure) -> list[dict[str, Any]]:
    """Objections as residents and the public see them: the objector's name masked."""
    return [
        {"objection": o, "name": mask_name(o.resident.name)} for o in queries.objections_of(item)
    ]


def _page_context(item: Disclosure) -> dict[str, Any]:
    return {
        "item": item,
        "attachments": queries.attachments(item),
        "corrected": actions.is_corrected(item),
        "window_open": actions.window_open(item) and not actions.is_corrected(item),
    }


# --- Staff -----------------------------------------------------------------------------------------


@permission_required(Perm.VIEW)
@require_GET
def disclosure_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = forms.StaffFilterForm(request.GET)
    return list_page(
        request,
        "participation/disclosures/list.html",
        queries.disclosures(user, queries.Filters(**form.filters())),
        PER_PAGE,
        form=form,
        can_disclose=user.has_permission(Perm.DISCLOSE),
        can_supervise=user.has_permission(Perm.SUPERVISE),
    )


@permission_required(Perm.DISCLOSE)
@require_http_methods(GET_POST)
def disclosure_create(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    communities = queries.disclosable_communities(user)
    form = forms.DisclosureForm(request.POST or None, communities=communities)
    if request.method == "POST":
        done = submit(
            request,
            form,
            lambda data: actions.create_disclosure(
                by=user, community=data["community"], **form.values()
            ),
            _("已保存为草稿，可以上传附件后公开。"),
            _detail_url,
            refusal_on_form=True,
        )
        if done:
            return done
    return render(request, "participation/disclosures/form.html", {"form": form, "item": None})


@permission_required(Perm.VIEW)
@require_GET
def disclosure_detail(request: HttpRequest, disclosure_id: int) -> HttpResponse:
    user: Any = request.user
    item = queries.disclosure(user, disclosure_id)
    can_disclose = queries.may(user, Perm.DISCLOSE, item.community)
    can_supervise = queries.may(user, Perm.SUPERVISE, item.community)
    draft = item.status == DisclosureStatus.DRAFT
    try:
        correction = item.superseded_by
    except Disclosure.DoesNotExist:
        correction = None
    return render(
        request,
        "participation/disclosures/detail.html",
        {
            **_page_context(item),
            "objections": queries.objections_of(item),
            "correction": correction,
            "can_disclose": can_disclose,
            "can_supervise": can_supervise,
            "draft": draft,
            "attach_form": forms.AttachForm(),
            "publish_form": forms.PublishForm(initial={"version": item.version}),
        },
    )


@permission_required(Perm.DISCLOSE)
@require_http_methods(GET_POST)
def disclosure_edit(request: HttpRequest, disclosure_id: int) -> HttpResponse:
    user: Any = request.user
    item = queries.disclosure(user, disclosure_id, Perm.DISCLOSE)
    if item.status != DisclosureStatus.DRAFT:
        messages.error(request, _("已公开的事项不能修改或删除，如有错误请发布更正。"))
        return _detail_url(item)
    if request.method == "POST":
        form = forms.DisclosureForm(request.POST, editing=True)
        done = submit(
            request,
            form,
            lambda data: actions.update_disclosure(
                disclosure=item, by=user, version=data.get("version"), **form.values()
            ),
            _("已保存。"),
            _detail_url,
            refusal_on_form=True,
        )
        if done:
            return done
    else:
        form = forms.DisclosureForm(
            editing=True,
            initial={f: getattr(item, f) for f in actions.FIELDS} | {"version": item.version},
        )
    return render(request, "participation/disclosures/form.html", {"form": form, "item": item})


def _act(request: HttpRequest, act: Any, success: str) -> bool:
    try:
        act()
    except ValidationError as exc:
        flash_errors(request, exc)
        return False
    except PermissionDenied as exc:
        messages.error(request, str(exc) or _("您没有此项权限。"))
        return False
    messages.success(request, success)
    return True


@permission_required(Perm.DISCLOSE)
@require_POST
def disclosure_delete(request: HttpRequest, disclosure_id: int) -> HttpResponse:
    user: Any = request.user
    item = queries.disclosure(user, disclosure_id, Perm.DISCLOSE)
    if _act(
        request, lambda: actions.delete_disclosure(disclosure=item, by=user), _("已删除草稿。")
    ):
        return redirect("participation:disclosure_list")
    return _detail_url(item)


@permission_required(Perm.DISCLOSE)
@require_POST
def disclosure_attach(request: HttpRequest, disclosure_id: int) -> HttpResponse:
    user: Any = request.user
    item = queries.disclosure(user, disclosure_id, Perm.DISCLOSE)
    form = forms.AttachForm(request.POST, request.FILES)
    if not form.is_valid():
        flash_form_errors(request, form)
        return _detail_url(item)
    _act(
        request,
        lambda: actions.attach(disclosure=item, by=user, uploads=form.cleaned_data["files"]),
        _("已上传附件。"),
    )
    return _detail_url(item)


@permission_required(Perm.DISCLOSE)
@require_POST
def disclosure_attachment_delete(request: HttpRequest, attachment_id: int) -> HttpResponse:
    user: Any = request.user
    found = queries.attachment_for(user, attachment_id)
    item = queries.disclosure(user, found.disclosure_id, Perm.DISCLOSE)
    _act(
        request,
        lambda: actions.delete_attachment(attachment=found, by=user),
        _("已删除附件。"),
    )
    return _detail_url(item)


@permission_required(Perm.DISCLOSE)
@require_POST
def disclosure_publish(request: HttpRequest, disclosure_id: int) -> HttpResponse:
    user: Any = request.user
    item = queries.disclosure(user, disclosure_id, Perm.DISCLOSE)
    form = forms.PublishForm(request.POST)
    if not form.is_valid():
        flash_form_errors(request, form)
        return _detail_url(item)
    _act(
        request,
        lambda: actions.publish(
            disclosure=item,
            by=user,
            objection_days=form.cleaned_data["objection_days"],
            version=form.cleaned_data.get("version"),
        ),
        _("已公开。"),
    )
    return _detail_url(item)


@permission_required(Perm.DISCLOSE)
@require_POST
def disclosure_correct(request: HttpRequest, disclosure_id: int) -> HttpResponse:
    user: Any = request.user
    item = queries.disclosure(user, disclosure_id, Perm.DISCLOSE)
    made: list[Disclosure] = []
    if _act(
        request,
        lambda: made.append(actions.correct(disclosure=item, by=user)),
        _("已生成更正草稿，请修改后公开。"),
    ):
        return redirect("participation:disclosure_edit", disclosure_id=made[0].pk)
    return _detail_url(item)


# --- The supervision committee ---------------------------------------------------------------------


@permission_required(Perm.SUPERVISE)
@require_GET
def objection_queue(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    status = request.GET.get("status", ObjectionStatus.OPEN)
    if status not in ObjectionStatus.values and status != "all":
        status = ObjectionStatus.OPEN
    return list_page(
        request,
        "participation/disclosures/objection_queue.html",
        queries.objection_queue(user, status="" if status == "all" else status),
        PER_PAGE,
        status=status,
        statuses=ObjectionStatus.choices,
    )


@permission_required(Perm.SUPERVISE)
@require_http_methods(GET_POST)
def objection_respond(request: HttpRequest, objection_id: int) -> HttpResponse:
    user: Any = request.user
    objection = queries.supervised_objection(user, objection_id)
    if request.method == "POST":
        form = forms.ResponseForm(request.POST)
        done = submit(
            request,
            form,
            lambda data: actions.respond(
                objection=objection,
                by=user,
                response=data["response"],
                version=data.get("version"),
            ),
            _("已答复，答复已在公开页面上公布。"),
            lambda _made: redirect("participation:objection_queue"),
            refusal_on_form=True,
        )
        if done:
            return done
    else:
        form = forms.ResponseForm(initial={"version": objection.version})
    return render(
        request,
        "participation/disclosures/objection_respond.html",
        {"objection": objection, "item": objection.disclosure, "form": form},
    )


# --- Residents -------------------------------------------------------------------------------------


def _resident(request: HttpRequest) -> Any:
    try:
        return verified_resident(request.user)
    except PermissionDenied as exc:
        return str(exc)


def _not_verified(request: HttpRequest, reason: str) -> HttpResponse:
    return not_linked(request, _("村(居)务公开"), reason, status=403)


@resident_only
@require_GET
def community_disclosures(request: HttpRequest) -> HttpResponse:
    me = _resident(request)
    if isinstance(me, str):
        return _not_verified(request, me)
    form = forms.FilterForm(request.GET)
    return list_page(
        request,
        "participation/disclosures/community.html",
        queries.published(me.community, queries.Filters(**form.filters())),
        20,
        form=form,
        community=me.community,
    )


@resident_only
@require_GET
def disclosure_page(request: HttpRequest, disclosure_id: int) -> HttpResponse:
    me = _resident(request)
    if isinstance(me, str):
        return _not_verified(request, me)
    item = queries.published_disclosure(disclosure_id, me.community)
    form = forms.ObjectionForm(initial={"request_key": forms.new_request_key()})
    return render(
        request,
        "participation/disclosures/page.html",
        {**_page_context(item), "objections": _public_objections(item), "form": form},
    )


@resident_only
@require_POST
def objection_create(request: HttpRequest, disclosure_id: int) -> HttpResponse:
    user: Any = request.user
    item = queries.published_disclosure(disclosure_id)
    form = forms.ObjectionForm(request.POST)
    back = redirect("participation:disclosure_page", disclosure_id=item.pk)
    if not form.is_valid():
        flash_form_errors(request, form)
        return back
    try:
        actions.file_objection(
            disclosure=item,
            by=user,
            body=form.cleaned_data["body"],
            request_key=form.cleaned_data.get("request_key", ""),
        )
    except ValidationError as exc:
        flash_errors(request, exc)
        return back
    except PermissionDenied as exc:
        messages.error(request, str(exc))
        return redirect("participation:community_disclosures")
    messages.success(request, _("异议已提交，村(居)务监督委员会答复后会通知您。"))
    return redirect("participation:my_objections")


@resident_only
@require_GET
def my_objections(request: HttpRequest) -> HttpResponse:
    return list_page(
        request,
        "participation/disclosures/my_objections.html",
        queries.my_objections(request.user),
        20,
    )


# --- Files -----------------------------------------------------------------------------------------


@require_GET
def disclosure_attachment(request: HttpRequest, attachment_id: int) -> HttpResponseBase:
    """One view for everyone: a published disclosure's files are public; a draft's only for staff
    whose jurisdiction holds it."""
    found = queries.attachment_for(request.user, attachment_id)
    try:
        handle = found.file.open("rb")
    except (FileNotFoundError, ValueError, OSError) as exc:
        raise Http404 from exc
    download = request.GET.get("download") == "1"
    response = FileResponse(
        handle, content_type=found.content_type, as_attachment=download, filename=found.name
    )
    if not download:
        # Shown in the page (an image inline, a PDF in its frame).
        response["Content-Disposition"] = response["Content-Disposition"].replace(
            "attachment", "inline", 1
        )
    response["X-Content-Type-Options"] = "nosniff"
    published = found.disclosure.status == DisclosureStatus.PUBLISHED
    response["Cache-Control"] = "public, max-age=3600" if published else "private, no-store"
    # The disclosure page shows a PDF in a frame of its own site.
    response["X-Frame-Options"] = "SAMEORIGIN"
    return response


# --- Public ----------------------------------------------------------------------------------------


@require_GET
def public_disclosures(request: HttpRequest, code: str) -> HttpResponse:
    community = public_community(code)
    return render(
        request,
        "participation/disclosures/public_archive.html",
        {"community": community, "years": queries.archive(community)},
    )


@require_GET
def public_disclosure(request: HttpRequest, disclosure_id: int) -> HttpResponse:
    item = queries.published_disclosure(disclosure_id)
    return render(
        request,
        "participation/disclosures/public_page.html",
        {**_page_context(item), "objections": _public_objections(item)},
    )


urls: list[URLPattern] = [
    path("disclosures/", disclosure_list, name="disclosure_list"),
    path("disclosures/new/", disclosure_create, name="disclosure_create"),
    path("disclosures/<int:disclosure_id>/", disclosure_detail, name="disclosure_detail"),
    path("disclosures/<int:disclosure_id>/edit/", disclosure_edit, name="disclosure_edit"),
    path("disclosures/<int:disclosure_id>/delete/", disclosure_delete, name="disclosure_delete"),
    path("disclosures/<int:disclosure_id>/attach/", disclosure_attach, name="disclosure_attach"),
    path("disclosures/<int:disclosure_id>/publish/", disclosure_publish, name="disclosure_publish"),
    path("disclosures/<int:disclosure_id>/correct/", disclosure_correct, name="disclosure_correct"),
    path(
        "disclosures/files/<int:attachment_id>/",
        disclosure_attachment,
        name="disclosure_attachment",
    ),
    path(
        "disclosures/files/<int:attachment_id>/delete/",
        disclosure_attachment_delete,
        name="disclosure_attachment_delete",
    ),
    path("objections/", objection_queue, name="objection_queue"),
    path("objections/<int:objection_id>/respond/", objection_respond, name="objection_respond"),
    path("me/disclosures/", community_disclosures, name="community_disclosures"),
    path("me/disclosures/<int:disclosure_id>/", disclosure_page, name="disclosure_page"),
    path("me/disclosures/<int:disclosure_id>/object/", objection_create, name="objection_create"),
    path("me/objections/", my_objections, name="my_objections"),
    path("public/disclosures/<str:code>/", public_disclosures, name="public_disclosures"),
    path(
        "public/disclosures/item/<int:disclosure_id>/",
        public_disclosure,
        name="public_disclosure",
    ),
]
