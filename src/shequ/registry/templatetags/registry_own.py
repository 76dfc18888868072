"""``{% resident_account resident %}``: the resident's account, consents and open rights requests, as a
panel for the staff resident page (``registry/resident.html``)."""

from __future__ import annotations

from typing import Any

from django import template

from shequ.core.masking import mask_phone
from shequ.registry.models import ConsentPurpose, Resident
from shequ.registry.permissions import RegistryPerm
from shequ.registry.queries.own import PURPOSE_HELP, current_consents
from shequ.registry.queries.rights import open_rights_requests

register = template.Library()


def _holds(user: Any, perm: str, resident: Resident) -> bool:
    path = resident.grid.path if resident.grid_id and resident.grid else resident.community.path
    return bool(user.has_permission(perm) and user.jurisdiction(perm).covers_path(path))


@register.inclusion_tag("registry/_resident_account.html", takes_context=True)
def resident_account(context: template.Context, resident: Resident) -> dict[str, Any]:
    """Staff who may edit the record link or unlink the account and record consents for the resident;
    those who handle rights requests see the open ones and may record a new one."""
    user = context["request"].user
    account = resident.account
    consents = current_consents(resident)
    handles_rights = _holds(user, RegistryPerm.HANDLE_RIGHTS, resident)
    return {
        "request": context["request"],
        "csrf_token": context.get("csrf_token", ""),
        "resident": resident,
        "account": account,
        "account_phone": mask_phone(account.phone) if account is not None and account.phone else "",
        "can_edit": _holds(user, RegistryPerm.EDIT, resident),
        "handles_rights": handles_rights,
        "consents": [
            {
                "purpose": purpose,
                "label": label,
                "help": PURPOSE_HELP.get(ConsentPurpose(purpose), ""),
                "record": consents[purpose],
            }
            for purpose, label in ConsentPurpose.choices
        ],
        "open_requests": list(open_rights_requests(user, resident)) if handles_rights else [],
    }
