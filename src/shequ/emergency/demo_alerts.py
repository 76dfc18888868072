"""Demo alerts: one past rainstorm alert in the demo's home township, closed, with every vulnerable
resident on its checklist confirmed reached (by phone or in person), so the console's history and a
full reach board show. No alert is left active: the "done when" story issues one.

Everything goes through ``emergency.actions.alerts`` as the system (``by=None``), at a frozen past
time, deterministic for a seed; the alert is marked ``is_synthetic``. Its batches are written but no
message is sent (``send=False``): nobody is told about a rainstorm that is over. Loading twice adds
nothing (the request key is derived from the seed)."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction

from shequ.core import calendar
from shequ.emergency.actions import alerts as actions
from shequ.emergency.models import Alert, AlertKind, ReachItem, ReachStatus, Severity
from shequ.territory.models import Region

DAYS_AGO = 20


@transaction.atomic
def load_demo_alerts(*, county: Region, seed: int, community: Region) -> dict[str, int]:
    """A closed past rainstorm alert to ``community``'s township (in ``county``), all reached."""
    township = community.parent
    counts = {"alerts": 0, "reach_items": 0}
    if township is None or not township.path.startswith(county.path):
        return counts
    key = f"demo-alert-{seed}-{township.code}"
    if Alert.objects.filter(request_key=key).exists():
        return counts
    rng = random.Random(f"alerts-{seed}")  # noqa: S311 (demo data)
    day = calendar.localdate() - timedelta(days=DAYS_AGO)
    issued = datetime.combine(day, time(7, 30))
    with calendar.frozen_time(issued) as clock:
        try:
            alert = actions.issue_alert(
                region=township,
                kind=AlertKind.RAINSTORM,
                severity=Severity.ORANGE,
                title=f"{township.name}暴雨橙色预警",
                instructions="预计未来6小时有大暴雨，请勿前往地下通道、低洼地带；"
                "独居老人请保持电话畅通，社区网格员将逐一联系。",
                target_regions=[township],
                request_key=key,
                by=None,
                is_synthetic=True,
                send=False,
            )
        except ValidationError:  # a township without residents: no demo alert
            return counts
        items = list(ReachItem.objects.filter(alert=alert).order_by("pk"))
        for item in items:
            clock.tick(timedelta(seconds=rng.randint(5, 40)))
            status = (
                ReachStatus.REACHED_IN_PERSON if rng.random() < 0.3 else ReachStatus.REACHED_PHONE
            )
            actions.confirm_reach(item=item, status=status, note="", by=None)
        clock.tick(timedelta(hours=2))
        actions.close_alert(alert=alert, reason="降雨结束，预警解除", by=None)
    return {"alerts": 1, "reach_items": len(items)}


@transaction.atomic
def delete_demo_alerts() -> dict[str, int]:
    """Delete the synthetic alerts (their checklists and batches go with them)."""
    alerts = Alert.objects.filter(is_synthetic=True)
    counts = {
        "alerts": alerts.count(),
        "reach_items": ReachItem.objects.filter(alert__in=alerts).count(),
    }
    alerts.delete()
    return counts
