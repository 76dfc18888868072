"""Disclosures, attachments, objections and the people who act on them, made through the real
actions."""

from __future__ import annotations

import io
import itertools
from datetime import date, timedelta
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from shequ.accounts import actions as accounts
from shequ.core import calendar
from shequ.participation.actions import disclosures as actions
from shequ.participation.demo_disclosures import minimal_pdf
from shequ.participation.models.disclosures import Disclosure, DisclosureCategory, Objection
from shequ.registry.models import Resident
from shequ.registry.tests import factories as registry
from shequ.territory.models import Region

_phones = itertools.count(1)


def make_disclosure(
    community: Region,
    *,
    by: Any = None,
    title: str = "2026年第三季度财务收支公开",
    body: str = "本季度收入12万元，支出9万元，明细见附件。",
    category: str = DisclosureCategory.FINANCES,
    period_start: date | None = None,
    period_end: date | None = None,
    publish: bool = False,
    objection_days: int = 7,
    **extra: Any,
) -> Disclosure:
    today = calendar.localdate()
    if by is None and "author" not in extra:
        extra["author"] = _author(community)
    item = actions.create_disclosure(
        by=by,
        community=community,
        category=category,
        title=title,
        body=body,
        period_start=period_start or today - timedelta(days=90),
        period_end=period_end or today - timedelta(days=1),
        **extra,
    )
    if publish:
        actions.publish(disclosure=item, by=by, objection_days=objection_days)
    return item


def _author(community: Region) -> Any:
    from shequ.accounts.models import User, UserKind

    found = User.objects.exclude(kind=UserKind.RESIDENT).order_by("pk").first()
    if found is None:
        found = accounts.create_staff_user(
            username=f"drafter{community.code}", full_name="起草人", password=None
        )
    return found


def png_bytes(size: tuple[int, int] = (40, 30), color: str = "#1d6fb8") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


def pdf_bytes(text: str = "Finances") -> bytes:
    return minimal_pdf(text)


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> Any:
    return SimpleUploadedFile(name, content, content_type=content_type)


def resident_user(community: Region, name: str = "李明") -> tuple[Resident, Any]:
    """A verified resident of ``community``: a registry record linked to a sign-in account."""
    person = registry.resident(community, name)
    user = accounts.create_resident_user(
        phone=f"193{next(_phones) + 33000000:08d}", full_name=name, password="Resident-pass-1"
    )
    Resident.objects.filter(pk=person.pk).update(account=user)
    person.refresh_from_db()
    return person, user


def staff(role: str, region: Region, username: str) -> Any:
    from shequ.accounts.models import Role

    accounts.sync_builtin_roles()
    user = accounts.create_staff_user(username=username, full_name=f"{username}甲", password=None)
    accounts.assign_role(user=user, role=Role.objects.get(code=role), region=region)
    return user


def object_to(
    item: Disclosure, user: Any, body: str = "支出明细中的维修费偏高，请说明。"
) -> Objection:
    return actions.file_objection(disclosure=item, by=user, body=body)
