"""Pages of voter registration (P4). Staff: the scoped election list, a new election, an election
with its roll (build, remove, publish, finalise), applications and objections to decide, and the
export of the final roll. Residents (large text): the current elections of their community and their
status on the roll, the published roll (names masked), applying and objecting.

Every read goes through ``participation.queries.elections`` (anything outside the jurisdiction answers
404), every write is one action of ``participation.actions.elections``."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shequ.core.decorators import permission_required, resident_only
from shequ.core.page_views import flash_errors, flash_form_errors, list_page, paged, submit
from shequ.participation.actions import elections as actions
from shequ.participation.eligibility import own_resident
from shequ.participation.forms import elections as forms
from shequ.participation.models.elections import Election, ElectionStatus, RequestStatus
from shequ.participation.permissions import ParticipationPerm
from shequ.participation.queries import elections as queries
from shequ.participation.queries import residents as people
from shequ.participation.views.refusals import not_linked
from shequ.registry.models import Resident

Perm = ParticipationPerm
PER_PAGE = 30
ROLL_PER_PAGE = 100
GET_POST = ["GET", "POST"]


def _detail(election: Election) -> HttpResponse:
    return redirect("participation:election_detail", election_id=election.pk)


def _version(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _attempt(request: HttpRequest, act: Any, success: str) -> bool:
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


# --- Staff -----------------------------------------------------------------------------------------


@permission_required(Perm.VIEW)
@require_GET
def election_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    status = request.GET.get("status", "")
    return list_page(
        request,
        "participation/elections/election_list.html",
        queries.elections(user, status),
        PER_PAGE,
        status=status,
        statuses=ElectionStatus.choices,
        can_manage=user.has_permission(Perm.ELECTIONS),
    )


@permission_required(Perm.ELECTIONS)
@require_http_methods(GET_POST)
def election_create(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    communities = queries.manageable_communities(user)
    form = forms.ElectionForm(request.POST or None, communities=communities)
    if request.method == "POST":
        done = submit(
            request,
            form,
            lambda data: actions.create_election(by=user, **data),
            lambda made: _("已创建“%(title)s”，请生成选民名单。") % {"title": made.title},
            _detail,
            refusal_on_form=True,
        )
        if done is not None:
            return done
    return render(request, "participation/elections/election_form.html", {"form": form})


@permission_required(Perm.VIEW)
@require_GET
def election_detail(request: HttpRequest, election_id: int) -> HttpResponse:
    user: Any = request.user
    election = queries.election_detail(user, election_id)
    q = request.GET.get("q", "")[:60]
    find = request.GET.get("find", "")[:60]
    page, _query = paged(request, queries.roll(election, q), ROLL_PER_PAGE)
    can_manage = queries.may(user, Perm.ELECTIONS, election.community)
    is_open = election.status != ElectionStatus.FINAL
    return render(
        request,
        "participation/elections/election_detail.html",
        {
            "election": election,
            "page_obj": page,
            "q": q,
            "rows": [(entry, queries.group_of(entry)) for entry in page.object_list],
            "removed": list(queries.removed(election)[:200]),
            "requests": list(queries.requests(election)),
            "find": find,
            "found": people.community_residents(user, election.community, find, Perm.ELECTIONS)
            if can_manage and is_open
            else [],
            "objections": list(queries.objections(election)),
            "pending": RequestStatus.PENDING,
            "can_manage": can_manage and is_open,
            "can_export": can_manage and not is_open,
            "can_publish": can_manage
            and election.status in (ElectionStatus.PREPARING, ElectionStatus.REGISTRATION),
            "can_finalise": can_manage and election.status == ElectionStatus.PUBLISHED,
            "publish_form": forms.PublishForm(
                initial={
                    "objection_deadline": actions.default_objection_deadline(),
                    "version": election.version,
                }
            ),
        },
    )


@permission_required(Perm.ELECTIONS)
@require_POST
def election_build(request: HttpRequest, election_id: int) -> HttpResponse:
    user: Any = request.user
    election = queries.election_detail(user, election_id)
    try:
        counts = actions.build_roll(election=election, by=user)
    except ValidationError as exc:
        flash_errors(request, exc)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("已生成选民名单：新增%(added)d人，除名%(removed)d人。") % counts,
        )
    return _detail(election)


@permission_required(Perm.ELECTIONS)
@require_POST
def election_publish(request: HttpRequest, election_id: int) -> HttpResponse:
    user: Any = request.user
    election = queries.election_detail(user, election_id)
    form = forms.PublishForm(request.POST)
    if not form.is_valid():
        flash_form_errors(request, form)
        return _detail(election)
    _attempt(
        request,
        lambda: actions.publish(
            election=election,
            by=user,
            objection_deadline=form.cleaned_data.get("objection_deadline"),
            version=form.cleaned_data.get("version"),
        ),
        _("选民名单已公示。"),
    )
    return _detail(election)


@permission_required(Perm.ELECTIONS)
@require_POST
def election_finalise(request: HttpRequest, election_id: int) -> HttpResponse:
    user: Any = request.user
    election = queries.election_detail(user, election_id)
    _attempt(
        request,
        lambda: actions.finalise(
            election=election, by=user, version=_version(request.POST.get("version"))
        ),
        _("选民名单已确定。"),
    )
    return _detail(election)


@permission_required(Perm.ELECTIONS)
@require_http_methods(GET_POST)
def election_export(request: HttpRequest, election_id: int) -> HttpResponse:
    user: Any = request.user
    election = queries.election_detail(user, election_id)
    form = forms.ExportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            made = queries.export_roll(
                user=user,
                election=election,
                reason=form.cleaned_data["reason"],
                fmt=form.cleaned_data["fmt"],
            )
        except ValidationError as exc:
            for field, errors in getattr(exc, "message_dict", {"": exc.messages}).items():
                form.add_error(field if field in form.fields else None, errors)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            kind = (
                "text/csv; charset=utf-8"
                if made.filename.endswith(".csv")
                else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            )
            response = HttpResponse(made.content, content_type=kind)
            response["Content-Disposition"] = f'attachment; filename="{made.filename}"'
            response["Cache-Control"] = "no-store"
            return response
    return render(
        request,
        "participation/elections/election_export.html",
        {"election": election, "form": form},
    )


@permission_required(Perm.ELECTIONS)
@require_POST
def roll_entry_remove(request: HttpRequest, roll_entry_id: int) -> HttpResponse:
    user: Any = request.user
    entry = queries.entry_detail(user, roll_entry_id)
    form = forms.RemoveForm(request.POST)
    if not form.is_valid():
        flash_form_errors(request, form)
    else:
        _attempt(
            request,
            lambda: actions.remove_entry(entry=entry, by=user, reason=form.cleaned_data["reason"]),
            _("已将%(name)s除名。") % {"name": entry.resident.name},
        )
    return _detail(entry.election)


@permission_required(Perm.ELECTIONS)
@require_POST
def roll_entry_add(request: HttpRequest, election_id: int) -> HttpResponse:
    """Staff put a resident of the community on the roll by hand (补登), with the reason."""
    user: Any = request.user
    election = queries.election_detail(user, election_id)
    form = forms.AddForm(request.POST)
    if not form.is_valid():
        flash_form_errors(request, form)
        return _detail(election)
    resident = people.community_resident(
        user, election.community, form.cleaned_data["resident"], Perm.ELECTIONS
    )
    _attempt(
        request,
        lambda: actions.add_entry(
            election=election, resident=resident, by=user, reason=form.cleaned_data["reason"]
        ),
        _("已将%(name)s补登到选民名单。") % {"name": resident.name},
    )
    return _detail(election)


@permission_required(Perm.ELECTIONS)
@require_POST
def registration_decide(request: HttpRequest, registration_id: int) -> HttpResponse:
    user: Any = request.user
    made = queries.request_detail(user, registration_id)
    form = forms.DecisionForm(request.POST)
    if not form.is_valid():
        flash_form_errors(request, form)
    else:
        approve = form.cleaned_data["decision"] == "approve"
        _attempt(
            request,
            lambda: actions.decide_registration(
                request=made,
                by=user,
                approve=approve,
                note=form.cleaned_data["note"],
                version=form.cleaned_data.get("version"),
            ),
            _("已通过申请，已登记为选民。") if approve else _("已不予通过。"),
        )
    return _detail(made.election)


@permission_required(Perm.ELECTIONS)
@require_POST
def roll_objection_decide(request: HttpRequest, roll_objection_id: int) -> HttpResponse:
    user: Any = request.user
    objection = queries.objection_detail(user, roll_objection_id)
    form = forms.DecisionForm(request.POST)
    if not form.is_valid():
        flash_form_errors(request, form)
    else:
        approve = form.cleaned_data["decision"] == "approve"
        _attempt(
            request,
            lambda: actions.decide_objection(
                objection=objection,
                by=user,
                approve=approve,
                response=form.cleaned_data["note"],
                version=form.cleaned_data.get("version"),
            ),
            _("异议成立，名单已更正。") if approve else _("已答复异议（不成立）。"),
        )
    return _detail(objection.election)


# --- Residents -------------------------------------------------------------------------------------


def _not_linked(request: HttpRequest) -> HttpResponse:
    return not_linked(
        request,
        _("选民登记"),
        _(
            "您的账号还没有与社区登记的居民信息关联。请带身份证到社区服务站办理关联后再查看选民登记。"
        ),
    )


@resident_only
@require_GET
def my_election(request: HttpRequest) -> HttpResponse:
    me = own_resident(request.user)
    if me is None:
        return _not_linked(request)
    return render(
        request,
        "participation/elections/my_election.html",
        {"me": me, "rows": queries.current_elections(me)},
    )


@resident_only
@require_GET
def election_page(request: HttpRequest, election_id: int) -> HttpResponse:
    me = own_resident(request.user)
    if me is None:
        return _not_linked(request)
    election = queries.resident_election(me, election_id)
    shown = election.status in (ElectionStatus.PUBLISHED, ElectionStatus.FINAL)
    rows = queries.public_roll(election, me) if shown else []
    page, _query = paged(request, rows, ROLL_PER_PAGE)
    return render(
        request,
        "participation/elections/election_page.html",
        {
            "election": election,
            "shown": shown,
            "page_obj": page,
            "can_object": queries.objection_open(election),
        },
    )


@resident_only
@require_http_methods(GET_POST)
def registration_apply(request: HttpRequest, election_id: int) -> HttpResponse:
    user: Any = request.user
    me = own_resident(user)
    if me is None:
        return _not_linked(request)
    election = queries.resident_election(me, election_id)
    form = forms.ApplyForm(request.POST or None)
    if request.method == "POST":
        done = submit(
            request,
            form,
            lambda data: actions.apply(election=election, by=user, **data),
            _("申请已提交，社区审核后会更新您的登记状态。"),
            lambda made: redirect("participation:my_election"),
            refusal_on_form=True,
        )
        if done is not None:
            return done
    return render(
        request,
        "participation/elections/registration_apply.html",
        {"election": election, "form": form},
    )


@resident_only
@require_http_methods(GET_POST)
def roll_objection_create(request: HttpRequest, election_id: int) -> HttpResponse:
    user: Any = request.user
    me = own_resident(user)
    if me is None:
        return _not_linked(request)
    election = queries.resident_election(me, election_id)
    household = queries.household_subjects(me)
    subjects: list[Any] = [
        (_("本人及同户成员"), [(r.pk, r.name) for r in household]),
    ]
    if election.status in (ElectionStatus.PUBLISHED, ElectionStatus.FINAL):
        mine = {r.pk for r in household}
        listed = [
            (row.resident_id, f"{row.name} · {row.group}" if row.group else row.name)
            for row in queries.public_roll(election, me)
            if row.resident_id not in mine
        ]
        if listed:
            subjects.append((_("名单上的其他人"), listed))
    form = forms.ObjectionForm(request.POST or None, subjects=subjects)
    if request.method == "POST":

        def act(data: dict[str, Any]) -> Any:
            subject = Resident.objects.get(pk=data["subject"])
            return actions.file_objection(
                election=election, by=user, kind=data["kind"], subject=subject, body=data["body"]
            )

        done = submit(
            request,
            form,
            act,
            _("异议已提交，社区会在异议期内处理并答复。"),
            lambda made: redirect("participation:election_page", election_id=election.pk),
            refusal_on_form=True,
        )
        if done is not None:
            return done
    return render(
        request,
        "participation/elections/objection_form.html",
        {"election": election, "form": form, "open": queries.objection_open(election)},
    )


urls: list[URLPattern] = [
    path("elections/", election_list, name="election_list"),
    path("elections/new/", election_create, name="election_create"),
    path("elections/<int:election_id>/", election_detail, name="election_detail"),
    path("elections/<int:election_id>/build/", election_build, name="election_build"),
    path("elections/<int:election_id>/publish/", election_publish, name="election_publish"),
    path("elections/<int:election_id>/finalise/", election_finalise, name="election_finalise"),
    path("elections/<int:election_id>/export/", election_export, name="election_export"),
    path("elections/<int:election_id>/roll/add/", roll_entry_add, name="roll_entry_add"),
    path(
        "elections/entries/<int:roll_entry_id>/remove/",
        roll_entry_remove,
        name="roll_entry_remove",
    ),
    path(
        "elections/registrations/<int:registration_id>/decide/",
        registration_decide,
        name="registration_decide",
    ),
    path(
        "elections/objections/<int:roll_objection_id>/decide/",
        roll_objection_decide,
        name="roll_objection_decide",
    ),
    path("me/elections/", my_election, name="my_election"),
    path("me/elections/<int:election_id>/", election_page, name="election_page"),
    path("me/elections/<int:election_id>/apply/", registration_apply, name="registration_apply"),
    path(
        "me/elections/<int:election_id>/object/",
        roll_objection_create,
        name="roll_objection_create",
    ),
]
