"""Issue #3's "done when", as one story through the pages.

A community worker registers a household with three members, tags a care group, finds them by pinyin
initials, imports a 1,000-row spreadsheet with bad rows reported, and sees only masked ID numbers until
a reasoned reveal, which the auditor then sees in the audit trail.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from shequ.core.models import ImportStatus
from shequ.registry.models import CareGroup, CareGroupTag, Resident
from shequ.registry.tests.test_import import checked, csv_bytes, person, start
from shequ.registry.tests.test_import import var_dir as var_dir  # the autouse fixture
from shequ.registry.tests.test_views import HEAD_ID, THREE_MEMBERS, household_post
from tests.pages import client_for, html
from tests.world import World, build_world


def thousand_rows_with_bad_ones() -> tuple[bytes, int]:
    """1,000 people in households of one to four; every 25th row is wrong in one of four ways."""
    rows: list[dict[str, str]] = []
    number = 0
    while len(rows) < 1000:
        number += 1
        for member in range(min(1 + number % 4, 1000 - len(rows))):
            serial = len(rows) + 1
            cells = {"grid": "001", "address": f"{number}号"} if member == 0 else {}
            relation = "户主" if member == 0 else "子女"
            rows.append(person(f"H{number}", relation, f"居民{serial}", serial, **cells))
    for index in range(0, 1000, 25):
        row = rows[index]
        kind = (index // 25) % 4
        if kind == 0:
            row["id_number"] = row["id_number"][:-1] + ("1" if row["id_number"][-1] != "1" else "2")
        elif kind == 1:
            row["phone"] = "1234"
        elif kind == 2:
            row["birth_date"] = "2001-02-30"
        else:
            row["name"] = ""
    return csv_bytes(rows), 40


def test_the_community_workers_day(db: Any, django_capture_on_commit_callbacks: Any) -> None:
    world: World = build_world()
    client = client_for(world.users["community_staff"])

    # Register a household with three members.
    response = client.post(reverse("registry:household_new"), household_post(world, THREE_MEMBERS))
    assert response.status_code == 302
    head = Resident.objects.get(name="张三")

    # Tag a care group.
    response = client.post(
        reverse("registry:care_tag_new", kwargs={"resident_id": head.pk}),
        {"group": CareGroup.VETERAN, "start_date": "2020-01-01", "source": "退役军人事务局"},
    )
    assert response.status_code == 302
    assert CareGroupTag.objects.filter(resident=head, group=CareGroup.VETERAN).exists()

    # Find them by pinyin initials.
    found = html(client.get(reverse("registry:residents"), {"q": "zs"}))
    assert "张三" in found and "退役军人" in found

    # Import 1,000 rows; the bad ones are reported by row, column and reason.
    content, bad = thousand_rows_with_bad_ones()
    job = checked(client, world, content, django_capture_on_commit_callbacks, name="千人.csv")
    assert (job.total_rows, job.bad_rows) == (1000, bad)
    report = html(client.get(reverse("registry:import_job", kwargs={"job_id": job.pk})))
    assert "身份证号码校验位不正确" in report and "手机号" in report
    job = start(client, job, "good_rows", django_capture_on_commit_callbacks)
    assert job.status == ImportStatus.DONE and job.created_count > 800

    # Only masked ID numbers on the pages, until a reasoned reveal.
    resident_url = reverse("registry:resident", kwargs={"resident_id": head.pk})
    page = html(client.get(resident_url))
    assert HEAD_ID not in page and HEAD_ID[:6] + "********" + HEAD_ID[-4:] in page
    assert HEAD_ID not in html(client.get(reverse("registry:residents"), {"q": "zs"}))
    refused = client.post(
        reverse("registry:reveal", kwargs={"resident_id": head.pk}), {"field": "id_number"}
    )
    assert HEAD_ID not in refused.content.decode()
    shown = client.post(
        reverse("registry:reveal", kwargs={"resident_id": head.pk}),
        {"field": "id_number", "reason": "核对高龄津贴申请人身份"},
    )
    assert HEAD_ID in shown.content.decode()

    # The auditor sees who revealed what, when and why — never the value.
    audit = html(client_for(world.users["auditor"]).get(reverse("core:audit")))
    assert "核对高龄津贴申请人身份" in audit
    assert HEAD_ID not in audit
