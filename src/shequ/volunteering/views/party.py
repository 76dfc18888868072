"""Party member pages (V2): organisations and rosters (staff), the check-in desk and coverage (staff),
and the member's own check-in page (resident). Reads through ``queries.party``, writes through
``actions.party``."""

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
from shequ.core.page_views import flash_errors, paged, run_action, submit
from shequ.volunteering.actions import party as actions
from shequ.volunteering.actions.volunteers import own_resident
from shequ.volunteering.forms import party as forms
from shequ.volunteering.models import CheckInStatus
from shequ.volunteering.permissions import VolunteeringPerm
from shequ.volunteering.queries import party as queries

VIEW = VolunteeringPerm.VIEW
PARTY = VolunteeringPerm.PARTY
PER_PAGE = 50


def _may(user: Any, path_: str) -> bool:
    return bool(user.has_permission(PARTY) and user.jurisdiction(PARTY).covers_path(path_))


# --- Organisations and rosters ------------------------------------------------------------------


@permission_required(VIEW)
@require_GET
def org_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    q = request.GET.get("q", "")[:60]
    page, query = paged(request, queries.organizations(user, q), PER_PAGE)
    return render(
        request,
        "volunteering/party/org_list.html",
        {"page_obj": page, "q": q, "query": query, "can_edit": user.has_permission(PARTY)},
    )


