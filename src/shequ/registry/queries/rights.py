"""Reads of residents' rights requests: staff see those of their jurisdiction (through ``scoped`` with
``registry.handle_rights``); a resident sees their own (through ``Resident.account``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import BooleanField, Case, IntegerField, QuerySet, Value, When
from django.http import Http404
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from shequ.core import calendar
from shequ.core.scoping import get_scoped_or_404, scoped
from shequ.registry.models import Resident, RightsRequest, RightsRequestKind, RightsRequestStatus
from shequ.registry.permissions import RegistryPerm

OPEN_STATUSES = (RightsRequestStatus.SUBMITTED, RightsRequestStatus.IN_PROGRESS)
# The queue's status filter: every status, plus "open" (not yet answered, the default) and all.
STATUS_OPEN = "open"
STATUS_ALL = "all"

# What a correction request may point at: the items the resident sees on their own page.
CORRECTABLE_ITEMS: dict[str, Promise] = {
    "name": gettext_lazy("姓名"),
    "id_number": gettext_lazy("证件号码"),
    "birth_date": gettext_lazy("出生日期"),
    "sex": gettext_lazy("性别"),
    "phone": gettext_lazy("手机号"),
    "address": gettext_lazy("住址"),
    "household": gettext_lazy("所在户及与户主关系"),
    "residence_status": gettext_lazy("人口类别"),
    "other": gettext_lazy("其他"),
}


@dataclass(frozen=True)
class RightsFilters:
    status: str = STATUS_OPEN
    kind: str = ""
    overdue: bool = False


def _with_flags(requests: QuerySet[RightsRequest]) -> QuerySet[RightsRequest]:
    """``is_open`` and ``is_overdue`` (open and past its due day), computed in the same query."""
    today = calendar.localdate()
    return requests.annotate(
        is_open=Case(
            When(status__in=OPEN_STATUSES, then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
        is_overdue=Case(
            When(status__in=OPEN_STATUSES, due_on__lt=today, then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
    )


def visible_rights_requests(user: Any) -> QuerySet[RightsRequest]:
    return scoped(RightsRequest.objects.all(), user, RegistryPerm.HANDLE_RIGHTS)


def rights_queue(user: Any, filters: RightsFilters) -> QuerySet[RightsRequest]:
    """The staff queue: open requests first, soonest due first; each row carries its resident."""
    requests = visible_rights_requests(user)
    if filters.status == STATUS_OPEN:
        requests = requests.filter(status__in=OPEN_STATUSES)
    elif filters.status in RightsRequestStatus.values:
        requests = requests.filter(status=filters.status)
    if filters.kind in RightsRequestKind.values:
        requests = requests.filter(kind=filters.kind)
    if filters.overdue:
        requests = requests.filter(status__in=OPEN_STATUSES, due_on__lt=calendar.localdate())
    rank = Case(
        When(status__in=OPEN_STATUSES, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return (
        _with_flags(requests)
        .select_related("resident__community", "resident__grid", "handled_by")
        .order_by(rank, "due_on", "-submitted_at", "pk")
    )


def rights_request_detail(user: Any, pk: int) -> RightsRequest:
    return get_scoped_or_404(
        _with_flags(RightsRequest.objects.all()).select_related(
            "resident__community", "resident__grid", "resident__household", "handled_by"
        ),
        user,
        RegistryPerm.HANDLE_RIGHTS,
        pk=pk,
    )


def open_rights_requests(user: Any, resident: Resident) -> QuerySet[RightsRequest]:
    """The resident's requests still waiting for an answer, as the staff user may see them."""
    return _with_flags(
        visible_rights_requests(user).filter(resident=resident, status__in=OPEN_STATUSES)
    ).order_by("due_on", "pk")


def _own(user: Any) -> QuerySet[RightsRequest]:
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_resident", False):
        return RightsRequest.objects.none()
    return RightsRequest.objects.filter(resident__account=user)


def own_rights_requests(user: Any) -> QuerySet[RightsRequest]:
    """The signed-in resident's own requests, newest first."""
    return _with_flags(_own(user)).order_by("-submitted_at", "-pk")


def own_rights_request(user: Any, pk: int) -> RightsRequest:
    """One of the resident's own requests; anybody else's answers 404, like one that does not exist."""
    try:
        return _with_flags(_own(user)).select_related("resident").get(pk=pk)
    except (RightsRequest.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def correction_subject_label(code: str) -> str:
    return str(CORRECTABLE_ITEMS.get(code, code))
