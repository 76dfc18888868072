"""Importing community social organisations from spreadsheets, through the pages.

Township staff (320302001) may import (organizations.import + edit); community staff may not.
Background tasks run inline at commit (``django_capture_on_commit_callbacks``). Errors name the row and
the column, never the value.
"""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from shequ.core.models import AuditEvent, ImportStatus
from shequ.organizations.models import OrgImport, SocialOrganization
from shequ.organizations.tests.factories_social import bad_uscc, make_org, uscc
from tests.imports import ImportFlow, errors_of
from tests.pages import client_for, html
from tests.world import World, build_world

pytestmark = pytest.mark.django_db

HOME = "320302001001"
VILLAGE = "320302001201"
TOWNSHIP = "320302001"
ELSEWHERE = "320303001001"
HEADERS = {
    "region": "所在地代码",
    "name": "组织名称",
    "kind": "组织类型",
    "registration": "登记备案",
    "uscc": "统一社会信用代码",
    "filing_number": "备案编号",
    "founded_on": "成立日期",
    "leader_name": "负责人",
    "contact_phone": "联系电话",
    "members": "成员数",
    "services": "服务内容",
    "is_brand": "品牌社会组织",
}
FLOW = ImportFlow(
    namespace="organizations", id_kwarg="org_import_id", model=OrgImport,
    folder="org_imports", headers=HEADERS, file_name="社会组织.csv", region=TOWNSHIP,
)  # fmt: skip
PHONE = "13955501234"


@pytest.fixture(autouse=True)
def var_dir(settings: Any, tmp_path: Path) -> Path:
    settings.VAR_DIR = tmp_path
    return tmp_path


@pytest.fixture
def world() -> World:
    return build_world()


@pytest.fixture
def client(world: World) -> Client:
    return client_for(world.users["township_staff"])


def row(n: int, **cells: str) -> dict[str, str]:
    """A registered organisation (with a USCC) at the home community."""
    values = {
        "region": HOME,
        "name": f"和美邻里互助会{n}",
        "kind": "邻里互助类",
        "registration": "民政登记",
        "uscc": uscc(500 + n),
        "filing_number": "",
        "founded_on": "2019-03-01",
        "leader_name": "陈静",
        "contact_phone": f"1395550{n:04d}",
        "members": "30",
        "services": "邻里互助、助老",
        "is_brand": "否",
    }
    values.update(cells)
    return values


def filed(n: int, **cells: str) -> dict[str, str]:
    """An organisation filed with the township (no USCC): matched by place and name."""
    return row(n, registration="备案", uscc="", filing_number=f"备-{n:03d}", **cells)


def test_a_file_registers_organisations_and_again_changes_nothing(
    client: Client, world: World, var_dir: Path, django_capture_on_commit_callbacks: Any
) -> None:
    rows = [
        row(1, is_brand="是"),
        filed(2, region=VILLAGE, kind="文体活动类"),
        row(3, region=TOWNSHIP, contact_phone=PHONE),
    ]
    content = FLOW.csv_bytes(rows)

    job = FLOW.checked(client, world, content, django_capture_on_commit_callbacks)
    assert (job.status, job.bad_rows, job.created_count) == (ImportStatus.CHECKED, 0, 3)
    assert not SocialOrganization.objects.exists()  # the dry run wrote nothing
    assert not AuditEvent.objects.filter(action="organizations.org_register").exists()
    job = FLOW.start(client, job, "all_or_nothing", django_capture_on_commit_callbacks)

    assert job.status == ImportStatus.DONE and job.created_count == 3
    first = SocialOrganization.objects.get(name="和美邻里互助会1")
    assert (first.region.code, first.kind, first.registration, first.members) == (
        HOME, "mutual_help", "registered", 30)  # fmt: skip
    assert first.is_brand and first.brand_since == date.today()
    second = SocialOrganization.objects.get(name="和美邻里互助会2")
    assert (second.region.code, second.kind, second.uscc, second.filing_number) == (
        VILLAGE, "culture", "", "备-002")  # fmt: skip
    third = SocialOrganization.objects.get(name="和美邻里互助会3")
    assert third.region.code == TOWNSHIP and third.contact_phone == PHONE
    # The phone is stored encrypted: the column does not hold it in clear.
    with connection.cursor() as cursor:
        table = SocialOrganization._meta.db_table
        cursor.execute(f"SELECT contact_phone FROM {table} WHERE id = %s", [third.pk])  # noqa: S608
        in_clear = PHONE in str(cursor.fetchone()[0])
    assert not in_clear
    assert AuditEvent.objects.filter(action="organizations.org_register").count() == 3
    assert FLOW.files_in(var_dir) == []

    again = FLOW.checked(client, world, content, django_capture_on_commit_callbacks)
    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, 3)
    FLOW.start(client, again, "all_or_nothing", django_capture_on_commit_callbacks)
    assert SocialOrganization.objects.count() == 3
    assert SocialOrganization.objects.get(pk=first.pk).version == first.version
    assert AuditEvent.objects.filter(action="organizations.import_finish").count() == 2


