"""Demo open affairs in the home community: published disclosures of the last quarters — finances
with a generated PDF or PNG attachment, a project disclosure that was corrected (both stay in the
archive), subsidies — an older finance disclosure with an objection the supervision committee
answered, and the last quarter's finances published today with the objection window open (the demo
resident's journey objects to it).

Everything goes through ``participation.actions.disclosures``; the older ones are published with the
platform clock set back (``core.calendar.frozen_time``). The objector of the answered objection is a
synthetic resident account linked to a synthetic resident of the community. Deterministic for a seed;
rows marked ``is_synthetic``; loading twice adds nothing."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from shequ.accounts import actions as accounts
from shequ.accounts.models import User, UserKind
from shequ.core import calendar
from shequ.participation.actions import disclosures as actions
from shequ.participation.models.disclosures import (
    Disclosure,
    DisclosureAttachment,
    DisclosureCategory,
    Objection,
)
from shequ.registry.actions.own import link_account
from shequ.registry.models import LifeStatus, Resident
from shequ.territory.models import Level, Region

C = DisclosureCategory


def _quarter(day: date, back: int) -> tuple[date, date]:
    """The calendar quarter ``back`` quarters before the one holding ``day``."""
    index = (day.year * 4 + (day.month - 1) // 3) - back
    year, q = divmod(index, 4)
    start = date(year, q * 3 + 1, 1)
    end = date(year + (q == 3), (q * 3 + 3) % 12 + 1, 1) - timedelta(days=1)
    return start, end


def _morning(day: date) -> datetime:
    return calendar.localtime().replace(
        year=day.year, month=day.month, day=day.day, hour=9, minute=30, second=0, microsecond=0
    )


def _png(seed: int) -> bytes:
    import io

    from PIL import Image, ImageDraw

    rng = random.Random(f"{seed}-disclosure-png")  # noqa: S311 (demo data)
    image = Image.new("RGB", (480, 300), "white")
    draw = ImageDraw.Draw(image)
    for i in range(6):
        height = rng.randint(40, 240)
        draw.rectangle([30 + i * 70, 280 - height, 80 + i * 70, 280], fill="#1d6fb8")
    draw.line([20, 280, 460, 280], fill="black", width=2)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def minimal_pdf(text: str = "Finances") -> bytes:
    """A minimal valid one-page PDF showing ``text`` (ASCII)."""
    import io

    stream = f"BT /F1 18 Tf 40 100 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 200] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return out.getvalue()


class _Upload:
    def __init__(self, name: str, content: bytes) -> None:
        import io

        self.name = name
        self.size = len(content)
        self._buffer = io.BytesIO(content)

    def read(self, n: int = -1) -> bytes:
        return self._buffer.read(n)

    def seek(self, pos: int) -> int:
        return self._buffer.seek(pos)


def _objector(home: Region, seed: int) -> User | None:
    """A synthetic resident of ``home`` with a synthetic sign-in account (made once)."""
    linked = (
        Resident.objects.filter(
            community=home, is_synthetic=True, account__is_synthetic=True, status=LifeStatus.ACTIVE
        )
        .select_related("account")
        .order_by("pk")
        .first()
    )
    if linked is not None and linked.account is not None:
        return linked.account
    person = (
        Resident.objects.filter(
            community=home, is_synthetic=True, account__isnull=True, status=LifeStatus.ACTIVE
        )
        .order_by("pk")
        .first()
    )
    if person is None:
        return None
    phone = f"1960{seed % 10000:04d}{person.pk % 1000:03d}"
    try:
        with transaction.atomic():
            account = accounts.create_resident_user(
                phone=phone,
                full_name=person.name,
                password=f"Demo-{seed}-objector",
                is_synthetic=True,
            )
    except (ValidationError, IntegrityError):
        return None
    link_account(resident=person, phone=phone, by=None)
    return account


def _publish(
    home: Region,
    *,
    author: Any,
    at: datetime | None,
    attach: list[_Upload] | None = None,
    **values: Any,
) -> Disclosure:
    item = actions.create_disclosure(
        by=None, community=home, is_synthetic=True, author=author, **values
    )
    if attach:
        actions.attach(disclosure=item, by=None, uploads=attach)
    if at is None:
        actions.publish(disclosure=item, by=None)
    else:
        with calendar.frozen_time(at):
            actions.publish(disclosure=item, by=None)
    item.refresh_from_db()
    return item


def load_demo_disclosures(
    *,
    county: Region | None = None,
    seed: int = 0,
    community: Region | None = None,
    users: dict[str, Any] | None = None,
    **_ignored: Any,
) -> dict[str, int]:
    """Disclosures, attachments and an answered objection in ``community`` (default: the first
    community of ``county`` with demo residents)."""
    counts = {"disclosures": 0, "disclosure_attachments": 0, "objections": 0}
    home = community
    if home is None and county is not None:
        found = (
            Resident.objects.filter(is_synthetic=True, community__path__startswith=county.path)
            .values_list("community", flat=True)
            .order_by("community__path")
            .first()
        )
        home = Region.objects.filter(pk=found, level=Level.COMMUNITY).first() if found else None
    if home is None or Disclosure.objects.filter(is_synthetic=True, community=home).exists():
        return counts
    rng = random.Random(f"{seed}-disclosures")  # noqa: S311 (demo data)
    today = calendar.localdate()
    supervisor = (users or {}).get("supervision_member")
    author = (users or {}).get("community_staff") or (
        User.objects.filter(is_synthetic=True)
        .exclude(kind=UserKind.RESIDENT)
        .order_by("pk")
        .first()
    )
    if author is None:
        return counts
    with transaction.atomic():
        q1_start, q1_end = _quarter(today, 1)
        q2_start, q2_end = _quarter(today, 2)
        q3_start, q3_end = _quarter(today, 3)
        income, spent = rng.randint(80, 160), rng.randint(60, 120)
        older = _publish(
            home,
            author=author,
            at=_morning(q2_end + timedelta(days=10)),
            attach=[
                _Upload("财务收支明细.pdf", minimal_pdf(f"Income {income}0000 / Spent {spent}0000"))
            ],
            category=C.FINANCES,
            title=f"{q2_start.year}年第{(q2_start.month - 1) // 3 + 1}季度财务收支公开",
            body=(
                f"本季度集体收入{income}万元（上级补助、房屋出租），支出{spent}万元"
                "（办公经费、环境整治、道路维修）。明细见附件，欢迎居民监督。"
            ),
            period_start=q2_start,
            period_end=q2_end,
        )
        _publish(
            home,
            author=author,
            at=_morning(q3_end + timedelta(days=12)),
            category=C.SUBSIDIES,
            title="高龄津贴发放名单公开",
            body="本期高龄津贴共发放42人，80至89周岁每人每月50元，90周岁以上每人每月100元。",
            period_start=q3_start,
            period_end=q3_end,
        )
        project = _publish(
            home,
            author=author,
            at=_morning(q2_end + timedelta(days=15)),
            category=C.PROJECTS,
            title="小区道路修缮工程公开",
            body="工程预算38万元，施工单位通过公开比选确定，工期45天。",
            period_start=q2_start,
            period_end=q2_end,
        )
        with calendar.frozen_time(_morning(q2_end + timedelta(days=20))):
            fixed = actions.correct(disclosure=project, by=None)
            actions.update_disclosure(
                disclosure=fixed,
                by=None,
                title="小区道路修缮工程公开（更正）",
                body="工程预算36.5万元（原公开的38万元有误），施工单位通过公开比选确定，工期45天。",
            )
            actions.publish(disclosure=fixed, by=None)
        _publish(
            home,
            author=author,
            at=_morning(q1_end + timedelta(days=14)),
            category=C.DECISIONS,
            title="关于加装电梯补助办法的居民会议决定",
            body="经居民会议表决通过：既有住宅加装电梯每台补助5万元，由社区按程序申报。",
            period_start=q1_start,
            period_end=q1_end,
        )
        _publish(
            home,
            author=author,
            at=None,
            attach=[_Upload("支出结构图.png", _png(seed))],
            category=C.FINANCES,
            title=f"{q1_start.year}年第{(q1_start.month - 1) // 3 + 1}季度财务收支公开",
            body=(
                f"本季度集体收入{rng.randint(70, 150)}万元，支出{rng.randint(50, 110)}万元。"
                "主要支出：老旧小区环境整治、路灯维修、活动室水电。异议期内欢迎提出意见。"
            ),
            period_start=q1_start,
            period_end=q1_end,
        )
        objector = _objector(home, seed)
        if objector is not None:
            with calendar.frozen_time(_morning(q2_end + timedelta(days=11))):
                objection = actions.file_objection(
                    disclosure=older,
                    by=objector,
                    body="道路维修支出比上季度多出不少，请公开维修的具体路段和施工合同。",
                )
            with calendar.frozen_time(_morning(q2_end + timedelta(days=13))):
                actions.respond(
                    objection=objection,
                    by=supervisor,
                    response=(
                        "经监督委员会核实：维修路段为3号楼至5号楼之间道路及小区东门路面，"
                        "施工合同已在社区服务中心公示栏张贴，可随时查阅。"
                    ),
                )
    counts["disclosures"] = Disclosure.objects.filter(is_synthetic=True, community=home).count()
    counts["disclosure_attachments"] = DisclosureAttachment.objects.filter(
        disclosure__is_synthetic=True, disclosure__community=home
    ).count()
    counts["objections"] = Objection.objects.filter(
        disclosure__is_synthetic=True, disclosure__community=home
    ).count()
    return counts


def delete_demo_disclosures() -> dict[str, int]:
    """Remove every synthetic disclosure with its attachments (files too) and objections."""
    items = Disclosure.objects.filter(is_synthetic=True)
    files = list(DisclosureAttachment.objects.filter(disclosure__in=items))
    with transaction.atomic():
        objections, _rows = Objection.objects.filter(disclosure__in=items).delete()
        attachments, _rows = DisclosureAttachment.objects.filter(disclosure__in=items).delete()
        deleted = 0
        # Corrections first: a superseded disclosure is protected while its correction exists.
        while True:
            leaves = Disclosure.objects.filter(is_synthetic=True, superseded_by__isnull=True)
            batch = list(leaves.values_list("pk", flat=True))
            if not batch:
                break
            n, _rows = Disclosure.objects.filter(pk__in=batch).delete()
            deleted += n
    for row in files:
        row.file.storage.delete(row.file.name)
    return {"disclosures": deleted, "disclosure_attachments": attachments, "objections": objections}
