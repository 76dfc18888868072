"""Writes about rental housing (出租房屋) beyond registering it and its tenants (in ``actions``)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core import audit
from shequ.registry.actions import (
    MemberInput,
    _place_path,
    _require_place,
    add_tenant,
    register_household,
)
from shequ.registry.models import LifeStatus, Relation, Rental, ResidenceStatus, Resident, Tenancy
from shequ.registry.permissions import RegistryPerm

_MEMBER_KEY = re.compile(r"^members\.\d+\.(\w+)$")


def _check_open(rental: Rental) -> Rental:
    """The rental's row, locked, still let."""
    locked = Rental.objects.select_for_update(of=("self",)).get(pk=rental.pk)
    if locked.ended_on is not None:
        raise ValidationError(_("该房屋已停止出租。"))
    return locked


@transaction.atomic
def end_rental(*, rental: Rental, ended_on: date, by: Any = None) -> Rental:
    """Stop letting (停止出租): the rental ends, and so does every current tenancy, on ``ended_on``."""
    _require_place(by, RegistryPerm.EDIT, _place_path(rental.community, rental.grid))
    locked = _check_open(rental)
    if ended_on > timezone.localdate():
        raise ValidationError({"ended_on": _("日期不能晚于今天。")})
    if ended_on < locked.registered_on:
        raise ValidationError({"ended_on": _("停止出租日期不能早于登记日期。")})
    current = list(
        Tenancy.objects.filter(rental=locked, end_date__isnull=True).select_related(
            "rental__community", "rental__grid"
        )
    )
    if any(tenancy.start_date > ended_on for tenancy in current):
        raise ValidationError({"ended_on": _("停止出租日期不能早于现有租户的入住日期。")})
    for tenancy in current:
        tenancy.end_date = ended_on
        tenancy.save(update_fields=["end_date"])
        audit.record("registry.end_tenancy", obj=tenancy, actor=by, fields=["end_date"])
    locked.ended_on = ended_on
    locked.save(update_fields=["ended_on"])
    rental.ended_on = ended_on
    audit.record("registry.end_rental", obj=rental, actor=by, fields=["ended_on"])
    return rental


def _as_tenant(member: MemberInput) -> MemberInput:
    """A new tenant is registered as a migrant (流动人口) heading a household at the rented home."""
    return replace(member, relation=Relation.HEAD, residence_status=ResidenceStatus.MIGRANT)


@transaction.atomic
def register_tenant(
    *,
    rental: Rental,
    start_date: date,
    existing: Resident | None = None,
    member: MemberInput | None = None,
    by: Any = None,
) -> Tenancy:
    """A tenant moves in: a resident already in the registry (``existing``), or a newcomer
    (``member``), registered on the spot as a migrant in a household at the rental's address.

    All or nothing: a refused tenancy leaves no newly registered person behind.
    """
    if (existing is None) == (member is None):
        raise ValidationError(_("请选择已登记的居民，或填写新租户的信息。"))
    _require_place(by, RegistryPerm.EDIT, _place_path(rental.community, rental.grid))
    locked = _check_open(rental)
    if start_date > timezone.localdate():
        raise ValidationError({"start_date": _("日期不能晚于今天。")})
    if existing is not None:
        if existing.status != LifeStatus.ACTIVE:
            raise ValidationError({"id_number": _("该居民已不在册，不能登记为租户。")})
        return add_tenant(rental=locked, tenant=existing, start_date=start_date, by=by)
    assert member is not None
    try:
        household = register_household(
            community=locked.community,
            grid=locked.grid,
            estate=locked.estate,
            building=locked.building,
            address_detail=locked.address_detail,
            members=[_as_tenant(member)],
            by=by,
        )
    except ValidationError as exc:
        if not hasattr(exc, "error_dict"):
            raise
        # The household's first (only) member is the tenant: name the tenant's own fields.
        errors: dict[str, list[str]] = {}
        for key, messages in exc.message_dict.items():
            match = _MEMBER_KEY.match(key)
            errors.setdefault(match[1] if match else key, []).extend(messages)
        raise ValidationError(errors) from None
    assert household.head is not None
    return add_tenant(rental=locked, tenant=household.head, start_date=start_date, by=by)