def test_a_file_updates_known_organisations_and_blank_cells_keep_values(
    client: Client, world: World, django_capture_on_commit_callbacks: Any
) -> None:
    by = world.users["township_staff"]
    known = make_org(region=world.regions[HOME], by=by, serial=9, registration="registered",
                     uscc=uscc(509), filing_number="", is_brand=False)  # fmt: skip
    kept = make_org(region=world.regions[HOME], by=by, serial=8)
    rows = [
        # Matched by USCC: renamed, more members; the blank phone keeps the stored one.
        {"uscc": uscc(509), "name": "和美新邻里", "members": "45", "is_brand": "是"},
        # Matched by place and name (filed, no USCC): only the leader changes.
        {"region": HOME, "name": kept.name, "leader_name": "刘洋"},
    ]
    content = FLOW.csv_bytes(rows, columns=["region", "name", "uscc", "members", "leader_name",
                                            "is_brand"])  # fmt: skip

    job = FLOW.checked(client, world, content, django_capture_on_commit_callbacks)
    assert (job.bad_rows, job.created_count, job.updated_count) == (0, 0, 2), errors_of(job)
    FLOW.start(client, job, "all_or_nothing", django_capture_on_commit_callbacks)

    known.refresh_from_db()
    kept.refresh_from_db()
    assert (known.name, known.members, known.is_brand) == ("和美新邻里", 45, True)
    assert known.contact_phone == "13912345678" and known.region.code == HOME
    assert (kept.leader_name, kept.members, kept.filing_number) == ("刘洋", 25, "备-0008")
    assert SocialOrganization.objects.count() == 2


def test_bad_rows_name_row_and_column_never_the_value(
    client: Client, world: World, django_capture_on_commit_callbacks: Any
) -> None:
    make_org(region=world.regions[ELSEWHERE], name="【X320303】外区组织", registration="registered",
             uscc=uscc(777, "320303"), filing_number="")  # fmt: skip
    make_org(region=world.regions[HOME], registration="registered", uscc=uscc(778),
             filing_number="", serial=2)  # fmt: skip
    duplicate = uscc(601)
    rows = [
        row(1, uscc=bad_uscc(1)),  # 2: bad check character
        row(2, uscc=uscc(777, "320303")),  # 3: registered in another county
        row(3, region="999999999999"),  # 4: no such place
        row(4, region=ELSEWHERE),  # 5: outside the import's place
        row(5, kind="体育类"),  # 6: no such kind
        row(6, contact_phone="12345"),  # 7: not a mobile number
        row(7, uscc=duplicate),  # 8: the same USCC twice in the file
        row(8, uscc=duplicate),  # 9
        row(9, registration="备案", filing_number=""),  # 10: filed without a filing number
        row(10, region="320302"),  # 11: a county is not an organisation's place
        row(11),  # 12: good
        row(12, founded_on="2999-01-01"),  # 13: in the future
        row(13, is_brand="也许"),  # 14
        row(14, uscc=""),  # 15: registered without USCC
    ]
    job = FLOW.checked(client, world, FLOW.csv_bytes(rows), django_capture_on_commit_callbacks)

    found = {(r, c) for r, c, _m in errors_of(job)}
    assert {
        (2, "统一社会信用代码"), (3, "统一社会信用代码"), (4, "所在地代码"), (5, "所在地代码"),
        (6, "组织类型"), (7, "联系电话"), (8, "统一社会信用代码"), (9, "统一社会信用代码"),
        (10, "备案编号"), (11, "所在地代码"), (13, "成立日期"), (14, "品牌社会组织"),
        (15, "统一社会信用代码"),
    } <= found  # fmt: skip
    assert not any(r == 12 for r, _c in found)
    assert job.bad_rows == 13 and job.created_count == 1
    messages = " ".join(m for _r, _c, m in errors_of(job))
    for value in (bad_uscc(1), uscc(777, "320303"), "12345", duplicate, "外区组织", "体育类"):
        assert value not in messages
    assert "校验位" in messages and "本次导入范围" in messages and "第9行" in messages
    page = html(client.get(FLOW.url("import_job", job)))
    assert "校验位" in page and "12345" not in page and bad_uscc(1) not in page
    report = client.get(FLOW.url("import_errors", job)).content.decode()
    assert "统一社会信用代码" in report and duplicate not in report and "12345" not in report

    # All or nothing is refused while rows are bad; nothing is written.
    response = client.post(FLOW.url("import_start", job), {"mode": "all_or_nothing"})
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == ImportStatus.CHECKED and SocialOrganization.objects.count() == 2

    job = FLOW.start(client, job, "good_rows", django_capture_on_commit_callbacks)
    assert job.status == ImportStatus.DONE and job.created_count == 1
    assert SocialOrganization.objects.filter(name="和美邻里互助会11").exists()
    assert SocialOrganization.objects.count() == 3


