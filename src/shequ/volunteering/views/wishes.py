"""Wish pages: the community's wish board and a wish's page with the community's steps (staff); the
resident's own wishes (post, follow, confirm and rate, withdraw); the open wishes and tasks of party
members and volunteers (take, fulfil). Reads through ``queries.wishes``, writes through
``actions.wishes``."""

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
from shequ.core.forms import apply_action_errors
from shequ.core.masking import mask_name
from shequ.core.page_views import flash_errors, paged, run_action, submit
from shequ.volunteering.actions import wishes as actions
from shequ.volunteering.actions.volunteers import own_resident
from shequ.volunteering.forms import wishes as forms
from shequ.volunteering.models import PartyMember, Volunteer, VolunteerTeam, Wish
from shequ.volunteering.permissions import VolunteeringPerm
from shequ.volunteering.queries import wishes as queries

VIEW = VolunteeringPerm.VIEW
WISHES = VolunteeringPerm.WISHES
PER_PAGE = 30


def _may(user: Any, wish: Wish) -> bool:
    return bool(
        user.has_permission(WISHES) and user.jurisdiction(WISHES).covers_path(wish.community.path)
    )


# --- Staff ----------------------------------------------------------------------------------------


@permission_required(VIEW)
@require_GET
def board(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    communities = list(queries.communities(user)[:500])
    form = forms.BoardFilterForm(request.GET or None, communities=communities)
    page, query = paged(request, queries.board(user, form.filters()), PER_PAGE)
    return render(
        request,
        "volunteering/wishes/board.html",
        {"form": form, "page_obj": page, "query": query, "can_post": user.has_permission(WISHES)},
    )


@permission_required(WISHES)
@require_http_methods(["GET", "POST"])
def staff_new(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = forms.StaffWishForm(request.POST or None)
    if request.method == "POST":

        def post(d: dict[str, Any]) -> Wish:
            resident = queries.resident_in_scope(user, d["id_number"])
            if resident is None:
                raise ValidationError(
                    {"id_number": _("您辖区的人口库中没有该身份证号码的在册居民。")}
                )
            return actions.post_wish(
                resident=resident,
                by=user,
                category=d["category"],
                title=d["title"],
                description=d["description"],
                wanted_by=d["wanted_by"],
            )

        done = submit(
            request,
            form,
            post,
            lambda w: _("已登记心愿 %(number)s。") % {"number": w.number},
            lambda w: redirect("volunteering:wish_detail", wish_number=w.number),
            refusal_on_form=True,
        )
        if done:
            return done
    return render(request, "volunteering/wishes/staff_form.html", {"form": form})


def _choices(user: Any, wish: Wish) -> list[tuple[str, str]]:
    found = queries.assignees(user, wish)
    return (
        [(f"m{m.pk}", _("党员：%(name)s") % {"name": m.resident.name}) for m in found.members]
        + [
            (f"v{v.pk}", _("志愿者：%(name)s") % {"name": v.resident.name})
            for v in found.volunteers
        ]
        + [(f"t{t.pk}", _("服务队：%(name)s") % {"name": t.name}) for t in found.teams]
    )


@permission_required(VIEW)
@require_GET
def detail(request: HttpRequest, wish_number: str) -> HttpResponse:
    user: Any = request.user
    wish = queries.wish(user, wish_number)
    may = _may(user, wish)
    transitions = {t.name for t in actions.WISH_FLOW.available(wish, user)} if may else set()
    return render(
        request,
        "volunteering/wishes/detail.html",
        {
            "wish": wish,
            "events": list(queries.timeline(wish)),
            "transitions": transitions,
            "assign_form": forms.AssignForm(choices=_choices(user, wish))
            if "assign" in transitions
            else None,
            "note_form": forms.NoteForm(),
            "decline_form": forms.DeclineForm(),
            "confirm_form": forms.ConfirmForm(required=False),
        },
    )


def _staff_step(
    request: HttpRequest, wish_number: str, form: Any, act: Any, said: str
) -> HttpResponse:
    user: Any = request.user
    wish = queries.wish(user, wish_number, WISHES)
    try:
        run_action(request, form, lambda d: act(wish, user, d), said)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    return redirect("volunteering:wish_detail", wish_number=wish.number)


def _assign(wish: Wish, user: Any, d: dict[str, Any]) -> Wish:
    key = d["assignee"]
    kind, pk = key[:1], key[1:]
    if not pk.isdigit():
        raise ValidationError({"assignee": _("请选择派单对象。")})
    member = volunteer = team = None
    if kind == "m":
        member = PartyMember.objects.select_related("resident").filter(pk=pk).first()
    elif kind == "v":
        volunteer = Volunteer.objects.select_related("resident").filter(pk=pk).first()
    elif kind == "t":
        team = VolunteerTeam.objects.select_related("region").filter(pk=pk).first()
    if member is None and volunteer is None and team is None:
        raise ValidationError({"assignee": _("请选择派单对象。")})
    return actions.assign_wish(
        wish=wish, by=user, member=member, volunteer=volunteer, team=team, note=d["note"]
    )


@permission_required(WISHES)
@require_POST
def assign(request: HttpRequest, wish_number: str) -> HttpResponse:
    wish = queries.wish(request.user, wish_number, WISHES)
    form = forms.AssignForm(request.POST, choices=_choices(request.user, wish))
    return _staff_step(request, wish_number, form, _assign, _("已派单。"))


@permission_required(WISHES)
@require_POST
def open_for_taking(request: HttpRequest, wish_number: str) -> HttpResponse:
    return _staff_step(
        request,
        wish_number,
        forms.NoteForm(request.POST),
        lambda w, u, d: actions.open_wish(wish=w, by=u, note=d["note"]),
        _("已开放认领。"),
    )


@permission_required(WISHES)
@require_POST
def decline(request: HttpRequest, wish_number: str) -> HttpResponse:
    return _staff_step(
        request,
        wish_number,
        forms.DeclineForm(request.POST),
        lambda w, u, d: actions.decline_wish(wish=w, by=u, reason=d["reason"]),
        _("已不予受理。"),
    )


@permission_required(WISHES)
@require_POST
def refer(request: HttpRequest, wish_number: str) -> HttpResponse:
    return _staff_step(
        request,
        wish_number,
        forms.NoteForm(request.POST),
        lambda w, u, d: actions.refer_wish(wish=w, by=u, note=d["note"]),
        _("已转为服务工单。"),
    )


@permission_required(WISHES)
@require_POST
def staff_confirm(request: HttpRequest, wish_number: str) -> HttpResponse:
    return _staff_step(
        request,
        wish_number,
        forms.ConfirmForm(request.POST, required=False),
        lambda w, u, d: actions.staff_confirm_wish(
            wish=w, by=u, rating=d.get("rating"), comment=d["comment"]
        ),
        _("已代居民确认。"),
    )


# --- The resident's own wishes ---------------------------------------------------------------------


@resident_only
@require_http_methods(["GET", "POST"])
def my_wishes(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    resident = own_resident(user)
    form = forms.WishForm(request.POST or None)
    if request.method == "POST" and resident is not None:
        done = submit(
            request,
            form,
            lambda d: actions.post_wish(resident=resident, by=user, **d),
            _("心愿已提交，社区会尽快安排。"),
            lambda w: redirect("volunteering:my_wish", wish_number=w.number),
            refusal_on_form=True,
        )
        if done:
            return done
    page = None
    if resident is not None:
        page, _query = paged(request, queries.own_wishes(resident), PER_PAGE)
    return render(
        request,
        "volunteering/wishes/my_wishes.html",
        {"resident": resident, "form": form, "page_obj": page},
    )


@resident_only
@require_GET
def my_wish(request: HttpRequest, wish_number: str) -> HttpResponse:
    resident = own_resident(request.user)
    if resident is None:
        return redirect("volunteering:my_wishes")
    wish = queries.own_wish(resident, wish_number)
    return render(
        request,
        "volunteering/wishes/my_wish.html",
        {
            "wish": wish,
            "events": list(queries.timeline(wish)),
            "confirm_form": forms.ConfirmForm(),
            "may_withdraw": wish.status in actions.WITHDRAW_FROM,
        },
    )


def _own_step(
    request: HttpRequest, wish_number: str, form: Any, act: Any, said: str
) -> HttpResponse:
    user: Any = request.user
    resident = own_resident(user)
    if resident is None:
        return redirect("volunteering:my_wishes")
    wish = queries.own_wish(resident, wish_number)
    run_action(request, form, lambda d: act(wish, user, d), said)
    return redirect("volunteering:my_wish", wish_number=wish.number)


@resident_only
@require_POST
def my_wish_confirm(request: HttpRequest, wish_number: str) -> HttpResponse:
    return _own_step(
        request,
        wish_number,
        forms.ConfirmForm(request.POST),
        lambda w, u, d: actions.confirm_wish(
            wish=w, by=u, rating=d["rating"], comment=d["comment"]
        ),
        _("感谢您的评价！"),
    )


@resident_only
@require_POST
def my_wish_withdraw(request: HttpRequest, wish_number: str) -> HttpResponse:
    return _own_step(
        request,
        wish_number,
        forms.NoteForm(request.POST),
        lambda w, u, d: actions.withdraw_wish(wish=w, by=u, note=d["note"]),
        _("心愿已撤回。"),
    )


# --- Party members' and volunteers' side -------------------------------------------------------------


@resident_only
@require_GET
def open_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    wishes = list(queries.open_wishes(user).select_related("resident")[:100])
    rows = [(w, mask_name(w.resident.name)) for w in wishes]
    tasks = list(queries.my_tasks(user)[:50])
    return render(
        request,
        "volunteering/wishes/open.html",
        {
            "rows": rows,
            "tasks": tasks,
            "may_take": bool(queries.taker_communities(user)),
            "resident": own_resident(user),
        },
    )


@resident_only
@require_POST
def take(request: HttpRequest, wish_number: str) -> HttpResponse:
    user: Any = request.user
    wish = queries.open_wish(user, wish_number)
    try:
        actions.take_wish(wish=wish, by=user)
    except ValidationError as exc:
        flash_errors(request, exc)
        return redirect("volunteering:my_open_wishes")
    except PermissionDenied as exc:
        messages.error(request, str(exc))
        return redirect("volunteering:my_open_wishes")
    messages.success(request, _("认领成功，请尽快联系心愿人。"))
    return redirect("volunteering:my_task", wish_number=wish.number)


@resident_only
@require_http_methods(["GET", "POST"])
def task(request: HttpRequest, wish_number: str) -> HttpResponse:
    user: Any = request.user
    wish = queries.my_task(user, wish_number)
    form = forms.FulfilForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.fulfil_wish(
                wish=wish, by=user, note=form.cleaned_data["note"], photo=form.cleaned_data["photo"]
            )
            messages.success(request, _("已提交完成情况，等待心愿人确认。"))
            return redirect("volunteering:my_task", wish_number=wish.number)
        except ValidationError as exc:
            apply_action_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
    return render(
        request,
        "volunteering/wishes/task.html",
        {
            "wish": wish,
            "form": form,
            "may_fulfil": wish.status in actions.FULFIL_FROM,
            "events": list(queries.timeline(wish)),
        },
        status=422 if form.errors else 200,
    )


W = "wishes/<str:wish_number>/"
M = "me/wishes/<str:wish_number>/"
urls: list[URLPattern] = [
    path("wishes/", board, name="wish_board"),
    path("wishes/new/", staff_new, name="wish_new"),
    path(W, detail, name="wish_detail"),
    path(W + "assign/", assign, name="wish_assign"),
    path(W + "open/", open_for_taking, name="wish_open"),
    path(W + "decline/", decline, name="wish_decline"),
    path(W + "refer/", refer, name="wish_refer"),
    path(W + "confirm/", staff_confirm, name="wish_staff_confirm"),
    path("me/wishes/", my_wishes, name="my_wishes"),
    path("me/wishes/open/", open_list, name="my_open_wishes"),
    path("me/wishes/open/<str:wish_number>/take/", take, name="my_wish_take"),
    path("me/wishes/tasks/<str:wish_number>/", task, name="my_task"),
    path(M, my_wish, name="my_wish"),
    path(M + "confirm/", my_wish_confirm, name="my_wish_confirm"),
    path(M + "withdraw/", my_wish_withdraw, name="my_wish_withdraw"),
]
