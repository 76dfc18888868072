"""Home-service test data, made through the actions."""

from __future__ import annotations

from typing import Any

from shequ.care.actions import homeservices as actions
from shequ.care.models.homeservices import HomeServiceOrder
from shequ.organizations.models import Provider
from shequ.organizations.tests.factories_providers import make_provider
from shequ.registry.models import Resident
from shequ.registry.tests import factories as people
from shequ.territory.models import Region


def elder(community: Region, name: str = "赵奶奶", age: int = 72, **extra: Any) -> Resident:
    """The head of a one-person household aged ``age``."""
    return people.resident(community, name, born=people.years_ago(age), **extra)


def make_order(
    *, resident: Resident, by: Any = None, kind: str = "cleaning", **extra: Any
) -> HomeServiceOrder:
    return actions.request_service(resident=resident, by=by, kind=kind, **extra)


def care_provider(region: Region, name: str = "颐康居家养老服务中心", **extra: Any) -> Provider:
    """An elderly-care provider registered at ``region`` (a county or township)."""
    values = {"kind": "elderly_care", "name": name, "services": "助餐、助洁、助浴"}
    values.update(extra)
    return make_provider(region=region, **values)