def test_all_or_nothing_leaves_nothing_when_a_row_fails_on_the_way(
    client: Client, world: World, django_capture_on_commit_callbacks: Any
) -> None:
    rows = [row(1), row(2), row(3)]
    job = FLOW.checked(client, world, FLOW.csv_bytes(rows), django_capture_on_commit_callbacks)
    assert job.bad_rows == 0 and job.created_count == 3
    # Someone registers the third organisation's code between the dry run and the import.
    make_org(region=world.regions[HOME], name="抢先登记的组织", registration="registered",
             uscc=row(3)["uscc"], filing_number="")  # fmt: skip

    job = FLOW.start(client, job, "all_or_nothing", django_capture_on_commit_callbacks)

    assert job.status == ImportStatus.FAILED and "第4行" in job.failure
    assert "没有导入任何数据" in job.failure and row(3)["uscc"] not in job.failure
    assert SocialOrganization.objects.count() == 1


def test_good_rows_only_skips_a_row_changed_after_the_dry_run(
    client: Client, world: World, django_capture_on_commit_callbacks: Any
) -> None:
    by = world.users["township_staff"]
    org = make_org(region=world.regions[HOME], by=by, registration="registered",
                   uscc=uscc(701), filing_number="")  # fmt: skip
    rows = [row(1), {**row(2), "uscc": uscc(701), "name": org.name, "members": "99"}]
    job = FLOW.checked(client, world, FLOW.csv_bytes(rows), django_capture_on_commit_callbacks)
    assert (job.created_count, job.updated_count) == (1, 1)
    from shequ.organizations.actions import social

    social.update_organization(organization=org, by=by, leader_name="新负责人")

    job = FLOW.start(client, job, "good_rows", django_capture_on_commit_callbacks)

    assert job.status == ImportStatus.DONE and job.created_count == 1
    assert [(r, c) for r, c, _m in errors_of(job)] == [(3, "统一社会信用代码")]
    org.refresh_from_db()
    assert org.members == 25 and org.leader_name == "新负责人"


def test_permissions_and_jurisdiction(
    client: Client, world: World, django_capture_on_commit_callbacks: Any
) -> None:
    staff = client_for(world.users["community_staff"])
    assert staff.get(FLOW.url("imports")).status_code == 403
    assert staff.get(FLOW.url("import_new")).status_code == 403

    job = FLOW.checked(client, world, FLOW.csv_bytes([row(1)]), django_capture_on_commit_callbacks)
    county = client_for(world.users["county_official"])
    assert county.get(FLOW.url("import_job", job)).status_code == 200
    # Another county's import official: the job answers 404 and the list does not show it.
    from shequ.accounts import actions as accounts
    from shequ.accounts.models import Role

    other = accounts.create_staff_user(username="other-county", full_name="外区", password=None)
    accounts.assign_role(user=other, role=Role.objects.get(code="county_official"),
                         region=world.regions["320303"])  # fmt: skip
    outsider = client_for(other)
    assert outsider.get(FLOW.url("import_job", job)).status_code == 404
    assert outsider.post(FLOW.url("import_cancel", job)).status_code == 404
    assert job.file_name not in html(outsider.get(FLOW.url("imports")))
    # An upload into a place outside one's jurisdiction is refused by the form.
    response = FLOW.upload(client, world, FLOW.csv_bytes([row(1)]), region="320303001")
    assert response.status_code == 200 and OrgImport.objects.count() == 1

    listing = html(client.get(FLOW.url("imports")))
    assert "批量导入社会组织" in listing and job.file_name in listing
    assert reverse("organizations:organization_list") in listing
    template = client.get(FLOW.url("import_template_xlsx"))
    assert template.status_code == 200 and template["Content-Type"].startswith("application/")
    csv_template = client.get(FLOW.url("import_template_csv")).content.decode("utf-8-sig")
    assert csv_template.startswith("所在地代码")


