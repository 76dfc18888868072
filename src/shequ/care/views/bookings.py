"""Pages of bookable services. Residents (large text): the services near them, a service's next 14
days with seats left, booking for themself or a household member, their bookings and cancelling.
Staff: the service list, a service with its slots (add one or a run), editing, a slot's roster with
attendance and "book for a resident", and the statistics with indicator 11.

Every read goes through ``care.queries.bookings`` (a service or slot outside the jurisdiction answers
404), every write is one action of ``care.actions.bookings``."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shequ.care.actions import bookings as actions
from shequ.care.forms import bookings as forms
from shequ.care.models.bookings import (
    LIVE_BOOKING_STATUSES,
    BookableKind,
    BookableService,
    BookingStatus,
    ServiceSlot,
)
from shequ.care.permissions import CarePerm
from shequ.care.queries import bookings as queries
from shequ.core import calendar
from shequ.core.decorators import permission_required, resident_only
from shequ.core.page_views import flash_errors, paged, run_action, submit

Perm = CarePerm
PER_PAGE = 30
GET_POST = ["GET", "POST"]


def _service_url(service: BookableService) -> HttpResponse:
    return redirect("care:service_detail", service_id=service.pk)


def _slot_url(slot: ServiceSlot) -> HttpResponse:
    return redirect("care:slot_detail", slot_id=slot.pk)


# --- Residents -------------------------------------------------------------------------------------


def _not_linked(request: HttpRequest) -> HttpResponse:
    return render(request, "care/bookings/not_linked.html", {})


@resident_only
@require_GET
def bookable_browse(request: HttpRequest) -> HttpResponse:
    me = actions.own_resident(request.user)
    if me is None:
        return _not_linked(request)
    kind = request.GET.get("kind", "")
    if kind not in BookableKind.values:
        kind = ""
    found = list(queries.nearby_services(me, kind))
    offered = {s.kind for s in queries.nearby_services(me)}
    kinds = [(k, label) for k, label in BookableKind.choices if k in offered]
    return render(
        request,
        "care/bookings/browse.html",
        {"services": found, "kinds": kinds, "kind": kind, "me": me},
    )


@resident_only
@require_http_methods(GET_POST)
def bookable_detail(request: HttpRequest, service_id: int) -> HttpResponse:
    user: Any = request.user
    me = actions.own_resident(user)
    if me is None:
        return _not_linked(request)
    service = queries.nearby_service(me, service_id)
    members = actions.household_of(user)
    if request.method == "POST":
        form = forms.WhoForForm(request.POST, members=members)
        if form.is_valid():
            slot = service.slots.filter(pk=form.cleaned_data["slot"]).first()
            chosen = next((m for m in members if m.pk == form.cleaned_data["resident"]), None)
            if slot is None or chosen is None:
                raise Http404
            try:
                made = actions.book(
                    slot=slot,
                    resident=chosen,
                    by=user,
                    request_key=form.cleaned_data["request_key"],
                )
            except ValidationError as exc:
                flash_errors(request, exc)
                return redirect(request.path)
            except PermissionDenied as exc:
                messages.error(request, str(exc))
                return redirect(request.path)
            if made.status == BookingStatus.BOOKED:
                messages.success(
                    request,
                    _("预约成功：%(name)s，%(when)s。")
                    % {"name": chosen.name, "when": _when(slot)},
                )
            else:
                messages.success(
                    request,
                    _("名额已满，已为%(name)s排入候补第%(n)d位。有人取消时会通知您。")
                    % {"name": chosen.name, "n": actions.waitlist_position(made) or 1},
                )
            return redirect("care:my_bookings")
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect(request.path)
    slots = queries.upcoming_slots(service)
    key = forms.new_request_key()
    rows = [
        {
            "slot": slot,
            "left": max(slot.capacity - slot.booked, 0),
            "form": forms.WhoForForm(
                members=members,
                initial={
                    "slot": slot.pk,
                    "resident": members[0].pk if members else None,
                    "request_key": f"{key}-{slot.pk}",
                },
                auto_id=f"id_s{slot.pk}_%s",
            ),
        }
        for slot in slots
    ]
    return render(
        request,
        "care/bookings/bookable_detail.html",
        {"service": service, "rows": rows, "members": members},
    )


def _when(slot: ServiceSlot) -> str:
    return f"{slot.date:%Y-%m-%d} {slot.starts_at:%H:%M}–{slot.ends_at:%H:%M}"


@resident_only
@require_GET
def my_bookings(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    me = actions.own_resident(user)
    if me is None:
        return _not_linked(request)
    now = calendar.localtime()
    upcoming, past = [], []
    for booking in queries.my_bookings(user)[:200]:
        slot = booking.slot
        later = slot.date > now.date() or (slot.date == now.date() and slot.starts_at > now.time())
        row = {
            "booking": booking,
            "can_cancel": later and booking.status in LIVE_BOOKING_STATUSES,
            "deadline": actions.cancel_deadline(slot),
        }
        (upcoming if later and booking.status != BookingStatus.CANCELLED else past).append(row)
    upcoming.reverse()
    return render(
        request, "care/bookings/my_bookings.html", {"upcoming": upcoming, "past": past[:50]}
    )


@resident_only
@require_POST
def cancel_booking(request: HttpRequest, booking_id: int) -> HttpResponse:
    user: Any = request.user
    booking = queries.my_booking(user, booking_id)
    try:
        actions.cancel(booking=booking, by=user)
        messages.success(request, _("已取消预约。"))
    except ValidationError as exc:
        flash_errors(request, exc)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    return redirect("care:my_bookings")


# --- Staff: services -------------------------------------------------------------------------------


@permission_required(Perm.VIEW)
@require_GET
def service_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = forms.ServiceFilterForm(request.GET)
    filters = queries.ServiceFilters(**form.filters())
    page, _query = paged(request, queries.services(user, filters), PER_PAGE)
    return render(
        request,
        "care/bookings/service_list.html",
        {
            "form": form,
            "page_obj": page,
            "can_manage": user.has_permission(Perm.BOOKINGS),
        },
    )


@permission_required(Perm.BOOKINGS)
@require_http_methods(GET_POST)
def service_create(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    regions, facilities = queries.manageable_regions(user), queries.facilities_for(user)
    form = forms.ServiceForm(request.POST or None, regions=regions, facilities=facilities)
    if request.method == "POST":
        done = submit(
            request,
            form,
            lambda data: actions.create_service(by=user, **form.values()),
            lambda made: _("已开设“%(name)s”，请添加预约场次。") % {"name": made.name},
            _service_url,
            refusal_on_form=True,
        )
        if done:
            return done
    return render(request, "care/bookings/service_form.html", {"form": form, "service": None})


@permission_required(Perm.BOOKINGS)
@require_http_methods(GET_POST)
def service_edit(request: HttpRequest, service_id: int) -> HttpResponse:
    user: Any = request.user
    service = queries.service_detail(user, service_id, Perm.BOOKINGS)
    facilities = queries.facilities_for(user)
    if request.method == "POST":
        form = forms.ServiceForm(request.POST, facilities=facilities, editing=True)
        done = submit(
            request,
            form,
            lambda data: actions.update_service(
                service=service, by=user, version=form.cleaned_data.get("version"), **form.values()
            ),
            _("已保存。"),
            _service_url,
            refusal_on_form=True,
        )
        if done:
            return done
    else:
        form = forms.ServiceForm(
            facilities=facilities,
            editing=True,
            initial={
                f: getattr(service, f)
                for f in actions.SERVICE_FIELDS
                if f not in ("kind", "provider")
            }
            | {"facility": service.facility_id, "version": service.version},
        )
    return render(request, "care/bookings/service_form.html", {"form": form, "service": service})


@permission_required(Perm.VIEW)
@require_http_methods(GET_POST)
def service_detail(request: HttpRequest, service_id: int) -> HttpResponse:
    user: Any = request.user
    service = queries.service_detail(user, service_id)
    can_manage = queries.may(user, Perm.BOOKINGS, service.region)
    slot_form, run_form = forms.SlotForm(), forms.SlotRunForm()
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        step = request.POST.get("do", "")
        if step == "slot":
            slot_form = forms.SlotForm(request.POST)
            done = submit(
                request,
                slot_form,
                lambda data: actions.create_slot(service=service, by=user, **data),
                _("已添加场次。"),
                lambda _made: _service_url(service),
            )
            if done:
                return done
        elif step == "run":
            run_form = forms.SlotRunForm(request.POST)
            done = submit(
                request,
                run_form,
                lambda data: actions.create_slot_run(service=service, by=user, **run_form.values()),
                lambda made: _("已添加%(n)d个场次。") % {"n": len(made)},
                lambda _made: _service_url(service),
            )
            if done:
                return done
        elif step in ("close", "open"):
            try:
                actions.set_service_open(service=service, by=user, is_active=step == "open")
                messages.success(
                    request, _("已停止预约。") if step == "close" else _("已开放预约。")
                )
            except ValidationError as exc:
                flash_errors(request, exc)
            return _service_url(service)
    return render(
        request,
        "care/bookings/service_detail.html",
        {
            "service": service,
            "slots": queries.service_slots(service),
            "can_manage": can_manage,
            "slot_form": slot_form,
            "run_form": run_form,
        },
    )


# --- Staff: a slot ---------------------------------------------------------------------------------


@permission_required(Perm.VIEW)
@require_http_methods(GET_POST)
def slot_detail(request: HttpRequest, slot_id: int) -> HttpResponse:
    user: Any = request.user
    slot = queries.slot_detail(user, slot_id)
    service = slot.service
    can_manage = queries.may(user, Perm.BOOKINGS, service.region)
    can_book_for = user.has_permission(Perm.BOOKINGS)
    if request.method == "POST":
        step = request.POST.get("do", "")
        if step in ("attended", "no_show", "cancel_booking"):
            if not can_manage:
                raise PermissionDenied
            booking = queries.booking_on(user, slot, _int(request.POST.get("booking")))
            try:
                if step == "cancel_booking":
                    actions.cancel(booking=booking, by=user)
                    messages.success(request, _("已取消该预约。"))
                else:
                    actions.mark_attendance(booking=booking, by=user, attended=step == "attended")
                    messages.success(request, _("已记录到场情况。"))
            except ValidationError as exc:
                flash_errors(request, exc)
            return _slot_url(slot)
        if step == "edit":
            if not can_manage:
                raise PermissionDenied
            run_action(
                request,
                forms.SlotEditForm(request.POST),
                lambda data: actions.update_slot(slot=slot, by=user, **data),
                _("已保存场次。"),
            )
            return _slot_url(slot)
        if step == "cancel_slot":
            if not can_manage:
                raise PermissionDenied
            run_action(
                request,
                forms.SlotCancelForm(request.POST),
                lambda data: actions.cancel_slot(slot=slot, by=user, **data),
                _("场次已停开，已通知预约的居民。"),
            )
            return _slot_url(slot)
        if step == "book_for":
            if not can_book_for:
                raise PermissionDenied
            form = forms.BookForResidentForm(request.POST)

            def act(data: dict[str, Any]) -> Any:
                resident = queries.resident_for_booking(user, data["resident"])
                return actions.book_for(
                    slot=slot,
                    resident=resident,
                    by=user,
                    request_key=data["request_key"],
                    note=data.get("note", ""),
                )

            try:
                run_action(
                    request,
                    form,
                    act,
                    lambda made: (
                        _("已代为预约（%(status)s）。") % {"status": made.get_status_display()}
                    ),
                )
            except PermissionDenied as exc:
                messages.error(request, str(exc))
            return _slot_url(slot)
        raise Http404
    search = forms.ResidentSearchForm(request.GET)
    found = (
        queries.bookable_residents(user, search.cleaned_data.get("q", ""))
        if can_book_for and search.is_valid()
        else []
    )
    key = forms.new_request_key()
    return render(
        request,
        "care/bookings/slot_detail.html",
        {
            "slot": slot,
            "service": service,
            "rows": queries.roster(user, slot),
            "can_manage": can_manage,
            "can_book_for": can_book_for,
            "search": search,
            "found": [(r, f"{key}-{r.pk}") for r in found],
            "started": actions.starts_at(slot) <= calendar.now(),
            "edit_form": forms.SlotEditForm(
                initial={"capacity": slot.capacity, "menu": slot.menu, "version": slot.version},
                auto_id="id_edit_%s",
            ),
            "cancel_form": forms.SlotCancelForm(auto_id="id_cancel_%s"),
        },
    )


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404 from None


# --- Statistics ------------------------------------------------------------------------------------


@permission_required(Perm.VIEW)
@require_GET
def booking_statistics(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = forms.PeriodForm(request.GET)
    today = calendar.localdate()
    start, end = today.replace(day=1), today
    if form.is_valid():
        start = form.cleaned_data.get("date_from") or start
        end = form.cleaned_data.get("date_to") or end
    if end < start:
        start = end
    if (end - start).days > 366:
        start = end - timedelta(days=366)
    counties = queries.statistics_counties(user)
    return render(
        request,
        "care/bookings/statistics.html",
        {
            "form": form,
            "start": start,
            "end": end,
            "kinds": queries.figures_by_kind(user, start, end),
            "coverage": queries.rehabilitation_coverage(counties, start, end) if counties else [],
            "may_statistics": user.has_permission(Perm.STATISTICS),
        },
    )


urls: list[URLPattern] = [
    path("me/book/", bookable_browse, name="bookable_browse"),
    path("me/book/<int:service_id>/", bookable_detail, name="bookable_detail"),
    path("me/bookings/", my_bookings, name="my_bookings"),
    path("me/bookings/<int:booking_id>/cancel/", cancel_booking, name="cancel_booking"),
    path("services/", service_list, name="service_list"),
    path("services/new/", service_create, name="service_create"),
    path("services/statistics/", booking_statistics, name="booking_statistics"),
    path("services/<int:service_id>/", service_detail, name="service_detail"),
    path("services/<int:service_id>/edit/", service_edit, name="service_edit"),
    path("slots/<int:slot_id>/", slot_detail, name="slot_detail"),
]
