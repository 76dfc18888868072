"""The wish API, under ``/api/v1/volunteering``:

- staff: ``GET /wishes`` (the board: ``status``, ``category``, ``community``), ``POST /wishes`` (for
  a resident by ID number), ``GET /wishes/{wish_number}``, ``POST /wishes/{wish_number}/assign``,
  ``.../open``, ``.../decline``, ``.../refer``, ``.../confirm``;
- residents: ``GET``/``POST /me/wishes``, ``POST /me/wishes/{wish_number}/confirm``,
  ``.../withdraw``; party members and volunteers: ``GET /me/wishes/open``,
  ``POST /me/wishes/open/{wish_number}/take``, ``GET /me/tasks``,
  ``POST /me/tasks/{wish_number}/fulfil`` (note only; the photo is uploaded on the page).

Errors as ``core.api``.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.pagination import paginate

from shequ.core.api import ApiError, ErrorOut, PagePagination, acting, not_found, user_with
from shequ.volunteering.actions import wishes as actions
from shequ.volunteering.actions.volunteers import own_resident
from shequ.volunteering.models import PartyMember, Volunteer, VolunteerTeam, Wish
from shequ.volunteering.permissions import VolunteeringPerm
from shequ.volunteering.queries import wishes as queries
from shequ.volunteering.schemas_wishes import (
    AssignIn,
    ConfirmIn,
    DeclineIn,
    NoteIn,
    StaffWishIn,
    WishIn,
    WishOut,
)

router = Router(tags=["volunteering"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
VIEW = VolunteeringPerm.VIEW
WISHES = VolunteeringPerm.WISHES


@router.get("/wishes", response={200: list[WishOut], **ERRORS}, summary="微心愿（本辖区）")
@paginate(PagePagination)
def list_wishes(
    request: HttpRequest,
    status: str = Query(""),
    category: str = Query(""),
    community: str = Query("", max_length=12),
) -> QuerySet[Wish]:
    user = user_with(request, VIEW)
    return queries.board(user, queries.BoardFilters(status, category, community))


@router.post("/wishes", response={201: WishOut, **ERRORS}, summary="代居民登记心愿（按身份证号）")
def post_for_resident(request: HttpRequest, payload: StaffWishIn) -> Status[Wish]:
    user = user_with(request, WISHES)
    resident = queries.resident_in_scope(user, payload.id_number)
    if resident is None:
        raise not_found("id_number", _("您辖区的人口库中没有该身份证号码的在册居民。"))
    with acting():
        wish = actions.post_wish(
            resident=resident, by=user, **payload.model_dump(exclude={"id_number"})
        )
    return Status(201, wish)


@router.get("/wishes/{wish_number}", response={200: WishOut, **ERRORS})
def get_wish(request: HttpRequest, wish_number: str) -> Wish:
    return queries.wish(user_with(request, VIEW), wish_number)


def _staff(request: HttpRequest, wish_number: str) -> tuple[Any, Wish]:
    user = user_with(request, WISHES)
    return user, queries.wish(user, wish_number, WISHES)


@router.post("/wishes/{wish_number}/assign", response={200: WishOut, **ERRORS})
def assign(request: HttpRequest, wish_number: str, payload: AssignIn) -> Wish:
    user, wish = _staff(request, wish_number)
    member = PartyMember.objects.filter(pk=payload.member_id).first() if payload.member_id else None
    volunteer = (
        Volunteer.objects.filter(pk=payload.volunteer_id).first() if payload.volunteer_id else None
    )
    team = VolunteerTeam.objects.filter(pk=payload.team_id).first() if payload.team_id else None
    with acting({"assignee": "member_id"}):
        return actions.assign_wish(
            wish=wish, by=user, member=member, volunteer=volunteer, team=team, note=payload.note
        )


@router.post("/wishes/{wish_number}/open", response={200: WishOut, **ERRORS})
def open_for_taking(request: HttpRequest, wish_number: str, payload: NoteIn) -> Wish:
    user, wish = _staff(request, wish_number)
    with acting():
        return actions.open_wish(wish=wish, by=user, note=payload.note)


@router.post("/wishes/{wish_number}/decline", response={200: WishOut, **ERRORS})
def decline(request: HttpRequest, wish_number: str, payload: DeclineIn) -> Wish:
    user, wish = _staff(request, wish_number)
    with acting():
        return actions.decline_wish(wish=wish, by=user, reason=payload.reason)


@router.post("/wishes/{wish_number}/refer", response={200: WishOut, **ERRORS})
def refer(request: HttpRequest, wish_number: str, payload: NoteIn) -> Wish:
    user, wish = _staff(request, wish_number)
    with acting():
        return actions.refer_wish(wish=wish, by=user, note=payload.note)


@router.post("/wishes/{wish_number}/confirm", response={200: WishOut, **ERRORS})
def staff_confirm(request: HttpRequest, wish_number: str, payload: ConfirmIn) -> Wish:
    user, wish = _staff(request, wish_number)
    with acting():
        return actions.staff_confirm_wish(
            wish=wish, by=user, rating=payload.rating, comment=payload.comment
        )


# --- Residents ------------------------------------------------------------------------------------


def _resident_user(request: HttpRequest) -> Any:
    user = request.user
    if not getattr(user, "is_resident", False):
        raise ApiError(403, "forbidden", _("仅限居民本人使用。"))
    return user


def _own(request: HttpRequest) -> tuple[Any, Any]:
    user = _resident_user(request)
    resident = own_resident(user)
    if resident is None:
        raise ApiError(403, "not_linked", _("请先关联您的居民信息。"))
    return user, resident


@router.get("/me/wishes", response={200: list[WishOut], **ERRORS})
@paginate(PagePagination)
def my_wishes(request: HttpRequest) -> QuerySet[Wish]:
    _user, resident = _own(request)
    return queries.own_wishes(resident).select_related("community", "resident", "case")


@router.post("/me/wishes", response={201: WishOut, **ERRORS})
def post_my_wish(request: HttpRequest, payload: WishIn) -> Status[Wish]:
    user, resident = _own(request)
    with acting():
        wish = actions.post_wish(resident=resident, by=user, **payload.model_dump())
    return Status(201, wish)


@router.post("/me/wishes/{wish_number}/confirm", response={200: WishOut, **ERRORS})
def confirm_my_wish(request: HttpRequest, wish_number: str, payload: ConfirmIn) -> Wish:
    user, resident = _own(request)
    wish = queries.own_wish(resident, wish_number)
    with acting():
        return actions.confirm_wish(
            wish=wish, by=user, rating=payload.rating, comment=payload.comment
        )


@router.post("/me/wishes/{wish_number}/withdraw", response={200: WishOut, **ERRORS})
def withdraw_my_wish(request: HttpRequest, wish_number: str, payload: NoteIn) -> Wish:
    user, resident = _own(request)
    wish = queries.own_wish(resident, wish_number)
    with acting():
        return actions.withdraw_wish(wish=wish, by=user, note=payload.note)


@router.get("/me/wishes/open", response={200: list[WishOut], **ERRORS})
@paginate(PagePagination)
def open_wishes(request: HttpRequest) -> QuerySet[Wish]:
    return queries.open_wishes(_resident_user(request)).select_related("resident", "case")


@router.post("/me/wishes/open/{wish_number}/take", response={200: WishOut, **ERRORS})
def take(request: HttpRequest, wish_number: str) -> Wish:
    user = _resident_user(request)
    wish = queries.open_wish(user, wish_number)
    with acting():
        return actions.take_wish(wish=wish, by=user)


@router.get("/me/tasks", response={200: list[WishOut], **ERRORS})
@paginate(PagePagination)
def my_tasks(request: HttpRequest) -> QuerySet[Wish]:
    return queries.my_tasks(_resident_user(request)).select_related("resident", "case")


@router.post("/me/tasks/{wish_number}/fulfil", response={200: WishOut, **ERRORS})
def fulfil(request: HttpRequest, wish_number: str, payload: NoteIn) -> Wish:
    user = _resident_user(request)
    wish = queries.my_task(user, wish_number)
    with acting():
        return actions.fulfil_wish(wish=wish, by=user, note=payload.note)