def test_the_import_list_reads_a_bounded_number_of_queries(
    client: Client, world: World, django_assert_max_num_queries: Any
) -> None:
    user = world.users["township_staff"]
    for n in range(40):
        OrgImport.objects.create(region=world.regions[TOWNSHIP], created_by=user,
                                 file_name=f"f{n}.csv", format="csv")  # fmt: skip
    with django_assert_max_num_queries(12):
        response = client.get(FLOW.url("imports"))
    assert response.status_code == 200 and "f39.csv" in html(response)


def test_a_renaming_that_clashes_is_refused_without_naming_the_value(
    client: Client, world: World, django_capture_on_commit_callbacks: Any
) -> None:
    by = world.users["township_staff"]
    make_org(region=world.regions[HOME], by=by, registration="registered", uscc=uscc(801),
             filing_number="", serial=1)  # fmt: skip
    other = make_org(region=world.regions[HOME], by=by, name="夕阳红合唱团", serial=2)
    rows = [{"uscc": uscc(801), "name": other.name}]
    content = FLOW.csv_bytes(rows, columns=["uscc", "name"])

    job = FLOW.checked(client, world, content, django_capture_on_commit_callbacks)

    assert [(r, c) for r, c, _m in errors_of(job)] == [(2, "组织名称")]
    message = errors_of(job)[0][2]
    assert "已有名为" in message and other.name not in message and uscc(801) not in message


def test_a_filled_in_excel_template_imports_and_its_example_row_does_not(
    client: Client, world: World, django_capture_on_commit_callbacks: Any
) -> None:
    untouched = client.get(FLOW.url("import_template_xlsx")).content
    job = FLOW.checked(client, world, untouched, django_capture_on_commit_callbacks,
                       name="模板.xlsx")  # fmt: skip
    assert job.status == ImportStatus.FAILED and "没有数据行" in job.failure

    workbook = load_workbook(io.BytesIO(untouched))
    sheet = workbook.worksheets[0]
    sheet.append([HOME, "银龄互助社", "邻里互助类", "街道(乡镇)备案", "", "备-77",
                  "2021-04-01", "王强", "13955507777", 18, "助老", "否"])  # fmt: skip
    buffer = io.BytesIO()
    workbook.save(buffer)
    job = FLOW.checked(client, world, buffer.getvalue(), django_capture_on_commit_callbacks,
                       name="填好了.xlsx")  # fmt: skip
    assert (job.status, job.total_rows, job.bad_rows, job.format) == ("checked", 1, 0, "xlsx")
    FLOW.start(client, job, "all_or_nothing", django_capture_on_commit_callbacks)
    org = SocialOrganization.objects.get()
    assert (org.name, org.members, org.founded_on) == ("银龄互助社", 18, date(2021, 4, 1))


def test_a_stopped_good_rows_import_resumes_after_its_last_batch(
    client: Client, world: World, django_capture_on_commit_callbacks: Any
) -> None:
    job = FLOW.checked(client, world, FLOW.csv_bytes([row(1), row(2), row(3)]),
                       django_capture_on_commit_callbacks)  # fmt: skip
    # The worker committed the batch of the first row, then died (its row is not ours to fake).
    OrgImport.objects.filter(pk=job.pk).update(
        status=ImportStatus.FAILED, mode="good_rows", processed_rows=1, failure="中断",
        created_count=1, updated_count=0, unchanged_count=0,
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(FLOW.url("import_resume", job))
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE and job.created_count == 3
    assert sorted(SocialOrganization.objects.values_list("name", flat=True)) == [
        "和美邻里互助会2", "和美邻里互助会3"]  # fmt: skip


def test_two_clicks_and_a_task_delivered_twice_import_once(
    client: Client, world: World, django_capture_on_commit_callbacks: Any
) -> None:
    from shequ.organizations.actions import imports

    job = FLOW.checked(client, world, FLOW.csv_bytes([row(1)]), django_capture_on_commit_callbacks)
    job = FLOW.start(client, job, "good_rows", django_capture_on_commit_callbacks)
    response = client.post(FLOW.url("import_start", job), {"mode": "good_rows"}, follow=True)
    assert "当前状态下不能进行此操作" in html(response)
    imports.run_org_import(job_id=job.pk)
    imports.run_org_check(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.created_count) == (ImportStatus.DONE, 1)
    assert SocialOrganization.objects.count() == 1
