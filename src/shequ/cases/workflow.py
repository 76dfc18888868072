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


# --- The case workflow (S2, G1) ------------------------------------------------------------------

from shequ.cases.models import CaseStatus as C  # noqa: E402

# ``None`` permission in the requester's own transitions: the action checks that the user is the
# requester (or holds a verified follow code) and fires with ``by=None``.
REQUESTER = "cases.requester"

CASE = Workflow(
    transitions=[
        Transition("accept", (C.SUBMITTED,), C.ACCEPTED, CasesPerm.ACCEPT, _("受理")),
        Transition("reject", (C.SUBMITTED,), C.REJECTED, CasesPerm.ACCEPT, _("不予受理"), "danger"),
        Transition(
            "dispatch", (C.ACCEPTED, C.RETURNED), C.DISPATCHED, CasesPerm.DISPATCH, _("派遣")
        ),
        # The accepting office handles it itself, or the dispatched unit signs for it.
        Transition(
            "start_self", (C.ACCEPTED, C.RETURNED), C.IN_PROGRESS, CasesPerm.ACCEPT, _("自行办理")
        ),
        Transition("sign", (C.DISPATCHED,), C.IN_PROGRESS, CasesPerm.HANDLE, _("签收")),
        Transition(
            "return",
            (C.DISPATCHED, C.IN_PROGRESS),
            C.RETURNED,
            CasesPerm.HANDLE,
            _("退回"),
            "danger",
        ),
        Transition("handle", (C.IN_PROGRESS,), C.HANDLED, CasesPerm.HANDLE, _("办理完成")),
        Transition("handle_self", (C.IN_PROGRESS,), C.HANDLED, CasesPerm.ACCEPT, _("办理完成")),
        Transition("verify", (C.HANDLED,), C.VERIFIED, CasesPerm.VERIFY, _("核查通过")),
        Transition(
            "verify_fail", (C.HANDLED,), C.IN_PROGRESS, CasesPerm.VERIFY, _("核查未通过"), "danger"
        ),
        Transition("close", (C.VERIFIED,), C.CLOSED, CasesPerm.ACCEPT, _("办结")),
        Transition("rate", (C.CLOSED,), C.RATED, REQUESTER, _("评价")),
        # Grid workers settle a small matter on the spot: reported and closed at once, with a photo.
        Transition("resolve_on_spot", (C.SUBMITTED,), C.CLOSED, CasesPerm.REPORT, _("就地解决")),
        Transition("suspend", (C.IN_PROGRESS,), C.SUSPENDED, CasesPerm.APPROVE, _("批准挂起")),
        Transition("resume", (C.SUSPENDED,), C.IN_PROGRESS, CasesPerm.APPROVE, _("恢复办理")),
        Transition(
            "merge",
            (C.SUBMITTED, C.ACCEPTED, C.RETURNED, C.DISPATCHED),
            C.MERGED,
            CasesPerm.DISPATCH,
            _("合并到其他工单"),
        ),
        # A bad rating sends the case back to work (整改) under the same number.
        Transition("reopen", (C.RATED,), C.IN_PROGRESS, CasesPerm.ACCEPT, _("整改重办")),
        Transition("withdraw", (C.SUBMITTED,), C.WITHDRAWN, REQUESTER, _("撤回"), "danger"),
    ]
)

# Transitions staff fire from the case page (the others come from their own forms or from the system).
STAFF_BUTTONS = ("accept", "start_self", "sign", "verify", "close", "resume")
MAX_RETURNS = 2
