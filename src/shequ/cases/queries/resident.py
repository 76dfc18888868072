"""Reads behind the resident's case pages that ``queries.cases`` does not answer: the photos of a case
the resident may already see (``own_case``, or a case followed by number), one photo of it, a case
this browser proved it may follow, and the service items a channel offers.

A resident holds no jurisdiction: every read here starts from a case already found through ownership
or a verified follow code, never from an id alone.
"""

from __future__ import annotations

from collections.abc import Collection

from django.db.models import QuerySet
from django.http import Http404

from shequ.cases.models import Case, CasePhoto, PhotoStage, ServiceItem
from shequ.cases.queries import admitted_items_for
from shequ.territory.models import Region


def case_photos(case: Case) -> QuerySet[CasePhoto]:
    return case.photos.order_by("uploaded_at", "id")


def reported_and_result_photos(case: Case) -> tuple[list[CasePhoto], list[CasePhoto]]:
    """The photos the requester sent, and those of the result (handling and verification)."""
    reported: list[CasePhoto] = []
    result: list[CasePhoto] = []
    for photo in case_photos(case):
        (reported if photo.stage == PhotoStage.REPORTED else result).append(photo)
    return reported, result


def case_photo(case: Case, photo_id: int) -> CasePhoto:
    """One photo of ``case``; 404 for a photo of any other case, exactly as for a missing one."""
    photo = case_photos(case).filter(pk=photo_id).first()
    if photo is None:
        raise Http404
    return photo


def followed_case(case_id: int, followed: Collection[int]) -> Case:
    """A case this browser proved it may follow (a verified follow code, remembered in the session);
    404 for any other, so a case id cannot be probed."""
    if case_id not in followed:
        raise Http404
    case = Case.objects.select_related("region", "service_item").filter(pk=case_id).first()
    if case is None:
        raise Http404
    return case


def items_for_channel(region: Region, channel: str) -> list[ServiceItem]:
    """Admitted items a resident of ``region`` may ask for through ``channel`` (an item that names no
    channels takes every one), in catalogue order."""
    return [
        item for item in admitted_items_for(region) if not item.channels or channel in item.channels
    ]


def item_takes_channel(item: ServiceItem, channel: str) -> bool:
    return not item.channels or channel in item.channels