@permission_required(PARTY)
@require_http_methods(["GET", "POST"])
def org_new(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    regions = queries.places_for(user)
    form = forms.OrgForm(request.POST or None, regions=regions)
    if request.method == "POST":
        done = submit(
            request,
            form,
            lambda d: actions.create_organization(
                region=d["region"],
                name=d["name"],
                kind=d["kind"],
                workplace=d["workplace"],
                by=user,
            ),
            lambda org: _("已登记党组织“%(name)s”。") % {"name": org.name},
            lambda org: redirect("volunteering:party_org", party_org_id=org.pk),
            refusal_on_form=True,
        )
        if done:
            return done
    return render(request, "volunteering/party/org_form.html", {"form": form, "org": None})


@permission_required(PARTY)
@require_http_methods(["GET", "POST"])
def org_edit(request: HttpRequest, party_org_id: int) -> HttpResponse:
    user: Any = request.user
    org = queries.organization(user, party_org_id, PARTY)
    if request.method == "POST":
        form = forms.OrgForm(request.POST, editing=True)
        done = submit(
            request,
            form,
            lambda d: actions.update_organization(organization=org, by=user, **d),
            _("已保存。"),
            lambda _r: redirect("volunteering:party_org", party_org_id=org.pk),
        )
        if done:
            return done
    else:
        form = forms.OrgForm(
            initial={k: getattr(org, k) for k in ("name", "kind", "workplace", "is_active")},
            editing=True,
        )
    return render(request, "volunteering/party/org_form.html", {"form": form, "org": org})


def _org_page(
    request: HttpRequest, org: Any, add_form: Any = None, status: int = 200
) -> HttpResponse:
    user: Any = request.user
    return render(
        request,
        "volunteering/party/org_detail.html",
        {
            "org": org,
            "rows": queries.roster(user, org),
            "can_edit": _may(user, org.region.path),
            "add_form": add_form or forms.AddMemberForm(),
        },
        status=status,
    )


@permission_required(VIEW)
@require_GET
def org_detail(request: HttpRequest, party_org_id: int) -> HttpResponse:
    return _org_page(request, queries.organization(request.user, party_org_id))


@permission_required(PARTY)
@require_POST
def member_add(request: HttpRequest, party_org_id: int) -> HttpResponse:
    user: Any = request.user
    org = queries.organization(user, party_org_id, PARTY)
    form = forms.AddMemberForm(request.POST)
    done = submit(
        request,
        form,
        lambda d: actions.add_member(organization=org, id_number=d["id_number"], by=user),
        _("已加入名册。"),
        lambda _m: redirect("volunteering:party_org", party_org_id=org.pk),
        refusal_on_form=True,
    )
    return done or _org_page(request, org, form, status=422)


def _member_change(
    request: HttpRequest, party_org_id: int, member_id: int, act: Any, said: str
) -> HttpResponse:
    user: Any = request.user
    org = queries.organization(user, party_org_id, PARTY)
    member = queries.roster_member(org, member_id)
    try:
        act(member=member, by=user)
        messages.success(request, said)
    except ValidationError as exc:
        flash_errors(request, exc)
    return redirect("volunteering:party_org", party_org_id=org.pk)


@permission_required(PARTY)
@require_POST
def member_remove(request: HttpRequest, party_org_id: int, member_id: int) -> HttpResponse:
    return _member_change(
        request, party_org_id, member_id, actions.remove_member, _("已移出名册。")
    )


@permission_required(PARTY)
@require_POST
def member_retire(request: HttpRequest, party_org_id: int, member_id: int) -> HttpResponse:
    return _member_change(
        request, party_org_id, member_id, actions.mark_not_in_service, _("已标记为不在职。")
    )


# --- Check-ins (staff) ----------------------------------------------------------------------------


@permission_required(VIEW)
@require_GET
def checkin_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    status = request.GET.get("status", "")
    page, query = paged(request, queries.checkins(user, status), PER_PAGE)
    rows = [
        (c, actions.CHECKIN_FLOW.available(c, user) if _may(user, c.community.path) else [])
        for c in page.object_list
    ]
    return render(
        request,
        "volunteering/party/checkins.html",
        {
            "page_obj": page,
            "rows": rows,
            "status": status,
            "statuses": CheckInStatus.choices,
            "query": query,
        },
    )


@permission_required(PARTY)
@require_POST
def checkin_decide(request: HttpRequest, checkin_id: int) -> HttpResponse:
    user: Any = request.user
    checkin = queries.checkin(user, checkin_id, PARTY)
    form = forms.DecideForm(request.POST)
    run_action(
        request,
        form,
        lambda d: actions.decide_checkin(
            checkin=checkin, approve=d["approve"], by=user, note=d["note"]
        ),
        _("已处理报到。"),
    )
    return redirect("volunteering:party_checkins")


@permission_required(PARTY)
@require_POST
def checkin_end(request: HttpRequest, checkin_id: int) -> HttpResponse:
    user: Any = request.user
    checkin = queries.checkin(user, checkin_id, PARTY)
    form = forms.NoteForm(request.POST)
    run_action(
        request,
        form,
        lambda d: actions.end_checkin(checkin=checkin, by=user, note=d["note"]),
        _("已结束报到。"),
    )
    return redirect("volunteering:party_checkins")


# --- Coverage -------------------------------------------------------------------------------------


@permission_required(VIEW)
@require_GET
def coverage(request: HttpRequest) -> HttpResponse:
    report = queries.coverage_report(request.user, request.GET.get("region", ""))
    from shequ.territory.queries import breadcrumbs

    return render(
        request,
        "volunteering/party/coverage.html",
        {"report": report, "crumbs": breadcrumbs(report.region, request.user)},
    )


# --- The member's own page --------------------------------------------------------------------------


@resident_only
@require_GET
def my_party(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    resident = own_resident(user)
    member = actions.own_membership(user) if resident is not None else None
    history = list(queries.own_checkins(member)[:20]) if member is not None else []
    current = next((c for c in history if c.status in ("pending", "confirmed")), None)
    return render(
        request,
        "volunteering/party/me.html",
        {
            "resident": resident,
            "member": member,
            "current": current,
            "history": history,
            "form": forms.CheckInForm(),
        },
    )


@resident_only
@require_POST
def my_check_in(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = forms.CheckInForm(request.POST)
    if form.is_valid():
        try:
            actions.check_in(user=user, offer=form.cleaned_data["offer"])
            messages.success(request, _("已提交报到，等待社区确认。"))
        except ValidationError as exc:
            flash_errors(request, exc)
        except PermissionDenied as exc:
            messages.error(request, str(exc))
    return redirect("volunteering:my_party")


@resident_only
@require_POST
def my_check_in_end(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    member = actions.own_membership(user)
    current = (
        queries.own_checkins(member).filter(status__in=["pending", "confirmed"]).first()
        if member is not None
        else None
    )
    if current is None:
        messages.error(request, _("您当前没有有效的报到。"))
    else:
        try:
            actions.end_checkin(checkin=current, by=user, note=request.POST.get("note", ""))
            messages.success(request, _("已结束报到。"))
        except ValidationError as exc:
            flash_errors(request, exc)
    return redirect("volunteering:my_party")


ORG = "party/organizations/<int:party_org_id>/"
urls: list[URLPattern] = [
    path("party/organizations/", org_list, name="party_orgs"),
    path("party/organizations/new/", org_new, name="party_org_new"),
    path(ORG, org_detail, name="party_org"),
    path(ORG + "edit/", org_edit, name="party_org_edit"),
    path(ORG + "members/add/", member_add, name="party_member_add"),
    path(ORG + "members/<int:member_id>/remove/", member_remove, name="party_member_remove"),
    path(ORG + "members/<int:member_id>/retire/", member_retire, name="party_member_retire"),
    path("party/checkins/", checkin_list, name="party_checkins"),
    path("party/checkins/<int:checkin_id>/decide/", checkin_decide, name="party_checkin_decide"),
    path("party/checkins/<int:checkin_id>/end/", checkin_end, name="party_checkin_end"),
    path("party/coverage/", coverage, name="party_coverage"),
    path("me/party/", my_party, name="my_party"),
    path("me/party/check-in/", my_check_in, name="my_party_check_in"),
    path("me/party/end/", my_check_in_end, name="my_party_end"),
]
