"""The admission workflow of a service item (准入制度), declared once for pages, API and tests."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from shequ.cases.models import ItemStatus as S
from shequ.cases.permissions import CasesPerm
from shequ.core.workflow import Transition, Workflow

ADMISSION = Workflow(
    transitions=[
        Transition(
            "submit",
            (S.DRAFT, S.REFUSED),
            S.PENDING_ADMISSION,
            CasesPerm.MANAGE_CATALOG,
            _("提交准入审核"),
        ),
        # Items at county level or above need no admission: whoever manages them publishes them.
        Transition("publish", (S.DRAFT,), S.ADMITTED, CasesPerm.MANAGE_CATALOG, _("发布")),
        Transition("admit", (S.PENDING_ADMISSION,), S.ADMITTED, CasesPerm.ADMIT_ITEMS, _("准入")),
        Transition(
            "refuse",
            (S.PENDING_ADMISSION,),
            S.REFUSED,
            CasesPerm.ADMIT_ITEMS,
            _("不予准入"),
            style="danger",
        ),
        Transition(
            "withdraw", (S.ADMITTED,), S.WITHDRAWN, CasesPerm.MANAGE_CATALOG, _("撤销"), "danger"
        ),
    ]
)

EDITABLE = (S.DRAFT, S.REFUSED)
