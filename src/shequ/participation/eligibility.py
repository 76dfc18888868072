"""Who may take part: the signed-in resident's registry record, and whether it belongs to a community.

Co-signing, voting, reviewing, objecting and posting are for verified residents of the community: a
resident account linked to a registry record (linking is the identity check, done by community staff
or by ID number at sign-up) that is still on the register (not moved out, deceased or merged) and
lives in that community. Each refusal names what is wrong, in the resident's language."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from shequ.registry.models import LifeStatus, Resident
from shequ.registry.queries import own_resident as own_resident
from shequ.territory.models import Region

__all__ = ["own_resident", "verified_resident"]


def verified_resident(user: Any, community: Region | None = None) -> Resident:
    """The user's registry record, checked as a verified resident (of ``community`` when given)."""
    if user is None or not getattr(user, "is_authenticated", False):
        raise PermissionDenied(_("请先登录。"))
    if not getattr(user, "is_resident", False):
        raise PermissionDenied(_("此项操作只能由居民本人进行。"))
    resident = own_resident(user)
    if resident is None:
        # ``own_resident`` gives only a record still on the register; say which case this is.
        if Resident.objects.filter(account=user).exclude(status=LifeStatus.ACTIVE).exists():
            raise PermissionDenied(_("您的居民信息已不在册，不能参与。"))
        raise PermissionDenied(_("您的账号还没有关联居民信息，请到社区核实身份后再参与。"))
    if community is not None and resident.community_id != community.pk:
        raise PermissionDenied(
            _("只有%(community)s的居民才能参与此项。") % {"community": community.name}
        )
    return resident
