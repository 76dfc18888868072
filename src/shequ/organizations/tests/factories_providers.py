"""Providers, estate management, committees and complaint cases made through the actions, as the
pages would make them."""

from __future__ import annotations

import itertools
from datetime import date
from types import SimpleNamespace
from typing import Any

from shequ.cases.actions import handling, ratings
from shequ.cases.actions.intake import Intake, submit_case
from shequ.cases.models import Case, CaseKind, Channel
from shequ.core.validators import USCC_CHARSET, uscc_check_character
from shequ.organizations.actions import providers as actions
from shequ.organizations.models import EstateCommittee, EstateManagement, Provider
from shequ.territory.models import Estate, Region

_serial = itertools.count(1)


def uscc(area: str = "320302", serial: int | None = None) -> str:
    """A valid 统一社会信用代码 (an enterprise registered by the market regulator in ``area``)."""
    number = next(_serial) if serial is None else serial
    body = f"91{area}{number:09d}"
    assert all(c in USCC_CHARSET for c in body)
    return body + uscc_check_character(body)


def provider_values(region: Region, **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "kind": "property",
        "name": "彭城物业服务有限公司",
        "uscc": uscc(region.code[:6]),
        "legal_representative": "张建国",
        "contact_phone": "13812345678",
        "address": "解放路 18 号",
        "services": "住宅小区物业服务",
    }
    values.update(overrides)
    return values


def make_provider(*, region: Region, by: Any = None, **overrides: Any) -> Provider:
    """A property company at ``region`` (a county or township) registered by ``by``."""
    return actions.register_provider(region=region, by=by, **provider_values(region, **overrides))


def make_estate(community: Region, name: str) -> Estate:
    """An estate (territory has no action for it; the division loader makes them like this)."""
    return Estate.objects.create(community=community, name=name)


def manage(
    estate: Estate,
    *,
    mode: str = "company",
    provider: Provider | None = None,
    started_on: date = date(2024, 1, 1),
    by: Any = None,
) -> EstateManagement:
    return actions.set_estate_management(
        estate=estate, by=by, mode=mode, provider=provider, started_on=started_on
    )


def make_committee(estate: Estate, *, by: Any = None, **overrides: Any) -> EstateCommittee:
    values: dict[str, Any] = {
        "kind": "owners",
        "established_on": date(2023, 5, 1),
        "term_ends_on": date(2028, 4, 30),
        "members": 7,
        "party_members": 3,
        "chair_name": "李秀英",
        "filed_with": "街道办事处",
    }
    values.update(overrides)
    return actions.record_committee(estate=estate, by=by, **values)


def make_case(
    community: Region,
    *,
    by: Any,
    kind: str = CaseKind.COMPLAINT,
    title: str = "物业不作为，楼道垃圾无人清运",
) -> Case:
    """A case a resident phoned in for ``community``, entered by ``by`` (staff who take cases in)."""
    return submit_case(
        Intake(
            channel=Channel.PHONE,
            kind=kind,
            category="property_disputes",
            title=title,
            description=title + "，已反映多次。",
            region=community,
            requester_name="王女士",
            requester_phone="13900001111",
        ),
        by=by,
    )


def finish(case: Case, *, by: Any, stars: int | None = None) -> Case:
    """Take ``case`` through the workflow to closed (``by``: a community worker who may accept it),
    and have the requester rate it when ``stars`` is given."""
    handling.accept(case=case, by=by)
    handling.start_self(case=case, by=by)
    handling.handle(case=case, by=by, result="已督促物业清运，现场已整改。")
    handling.verify(case=case, by=by, passed=True)
    handling.close(case=case, by=by)
    if stars is not None:
        case.refresh_from_db()
        # The requester phoned it in and rates it after proving the phone (a follow code).
        follower = SimpleNamespace(pk=None, follow_case_id=case.pk)
        ratings.rate(case=case, requester=follower, stars=stars)
    case.refresh_from_db()
    return case
